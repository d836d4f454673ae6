// Training of the shipped neural quantile model (scripts/train-model.ts runs it; see
// models/augur-quantile-v1/MODEL_CARD.md). Deterministic on one backend: seeded initialisers,
// a seeded shuffle, full control of the batch order (no model.fit).
import type { Accuracy, Forecaster } from '../../domain/forecast.js';
import type { Series } from '../../domain/series.js';
import { backtest } from '../backtest.js';
import { seasonalNaive } from '../seasonalNaive.js';
import { tf } from './backend.js';
import { HORIZON_HOURS, INPUT_SIZE, LEVELS, makeSample, slotsPerHour, WINDOW_HOURS, type Sample } from './features.js';
import { forecasterFromModel, trainableVariables } from './index.js';
import type { AugurModelMeta } from './io.js';
import { buildNetwork, headQuantiles, pinballLossTf } from './net.js';
import { prng } from '../../util/prng.js';

export const TRAIN_STEP_SECONDS = 300;
/** The last VALIDATION_DAYS of every series are held out (no training target falls in them). */
export const VALIDATION_DAYS = 3;

export interface TrainOptions {
  seed: number;
  epochs: number;
  batchSize: number;
  learningRate: number;
  /** Most training origins taken from one series (evenly spaced), so long traces do not dominate. */
  maxSamplesPerSeries: number;
  log?: (m: string) => void;
}

export const DEFAULT_TRAIN_OPTIONS: TrainOptions = { seed: 20261122, epochs: 30, batchSize: 256, learningRate: 2e-3, maxSamplesPerSeries: 4000 };

export interface NamedSeries {
  name: string;
  series: Series;
}

/**
 * A `timestamp,value` CSV (ISO-8601 or Unix seconds) resampled to a regular grid: the mean of
 * the samples in each bucket, empty buckets interpolated linearly (a coarser trace, like the
 * 30-minute NYC taxi one, becomes a smooth 5-minute one).
 */
export function csvSeries(name: string, text: string, stepSeconds = TRAIN_STEP_SECONDS): NamedSeries {
  const lines = text.split(/\r?\n/);
  const t: number[] = [];
  const v: number[] = [];
  for (const line of lines.slice(1)) {
    if (line.trim() === '') continue;
    const comma = line.indexOf(',');
    const raw = line.slice(0, comma);
    const ts = /^\d+(\.\d+)?$/.test(raw) ? Number(raw) : Date.parse(raw) / 1000;
    const val = Number(line.slice(comma + 1));
    if (Number.isFinite(ts) && Number.isFinite(val)) {
      t.push(ts);
      v.push(val);
    }
  }
  const start = Math.floor((t[0] ?? 0) / stepSeconds) * stepSeconds;
  const n = t.length === 0 ? 0 : Math.floor(((t[t.length - 1] as number) - start) / stepSeconds) + 1;
  const sum = new Float64Array(n);
  const cnt = new Float64Array(n);
  for (let i = 0; i < t.length; i++) {
    const k = Math.floor(((t[i] as number) - start) / stepSeconds);
    sum[k] = (sum[k] as number) + (v[i] as number);
    cnt[k] = (cnt[k] as number) + 1;
  }
  const values = new Array<number>(n);
  let lastK = -1;
  for (let k = 0; k < n; k++) {
    if ((cnt[k] as number) === 0) continue;
    values[k] = (sum[k] as number) / (cnt[k] as number);
    if (lastK >= 0 && k - lastK > 1) {
      const a = values[lastK] as number;
      const b = values[k] as number;
      for (let j = lastK + 1; j < k; j++) values[j] = a + ((b - a) * (j - lastK)) / (k - lastK);
    }
    lastK = k;
  }
  return {
    name,
    series: { timestamps: Array.from({ length: n }, (_, i) => start + i * stepSeconds), values, stepSeconds },
  };
}


/** Training origins of one series: every target before the validation days, evenly thinned. */
export function trainingSamples(s: Series, maxSamples: number): Sample[] {
  const n = s.values.length;
  const valSteps = Math.round((VALIDATION_DAYS * 86400) / s.stepSeconds);
  const horizon = Math.round((HORIZON_HOURS * 3600) / s.stepSeconds);
  const window = Math.round((WINDOW_HOURS * 3600) / s.stepSeconds);
  const lastOrigin = n - valSteps - horizon - 1;
  const firstOrigin = window;
  if (lastOrigin < firstOrigin) return [];
  const span = lastOrigin - firstOrigin + 1;
  const stride = Math.max(1, Math.ceil(span / maxSamples));
  const out: Sample[] = [];
  for (let o = lastOrigin; o >= firstOrigin; o -= stride) {
    const smp = makeSample(s.timestamps, s.values, o, s.stepSeconds);
    if (smp) out.push(smp);
  }
  return out;
}

export interface TrainResult {
  model: tf.LayersModel;
  meta: AugurModelMeta;
  samples: number;
  seconds: number;
  finalTrainLoss: number;
}

export async function trainModel(data: NamedSeries[], opts: TrainOptions = DEFAULT_TRAIN_OPTIONS): Promise<TrainResult> {
  const log = opts.log ?? (() => {});
  const started = Date.now();
  const slots = slotsPerHour(TRAIN_STEP_SECONDS);
  const samples: Sample[] = [];
  for (const d of data) {
    const s = trainingSamples(d.series, opts.maxSamplesPerSeries);
    log(`  ${d.name}: ${d.series.values.length} steps, ${s.length} training windows`);
    samples.push(...s);
  }
  const N = samples.length;
  const X = new Float32Array(N * INPUT_SIZE);
  const Y = new Float32Array(N * HORIZON_HOURS * slots);
  const M = new Float32Array(N * HORIZON_HOURS * slots);
  samples.forEach((s, i) => {
    X.set(s.features, i * INPUT_SIZE);
    Y.set(s.target, i * HORIZON_HOURS * slots);
    M.set(s.mask, i * HORIZON_HOURS * slots);
  });
  tf.util.assert(N > 0, () => 'no training windows');
  const model = buildNetwork(opts.seed);
  const vars = trainableVariables(model);
  const rand = prng(opts.seed);
  const order = Array.from({ length: N }, (_, i) => i);
  let lastLoss = Number.NaN;
  for (let epoch = 0; epoch < opts.epochs; epoch++) {
    // Cosine-decayed learning rate, a fresh optimizer state only once (Adam).
    const lr = opts.learningRate * 0.5 * (1 + Math.cos((Math.PI * epoch) / opts.epochs));
    optimizer ??= tf.train.adam(lr);
    (optimizer as unknown as { learningRate: number }).learningRate = lr;
    for (let i = N - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      const t = order[i] as number;
      order[i] = order[j] as number;
      order[j] = t;
    }
    let sum = 0;
    let batches = 0;
    for (let b = 0; b < N; b += opts.batchSize) {
      const idx = order.slice(b, b + opts.batchSize);
      const bx = new Float32Array(idx.length * INPUT_SIZE);
      const by = new Float32Array(idx.length * HORIZON_HOURS * slots);
      const bm = new Float32Array(idx.length * HORIZON_HOURS * slots);
      idx.forEach((k, r) => {
        bx.set(X.subarray(k * INPUT_SIZE, (k + 1) * INPUT_SIZE), r * INPUT_SIZE);
        by.set(Y.subarray(k * HORIZON_HOURS * slots, (k + 1) * HORIZON_HOURS * slots), r * HORIZON_HOURS * slots);
        bm.set(M.subarray(k * HORIZON_HOURS * slots, (k + 1) * HORIZON_HOURS * slots), r * HORIZON_HOURS * slots);
      });
      const loss = tf.tidy(() => {
        const x = tf.tensor2d(bx, [idx.length, INPUT_SIZE]);
        const y = tf.tensor3d(by, [idx.length, HORIZON_HOURS, slots]);
        const m = tf.tensor3d(bm, [idx.length, HORIZON_HOURS, slots]);
        return (optimizer as tf.Optimizer).minimize(() => pinballLossTf(headQuantiles(model, x, true), y, m), true, vars) as tf.Scalar;
      });
      sum += (await loss.data())[0] as number;
      loss.dispose();
      batches++;
    }
    lastLoss = sum / batches;
    if (epoch % 5 === 0 || epoch === opts.epochs - 1) log(`  epoch ${epoch + 1}/${opts.epochs}: train pinball (scaled) ${lastLoss.toFixed(4)}, lr ${lr.toExponential(2)}, ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }
  optimizer?.dispose();
  optimizer = undefined;
  const meta: AugurModelMeta = {
    version: 'v1',
    windowHours: WINDOW_HOURS,
    horizonHours: HORIZON_HOURS,
    levels: [...LEVELS],
    inputSize: INPUT_SIZE,
    seed: opts.seed,
    trainStepSeconds: TRAIN_STEP_SECONDS,
    epochs: opts.epochs,
    samples: N,
  };
  return { model, meta, samples: N, seconds: (Date.now() - started) / 1000, finalTrainLoss: lastLoss };
}
let optimizer: tf.Optimizer | undefined;

export interface ValidationRow {
  name: string;
  level: number;
  neural: Accuracy;
  seasonalNaive: Accuracy;
}

/**
 * Both models on the held-out last VALIDATION_DAYS of each series: a rolling-origin backtest
 * (src/forecast/backtest.ts) with VALIDATION_DAYS origins of one day each.
 */
export function validate(model: tf.LayersModel, meta: AugurModelMeta, data: NamedSeries[]): ValidationRow[] {
  const neural: Forecaster = forecasterFromModel(model, meta);
  const rows: ValidationRow[] = [];
  for (const d of data) {
    const day = Math.round(86400 / d.series.stepSeconds);
    const opts = { horizonSteps: day, quantiles: [...LEVELS], origins: VALIDATION_DAYS };
    const a = backtest(neural, d.series, opts);
    const b = backtest(seasonalNaive(day, 'seasonal-naive(daily)'), d.series, opts);
    if (!a || !b) continue;
    rows.push({ name: d.name, level: meanLevel(d.series.values), neural: a, seasonalNaive: b });
  }
  return rows;
}

function meanLevel(values: number[]): number {
  let s = 0;
  let c = 0;
  for (const v of values) if (Number.isFinite(v)) (s += Math.abs(v)), c++;
  return c > 0 && s > 0 ? s / c : 1;
}
