// Empirical quantile models: no fitted dynamics, only the distribution of recent load. They are
// what the winning baselines (a recent high percentile, the same hour's maximum) do well on
// bursty and shifting series, with a real distribution behind each quantile, so Augur's selection
// can choose them where the smoothing models' bands do not hold.
//
//   recent-quantiles   every step: the q-quantile of the last `days` days of samples.
//   profile-quantiles  a step at time of day t: the q-quantile of the samples within
//                      ±`halfWindowSeconds` of t on each of the last `days` days (UTC time of day).
import type { Forecast, ForecastOptions, Forecaster } from '../domain/forecast.js';
import type { Series } from '../domain/series.js';
import { fillGaps } from './clean.js';
import { describeSteps, ForecastError } from './errors.js';
import { quantileKey } from './loss.js';
import { MIN_HISTORY_STEPS, quantilesOf, validateOptions } from './model.js';
import { packedNumbers } from '../util/numbers.js';

const DAY = 86400;

function clean(name: string, history: Series, opts: ForecastOptions, need: number): number[] {
  validateOptions(opts, history.stepSeconds);
  const values = fillGaps(history).series.values;
  if (values.length < need) {
    throw new ForecastError(`${name} needs ${describeSteps(need, history.stepSeconds)} of history; ${describeSteps(values.length, history.stepSeconds)} usable`, values.length, need);
  }
  return values;
}

function result(name: string, history: Series, H: number, quantiles: Record<string, number[]>): Forecast {
  const t0 = history.timestamps[history.timestamps.length - 1] as number;
  return { model: name, stepSeconds: history.stepSeconds, timestamps: Array.from({ length: H }, (_, i) => t0 + (i + 1) * history.stepSeconds), quantiles };
}

/** Flat at the quantiles of the last `days` days (at least MIN_HISTORY_STEPS samples). */
export function recentQuantiles(days = 3, name = `recent-quantiles(${days}d)`): Forecaster {
  return {
    name,
    minHistorySteps: () => MIN_HISTORY_STEPS,
    forecast(history, opts) {
      const values = clean(name, history, opts, MIN_HISTORY_STEPS);
      const keep = Math.max(MIN_HISTORY_STEPS, Math.round((days * DAY) / history.stepSeconds));
      // quantilesOf finds only the order statistics the levels need: the numbers a sort would give.
      const at = quantilesOf(Float64Array.from(values.slice(-keep)), opts.quantiles);
      const quantiles: Record<string, number[]> = {};
      opts.quantiles.forEach((q, i) => (quantiles[quantileKey(q)] = packedNumbers(opts.horizonSteps, at[i] as number)));
      return result(name, history, opts.horizonSteps, quantiles);
    },
  };
}

/** Per time of day, the quantiles of the same time (± a window) over the last `days` days. Needs two days. */
export function profileQuantiles(stepSeconds: number, days = 7, halfWindowSeconds = 1800, name = `profile-quantiles(${days}d)`): Forecaster {
  return {
    name,
    minHistorySteps: () => Math.max(MIN_HISTORY_STEPS, 2 * Math.round(DAY / stepSeconds)),
    forecast(history, opts) {
      const step = history.stepSeconds;
      const daySteps = Math.round(DAY / step);
      if (daySteps < 2) throw new ForecastError(`${name} needs a step shorter than half a day, got ${step} s`);
      const values = clean(name, history, opts, 2 * daySteps);
      const n = values.length;
      const half = Math.max(0, Math.floor(halfWindowSeconds / step));
      const levels = [...new Set(opts.quantiles)].sort((a, b) => a - b);
      const H = opts.horizonSteps;
      const quantiles: Record<string, number[]> = {};
      for (const q of levels) quantiles[quantileKey(q)] = packedNumbers(H);
      // The same time of day repeats every daySteps; a future step's samples sit at whole days before it.
      // Each phase's quantiles, found by selection in a reused buffer (quantilesOf: the numbers a sort would give).
      const byPhase = new Map<number, number[]>();
      const buf = new Float64Array(days * (2 * half + 1));
      for (let h = 1; h <= H; h++) {
        const phase = (n - 1 + h) % daySteps;
        let at = byPhase.get(phase);
        if (!at) {
          let k = 0;
          for (let d = 1; d <= days; d++) {
            const centre = n - 1 + h - d * daySteps;
            for (let i = centre - half; i <= centre + half; i++) if (i >= 0 && i < n) buf[k++] = values[i] as number;
          }
          at = quantilesOf(k > 0 ? buf.subarray(0, k) : Float64Array.from(values), levels);
          byPhase.set(phase, at);
        }
        for (let li = 0; li < levels.length; li++) (quantiles[quantileKey(levels[li] as number)] as number[])[h - 1] = at[li] as number;
      }
      return result(name, history, H, quantiles);
    },
  };
}

