import { describe, expect, it } from 'vitest';
import type { Forecaster } from '../domain/forecast.js';
import type { Series } from '../domain/series.js';
import { profileQuantiles, recentQuantiles } from './empirical.js';
import { ForecastError } from './errors.js';
import { quantileSorted } from './loss.js';
import { selectAndForecast } from './select.js';
import { gaussian } from './test-support.js';

const STEP = 300;
const DAY = 288;
const series = (values: number[]): Series => ({ stepSeconds: STEP, values, timestamps: values.map((_, i) => 1_700_000_000 - (1_700_000_000 % 86400) + i * STEP) });

describe('recentQuantiles', () => {
  it('is flat at the quantiles of the last days only', () => {
    // Five days at 1000, then three days cycling 0..99: the old level must not count.
    const values = [...new Array<number>(5 * DAY).fill(1000), ...Array.from({ length: 3 * DAY }, (_, i) => i % 100)];
    const fc = recentQuantiles(3).forecast(series(values), { horizonSteps: 12, quantiles: [0.5, 0.9] });
    expect(fc.model).toBe('recent-quantiles(3d)');
    expect(new Set(fc.quantiles['0.5'])).toEqual(new Set([fc.quantiles['0.5']![0]]));
    const last = Float64Array.from(values.slice(-3 * DAY)).sort();
    expect(fc.quantiles['0.5']![0]).toBe(quantileSorted(last, 0.5));
    expect(fc.quantiles['0.9']![0]).toBe(quantileSorted(last, 0.9));
    expect(fc.quantiles['0.9']![0]).toBeLessThan(100);
    expect(fc.timestamps[0]).toBe(series(values).timestamps.at(-1)! + STEP);
  });
  it('names what is missing when the history is too short', () => {
    expect(() => recentQuantiles(3).forecast(series([1, 2, 3]), { horizonSteps: 1, quantiles: [0.5] })).toThrow(ForecastError);
  });
});

describe('profileQuantiles', () => {
  it('forecasts each time of day from the same time on earlier days', () => {
    // Business hours 09:00-17:00 UTC at 100 (± noise), 10 otherwise, for 9 days.
    const rand = gaussian(7);
    const s = series(Array.from({ length: 9 * DAY }, (_, i) => ((i % DAY) >= 108 && (i % DAY) < 204 ? 100 : 10) + rand()));
    const fc = profileQuantiles(STEP, 7).forecast(s, { horizonSteps: DAY, quantiles: [0.5, 0.9] });
    // The history ends at 23:55, so the forecast's step h is at (h - 1) × 5 minutes past midnight.
    expect(fc.quantiles['0.5']![12 * 12]).toBeGreaterThan(95); // 12:00
    expect(fc.quantiles['0.5']![3 * 12]).toBeLessThan(15); // 03:00
    for (let h = 0; h < DAY; h++) expect(fc.quantiles['0.9']![h]).toBeGreaterThanOrEqual(fc.quantiles['0.5']![h]!);
  });
  it('needs two days of history', () => {
    expect(profileQuantiles(STEP).minHistorySteps({ horizonSteps: 1, quantiles: [0.5] })).toBe(2 * DAY);
  });
});

describe('the ensemble in selectAndForecast', () => {
  // Three candidates that each know the truth up to their own independent noise: their average
  // is closer to the truth than any one of them, so the backtest must prefer it.
  const truth = (i: number) => 100 + 50 * Math.sin((2 * Math.PI * i) / DAY);
  const noisy = (seed: number): Forecaster => {
    const rand = gaussian(seed);
    return {
      name: `noisy-${seed}`,
      minHistorySteps: () => 12,
      forecast(history, opts) {
        const n = history.values.length;
        const point = Array.from({ length: opts.horizonSteps }, (_, h) => truth(n + h) + 20 * rand());
        const quantiles: Record<string, number[]> = {};
        for (const q of opts.quantiles) quantiles[String(q)] = point.map((v) => v + (q - 0.5) * 40);
        return { model: this.name, stepSeconds: history.stepSeconds, timestamps: point.map((_, h) => history.timestamps.at(-1)! + (h + 1) * STEP), quantiles };
      },
    };
  };
  it('forecasts the average of the three best when it backtests better than the best', () => {
    const s = series(Array.from({ length: 6 * DAY }, (_, i) => truth(i)));
    const cands = [noisy(1), noisy(2), noisy(3), noisy(4)];
    const fc = selectAndForecast(s, { horizonSteps: DAY, quantiles: [0.5, 0.9], candidates: cands });
    expect(fc.model).toMatch(/^ensemble\(noisy-\d \+ noisy-\d \+ noisy-\d\)$/);
    expect(fc.accuracy!.selectionLoss).toBeLessThan(fc.candidates![0]!.selectionLoss);
    expect(fc.candidates).toHaveLength(4);
  });
  it('keeps the best single model when averaging does not help', () => {
    const exact: Forecaster = { ...noisy(9), name: 'exact', forecast: (h, o) => ({ ...noisy(9).forecast(h, o), model: 'exact', quantiles: Object.fromEntries(o.quantiles.map((q) => [String(q), Array.from({ length: o.horizonSteps }, (_, k) => truth(h.values.length + k))])) }) };
    const s = series(Array.from({ length: 6 * DAY }, (_, i) => truth(i)));
    const fc = selectAndForecast(s, { horizonSteps: DAY, quantiles: [0.5, 0.9], candidates: [noisy(1), exact, noisy(2)] });
    expect(fc.model).toBe('exact');
  });
});
