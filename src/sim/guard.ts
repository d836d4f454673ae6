// The max-step guardrail as Augur's guard stage applies it to replica counts (src/guardrails):
// one proposal moves a count at most `up`% up and `down`% down, but always by one replica when
// the percentage allows less, so a small workload is never stuck. Counts never go below 1.

export interface StepLimits {
  /** Percent a count may grow per proposal (100 = may double). */
  up: number;
  /** Percent a count may shrink per proposal (30 = to 70%). */
  down: number;
}

export const DEFAULT_STEP_LIMITS: StepLimits = { up: 100, down: 30 };

/** The proposed count after the guardrail, given the count in place. */
export function clampStep(current: number, proposed: number, limits: StepLimits): number {
  if (proposed > current) {
    const bound = Math.max(current + 1, Math.floor(current * (1 + limits.up / 100) + 1e-9));
    return Math.min(proposed, bound);
  }
  if (proposed < current) {
    const bound = Math.max(1, Math.min(current - 1, Math.ceil(current * (1 - limits.down / 100) - 1e-9)));
    return Math.max(proposed, bound);
  }
  return proposed;
}
