// Forecasting: statistical models, quantiles from each model's own errors, and per-workload
// model selection by rolling-origin backtest. Every function here is pure and deterministic
// (no clock, no randomness): the same history and options give the same numbers.
//
// Models. A Forecaster (src/types.ts) is the only interface the rest of Augur sees. The models
// here are point models wrapped by pointForecaster, which cleans the history (fillGaps), fits,
// extrapolates and adds quantiles; a new model (the tfjs one, more baselines) can either
// implement PointModel (fit + forecast + in-sample forecast at any past origin) and get
// quantiles for free, or implement Forecaster directly.
//
// Quantiles. Each model's in-sample forecasts from its recent past origins (the last four
// weeks) are compared with what happened, grouped into lead-time buckets that double in width
// (1, 2-3, 4-7, ... steps ahead). The q-quantile at lead h is the point forecast plus the
// empirical q-quantile of the errors in h's bucket. One distribution per bucket serves every
// level, so p50 <= p90 <= p99 at every step; a non-negative history clamps them at 0. Buckets
// rather than "errors one season earlier" because spread grows with the lead for any model that
// tracks a level (Holt-Winters, damped trend), and a single lag would be too wide at step 1 or
// too narrow at step 288.
//
// Selection. Each applicable candidate is backtested from the last `origins` origins, one
// horizon apart. selectionLoss = mean pinball loss over 0.5, 0.9 and every requested level
// above 0.5, divided by the mean absolute level of the history. Pinball at q > 0.5 charges an
// under-forecast q/(1-q) times an over-forecast of the same size, so the loss leans against
// under-provisioning; the division makes losses comparable across series.
export { ForecastError } from './errors.js';
export { cleanHistory, counterToRate, dailySteps, excludeIncidents, usableSteps, type CleanReport } from './clean.js';
export { pinballLoss, quantileKey, selectionLevels } from './loss.js';
export { pointForecaster, leadBuckets, MIN_HISTORY_STEPS, type PointModel, type FittedModel } from './model.js';
export { seasonalNaive } from './seasonalNaive.js';
export { holtWinters, dampedTrend, fitLeads, type HoltWintersOptions, type SeasonalMode, type FitCriterion } from './holtWinters.js';
export { backtest, backtestNeeds, maseScale, type BacktestOptions } from './backtest.js';
export { selectAndForecast, defaultForecasters, defaultSeasons, DEFAULT_ORIGINS, type SelectOptions } from './select.js';
