// For the targets section: the shipped neural model under the protocol of `augur backtest`
// (same CSV reader, same step detection, same rolling origins), which the command itself does not
// score (src/cli/main.ts registers the neural candidate for plan, run, serve, demo and forecast
// only). Two forecasters per trace: the neural model alone, and Augur's selection with the neural
// model among its candidates (what the agent runs). Prints "BENCH_JSON {...}".
//
//   node --import tsx bench/neural-backtest.ts <traces dir> <horizon s> <origins> [--no-select]
import { basename } from 'node:path';
import { backtest } from '../src/forecast/backtest.js';
import { ForecastError } from '../src/forecast/errors.js';
import { quantileKey } from '../src/forecast/loss.js';
import { forStep, initBackend } from '../src/forecast/neural/index.js';
import { DEFAULT_MODEL_DIR } from '../src/models/files.js';
import { MAX_STEP_SECONDS, registerNeuralCandidate } from '../src/models/neural.js';
import { augurForecaster } from '../src/forecast/registry.js';
import { inputFiles } from '../src/cli/backtest.js';
import { horizonStepsOf, readTraceFile, traceToSeries } from '../src/cli/forecast.js';
import { nativeStepSeconds } from '../src/metrics/file.js';
import type { Accuracy, Forecaster } from '../src/domain/forecast.js';

export interface NeuralBacktestRow {
  name: string;
  step_s: number;
  neural?: { pinball: Record<string, number>; coverage: Record<string, number> } | { skipped: string };
  augurWithNeural?: { pinball: Record<string, number>; coverage: Record<string, number>; selected: string[] } | { skipped: string };
}

export interface NeuralBacktestResult {
  backend: string;
  rows: NeuralBacktestRow[];
  seconds: { neural: number; select: number };
}

const QUANTILES = [0.5, 0.9, 0.99];

function scored(acc: Accuracy): { pinball: Record<string, number>; coverage: Record<string, number> } {
  const pick = (r: Record<string, number>) => Object.fromEntries(QUANTILES.map((q) => [quantileKey(q), r[quantileKey(q)] as number]));
  return { pinball: pick(acc.pinball), coverage: pick(acc.coverage) };
}

function run(f: Forecaster, series: Parameters<typeof backtest>[1], opts: Parameters<typeof backtest>[2]): ReturnType<typeof scored> | { skipped: string } {
  try {
    const acc = backtest(f, series, opts);
    return acc ? scored(acc) : { skipped: 'history too short for the origins' };
  } catch (e) {
    if (e instanceof ForecastError) return { skipped: e.message };
    throw e;
  }
}

async function main(): Promise<void> {
  const [dir, horizonArg, originsArg] = process.argv.slice(2);
  const withSelect = !process.argv.includes('--no-select');
  if (!dir) throw new Error('usage: bench/neural-backtest.ts <traces dir> <horizon s> <origins>');
  const horizon = Number(horizonArg ?? 86400);
  const origins = Number(originsArg ?? 3);
  const backend = await initBackend(() => {});
  const neural = await registerNeuralCandidate(DEFAULT_MODEL_DIR, { log: () => {} });
  if (!neural) throw new Error('bench/neural-backtest.ts: the shipped model did not load');
  const rows: NeuralBacktestRow[] = [];
  let tNeural = 0;
  let tSelect = 0;
  for (const file of inputFiles(dir)) {
    const data = readTraceFile(file);
    const step = nativeStepSeconds(data.timestamps);
    const series = traceToSeries(data, step);
    const opts = { horizonSteps: horizonStepsOf(horizon, step), quantiles: QUANTILES, origins };
    const name = basename(file).replace(/\.csv$/i, '');
    const row: NeuralBacktestRow = { name, step_s: step };
    if (step > MAX_STEP_SECONDS) {
      row.neural = { skipped: `step ${step} s is coarser than the model serves (${MAX_STEP_SECONDS} s)` };
    } else {
      const t0 = performance.now();
      row.neural = run(forStep(neural, step), series, opts);
      tNeural += performance.now() - t0;
    }
    if (withSelect) {
      const picked: string[] = [];
      const augur = augurForecaster(step, picked, 'augur+neural', true);
      const t0 = performance.now();
      const r = run(augur, series, opts);
      tSelect += performance.now() - t0;
      row.augurWithNeural = 'skipped' in r ? r : { ...r, selected: picked };
    }
    rows.push(row);
    process.stderr.write(`  neural backtest: ${name} done\n`);
  }
  const result: NeuralBacktestResult = { backend, rows, seconds: { neural: tNeural / 1000, select: tSelect / 1000 } };
  process.stdout.write(`BENCH_JSON ${JSON.stringify(result)}\n`);
}

await main();
