import { describe, expect, it } from 'vitest';
import type { Series } from '../domain/series.js';
import { cleanHistory, counterToRate, excludeIncidents, sameTimeMedians } from './clean.js';
import { dailySine } from './test-support.js';

const DAY = 288;

describe('excludeIncidents', () => {
  it('replaces an outage (load far below the same time on other days) and reports it', () => {
    const s = dailySine({ days: 8, seed: 5 });
    const values = s.values.slice();
    const from = 5 * DAY + 100;
    for (let i = from; i < from + 24; i++) values[i] = 0; // two hours down
    const { values: out, runs } = excludeIncidents(values, 300);
    expect(runs).toEqual([[from, from + 24]]);
    for (let i = from; i < from + 24; i++) {
      // Back near what the other days carry at that time (the sine's level, not 0).
      expect(out[i]).toBeGreaterThan(0.7 * (s.values[i] as number));
    }
    // Nothing else moved.
    expect(out.filter((v, i) => v !== values[i]).length).toBe(24);
  });
  it('keeps spikes, short dips and series too short to judge', () => {
    const s = dailySine({ days: 8, seed: 5 });
    const values = s.values.slice();
    for (let i = 1000; i < 1024; i++) values[i] = (values[i] as number) * 5; // a burst: real load
    values[2000] = 0;
    values[2001] = 0; // two samples: under the minimum run
    expect(excludeIncidents(values, 300).runs).toEqual([]);
    expect(excludeIncidents(values.slice(0, 2 * DAY), 300).runs).toEqual([]);
  });
  it('cleanHistory reports the incident with its times', () => {
    const s = dailySine({ days: 8, seed: 5 });
    const values = s.values.slice();
    for (let i = 1500; i < 1512; i++) values[i] = 0;
    const { report } = cleanHistory({ ...s, values });
    expect(report.incidentSteps).toBe(12);
    expect(report.incidents).toEqual([[s.timestamps[1500], s.timestamps[1511]]]);
  });
});

describe('sameTimeMedians', () => {
  it('is the median of sorting each window: the same time on up to 7 days either side, without the sample', () => {
    let seed = 7;
    const rnd = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
    for (const [day, days] of [[24, 3], [24, 9.5], [288, 14], [96, 21.3], [4, 30]] as const) {
      const n = Math.floor(day * days);
      // Rounded values: ties, which a sort must order the same way.
      const values = Array.from({ length: n }, () => Math.round(rnd() * 20) / 2);
      const got = sameTimeMedians(values, day);
      for (let i = 0; i < n; i++) {
        const window: number[] = [];
        for (let k = 1; k <= 7; k++) {
          if (i - k * day >= 0) window.push(values[i - k * day]!);
          if (i + k * day < n) window.push(values[i + k * day]!);
        }
        window.sort((a, b) => a - b);
        const h = window.length >> 1;
        const want = window.length % 2 === 1 ? window[h]! : (window[h - 1]! + window[h]!) / 2;
        expect(got[i]).toBe(want);
      }
    }
  });
});

describe('counterToRate', () => {
  const series = (values: number[]): Series => ({ stepSeconds: 60, values, timestamps: values.map((_, i) => i * 60) });
  it('turns a counter with a reset into a per-second rate, as rate() does', () => {
    const c = [0, 60, 120, 240, 360, 420, 30, 90, 150, 210, 270, 330, 390, 450];
    const r = counterToRate(series(c))!;
    expect(r.resets).toBe(1);
    expect(r.series.values[0]).toBeNaN();
    expect(r.series.values.slice(1)).toEqual([1, 1, 2, 2, 1, 0.5, 1, 1, 1, 1, 1, 1, 1]);
  });
  it('leaves gauges alone: a noisy series, a series that falls gently, a flat one', () => {
    const wave = Array.from({ length: 100 }, (_, i) => 100 + 50 * Math.sin(i / 5));
    expect(counterToRate(series(wave))).toBeUndefined();
    const gentle = Array.from({ length: 100 }, (_, i) => 1000 + i - (i % 10 === 0 ? 5 : 0));
    expect(counterToRate(series(gentle))).toBeUndefined();
    expect(counterToRate(series(new Array<number>(100).fill(7)))).toBeUndefined();
  });
});
