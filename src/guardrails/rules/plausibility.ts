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
    const { observedPeak, capacityPerReplica: perReplica, capacitySource, owner } = recommendation.evidence;
    // The fewest pods that served the observed peak: today's count; without one (an HPA, the cluster
    // not read), the HPA's minReplicas in Git, as it never ran fewer.
    const fewest = currentReplicas ?? (owner.kind === 'hpa' ? owner.minReplicas : undefined);
    // Pods at the floor with nothing above them to lower (spec.replicas at one, or at policy.minReplicas)
    // cannot be fewer: serving less than their capacity says nothing about its unit.
    const atFloor = owner.kind === 'none' && currentReplicas !== undefined && currentReplicas <= Math.max(1, policy.minReplicas);
    // A derived capacity comes from the same data, so it cannot disagree with it. A load of 0 at every
    // sample falls short of any capacity (observedPeak is -Infinity when no sample was read).
    if (capacitySource.kind === 'given' && observedPeak >= 0) {
      const held = (replicas: number) => ({ draft: NOTHING, notes: [{ rule: 'plausibility' as const, effect: 'held' as const, capacity: { observedPeak, replicas, perReplica }, limit }] });
      if (currentReplicas !== undefined && currentReplicas > 0 && observedPeak > limit * perReplica * currentReplicas) return held(currentReplicas);
      // Each pod served at most observedPeak ÷ fewest.
      if (fewest !== undefined && fewest > 0 && !atFloor && perReplica * fewest > limit * observedPeak) return held(fewest);
    }
    for (const c of draft.changes) {
      if (changeKindOf(c.field) !== 'replicas' && changeKindOf(c.field) !== 'hpa') continue;
      // From 0 (scaled to zero on purpose) any count is infinitely far: n ÷ 0 is Infinity.
      if (!(c.current >= 0) || !(c.proposed > 0)) continue;
      if (c.proposed / c.current > limit || c.current / c.proposed > limit) {
        return { draft: NOTHING, notes: [{ rule: 'plausibility', effect: 'held', field: c.field, raw: c.proposed, current: c.current, limit }] };
      }
    }
    return { draft, notes: [{ rule: 'plausibility', effect: 'passed', limit }] };
  },
};
