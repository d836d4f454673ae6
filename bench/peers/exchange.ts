// The pure half of the peer benchmark (bench/peers/run.ts): the series at the step every model is
// scored at, the training windows of the backtest's origins (what each peer is sent), the JSON
// request peers.R reads, its answers, and the answers as a Forecaster the backtest can score. No
// I/O here, so test/bench-peers.test.ts checks it on plain data.
import type { Forecast, Forecaster } from '../../src/domain/forecast.js';
import type { Series } from '../../src/domain/series.js';
import { prepareHistory } from '../../src/forecast/clean.js';
import { ForecastError } from '../../src/forecast/errors.js';
import { quantileKey } from '../../src/forecast/loss.js';
import { maxFitSteps } from '../../src/forecast/model.js';

/** The origins of the protocol (`augur backtest --origins 3`, BENCHMARKS.md section 5). */
export const PROTOCOL_ORIGINS = 3;
/** Width of the peers' prediction interval, in percent: its upper bound is their p90 (an 80% central interval leaves 10% above). */
export const PEER_LEVEL = 80;
/** What peers.R fits, by the names it answers with. */
export const PEER_MODELS = ['stlf', 'tbats', 'auto.arima+fourier', 'prophet'] as const;
export type PeerModel = (typeof PEER_MODELS)[number];

/**
 * The series on a coarser grid: each point is the mean of the finite values of `series` in
 * [t, t + stepSeconds), t a multiple of stepSeconds; NaN when there is none. Only buckets the
 * series spans completely are kept (a partial first or last hour would be the mean of a few
 * minutes). A series already at that step or coarser is returned as it is.
 */
export function aggregate(series: Series, stepSeconds: number): Series {
  const from = series.stepSeconds;
  if (stepSeconds <= from) return series;
  if (stepSeconds % from !== 0) throw new RangeError(`aggregate: ${stepSeconds} s is not a multiple of the series' step ${from} s`);
  const n = Math.min(series.timestamps.length, series.values.length);
  if (n === 0) return { timestamps: [], values: [], stepSeconds };
  const first = Math.ceil((series.timestamps[0] as number) / stepSeconds) * stepSeconds;
  // The last bucket must end within the series: its last grid point at or before the last timestamp.
  const last = Math.floor(((series.timestamps[n - 1] as number) + from) / stepSeconds) * stepSeconds - stepSeconds;
  const timestamps: number[] = [];
  const values: number[] = [];
  let i = 0;
  for (let t = first; t <= last; t += stepSeconds) {
    while (i < n && (series.timestamps[i] as number) < t) i++;
    let sum = 0;
    let count = 0;
    for (; i < n && (series.timestamps[i] as number) < t + stepSeconds; i++) {
      const v = series.values[i] as number;
      if (Number.isFinite(v)) {
        sum += v;
        count++;
      }
    }
    timestamps.push(t);
    values.push(count > 0 ? sum / count : Number.NaN);
  }
  return { timestamps, values, stepSeconds };
}

export interface TrainingWindow {
  /** The backtest's cut: the history before it is what the origin sees (its length, as backtest slices it). */
  cut: number;
  /** Unix seconds of values[0]. */
  start: number;
  /** Cleaned as Augur's selection sees it (prepareHistory), the last maxFitSteps at most (the look-back of Augur's models). */
  values: number[];
}

/**
 * The training windows of a rolling-origin backtest (src/forecast/backtest.ts: origin k = origins..1
 * forecasts history[n - k*H, n - (k-1)*H) from everything before it), oldest first, each cleaned
 * and cut to the look-back Augur's own candidates use, so a peer trains on exactly what Augur's
 * selection trains on at the same origin.
 */
export function trainingWindows(history: Series, horizonSteps: number, origins: number): TrainingWindow[] {
  const n = Math.min(history.values.length, history.timestamps.length);
  const cap = maxFitSteps(history.stepSeconds);
  const out: TrainingWindow[] = [];
  for (let k = origins; k >= 1; k--) {
    const cut = n - k * horizonSteps;
    if (cut <= 0) continue;
    const clean = prepareHistory({ timestamps: history.timestamps.slice(0, cut), values: history.values.slice(0, cut), stepSeconds: history.stepSeconds }).series;
    const from = Math.max(0, clean.values.length - cap);
    if (clean.values.length - from === 0) continue;
    out.push({ cut, start: clean.timestamps[from] as number, values: clean.values.slice(from) });
  }
  return out;
}

/** What peers.R reads (see its header). */
export interface PeerRequest {
  step_s: number;
  horizon: number;
  level: number;
  timeout_s: number;
  models: string[];
  windows: { id: string; start: number; values: number[] }[];
}

export function peerRequest(stepSeconds: number, horizonSteps: number, windows: readonly TrainingWindow[], models: readonly string[], timeoutSeconds: number): PeerRequest {
  return {
    step_s: stepSeconds,
    horizon: horizonSteps,
    level: PEER_LEVEL,
    timeout_s: timeoutSeconds,
    models: [...models],
    windows: windows.map((w) => ({ id: String(w.cut), start: w.start, values: w.values })),
  };
}

/** One line of peers.R's answer. */
export interface PeerAnswer {
  model: string;
  id: string;
  seconds: number;
  mean?: (number | null)[];
  upper?: (number | null)[];
  error?: string;
}

/** peers.R's stdout, one JSON object per line; lines that are not (R's own chatter) are skipped. */
export function parseAnswers(stdout: string): PeerAnswer[] {
  const out: PeerAnswer[] = [];
  for (const line of stdout.split('\n')) {
    const t = line.trim();
    if (!t.startsWith('{')) continue;
    let a: unknown;
    try {
      a = JSON.parse(t);
    } catch {
      continue;
    }
    if (a && typeof a === 'object' && typeof (a as PeerAnswer).model === 'string' && (a as PeerAnswer).id !== undefined) {
      const x = a as PeerAnswer;
      out.push({ ...x, id: String(x.id), seconds: Number(x.seconds) });
    }
  }
  return out;
}

/**
 * An answer as the p50 and p90 the scorer reads: p50 = the point forecast (forecast's mean,
 * Prophet's yhat), p90 = the upper bound of the 80% interval, never below the p50. Where the
 * training window was never negative, both are clipped at 0, as Augur's own models clip theirs
 * (pointForecaster), so no peer pays for a negative forecast of a load that cannot be negative.
 * An error, or a forecast of the wrong length or with a value that is not finite, is the reason
 * the peer failed on this window.
 */
export function answerQuantiles(a: PeerAnswer, horizonSteps: number, nonNegative: boolean): { quantiles: Record<string, number[]> } | { error: string } {
  if (a.error !== undefined) return { error: a.error };
  const mean = a.mean ?? [];
  const upper = a.upper ?? [];
  if (mean.length !== horizonSteps || upper.length !== horizonSteps) return { error: `answered ${mean.length} point and ${upper.length} upper values for a horizon of ${horizonSteps}` };
  const p50: number[] = [];
  const p90: number[] = [];
  for (let h = 0; h < horizonSteps; h++) {
    const m = mean[h];
    const u = upper[h];
    if (typeof m !== 'number' || typeof u !== 'number' || !Number.isFinite(m) || !Number.isFinite(u)) return { error: `a value that is not finite at lead ${h + 1}` };
    const lo = nonNegative ? Math.max(0, m) : m;
    p50.push(lo);
    p90.push(Math.max(lo, nonNegative ? Math.max(0, u) : u));
  }
  return { quantiles: { [quantileKey(0.5)]: p50, [quantileKey(0.9)]: p90 } };
}

/**
 * A peer's answers as a Forecaster for backtest(): asked for the history before a cut, it returns
 * the forecast the peer made from that origin's training window. Asked for any other history it
 * throws, so the backtest cannot score a forecast for an origin the peer was not given.
 */
export function replayForecaster(name: string, stepSeconds: number, byCut: ReadonlyMap<number, Record<string, number[]>>, minHistorySteps: number): Forecaster {
  return {
    name,
    minHistorySteps: () => minHistorySteps,
    forecast(history, opts): Forecast {
      const n = Math.min(history.values.length, history.timestamps.length);
      const q = byCut.get(n);
      if (!q) throw new ForecastError(`${name}: no forecast for the origin after ${n} steps`);
      const quantiles: Record<string, number[]> = {};
      for (const level of opts.quantiles) {
        const v = q[quantileKey(level)];
        if (!v) throw new ForecastError(`${name}: no p${Math.round(level * 100)} (peers answer p50 and p90 only)`);
        quantiles[quantileKey(level)] = v.slice(0, opts.horizonSteps);
      }
      const t0 = history.timestamps[n - 1] as number;
      return { model: name, stepSeconds, timestamps: Array.from({ length: opts.horizonSteps }, (_, i) => t0 + (i + 1) * stepSeconds), quantiles };
    },
  };
}
