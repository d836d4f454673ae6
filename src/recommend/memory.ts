// The shape of a workload's memory over its history: a working set that climbs steadily between
// restarts (a sawtooth) is a leak, and a bigger request only postpones the next OOM kill.
import type { Series } from '../domain/series.js';

export interface MemoryTrend {
  /** The working set grows steadily in at least two stretches between restarts, covering most of the history. */
  leak: boolean;
  /** Median growth of the growing stretches, bytes per day. */
  growthPerDay: number;
  /** Stretches between restarts (a drop of more than 30% from one hour to the next is a restart). */
  segments: number;
  /** Peak working set over the history, bytes. */
  peak: number;
}

const MIN_SEGMENT_HOURS = 12;
const RESTART_DROP = 0.3;
const MIN_R2 = 0.7;
const MIN_GROWTH = 0.15;
const LEAK_COVERAGE = 0.6;

export function memoryTrend(memory: Series): MemoryTrend | undefined {
  const hourly = hourlyPeaks(memory);
  if (hourly.length < 2 * MIN_SEGMENT_HOURS) return undefined;
  const segments: number[][] = [[]];
  for (let i = 0; i < hourly.length; i++) {
    const prev = hourly[i - 1];
    const v = hourly[i] as number;
    if (prev !== undefined && v < prev * (1 - RESTART_DROP)) segments.push([]);
    (segments[segments.length - 1] as number[]).push(v);
  }
  const long = segments.filter((s) => s.length >= MIN_SEGMENT_HOURS);
  const growing = long.map(fitLine).filter((f) => f.r2 >= MIN_R2 && f.slope > 0 && (f.slope * (f.n - 1)) / Math.max(f.start, 1) >= MIN_GROWTH);
  const covered = growing.reduce((a, f) => a + f.n, 0) / hourly.length;
  const slopes = growing.map((f) => f.slope).sort((a, b) => a - b);
  const median = slopes.length > 0 ? (slopes[Math.floor(slopes.length / 2)] as number) : 0;
  return { leak: growing.length >= 2 && covered >= LEAK_COVERAGE, growthPerDay: median * 24, segments: segments.length, peak: Math.max(...hourly) };
}

/** The highest finite sample of each hour, in order (hours without one are left out). */
function hourlyPeaks(s: Series): number[] {
  const per = Math.max(1, Math.round(3600 / s.stepSeconds));
  const out: number[] = [];
  for (let i = 0; i < s.values.length; i += per) {
    let top = Number.NEGATIVE_INFINITY;
    for (let j = i; j < Math.min(i + per, s.values.length); j++) {
      const v = s.values[j] as number;
      if (Number.isFinite(v) && v > top) top = v;
    }
    if (Number.isFinite(top)) out.push(top);
  }
  return out;
}

/** Least squares over the index: slope per hour, the fit's R², the fitted start value. */
function fitLine(ys: number[]): { slope: number; r2: number; start: number; n: number } {
  const n = ys.length;
  const mx = (n - 1) / 2;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  ys.forEach((y, x) => {
    sxy += (x - mx) * (y - my);
    sxx += (x - mx) ** 2;
    syy += (y - my) ** 2;
  });
  const slope = sxx > 0 ? sxy / sxx : 0;
  const r2 = sxx > 0 && syy > 0 ? (sxy * sxy) / (sxx * syy) : 0;
  return { slope, r2, start: my - slope * mx, n };
}
