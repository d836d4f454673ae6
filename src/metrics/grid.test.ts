import { describe, expect, it } from 'vitest';
import { MetricsError } from '../domain/series.js';
import { PROMETHEUS_MAX_POINTS, gridTimestamps, splitWindow, windowPoints } from './grid.js';

/** Every grid point each chunk asks for, in order. */
function chunkGrid(start: number, end: number, step: number, maxPoints: number): number[] {
  const out: number[] = [];
  for (const c of splitWindow({ start, end, stepSeconds: step }, maxPoints)) {
    for (let t = c.start; t <= c.end + 1e-9; t += step) out.push(t);
  }
  return out;
}

describe('windowPoints', () => {
  it('counts start..end inclusive, the last point not after end', () => {
    expect(windowPoints({ start: 0, end: 0, stepSeconds: 60 })).toBe(1);
    expect(windowPoints({ start: 0, end: 600, stepSeconds: 60 })).toBe(11);
    expect(windowPoints({ start: 0, end: 659, stepSeconds: 60 })).toBe(11);
    expect(windowPoints({ start: 0, end: 0.3, stepSeconds: 0.1 })).toBe(4); // no float off-by-one
  });

  it('rejects windows that cannot be right', () => {
    expect(() => windowPoints({ start: 10, end: 0, stepSeconds: 60 })).toThrow(MetricsError);
    expect(() => windowPoints({ start: 0, end: 10, stepSeconds: 0 })).toThrow(/stepSeconds/);
    expect(() => windowPoints({ start: NaN, end: 10, stepSeconds: 1 })).toThrow(/finite/);
    // milliseconds passed as seconds
    expect(() => windowPoints({ start: 1.7e12, end: 1.7e12 + 14 * 86400e3, stepSeconds: 60 })).toThrow(/milliseconds/);
  });
});

describe('splitWindow', () => {
  it('splits 14 days at 60 s (20,160 points) into two requests under the 11,000-point limit', () => {
    const start = 1_700_000_000;
    const end = start + 20_159 * 60;
    const chunks = splitWindow({ start, end, stepSeconds: 60 });
    expect(chunks).toEqual([
      { start, end: start + 10_999 * 60, firstIndex: 0, points: 11_000 },
      { start: start + 11_000 * 60, end, firstIndex: 11_000, points: 9_160 },
    ]);
    for (const c of chunks) expect((c.end - c.start) / 60).toBeLessThanOrEqual(PROMETHEUS_MAX_POINTS - 1);
  });

  it('keeps a window that fits in one request whole', () => {
    expect(splitWindow({ start: 0, end: 10_999, stepSeconds: 1 })).toEqual([{ start: 0, end: 10_999, firstIndex: 0, points: 11_000 }]);
    expect(splitWindow({ start: 5, end: 5, stepSeconds: 300 })).toEqual([{ start: 5, end: 5, firstIndex: 0, points: 1 }]);
  });

  it('stays on the window grid when end is not on it', () => {
    const chunks = splitWindow({ start: 100, end: 100 + 25 * 7 + 3, stepSeconds: 7 }, 10);
    expect(chunks.map((c) => [c.start, c.end, c.points])).toEqual([
      [100, 163, 10],
      [170, 233, 10],
      [240, 275, 6],
    ]);
  });

  it('covers every grid point exactly once, in order, for many shapes', () => {
    for (const [start, points, step, max] of [
      [0, 1, 60, 1],
      [1_700_000_123, 20_160, 60, 11_000],
      [1_700_000_000, 33_001, 15, 11_000],
      [1_700_000_000, 22_000, 30, 11_000],
      [17, 1000, 3, 7],
      [1_700_000_000.5, 101, 0.5, 10],
    ] as const) {
      const end = start + (points - 1) * step;
      const got = chunkGrid(start, end, step, max);
      const want = gridTimestamps({ start, end, stepSeconds: step });
      expect(got.length).toBe(points);
      expect(got.map((t) => Math.round(t * 1000))).toEqual(want.map((t) => Math.round(t * 1000)));
    }
  });
});
