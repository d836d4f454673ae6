import type { Series } from '../domain/series.js';
import { packedNumbers } from '../util/numbers.js';

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
  /** Samples of incidents (see excludeIncidents) replaced by the same time on the other days. */
  incidentSteps: number;
  /** The incidents, as [first, last] Unix seconds of each run. */
  incidents: [number, number][];
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
  const out = packedNumbers(m);
  // The grid itself when nothing is cut off: series read over one window share it (metrics/prometheus.ts).
  const ts = first === 0 && n === timestamps.length ? timestamps : timestamps.slice(first, n);
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
 * What the models train on: gaps filled (see {@link fillGaps}) and incidents excluded (see
 * {@link excludeIncidents}), with a report of both. Extreme high values are counted but left in
 * place: a spike may be real load, and the sizing (never below the p99) must see it.
 */
export function cleanHistory(series: Series): {
  series: Series;
  report: CleanReport;
} {
  const filled = fillGaps(series);
  let extreme = 0;
  const finite = new Float64Array(series.values.length);
  let n = 0;
  for (let i = 0; i < series.values.length; i++) {
    const v = series.values[i] as number;
    if (Number.isFinite(v)) finite[n++] = v;
  }
  if (n >= 3) {
    const dev = finite.slice(0, n);
    const med = medianInPlace(finite.subarray(0, n));
    for (let i = 0; i < n; i++) dev[i] = Math.abs((dev[i] as number) - med);
    const sd = 1.4826 * medianInPlace(dev);
    if (sd > 0) for (let i = 0; i < n; i++) if ((finite[i] as number) - med > OUTLIER_ROBUST_SDS * sd) extreme++;
  }
  const { values, runs } = excludeIncidents(filled.series.values, filled.series.stepSeconds);
  const ts = filled.series.timestamps;
  return {
    series: { ...filled.series, values },
    report: {
      missing: filled.missing,
      interpolated: filled.interpolated,
      outliers: filled.nonFinite + extreme,
      incidentSteps: runs.reduce((a, [from, to]) => a + to - from, 0),
      incidents: runs.map(([from, to]) => [ts[from] as number, ts[to - 1] as number]),
    },
  };
}

/**
 * The one path from a load history as read to what every forecast is made from: a counter
 * (a Prometheus *_total read without rate()) turned into its rate (counterToRate), then gaps
 * filled and incidents excluded (cleanHistory). The agent's cycle (decide), `augur forecast`,
 * `augur backtest` (Augur's selection at each origin) and `augur simulate` all forecast from it.
 * `resets` is set when the history was a counter.
 */
export function prepareHistory(raw: Series): { series: Series; report: CleanReport; rate: Series; resets?: number } {
  const counter = counterToRate(raw);
  const rate = counter?.series ?? raw;
  const { series, report } = cleanHistory(rate);
  return { series, report, rate, ...(counter ? { resets: counter.resets } : {}) };
}

/** An incident sample is this many robust SDs below the same time on the other days... */
const INCIDENT_ROBUST_SDS = 6;
/** ...and below this share of it... */
const INCIDENT_SHARE = 0.5;
/** ...in a run of at least this many samples. */
const INCIDENT_MIN_STEPS = 3;
/** The other days an incident is judged against: up to a week either side. */
const INCIDENT_DAYS = 7;
/** A longer run is a change of level (or of regime), not an incident: it is kept. */
const INCIDENT_MAX_SECONDS = 12 * 3600;

/** Whether every value is finite (an indexed loop: some() hands its callback each number boxed). */
function allFinite(values: readonly number[]): boolean {
  for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i] as number)) return false;
  return true;
}

/**
 * Incidents: runs of load far below what the same time of day carries on the other days (an
 * outage, a broken exporter, a deploy that took the service down). Trained on, they teach a model
 * that the load can vanish, and the forecast under-sizes. Each sample is compared with the median
 * of the same time of day over up to a week either side; a sample at least
 * INCIDENT_ROBUST_SDS robust standard deviations (1.4826 × the median absolute deviation of those
 * differences, over the whole history) below it and under INCIDENT_SHARE of it, in a run of at
 * least INCIDENT_MIN_STEPS, is replaced by that median. Where the history holds the same weekday a
 * week or two away, the sample must be as far below that too (a quiet weekend is not an
 * incident), and a run longer than INCIDENT_MAX_SECONDS is a change of level, kept. Needs three
 * days of gap-free history; drops only: a spike may be real load.
 */
export function excludeIncidents(values: readonly number[], stepSeconds: number): { values: number[]; runs: [number, number][] } {
  const n = values.length;
  const day = dailySteps(stepSeconds);
  const out = values.slice();
  if (day === 0 || n < 3 * day || !allFinite(values)) return { values: out, runs: [] };
  const profile = sameTimeMedians(values, day);
  // Filled by loops: Float64Array.from with a map function costs more than the sort after it.
  const diff = new Float64Array(n);
  for (let i = 0; i < n; i++) diff[i] = (values[i] as number) - (profile[i] as number);
  const dev = new Float64Array(n);
  for (let i = 0; i < n; i++) dev[i] = diff[i] as number;
  const med = medianInPlace(diff);
  for (let i = 0; i < n; i++) dev[i] = Math.abs((dev[i] as number) - med);
  const sd = 1.4826 * medianInPlace(dev);
  if (!(sd > 0)) return { values: out, runs: [] };
  // Also below the same weekday and time, where the history has it: a quiet weekend is not an incident.
  const week = 7 * day;
  const sameWeekday = (i: number): number | undefined => {
    const near = [i - 2 * week, i - week, i + week, i + 2 * week].filter((k) => k >= 0 && k < n).map((k) => values[k] as number);
    return near.length > 0 ? medianSorted(Float64Array.from(near).sort()) : undefined;
  };
  const below = (v: number, ref: number) => v - ref - med < -INCIDENT_ROBUST_SDS * sd && v < INCIDENT_SHARE * ref;
  const low = (i: number) => {
    const v = values[i] as number;
    if (!below(v, profile[i] as number)) return false;
    const w = sameWeekday(i);
    return w === undefined || below(v, w);
  };
  const maxSteps = Math.max(INCIDENT_MIN_STEPS, Math.floor(INCIDENT_MAX_SECONDS / stepSeconds));
  const runs: [number, number][] = [];
  for (let i = 0; i < n; ) {
    if (!low(i)) {
      i++;
      continue;
    }
    let j = i;
    while (j < n && low(j)) j++;
    if (j - i >= INCIDENT_MIN_STEPS && j - i <= maxSteps) {
      for (let k = i; k < j; k++) out[k] = profile[k] as number;
      runs.push([i, j]);
    }
    i = j;
  }
  return { values: out, runs };
}

/**
 * A load history that is a counter (a Prometheus *_total queried without rate()): mostly
 * rising (on at least half the steps), never falling but for resets (to under half the value
 * before, at most 1% of the steps). As Prometheus' rate() does, each
 * step's increase is the difference, or after a reset the new value itself, per second.
 * Undefined when the series is not such a counter.
 */
export function counterToRate(series: Series): { series: Series; resets: number } | undefined {
  const v = series.values;
  let rises = 0;
  let falls = 0;
  let resets = 0;
  let steps = 0;
  for (let i = 1; i < v.length; i++) {
    const a = v[i - 1] as number;
    const b = v[i] as number;
    if (!Number.isFinite(a) || !Number.isFinite(b)) continue;
    if (a < 0 || b < 0) return undefined;
    steps++;
    if (b > a) rises++;
    else if (b < a) {
      falls++;
      if (b < 0.5 * a) resets++;
    }
  }
  if (steps < 12 || falls !== resets || falls > Math.max(1, 0.01 * steps) || rises < 0.5 * steps) return undefined;
  const values = v.map((b, i) => {
    const a = v[i - 1];
    if (a === undefined || !Number.isFinite(a) || !Number.isFinite(b)) return Number.NaN;
    return (b >= a ? b - a : b) / series.stepSeconds;
  });
  return { series: { ...series, values }, resets };
}

/**
 * For each sample, the median of the same time of day on up to INCIDENT_DAYS days either side (not
 * the sample itself). Each time of day's samples (one a day) are sorted once; a sample's median is
 * then found by walking that order and counting only the days in its window, so no sort per sample.
 * The medians are those of sorting each window: the same values, in the same order.
 */
export function sameTimeMedians(values: readonly number[], day: number): Float64Array {
  const n = values.length;
  const profile = new Float64Array(n);
  const days = Math.ceil(n / day);
  const seq = new Float64Array(days);
  const order = new Int32Array(days);
  for (let p = 0; p < day && p < n; p++) {
    let d = 0;
    for (let i = p; i < n; i += day) seq[d++] = values[i] as number;
    // Insertion sort of the day indices by value (at most a few dozen days).
    for (let a = 0; a < d; a++) {
      const v = seq[a] as number;
      let j = a;
      while (j > 0 && (seq[order[j - 1] as number] as number) > v) {
        order[j] = order[j - 1] as number;
        j--;
      }
      order[j] = a;
    }
    for (let j = 0; j < d; j++) {
      const lo = Math.max(0, j - INCIDENT_DAYS);
      const hi = Math.min(d - 1, j + INCIDENT_DAYS);
      const m = hi - lo; // the window's days, without day j itself
      const h = m >> 1;
      let rank = 0;
      let lower = NaN;
      let median = NaN;
      for (let r = 0; r < d; r++) {
        const k = order[r] as number;
        if (k === j || k < lo || k > hi) continue;
        const v = seq[k] as number;
        if (rank === h) {
          median = m % 2 === 1 ? v : (lower + v) / 2;
          break;
        }
        if (rank === h - 1) lower = v;
        rank++;
      }
      profile[p + j * day] = median;
    }
  }
  return profile;
}

/**
 * The median of `a` (finite values), reordering it: quickselect (Hoare's partition, middle pivot)
 * in linear time on average, where a sort of the whole history is n log n.
 */
function medianInPlace(a: Float64Array): number {
  const n = a.length;
  if (n === 0) return NaN;
  const h = n >> 1;
  const upper = selectInPlace(a, h);
  if (n % 2 === 1) return upper;
  // Everything before index h is at most a[h] now: the lower middle is their largest.
  let lower = -Infinity;
  for (let i = 0; i < h; i++) if ((a[i] as number) > lower) lower = a[i] as number;
  return (lower + upper) / 2;
}

/** The k-th smallest of `a` (0-based), with a[k] set to it, everything before it at most it and everything after at least it. */
function selectInPlace(a: Float64Array, k: number): number {
  let lo = 0;
  let hi = a.length - 1;
  while (lo < hi) {
    const pivot = a[(lo + hi) >>> 1] as number;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while ((a[i] as number) < pivot) i++;
      while ((a[j] as number) > pivot) j--;
      if (i <= j) {
        const t = a[i] as number;
        a[i++] = a[j] as number;
        a[j--] = t;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else break;
  }
  return a[k] as number;
}

function medianSorted(a: Float64Array): number {
  const n = a.length;
  const h = n >> 1;
  return n % 2 === 1 ? (a[h] as number) : ((a[h - 1] as number) + (a[h] as number)) / 2;
}
