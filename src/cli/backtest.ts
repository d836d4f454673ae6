// `augur backtest`: how every model, every baseline and Augur's own per-series selection would
// have done on CSV traces, at N rolling origins one horizon apart (src/forecast/backtest.ts).
//
// "augur" is scored exactly as the other models: at each origin, the selection runs on the data
// before the origin only (its own inner backtest included) and the winner forecasts the held-out
// window. Nothing after an origin is seen by any model at that origin.
//
// Files run in worker threads (--jobs, default one per CPU); the report is byte-identical whatever
// the number of jobs. A progress bar goes to stderr only when stderr is a terminal.
import { readdirSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import * as path from 'node:path';
import { isMainThread } from 'node:worker_threads';
import { runOnWorkers, serveTasks, startModuleWorker, workerDataOf } from '../util/workers.js';
import { Command, InvalidArgumentError, Option } from 'commander';
import { backtest } from '../forecast/backtest.js';
import { ForecastError } from '../forecast/errors.js';
import { quantileKey } from '../forecast/loss.js';
import { allForecasters, augurForecaster, registeredExtras } from '../forecast/registry.js';
import { nativeStepSeconds } from '../metrics/file.js';
import type { Accuracy, Forecaster } from '../domain/forecast.js';
import {
  horizonStepsOf,
  parseDurationArg,
  parseQuantiles,
  readTraceFile,
  round6,
  traceToSeries,
} from './forecast.js';

export type ModelKind = 'augur' | 'augur-candidate' | 'model' | 'baseline';

export interface ModelResult {
  kind: ModelKind;
  /** Why the model was not scored on this series (too little history). */
  skipped?: string;
  pinball?: Record<string, number | null>;
  coverage?: Record<string, number | null>;
  mase?: number | null;
  wape?: number | null;
  /** augur only: the model its selection chose at each origin, oldest first. */
  selected?: string[];
}

export interface SeriesResult {
  name: string;
  file: string;
  step_s: number;
  points: number;
  horizon_steps: number;
  origins: number;
  models: Record<string, ModelResult>;
}

export interface BacktestReport {
  horizon_s: number;
  origins: number;
  quantiles: string[];
  series: SeriesResult[];
  summary: {
    /** Per model: how many series it was scored on, and the median of each metric across them. */
    models: Record<
      string,
      { kind: ModelKind; series: number; pinball: Record<string, number | null>; coverage: Record<string, number | null>; mase: number | null; wape: number | null }
    >;
    /**
     * Augur's p90 pinball divided by the best baseline's p90 pinball on the same series (null, and
     * left out of the median and the counts, where either was not scored or the best baseline's
     * loss was 0 while Augur's was not).
     */
    augur_vs_best_baseline_p90: { series: number; median_ratio: number | null; augur_better_or_equal: number; ratios: Record<string, number | null> };
    /**
     * The same ratio against each baseline on its own (the best baseline above is picked per series
     * after the fact, which no team could do in advance): median over series and how often Augur's
     * p90 pinball was lower.
     */
    augur_vs_each_baseline_p90: Record<string, { series: number; median_ratio: number | null; augur_better: number }>;
    /** Series Augur's selection could not be scored on (too short for the origins), with why: left out of every median above, and said so. */
    augur_not_scored: { series: string; reason: string }[];
  };
}

export interface BacktestCommandOptions {
  input: string;
  horizon: number;
  origins: number;
  quantiles: number[];
  format: string;
  step?: number;
  /** Files backtested at once, in worker threads (default: the number of CPUs; 1 = in this thread). */
  jobs?: number;
}

/** The CSV files an --input names: the file itself, or every *.csv directly inside a directory (sorted). */
export function inputFiles(input: string): string[] {
  let st;
  try {
    st = statSync(input);
  } catch {
    throw new Error(`input not found: ${input}`);
  }
  if (!st.isDirectory()) return [input];
  const files = readdirSync(input)
    .filter((f) => f.toLowerCase().endsWith('.csv'))
    .sort()
    .map((f) => path.join(input, f));
  if (files.length === 0) throw new Error(`${input} holds no .csv files`);
  return files;
}

function roundRecord(r: Record<string, number>, keys: string[]): Record<string, number | null> {
  const out: Record<string, number | null> = {};
  for (const k of keys) out[k] = round6(r[k] ?? Number.NaN);
  return out;
}

/** Backtests every model on one trace. */
export function backtestFile(file: string, o: BacktestCommandOptions): SeriesResult {
  const data = readTraceFile(file);
  const step = o.step ?? nativeStepSeconds(data.timestamps);
  const series = traceToSeries(data, step);
  const horizonSteps = horizonStepsOf(o.horizon, step);
  const keys = o.quantiles.map(quantileKey);
  const picked: string[] = [];
  const models: { model: Forecaster; kind: ModelKind }[] = [...allForecasters(step), { model: augurForecaster(step, picked), kind: 'augur' }];
  const results: Record<string, ModelResult> = {};
  const opts = { horizonSteps, quantiles: o.quantiles, origins: o.origins };
  for (const { model, kind } of models) {
    let acc: Accuracy | undefined;
    try {
      acc = backtest(model, series, opts);
    } catch (e) {
      if (!(e instanceof ForecastError)) throw e;
      results[model.name] = { kind, skipped: e.message };
      continue;
    }
    if (!acc) {
      results[model.name] = {
        kind,
        skipped: `history too short for ${o.origins} origins of ${horizonSteps} steps (model needs ${model.minHistorySteps(opts)} steps before the first origin)`,
      };
      continue;
    }
    results[model.name] = {
      kind,
      pinball: roundRecord(acc.pinball, keys),
      coverage: roundRecord(acc.coverage, keys),
      mase: round6(acc.mase),
      wape: round6(acc.wape),
      ...(kind === 'augur' ? { selected: picked.slice() } : {}),
    };
  }
  return {
    name: path.basename(file).replace(/\.csv$/i, ''),
    file: path.basename(file),
    step_s: step,
    points: series.values.length,
    horizon_steps: horizonSteps,
    origins: o.origins,
    models: results,
  };
}

function median(xs: number[]): number | null {
  const v = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return null;
  const h = v.length >> 1;
  return v.length % 2 === 1 ? (v[h] as number) : ((v[h - 1] as number) + (v[h] as number)) / 2;
}

export function summarize(series: SeriesResult[], keys: string[]): BacktestReport['summary'] {
  const names: string[] = [];
  const kinds = new Map<string, ModelKind>();
  for (const s of series) {
    for (const [name, r] of Object.entries(s.models)) {
      if (!kinds.has(name)) {
        kinds.set(name, r.kind);
        names.push(name);
      }
    }
  }
  const models: BacktestReport['summary']['models'] = {};
  for (const name of names) {
    const scored = series.map((s) => s.models[name]).filter((r): r is ModelResult => !!r && !r.skipped);
    const pick = (f: (r: ModelResult) => number | null | undefined): number | null => round6(median(scored.map((r) => f(r) ?? Number.NaN)) ?? Number.NaN);
    const pinball: Record<string, number | null> = {};
    const coverage: Record<string, number | null> = {};
    for (const k of keys) {
      pinball[k] = pick((r) => r.pinball?.[k]);
      coverage[k] = pick((r) => r.coverage?.[k]);
    }
    models[name] = { kind: kinds.get(name) as ModelKind, series: scored.length, pinball, coverage, mase: pick((r) => r.mase), wape: pick((r) => r.wape) };
  }
  const ratios: Record<string, number | null> = {};
  const list: number[] = [];
  let better = 0;
  const p90 = quantileKey(0.9);
  for (const s of series) {
    const a = s.models.augur;
    const augur = a && !a.skipped ? a.pinball?.[p90] : undefined;
    let best: number | undefined;
    for (const r of Object.values(s.models)) {
      if (r.kind !== 'baseline' || r.skipped) continue;
      const v = r.pinball?.[p90];
      if (typeof v === 'number' && Number.isFinite(v) && (best === undefined || v < best)) best = v;
    }
    if (typeof augur !== 'number' || best === undefined) {
      ratios[s.name] = null;
      continue;
    }
    if (best === 0 && augur > 0) {
      ratios[s.name] = null; // the best baseline was exact: no finite ratio, left out of the median
      continue;
    }
    const ratio = best > 0 ? augur / best : 1;
    ratios[s.name] = round6(ratio);
    list.push(ratio);
    if (augur <= best) better++;
  }
  const med = median(list);
  const each: BacktestReport['summary']['augur_vs_each_baseline_p90'] = {};
  for (const name of names) {
    if (kinds.get(name) !== 'baseline') continue;
    const rs: number[] = [];
    let wins = 0;
    for (const s of series) {
      const a = s.models.augur?.pinball?.[p90];
      const b = s.models[name]?.pinball?.[p90];
      if (typeof a !== 'number' || typeof b !== 'number' || !(b > 0)) continue;
      rs.push(a / b);
      if (a < b) wins++;
    }
    const m = median(rs);
    each[name] = { series: rs.length, median_ratio: m === null ? null : round6(m), augur_better: wins };
  }
  const notScored = series.flatMap((s) => (s.models.augur?.skipped ? [{ series: s.name, reason: s.models.augur.skipped }] : []));
  return {
    models,
    augur_vs_best_baseline_p90: { series: list.length, median_ratio: med === null ? null : round6(med), augur_better_or_equal: better, ratios },
    augur_vs_each_baseline_p90: each,
    augur_not_scored: notScored,
  };
}

export function backtestReport(files: string[], o: BacktestCommandOptions, progress?: (done: number, total: number, file: string) => void): BacktestReport {
  const keys = o.quantiles.map(quantileKey);
  const series: SeriesResult[] = [];
  for (let i = 0; i < files.length; i++) {
    const file = files[i] as string;
    progress?.(i, files.length, file);
    series.push(backtestFile(file, o));
  }
  progress?.(files.length, files.length, '');
  return { horizon_s: o.horizon, origins: o.origins, quantiles: keys, series, summary: summarize(series, keys) };
}

// ---------------------------------------------------------------------------------------------
// Worker threads: one file per task; results are put back in file order, so the report is the same
// whatever the number of jobs.

// As a worker thread of backtestReportParallel: score the files it is sent.
const data = isMainThread ? undefined : workerDataOf<{ augurBacktest?: boolean; extras?: string[] }>();
if (data?.augurBacktest) {
  // TensorFlow.js is loaded only when the parent registered the neural model.
  const ready = data.extras?.length ? import('../models/neural.js').then((m) => m.registerExtras(data.extras)) : Promise.resolve();
  serveTasks(async (t: { file: string; opts: BacktestCommandOptions }) => {
    await ready;
    return backtestFile(t.file, t.opts);
  });
}

/** The model names this thread would score for a step (to check a worker saw the same registry). */
function expectedModels(step: number): string[] {
  return [...allForecasters(step).map((x) => x.model.name), 'augur'];
}

/**
 * Like backtestReport, spread over `jobs` worker threads. A worker's result whose models differ
 * from this thread's registry (a candidate registered outside the worker's imports) is recomputed
 * here, so the report never depends on the number of jobs.
 */
export async function backtestReportParallel(
  files: string[],
  o: BacktestCommandOptions,
  jobs: number,
  progress?: (done: number, total: number, file: string) => void,
): Promise<BacktestReport> {
  const n = Math.min(jobs, files.length);
  if (n <= 1) return backtestReport(files, o, progress);
  const keys = o.quantiles.map(quantileKey);
  const results = new Array<SeriesResult | undefined>(files.length);
  const { jobs: _jobs, ...taskOpts } = o;
  // Largest files first, so the last tasks are short and the workers finish together.
  const size = (f: string): number => {
    try {
      return statSync(f).size;
    } catch {
      return 0;
    }
  };
  const order = files.map((f, i) => ({ i, s: size(f) })).sort((a, b) => b.s - a.s || a.i - b.i).map((x) => x.i);
  let done = 0;
  progress?.(0, files.length, '');
  await runOnWorkers<{ file: string; opts: typeof taskOpts }, SeriesResult>(
    () => startModuleWorker(import.meta.url, { augurBacktest: true, extras: [...registeredExtras] }),
    files.map((file) => ({ file, opts: taskOpts })),
    { jobs: n, order },
    (i, result) => {
      const want = expectedModels(result.step_s);
      const got = Object.keys(result.models);
      results[i] = want.length === got.length && want.every((m, k) => got[k] === m) ? result : backtestFile(files[i] as string, o);
      done++;
      progress?.(done, files.length, done < files.length ? (files[i] as string) : '');
    },
  );
  const series = results as SeriesResult[];
  return { horizon_s: o.horizon, origins: o.origins, quantiles: keys, series, summary: summarize(series, keys) };
}

// ---------------------------------------------------------------------------------------------
// Markdown

function fmt(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '–';
  return String(Number(v.toPrecision(4)));
}

function modelTable(rows: [string, { kind: ModelKind; pinball?: Record<string, number | null>; coverage?: Record<string, number | null>; mase?: number | null; skipped?: string; series?: number }][], keys: string[], withSeries: boolean): string {
  const head = ['model', 'kind', ...(withSeries ? ['series'] : []), ...keys.map((k) => `pinball ${k}`), ...keys.map((k) => `coverage ${k}`), 'MASE'];
  const lines = [`| ${head.join(' | ')} |`, `|${head.map((_, i) => (i < 2 ? '---' : '---:')).join('|')}|`];
  for (const [name, r] of rows) {
    const cells = [`\`${name}\``, r.kind];
    if (withSeries) cells.push(String(r.series ?? 0));
    if (r.skipped) {
      cells.push(...keys.map(() => '–'), ...keys.map(() => '–'), `skipped: ${r.skipped.replace(/\|/g, '\\|')}`);
    } else {
      cells.push(...keys.map((k) => fmt(r.pinball?.[k])), ...keys.map((k) => fmt(r.coverage?.[k])), fmt(r.mase));
    }
    lines.push(`| ${cells.join(' | ')} |`);
  }
  return lines.join('\n');
}

export function renderMarkdown(r: BacktestReport): string {
  const out: string[] = [];
  out.push(`# Backtest: ${r.series.length} series, horizon ${r.horizon_s} s, ${r.origins} origins`);
  out.push('');
  out.push(
    'Pinball loss per quantile (lower is better, in the unit of each series), coverage per quantile (share of actuals at or below the forecast; ideal = the level), MASE of the median (1 = as good as in-sample seasonal naive). `augur` is the per-series selection, run at each origin on the data before it.',
  );
  out.push('');
  out.push('## Summary');
  out.push('');
  const a = r.summary.augur_vs_best_baseline_p90;
  out.push(
    a.median_ratio === null
      ? 'Augur vs the best baseline (p90 pinball): no series had both.'
      : `Augur vs the best baseline per series (p90 pinball, ratio < 1 = Augur better): median ratio **${fmt(a.median_ratio)}** over ${a.series} series; Augur at least as good on ${a.augur_better_or_equal} of ${a.series}.`,
  );
  out.push('');
  const notScored = r.summary.augur_not_scored ?? [];
  if (notScored.length > 0) {
    out.push(`Not scored for Augur, and left out of every median (${notScored.length} of ${r.series.length} series):`);
    out.push('');
    for (const x of notScored) out.push(`- \`${x.series}\`: ${x.reason}`);
    out.push('');
  }
  const each = Object.entries(r.summary.augur_vs_each_baseline_p90);
  if (each.length > 0) {
    out.push('Augur against each baseline on its own (p90 pinball):');
    out.push('');
    out.push('| baseline | series | median ratio Augur / baseline | Augur better |');
    out.push('|---|---:|---:|---:|');
    for (const [name, e] of each) out.push(`| \`${name}\` | ${e.series} | ${fmt(e.median_ratio)} | ${e.augur_better} of ${e.series} |`);
    out.push('');
  }
  out.push('Median across series of each metric:');
  out.push('');
  out.push(modelTable(Object.entries(r.summary.models), r.quantiles, true));
  for (const s of r.series) {
    out.push('');
    out.push(`## ${s.name}`);
    out.push('');
    const ratio = a.ratios[s.name];
    out.push(
      `${s.file}: ${s.points} points at ${s.step_s} s, horizon ${s.horizon_steps} steps, ${s.origins} origins.` +
        (ratio !== undefined && ratio !== null ? ` Augur / best baseline p90 pinball: ${fmt(ratio)}.` : '') +
        (s.models.augur?.selected ? ` Augur chose: ${s.models.augur.selected.map((m) => `\`${m}\``).join(', ')}.` : ''),
    );
    out.push('');
    out.push(modelTable(Object.entries(s.models), r.quantiles, false));
  }
  return `${out.join('\n')}\n`;
}

// ---------------------------------------------------------------------------------------------

function parseOrigins(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`"${v}" is not a positive whole number; e.g. 3`);
  return n;
}

function progressBar(done: number, total: number, file: string): void {
  const width = 30;
  const filled = total > 0 ? Math.round((done / total) * width) : width;
  const label = file ? path.basename(file) : done === total ? 'done' : '';
  process.stderr.write(`\r\x1b[2K[${'#'.repeat(filled)}${' '.repeat(width - filled)}] ${done}/${total} ${label}`);
  if (done === total) process.stderr.write('\n');
}

export function registerBacktest(program: Command): void {
  program
    .command('backtest')
    .description('score every model, every baseline and Augur\'s selection on CSV traces at rolling origins')
    .requiredOption('--input <path>', 'a CSV file of timestamp,value rows, or a directory of them')
    .addOption(new Option('--horizon <duration>', 'forecast horizon at each origin, e.g. 6h or 2d').argParser(parseDurationArg).default(86400, '24h'))
    .option('--origins <n>', 'rolling origins, one horizon apart', parseOrigins, 3)
    .option('--quantiles <list>', 'comma-separated quantile levels', parseQuantiles, [0.5, 0.9, 0.99])
    .option('--step <duration>', "resampling step (default: each file's median sampling interval, rounded to a minute)", parseDurationArg)
    .option('--format <format>', 'json or markdown', 'json')
    .option('--jobs <n>', 'files backtested at once, in worker threads (default: the number of CPUs)', parseOrigins)
    .action(async (opts: BacktestCommandOptions) => {
      let text: string;
      try {
        if (opts.format !== 'json' && opts.format !== 'markdown') throw new Error(`unknown --format "${opts.format}"; use json or markdown`);
        const files = inputFiles(opts.input);
        const report = await backtestReportParallel(files, opts, opts.jobs ?? availableParallelism(), process.stderr.isTTY ? progressBar : undefined);
        text = opts.format === 'json' ? JSON.stringify(report, null, 2) : renderMarkdown(report);
      } catch (err) {
        console.error(`augur backtest: ${err instanceof Error ? err.message : String(err)}`);
        process.exit(1);
      }
      process.stdout.write(opts.format === 'json' ? `${text}\n` : text);
    });
}
