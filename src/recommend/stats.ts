// Small order statistics over series that may hold NaN (missing samples are skipped).
import { quantilesOf } from '../forecast/model.js';

export function finite(values: readonly number[]): number[] {
  return values.filter((v) => Number.isFinite(v));
}

export function max(values: readonly number[]): number {
  let m = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    if (Number.isFinite(v) && v > m) m = v;
  }
  return m;
}

export function min(values: readonly number[]): number {
  let m = Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    if (Number.isFinite(v) && v < m) m = v;
  }
  return m;
}

export function mean(values: readonly number[]): number {
  const f = finite(values);
  return f.length === 0 ? NaN : f.reduce((a, b) => a + b, 0) / f.length;
}

/** The finite values, in order, as a typed array. */
function finiteArray(values: readonly number[]): Float64Array {
  const out = new Float64Array(values.length);
  let n = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    if (Number.isFinite(v)) out[n++] = v;
  }
  return out.subarray(0, n);
}

/** The finite values, ascending (a typed array's numeric sort: no comparator call per pair). */
export function sortedFinite(values: readonly number[]): Float64Array {
  return finiteArray(values).sort();
}

/**
 * Percentile with linear interpolation, p in 0..100. NaN for an empty input. The two order
 * statistics are found by selection (quantilesOf), not by sorting: the same number, 1.2 to 2.7
 * times faster on a 14-day series (4,032 points, measured on a busy machine).
 */
export function percentile(values: readonly number[], p: number): number {
  const f = finiteArray(values);
  return f.length === 0 ? NaN : (quantilesOf(f, [p / 100])[0] as number);
}

/** The last `count` values (all when fewer). */
export function tail(values: readonly number[], count: number): number[] {
  return values.slice(Math.max(0, values.length - count));
}
