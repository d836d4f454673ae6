import type { Accuracy, Forecast, ForecastOptions, Forecaster } from '../domain/forecast.js';
import type { Series } from '../domain/series.js';
import { dailySteps, fillGaps, usableSteps } from './clean.js';
import { describeSteps, ForecastError } from './errors.js';
import { pinballLoss, quantileKey, quantileSorted, selectionLevels } from './loss.js';
import { prefixOf, validateOptions } from './model.js';

export type BacktestOptions = ForecastOptions & { origins: number };

/** Steps of history a rolling-origin backtest of `f` needs: the model's minimum plus the held-out windows. */
export function backtestNeeds(f: Forecaster, opts: BacktestOptions): number {
  return f.minHistorySteps(opts) + opts.origins * opts.horizonSteps;
}

/**
 * Why no candidate can be backtested on this history even at one origin (the selection then
 * forecasts with an untested model, and the minAccuracy guard holds), or undefined when one can.
 * Said, never skipped silently: `augur forecast` prints it, the agent's hold names it.
 */
export function backtestShortfall(candidates: readonly Forecaster[], history: Series, opts: ForecastOptions): string | undefined {
  const have = usableSteps(history);
  const step = history.stepSeconds;
  let least: Forecaster | undefined;
  for (const c of candidates) if (!least || c.minHistorySteps(opts) < least.minHistorySteps(opts)) least = c;
  if (!least) return 'no candidate model to backtest';
  const need = backtestNeeds(least, { ...opts, origins: 1 });
  if (have >= need) return undefined;
  return (
    `not backtested: ${describeSteps(have, step)} of usable history; a backtest needs ${describeSteps(need, step)} ` +
    `(${least.name} needs ${describeSteps(least.minHistorySteps(opts), step)}, plus one held-out horizon of ${describeSteps(opts.horizonSteps, step)}), ` +
    'so the forecast comes from an untested model and no accuracy is known'
  );
}

/** What a rolling-origin backtest saw and predicted, before it is scored. */
export interface BacktestPredictions {
  /** Held-out actual values (finite only), oldest origin first. */
  actual: number[];
  /** The origin each actual belongs to (0 = the oldest). */
  origin: number[];
  /** The lead of each actual: 1 = the first step after its origin. */
  lead: number[];
  /** The position of each actual in the history. */
  index: number[];
  /** Forecast of each level for each actual, by quantile key. */
  predicted: Record<string, number[]>;
  /** Every level predicted: the requested ones plus the selection levels. */
  levels: number[];
  /** The history before the oldest origin (MASE is scaled by it). */
  firstTrain: Series;
  origins: number;
  horizonSteps: number;
}

/**
 * Rolling-origin backtest. Origin k (k = origins..1) holds out the k-th last horizon-long window,
 * history[n - k*H, n - (k-1)*H), and forecasts it from everything before it. Metrics pool all
 * held-out steps with a finite actual. Undefined when the history before the earliest origin is
 * shorter than the model needs, or when no held-out step has an actual.
 *
 * The requested quantiles are scored, plus 0.5 and 0.9 (MASE and WAPE use the 0.5 forecast; the
 * selection loss averages pinball over 0.5, 0.9 and the requested levels above 0.5, divided by the
 * mean absolute level of the history so losses compare across series).
 */
export function backtest(f: Forecaster, history: Series, opts: BacktestOptions): Accuracy | undefined {
  const p = backtestPredictions(f, history, opts);
  return p && scoreBacktest(p, history, opts.quantiles);
}

/**
 * The forecasts of a rolling-origin backtest (see backtest), unscored. `at`: the forecasts from
 * each origin, oldest first, as prefixForecasts(f, history, originCuts(history, opts), opts)
 * makes them (the default), or a longer list from the same call with more cuts after them.
 */
export function backtestPredictions(
  f: Forecaster,
  history: Series,
  opts: BacktestOptions,
  at: readonly ((quantiles: number[]) => Forecast)[] = prefixForecasts(f, history, originCuts(history, opts), opts),
): BacktestPredictions | undefined {
  validateOptions(opts, history.stepSeconds);
  if (!Number.isInteger(opts.origins) || opts.origins < 1) {
    throw new ForecastError(`origins must be a positive integer, got ${opts.origins}`);
  }
  const H = opts.horizonSteps;
  const n = Math.min(history.values.length, history.timestamps.length);
  const first = n - opts.origins * H;
  if (first <= 0) return undefined;
  const need = f.minHistorySteps(opts);
  const firstTrain = prefixOf(history, first);
  if (usableSteps(firstTrain) < need) return undefined;

  const levels = [...new Set([...opts.quantiles, ...selectionLevels(opts.quantiles)])].sort((a, b) => a - b);
  const actual: number[] = [];
  const origin: number[] = [];
  const lead: number[] = [];
  const index: number[] = [];
  const predicted: Record<string, number[]> = {};
  for (const q of levels) predicted[quantileKey(q)] = [];
  for (let k = opts.origins; k >= 1; k--) {
    const cut = n - k * H;
    const fc = (at[opts.origins - k] as (q: number[]) => Forecast)(levels);
    for (let h = 0; h < H; h++) {
      const y = history.values[cut + h] as number;
      if (!Number.isFinite(y)) continue;
      actual.push(y);
      origin.push(opts.origins - k);
      lead.push(h + 1);
      index.push(cut + h);
      for (const q of levels) {
        const key = quantileKey(q);
        (predicted[key] as number[]).push((fc.quantiles[key] as number[])[h] as number);
      }
    }
  }
  if (actual.length === 0) return undefined;
  return { actual, origin, lead, index, predicted, levels, firstTrain, origins: opts.origins, horizonSteps: H };
}

/** Where a backtest's origins cut the history, oldest first: n - origins * H, ..., n - H. */
export function originCuts(history: Series, opts: BacktestOptions): number[] {
  const n = Math.min(history.values.length, history.timestamps.length);
  return Array.from({ length: opts.origins }, (_, i) => n - (opts.origins - i) * opts.horizonSteps);
}

/** f's forecasts from history[0, cut) for each cut (ascending), through its forecastPrefixes when it has one. */
export function prefixForecasts(f: Forecaster, history: Series, cuts: readonly number[], opts: ForecastOptions): ((quantiles: number[]) => Forecast)[] {
  return f.forecastPrefixes?.(history, cuts, opts) ?? cuts.map((cut) => (quantiles: number[]) => f.forecast(prefixOf(history, cut), { ...opts, quantiles }));
}

/** Accuracy of backtest predictions on `history` (the series they were made on). */
export function scoreBacktest(p: BacktestPredictions, history: Series, requested: readonly number[]): Accuracy {
  const { actual, predicted, levels } = p;
  const selLevels = selectionLevels(requested);
  const median = predicted[quantileKey(0.5)] as number[];
  let absErr = 0;
  let absAct = 0;
  for (let i = 0; i < actual.length; i++) {
    absErr += Math.abs((actual[i] as number) - (median[i] as number));
    absAct += Math.abs(actual[i] as number);
  }
  const scale = maseScale(fillGaps(p.firstTrain).series.values, history.stepSeconds);
  const pinball: Record<string, number> = {};
  const coverage: Record<string, number> = {};
  for (const q of levels) {
    const key = quantileKey(q);
    const fq = predicted[key] as number[];
    pinball[key] = pinballLoss(actual, fq, q);
    let below = 0;
    for (let i = 0; i < actual.length; i++) if ((actual[i] as number) <= (fq[i] as number)) below++;
    coverage[key] = below / actual.length;
  }
  const level = meanAbsLevel(history.values);
  let sel = 0;
  for (const q of selLevels) sel += pinball[quantileKey(q)] as number;
  const horizonSteps = Math.round(actual.length > 0 ? (history.values.length - p.firstTrain.values.length) / p.origins : 0);
  const reference = referencePinball(p, history);
  return {
    origins: p.origins,
    horizonSeconds: horizonSteps * history.stepSeconds,
    mase: absErr === 0 ? 0 : absErr / actual.length / scale,
    wape: absErr === 0 ? 0 : absAct > 0 ? absErr / absAct : Number.POSITIVE_INFINITY,
    pinball,
    coverage,
    selectionLoss: sel / selLevels.length / level,
    ...(reference ? { reference } : {}),
    calibration: { lead: p.lead, actual, origin: p.origin, predicted },
  };
}

/**
 * Pinball skill of a quantile forecast against the seasonal-naive reference on the same backtest:
 * 1 − pinball(model) ÷ pinball(seasonal naive) at level q. Above 0: the model's q forecast was
 * closer than seasonal naive's; 0: as close; below 0: worse. Undefined without a reference.
 * When seasonal naive was exact (pinball 0), the skill is 0 if the model was exact too, else −∞.
 */
export function pinballSkill(acc: Accuracy, q: number): number | undefined {
  const key = quantileKey(q);
  const m = acc.pinball[key];
  const r = acc.reference?.pinball[key];
  if (m === undefined || r === undefined || !Number.isFinite(m) || !Number.isFinite(r)) return undefined;
  if (r > 0) return 1 - m / r;
  return m > 0 ? Number.NEGATIVE_INFINITY : 0;
}

/** Errors a seasonal naive forecast's quantiles are taken from: at most the last two weeks before an origin. */
const REFERENCE_ERROR_DAYS = 14;

/** The reference's pinball per history (one selection scores every candidate on the same history and origins). */
const referenceCache = new WeakMap<Series, Map<string, BacktestResult['reference']>>();
type BacktestResult = Pick<Accuracy, 'reference'>;

/**
 * Seasonal naive with empirical quantiles, forecast at the backtest's own origins and scored on
 * its held-out steps: at lead h the value L = S·⌈h/S⌉ steps earlier (S = a day; S = 1, the last
 * value, when the history before the first origin is shorter than a day), plus the q-quantile
 * of the errors y[t] − y[t − L] over the last REFERENCE_ERROR_DAYS before the origin (none yet,
 * with a single day behind the origin: the point forecast at every level). Cached per history, so
 * a selection computes it once for all its candidates.
 */
function referencePinball(p: BacktestPredictions, history: Series): Accuracy['reference'] {
  const cacheKey = `${p.origins}/${p.horizonSteps}/${p.levels.join(',')}/${p.actual.length}`;
  let byKey = referenceCache.get(history);
  if (!byKey) referenceCache.set(history, (byKey = new Map()));
  if (byKey.has(cacheKey)) return byKey.get(cacheKey);
  const result = computeReference(p, history);
  byKey.set(cacheKey, result);
  return result;
}

function computeReference(p: BacktestPredictions, history: Series): Accuracy['reference'] {
  const n = Math.min(history.values.length, history.timestamps.length);
  const filled = fillGaps(history).series.values;
  const offset = n - filled.length; // leading gaps are dropped by fillGaps
  const at = (i: number): number => (i - offset >= 0 ? (filled[i - offset] as number) : Number.NaN);
  const day = dailySteps(history.stepSeconds);
  const firstTrain = usableSteps(p.firstTrain);
  const S = day > 0 && firstTrain >= day ? day : 1;
  const window = Math.max(S, Math.round((REFERENCE_ERROR_DAYS * 86400) / history.stepSeconds));
  const errors = new Map<string, Float64Array>();
  const errorsFor = (cut: number, lag: number): Float64Array => {
    const key = `${cut}/${lag}`;
    let e = errors.get(key);
    if (!e) {
      const out: number[] = [];
      for (let t = Math.max(offset + lag, cut - window); t < cut; t++) {
        const d = at(t) - at(t - lag);
        if (Number.isFinite(d)) out.push(d);
      }
      e = Float64Array.from(out).sort();
      errors.set(key, e);
    }
    return e;
  };
  const sums = p.levels.map(() => 0);
  let count = 0;
  for (let i = 0; i < p.actual.length; i++) {
    const h = p.lead[i] as number;
    const cut = (p.index[i] as number) - h + 1;
    const lag = S * Math.ceil(h / S);
    const point = at(cut - 1 + h - lag);
    const e = errorsFor(cut, lag);
    if (!Number.isFinite(point)) continue;
    const y = p.actual[i] as number;
    count++;
    for (let k = 0; k < p.levels.length; k++) {
      const q = p.levels[k] as number;
      // No past error at this lag yet (a history of one season): the point forecast at every level.
      const d = y - (point + (e.length > 0 ? quantileSorted(e, q) : 0));
      sums[k] = (sums[k] as number) + (d >= 0 ? q * d : (q - 1) * d);
    }
  }
  if (count === 0) return undefined;
  const pinball: Record<string, number> = {};
  p.levels.forEach((q, k) => (pinball[quantileKey(q)] = (sums[k] as number) / count));
  return { model: S === 1 ? 'naive' : 'seasonal-naive(daily)', pinball };
}

/** Mean absolute value of the finite samples; 1 when that is 0 (so a loss is never divided by 0). */
export function meanAbsLevel(values: readonly number[]): number {
  let sum = 0;
  let count = 0;
  for (const v of values) {
    if (Number.isFinite(v)) {
      sum += Math.abs(v);
      count++;
    }
  }
  const mean = count > 0 ? sum / count : 0;
  return mean > 0 ? mean : 1;
}

/**
 * MASE denominator: in-sample MAE of the seasonal naive forecast at the daily season, or of the
 * last-value forecast when the history is a day or shorter (or the daily one is 0). Falls back to
 * the mean absolute level, then 1, for a constant series.
 */
export function maseScale(values: readonly number[], stepSeconds: number): number {
  const day = dailySteps(stepSeconds);
  const lagMae = (lag: number): number => {
    let sum = 0;
    for (let t = lag; t < values.length; t++) sum += Math.abs((values[t] as number) - (values[t - lag] as number));
    return values.length > lag ? sum / (values.length - lag) : 0;
  };
  if (day > 0 && values.length > day) {
    const s = lagMae(day);
    if (s > 0) return s;
  }
  const s1 = lagMae(1);
  return s1 > 0 ? s1 : meanAbsLevel(values);
}
