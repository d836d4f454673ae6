// The regular time grid a window asks for, shared by the metrics adapters. Pure functions, no I/O.

import { MetricsError, type MetricRef, type RangeWindow } from '../domain/series.js';

/** Prometheus refuses range queries with more than 11,000 points per series. */
export const PROMETHEUS_MAX_POINTS = 11_000;

/** A window larger than this many points is almost certainly a unit mistake (ms vs s). */
export const MAX_WINDOW_POINTS = 5_000_000;

export const WEEK_SECONDS = 7 * 24 * 3600;

export function describeRef(ref: MetricRef): string {
  return 'promql' in ref ? `query ${JSON.stringify(ref.promql)}` : `file ${JSON.stringify(ref.file)}`;
}

export function describeWindow(w: RangeWindow): string {
  return `${isoSeconds(w.start)} .. ${isoSeconds(w.end)} at ${w.stepSeconds}s step`;
}

export function isoSeconds(t: number): string {
  const d = new Date(t * 1000);
  return Number.isNaN(d.getTime()) ? String(t) : d.toISOString().replace('.000Z', 'Z');
}

/**
 * Checks a window and returns its number of grid points: start, start+step, ... up to end
 * (inclusive; the last point is the largest one not after end).
 */
export function windowPoints(w: RangeWindow, ref?: MetricRef): number {
  const bad = (why: string): never => {
    throw new MetricsError(`invalid window for ${ref ? describeRef(ref) : 'range query'}: ${why}`, ref);
  };
  if (!Number.isFinite(w.start) || !Number.isFinite(w.end)) bad(`start and end must be finite Unix seconds (got ${w.start}, ${w.end})`);
  if (!Number.isFinite(w.stepSeconds) || w.stepSeconds <= 0) bad(`stepSeconds must be a positive number (got ${w.stepSeconds})`);
  if (w.end < w.start) bad(`end (${isoSeconds(w.end)}) is before start (${isoSeconds(w.start)})`);
  const n = Math.floor((w.end - w.start) / w.stepSeconds + 1e-9) + 1;
  if (n > MAX_WINDOW_POINTS) {
    bad(
      `${n} points (${w.end - w.start}s at ${w.stepSeconds}s step) is more than ${MAX_WINDOW_POINTS}; ` +
        'are start/end in milliseconds instead of Unix seconds, or is the step too small?',
    );
  }
  return n;
}

/** Timestamp of grid point i. Computed from start each time so no rounding error accumulates. */
export function gridTime(w: RangeWindow, i: number): number {
  return w.start + i * w.stepSeconds;
}

export function gridTimestamps(w: RangeWindow, n = windowPoints(w)): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(gridTime(w, i));
  return out;
}

/**
 * gridTimestamps that hands back the same array for the same window as last time: a cycle reads
 * every target over the same window and nothing writes a series' timestamps, so the series kept
 * until publish share one grid rather than one each.
 */
export function sharedGrid(): (w: RangeWindow, n: number) => number[] {
  let last: { key: string; timestamps: number[] } | undefined;
  return (w, n) => {
    const key = `${w.start}/${w.end}/${w.stepSeconds}`;
    if (last?.key !== key) last = { key, timestamps: gridTimestamps(w, n) };
    return last.timestamps;
  };
}

/** One range request: grid points [firstIndex, firstIndex + points) of the window. */
export interface Chunk {
  /** Unix seconds of the chunk's first grid point. */
  start: number;
  /** Unix seconds of the chunk's last grid point (inclusive). */
  end: number;
  /** Index of the chunk's first point in the whole window's grid. */
  firstIndex: number;
  points: number;
}

/**
 * Splits a window into consecutive requests of at most maxPoints grid points each. Every chunk
 * starts and ends on the window's grid (start + k*step) and the next chunk starts one step after
 * the previous one ends, so no grid point is requested twice or skipped.
 */
export function splitWindow(w: RangeWindow, maxPoints: number = PROMETHEUS_MAX_POINTS): Chunk[] {
  if (!Number.isInteger(maxPoints) || maxPoints < 1) {
    throw new RangeError(`maxPoints must be a positive integer (got ${maxPoints})`);
  }
  const n = windowPoints(w);
  const chunks: Chunk[] = [];
  for (let first = 0; first < n; first += maxPoints) {
    const points = Math.min(maxPoints, n - first);
    chunks.push({ start: gridTime(w, first), end: gridTime(w, first + points - 1), firstIndex: first, points });
  }
  return chunks;
}
