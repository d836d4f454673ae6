import type { Series } from '../types.js';

/** Gaps up to this many steps are filled by linear interpolation. */
export const SHORT_GAP_STEPS = 3;
/** A value farther than this many robust standard deviations from the median is counted as an outlier. */
const OUTLIER_ROBUST_SDS = 10;

export interface CleanReport {
  /** Samples that were NaN or not finite in the input. */
  missing: number;
  /** Missing samples that were filled (the rest were leading gaps, dropped). */
  interpolated: number;
  /** Non-finite samples (treated as missing) plus extreme values (counted, kept: they may be real load). */
  outliers: number;
}

/** Steps in one day at this step, or 0 when a day is not at least two steps. */
export function dailySteps(stepSeconds: number): number {
  const d = Math.round(86400 / stepSeconds);
  return d >= 2 ? d : 0;
}

/**
 * Gap filling only (what every model runs on its input). Leading missing samples are dropped;
 * gaps of up to {@link SHORT_GAP_STEPS} with a value on both sides are interpolated linearly;
 * longer gaps (and a missing tail) take the cleaned value one day earlier when it exists, else
 * the last value before the gap.
 */
export function fillGaps(series: Series): { series: Series; missing: number; interpolated: number; nonFinite: number } {
  const { timestamps, values, stepSeconds } = series;
  const n = Math.min(timestamps.length, values.length);
  let missing = 0;
  let nonFinite = 0;
  let first = -1;
  for (let i = 0; i < n; i++) {
    const v = values[i] as number;
    if (Number.isFinite(v)) {
      if (first < 0) first = i;
    } else {
      missing++;
      if (!Number.isNaN(v)) nonFinite++;
    }
  }
  if (first < 0) return { series: { timestamps: [], values: [], stepSeconds }, missing, interpolated: 0, nonFinite };

  const m = n - first;
  const out = new Array<number>(m);
  const ts = timestamps.slice(first, n);
  const day = dailySteps(stepSeconds);
  let interpolated = 0;
  let i = 0;
  while (i < m) {
    const v = values[first + i] as number;
    if (Number.isFinite(v)) {
      out[i] = v;
      i++;
      continue;
    }
    // A gap [i, j) with a known value at i - 1 (i >= 1, since the series starts finite).
    let j = i;
    while (j < m && !Number.isFinite(values[first + j] as number)) j++;
    const left = out[i - 1] as number;
    const len = j - i;
    if (len <= SHORT_GAP_STEPS && j < m) {
      const right = values[first + j] as number;
      for (let k = i; k < j; k++) out[k] = left + ((right - left) * (k - i + 1)) / (len + 1);
    } else {
      for (let k = i; k < j; k++) out[k] = day > 0 && k - day >= 0 ? (out[k - day] as number) : left;
    }
    interpolated += len;
    i = j;
  }
  return { series: { timestamps: ts, values: out, stepSeconds }, missing, interpolated, nonFinite };
}

/** Steps from the first finite sample to the end: what models can use. */
export function usableSteps(series: Series): number {
  const n = Math.min(series.timestamps.length, series.values.length);
  for (let i = 0; i < n; i++) if (Number.isFinite(series.values[i] as number)) return n - i;
  return 0;
}

/**
 * Fill gaps (see {@link fillGaps}) and report what was done. Extreme values are counted but left
 * in place: a spike may be real load, and scaling must see it.
 */
export function cleanHistory(series: Series): {
  series: Series;
  report: { missing: number; interpolated: number; outliers: number };
} {
  const filled = fillGaps(series);
  const finite = series.values.filter((v) => Number.isFinite(v));
  let extreme = 0;
  if (finite.length >= 3) {
    const sorted = Float64Array.from(finite).sort();
    const med = medianSorted(sorted);
    const dev = Float64Array.from(finite, (v) => Math.abs(v - med)).sort();
    const sd = 1.4826 * medianSorted(dev);
    if (sd > 0) for (const v of finite) if (Math.abs(v - med) > OUTLIER_ROBUST_SDS * sd) extreme++;
  }
  return {
    series: filled.series,
    report: { missing: filled.missing, interpolated: filled.interpolated, outliers: filled.nonFinite + extreme },
  };
}

function medianSorted(a: Float64Array): number {
  const n = a.length;
  const h = n >> 1;
  return n % 2 === 1 ? (a[h] as number) : ((a[h - 1] as number) + (a[h] as number)) / 2;
}
