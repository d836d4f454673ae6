import type { Rule } from '../rule.js';

/** The chosen model must have forecast this workload well enough on its own history. */
export const minAccuracy: Rule = {
  name: 'minAccuracy',
  doc: "the chosen model's backtest accuracy (1 − WAPE) on this workload must reach it",
  draft(draft, { policy, accuracy }) {
    const a = accuracy ? 1 - accuracy.wape : undefined;
    const ok = a !== undefined && a >= policy.minAccuracy;
    return { draft, notes: [{ rule: 'minAccuracy', effect: ok ? 'passed' : 'held', ...(a !== undefined ? { accuracy: a } : {}), min: policy.minAccuracy }] };
  },
};
