// Shared helpers of the benchmarks: the series pool (real traces on a 5-minute grid), robust
// statistics over repetitions, heap accounting and markdown tables. No timing happens here.
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as v8 from 'node:v8';
import { cleanHistory } from '../src/forecast/index.js';
import { parseTraceCsv, resampleLast } from '../src/metrics/file.js';
import type { Series } from '../src/domain/series.js';

export const ROOT = fileURLToPath(new URL('../', import.meta.url));
export const TRACE_DIRS = ['test/fixtures/traces', 'config/demo/traces'];
export const BENCHMARKS_FILE = join(ROOT, 'BENCHMARKS.md');

/** A section of BENCHMARKS.md between its markers (included), or undefined (a full `npm run bench` carries it over). */
export function markedSection(start: string, end: string): string | undefined {
  if (!existsSync(BENCHMARKS_FILE)) return undefined;
  const md = readFileSync(BENCHMARKS_FILE, 'utf8');
  const a = md.indexOf(start);
  const b = md.indexOf(end);
  return a >= 0 && b > a ? md.slice(a, b + end.length) : undefined;
}

/** Replaces that section, or puts it before the Scale section (at the end when there is none). */
export function writeMarkedSection(start: string, end: string, section: string): void {
  const md = existsSync(BENCHMARKS_FILE) ? readFileSync(BENCHMARKS_FILE, 'utf8') : '# Benchmarks\n';
  const current = markedSection(start, end);
  if (current) return writeFileSync(BENCHMARKS_FILE, md.replace(current, () => section));
  const at = md.indexOf('\n## Scale');
  writeFileSync(BENCHMARKS_FILE, at >= 0 ? `${md.slice(0, at)}\n${section}\n${md.slice(at)}` : `${md.trimEnd()}\n\n${section}\n`);
}

export const STEP = 300;
export const HISTORY_STEPS = 14 * 288; // 14 days at 5 minutes = 4032 points
export const HORIZON_STEPS = 288; // 24 h
export const QUANTILES = [0.5, 0.9, 0.99];
/** Windows taken from each trace file at most (the last 14 days, then the 14 days before...). */
export const WINDOWS_PER_FILE = 2;

export interface PoolSeries {
  label: string;
  /** As the cycle hands it to the forecast: after cleanHistory. */
  series: Series;
  /** Grid points with no sample in the window (filled by cleanHistory). */
  missing: number;
}

export interface Pool {
  series: PoolSeries[];
  /** Windows dropped because an identical one was already taken (the demo traces are tails of the fixture traces). */
  duplicates: string[];
  /** Windows dropped because they do not start with a sample (cleanHistory would shorten them). */
  skipped: string[];
}

/**
 * Every trace CSV of TRACE_DIRS, read with parseTraceCsv and resampled onto a 5-minute grid the
 * way FileSource does (last sample in (t - lookback, t]); the lookback is the trace's own median
 * sampling interval when that is longer than 5 minutes (nyc_taxi is sampled every 30 minutes, so
 * its values are held, as a Prometheus gauge scraped every 30 minutes would be). Windows of 14
 * days end at the last sample, then 14 days earlier, up to WINDOWS_PER_FILE per file.
 */
export function loadPool(): Pool {
  const out: PoolSeries[] = [];
  const duplicates: string[] = [];
  const skipped: string[] = [];
  const seen = new Set<string>();
  for (const dir of TRACE_DIRS) {
    const abs = join(ROOT, dir);
    for (const name of readdirSync(abs).filter((f) => f.endsWith('.csv')).sort()) {
      const file = join(abs, name);
      const data = parseTraceCsv(readFileSync(file, 'utf8'), file);
      const ts = data.timestamps;
      const diffs = ts.slice(1).map((t, i) => t - (ts[i] as number)).sort((a, b) => a - b);
      const interval = diffs[Math.floor(diffs.length / 2)] ?? STEP;
      const lookback = Math.max(STEP, interval);
      const lastGrid = Math.floor((ts[ts.length - 1] as number) / STEP) * STEP;
      for (let w = 0; w < WINDOWS_PER_FILE; w++) {
        const end = lastGrid - w * HISTORY_STEPS * STEP;
        const start = end - (HISTORY_STEPS - 1) * STEP;
        if (start < (ts[0] as number)) break;
        const grid = Array.from({ length: HISTORY_STEPS }, (_, i) => start + i * STEP);
        const { values } = resampleLast(data, grid, lookback);
        const label = `${relative(ROOT, file)} [${iso(start)} .. ${iso(end)}]`;
        const key = values.join(',');
        if (seen.has(key)) {
          duplicates.push(label);
          continue;
        }
        seen.add(key);
        if (!Number.isFinite(values[0])) {
          skipped.push(label);
          continue;
        }
        const cleaned = cleanHistory({ timestamps: grid, values, stepSeconds: STEP });
        if (cleaned.series.values.length !== HISTORY_STEPS) {
          skipped.push(label);
          continue;
        }
        out.push({ label: `${basename(name, '.csv')} ${iso(start).slice(0, 10)}..${iso(end).slice(0, 10)}`, series: cleaned.series, missing: values.filter((v) => !Number.isFinite(v)).length });
      }
    }
  }
  return { series: out, duplicates, skipped };
}

const iso = (t: number) => new Date(t * 1000).toISOString().replace(':00.000Z', 'Z');

// ---------------------------------------------------------------------------------------------
// Statistics

/** Linear-interpolated quantile (p in [0, 1]) of unsorted samples. */
export function quantile(xs: readonly number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return Number.NaN;
  const pos = (s.length - 1) * p;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return (s[lo] as number) + ((s[hi] as number) - (s[lo] as number)) * (pos - lo);
}

export interface Summary {
  median: number;
  mean: number;
  p10: number;
  p90: number;
  n: number;
}

export function summarize(xs: readonly number[]): Summary {
  return { median: quantile(xs, 0.5), mean: xs.reduce((a, b) => a + b, 0) / xs.length, p10: quantile(xs, 0.1), p90: quantile(xs, 0.9), n: xs.length };
}

/** Significant-digit formatting that stays readable for 0.004 and 12,345 alike. */
export function num(x: number, digits = 3): string {
  if (!Number.isFinite(x)) return String(x);
  const a = Math.abs(x);
  if (a >= 10 ** digits) return Math.round(x).toLocaleString('en-US');
  return Number(x.toPrecision(digits)).toString();
}

export function spread(s: Summary, f: (x: number) => string = num): string {
  return `${f(s.p10)}–${f(s.p90)}`;
}

export function bytes(b: number): string {
  const a = Math.abs(b);
  if (a >= 1024 ** 3) return `${num(b / 1024 ** 3)} GiB`;
  if (a >= 1024 ** 2) return `${num(b / 1024 ** 2)} MiB`;
  if (a >= 1024) return `${num(b / 1024)} KiB`;
  return `${Math.round(b)} B`;
}

export function table(header: string[], rows: string[][], align?: ('l' | 'r')[]): string {
  const sep = header.map((_, i) => ((align?.[i] ?? (i === 0 ? 'l' : 'r')) === 'r' ? '---:' : '---'));
  return [header, sep, ...rows].map((r) => `| ${r.join(' | ')} |`).join('\n');
}

// ---------------------------------------------------------------------------------------------
// Heap

const gcFn = (globalThis as { gc?: () => void }).gc;
export const hasGc = typeof gcFn === 'function';

/** Full collection (twice: finalizers and weak references may free more on the second pass). */
export function fullGc(): void {
  if (!gcFn) return;
  gcFn();
  gcFn();
}

/**
 * Bytes allocated while `fn` runs, on the V8 heap (JS objects, arrays, heap numbers) and in
 * array-buffer backing stores (typed arrays, outside the V8 heap): the growth of each plus what
 * every garbage collection in between freed (v8.GCProfiler reports both before and after each
 * one). The array-buffer figure is exact only with concurrent array-buffer sweeping off
 * (see exactAllocationAccounting), since otherwise a
 * GC frees buffers after it has reported.
 */
export function allocatedDuring(fn: () => unknown): { heap: number; buffers: number; gcs: number } {
  const profiler = new v8.GCProfiler();
  profiler.start();
  const before = v8.getHeapStatistics();
  fn();
  const after = v8.getHeapStatistics();
  const report = profiler.stop() as unknown as GcReport | undefined;
  let heap = after.used_heap_size - before.used_heap_size;
  let buffers = after.external_memory - before.external_memory;
  for (const s of report?.statistics ?? []) {
    heap += s.beforeGC.heapStatistics.usedHeapSize - s.afterGC.heapStatistics.usedHeapSize;
    buffers += s.beforeGC.heapStatistics.externalMemory - s.afterGC.heapStatistics.externalMemory;
  }
  return { heap, buffers, gcs: report?.statistics.length ?? 0 };
}

/**
 * Makes allocatedDuring exact: a GC's "after" figures then already reflect what it freed (no
 * concurrent sweeping of pages or array buffers), and no bytecode is flushed. Moves that work onto the main thread, so call
 * it only after the timed sections.
 */
export function exactAllocationAccounting(): void {
  v8.setFlagsFromString('--no-concurrent-array-buffer-sweeping');
  v8.setFlagsFromString('--no-concurrent-sweeping');
  // A major GC drops the bytecode of functions it thinks unused; recompiling it would show up as
  // allocation, and its disappearance as negative retained memory.
  v8.setFlagsFromString('--no-flush-bytecode');
}

interface HeapFigures {
  usedHeapSize: number;
  externalMemory: number;
}
interface GcReport {
  statistics: { beforeGC: { heapStatistics: HeapFigures }; afterGC: { heapStatistics: HeapFigures } }[];
}
