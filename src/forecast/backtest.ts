import type { Accuracy, ForecastOptions, Forecaster } from '../domain/forecast.js';
import type { Series } from '../domain/series.js';
import { dailySteps, fillGaps, usableSteps } from './clean.js';
import { describeSteps, ForecastError } from './errors.js';
import { pinballLoss, quantileKey, selectionLevels } from './loss.js';
import { validateOptions } from './model.js';

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
  /** Forecast of each level for each actual, by quantile key. */
  predicted: Record<string, number[]>;
  /** Every level predicted: the requested ones plus the selection levels. */
  levels: number[];
  /** The history before the oldest origin (MASE is scaled by it). */
  firstTrain: Series;
  origins: number;
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

/** The forecasts of a rolling-origin backtest (see backtest), unscored. */
export function backtestPredictions(f: Forecaster, history: Series, opts: BacktestOptions): BacktestPredictions | undefined {
  validateOptions(opts, history.stepSeconds);
  if (!Number.isInteger(opts.origins) || opts.origins < 1) {
    throw new ForecastError(`origins must be a positive integer, got ${opts.origins}`);
  }
  const H = opts.horizonSteps;
  const n = Math.min(history.values.length, history.timestamps.length);
  const first = n - opts.origins * H;
  if (first <= 0) return undefined;
  const need = f.minHistorySteps(opts);
  const firstTrain = slice(history, 0, first);
  if (usableSteps(firstTrain) < need) return undefined;

  const levels = [...new Set([...opts.quantiles, ...selectionLevels(opts.quantiles)])].sort((a, b) => a - b);
  const actual: number[] = [];
  const origin: number[] = [];
  const predicted: Record<string, number[]> = {};
  for (const q of levels) predicted[quantileKey(q)] = [];
  for (let k = opts.origins; k >= 1; k--) {
    const cut = n - k * H;
    const fc = f.forecast(slice(history, 0, cut), { ...opts, quantiles: levels });
    for (let h = 0; h < H; h++) {
      const y = history.values[cut + h] as number;
      if (!Number.isFinite(y)) continue;
      actual.push(y);
      origin.push(opts.origins - k);
      for (const q of levels) {
        const key = quantileKey(q);
        (predicted[key] as number[]).push((fc.quantiles[key] as number[])[h] as number);
      }
    }
  }
  if (actual.length === 0) return undefined;
  return { actual, origin, predicted, levels, firstTrain, origins: opts.origins };
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
  return {
    origins: p.origins,
    horizonSeconds: horizonSteps * history.stepSeconds,
    mase: absErr === 0 ? 0 : absErr / actual.length / scale,
    wape: absErr === 0 ? 0 : absAct > 0 ? absErr / absAct : Number.POSITIVE_INFINITY,
    pinball,
    coverage,
    selectionLoss: sel / selLevels.length / level,
  };
}

function slice(s: Series, from: number, to: number): Series {
  return { timestamps: s.timestamps.slice(from, to), values: s.values.slice(from, to), stepSeconds: s.stepSeconds };
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
