import { describe, expect, it } from 'vitest';
import type { Series } from '../domain/series.js';
import { backtest } from './backtest.js';
import {
  baselineForecasters,
  craneFft,
  decayingHistogram,
  detectPeriod,
  krrPercentile,
  tortoiseMax,
  vpaHistogram,
  weekHour,
} from './baselines.js';
import { allForecasters, augurCandidates, extraCandidates, selectAugur } from './registry.js';
import { selectAndForecast } from './select.js';
import { prng } from '../util/prng.js';

const STEP = 300;
// 2024-01-01T00:00:00Z is a Monday.
const T0 = Date.UTC(2024, 0, 1) / 1000;

function series(values: number[], stepSeconds = STEP, t0 = T0): Series {
  return { timestamps: values.map((_, i) => t0 + i * stepSeconds), values, stepSeconds };
}


const OPTS = { horizonSteps: 12, quantiles: [0.5, 0.9, 0.99] };

describe('krr-style percentile', () => {
  it('forecasts the p95 of the last 14 days, flat, for every quantile', () => {
    // 20 days at 1 h: the first 6 days are huge (outside the window), the last 14 days are 1..336.
    const old = new Array<number>(6 * 24).fill(1e6);
    const recent = Array.from({ length: 14 * 24 }, (_, i) => i + 1);
    const h = series([...old, ...recent], 3600);
    const fc = krrPercentile(3600).forecast(h, OPTS);
    // numpy.percentile(1..336, 95, linear) = 1 + 0.95 * 335 = 319.25
    for (const k of ['0.5', '0.9', '0.99']) {
      expect(fc.quantiles[k]).toHaveLength(12);
      for (const v of fc.quantiles[k]!) expect(v).toBeCloseTo(319.25, 9);
    }
    expect(fc.model).toBe('krr-cpu(p95)');
    expect(fc.timestamps[0]).toBe(h.timestamps[h.timestamps.length - 1]! + 3600);
  });

  it('memory variant: max of the window + 15 %', () => {
    const h = series(Array.from({ length: 100 }, (_, i) => (i === 50 ? 200 : 10)));
    const fc = krrPercentile(STEP, { mode: 'max' }).forecast(h, OPTS);
    expect(fc.quantiles['0.9']![0]).toBeCloseTo(230, 9);
    expect(fc.model).toBe('krr-memory(max+15%)');
  });

  it('exposes percentile, margin and window as options', () => {
    const h = series(Array.from({ length: 101 }, (_, i) => i));
    const fc = krrPercentile(STEP, { percentile: 50, marginPercent: 10, windowSeconds: 101 * STEP }).forecast(h, OPTS);
    expect(fc.quantiles['0.5']![0]).toBeCloseTo(55, 9);
  });
});

describe('VPA-style decaying histogram', () => {
  it('a constant series: every percentile is the end of its bucket, plus 15 %', () => {
    const h = series(new Array<number>(2000).fill(1));
    const fc = vpaHistogram(STEP).forecast(h, OPTS);
    const hist = decayingHistogram(new Array<number>(10).fill(1), Array.from({ length: 10 }, (_, i) => i * STEP), 86400);
    const p = hist.percentile(0.9);
    expect(p).toBeGreaterThan(1);
    expect(p).toBeLessThan(1.05 + 1e-9); // at most one bucket (5 %) above the value
    for (const k of ['0.5', '0.9', '0.99']) expect(fc.quantiles[k]![0]).toBeCloseTo(p * 1.15, 9);
  });

  it('weights halve every 24 h: a level from two days ago counts a quarter', () => {
    // Two days at 10, then one day at 100 (hourly). Weight of the last day ~ 1 / (1 + 0.5 + 0.25) of ~4/7 of the total,
    // so p50 lies in the recent (100) level and p10 in the old (10) level.
    const vals = [...new Array<number>(48).fill(10), ...new Array<number>(24).fill(100)];
    const ts = vals.map((_, i) => i * 3600);
    const hist = decayingHistogram(vals, ts, 86400);
    expect(hist.percentile(0.5)).toBeGreaterThan(100);
    expect(hist.percentile(0.5)).toBeLessThan(106);
    expect(hist.percentile(0.3)).toBeGreaterThan(10);
    expect(hist.percentile(0.3)).toBeLessThan(10.6);
    // Without decay the old level would hold 2/3 of the weight and p50 would be ~10.
    const flat = decayingHistogram(vals, ts, 1e12);
    expect(flat.percentile(0.5)).toBeLessThan(10.6);
  });

  it('quantiles are the histogram percentiles (monotone), p90 is the VPA target', () => {
    const r = prng(7);
    const h = series(Array.from({ length: 3000 }, () => 100 * r()));
    const fc = vpaHistogram(STEP).forecast(h, { horizonSteps: 3, quantiles: [0.5, 0.9, 0.95] });
    const p50 = fc.quantiles['0.5']![0]!;
    const p90 = fc.quantiles['0.9']![0]!;
    const p95 = fc.quantiles['0.95']![0]!;
    expect(p50).toBeLessThan(p90);
    expect(p90).toBeLessThan(p95);
    expect(p90 / 1.15).toBeGreaterThan(85);
    expect(p90 / 1.15).toBeLessThan(96);
  });
});

describe('Crane-style FFT', () => {
  it('finds a 288-step (daily) period in a noisy daily cycle and repeats the average cycle', () => {
    const r = prng(1);
    const days = 10;
    const shape = (i: number): number => 50 + 30 * Math.sin((2 * Math.PI * i) / 288) + (i % 288 === 100 ? 40 : 0);
    const vals = Array.from({ length: days * 288 }, (_, i) => shape(i) + 4 * (r() - 0.5));
    const det = detectPeriod(vals, [288, 2016]);
    expect(det.period).toBe(288);
    const fc = craneFft(STEP).forecast(series(vals), { horizonSteps: 288, quantiles: [0.5, 0.9] });
    expect(fc.model).toBe('crane-fft(288 steps)');
    // The forecast follows the cycle: within the noise of a 10-cycle average of the true shape.
    for (let h = 0; h < 288; h++) expect(Math.abs(fc.quantiles['0.5']![h]! - shape(days * 288 + h))).toBeLessThan(2);
    expect(fc.quantiles['0.9']).toEqual(fc.quantiles['0.5']);
  });

  it('finds a weekly period when weekdays differ from weekends', () => {
    const vals = Array.from({ length: 4 * 2016 }, (_, i) => {
      const day = Math.floor(i / 288) % 7;
      return (day >= 5 ? 10 : 100) + 20 * Math.sin((2 * Math.PI * i) / 288);
    });
    expect(detectPeriod(vals, [288, 2016]).period).toBe(2016);
  });

  it('falls back to a flat forecast (mean of the last day) on noise', () => {
    const r = prng(3);
    const vals = Array.from({ length: 5 * 288 }, () => 10 + r());
    expect(detectPeriod(vals, [288, 2016]).period).toBeUndefined();
    const fc = craneFft(STEP).forecast(series(vals), OPTS);
    expect(fc.model).toBe('crane-fft(flat)');
    const lastDay = vals.slice(-288);
    const mean = lastDay.reduce((a, b) => a + b, 0) / 288;
    for (const v of fc.quantiles['0.5']!) expect(v).toBeCloseTo(mean, 9);
  });
});

describe('Tortoise-style same weekday and hour maximum', () => {
  it('each future step is the max of the same weekday+hour slots', () => {
    // Two weeks at 1 h: value = slot index + 1000 * week, plus a spike on the first Monday 09:00.
    const vals = Array.from({ length: 2 * 168 }, (_, i) => (i % 168) + 1000 * Math.floor(i / 168) + (i === 9 ? 5000 : 0));
    const h = series(vals, 3600);
    const fc = tortoiseMax().forecast(h, { horizonSteps: 168, quantiles: [0.5, 0.99] });
    for (let k = 0; k < 168; k++) {
      const t = fc.timestamps[k]!;
      // Future step k is Monday 00:00 + k hours (the history is two whole weeks from a Monday).
      expect(weekHour(t)).toBe((24 + k) % 168);
      const expected = k === 9 ? 5009 : k + 1000;
      expect(fc.quantiles['0.5']![k]).toBe(expected);
      expect(fc.quantiles['0.99']![k]).toBe(expected);
    }
  });

  it('falls back to the same hour on any day when the weekday was never seen', () => {
    const vals = Array.from({ length: 48 }, (_, i) => i); // Monday and Tuesday, hourly
    const fc = tortoiseMax().forecast(series(vals, 3600), { horizonSteps: 24, quantiles: [0.5] });
    // Wednesday h: the max of Monday h (h) and Tuesday h (24 + h).
    for (let k = 0; k < 24; k++) expect(fc.quantiles['0.5']![k]).toBe(24 + k);
  });
});

describe('baselines as Forecasters', () => {
  const r = prng(11);
  const h = series(Array.from({ length: 6 * 288 }, (_, i) => 20 + 10 * Math.sin((2 * Math.PI * i) / 288) + r()));

  it('all five, deterministic, with every requested quantile and the right timestamps', () => {
    const models = baselineForecasters(STEP);
    expect(models.map((m) => m.name)).toEqual(['krr-cpu(p95)', 'krr-memory(max+15%)', 'vpa-histogram(p90+15%)', 'crane-fft', 'tortoise-max(weekday-hour)']);
    for (const m of models) {
      const a = m.forecast(h, OPTS);
      const b = m.forecast({ ...h, values: h.values.slice() }, OPTS);
      expect(b).toEqual(a);
      expect(Object.keys(a.quantiles).sort()).toEqual(['0.5', '0.9', '0.99']);
      expect(a.timestamps).toHaveLength(12);
      for (const v of Object.values(a.quantiles).flat()) expect(Number.isFinite(v)).toBe(true);
    }
  });

  it('can be backtested like any model, and tolerate gaps', () => {
    const gappy = { ...h, values: h.values.map((v, i) => (i % 97 === 5 ? Number.NaN : v)) };
    for (const m of baselineForecasters(STEP)) {
      const acc = backtest(m, gappy, { horizonSteps: 288, quantiles: [0.5, 0.9], origins: 2 });
      expect(acc, m.name).toBeDefined();
      expect(Number.isFinite(acc!.pinball['0.9']!)).toBe(true);
    }
  });
});

describe('registry', () => {
  it('lists the candidates then the baselines, and selectAugur is selectAndForecast', () => {
    const all = allForecasters(STEP);
    expect(all.filter((x) => x.kind === 'baseline')).toHaveLength(5);
    expect(all[0]!.kind).toBe('augur-candidate');
    expect(extraCandidates).toEqual([]);
    const opts = { horizonSteps: 24, quantiles: [0.5, 0.9] };
    expect(selectAugur(h6(), opts)).toEqual(selectAndForecast(h6(), opts));
  });

  it('extra models are scored, and join the candidates only when a selection asks for them', () => {
    const extra = krrPercentile(STEP, { name: 'extra-model' });
    extraCandidates.push(() => [extra]);
    try {
      expect(allForecasters(STEP).filter((x) => x.kind === 'model').map((x) => x.model.name)).toEqual(['extra-model']);
      expect(augurCandidates(STEP).map((c) => c.name)).not.toContain('extra-model');
      expect(augurCandidates(STEP, undefined, true).map((c) => c.name)).toContain('extra-model');
    } finally {
      extraCandidates.length = 0;
    }
  });
});

function h6(): Series {
  return series(Array.from({ length: 4 * 288 }, (_, i) => 20 + 10 * Math.sin((2 * Math.PI * i) / 288)));
}
