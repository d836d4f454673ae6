import type { Note } from '../../domain/reasons.js';
import { changeKindOf } from '../../domain/workload.js';
import type { Rule } from '../rule.js';
import { weekOf, withHours } from '../scheduleHours.js';

/** Replica counts and HPA bounds stay within the policy; a schedule's hours also within the ScaledObject's maxReplicaCount. */
export const minMaxReplicas: Rule = {
  name: 'minReplicas/maxReplicas',
  doc: 'clamps replicas, HPA bounds and each hour of a KEDA schedule',
  draft(draft, { policy }) {
    const { minReplicas: min, maxReplicas: max } = policy;
    const notes: Note[] = [];
    const changes = draft.changes.map((c) => {
      if (changeKindOf(c.field) !== 'replicas' && changeKindOf(c.field) !== 'hpa') return c;
      const clamped = Math.min(max, Math.max(min, c.proposed));
      if (clamped === c.proposed) return c;
      notes.push({ rule: 'minReplicas/maxReplicas', effect: 'clamped', field: c.field, from: c.proposed, to: clamped, min, max });
      return { ...c, proposed: clamped };
    });
    if (notes.length === 0) notes.push({ rule: 'minReplicas/maxReplicas', effect: 'passed', min, max });
    let schedule = draft.schedule;
    if (schedule) {
      const upper = Math.min(max, schedule.ceiling);
      const hours = schedule.hourlyNeed.map((need) => Math.min(upper, Math.max(min, need)));
      const bounded = hours.flatMap((v, h) => (v !== schedule!.hourlyNeed[h] ? [h] : []));
      if (bounded.length > 0) notes.push({ rule: 'minReplicas/maxReplicas', effect: 'clamped', schedule: true, hours: bounded, ...weekOf(hours), min, upper, max, ceiling: schedule.ceiling });
      schedule = withHours(schedule, hours);
    }
    return { draft: { changes, schedule }, notes };
  },
};
