// Scores the global neural model (scripts/train-global.ts; not shipped, see the v1 MODEL_CARD.md) on
// series it never trained on, under the protocol of bench/neural-backtest.ts (rolling origins,
// one day ahead, p50/p90/p99), side by side on the same origins with: the better of two seasonal
// naives (daily, weekly: the reference every ratio is taken against), the shipped v1 model,
// Augur's statistical selection (what runs by default), and the selection with the global model
// among its candidates (what `sizing.neural` would run with this model). Prints "BENCH_JSON {...}".
//
//   node --import tsx bench/global-eval.ts <model dir> heldout [--days 28] [--shard i/n]
//   node --import tsx bench/global-eval.ts <model dir> traces  [../shared/traces] [--shard i/n]
// --no-select scores the models alone (no selection: seconds instead of minutes).
//   node --import tsx bench/global-eval.ts --summarize <model dir> <BENCH_JSON files...>
// --summarize writes models/augur-quantile-v1/global-experiment.json (the medians, the model's
// training figures and split) and its section in models/augur-quantile-v1/MODEL_CARD.md.
// heldout: the held-out machines of the model's split.json (every metric), each series' last
// `days` days (the selection's cost grows with the history; 28 days is four weekly seasons).
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { arch, cpus, release, totalmem, type } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { backtest } from '../src/forecast/backtest.js';
import { ForecastError } from '../src/forecast/errors.js';
import { forStep, initBackend } from '../src/forecast/neural/index.js';
import { seasonalNaive } from '../src/forecast/seasonalNaive.js';
import { augurForecaster } from '../src/forecast/registry.js';
import { DEFAULT_MODEL_DIR, loadCorpusSeries, readCorpusIndex } from '../src/models/files.js';
import { loadNeuralForecaster, MAX_STEP_SECONDS, registerNeuralCandidate } from '../src/models/neural.js';
import { inputFiles } from '../src/cli/backtest.js';
import { horizonStepsOf, readTraceFile, traceToSeries } from '../src/cli/forecast.js';
import { nativeStepSeconds } from '../src/metrics/file.js';
import { GLOBAL_DOCS, GLOBAL_EXPERIMENT_JSON, renderGlobalExperiment, withGlobalSection, type GlobalExperiment } from '../scripts/global-experiment.js';
import type { Forecaster } from '../src/domain/forecast.js';
import type { Series } from '../src/domain/series.js';

const QUANTILES = [0.5, 0.9, 0.99];
const KEYS = ['0.5', '0.9', '0.99'];
type Scores = { pinball: Record<string, number>; coverage: Record<string, number> } | { skipped: string };
export interface GlobalEvalRow {
  name: string;
  step_s: number;
  scores: Record<string, Scores>;
  /** What the selection with the global model chose, per origin. */
  selectedWithGlobal: string[];
  selectedStatistical: string[];
}
const root = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2);
const arg = (name: string): string | undefined => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};

function score(f: Forecaster, series: Series, opts: Parameters<typeof backtest>[2]): Scores {
  try {
    const acc = backtest(f, series, opts);
    if (!acc) return { skipped: 'history too short for the origins' };
    const pick = (r: Record<string, number>) => Object.fromEntries(KEYS.map((k) => [k, r[k] as number]));
    return { pinball: pick(acc.pinball), coverage: pick(acc.coverage) };
  } catch (e) {
    if (e instanceof ForecastError) return { skipped: e.message };
    throw e;
  }
}

async function evaluate(modelDir: string): Promise<void> {
  const set = args[1];
  const [shard, shards] = (arg('--shard') ?? '0/1').split('/').map(Number) as [number, number];
  await initBackend(() => {});
  const global = await registerNeuralCandidate(modelDir, { log: () => {} });
  const v1 = await loadNeuralForecaster(DEFAULT_MODEL_DIR, { log: () => {} });
  if (!global || !v1) throw new Error('bench/global-eval.ts: a model did not load');
  let series: { name: string; series: Series }[];
  if (set === 'heldout') {
    const days = Number(arg('--days') ?? 28);
    const split = JSON.parse(readFileSync(join(modelDir, 'split.json'), 'utf8')) as { heldOut: number[] };
    const corpus = resolve(arg('--corpus') ?? join(root, '../shared/corpus/bitbrains'));
    const all = loadCorpusSeries(corpus, readCorpusIndex(corpus), split.heldOut);
    series = all.map((s) => {
      const n = Math.round((days * 86400) / s.series.stepSeconds);
      return { name: s.name, series: { ...s.series, timestamps: s.series.timestamps.slice(-n), values: s.series.values.slice(-n) } };
    });
  } else {
    const dir = args[2] && !args[2].startsWith('--') ? args[2] : join(root, '../shared/traces');
    series = inputFiles(dir).map((file) => {
      const data = readTraceFile(file);
      return { name: basename(file).replace(/\.csv$/i, ''), series: traceToSeries(data, nativeStepSeconds(data.timestamps)) };
    });
  }
  const rows: GlobalEvalRow[] = [];
  for (const [i, s] of series.entries()) {
    if (i % shards !== shard) continue;
    const step = s.series.stepSeconds;
    const day = Math.round(86400 / step);
    const opts = { horizonSteps: horizonStepsOf(86400, step), quantiles: QUANTILES, origins: 3 };
    const withGlobal: string[] = [];
    const statistical: string[] = [];
    const tooCoarse = { skipped: `step ${step} s is coarser than the models serve (${MAX_STEP_SECONDS} s)` };
    const scores: Record<string, Scores> = {
      'seasonal-naive(daily)': score(seasonalNaive(day, 'seasonal-naive(daily)'), s.series, opts),
      'seasonal-naive(weekly)': score(seasonalNaive(7 * day, 'seasonal-naive(weekly)'), s.series, opts),
      global: step > MAX_STEP_SECONDS ? tooCoarse : score(forStep(global, step), s.series, opts),
      v1: step > MAX_STEP_SECONDS ? tooCoarse : score(forStep(v1, step), s.series, opts),
    };
    // --no-select: the models alone (seconds, not minutes), to compare training budgets.
    if (!args.includes('--no-select')) {
      scores.augur = score(augurForecaster(step, statistical, 'augur', false), s.series, opts);
      scores['augur+global'] = score(augurForecaster(step, withGlobal, 'augur+global', true), s.series, opts);
    }
    rows.push({ name: s.name, step_s: step, scores, selectedWithGlobal: withGlobal, selectedStatistical: statistical });
    process.stderr.write(`  global eval: ${s.name} done\n`);
  }
  process.stdout.write(`BENCH_JSON ${JSON.stringify({ set, model: global.name, rows })}\n`);
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? Number.NaN : s.length % 2 ? (s[(s.length - 1) / 2] as number) : ((s[s.length / 2 - 1] as number) + (s[s.length / 2] as number)) / 2;
};

/** Medians over series of each forecaster's pinball ÷ the better seasonal naive's, and the head-to-heads. */
function summarize(modelDir: string, files: string[]): void {
  const sets = files.flatMap((f) =>
    readFileSync(f, 'utf8')
      .split('\n')
      .filter((l) => l.startsWith('BENCH_JSON '))
      .map((l) => JSON.parse(l.slice('BENCH_JSON '.length)) as { set: string; model: string; rows: GlobalEvalRow[] }),
  );
  const bySet = new Map<string, GlobalEvalRow[]>();
  for (const s of sets) bySet.set(s.set, [...(bySet.get(s.set) ?? []), ...s.rows]);
  const result: Record<string, unknown> = {};
  const models = ['global', 'v1', 'augur', 'augur+global'];
  for (const [set, rows] of bySet) {
    const pin = (r: GlobalEvalRow, m: string, k: string): number | undefined => {
      const s = r.scores[m];
      return s && 'pinball' in s ? (s.pinball[k] as number) : undefined;
    };
    const cov = (r: GlobalEvalRow, m: string, k: string): number | undefined => {
      const s = r.scores[m];
      return s && 'coverage' in s ? (s.coverage[k] as number) : undefined;
    };
    const scored = rows.filter((r) => models.every((m) => pin(r, m, '0.9') !== undefined));
    const summary: Record<string, unknown> = { series: rows.length, scored: scored.length };
    for (const k of ['0.5', '0.9']) {
      for (const m of models) {
        const ratios: number[] = [];
        for (const r of scored) {
          const base = Math.min(...['seasonal-naive(daily)', 'seasonal-naive(weekly)'].map((b) => pin(r, b, k) ?? Number.POSITIVE_INFINITY));
          const v = pin(r, m, k) as number;
          if (Number.isFinite(base) && base > 0) ratios.push(v / base);
        }
        summary[`${m} p${Number(k) * 100} ÷ better seasonal naive (median)`] = median(ratios);
        summary[`${m} p${Number(k) * 100} worse than 1.1× better seasonal naive (series)`] = ratios.filter((x) => x > 1.1).length;
      }
      for (const m of ['global', 'augur+global']) {
        const ratios = scored.map((r) => (pin(r, m, k) as number) / (pin(r, 'augur', k) as number)).filter((x) => Number.isFinite(x));
        summary[`${m} p${Number(k) * 100} ÷ augur (median)`] = median(ratios);
        summary[`${m} p${Number(k) * 100} better than augur (series)`] = ratios.filter((x) => x < 1).length;
        summary[`${m} p${Number(k) * 100} worse than augur (series)`] = ratios.filter((x) => x > 1).length;
      }
    }
    for (const m of [...models, 'seasonal-naive(daily)', 'seasonal-naive(weekly)']) summary[`${m} p90 coverage (median)`] = median(scored.map((r) => cov(r, m, '0.9') as number).filter((x) => x !== undefined));
    const origins = scored.flatMap((r) => r.selectedWithGlobal);
    summary['origins where the selection with the global model chose it (alone or in an ensemble)'] = `${origins.filter((n) => n.includes('v2-global')).length} of ${origins.length}`;
    result[set] = summary;
  }
  const read = (f: string) => JSON.parse(readFileSync(join(modelDir, f), 'utf8')) as never;
  const experiment: GlobalExperiment = {
    date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    machine: `${cpus()[0]?.model ?? 'unknown CPU'} × ${cpus().length} logical CPUs, ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM, ${type()} ${release()} ${arch()}`,
    node: process.version,
    commands: [
      'npx tsx scripts/train-global.ts    # writes build/augur-quantile-v2-global (not committed)',
      'node --import tsx bench/global-eval.ts build/augur-quantile-v2-global heldout --shard 0/2 > heldout-0.out   # and --shard 1/2, in parallel',
      'node --import tsx bench/global-eval.ts build/augur-quantile-v2-global traces > traces.out',
      'node --import tsx bench/global-eval.ts --summarize build/augur-quantile-v2-global heldout-0.out heldout-1.out traces.out',
    ],
    training: read('training.json'),
    split: read('split.json'),
    regression: read('regression.json'),
    sets: result as GlobalExperiment['sets'],
  };
  writeFileSync(GLOBAL_EXPERIMENT_JSON, `${JSON.stringify(experiment, null, 2)}\n`);
  writeFileSync(GLOBAL_DOCS.card, withGlobalSection(readFileSync(GLOBAL_DOCS.card, 'utf8'), renderGlobalExperiment(experiment, '##')));
  console.log(JSON.stringify(result, null, 2));
}

if (args[0] === '--summarize') summarize(resolve(args[1] as string), args.slice(2));
else await evaluate(resolve(args[0] ?? join(root, 'build/augur-quantile-v2-global')));
