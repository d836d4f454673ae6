import { describe, expect, it } from 'vitest';
import { buildInput, calendarOf, hourlyBlocks, INPUT_SIZE, leadHour, makeSample, robustScale, slotsPerHour } from './features.js';

describe('neural features', () => {
  it('reads the calendar in UTC or a time zone', () => {
    const t = Date.parse('2026-03-02T23:30:00Z') / 1000; // a Monday in UTC, Tuesday 00:30 in Berlin
    expect(calendarOf(t)).toEqual({ hour: 23.5, weekday: 1 });
    expect(calendarOf(t, 'Europe/Berlin')).toEqual({ hour: 0.5, weekday: 2 });
  });

  it('averages hourly blocks ending at the origin, filling coarse or missing ones', () => {
    const ts = Array.from({ length: 36 }, (_, i) => 1_700_000_000 + i * 300); // 3 hours at 5 min
    const vs = ts.map((_, i) => (i < 12 ? 1 : i < 24 ? 2 : 3));
    const t0 = ts[35] as number;
    expect(Array.from(hourlyBlocks(ts, vs, t0, 3) ?? [])).toEqual([1, 2, 3]);
    // Two-hourly samples: a block holding a sample takes it, an empty one the interpolation at its centre.
    const coarse = hourlyBlocks([0, 7200, 14400], [0, 10, 20], 14400, 4);
    expect(Array.from(coarse ?? [])).toEqual([2.5, 10, 12.5, 20]);
    expect(hourlyBlocks([0, 300], [Number.NaN, Number.NaN], 300, 2)).toBeUndefined();
  });

  it('builds inputs and targets at the step of the series', () => {
    expect(robustScale([0, 0, 0, 4])).toBe(1);
    expect(robustScale([1, 2, 3])).toBe(2);
    expect(leadHour(300)).toBe(0);
    expect(leadHour(3600)).toBe(0);
    expect(leadHour(3601)).toBe(1);
    expect(leadHour(25 * 3600)).toBe(0);
    expect(slotsPerHour(300)).toBe(12);
    const n = 12 * 24 * 5;
    const ts = Array.from({ length: n }, (_, i) => 1_700_000_000 + i * 300);
    const vs = ts.map((t) => 100 + 50 * Math.sin((2 * Math.PI * t) / 86400));
    const inp = buildInput(ts, vs, ts[n - 1] as number);
    expect(inp?.features).toHaveLength(INPUT_SIZE);
    expect(makeSample(ts, vs, n - 1, 300)).toBeUndefined(); // no horizon after the last sample
    const s = makeSample(ts, vs, n - 289, 300);
    expect(s?.mask.reduce((a, b) => a + b, 0)).toBe(288);
  });
});
