import type { QuantileKey } from '../domain/forecast.js';

/** The key of a quantile level in Forecast.quantiles and Accuracy records: String(q), e.g. "0.9". */
export function quantileKey(q: number): QuantileKey {
  return String(q);
}

/**
 * Mean pinball (quantile) loss of a forecast of quantile `q`: q * (y - f) when the actual is above
 * the forecast (under-forecast), (1 - q) * (f - y) when below. Pairs where either side is not
 * finite are skipped; NaN when no pair is left.
 */
export function pinballLoss(actual: number[], forecast: number[], q: number): number {
  if (actual.length !== forecast.length) {
    throw new RangeError(`pinballLoss: ${actual.length} actual values but ${forecast.length} forecasts`);
  }
  if (!(q > 0 && q < 1)) throw new RangeError(`pinballLoss: quantile level must be in (0, 1), got ${q}`);
  let sum = 0;
  let count = 0;
  for (let i = 0; i < actual.length; i++) {
    const y = actual[i] as number;
    const f = forecast[i] as number;
    if (!Number.isFinite(y) || !Number.isFinite(f)) continue;
    const d = y - f;
    sum += d >= 0 ? q * d : (q - 1) * d;
    count++;
  }
  return count === 0 ? Number.NaN : sum / count;
}

/** Quantile of an ascending array by linear interpolation between order statistics (R type 7). */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  const pos = (n - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.min(n - 1, lo + 1);
  const a = sorted[lo] as number;
  const b = sorted[hi] as number;
  return a + (b - a) * (pos - lo);
}

/**
 * Quantile levels the selection loss averages pinball over: 0.5 and 0.9 always, plus every
 * requested level above the median. Each is at or above 0.5, so under-forecasting always costs
 * at least as much as over-forecasting, and strictly more on average.
 */
export function selectionLevels(requested: readonly number[]): number[] {
  const set = new Set<number>([0.5, 0.9]);
  for (const q of requested) if (q > 0.5 && q < 1) set.add(q);
  return [...set].sort((a, b) => a - b);
}

export function validateLevels(quantiles: readonly number[]): void {
  for (const q of quantiles) {
    if (!(q > 0 && q < 1)) throw new RangeError(`quantile levels must be in (0, 1), got ${q}`);
  }
}
