// Every forecaster Augur knows, by role: the candidates Augur's selection chooses among, and the
// baselines (src/forecast/baselines.ts: what krr, VPA, Crane and Tortoise would forecast) it is
// compared with in `augur backtest`.
import type { Forecast, Forecaster, Series } from '../types.js';
import { baselineForecasters } from './baselines.js';
import { defaultForecasters, selectAndForecast, type SelectOptions } from './select.js';

export type ForecasterKind = 'augur-candidate' | 'baseline';

/**
 * More candidate models (e.g. the neural one): each factory is called with the series' step and
 * its forecasters join defaultForecasters as Augur candidates, in allForecasters and selectAugur.
 * Push a factory here at module load.
 */
export const extraCandidates: ((stepSeconds: number) => Forecaster[])[] = [];

/** The candidates Augur selects among for a step: defaultForecasters then every extra candidate. */
export function augurCandidates(stepSeconds: number, seasonSteps?: readonly number[]): Forecaster[] {
  return [...defaultForecasters(stepSeconds, seasonSteps), ...extraCandidates.flatMap((f) => f(stepSeconds))];
}

/** Every forecaster for a step: Augur's candidates, then the baselines. */
export function allForecasters(stepSeconds: number): { model: Forecaster; kind: ForecasterKind }[] {
  return [
    ...augurCandidates(stepSeconds).map((model) => ({ model, kind: 'augur-candidate' as const })),
    ...baselineForecasters(stepSeconds).map((model) => ({ model, kind: 'baseline' as const })),
  ];
}

/** Augur's own forecast: per-series selection among the candidates (selectAndForecast). */
export function selectAugur(history: Series, opts: SelectOptions): Forecast {
  return selectAndForecast(history, { ...opts, candidates: opts.candidates ?? augurCandidates(history.stepSeconds, opts.seasonSteps) });
}

/**
 * Augur's per-workload selection as a Forecaster, for backtests: at each origin it selects among
 * the candidates on the data before it, and records the model it picked in `picked`.
 */
export function augurForecaster(stepSeconds: number, picked: string[], name = 'augur'): Forecaster {
  const candidates = augurCandidates(stepSeconds);
  return {
    name,
    minHistorySteps: (opts) => Math.min(...candidates.map((c) => c.minHistorySteps(opts))),
    forecast(history, opts) {
      const fc = selectAugur(history, { ...opts, candidates });
      picked.push(fc.model);
      return fc;
    },
  };
}
