import type { Forecast, ForecastOptions, Forecaster, Series } from '../types.js';
import { fillGaps } from './clean.js';
import { describeSteps, ForecastError } from './errors.js';
import { quantileKey, quantileSorted } from './loss.js';

/**
 * A point-forecasting model fitted to one gap-free history. Everything else a Forecaster does
 * (cleaning, quantiles, timestamps, non-negativity) is shared, in {@link pointForecaster}, so a
 * new model only has to say how to fit and how to extrapolate.
 */
export interface PointModel {
  readonly name: string;
  /** Smallest history (in steps) this model needs. */
  minHistorySteps(opts: ForecastOptions): number;
  /** Fit to a gap-free history (finite values, oldest first). */
  fit(values: Float64Array, ctx: { stepSeconds: number; horizonSteps: number }): FittedModel;
}

export interface FittedModel {
  /** Point forecasts for leads 1..horizonSteps after the last value. */
  forecast(horizonSteps: number): Float64Array;
  /**
   * The point forecast the fitted model made at `origin` (having seen values[0..origin]) for
   * `lead` steps later, for origin >= firstOrigin. Used for the model's in-sample error
   * distribution at each lead, from which the quantiles come.
   */
  inSample(origin: number, lead: number): number;
  /** The first origin whose in-sample forecasts are meaningful (after initialisation). */
  readonly firstOrigin: number;
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
  const n = values.length;
  const buckets = leadBuckets(horizonSteps);
  const window = errorWindowSteps(stepSeconds);
  const raw: Float64Array[] = buckets.map(([a, b]) => {
    const leads = sampleLeads(a, b);
    const hi = n - 1 - b; // last origin for which every sampled lead has an actual
    const lo = Math.max(fitted.firstOrigin, hi - window);
    if (hi < lo) return new Float64Array(0);
    const origins = hi - lo + 1;
    const stride = Math.max(1, Math.ceil((origins * leads.length) / TARGET_BUCKET_SAMPLES));
    const out: number[] = [];
    for (let t = hi; t >= lo; t -= stride) {
      for (const h of leads) {
        const e = (values[t + h] as number) - fitted.inSample(t, h);
        if (Number.isFinite(e)) out.push(e);
      }
    }
    return Float64Array.from(out).sort();
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

function sampleLeads(a: number, b: number): number[] {
  const width = b - a + 1;
  if (width <= LEADS_PER_BUCKET) return Array.from({ length: width }, (_, i) => a + i);
  const out: number[] = [];
  for (let i = 0; i < LEADS_PER_BUCKET; i++) out.push(a + Math.round((i * (width - 1)) / (LEADS_PER_BUCKET - 1)));
  return out;
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
  return {
    name: model.name,
    minHistorySteps: (opts) => model.minHistorySteps(opts),
    forecast(history: Series, opts: ForecastOptions): Forecast {
      validateOptions(opts, history.stepSeconds);
      const step = history.stepSeconds;
      const need = model.minHistorySteps(opts);
      const clean = fillGaps(history).series;
      const n = clean.values.length;
      if (n < need) {
        throw new ForecastError(
          `${model.name} needs ${describeSteps(need, step)} of history; ${describeSteps(n, step)} usable`,
          n,
          need,
        );
      }
      const cap = Math.max(need, maxFitSteps(step));
      const values = Float64Array.from(n > cap ? clean.values.slice(n - cap) : clean.values);
      const fitted = model.fit(values, { stepSeconds: step, horizonSteps: opts.horizonSteps });
      const H = opts.horizonSteps;
      const point = fitted.forecast(H);
      const last = values[values.length - 1] as number;
      for (let i = 0; i < H; i++) if (!Number.isFinite(point[i] as number)) point[i] = last;
      const nonNegative = clean.values.every((v) => v >= 0);
      const errors = leadErrors(fitted, values, H, step);
      const buckets = leadBuckets(H);
      const levels = [...new Set(opts.quantiles)].sort((a, b) => a - b);
      const quantiles: Record<string, number[]> = {};
      const offsets = errors.map((e) => levels.map((q) => quantileSorted(e, q)));
      let prev: number[] | undefined;
      for (let li = 0; li < levels.length; li++) {
        const out = new Array<number>(H);
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
      };
    },
  };
}

/** Season names for model names: "daily", "weekly", or "N steps". */
export function seasonLabel(seasonSteps: number, stepSeconds?: number): string {
  if (stepSeconds !== undefined) {
    if (seasonSteps === Math.round(86400 / stepSeconds)) return 'daily';
    if (seasonSteps === Math.round((7 * 86400) / stepSeconds)) return 'weekly';
  }
  return `${seasonSteps} steps`;
}
