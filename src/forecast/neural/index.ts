// The neural quantile forecaster: a small tfjs MLP shipped in models/augur-quantile-v1 (see its
// MODEL_CARD.md), loaded once; forecast() is synchronous (tf.tidy + dataSync).
//
// Use: const f = await loadNeuralForecaster() (src/models/neural.ts reads the files); if (f) candidates.push(f);
//      or await registerNeuralCandidate() (src/models/neural.ts) to join src/forecast/registry.ts candidates;
//      const tuned = await fineTune(f, history, { seconds: 2 });
import type { Forecast, ForecastOptions, Forecaster } from '../../domain/forecast.js';
import type { Series } from '../../domain/series.js';
import { usableSteps } from '../clean.js';
import { describeSteps, ForecastError } from '../errors.js';
import { quantileKey } from '../loss.js';
import { validateOptions } from '../model.js';
import { initBackend, tf, type Logger } from './backend.js';
import { buildInput, HORIZON_HOURS, INPUT_SIZE, leadHour, LEVELS, makeSample, slotsPerHour, WINDOW_HOURS, type Sample } from './features.js';
import { cloneModel, modelFromFiles, type AugurModelMeta, type ModelFiles } from './io.js';
import { headQuantiles, pinballLossTf } from './net.js';

export { backendName, initBackend } from './backend.js';

export const NEURAL_MODEL_NAME = 'neural-quantile-mlp(v1)';

/** A model's forecaster name carries its version, so a selection says which model it chose. */
export function neuralModelName(meta: AugurModelMeta): string {
  return meta.version === 'v1' ? NEURAL_MODEL_NAME : `neural-quantile-mlp(${meta.version})`;
}

export interface NeuralOptions {
  /** IANA zone for the calendar features (default UTC, as trained). */
  timezone?: string;
  log?: Logger;
}

interface State {
  model: tf.LayersModel;
  meta: AugurModelMeta;
  timezone: string | undefined;
}

const states = new WeakMap<Forecaster, State>();

/**
 * The model in a model's files' contents, as a Forecaster; `where` names the files in the
 * reason when they do not hold a model this code can use (src/models/ reads them from disk).
 */
export async function neuralForecaster(files: ModelFiles, where: string, opts: NeuralOptions = {}): Promise<Forecaster | { reason: string }> {
  await initBackend(opts.log ?? ((m: string) => console.info(m)));
  let loaded;
  try {
    loaded = await modelFromFiles(files, where);
  } catch (e) {
    return { reason: `loading ${where} failed: ${e instanceof Error ? e.message : String(e)}` };
  }
  if ('reason' in loaded) return loaded;
  const { model, meta } = loaded;
  if (meta.windowHours !== WINDOW_HOURS || meta.horizonHours !== HORIZON_HOURS || meta.inputSize !== INPUT_SIZE) {
    model.dispose();
    return { reason: `${where} was trained for a different feature layout (window ${meta.windowHours} h, horizon ${meta.horizonHours} h, ${meta.inputSize} inputs)` };
  }
  return makeForecaster({ model, meta, timezone: opts.timezone }, neuralModelName(meta));
}

function makeForecaster(state: State, name: string, stepSeconds?: number): Forecaster {
  const f: Forecaster = {
    name,
    minHistorySteps: (opts) => windowSteps(stepSeconds ?? stepFromOptions(opts)),
    forecast: (history, opts) => forecastWith(state, name, history, opts),
  };
  states.set(f, state);
  return f;
}

/**
 * The same model (same weights, same name) for series of a known step: its minHistorySteps is
 * exact for that step (ForecastOptions carry no step; without this, the step is inferred from
 * seasonSteps or taken as 5 minutes).
 */
export function forStep(f: Forecaster, stepSeconds: number): Forecaster {
  const state = states.get(f);
  if (!state) throw new Error(`forStep: ${f.name} is not a neural forecaster from loadNeuralForecaster`);
  return makeForecaster(state, f.name, stepSeconds);
}

/** The step implied by the options' first (daily) season, else 5 minutes: minHistorySteps has no series to look at. */
function stepFromOptions(opts: ForecastOptions): number {
  const s = opts.seasonSteps?.[0];
  return s !== undefined && s > 0 ? 86400 / s : 300;
}

/** Steps covering the model's input window at this step. */
export function windowSteps(stepSeconds: number): number {
  return Math.ceil((WINDOW_HOURS * 3600) / stepSeconds);
}

function forecastWith(state: State, name: string, history: Series, opts: ForecastOptions): Forecast {
  validateOptions(opts, history.stepSeconds);
  const step = history.stepSeconds;
  const need = windowSteps(step);
  const n = Math.min(history.timestamps.length, history.values.length);
  const have = usableSteps(history);
  if (have < need) {
    throw new ForecastError(`${name} needs ${describeSteps(need, step)} of history; ${describeSteps(have, step)} usable`, have, need);
  }
  const t0 = history.timestamps[n - 1] as number;
  // Only the window matters: pass the tail (plus one step) so long histories cost nothing.
  const from = Math.max(0, n - need - 1);
  const ts = history.timestamps.slice(from, n);
  const vs = history.values.slice(from, n);
  const input = buildInput(ts, vs, t0, opts.timezone ?? state.timezone);
  if (!input) throw new ForecastError(`${name}: the last ${describeSteps(need, step)} hold no finite value`, have, need);
  const hourly = tf.tidy(() => {
    const x = tf.tensor2d(input.features, [1, INPUT_SIZE]);
    return headQuantiles(state.model, x).dataSync() as Float32Array; // [HORIZON_HOURS * 3]
  });
  let nonNegative = true;
  for (let i = from; i < n; i++) if ((history.values[i] as number) < 0) nonNegative = false;

  const H = opts.horizonSteps;
  const levels = [...new Set(opts.quantiles)].sort((a, b) => a - b);
  const quantiles: Record<string, number[]> = {};
  for (const q of levels) quantiles[quantileKey(q)] = new Array<number>(H);
  for (let h = 1; h <= H; h++) {
    const j = leadHour(h * step);
    const a = [0, 1, 2].map((l) => (hourly[j * LEVELS.length + l] as number) * input.scale) as [number, number, number];
    if (nonNegative) for (let l = 0; l < 3; l++) a[l] = Math.max(0, a[l] as number);
    let prev = Number.NEGATIVE_INFINITY;
    for (const q of levels) {
      let v = levelValue(a, q);
      if (!Number.isFinite(v)) v = a[0];
      if (nonNegative && v < 0) v = 0;
      if (v < prev) v = prev;
      prev = v;
      (quantiles[quantileKey(q)] as number[])[h - 1] = v;
    }
  }
  return {
    model: name,
    stepSeconds: step,
    timestamps: Array.from({ length: H }, (_, i) => t0 + (i + 1) * step),
    quantiles,
  };
}

const Z = LEVELS.map((q) => normInv(q)) as unknown as [number, number, number];

/**
 * A quantile at any level from the three the model predicts: exact at 0.5, 0.9 and 0.99,
 * linear in the normal z-score between them, extrapolated with the nearest segment's slope.
 * Monotone in q because each segment's slope is non-negative.
 */
function levelValue(a: [number, number, number], q: number): number {
  const i = LEVELS.indexOf(q as (typeof LEVELS)[number]);
  if (i >= 0) return a[i] as number;
  const z = normInv(q);
  const seg = z <= Z[1] ? 0 : 1;
  const z0 = Z[seg] as number;
  const z1 = Z[seg + 1] as number;
  const v0 = a[seg] as number;
  const v1 = a[seg + 1] as number;
  return v0 + ((v1 - v0) * (z - z0)) / (z1 - z0);
}

/** Inverse standard normal CDF (Acklam's rational approximation, |error| < 1.2e-9). */
function normInv(p: number): number {
  const a = [-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628274631];
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
  const c = [-0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const at = (xs: number[], i: number): number => xs[i] as number;
  const pl = 0.02425;
  if (p < pl) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (((((at(c, 0) * q + at(c, 1)) * q + at(c, 2)) * q + at(c, 3)) * q + at(c, 4)) * q + at(c, 5)) / ((((at(d, 0) * q + at(d, 1)) * q + at(d, 2)) * q + at(d, 3)) * q + 1);
  }
  if (p > 1 - pl) return -normInv(1 - p);
  const q = p - 0.5;
  const r = q * q;
  return ((((((at(a, 0) * r + at(a, 1)) * r + at(a, 2)) * r + at(a, 3)) * r + at(a, 4)) * r + at(a, 5)) * q) / (((((at(b, 0) * r + at(b, 1)) * r + at(b, 2)) * r + at(b, 3)) * r + at(b, 4)) * r + 1);
}

export interface FineTuneOptions {
  /** Passes over the workload's windows (default 20; stops earlier at the time bound). */
  epochs?: number;
  /** Wall-clock bound in seconds (default 2). */
  seconds?: number;
  /** Most recent origins used (default 96: four days of hourly origins). */
  maxWindows?: number;
  learningRate?: number;
  /** Train only the output layer (default) or every layer. */
  layers?: 'head' | 'all';
  /** Hours between two fine-tuning origins (default 1). */
  strideHours?: number;
}

/**
 * A few epochs of training on the workload's own recent windows (origins one hour apart, the
 * newest first, each with a full window before and a full horizon after it). By default only
 * the output layer moves, at a small learning rate: training every layer on a few days of one
 * series overfits them (measured on the fixture traces: up to 2x worse pinball). Returns a new
 * Forecaster with its own copy of the weights; the given one (and the shipped files) are left
 * untouched. With too little history for one window, returns the given forecaster.
 */
export async function fineTune(forecaster: Forecaster, history: Series, opts: FineTuneOptions = {}): Promise<Forecaster> {
  const state = states.get(forecaster);
  if (!state) throw new Error(`fineTune: ${forecaster.name} is not a neural forecaster from loadNeuralForecaster`);
  const started = Date.now();
  const budgetMs = (opts.seconds ?? 2) * 1000;
  const epochs = opts.epochs ?? 20;
  const step = history.stepSeconds;
  const n = Math.min(history.timestamps.length, history.values.length);
  const strideSteps = Math.max(1, Math.round(((opts.strideHours ?? 1) * 3600) / step));
  const samples: Sample[] = [];
  const maxWindows = opts.maxWindows ?? 96;
  for (let o = n - 1 - Math.ceil((HORIZON_HOURS * 3600) / step); o >= 0 && samples.length < maxWindows; o -= strideSteps) {
    const s = makeSample(history.timestamps, history.values, o, step, state.timezone);
    if (s) samples.push(s);
  }
  if (samples.length === 0) return forecaster;
  const model = await cloneModel(state.model);
  const slots = slotsPerHour(step);
  const x = tf.tensor2d(concat(samples.map((s) => s.features)), [samples.length, INPUT_SIZE]);
  const y = tf.tensor3d(concat(samples.map((s) => s.target)), [samples.length, HORIZON_HOURS, slots]);
  const m = tf.tensor3d(concat(samples.map((s) => s.mask)), [samples.length, HORIZON_HOURS, slots]);
  const optimizer = tf.train.adam(opts.learningRate ?? 1e-4);
  try {
    for (let e = 0; e < epochs && Date.now() - started < budgetMs * 0.9; e++) {
      optimizer.minimize(() => pinballLossTf(headQuantiles(model, x, true), y, m), false, opts.layers === 'all' ? trainableVariables(model) : trainableVariables(model).slice(-2));
    }
  } finally {
    x.dispose();
    y.dispose();
    m.dispose();
    optimizer.dispose();
  }
  return makeForecaster({ model, meta: state.meta, timezone: state.timezone }, `${neuralModelName(state.meta)}+fine-tuned`);
}

/** The tf.Variables behind a model's trainable weights (so an optimizer touches this model only). */
export function trainableVariables(model: tf.LayersModel): tf.Variable[] {
  return model.trainableWeights.map((w) => w.read() as tf.Variable);
}

function concat(parts: Float32Array[]): Float32Array {
  let len = 0;
  for (const p of parts) len += p.length;
  const out = new Float32Array(len);
  let k = 0;
  for (const p of parts) {
    out.set(p, k);
    k += p.length;
  }
  return out;
}

/** The tfjs model behind a neural forecaster (tests and the training script). */
export function modelOf(f: Forecaster): tf.LayersModel | undefined {
  return states.get(f)?.model;
}

/** A Forecaster around an in-memory model (the training script scores it before saving). */
export function forecasterFromModel(model: tf.LayersModel, meta: AugurModelMeta, opts: NeuralOptions = {}): Forecaster {
  return makeForecaster({ model, meta, timezone: opts.timezone }, neuralModelName(meta));
}
