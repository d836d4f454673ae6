import type { Note } from '../../domain/reasons.js';
import { triggerHours } from '../../domain/schedule.js';
import type { Rule } from '../rule.js';
import { weekOf, withHours } from '../scheduleHours.js';
import { clampStep, isWhole } from '../steps.js';

/** How far one PR moves a value: fields against Git, a schedule's hours against what they run at now. */
export const maxStepPercent: Rule = {
  name: 'maxStepPercent',
  doc: 'clamps how far one PR moves a value, up and down; a replica count may always move by one, so a small workload is never stuck; a schedule\'s hours move against what they run at now',
  draft(draft, { policy }) {
    const step = policy.maxStepPercent;
    const notes: Note[] = [];
    const changes = draft.changes.map((c) => {
      const limit = clampStep(c.field, c.current, c.proposed, step);
      if (limit === c.proposed) return c;
      const dir = c.proposed > c.current ? 'up' : 'down';
      const oneReplica = isWhole(c.field) && Math.abs(limit - c.current) === 1 && limit !== c.current * (1 + (dir === 'up' ? 1 : -1) * (step[dir] / 100));
      notes.push({ rule: `maxStepPercent.${dir}`, effect: 'clamped', field: c.field, from: c.proposed, to: limit, percent: step[dir], oneReplica });
      return { ...c, proposed: limit };
    });
    if (notes.length === 0) notes.push({ rule: 'maxStepPercent', effect: 'passed', up: step.up, down: step.down });
    let schedule = draft.schedule;
    if (schedule) {
      const now = triggerHours(schedule, schedule.current);
      const hours = schedule.hourlyNeed.map((v, h) => clampStep('replicas', now[h] as number, v, step));
      const stepped = hours.flatMap((v, h) => (v !== schedule!.hourlyNeed[h] ? [h] : []));
      if (stepped.length > 0) notes.push({ rule: 'maxStepPercent', effect: 'clamped', schedule: true, hours: stepped, ...weekOf(hours), up: step.up, down: step.down });
      schedule = withHours(schedule, hours);
    }
    return { draft: { changes, schedule }, notes };
  },
};
