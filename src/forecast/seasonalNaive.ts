import type { Forecaster } from '../domain/forecast.js';
import { MIN_HISTORY_STEPS, pointForecaster, seasonLabel, type FittedModel } from './model.js';

/**
 * Seasonal naive: every step repeats the value one season earlier (the last observed season,
 * repeated over longer horizons). With seasonSteps = 1 it is the last-value (flat) forecast.
 * Needs one full season of history (and at least MIN_HISTORY_STEPS).
 */
export function seasonalNaive(seasonSteps: number, name?: string): Forecaster {
  if (!Number.isInteger(seasonSteps) || seasonSteps < 1) {
    throw new RangeError(`seasonalNaive: seasonSteps must be a positive integer, got ${seasonSteps}`);
  }
  const m = seasonSteps;
  return pointForecaster({
    name: name ?? `seasonal-naive(${seasonLabel(m)})`,
    minHistorySteps: () => Math.max(m, MIN_HISTORY_STEPS),
    fit(values: Float64Array): FittedModel {
      const n = values.length;
      // Value used at `lead` from `origin`: the latest one of the same phase at or before origin.
      const at = (origin: number, lead: number): number => values[origin + lead - m * Math.ceil(lead / m)] as number;
      return {
        firstOrigin: m - 1,
        forecast(h: number): Float64Array {
          const out = new Float64Array(h);
          for (let i = 1; i <= h; i++) out[i - 1] = at(n - 1, i);
          return out;
        },
        inSample(origin, leads, out) {
          for (let j = 0; j < leads.length; j++) out[j] = origin - m + 1 >= 0 ? at(origin, leads[j] as number) : Number.NaN;
        },
      };
    },
  });
}
