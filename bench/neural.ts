// Section 4: the neural quantile model (src/forecast/neural, models/augur-quantile-v1) on one tfjs
// backend. Runs in its own process, one per backend (bench/run.ts starts it): initBackend chooses
// once per process, so the backends cannot be compared fairly in one. Prints "BENCH_JSON {...}".
//
//   node --expose-gc --import tsx bench/neural.ts <reps>                                  wasm (the product's choice here)
//   node --expose-gc --import ./bench/no-wasm.mjs --import tsx bench/neural.ts <reps>     cpu: the wasm package cannot be
//                                                                                           imported, so initBackend falls
//                                                                                           back to plain JS, as it would
//                                                                                           on a machine without it
// Measures, in this process and against seasonal naive's forecast() measured alongside:
//   - start-up: importing the modules, initBackend, loading the shipped model, the first forecast;
//   - inference: forecast() series/s over the pool (14 days × 5 min, horizon 24 h), interleaved
//     with the baseline in every repetition; and selection with the neural candidate registered;
//   - fine-tune: fineTune() with its defaults per pool series (time, heap, RSS, tensors), and the
//     same 20 epochs without the 2 s bound;
//   - training: trainModel (the shipped model's code) for 1 epoch on a fixed small subset.
const tStart = performance.now();
const rssAtStart = process.memoryUsage().rss;

import { fileURLToPath } from 'node:url';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
const { augurCandidates, selectAugur } = await import('../src/forecast/registry.js');
const { seasonalNaive } = await import('../src/forecast/seasonalNaive.js');
const lib = await import('./lib.js');
const tImported = performance.now();
const neural = await import('../src/forecast/neural/index.js');
const { tf } = await import('../src/forecast/neural/backend.js');
const tNeuralImported = performance.now();
const backendLog: string[] = [];
const backend = await neural.initBackend((m) => backendLog.push(m));
const tBackend = performance.now();
const models = await import('../src/models/neural.js');
const { DEFAULT_MODEL_DIR, loadCsvSeries } = await import('../src/models/files.js');
const loaded = await models.loadNeuralForecaster(DEFAULT_MODEL_DIR, { log: () => {} });
if (!loaded) throw new Error(`bench/neural.ts: the shipped model did not load: ${models.lastLoadFailure}`);
const model = loaded;
const tLoaded = performance.now();
const rssLoaded = process.memoryUsage().rss;

import type { Forecast, Forecaster } from '../src/domain/forecast.js';
import type { Series } from '../src/domain/series.js';
import type { PoolSeries, Summary } from './lib.js';

const { HORIZON_STEPS, QUANTILES, STEP, summarize, fullGc, loadPool } = lib;
const OPTS = { horizonSteps: HORIZON_STEPS, quantiles: QUANTILES };
const MIN_SAMPLE_MS = 250;
/** Training windows per fixture trace in the timed 1-epoch training run (6 traces). */
export const TRAIN_WINDOWS_PER_TRACE = 500;

export interface NeuralResult {
  backend: string;
  /** What initBackend logged (which backend, which were not available and why). */
  backendLog: string[];
  /** Milliseconds: Node + tsx boot to this script's first line, the statistical and bench modules, tfjs + neural modules, initBackend, model load, the first forecast; total = process start to the first forecast done. */
  startup: { bootMs: number; importMs: number; tfImportMs: number; backendMs: number; loadMs: number; firstForecastMs: number; totalMs: number };
  rss: { start: number; afterLoad: number; afterInference: number; afterFineTune: number; peak: number };
  inference: {
    neural: { seriesPerSecond: Summary; msPerSeries: Summary };
    baseline: { seriesPerSecond: Summary; msPerSeries: Summary };
    /** neural time per series ÷ baseline time per series, per repetition. */
    ratio: Summary;
    passes: { neural: number; baseline: number };
    reps: number;
    /** selectAugur with the neural candidate registered (as the agent runs it): ms per series. */
    selectWithNeural: { msPerSeries: Summary; seriesPerSecond: Summary; chosen: Record<string, number> };
  };
  fineTune: {
    /** fineTune(model, series) with its defaults (≤ 20 epochs, bounded at 2 s), per pool series. */
    defaults: { ms: Summary; perSeries: { label: string; ms: number; unboundedMs: number }[] };
    /** The same 20 epochs with no time bound (seconds: 1e9). */
    unbounded: { ms: Summary };
    /** fineTune time ÷ one neural forecast() in the same process (median ÷ median). */
    ratioToForecast: number;
    /** RSS growth over the whole fine-tune phase, and the process's maxRSS growth over it. */
    rssGrowth: number;
    maxRssGrowth: number;
    /** tfjs tensors and bytes before and after every fine-tune (tuned models disposed). */
    tensorsBefore: number;
    tensorsAfter: number;
    tfBytesBefore: number;
    tfBytesAfter: number;
    /** tfjs bytes held by one tuned copy (its weights). */
    tunedModelBytes: number;
  };
  training: {
    traces: string[];
    windows: number;
    epochs: number;
    batchSize: number;
    seconds: number;
    /** ms per training window per epoch. */
    msPerWindowEpoch: number;
    /** The shipped model's budget (MODEL_CARD: 30 epochs × 18,519 windows) at this rate. */
    projectedFullSeconds: number;
    /** training ms per window-epoch ÷ fine-tune (unbounded) ms per window-epoch. */
    ratioToFineTunePerWindowEpoch: number;
  };
}

function timeNeuralPass(pool: PoolSeries[], f: Forecaster): number {
  let sink = 0;
  for (const p of pool) {
    const fc: Forecast = f.forecast(p.series, OPTS);
    const q = fc.quantiles['0.99'];
    if (!q || q.length !== HORIZON_STEPS || !Number.isFinite(q[HORIZON_STEPS - 1] as number)) throw new Error(`${f.name} on ${p.label}: bad forecast`);
    sink += q[0] as number;
  }
  return sink;
}

function passesFor(pool: PoolSeries[], f: Forecaster): number {
  timeNeuralPass(pool, f);
  timeNeuralPass(pool, f);
  const t0 = performance.now();
  timeNeuralPass(pool, f);
  const one = performance.now() - t0;
  return Math.max(1, Math.ceil(MIN_SAMPLE_MS / Math.max(one, 0.01)));
}

const peak = { rss: 0 };
const sample = () => {
  peak.rss = Math.max(peak.rss, process.memoryUsage().rss);
};

async function main(): Promise<void> {
  const reps = Number(process.argv[2] ?? 11);
  const pool = loadPool().series;
  const first = pool[0] as PoolSeries;
  let t0 = performance.now();
  model.forecast(first.series, OPTS);
  const firstForecastMs = performance.now() - t0;
  const startup = {
    bootMs: tStart,
    importMs: tImported - tStart,
    tfImportMs: tNeuralImported - tImported,
    backendMs: tBackend - tNeuralImported,
    loadMs: tLoaded - tBackend,
    firstForecastMs,
    totalMs: tLoaded + firstForecastMs,
  };
  sample();

  // Inference, interleaved with the baseline.
  const base = seasonalNaive(Math.round(86400 / STEP), 'seasonal-naive(daily)');
  const kN = passesFor(pool, model);
  const kB = passesFor(pool, base);
  const tn: number[] = [];
  const tb: number[] = [];
  for (let r = 0; r < reps; r++) {
    const order: [Forecaster, number, number[]][] = r % 2 === 0 ? [[model, kN, tn], [base, kB, tb]] : [[base, kB, tb], [model, kN, tn]];
    for (const [f, k, out] of order) {
      const s = performance.now();
      for (let i = 0; i < k; i++) timeNeuralPass(pool, f);
      out.push((performance.now() - s) / (k * pool.length));
    }
    sample();
  }
  process.stderr.write(`  [${backend}] inference: ${(1000 / (lib.quantile(tn, 0.5))).toFixed(0)} series/s (seasonal naive ${(1000 / lib.quantile(tb, 0.5)).toFixed(0)})\n`);

  // Selection with the neural candidate, as the agent runs it (registerNeuralCandidate + selectAugur).
  await models.registerNeuralCandidate(DEFAULT_MODEL_DIR, { log: () => {} });
  const selMs: number[] = [];
  const chosen: Record<string, number> = {};
  const withNeural = { ...OPTS, candidates: augurCandidates(STEP, undefined, true) }; // as the agent runs it with sizing.neural: true
  for (const p of pool) selectAugur(p.series, withNeural); // warm
  const selReps = Math.max(2, Math.ceil(reps / 4));
  for (let r = 0; r < selReps; r++) {
    const s = performance.now();
    for (const p of pool) {
      const fc = selectAugur(p.series, withNeural);
      if (r === 0) chosen[fc.model] = (chosen[fc.model] ?? 0) + 1;
    }
    selMs.push((performance.now() - s) / pool.length);
  }
  sample();
  const rssAfterInference = process.memoryUsage().rss;
  process.stderr.write(`  [${backend}] selection with the neural candidate: ${(1000 / lib.quantile(selMs, 0.5)).toFixed(1)} series/s\n`);

  // Fine-tune, per pool series: defaults (bounded at 2 s), then the same 20 epochs unbounded.
  fullGc();
  const maxRssBefore = process.resourceUsage().maxRSS * 1024;
  const rssBeforeTune = process.memoryUsage().rss;
  const memBefore = tf.memory();
  const warm = await neural.fineTune(model, first.series);
  const warmModel = neural.modelOf(warm);
  const tfAfterOne = tf.memory().numBytes;
  warmModel?.dispose();
  const tunedModelBytes = tfAfterOne - tf.memory().numBytes;
  const perSeries: { label: string; ms: number; unboundedMs: number }[] = [];
  for (const p of pool) {
    t0 = performance.now();
    const tuned = await neural.fineTune(model, p.series);
    const ms = performance.now() - t0;
    sample();
    tuned.forecast(p.series, OPTS);
    neural.modelOf(tuned)?.dispose();
    t0 = performance.now();
    const full = await neural.fineTune(model, p.series, { seconds: 1e9 });
    const unboundedMs = performance.now() - t0;
    sample();
    neural.modelOf(full)?.dispose();
    perSeries.push({ label: p.label, ms, unboundedMs });
  }
  fullGc();
  const memAfter = tf.memory();
  const rssAfterFineTune = process.memoryUsage().rss;
  const maxRssAfter = process.resourceUsage().maxRSS * 1024;
  process.stderr.write(`  [${backend}] fine-tune: median ${lib.quantile(perSeries.map((p) => p.ms), 0.5).toFixed(0)} ms (unbounded ${lib.quantile(perSeries.map((p) => p.unboundedMs), 0.5).toFixed(0)} ms)\n`);

  // Training: the shipped model's code, 1 epoch on a fixed small subset.
  const train = await import('../src/forecast/neural/train.js');
  const dir = fileURLToPath(new URL('../test/fixtures/traces/', import.meta.url));
  const names = readdirSync(dir).filter((f) => f.endsWith('.csv')).sort();
  const data = names.map((n) => loadCsvSeries(join(dir, n)));
  // An untimed tiny run first (kernels and JIT warm), then the timed one.
  (await train.trainModel(data, { ...train.DEFAULT_TRAIN_OPTIONS, epochs: 1, maxSamplesPerSeries: 20 })).model.dispose();
  const opts = { ...train.DEFAULT_TRAIN_OPTIONS, epochs: 1, maxSamplesPerSeries: TRAIN_WINDOWS_PER_TRACE };
  const trained = await train.trainModel(data, opts);
  trained.model.dispose();
  sample();
  const trainMsPerWindowEpoch = (trained.seconds * 1000) / (trained.samples * opts.epochs);
  // fineTune's defaults: up to 96 windows × 20 epochs (the pool series have 14 days, so all 96).
  const unboundedMed = lib.quantile(perSeries.map((p) => p.unboundedMs), 0.5);
  const tuneMsPerWindowEpoch = unboundedMed / (96 * 20);
  process.stderr.write(`  [${backend}] training: 1 epoch over ${trained.samples} windows in ${trained.seconds.toFixed(1)} s\n`);

  const nMs = summarize(tn);
  const result: NeuralResult = {
    backend,
    backendLog,
    startup,
    rss: { start: rssAtStart, afterLoad: rssLoaded, afterInference: rssAfterInference, afterFineTune: rssAfterFineTune, peak: Math.max(peak.rss, process.resourceUsage().maxRSS * 1024) },
    inference: {
      neural: { seriesPerSecond: summarize(tn.map((x) => 1000 / x)), msPerSeries: nMs },
      baseline: { seriesPerSecond: summarize(tb.map((x) => 1000 / x)), msPerSeries: summarize(tb) },
      ratio: summarize(tn.map((x, i) => x / (tb[i] as number))),
      passes: { neural: kN, baseline: kB },
      reps,
      selectWithNeural: { msPerSeries: summarize(selMs), seriesPerSecond: summarize(selMs.map((x) => 1000 / x)), chosen },
    },
    fineTune: {
      defaults: { ms: summarize(perSeries.map((p) => p.ms)), perSeries },
      unbounded: { ms: summarize(perSeries.map((p) => p.unboundedMs)) },
      ratioToForecast: lib.quantile(perSeries.map((p) => p.ms), 0.5) / nMs.median,
      rssGrowth: rssAfterFineTune - rssBeforeTune,
      maxRssGrowth: maxRssAfter - maxRssBefore,
      tensorsBefore: memBefore.numTensors,
      tensorsAfter: memAfter.numTensors,
      tfBytesBefore: memBefore.numBytes,
      tfBytesAfter: memAfter.numBytes,
      tunedModelBytes,
    },
    training: {
      traces: data.map((d) => d.name),
      windows: trained.samples,
      epochs: opts.epochs,
      batchSize: opts.batchSize,
      seconds: trained.seconds,
      msPerWindowEpoch: trainMsPerWindowEpoch,
      projectedFullSeconds: (trainMsPerWindowEpoch * 18519 * 30) / 1000,
      ratioToFineTunePerWindowEpoch: trainMsPerWindowEpoch / tuneMsPerWindowEpoch,
    },
  };
  process.stdout.write(`BENCH_JSON ${JSON.stringify(result)}\n`);
}

export type { Series };
await main();
