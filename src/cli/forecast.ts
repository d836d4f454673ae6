// `augur forecast`: Augur's forecast for one CSV trace, as the agent would make it (per-series
// model selection by rolling-origin backtest), printed as JSON. Also the trace loading shared
// with `augur backtest`.
import { readFileSync } from 'node:fs';
import { Command, InvalidArgumentError, Option } from 'commander';
import { parseDuration } from '../config/duration.js';
import { augurCandidates, selectAugur } from '../forecast/registry.js';
import { backtestShortfall } from '../forecast/backtest.js';
import { prepareHistory } from '../forecast/clean.js';
import { quantileKey } from '../forecast/loss.js';
import { DEFAULT_LOOKBACK_SECONDS, nativeStepSeconds, parseTraceCsv, resampleLast, type TraceData } from '../metrics/file.js';
import type { Series } from '../domain/series.js';

/** Rounded to 6 significant digits, so the printed numbers are stable and short. */
export function round6(v: number): number | null {
  if (!Number.isFinite(v)) return null;
  return Number(v.toPrecision(6));
}


/** Reads a trace CSV; throws an Error with a clear message when the file is missing or malformed. */
export function readTraceFile(file: string): TraceData {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new Error(`input file not found: ${file}`);
    if (code === 'EISDIR') throw new Error(`${file} is a directory; name a CSV file of timestamp,value rows`);
    throw new Error(`cannot read ${file}: ${err instanceof Error ? err.message : String(err)}`);
  }
  return parseTraceCsv(text, file);
}

/**
 * The samples strictly before `until` (Unix seconds; all when undefined), resampled onto a grid of
 * `stepSeconds` aligned to multiples of the step, as FileSource does (the last sample in
 * (t - lookback, t], lookback = max(step, 5 min)). The grid runs from the first sample's grid point
 * to the last grid point before `until` (without `until`: the last sample's), so a forecast from it
 * starts at the first grid point at or after `until` even when the samples stop earlier: the
 * missing tail is NaN, for the cleaning to fill (see prepareHistory), never a forecast that starts
 * in the past.
 */
export function traceToSeries(data: TraceData, stepSeconds: number, until?: number): Series {
  let n = data.timestamps.length;
  if (until !== undefined) {
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((data.timestamps[mid] as number) < until) lo = mid + 1;
      else hi = mid;
    }
    n = lo;
  }
  if (n === 0) return { timestamps: [], values: [], stepSeconds };
  const ts = data.timestamps.slice(0, n);
  const vs = data.values.slice(0, n);
  const start = Math.ceil((ts[0] as number) / stepSeconds) * stepSeconds;
  const end = until !== undefined ? Math.ceil(until / stepSeconds) * stepSeconds - stepSeconds : Math.floor((ts[n - 1] as number) / stepSeconds) * stepSeconds;
  const grid: number[] = [];
  for (let t = start; t <= end; t += stepSeconds) grid.push(t);
  const { values } = resampleLast({ timestamps: ts, values: vs }, grid, Math.max(stepSeconds, DEFAULT_LOOKBACK_SECONDS));
  return { timestamps: grid, values, stepSeconds };
}

export function parseQuantiles(v: string): number[] {
  const out = v.split(',').map((s) => s.trim()).filter((s) => s !== '').map(Number);
  if (out.length === 0) throw new InvalidArgumentError(`"${v}" names no quantile levels; e.g. 0.5,0.9,0.99`);
  for (const q of out) {
    if (!(q > 0 && q < 1)) throw new InvalidArgumentError(`quantile levels must be numbers between 0 and 1 (exclusive), got "${v}"; e.g. 0.5,0.9,0.99`);
  }
  return [...new Set(out)].sort((a, b) => a - b);
}

export function parseDurationArg(v: string): number {
  try {
    const s = parseDuration(v);
    if (!(s > 0)) throw new Error(`"${v}" is not a positive duration`);
    return s;
  } catch (err) {
    throw new InvalidArgumentError(err instanceof Error ? err.message : String(err));
  }
}

export function parseIsoTime(v: string): number {
  const t = Date.parse(v);
  if (Number.isNaN(t)) throw new InvalidArgumentError(`"${v}" is not an ISO time; e.g. 2026-11-22T06:00:00Z`);
  return t / 1000;
}

/** Horizon in whole steps (at least one); throws when the horizon is shorter than a step. */
export function horizonStepsOf(horizonSeconds: number, stepSeconds: number): number {
  const h = Math.round(horizonSeconds / stepSeconds);
  if (h < 1) throw new Error(`horizon ${horizonSeconds} s is shorter than one step (${stepSeconds} s); use a longer --horizon`);
  return h;
}

export interface ForecastCommandOptions {
  input: string;
  until?: number;
  horizon: number;
  quantiles: number[];
  step?: number;
  format: string;
}

/** What `augur forecast` prints. */
export function runForecast(o: ForecastCommandOptions): string {
  if (o.format !== 'json') throw new Error(`unknown --format "${o.format}"; use json`);
  const data = readTraceFile(o.input);
  const step = o.step ?? nativeStepSeconds(data.timestamps);
  const history = traceToSeries(data, step, o.until);
  if (history.timestamps.length === 0) {
    throw new Error(`${o.input}: no rows before ${o.until !== undefined ? new Date(o.until * 1000).toISOString() : 'the end'}; move --until later`);
  }
  const horizonSteps = horizonStepsOf(o.horizon, step);
  // The agent's path: counter to rate, gaps filled, incidents excluded (prepareHistory), then the selection.
  const prepared = prepareHistory(history);
  const candidates = augurCandidates(step);
  const opts = { horizonSteps, quantiles: o.quantiles };
  const fc = selectAugur(prepared.series, { ...opts, candidates });
  const quantiles: Record<string, (number | null)[]> = {};
  for (const q of o.quantiles) quantiles[quantileKey(q)] = (fc.quantiles[quantileKey(q)] ?? []).map(round6);
  const r = prepared.report;
  const notes: string[] = [];
  if (prepared.resets !== undefined) notes.push(`the history is a counter: forecast its rate (${prepared.resets} reset${prepared.resets === 1 ? '' : 's'})`);
  if (r.interpolated > 0) notes.push(`${r.interpolated} missing step${r.interpolated === 1 ? '' : 's'} filled`);
  if (r.incidentSteps > 0) notes.push(`${r.incidentSteps} step${r.incidentSteps === 1 ? '' : 's'} of ${r.incidents.length} incident${r.incidents.length === 1 ? '' : 's'} excluded`);
  if (!fc.accuracy) notes.push(backtestShortfall(candidates, prepared.series, opts) ?? 'not backtested: the selection could not score any model on this history');
  const out = {
    model: fc.model,
    step_s: step,
    timestamps: fc.timestamps.map((t) => new Date(t * 1000).toISOString()),
    quantiles,
    ...(notes.length > 0 ? { notes } : {}),
  };
  return JSON.stringify(out, null, 2);
}

export function registerForecast(program: Command): void {
  program
    .command('forecast')
    .description("forecast one CSV trace with Augur's per-series model selection; prints JSON")
    .requiredOption('--input <file>', 'CSV file of timestamp,value rows')
    .option('--until <iso>', 'use only rows strictly before this time (default: all)', parseIsoTime)
    .addOption(new Option('--horizon <duration>', 'how far ahead, e.g. 6h or 2d').argParser(parseDurationArg).default(86400, '24h'))
    .option('--quantiles <list>', 'comma-separated quantile levels', parseQuantiles, [0.5, 0.9, 0.99])
    .option('--step <duration>', "resampling step (default: the file's median sampling interval, rounded to a minute)", parseDurationArg)
    .option('--format <format>', 'output format: json', 'json')
    .action((opts: ForecastCommandOptions) => {
      let text: string;
      try {
        text = runForecast(opts);
      } catch (err) {
        console.error(`augur forecast: ${err instanceof Error ? err.message : String(err)}`);
        process.exit(1);
      }
      process.stdout.write(`${text}\n`);
    });
}
