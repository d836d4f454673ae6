import type { Accuracy, Forecast, ForecastOptions, Forecaster, Series } from '../types.js';
import { backtest } from './backtest.js';
import { usableSteps } from './clean.js';
import { describeSteps, ForecastError } from './errors.js';
import { dampedTrend, holtWinters } from './holtWinters.js';
import { seasonLabel, validateOptions } from './model.js';
import { seasonalNaive } from './seasonalNaive.js';

/** Default number of backtest origins. */
export const DEFAULT_ORIGINS = 3;

/** Daily and weekly seasons in steps at this step (each kept when it is at least 2 steps). */
export function defaultSeasons(stepSeconds: number): number[] {
  return [86400, 7 * 86400].map((s) => Math.round(s / stepSeconds)).filter((s) => s >= 2);
}

/**
 * The candidate models for a step, in order of preference when none can be backtested:
 * Holt-Winters additive on each season, seasonal naive on the first (daily) season,
 * Holt-Winters multiplicative on it, seasonal naive on the other seasons, then a damped trend
 * with no season and the last value (naive): the models for a history shorter than a season,
 * and often the winners after a level shift. Seasons default to daily
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
  out.push(dampedTrend());
  out.push(seasonalNaive(1, 'naive'));
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
 * and every scored candidate's loss are attached. When the history cannot hold the requested
 * origins for any candidate, fewer origins are tried, down to one. When no candidate can be
 * backtested at all, the first applicable candidate (the list is in preference order) forecasts
 * without accuracy. Throws ForecastError when no candidate applies.
 */
export function selectAndForecast(history: Series, opts: SelectOptions): Forecast {
  validateOptions(opts, history.stepSeconds);
  const { origins, candidates, ...base } = opts;
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

  const wanted = origins ?? DEFAULT_ORIGINS;
  if (!Number.isInteger(wanted) || wanted < 1) throw new ForecastError(`origins must be a positive integer, got ${wanted}`);
  for (let o = wanted; o >= 1; o--) {
    const scored: { f: Forecaster; acc: Accuracy }[] = [];
    for (const f of applicable) {
      const acc = tryBacktest(f, history, { ...base, origins: o });
      if (acc) scored.push({ f, acc });
    }
    if (scored.length === 0) continue;
    const loss = (a: Accuracy): number => (Number.isFinite(a.selectionLoss) ? a.selectionLoss : Number.POSITIVE_INFINITY);
    let best = scored[0] as { f: Forecaster; acc: Accuracy };
    for (const s of scored) if (loss(s.acc) < loss(best.acc)) best = s;
    const fc = best.f.forecast(history, base);
    const ranked = scored
      .map((s, i) => ({ i, model: s.f.name, selectionLoss: s.acc.selectionLoss }))
      .sort((a, b) => lossOrder(a.selectionLoss, b.selectionLoss) || a.i - b.i)
      .map(({ model, selectionLoss }) => ({ model, selectionLoss }));
    return { ...fc, accuracy: best.acc, candidates: ranked };
  }
  // Nothing can be backtested: the first applicable model, untested.
  return (applicable[0] as Forecaster).forecast(history, base);
}

function lossOrder(a: number, b: number): number {
  const x = Number.isFinite(a) ? a : Number.POSITIVE_INFINITY;
  const y = Number.isFinite(b) ? b : Number.POSITIVE_INFINITY;
  return x === y ? 0 : x < y ? -1 : 1;
}

/** A candidate that cannot forecast this history (ForecastError) is not scored; other errors propagate. */
function tryBacktest(f: Forecaster, history: Series, opts: ForecastOptions & { origins: number }): Accuracy | undefined {
  try {
    return backtest(f, history, opts);
  } catch (e) {
    if (e instanceof ForecastError) return undefined;
    throw e;
  }
}
