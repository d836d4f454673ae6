import type { Note } from '../../domain/reasons.js';
import { pinballSkill } from '../../forecast/backtest.js';
import type { Rule } from '../rule.js';

/**
 * Trust in the forecast the size comes from: on this workload's own backtest, the sizing
 * quantile's forecast (sizing.quantile, p90 by default) must beat seasonal naive with empirical
 * quantiles, by pinball skill 1 − pinball(model) ÷ pinball(seasonal naive) ≥ policy.minAccuracy
 * (0 by default: at least as close as "the same time yesterday"). Not 1 − WAPE of the median: on
 * bursty load the median is far off while the sized quantile does as well as anything can, and a
 * guard on the median froze such workloads. 1 − WAPE stays in the note and the PR, for reading.
 * No backtest (history too short for one held-out horizon): held, saying so.
 */
export const minAccuracy: Rule = {
  name: 'minAccuracy',
  doc: "the sizing quantile's forecast must beat seasonal naive on this workload's backtest: pinball skill 1 − pinball(model) ÷ pinball(seasonal naive) at sizing.quantile of at least `minAccuracy` (0: as close as the same time yesterday; 1 − WAPE of the median is shown, not judged); no backtest (too little history for one held-out horizon) holds",
  draft(draft, { policy, accuracy, recommendation, historySeconds }) {
    const q = recommendation.evidence.quantile;
    const min = policy.minAccuracy;
    if (!accuracy) {
      const note: Note = { rule: 'minAccuracy', effect: 'held', min, quantile: q, historySeconds, horizonSeconds: recommendation.evidence.horizonSeconds };
      return { draft, notes: [note] };
    }
    const skill = pinballSkill(accuracy, q);
    const ok = skill !== undefined && skill >= min;
    const note: Note = {
      rule: 'minAccuracy',
      effect: ok ? 'passed' : 'held',
      ...(skill !== undefined ? { skill } : {}),
      quantile: q,
      ...(accuracy.reference ? { reference: accuracy.reference.model } : {}),
      accuracy: 1 - accuracy.wape,
      min,
    };
    return { draft, notes: [note] };
  },
};
