// Reads history from CSV files of `timestamp,value` rows (the format of the traces in
// /work/shared/traces and of exports people make by hand).
//
// Resampling onto the requested grid works like a Prometheus instant query of a gauge: each grid
// point t takes the LAST sample in (t - lookback, t], with lookback = max(step, lookbackSeconds)
// and lookbackSeconds defaulting to Prometheus' 5 minutes. So coarser steps pick the last sample of
// each step (as Prometheus does for a plain selector), finer steps repeat a sample for at most 5
// minutes, irregular sampling (e.g. every 256 s) lands on the nearest earlier grid point, and a real
// gap longer than the lookback stays NaN. (Prometheus 3 uses the same left-open window; 2.x also
// includes a sample exactly lookback seconds old.)

import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import { MetricsError, type MetricRef, type RangeWindow, type Series } from '../domain/series.js';
import { type MetricsSource } from '../domain/ports.js';
import { WEEK_SECONDS, describeWindow, gridTime, isoSeconds, windowPoints } from './grid.js';
import { packedNumbers } from '../util/numbers.js';

/** Samples of a trace file: ascending, unique timestamps (Unix seconds); NaN for non-finite values. */
export interface TraceData {
  timestamps: number[];
  values: number[];
}

export interface FileSourceOptions {
  /** Directory `{ file }` refs are relative to. */
  baseDir: string;
  /**
   * Replay an old trace as if recent: shift every sample by the fewest whole weeks that put the
   * last one at or after `now` (Unix seconds), so a window ending at now is covered (for traces at
   * least a week longer than the window). Weekday and time of day are kept.
   */
  shiftToNow?: { now: number };
  /** How old a sample may be and still count for a grid point, at least one step. Default 300 s. */
  lookbackSeconds?: number;
}

export const DEFAULT_LOOKBACK_SECONDS = 300;

export class FileSource implements MetricsSource {
  private readonly cache = new Map<string, Promise<TraceData>>();
  private readonly baseDir: string;

  constructor(private readonly opts: FileSourceOptions) {
    this.baseDir = path.resolve(opts.baseDir);
    if (opts.shiftToNow && !Number.isFinite(opts.shiftToNow.now)) {
      throw new MetricsError(`shiftToNow.now must be Unix seconds (got ${opts.shiftToNow.now})`);
    }
  }

  async range(ref: MetricRef, window: RangeWindow, signal?: AbortSignal): Promise<Series> {
    if (!('file' in ref) || typeof ref.file !== 'string' || ref.file.trim() === '') {
      throw new MetricsError(
        `FileSource reads file refs ({ file: "..." }); got ${JSON.stringify(ref)}. Use PrometheusSource for { promql } refs.`,
        ref,
      );
    }
    const n = windowPoints(window, ref);
    const file = path.resolve(this.baseDir, ref.file);
    if (signal?.aborted) throw new MetricsError(`reading ${file} was cancelled`, ref);
    const data = await this.load(file, ref);
    if (data.timestamps.length === 0) {
      throw new MetricsError(`${file}: no samples`, ref);
    }

    const offset = this.opts.shiftToNow ? replayShiftSeconds(lastOf(data.timestamps), this.opts.shiftToNow.now) : 0;
    const lookback = Math.max(window.stepSeconds, this.opts.lookbackSeconds ?? DEFAULT_LOOKBACK_SECONDS);
    const timestamps = new Array<number>(n);
    for (let i = 0; i < n; i++) timestamps[i] = gridTime(window, i);
    const { values, hits } = resampleLast(data, timestamps, lookback, offset);

    if (hits === 0) {
      const first = (data.timestamps[0] ?? NaN) + offset;
      const last = lastOf(data.timestamps) + offset;
      const shifted = offset !== 0 ? ` after shifting by ${offset / WEEK_SECONDS} weeks` : '';
      throw new MetricsError(
        `no data: file ${file} has samples from ${isoSeconds(first)} to ${isoSeconds(last)}${shifted}, ` +
          `none within ${describeWindow(window)}. Choose a window inside the file's span` +
          (this.opts.shiftToNow ? '.' : ', or replay it as recent data with shiftToNow.'),
        ref,
      );
    }
    return { timestamps, values, stepSeconds: window.stepSeconds };
  }

  /** Reads and parses a file once; concurrent and later calls share the result. Failures are not cached. */
  private load(file: string, ref: MetricRef): Promise<TraceData> {
    let p = this.cache.get(file);
    if (!p) {
      p = readTrace(file, this.baseDir, ref);
      this.cache.set(file, p);
      p.catch(() => this.cache.delete(file));
    }
    return p;
  }
}

async function readTrace(file: string, baseDir: string, ref: MetricRef): Promise<TraceData> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      const rel = 'file' in ref ? JSON.stringify(ref.file) : 'the ref';
      throw new MetricsError(`metrics file not found: ${file} (${rel} is read relative to ${baseDir}); check the path`, ref);
    }
    if (code === 'EISDIR') throw new MetricsError(`metrics file ${file} is a directory; name a CSV file`, ref);
    const msg = err instanceof Error ? err.message : String(err);
    throw new MetricsError(`cannot read metrics file ${file}: ${msg}`, ref);
  }
  try {
    return parseTraceCsv(text, file);
  } catch (err) {
    if (err instanceof MetricsError) throw new MetricsError(err.message, ref);
    throw err;
  }
}

/**
 * Whole weeks (in seconds) to add to a trace so its last sample is at or just after now: the
 * replayed trace covers the present (what FileSource's shiftToNow uses).
 */
export function replayShiftSeconds(lastTimestamp: number, now: number): number {
  return Math.ceil((now - lastTimestamp) / WEEK_SECONDS) * WEEK_SECONDS;
}

/** Whole weeks (in seconds) to add to a trace so its last sample is at or just before now (for backfills, which may not hold future samples). */
export function weeksShiftSeconds(lastTimestamp: number, now: number): number {
  return Math.floor((now - lastTimestamp) / WEEK_SECONDS) * WEEK_SECONDS;
}

/**
 * For each grid time t: the value of the last sample with timestamp in (t - lookback, t], NaN
 * when there is none. `offset` is added to every sample timestamp first. `hits` counts grid points
 * that found a sample.
 */
export function resampleLast(
  data: TraceData,
  grid: number[],
  lookback: number,
  offset = 0,
): { values: number[]; hits: number } {
  const ts = data.timestamps;
  const values = packedNumbers(grid.length);
  let hits = 0;
  // j = index of the last sample at or before the current grid time (grid is ascending).
  let j = upperBound(ts, (grid[0] ?? 0) - offset) - 1;
  for (let i = 0; i < grid.length; i++) {
    const t = (grid[i] ?? NaN) - offset;
    while (j + 1 < ts.length && (ts[j + 1] ?? Infinity) <= t) j++;
    if (j >= 0 && (ts[j] ?? -Infinity) > t - lookback) {
      values[i] = data.values[j] ?? NaN;
      hits++;
    }
  }
  return { values, hits };
}

/** First index whose timestamp is > t. */
function upperBound(ts: number[], t: number): number {
  let lo = 0;
  let hi = ts.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((ts[mid] ?? Infinity) <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function lastOf(a: number[]): number {
  return a[a.length - 1] ?? NaN;
}

// ---------------------------------------------------------------------------------------------
// CSV parsing

const ISO_RE =
  /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?(?:\s*(Z|z|[+-]\d{2}(?::?\d{2})?))?$/;
const NUMBER_RE = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
const NON_FINITE_RE = /^[+-]?(?:nan|inf|infinity)$/i;
/** Unix seconds above this are taken to be milliseconds (year 5138 in seconds). */
const MAX_UNIX_SECONDS = 1e11;

/**
 * Parses a `timestamp,value` CSV. Timestamps: ISO-8601 (UTC when no offset is given) or Unix
 * seconds. Values: decimal numbers; NaN/Inf are read as NaN (missing). Blank lines are skipped,
 * rows are sorted by time, and of repeated timestamps the last row wins. Throws MetricsError with
 * file:line, the offending text and the fix.
 */
export function parseTraceCsv(text: string, fileName: string): TraceData {
  const lines = text.replace(/^\uFEFF/, '').split(/\r\n|\n|\r/);
  let lineNo = 0;
  while (lineNo < lines.length && (lines[lineNo] ?? '').trim() === '') lineNo++;
  if (lineNo >= lines.length) {
    throw new MetricsError(`${fileName}: empty file; expected a header line "timestamp,value" and then one row per sample`);
  }
  const header = lines[lineNo] ?? '';
  const headerFields = splitRow(header).map((f) => f.toLowerCase());
  if (headerFields.length !== 2 || headerFields[0] !== 'timestamp' || headerFields[1] !== 'value') {
    throw new MetricsError(
      `${fileName}:${lineNo + 1}: expected the header "timestamp,value", found ${JSON.stringify(header.slice(0, 120))}; ` +
        'the first line must name the two comma-separated columns timestamp and value',
    );
  }

  const ts: number[] = [];
  const vs: number[] = [];
  let sorted = true;
  for (let i = lineNo + 1; i < lines.length; i++) {
    const line = lines[i] ?? '';
    if (line.trim() === '') continue;
    const where = `${fileName}:${i + 1}`;
    const fields = splitRow(line);
    if (fields.length !== 2) {
      throw new MetricsError(
        `${where}: expected 2 comma-separated columns (timestamp,value), found ${fields.length} in ${JSON.stringify(line.slice(0, 120))}; fix or delete the row`,
      );
    }
    const [rawTs, rawValue] = fields as [string, string];
    const t = parseTimestamp(rawTs);
    if (typeof t === 'string') throw new MetricsError(`${where}: ${t}`);
    const v = parseValue(rawValue);
    if (v === undefined) {
      throw new MetricsError(
        `${where}: value ${JSON.stringify(rawValue)} is not a number; write a decimal number such as 12.5 ` +
          '(NaN marks a missing sample), or delete the row',
      );
    }
    if (ts.length > 0 && t < (ts[ts.length - 1] ?? -Infinity)) sorted = false;
    ts.push(t);
    vs.push(v);
  }
  if (ts.length === 0) {
    throw new MetricsError(`${fileName}: no rows after the header; add one "timestamp,value" row per sample`);
  }

  let order: number[] | undefined;
  if (!sorted) {
    // Stable, so among repeated timestamps the row that came last in the file stays last.
    order = ts.map((_, i) => i).sort((a, b) => (ts[a] ?? 0) - (ts[b] ?? 0) || a - b);
  }
  const timestamps: number[] = [];
  const values: number[] = [];
  for (let k = 0; k < ts.length; k++) {
    const i = order ? (order[k] ?? k) : k;
    const t = ts[i] ?? NaN;
    const v = vs[i] ?? NaN;
    if (timestamps.length > 0 && timestamps[timestamps.length - 1] === t) {
      values[values.length - 1] = v; // repeated timestamp: keep the last
    } else {
      timestamps.push(t);
      values.push(v);
    }
  }
  return { timestamps, values };
}

function splitRow(line: string): string[] {
  return line.split(',').map((f) => {
    const s = f.trim();
    return s.length >= 2 && s.startsWith('"') && s.endsWith('"') ? s.slice(1, -1).trim() : s;
  });
}

function parseValue(s: string): number | undefined {
  if (NUMBER_RE.test(s)) return Number(s);
  if (NON_FINITE_RE.test(s)) return NaN;
  return undefined;
}

/** Unix seconds, or a message saying what is wrong and how to fix it. */
function parseTimestamp(s: string): number | string {
  if (NUMBER_RE.test(s) && !/[eE]/.test(s)) {
    const t = Number(s);
    if (Math.abs(t) >= MAX_UNIX_SECONDS) {
      return `timestamp ${JSON.stringify(s)} looks like milliseconds; write Unix seconds (divide by 1000) or ISO-8601 such as 2024-05-01T12:00:00Z`;
    }
    return t;
  }
  const m = ISO_RE.exec(s);
  const bad = `timestamp ${JSON.stringify(s)} is neither ISO-8601 (such as 2024-05-01T12:00:00Z) nor Unix seconds; fix or delete the row`;
  if (!m) return bad;
  const [, y, mo, d, h = '0', mi = '0', sec = '0', frac = '', zone] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(sec);
  if (month < 1 || month > 12 || hour > 23 || minute > 59 || second > 59) return bad;
  const ms = Date.UTC(year, month - 1, day, hour, minute, second);
  const check = new Date(ms);
  if (check.getUTCDate() !== day || check.getUTCMonth() !== month - 1) return bad; // e.g. Feb 30
  let seconds = ms / 1000 + (frac ? Number(`0.${frac}`) : 0);
  if (zone && zone !== 'Z' && zone !== 'z') {
    const zm = /^([+-])(\d{2}):?(\d{2})?$/.exec(zone);
    if (!zm) return bad;
    const sign = zm[1] === '-' ? -1 : 1;
    const zh = Number(zm[2]);
    const zmin = Number(zm[3] ?? '0');
    if (zh > 23 || zmin > 59) return bad;
    seconds -= sign * (zh * 3600 + zmin * 60);
  }
  return seconds;
}

/** The median interval between consecutive samples, rounded to 60 s (at least 60 s). */
export function nativeStepSeconds(timestamps: readonly number[]): number {
  const d: number[] = [];
  for (let i = 1; i < timestamps.length; i++) d.push((timestamps[i] as number) - (timestamps[i - 1] as number));
  if (d.length === 0) return 60;
  d.sort((a, b) => a - b);
  const h = d.length >> 1;
  const med = d.length % 2 === 1 ? (d[h] as number) : ((d[h - 1] as number) + (d[h] as number)) / 2;
  return Math.max(60, Math.round(med / 60) * 60);
}
