import type { Forecast, ForecastOptions, Forecaster } from '../domain/forecast.js';
import type { Series } from '../domain/series.js';
import { fillGaps } from './clean.js';
import { describeSteps, ForecastError } from './errors.js';
import { quantileKey, quantileSorted } from './loss.js';
import { packedNumbers } from '../util/numbers.js';

/**
 * A point-forecasting model fitted to one gap-free history. Everything else a Forecaster does
 * (cleaning, quantiles, timestamps, non-negativity) is shared, in {@link pointForecaster}, so a
 * new model only has to say how to fit and how to extrapolate.
 */
export interface PointModel {
  readonly name: string;
  /** Smallest history (in steps) this model needs. */
  minHistorySteps(opts: ForecastOptions): number;
  /**
   * Fit to a gap-free history (finite values, oldest first). `warm`: ForecastOptions.warmStart,
   * parameters this model returned as FittedModel.params from an earlier fit; a model that can
   * use them skips its parameter search, any other value is ignored.
   */
  fit(values: Float64Array, ctx: FitContext): FittedModel;
  /**
   * Optional: fit(values.subarray(0, n), ctx) for each n of `lengths` (ascending), the same, with
   * work shared between them; the fit of index i is made when asked for. Undefined when this
   * model cannot share it for these values (they are then fitted one by one).
   */
  fitPrefixes?(values: Float64Array, lengths: readonly number[], ctx: FitContext): ((index: number) => FittedModel) | undefined;
}

export interface FitContext {
  stepSeconds: number;
  horizonSteps: number;
  warm?: unknown;
}

export interface FittedModel {
  /** Point forecasts for leads 1..horizonSteps after the last value. */
  forecast(horizonSteps: number): Float64Array;
  /**
   * The point forecasts the fitted model made at `origin` (having seen values[0..origin]) for
   * each of `leads` steps later, into out[0, leads.length), for origin >= firstOrigin. Used for
   * the model's in-sample error distribution at each lead, from which the quantiles come. Written
   * into `out` rather than returned one by one: a number returned through a call that several
   * models share is boxed, a heap object per forecast (about 13,000 per forecast).
   */
  inSample(origin: number, leads: Int32Array, out: Float64Array): void;
  /** The first origin whose in-sample forecasts are meaningful (after initialisation). */
  readonly firstOrigin: number;
  /** The parameters fitted (or taken from `warm`), returned as Forecast.warmStart; opaque outside the model. */
  readonly params?: unknown;
}

/**
 * Models look at most this far back (eight weeks, and never less than they need): enough for
 * weekly seasons and the error window, and it bounds the cost of long histories.
 */
export function maxFitSteps(stepSeconds: number): number {
  return Math.round((56 * 86400) / stepSeconds);
}

/** No model forecasts from fewer steps than this: below it there are no errors to learn a spread from. */
export const MIN_HISTORY_STEPS = 12;

/** Minimum error samples behind a lead bucket's quantiles. */
const MIN_BUCKET_SAMPLES = 30;
/** Target error samples per lead bucket (more only costs time). */
const TARGET_BUCKET_SAMPLES = 1500;
/** Leads sampled within one bucket. */
const LEADS_PER_BUCKET = 4;
/** Recent history whose errors shape the quantiles: four weeks, at least 2000 steps. */
function errorWindowSteps(stepSeconds: number): number {
  return Math.max(2000, Math.round((28 * 86400) / stepSeconds));
}

/**
 * Lead-time buckets [from, to] (inclusive, 1-based), doubling in width: 1, 2-3, 4-7, 8-15, ...
 * Errors grow fast at short leads and slowly after, so doubling keeps each bucket homogeneous.
 */
export function leadBuckets(horizonSteps: number): [number, number][] {
  const out: [number, number][] = [];
  for (let a = 1; a <= horizonSteps; a *= 2) out.push([a, Math.min(horizonSteps, 2 * a - 1)]);
  return out;
}

/**
 * Empirical in-sample errors (actual - forecast) of `fitted`, per lead bucket, sorted ascending.
 * Origins are the most recent ones (see errorWindowSteps), thinned to a stride so each bucket
 * holds about TARGET_BUCKET_SAMPLES errors. Buckets with too few errors borrow the nearest
 * bucket's; with none anywhere, the spread of the history around its median is used.
 */
export function leadErrors(fitted: FittedModel, values: Float64Array, horizonSteps: number, stepSeconds: number): Float64Array[] {
  const errors = bucketErrors(fitted, values, horizonSteps, stepSeconds);
  const sorted = new Set<Float64Array>();
  for (const e of errors) {
    if (!sorted.has(e)) e.sort();
    sorted.add(e);
  }
  return errors;
}

/**
 * leadErrors' errors, in no particular order (only the fallback is sorted). A bucket that borrows
 * holds the same array as the bucket it borrows from.
 */
function bucketErrors(fitted: FittedModel, values: Float64Array, horizonSteps: number, stepSeconds: number): Float64Array[] {
  const n = values.length;
  const buckets = leadBuckets(horizonSteps);
  const window = errorWindowSteps(stepSeconds);
  const raw: Float64Array[] = buckets.map(([a, b]) => {
    const leads = sampleLeads(a, b);
    const predicted = new Float64Array(leads.length);
    const hi = n - 1 - b; // last origin for which every sampled lead has an actual
    const lo = Math.max(fitted.firstOrigin, hi - window);
    if (hi < lo) return new Float64Array(0);
    const origins = hi - lo + 1;
    const stride = Math.max(1, Math.ceil((origins * leads.length) / TARGET_BUCKET_SAMPLES));
    const out = new Float64Array(Math.ceil(origins / stride) * leads.length);
    let k = 0;
    for (let t = hi; t >= lo; t -= stride) {
      fitted.inSample(t, leads, predicted);
      for (let j = 0; j < leads.length; j++) {
        const e = (values[t + (leads[j] as number)] as number) - (predicted[j] as number);
        if (Number.isFinite(e)) out[k++] = e;
      }
    }
    return k === out.length ? out : out.slice(0, k);
  });
  const ok = raw.map((e) => e.length >= MIN_BUCKET_SAMPLES);
  let fallback: Float64Array | undefined;
  return raw.map((e, i) => {
    if (ok[i]) return e;
    for (let d = 1; d < raw.length; d++) {
      if (i - d >= 0 && ok[i - d]) return raw[i - d] as Float64Array;
      if (i + d < raw.length && ok[i + d]) return raw[i + d] as Float64Array;
    }
    fallback ??= spreadAroundMedian(values);
    return fallback;
  });
}

/**
 * quantileSorted(sorted copy of `xs`, q) for each of `levels`, without sorting: only the order
 * statistics the levels interpolate between are found, by selection (which reorders `xs`). The
 * result is exactly the same: the k-th smallest value is the same number however it is found,
 * and a zero gets the sign a sorted typed array would give it (-0 before +0). Falls back to
 * sorting when `xs` holds NaN.
 */
export function quantilesOf(xs: Float64Array, levels: readonly number[]): number[] {
  const n = xs.length;
  if (n === 0) return levels.map(() => Number.NaN);
  for (let i = 0; i < n; i++) {
    const x = xs[i] as number;
    if (x !== x) {
      const sorted = xs.sort();
      return levels.map((q) => quantileSorted(sorted, q));
    }
  }
  const ranks: number[] = [];
  for (const q of levels) {
    const lo = Math.floor((n - 1) * q);
    ranks.push(lo, Math.min(n - 1, lo + 1));
  }
  // Insertion sort: a handful of ranks, and Array.prototype.sort with a comparator allocates a work array each call.
  for (let i = 1; i < ranks.length; i++) {
    const v = ranks[i] as number;
    let j = i - 1;
    for (; j >= 0 && (ranks[j] as number) > v; j--) ranks[j + 1] = ranks[j] as number;
    ranks[j + 1] = v;
  }
  // Ascending ranks: each selection leaves everything before its rank no larger and everything
  // after no smaller, so the next one only searches what follows (and a repeated rank is in place).
  let from = 0;
  for (let i = 0; i < ranks.length; i++) {
    const k = ranks[i] as number;
    if (k < from) continue;
    selectRank(xs, from, n - 1, k);
    from = k + 1;
  }
  // A zero's sign: sorted, the values below 0 come first, then every -0, then every +0.
  let belowPositiveZero = -1;
  const at = (k: number): number => {
    const v = xs[k] as number;
    if (v !== 0) return v;
    if (belowPositiveZero < 0) {
      belowPositiveZero = 0;
      for (let i = 0; i < n; i++) {
        const x = xs[i] as number;
        if (x < 0 || Object.is(x, -0)) belowPositiveZero++;
      }
    }
    return k < belowPositiveZero ? -0 : 0;
  };
  return levels.map((q) => {
    // quantileSorted's arithmetic, on the order statistics.
    const pos = (n - 1) * q;
    const lo = Math.floor(pos);
    const a = at(lo);
    const b = at(Math.min(n - 1, lo + 1));
    return a + (b - a) * (pos - lo);
  });
}

/**
 * Reorder a[left..right] so that a[k] is its (k - left)-th smallest value, everything before k no
 * larger and everything after no smaller (Hoare's FIND / Wirth's selection). A rank at the start
 * of the range is a minimum scan. Should partitioning fail to converge (adversarial input), the
 * range is sorted instead.
 */
function selectRank(a: Float64Array, left: number, right: number, k: number): void {
  if (k === left) {
    let m = left;
    for (let i = left + 1; i <= right; i++) if ((a[i] as number) < (a[m] as number)) m = i;
    const v = a[m] as number;
    a[m] = a[left] as number;
    a[left] = v;
    return;
  }
  let budget = 64;
  while (left < right) {
    if (budget-- === 0) {
      a.subarray(left, right + 1).sort();
      return;
    }
    const x = a[k] as number;
    let i = left;
    let j = right;
    do {
      while ((a[i] as number) < x) i++;
      while (x < (a[j] as number)) j--;
      if (i <= j) {
        const v = a[i] as number;
        a[i] = a[j] as number;
        a[j] = v;
        i++;
        j--;
      }
    } while (i <= j);
    if (j < k) left = i;
    if (k < i) right = j;
  }
}

/** The leads of bucket [a, b] whose errors are sampled: all of them, or LEADS_PER_BUCKET spread evenly. */
function sampleLeads(a: number, b: number): Int32Array {
  const width = b - a + 1;
  if (width <= LEADS_PER_BUCKET) return Int32Array.from({ length: width }, (_, i) => a + i);
  return Int32Array.from({ length: LEADS_PER_BUCKET }, (_, i) => a + Math.round((i * (width - 1)) / (LEADS_PER_BUCKET - 1)));
}

function spreadAroundMedian(values: Float64Array): Float64Array {
  const sorted = Float64Array.from(values).sort();
  const med = quantileSorted(sorted, 0.5);
  return sorted.map((v) => v - med);
}

export function validateOptions(opts: ForecastOptions, stepSeconds?: number): void {
  if (stepSeconds !== undefined && !(stepSeconds > 0 && Number.isFinite(stepSeconds))) {
    throw new ForecastError(`the series' stepSeconds must be a positive number, got ${stepSeconds}`);
  }
  if (!Number.isInteger(opts.horizonSteps) || opts.horizonSteps < 1) {
    throw new ForecastError(`horizonSteps must be a positive integer, got ${opts.horizonSteps}`);
  }
  for (const q of opts.quantiles) {
    if (!(q > 0 && q < 1)) throw new ForecastError(`quantile levels must be between 0 and 1 (exclusive), got ${q}`);
  }
}

/**
 * A Forecaster from a point model. Quantiles: point forecast + the empirical quantile of the
 * model's own in-sample errors at a matching lead bucket (see {@link leadErrors}). One error
 * distribution per lead serves all levels, so quantiles are monotone in the level; when the
 * history is non-negative every value is clamped at 0, which keeps them monotone.
 */
export function pointForecaster(model: PointModel): Forecaster {
  const forecaster: Forecaster = {
    name: model.name,
    minHistorySteps: (opts) => model.minHistorySteps(opts),
    forecast(history: Series, opts: ForecastOptions): Forecast {
      const input = prepare(model, history, opts);
      return finish(model, model.fit(input.values, fitContext(history, opts)), input, opts);
    },
  };
  const fitPrefixes = model.fitPrefixes?.bind(model);
  if (!fitPrefixes) return forecaster;
  forecaster.forecastPrefixes = (history, cuts, opts) => {
    // Shared only when every prefix's values are a prefix of the longest one's (no gap filled
    // differently at a cut, no window cut off at the front) and the search runs from scratch.
    // Only the shared fit is kept between calls (each prefix's input is prepared again when its
    // forecast is asked for): a selection holds these for every candidate until it ends.
    let shared: ((index: number) => FittedModel) | null | undefined = opts.warmStart !== undefined || cuts.length < 2 ? null : undefined;
    const share = () => {
      if (shared !== undefined) return shared;
      try {
        const values = cuts.map((cut) => prepare(model, prefixOf(history, cut), opts).values);
        const longest = values[values.length - 1] as Float64Array;
        const nested = values.every((v) => startsWith(longest, v));
        shared = (nested ? fitPrefixes(longest, values.map((v) => v.length), fitContext(history, opts)) : undefined) ?? null;
      } catch (err) {
        if (!(err instanceof ForecastError)) throw err;
        shared = null; // a prefix too short: each fails (or not) on its own
      }
      return shared;
    };
    return cuts.map((cut, i) => (quantiles) => {
      const fit = share();
      const withLevels = { ...opts, quantiles };
      const prefix = prefixOf(history, cut);
      return fit ? finish(model, fit(i), prepare(model, prefix, withLevels), withLevels) : forecaster.forecast(prefix, withLevels);
    });
  };
  return forecaster;
}

/** What a point model is fitted to: the history with its gaps filled, the values it fits (at most maxFitSteps). */
interface Prepared {
  history: Series;
  clean: Series;
  values: Float64Array;
}

function prepare(model: PointModel, history: Series, opts: ForecastOptions): Prepared {
  validateOptions(opts, history.stepSeconds);
  const step = history.stepSeconds;
  const need = model.minHistorySteps(opts);
  const clean = fillGaps(history).series;
  const n = clean.values.length;
  if (n < need) {
    throw new ForecastError(`${model.name} needs ${describeSteps(need, step)} of history; ${describeSteps(n, step)} usable`, n, need);
  }
  const cap = Math.max(need, maxFitSteps(step));
  return { history, clean, values: Float64Array.from(n > cap ? clean.values.slice(n - cap) : clean.values) };
}

function fitContext(history: Series, opts: ForecastOptions): FitContext {
  return { stepSeconds: history.stepSeconds, horizonSteps: opts.horizonSteps, warm: opts.warmStart };
}

/** The forecast of a fitted model: its point forecast, and the quantiles of its own in-sample errors around it. */
function finish(model: PointModel, fitted: FittedModel, input: Prepared, opts: ForecastOptions): Forecast {
  const { history, clean, values } = input;
  const step = history.stepSeconds;
  const H = opts.horizonSteps;
  const point = fitted.forecast(H);
  const last = values[values.length - 1] as number;
  for (let i = 0; i < H; i++) if (!Number.isFinite(point[i] as number)) point[i] = last;
  const nonNegative = clean.values.every((v) => v >= 0);
  const errors = bucketErrors(fitted, values, H, step);
  const buckets = leadBuckets(H);
  const levels = [...new Set(opts.quantiles)].sort((a, b) => a - b);
  const quantiles: Record<string, number[]> = {};
  // Buckets that borrow share an array: its quantiles are found once.
  const found = new Map<Float64Array, number[]>();
  const offsets = errors.map((e) => {
    let o = found.get(e);
    if (!o) found.set(e, (o = quantilesOf(e, levels)));
    return o;
  });
  let prev: number[] | undefined;
  for (let li = 0; li < levels.length; li++) {
    const out = packedNumbers(H);
    let b = 0;
    for (let h = 1; h <= H; h++) {
      while (h > (buckets[b] as [number, number])[1]) b++;
      let v = (point[h - 1] as number) + ((offsets[b] as number[])[li] as number);
      if (nonNegative && v < 0) v = 0;
      if (prev && v < (prev[h - 1] as number)) v = prev[h - 1] as number; // guard; holds by construction
      out[h - 1] = v;
    }
    quantiles[quantileKey(levels[li] as number)] = out;
    prev = out;
  }
  const t0 = history.timestamps[history.timestamps.length - 1] as number;
  return {
    model: model.name,
    stepSeconds: step,
    timestamps: Array.from({ length: H }, (_, i) => t0 + (i + 1) * step),
    quantiles,
    ...(fitted.params !== undefined ? { warmStart: fitted.params } : {}),
  };
}

/** history[0, cut). */
export function prefixOf(s: Series, cut: number): Series {
  return { timestamps: s.timestamps.slice(0, cut), values: s.values.slice(0, cut), stepSeconds: s.stepSeconds };
}

/** Whether `a` begins with every value of `b`, in order. */
function startsWith(a: Float64Array, b: Float64Array): boolean {
  if (b.length > a.length) return false;
  for (let i = 0; i < b.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Season names for model names: "daily", "weekly", or "N steps". */
export function seasonLabel(seasonSteps: number, stepSeconds?: number): string {
  if (stepSeconds !== undefined) {
    if (seasonSteps === Math.round(86400 / stepSeconds)) return 'daily';
    if (seasonSteps === Math.round((7 * 86400) / stepSeconds)) return 'weekly';
  }
  return `${seasonSteps} steps`;
}
