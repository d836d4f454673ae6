// What a forecasting model takes and returns: the words of the forecast stage.
import type { Series } from './series.js';

/** Quantile levels as strings with up to three decimals, e.g. "0.5", "0.9", "0.99". */
export type QuantileKey = string;

/** How well a model did on this workload's own history (rolling-origin backtest). */
export interface Accuracy {
  /** Number of forecast origins the figures are averaged over. */
  origins: number;
  horizonSeconds: number;
  /** Mean absolute scaled error of the median forecast (1.0 = as good as seasonal naive in-sample). */
  mase: number;
  /** Weighted absolute percentage error of the median forecast, 0..1+. */
  wape: number;
  /** Pinball loss per quantile, in the unit of the series. */
  pinball: Record<QuantileKey, number>;
  /** Share of actual values at or below each quantile forecast (ideal: the quantile level). */
  coverage: Record<QuantileKey, number>;
  /** Asymmetric loss used to choose the model (under-forecast penalised more than over). */
  selectionLoss: number;
  /**
   * The same held-out steps forecast by seasonal naive (the value a day earlier; the last value
   * when the history holds no two days) with the empirical quantiles of its own past errors: what
   * the trust guard (minAccuracy) compares the model with, as pinball skill.
   */
  reference?: { model: string; pinball: Record<QuantileKey, number> };
  /**
   * The backtest's held-out steps, for the sizing (split-conformal): the lead of each (1 = the
   * first step after its origin), the actual value, and each quantile's forecast of it.
   */
  calibration?: { lead: number[]; actual: number[]; origin: number[]; predicted: Record<QuantileKey, number[]> };
  /**
   * What the sizing reads of `calibration` for one quantile and high quantile, kept instead of the
   * rows between cycles (about a sixth of their numbers): the residuals per lead bucket, ascending,
   * and the burst ratios per held-out day. See recommend/sizing.ts keepCalibration.
   */
  keptCalibration?: { quantile: number; maxQuantile: number; horizon: number; buckets: number[][]; burstRatios: number[]; residuals: number };
}

export interface Forecast {
  /** Model name, e.g. "holt-winters-additive(daily)". */
  model: string;
  stepSeconds: number;
  /** Unix seconds of each forecast step, starting one step after the last history sample. */
  timestamps: number[];
  /** Forecast values per quantile level; every array has timestamps.length entries. */
  quantiles: Record<QuantileKey, number[]>;
  /** Backtest accuracy of this model on the series it was fitted to, when there was enough history. */
  accuracy?: Accuracy;
  /** Other models that were scored, for the PR body. */
  candidates?: { model: string; selectionLoss: number }[];
  /**
   * Candidates this selection did not backtest: they ranked below the best at the workload's full
   * selection of `since` (unix seconds), which backtested every candidate (see SelectionCache).
   */
  notScored?: { models: string[]; since: number };
  /** The models an ensemble averages (model is then "ensemble(a + b + c)"). */
  members?: string[];
  /** Lead (in steps after the last history sample) of timestamps[0]: 1 unless the forecast was cut to a later window (the replay keeps only the applied day). */
  firstLead?: number;
  /** Unix seconds of the backtest that chose the model, when it was reused from an earlier cycle (see SelectionCache). */
  selectedAt?: number;
  /**
   * The parameters this model fitted (e.g. Holt-Winters' smoothing weights), opaque to everyone
   * but the model: hand them back as ForecastOptions.warmStart to the same model on the same
   * workload to skip its parameter search. Absent for models without fitted parameters, and for
   * ensembles (each member has its own: memberWarmStarts).
   */
  warmStart?: unknown;
  /** An ensemble's members' warmStart, by member name (those that have one). */
  memberWarmStarts?: Record<string, unknown>;
}

export interface ForecastOptions {
  horizonSteps: number;
  quantiles: number[];
  /** Seasonal periods in steps to consider (e.g. 288 for a day at 5 minutes). */
  seasonSteps?: number[];
  /** IANA time zone of the workload's day and week, for calendar features (hour, weekday; daylight saving included). Default: the model's own (UTC). */
  timezone?: string;
  /**
   * Parameters a model returned in `Forecast.warmStart` from an earlier fit on the same workload
   * (for this model only: never pass one model's to another). A model that understands them
   * skips its parameter search and only runs its recursion with them; a model that does not,
   * or that finds them invalid, ignores them and fits as usual (never an error). Not for
   * backtests or selection, which must search on each origin's own data.
   */
  warmStart?: unknown;
}

/** A forecasting model: a pure function from history to quantile forecasts. */
export interface Forecaster {
  readonly name: string;
  /** Smallest history (in steps) this model needs; below it the model is not applicable. */
  minHistorySteps(opts: ForecastOptions): number;
  forecast(history: Series, opts: ForecastOptions): Forecast;
  /**
   * Forecasts from nested prefixes of one history, history[0, cut) for each cut (ascending): a
   * backtest's origins, then the end. Each function returns forecast(that prefix, opts) with the
   * levels it is given, computed when it is called; a model that can shares work between the
   * prefixes (prefixForecasts in backtest.ts falls back to forecast for one that does not).
   */
  forecastPrefixes?(history: Series, cuts: readonly number[], opts: ForecastOptions): ((quantiles: number[]) => Forecast)[];
}
