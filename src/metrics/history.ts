// Incremental history: each series a cycle read, kept in state.dir/history, so the next cycle asks
// Prometheus only for what is new. A steady cycle's window is the last one moved by an hour; read
// whole, every cycle asks Prometheus for 14 days of every metric of every workload again: at 5,000
// workloads 1,386 MiB of answers and 27 of Prometheus' CPU seconds a cycle (8.6 MiB and 6 s with
// this store; BENCHMARKS.md, Scale).
//
// How a read goes (HistorySource.range): with a kept series that covers the start of the window,
// on the same grid, and not due for a full read, only the tail is asked: from the kept end less
// REREAD_SECONDS (the newest samples may still have been arriving when they were read: scrape,
// rule evaluation and remote-write lag) to the end of the window. The kept points before the tail
// and the answer's points are put together on the window's grid; Prometheus evaluates every step
// of a range query on its own, so this is the series a full read returns. Every kept series is
// read whole again once a day, at a point of the day of its own (a stable hash of its query), so
// data written late (a backfill, a late remote write) is picked up and the full reads of a fleet
// are spread over the day. Anything unusual (no kept series, another grid, a window that starts
// before the kept series, a file that cannot be read, a tail with no data) reads the whole window,
// as without this store.
//
// On disk: one file per query and step, and an index of what each holds (written whole, then
// renamed), read when a cycle starts, so the batched reads can be planned with the windows that
// will really be asked. A file is a header (format, first point, step, a check of the key and the
// query) and then one float64 per step of the grid from its first point: the value of point i is
// at byte HEADER + 8i. A tail read writes only its points, over the file's end (writeOver): about
// 100 bytes a cycle, not the whole series, and a write cut short leaves each point either its old
// or its new reading of the same instant. A full read writes the file whole again, from the
// window's start; the file holds at most the window and a day. 8 bytes per point: 32 KB per
// workload and metric at 14 days of 5-minute steps. Files not read for GONE_AFTER are deleted when
// the index is saved, and files no index lists (an earlier format's, or a crashed cycle's) once
// nothing has written them for as long (readIndex).
import { closeSync, openSync, readSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { NoDataError, type MetricRef, type RangeWindow, type Series } from '../domain/series.js';
import type { Logger, MetricsSource } from '../domain/ports.js';
import { spreadOf } from '../util/spread.js';
import { fileOf, readIndex, writeIndex, writeOver, writeTruncated } from '../util/files.js';
import { sharedGrid, windowPoints } from './grid.js';
import { packedNumbers } from '../util/numbers.js';

/** The newest part of a kept series that is read again: samples may still have been arriving. */
export const REREAD_SECONDS = 30 * 60;
/** A kept series is read whole again between half of this and this after its last full read. */
export const FULL_READ_EVERY = 24 * 3600;
/** A kept series no cycle has read for this long is deleted (its target left the config). */
const GONE_AFTER = 2 * 24 * 3600;
const VERSION = 2;
/** A kept series' file (fileOf): its key's hash. */
const FILE = /^[0-9a-f]{32}\.bin$/;
/** A file's header: VERSION, first point, step, checkOf(key, query); float64 each. */
const HEADER_BYTES = 32;

interface Kept {
  /** The grid of the kept values: first and last point (Unix seconds) and step. */
  start: number;
  end: number;
  step: number;
  /** window.end of the last full read. */
  fullAt: number;
  /** The file, under the store's directory. */
  file: string;
}

/** What a cycle read through the store: series read whole, series read as a tail, and the points asked in all. */
export interface HistoryCounts {
  full: number;
  tail: number;
  points: number;
}

export class HistoryStore {
  /** The index as the cycle started: what each planned read asks. */
  private readonly planned: Map<string, Kept>;
  /** The index as it is now (saved at the end). */
  private readonly index: Map<string, Kept>;
  readonly counts: HistoryCounts = { full: 0, tail: 0, points: 0 };

  /** `source`: where the series come from (the Prometheus url): another source keeps nothing of this one's. */
  constructor(
    private readonly dir: string,
    private readonly log: Pick<Logger, 'warn'>,
    private readonly source = '',
  ) {
    const ok = (k: Kept) => [k.start, k.end, k.step, k.fullAt].every(Number.isFinite);
    this.index = readIndex(dir, VERSION, FILE, ok, log, { name: 'history index', otherwise: 'every series is read whole this cycle' });
    this.planned = new Map(this.index);
  }

  /**
   * The window to ask the source for `ref` over `window`: the whole window, or only its tail when a
   * kept series covers the rest. From the index as the cycle started, so a plan and the read agree.
   */
  windowFor(ref: MetricRef, window: RangeWindow): RangeWindow {
    const key = keyOf(ref, window, this.source);
    const k = key === undefined ? undefined : this.planned.get(key);
    if (!k || key === undefined || !usable(k, window, key)) return window;
    // The query is not compared here: a plan's preset reads do not know the container yet. merge() does.
    const step = window.stepSeconds;
    const reread = Math.max(2, Math.ceil(REREAD_SECONDS / step)) * step;
    const start = Math.max(window.start, k.end - reread + step);
    return start > window.end ? window : { start, end: window.end, stepSeconds: step };
  }

  /**
   * The series over `window` from the kept one and what the source answered over `asked` (a tail of
   * the window, or all of it), and keeps it for the next cycle. Undefined when the kept series is
   * gone or does not cover the window's start (the caller reads the whole window).
   */
  merge(ref: MetricRef, window: RangeWindow, asked: RangeWindow, answer: Series): Series | undefined {
    const key = keyOf(ref, window, this.source);
    const query = 'promql' in ref ? ref.promql : '';
    const n = windowPoints(window, ref);
    const step = window.stepSeconds;
    const values = packedNumbers(n);
    const firstAsked = Math.round((asked.start - window.start) / step);
    const before = key === undefined ? undefined : this.index.get(key);
    const check = key === undefined ? 0 : checkOf(key, query);
    if (firstAsked > 0) {
      if (!before || !startsOnGrid(before, window) || before.end < asked.start - step) return undefined;
      const kept = this.readKept(before, check, (window.start - before.start) / step, firstAsked);
      if (!kept) return undefined;
      for (let i = 0; i < firstAsked; i++) values[i] = kept[i] as number;
    }
    for (let i = firstAsked; i < n; i++) values[i] = answer.values[i - firstAsked] ?? NaN;
    if (firstAsked > 0) this.counts.tail++;
    else this.counts.full++;
    this.counts.points += answer.values.length;
    if (key !== undefined) this.keep(key, check, window, values, firstAsked, before);
    return { timestamps: this.grid(window, n), values, stepSeconds: step };
  }

  /** Writes the index (what each file holds), without series not read for GONE_AFTER, whose files are deleted. */
  async save(): Promise<void> {
    try {
      // A loop: Math.max(...ends) passes each entry as an argument, which overflows the stack past
      // about 120,000 entries (30,000 workloads of four metrics), and the index is never saved.
      let newest = 0;
      for (const k of this.index.values()) newest = Math.max(newest, k.end);
      for (const [key, k] of this.index) {
        if (k.end >= newest - GONE_AFTER) continue;
        this.index.delete(key);
        await rm(join(this.dir, k.file), { force: true });
      }
      await writeIndex(this.dir, VERSION, this.index);
    } catch (err) {
      this.log.warn({ dir: this.dir, err: String(err) }, 'could not write the history index; the next cycle reads every series whole');
    }
  }

  /**
   * `count` kept values from point `from` of `k`'s file; undefined when the file is gone, shorter,
   * or holds another grid, key or query (`check`): the whole window is read.
   */
  private readKept(k: Kept, check: number, from: number, count: number): Float64Array | undefined {
    let fd: number | undefined;
    try {
      fd = openSync(join(this.dir, k.file), 'r');
      const header = new Float64Array(HEADER_BYTES / 8);
      if (readSync(fd, header, 0, HEADER_BYTES, 0) !== HEADER_BYTES) return undefined;
      if (header[0] !== VERSION || header[1] !== k.start || header[2] !== k.step || header[3] !== check) return undefined;
      const values = new Float64Array(count);
      return readSync(fd, values, 0, count * 8, HEADER_BYTES + from * 8) === count * 8 ? values : undefined;
    } catch {
      return undefined;
    } finally {
      if (fd !== undefined) closeSync(fd);
    }
  }

  /**
   * Keeps the series for the next cycle: after a tail read (`firstAsked` > 0) only the points asked,
   * written over the end of the file; after a full read the whole file again, from the window's start.
   */
  private keep(key: string, check: number, window: RangeWindow, values: number[], firstAsked: number, before: Kept | undefined): void {
    const file = fileOf(key, 'bin');
    const step = window.stepSeconds;
    const end = window.start + (values.length - 1) * step;
    try {
      if (firstAsked > 0 && before) {
        const from = (window.start - before.start) / step + firstAsked;
        writeOver(join(this.dir, file), Float64Array.from(values.slice(firstAsked)), HEADER_BYTES + from * 8);
        this.index.set(key, { ...before, end });
      } else {
        const data = new Float64Array(HEADER_BYTES / 8 + values.length);
        data.set([VERSION, window.start, step, check]);
        data.set(values, HEADER_BYTES / 8);
        // A write cut short leaves a file too short for the index.
        writeTruncated(join(this.dir, file), data);
        this.index.set(key, { start: window.start, end, step, fullAt: window.end, file });
      }
    } catch (err) {
      this.index.delete(key);
      this.log.warn({ dir: this.dir, err: String(err) }, 'could not keep a series in the history; it is read whole next cycle');
    }
  }

  private readonly grid = sharedGrid();
}

/**
 * A source that asks `source` only for what the store does not keep (see the top of this file).
 * Reads of files (metrics.file) go through as they are.
 */
export class HistorySource implements MetricsSource {
  constructor(
    private readonly source: MetricsSource,
    private readonly store: HistoryStore,
  ) {}

  async range(ref: MetricRef, window: RangeWindow, signal?: AbortSignal): Promise<Series> {
    if (!('promql' in ref)) return this.source.range(ref, window, signal);
    const asked = this.store.windowFor(ref, window);
    if (asked !== window) {
      try {
        const merged = this.store.merge(ref, window, asked, await this.source.range(ref, asked, signal));
        if (merged) return merged;
      } catch (err) {
        // No sample in the tail: the series may still have some before it; a whole read says which.
        if (!(err instanceof NoDataError)) throw err;
      }
    }
    return this.store.merge(ref, window, window, await this.source.range(ref, window, signal))!;
  }
}

/**
 * A read's key, with its grid step: a preset's workload and metric without the container (a cycle
 * plans its reads before the manifests say which container), a custom query's PromQL. Undefined
 * for what the store does not keep (files).
 */
function keyOf(ref: MetricRef, window: RangeWindow, source: string): string | undefined {
  if (!('promql' in ref)) return undefined;
  const p = ref.preset;
  if (!p) return JSON.stringify([source, 'query', ref.promql, window.stepSeconds]);
  return JSON.stringify([source, 'preset', p.metric, p.preset, p.namespace, p.kind, p.name, p.extra ?? '', window.stepSeconds]);
}

/** What a file's header holds of its key and query (a preset read's query names the container, which its key does not). */
function checkOf(key: string, query: string): number {
  return crc32(query, crc32(key));
}

/** Whether a kept series can stand for the start of `window`: the same grid, covering it, and not due for a full read. */
function usable(k: Kept, window: RangeWindow, key: string): boolean {
  if (!startsOnGrid(k, window) || k.end < window.start || k.end > window.end) return false;
  return window.end < k.fullAt + FULL_READ_EVERY * (0.5 + 0.5 * spreadOf(key));
}

/** Whether kept values (an index entry or its file) start at or before `window` on its grid. */
function startsOnGrid(k: { start: number; step: number }, window: RangeWindow): boolean {
  return k.step === window.stepSeconds && k.start <= window.start && (window.start - k.start) % k.step === 0;
}
