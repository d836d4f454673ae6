import { relChange } from '../../domain/units.js';
import type { Rule } from '../rule.js';

/**
 * A reviewer said no to these numbers: do not ask again until they change materially. Field
 * values only: a rejected PR's schedule is not compared (turning sizing.schedule off, or dropping
 * `schedule` from allowedChanges, says more than a back-off would).
 */
export const rejectedBackoff: Rule = {
  name: 'rejectedBackoff',
  doc: 'after a reviewer closes an Augur PR unmerged, the same values are not proposed again for this long; a move of at least `minChangePercent` from them is',
  draft(draft, { policy, now, lastRejected: rejected }) {
    if (!rejected || draft.changes.length === 0 || now - rejected.closedAt >= policy.rejectedBackoff) return { draft, notes: [{ rule: 'rejectedBackoff', effect: 'passed' }] };
    const same = draft.changes.every((c) => {
      const before = rejected.values[c.field];
      return before !== undefined && relChange({ current: before, proposed: c.proposed }) * 100 < policy.minChangePercent;
    });
    if (!same) return { draft, notes: [{ rule: 'rejectedBackoff', effect: 'passed', pr: rejected.number }] };
    return { draft, notes: [{ rule: 'rejectedBackoff', effect: 'held', pr: rejected.number, closedAgo: now - rejected.closedAt, backoff: policy.rejectedBackoff, percent: policy.minChangePercent }] };
  },
};
