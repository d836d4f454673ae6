import type { Change } from '../../domain/decision.js';
import type { Note } from '../../domain/reasons.js';
import type { FieldKey } from '../../domain/workload.js';
import { triggerHours } from '../../domain/schedule.js';
import { relChange } from '../../domain/units.js';
import type { Rule } from '../rule.js';

/** No PR for noise: changes smaller than this are dropped; a schedule whose every hour moves less is dropped. */
export const minChangePercent: Rule = {
  name: 'minChangePercent',
  doc: 'drops changes too small to be worth a review',
  draft(draft, { policy }) {
    const percent = policy.minChangePercent;
    // A change that moves nothing (a step limit that rounds back to the current value) is never proposed, even at 0 %.
    const small = keepHpaValid(
      draft.changes,
      draft.changes.filter((c) => c.proposed === c.current || relChange(c) * 100 < percent),
    );
    const moves = small.filter((c) => c.proposed !== c.current).map((c) => ({ field: c.field, from: c.current, to: c.proposed }));
    const notes: Note[] = [moves.length > 0 ? { rule: 'minChangePercent', effect: 'dropped', moves, percent } : { rule: 'minChangePercent', effect: 'passed', percent }];
    let schedule = draft.schedule;
    if (schedule && JSON.stringify(schedule.proposed) === JSON.stringify(schedule.current)) schedule = undefined;
    if (schedule) {
      const now = triggerHours(schedule, schedule.current);
      const after = triggerHours(schedule, schedule.proposed);
      const moved = after.map((r, h) => Math.abs(r - (now[h] as number)) / Math.max(1, now[h] as number));
      if (Math.max(...moved) * 100 < percent) {
        notes.push({ rule: 'minChangePercent', effect: 'dropped', schedule: true, percent });
        schedule = undefined;
      }
    }
    return { draft: { changes: draft.changes.filter((c) => !small.includes(c)), schedule }, notes };
  },
};

/**
 * `small` without the change of one HPA bound that the other's kept change needs: a floor raised
 * above today's ceiling keeps the ceiling's small raise, a ceiling lowered below today's floor keeps
 * the floor's small cut. Dropped, the HPA would end with minReplicas above maxReplicas, which the
 * API server rejects.
 */
function keepHpaValid(changes: readonly Change[], small: readonly Change[]): Change[] {
  const kept = (f: FieldKey) => changes.find((c) => c.field === f && !small.includes(c));
  const min = kept('hpa.minReplicas');
  const max = kept('hpa.maxReplicas');
  return small.filter((c) => {
    if (c.proposed === c.current) return true;
    if (c.field === 'hpa.maxReplicas' && min && min.proposed > c.current) return false;
    if (c.field === 'hpa.minReplicas' && max && c.current > max.proposed) return false;
    return true;
  });
}
