import { changeKindOf } from '../../domain/workload.js';
import type { Rule } from '../rule.js';

/**
 * Absurd inputs must not become modest-looking PRs: a raw recommendation (before any clamp) far
 * from what runs now, or a stated capacity per replica that today's pods visibly exceed or fall
 * short of, means a wrong unit, capacity or query; the clamps would only hide it.
 */
/** Implausible inputs size nothing: no value of the draft is worth showing as "what it would propose". */
const NOTHING = { changes: [] };

export const plausibility: Rule = {
  name: 'plausibility',
  doc: 'holds, as implausible, a recommendation more than `maxRawChangeFactor` (4×) away from the current value before any clamp, or a `capacity.perReplica` that the load today\'s pods serve exceeds or falls short of by as much: the units, the capacity or the query are wrong',
  draft(draft, { policy, recommendation, currentReplicas }) {
    const limit = policy.maxRawChangeFactor;
    // The capacity first: when it disagrees with what today's pods serve, it names the key to fix.
    const { observedPeak, capacityPerReplica: perReplica, capacitySource } = recommendation.evidence;
    // A derived capacity comes from the same data, so it cannot disagree with it.
    if (capacitySource.kind === 'given' && currentReplicas !== undefined && currentReplicas > 0 && observedPeak > 0) {
      const perPod = observedPeak / currentReplicas;
      if (perPod / perReplica > limit || perReplica / perPod > limit) {
        return { draft: NOTHING, notes: [{ rule: 'plausibility', effect: 'held', capacity: { observedPeak, replicas: currentReplicas, perReplica }, limit }] };
      }
    }
    for (const c of draft.changes) {
      if (changeKindOf(c.field) !== 'replicas' && changeKindOf(c.field) !== 'hpa') continue;
      if (!(c.current > 0) || !(c.proposed > 0)) continue;
      if (c.proposed / c.current > limit || c.current / c.proposed > limit) {
        return { draft: NOTHING, notes: [{ rule: 'plausibility', effect: 'held', field: c.field, raw: c.proposed, current: c.current, limit }] };
      }
    }
    return { draft, notes: [{ rule: 'plausibility', effect: 'passed', limit }] };
  },
};
