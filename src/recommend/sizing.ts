// Cost-aware sizing: each workload's capacity from its own backtest, instead of a blanket
// "p90 + headroom, never below the p99".
//
// The backtest that chose the model held out its last days and forecast them from the data before
// (Accuracy.calibration): for each held-out step, its lead and how far the actual was above the
// sizing quantile's forecast (the residual). Split-conformal, per lead-time bucket: a future step
// at lead h is expected to miss a capacity C by the residuals of the same bucket, so the share
// of intervals under-provisioned at C is expected to be
//
//     E(C) = mean over the steps t sized  of  #{ r in bucket(t) : f(t) + r > C } ÷ |bucket(t)|
//
// (never less than with all residuals pooled: see expectedUnder) and the capacity is the smallest
// C with E(C) ≤ sizing.targetUnderProvisioned. A day with a narrow peak gets little above its
// forecast; a workload whose backtest missed often gets more.
//
// The burst guard is earned: when the actual peak of at least half the held-out days went above
// the forecast's high quantile (sizing.maxQuantile, p99) peak of that day, bursts are a habit of
// this workload, and the capacity is at least the high quantile's peak times the margin those
// bursts needed (the median ratio of actual peak to p99 peak on those days). Otherwise no p99
// floor: a p99 a day ahead is wide, and on cyclic load it sat above even the 14-day maximum.
import type { Accuracy, Forecast } from '../domain/forecast.js';
import { quantileKey } from '../forecast/loss.js';

/** Lead-time buckets the residuals are split into (equal widths over the backtest's horizon). */
export const LEAD_BUCKETS = 4;
/** A bucket with fewer residuals than this is pooled with the others. */
export const MIN_BUCKET_RESIDUALS = 48;

export interface CalibratedSize {
  /** The load to provision for: the smallest capacity within the target (and the burst guard). */
  load: number;
  /** The expected share of the sized steps above `load`, from the residuals (before the burst guard raised it, if it did). */
  expected: number;
  target: number;
  /** The quantile whose forecast the residuals are measured from (sizing.quantile). */
  quantile: number;
  /** That quantile's forecast peak over the steps sized, and `load` relative to it (0.06 = 6% above). */
  peak: number;
  margin: number;
  /** The highest requested quantile whose forecast peak is at or below `load`: "about the p-what". */
  equivalentQuantile?: number;
  /** Held-out steps behind it, and the lead buckets they were split into. */
  residuals: number;
  buckets: number;
  /** The burst guard, when the backtest showed bursts above the high quantile on at least half its days. */
  burst?: { days: number; of: number; ratio: number; quantile: number; load: number };
}

/** What the sizing needs from the backtest: residuals of the sized quantile by lead bucket, and the burst record. */
export interface Calibration {
  quantile: number;
  /** Residuals (actual − forecast) per bucket, ascending. */
  buckets: Float64Array[];
  /** All residuals, ascending. */
  pooled: Float64Array;
  /** The bucket of a lead (1-based steps after the forecast's origin). */
  bucketOf: (lead: number) => number;
  /** The longest lead held out: the buckets split 1..horizon in equal widths. */
  horizon: number;
  residuals: number;
  /** Per held-out day (origin): actual peak ÷ the high quantile's forecast peak. */
  burstRatios: number[];
  maxQuantile: number;
}

/**
 * The accuracy as a selection is kept between cycles (SelectionCache's `keep`): the calibration
 * rows (every held-out step's lead, origin, actual and each quantile's forecast: about 5,000
 * numbers) replaced by what calibrationOf makes of them for this quantile pair (about 900), so a
 * fleet's kept selections stay small in memory and in state.dir. calibrationOf reads either.
 */
export function keepCalibration(acc: Accuracy, quantile: number, maxQuantile: number): Accuracy {
  if (!acc.calibration) return acc;
  const { calibration: _rows, ...rest } = acc;
  const cal = calibrationOf(acc, quantile, maxQuantile);
  if (!cal) return rest;
  return { ...rest, keptCalibration: { quantile, maxQuantile, horizon: cal.horizon, buckets: cal.buckets.map((b) => Array.from(b)), burstRatios: cal.burstRatios, residuals: cal.residuals } };
}

function bucketsOver(horizon: number, count: number): (lead: number) => number {
  return (lead) => Math.min(count - 1, Math.max(0, Math.floor(((lead - 1) * count) / horizon)));
}

/** The residuals of `quantile` in a backtest's calibration, split by lead; undefined when there are none. */
export function calibrationOf(acc: Accuracy | undefined, quantile: number, maxQuantile: number): Calibration | undefined {
  const kept = acc?.keptCalibration;
  if (kept && kept.quantile === quantile && kept.maxQuantile === maxQuantile) {
    const buckets = kept.buckets.map((b) => Float64Array.from(b));
    return { quantile, buckets, pooled: joined(buckets).sort(), bucketOf: bucketsOver(kept.horizon, buckets.length), horizon: kept.horizon, residuals: kept.residuals, burstRatios: kept.burstRatios, maxQuantile };
  }
  const cal = acc?.calibration;
  const pred = cal?.predicted[quantileKey(quantile)];
  if (!cal || !pred || cal.actual.length === 0) return undefined;
  let horizon = 1;
  for (const l of cal.lead) if (l > horizon) horizon = l;
  const n = cal.actual.length;
  let count = LEAD_BUCKETS;
  // Pool the buckets when any would be too thin to say anything about a 0.5% tail.
  if (n / LEAD_BUCKETS < MIN_BUCKET_RESIDUALS) count = 1;
  const bucketOf = bucketsOver(horizon, count);
  const lists: number[][] = Array.from({ length: count }, () => []);
  for (let i = 0; i < n; i++) {
    const r = (cal.actual[i] as number) - (pred[i] as number);
    if (Number.isFinite(r)) (lists[bucketOf(cal.lead[i] as number)] as number[]).push(r);
  }
  if (lists.some((l) => l.length === 0)) return undefined;
  const high = cal.predicted[quantileKey(maxQuantile)];
  const burstRatios: number[] = [];
  if (high) {
    const peaks = new Map<number, { actual: number; high: number }>();
    for (let i = 0; i < n; i++) {
      const o = cal.origin[i] as number;
      const p = peaks.get(o) ?? { actual: Number.NEGATIVE_INFINITY, high: Number.NEGATIVE_INFINITY };
      p.actual = Math.max(p.actual, cal.actual[i] as number);
      p.high = Math.max(p.high, high[i] as number);
      peaks.set(o, p);
    }
    for (const p of peaks.values()) if (p.high > 0 && Number.isFinite(p.actual)) burstRatios.push(p.actual / p.high);
  }
  return { quantile, buckets: lists.map((l) => Float64Array.from(l).sort()), pooled: Float64Array.from(lists.flat()).sort(), bucketOf, horizon, residuals: n, burstRatios, maxQuantile };
}

/** The arrays one after the other, in one typed array. */
function joined(parts: readonly Float64Array[]): Float64Array {
  const out = new Float64Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** How many of the ascending `sorted` are strictly above x. */
function countAbove(sorted: Float64Array, x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((sorted[mid] as number) <= x) lo = mid + 1;
    else hi = mid;
  }
  return sorted.length - lo;
}

/**
 * The expected share of `steps` (forecast values with their leads) above capacity c: per step, the
 * share of its lead bucket's residuals that would exceed it, and never less than the share of all
 * residuals pooled. The backtest's origins are a horizon apart, so a lead bucket sees only some
 * times of day (three origins, a 4-hour bucket: 12 of the day's 24 hours at most); a bucket that
 * happened to see only quiet hours must not make the busy ones look safe.
 */
export function expectedUnder(cal: Calibration, steps: readonly { value: number; lead: number }[], c: number): number {
  if (steps.length === 0) return 0;
  let sum = 0;
  const all = cal.pooled;
  for (const s of steps) {
    const b = cal.buckets[cal.bucketOf(s.lead)] as Float64Array;
    const x = c - s.value;
    sum += Math.max(countAbove(b, x) / b.length, countAbove(all, x) / all.length);
  }
  return sum / steps.length;
}

/**
 * expectedUnder(cal, steps, c) for many capacities c over the same steps (a bisection asks about
 * 35): the steps are ordered once by value, so each c's counts come from one walk up each residual
 * list, not two binary searches per step. The same counts, summed in the steps' order: the same
 * number to the last bit, 1.5 to 1.8 times faster on a day of 288 steps and 864 residuals.
 */
export function underAt(cal: Calibration, steps: readonly { value: number; lead: number }[]): (c: number) => number {
  const n = steps.length;
  // Filled by loops: TypedArray.from walks an iterator and boxes every number it hands on.
  const values = new Float64Array(n);
  const order = new Int32Array(n);
  const bucket = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const s = steps[i] as { value: number; lead: number };
    values[i] = s.value;
    order[i] = i;
    bucket[i] = cal.bucketOf(s.lead);
  }
  // Descending values: c - value ascends, and so does each list's count of residuals at or below it.
  order.sort((a, b) => (values[b] as number) - (values[a] as number));
  const byBucket = cal.buckets.map((_, k) => order.filter((i) => bucket[i] === k));
  const pooledShare = new Float64Array(n);
  const share = new Float64Array(n);
  return (c) => {
    if (n === 0) return 0;
    const all = cal.pooled;
    let p = 0;
    // Indexed loops: a for-of over a typed array is several times slower, and this runs ~60 times per sizing.
    for (let o = 0; o < n; o++) {
      const i = order[o] as number;
      const x = c - (values[i] as number);
      while (p < all.length && (all[p] as number) <= x) p++;
      pooledShare[i] = (all.length - p) / all.length;
    }
    for (let k = 0; k < byBucket.length; k++) {
      const b = cal.buckets[k] as Float64Array;
      let q = 0;
      const mine = byBucket[k] as Int32Array;
      for (let o = 0; o < mine.length; o++) {
        const i = mine[o] as number;
        const x = c - (values[i] as number);
        while (q < b.length && (b[q] as number) <= x) q++;
        share[i] = Math.max((b.length - q) / b.length, pooledShare[i] as number);
      }
    }
    let sum = 0;
    for (let i = 0; i < n; i++) sum += share[i] as number;
    return sum / n;
  };
}

/**
 * The smallest capacity whose expected under-provisioned share over `steps` (indices into the
 * forecast) is within `target`, with the burst guard; undefined when the forecast lacks the
 * quantile or there is nothing to size.
 */
export function calibratedSize(forecast: Forecast, cal: Calibration, target: number, steps?: readonly number[]): CalibratedSize | undefined {
  const band = forecast.quantiles[quantileKey(cal.quantile)];
  if (!band) return undefined;
  const idx = steps ?? band.map((_, i) => i);
  const first = forecast.firstLead ?? 1;
  const pts = idx.map((i) => ({ value: band[i] as number, lead: first + i })).filter((p) => Number.isFinite(p.value));
  if (pts.length === 0) return undefined;
  let peak = Number.NEGATIVE_INFINITY;
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (const p of pts) {
    peak = Math.max(peak, p.value);
    lo = Math.min(lo, p.value + Math.min(cal.pooled[0] as number, 0));
    hi = Math.max(hi, p.value + Math.max(cal.pooled[cal.pooled.length - 1] as number, 0));
  }
  // E is non-increasing in C: bisect between a capacity everything exceeds and one nothing does.
  const under = underAt(cal, pts);
  let load = hi;
  if (under(lo) > target) {
    let a = lo;
    let b = hi;
    for (let k = 0; k < 60 && b - a > 1e-9 * Math.max(1, Math.abs(b)); k++) {
      const m = (a + b) / 2;
      if (under(m) <= target) b = m;
      else a = m;
    }
    load = b;
  } else load = lo;
  load = Math.max(0, load);
  const expected = under(load);
  const out: CalibratedSize = { load, expected, target, quantile: cal.quantile, peak, margin: peak > 0 ? load / peak - 1 : 0, residuals: cal.residuals, buckets: cal.buckets.length };
  const burst = burstGuard(forecast, cal, idx);
  if (burst && burst.load > load) {
    out.burst = burst;
    out.load = burst.load;
    out.margin = peak > 0 ? out.load / peak - 1 : 0;
  }
  const eq = equivalentQuantile(forecast, idx, out.load);
  if (eq !== undefined) out.equivalentQuantile = eq;
  return out;
}

/** The burst guard: earned when at least half the held-out days peaked above the high quantile's peak. */
function burstGuard(forecast: Forecast, cal: Calibration, idx: readonly number[]): CalibratedSize['burst'] {
  const over = cal.burstRatios.filter((r) => r > 1).sort((a, b) => a - b);
  const of = cal.burstRatios.length;
  if (of === 0 || over.length * 2 < of) return undefined;
  const high = forecast.quantiles[quantileKey(cal.maxQuantile)];
  if (!high) return undefined;
  let highPeak = Number.NEGATIVE_INFINITY;
  for (const i of idx) if (Number.isFinite(high[i] as number)) highPeak = Math.max(highPeak, high[i] as number);
  if (!Number.isFinite(highPeak)) return undefined;
  const h = over.length >> 1;
  const ratio = over.length % 2 === 1 ? (over[h] as number) : ((over[h - 1] as number) + (over[h] as number)) / 2;
  return { days: over.length, of, ratio, quantile: cal.maxQuantile, load: highPeak * ratio };
}

/** The highest forecast quantile whose peak over `idx` is at or below `load`. */
function equivalentQuantile(forecast: Forecast, idx: readonly number[], load: number): number | undefined {
  let best: number | undefined;
  for (const [key, v] of Object.entries(forecast.quantiles)) {
    const q = Number(key);
    let p = Number.NEGATIVE_INFINITY;
    for (const i of idx) if (Number.isFinite(v[i] as number)) p = Math.max(p, v[i] as number);
    if (p <= load * (1 + 1e-12) && (best === undefined || q > best)) best = q;
  }
  return best;
}
