// Every forecaster Augur knows, by role: the candidates Augur's selection chooses among, and the
// baselines (src/forecast/baselines.ts: what krr, VPA, Crane and Tortoise would forecast) it is
// compared with in `augur backtest`.
import type { Forecast, Forecaster } from '../domain/forecast.js';
import type { Series } from '../domain/series.js';
import { baselineForecasters } from './baselines.js';
import { prepareHistory } from './clean.js';
import { ForecastError } from './errors.js';
import { averageForecasts, defaultForecasters, selectAndForecast, type SelectOptions } from './select.js';

/** 'model': a registered extra model (the neural one), scored in backtests, selected only on request. */
export type ForecasterKind = 'augur-candidate' | 'model' | 'baseline';

/**
 * More models (e.g. the neural one): each factory is called with the series' step. Their
 * forecasters are scored in allForecasters (`augur backtest`) and join Augur's candidates when a
 * selection asks for them (augurCandidates(..., true); the agent: sizing.neural). Push a factory
 * here at module load.
 */
export const extraCandidates: ((stepSeconds: number) => Forecaster[])[] = [];

/**
 * What registered extra candidates, by name ("neural"), so worker threads of backtest and
 * simulate can register the same ones before they score (a registry is per thread).
 */
export const registeredExtras = new Set<string>();


/** The candidates Augur selects among for a step: defaultForecasters, then the extra models when `withExtras`. */
export function augurCandidates(stepSeconds: number, seasonSteps?: readonly number[], withExtras = false): Forecaster[] {
  return [...defaultForecasters(stepSeconds, seasonSteps), ...(withExtras ? extraCandidates.flatMap((f) => f(stepSeconds)) : [])];
}

/** Every forecaster for a step: Augur's candidates, the extra models, then the baselines. */
export function allForecasters(stepSeconds: number): { model: Forecaster; kind: ForecasterKind }[] {
  return [
    ...augurCandidates(stepSeconds).map((model) => ({ model, kind: 'augur-candidate' as const })),
    ...extraCandidates.flatMap((f) => f(stepSeconds)).map((model) => ({ model, kind: 'model' as const })),
    ...baselineForecasters(stepSeconds).map((model) => ({ model, kind: 'baseline' as const })),
  ];
}

/** Augur's own forecast: per-series selection among the candidates (selectAndForecast). */
export function selectAugur(history: Series, opts: SelectOptions): Forecast {
  // No warm start: the backtests must search on each origin's own data, and one model's
  // parameters mean nothing to the others.
  const { warmStart: _ignored, ...rest } = opts;
  return selectAndForecast(history, { ...rest, candidates: opts.candidates ?? augurCandidates(history.stepSeconds, opts.seasonSteps) });
}

/**
 * Augur's per-workload selection as a Forecaster, for backtests: at each origin it selects among
 * the candidates on the data before it, and records the model it picked in `picked`.
 */
export function augurForecaster(stepSeconds: number, picked: string[], name = 'augur', withExtras = false): Forecaster {
  const candidates = augurCandidates(stepSeconds, undefined, withExtras);
  return {
    name,
    minHistorySteps: (opts) => Math.min(...candidates.map((c) => c.minHistorySteps(opts))),
    forecast(history, opts) {
      // As the cycle does (prepareHistory): a counter's rate, gaps filled and incidents excluded before the selection.
      const fc = selectAugur(prepareHistory(history).series, { ...opts, candidates });
      picked.push(fc.model);
      return fc;
    },
  };
}

/**
 * Selection is the expensive part of a forecast (every candidate backtested at every origin);
 * the chosen model changes slowly. The cache keeps each workload's choice (the model, or the
 * ensemble's members) with the accuracy its backtest measured, and until it is `maxAgeSeconds`
 * old (sizing.reselectEvery) a forecast only refits those models on the new history. It selects again when the entry is
 * older, when the forecast options or the step changed, or when a chosen model can no longer
 * forecast the history. In memory: a process that runs one cycle (a CronJob) selects every time.
 *
 * A refit also reuses each member's fitted parameters (Forecast.warmStart, kept per member name
 * and replaced by what each refit returns), so a model with a parameter search (Holt-Winters,
 * damped trend) only runs its recursion. A single model's parameters are kept from the selection
 * itself; an ensemble's members search once more on the first hit (the selection's forecast does
 * not say which member's parameters are which). A new selection starts with no parameters, and the
 * selection itself (its backtests, its refit) never gets any.
 */
export class SelectionCache {
  private readonly entries = new Map<string, { at: number; signature: string; members: string[]; selected: Forecast; warm: Map<string, unknown> }>();

  forecast(key: string, history: Series, opts: SelectOptions, at: { now: number; maxAgeSeconds: number }): Forecast {
    const { now, maxAgeSeconds } = at;
    const { warmStart: _ignored, ...base } = opts;
    const signature = JSON.stringify([history.stepSeconds, opts.horizonSteps, [...opts.quantiles].sort(), opts.seasonSteps ?? null, opts.origins ?? null, opts.timezone ?? null]);
    const e = this.entries.get(key);
    if (e && e.signature === signature && now - e.at < maxAgeSeconds) {
      const refit = this.refit(e.members, e.warm, history, base);
      if (refit) {
        const { accuracy, candidates } = e.selected;
        return { ...refit, ...(accuracy ? { accuracy } : {}), ...(candidates ? { candidates } : {}), selectedAt: e.at };
      }
    }
    const fc = selectAugur(history, base);
    const warm = new Map<string, unknown>();
    if (!fc.members && fc.warmStart !== undefined) warm.set(fc.model, fc.warmStart);
    this.entries.set(key, { at: now, signature, members: fc.members ?? [fc.model], selected: fc, warm });
    return fc.members ? withoutWarmStart(fc) : fc;
  }

  private refit(members: string[], warm: Map<string, unknown>, history: Series, opts: SelectOptions): Forecast | undefined {
    const pool = opts.candidates ?? augurCandidates(history.stepSeconds, opts.seasonSteps);
    const models = members.map((m) => pool.find((c) => c.name === m));
    if (models.some((m) => m === undefined)) return undefined;
    try {
      const fcs = (models as Forecaster[]).map((m) => {
        const w = warm.get(m.name);
        const fc = m.forecast(history, w === undefined ? opts : { ...opts, warmStart: w });
        if (fc.warmStart !== undefined) warm.set(m.name, fc.warmStart);
        else warm.delete(m.name);
        return fc;
      });
      // An ensemble's forecast carries no member's parameters (averageForecasts keeps the first's fields).
      return fcs.length === 1 ? (fcs[0] as Forecast) : { ...withoutWarmStart(averageForecasts(fcs)), members };
    } catch (err) {
      if (err instanceof ForecastError) return undefined;
      throw err;
    }
  }
}

function withoutWarmStart(fc: Forecast): Forecast {
  if (!('warmStart' in fc)) return fc;
  const { warmStart: _dropped, ...rest } = fc;
  return rest;
}
