import type { Accuracy, Forecast, ForecastOptions, Forecaster } from '../domain/forecast.js';
import type { Series } from '../domain/series.js';
import { backtestPredictions, originCuts, prefixForecasts, scoreBacktest, type BacktestPredictions } from './backtest.js';
import { usableSteps } from './clean.js';
import { describeSteps, ForecastError } from './errors.js';
import { dampedTrend, holtWinters } from './holtWinters.js';
import { seasonLabel, validateOptions } from './model.js';
import { seasonalNaive } from './seasonalNaive.js';
import { profileQuantiles, recentQuantiles } from './empirical.js';
import { packedNumbers } from '../util/numbers.js';

/** Default number of backtest origins. */
export const DEFAULT_ORIGINS = 3;

/** Daily and weekly seasons in steps at this step (each kept when it is at least 2 steps). */
export function defaultSeasons(stepSeconds: number): number[] {
  return [86400, 7 * 86400].map((s) => Math.round(s / stepSeconds)).filter((s) => s >= 2);
}

/**
 * The candidate models for a step, in order of preference when none can be backtested:
 * Holt-Winters additive on each season, seasonal naive on the first (daily) season,
 * Holt-Winters multiplicative on it, seasonal naive and Holt-Winters multiplicative on the other
 * seasons, then a damped trend
 * with no season and the last value (naive): the models for a history shorter than a season,
 * and often the winners after a level shift; last, the empirical quantiles of the last 3 days and
 * of the same time of day over the last 7 days (empirical.ts), for bursty and shifting series
 * whose load no smoothing model follows. Seasons default to daily
 * and weekly; `seasonSteps` (ForecastOptions.seasonSteps) replaces them. Models whose season the
 * history cannot cover are dropped at selection time, so weekly models only compete when the
 * history allows.
 */
export function defaultForecasters(stepSeconds: number, seasonSteps?: readonly number[]): Forecaster[] {
  const seasons = [
    ...new Set((seasonSteps && seasonSteps.length > 0 ? seasonSteps : defaultSeasons(stepSeconds)).filter((s) => Number.isInteger(s) && s >= 2)),
  ];
  const out: Forecaster[] = [];
  const label = (s: number): string => seasonLabel(s, stepSeconds);
  const [main, ...rest] = seasons;
  if (main !== undefined) {
    out.push(holtWinters({ seasonSteps: main, mode: 'additive', name: `holt-winters-additive(${label(main)})` }));
    out.push(seasonalNaive(main, `seasonal-naive(${label(main)})`));
    out.push(holtWinters({ seasonSteps: main, mode: 'multiplicative', name: `holt-winters-multiplicative(${label(main)})` }));
  }
  for (const s of rest) out.push(holtWinters({ seasonSteps: s, mode: 'additive', name: `holt-winters-additive(${label(s)})` }));
  for (const s of rest) out.push(seasonalNaive(s, `seasonal-naive(${label(s)})`));
  for (const s of rest) out.push(holtWinters({ seasonSteps: s, mode: 'multiplicative', name: `holt-winters-multiplicative(${label(s)})` }));
  out.push(dampedTrend());
  out.push(seasonalNaive(1, 'naive'));
  out.push(recentQuantiles(3));
  if (main !== undefined && main === Math.round(86400 / stepSeconds)) out.push(profileQuantiles(stepSeconds, 7));
  return out;
}

export type SelectOptions = ForecastOptions & {
  /** Backtest origins (default 3). Fewer are used when the history cannot hold that many. */
  origins?: number;
  /** Models to choose from (default: defaultForecasters for the series' step and seasons). */
  candidates?: Forecaster[];
};

/**
 * Choose the model for one series and forecast with it.
 *
 * Every candidate the history can fit is backtested (rolling origin, see backtest); the lowest
 * selectionLoss wins (ties: the earlier candidate), is refitted on all history, and its accuracy
 * and every scored candidate's loss are attached. The average of the best ENSEMBLE_SIZE
 * candidates' quantiles is scored on the same backtest too, and forecasts instead (model
 * "ensemble(a + b + c)", each refitted) when its loss is lower: averaging forecasts is the most
 * reliable gain in forecasting practice, and the backtest says per series whether it pays. When the history cannot hold the requested
 * origins for any candidate, fewer origins are tried, down to one. When no candidate can be
 * backtested at all, the first applicable candidate (the list is in preference order) forecasts
 * without accuracy. Throws ForecastError when no candidate applies.
 */
export function selectAndForecast(history: Series, opts: SelectOptions): Forecast {
  validateOptions(opts, history.stepSeconds);
  // A warm start belongs to one model's earlier fit: the backtests must search on each origin's data.
  const { origins, candidates, warmStart: _warm, ...base } = opts;
  const pool = candidates ?? defaultForecasters(history.stepSeconds, opts.seasonSteps);
  const step = history.stepSeconds;
  const have = usableSteps(history);
  if (pool.length === 0) throw new ForecastError('no candidate models were given', have);
  const applicable = pool.filter((c) => have >= c.minHistorySteps(base));
  if (applicable.length === 0) {
    let least = pool[0] as Forecaster;
    for (const c of pool) if (c.minHistorySteps(base) < least.minHistorySteps(base)) least = c;
    const need = least.minHistorySteps(base);
    const total = Math.min(history.values.length, history.timestamps.length);
    throw new ForecastError(
      `not enough history to forecast: ${describeSteps(have, step)} usable` +
        (total !== have ? ` (of ${total} steps; leading gaps are not usable)` : '') +
        `; the least demanding model, ${least.name}, needs ${describeSteps(need, step)}`,
      have,
      need,
    );
  }

  const n = Math.min(history.values.length, history.timestamps.length);
  // The end's forecast comes with the origins' when the history is whole: as many timestamps as values.
  const whole = history.values.length === history.timestamps.length;
  const wanted = origins ?? DEFAULT_ORIGINS;
  if (!Number.isInteger(wanted) || wanted < 1) throw new ForecastError(`origins must be a positive integer, got ${wanted}`);
  for (let o = wanted; o >= 1; o--) {
    const scored: Scored[] = [];
    for (const f of applicable) {
      // Each candidate's forecasts from the origins and from the end come from one call, which
      // shares what it can between them (a Holt-Winters grid runs once, not once per origin).
      const cuts = originCuts(history, { ...base, origins: o });
      const at = prefixForecasts(f, history, [...cuts, n], base);
      const p = tryBacktest(f, history, { ...base, origins: o }, at);
      const end = whole ? (at[o] as (q: number[]) => Forecast) : (q: number[]) => f.forecast(history, { ...base, quantiles: q });
      if (p) scored.push({ f, p, acc: scoreBacktest(p, history, base.quantiles), end: () => end(base.quantiles) });
    }
    if (scored.length === 0) continue;
    const byLoss = scored.map((s, i) => ({ s, i })).sort((a, b) => lossOrder(a.s.acc.selectionLoss, b.s.acc.selectionLoss) || a.i - b.i).map((x) => x.s);
    const ranked = byLoss.map((s) => ({ model: s.f.name, selectionLoss: s.acc.selectionLoss }));
    const best = byLoss[0] as Scored;
    const top = byLoss.slice(0, ENSEMBLE_SIZE).filter((s) => Number.isFinite(s.acc.selectionLoss));
    if (top.length === ENSEMBLE_SIZE) {
      const acc = scoreBacktest(averagePredictions(top.map((s) => s.p)), history, base.quantiles);
      if (acc.selectionLoss < best.acc.selectionLoss) {
        return { ...averageForecasts(top.map((s) => s.end())), members: top.map((s) => s.f.name), accuracy: acc, candidates: ranked };
      }
    }
    return { ...best.end(), accuracy: best.acc, candidates: ranked };
  }
  // Nothing can be backtested: the first applicable model, untested.
  return (applicable[0] as Forecaster).forecast(history, base);
}

/** How many of the best candidates the ensemble averages. */
export const ENSEMBLE_SIZE = 3;

interface Scored {
  f: Forecaster;
  p: BacktestPredictions;
  acc: Accuracy;
  /** The candidate's forecast from the end of the history. */
  end: () => Forecast;
}

/** Backtest predictions averaged level by level (the same held-out steps in each). */
function averagePredictions(ps: readonly BacktestPredictions[]): BacktestPredictions {
  const first = ps[0] as BacktestPredictions;
  const predicted: Record<string, number[]> = {};
  for (const key of Object.keys(first.predicted)) predicted[key] = meanOf(ps.map((p) => p.predicted[key] as number[]));
  return { ...first, predicted };
}

/** Forecasts averaged level by level (quantile averaging keeps the levels in order). */
export function averageForecasts(fcs: readonly Forecast[]): Forecast {
  const first = fcs[0] as Forecast;
  const quantiles: Record<string, number[]> = {};
  for (const key of Object.keys(first.quantiles)) quantiles[key] = meanOf(fcs.map((f) => f.quantiles[key] as number[]));
  const { warmStart: _warm, ...rest } = first; // one member's parameters are not the ensemble's
  const warm = fcs.filter((f) => f.warmStart !== undefined).map((f) => [f.model, f.warmStart] as const);
  return { ...rest, model: `ensemble(${fcs.map((f) => f.model).join(' + ')})`, quantiles, ...(warm.length > 0 ? { memberWarmStarts: Object.fromEntries(warm) } : {}) };
}

function meanOf(rows: readonly number[][]): number[] {
  const n = (rows[0] as number[]).length;
  const out = packedNumbers(n, 0);
  for (const r of rows) for (let i = 0; i < n; i++) out[i] = (out[i] as number) + (r[i] as number) / rows.length;
  return out;
}

function lossOrder(a: number, b: number): number {
  const x = Number.isFinite(a) ? a : Number.POSITIVE_INFINITY;
  const y = Number.isFinite(b) ? b : Number.POSITIVE_INFINITY;
  return x === y ? 0 : x < y ? -1 : 1;
}

/** A candidate that cannot forecast this history (ForecastError) is not scored; other errors propagate. */
function tryBacktest(f: Forecaster, history: Series, opts: ForecastOptions & { origins: number }, at: readonly ((q: number[]) => Forecast)[]): BacktestPredictions | undefined {
  try {
    return backtestPredictions(f, history, opts, at);
  } catch (e) {
    if (e instanceof ForecastError) return undefined;
    throw e;
  }
}
