import { describe, expect, it } from 'vitest';
import type { Forecast, ForecastOptions, Forecaster } from '../domain/forecast.js';
import type { Series } from '../domain/series.js';
import {
  backtest,
  cleanHistory,
  dampedTrend,
  defaultForecasters,
  ForecastError,
  holtWinters,
  leadBuckets,
  pinballLoss,
  pointForecaster,
  seasonalNaive,
  selectAndForecast,
} from './index.js';
import { dailySine, gaussian, makeSeries } from './test-support.js';

const DAY = 288; // steps per day at 5 minutes
const Q = [0.5, 0.9, 0.99];
const opts = (horizonSteps = DAY, quantiles = Q): ForecastOptions => ({ horizonSteps, quantiles });

/** A flat forecast at the history's mean: what a model without memory of the cycle would say. */
const flatMean: Forecaster = pointForecaster({
  name: 'flat-mean',
  minHistorySteps: () => 1,
  fit(values) {
    let sum = 0;
    for (const v of values) sum += v;
    const mean = sum / values.length;
    return { firstOrigin: 0, forecast: (h) => new Float64Array(h).fill(mean), inSample: (_origin, leads, out) => out.fill(mean, 0, leads.length) };
  },
});

function expectMonotone(fc: Forecast, levels = Q): void {
  const sorted = [...levels].sort((a, b) => a - b);
  for (let i = 1; i < sorted.length; i++) {
    const lo = fc.quantiles[String(sorted[i - 1])] as number[];
    const hi = fc.quantiles[String(sorted[i])] as number[];
    expect(lo).toHaveLength(fc.timestamps.length);
    for (let h = 0; h < lo.length; h++) expect(lo[h] as number).toBeLessThanOrEqual(hi[h] as number);
  }
}

function allFinite(fc: Forecast): boolean {
  return Object.values(fc.quantiles).every((a) => a.every((v) => Number.isFinite(v)));
}

describe('pinballLoss', () => {
  it('weights under-forecasts by q and over-forecasts by 1 - q', () => {
    expect(pinballLoss([10], [8], 0.9)).toBeCloseTo(1.8); // under by 2
    expect(pinballLoss([10], [12], 0.9)).toBeCloseTo(0.2); // over by 2
    expect(pinballLoss([10, 10], [8, 12], 0.5)).toBeCloseTo(1);
    expect(pinballLoss([1, 2, 3], [1, 2, 3], 0.99)).toBe(0);
  });
  it('skips non-finite pairs and rejects mismatched lengths', () => {
    expect(pinballLoss([10, Number.NaN], [8, 5], 0.5)).toBeCloseTo(1);
    expect(pinballLoss([Number.NaN], [1], 0.5)).toBeNaN();
    expect(() => pinballLoss([1, 2], [1], 0.5)).toThrow(RangeError);
  });
});

describe('cleanHistory', () => {
  it('interpolates short gaps and reports', () => {
    const s = makeSeries([1, Number.NaN, Number.NaN, 4, 5]);
    const { series, report } = cleanHistory(s);
    expect(series.values).toEqual([1, 2, 3, 4, 5]);
    expect(report).toEqual({ missing: 2, interpolated: 2, outliers: 0, incidentSteps: 0, incidents: [] });
  });
  it('fills long gaps from one day earlier, else the last value; drops leading gaps', () => {
    const step = 21600; // 4 steps a day
    const v = [Number.NaN, 10, 20, 30, 40, 11, Number.NaN, Number.NaN, Number.NaN, Number.NaN, 15];
    const { series, report } = cleanHistory(makeSeries(v, step));
    // Leading NaN dropped; the 4-step gap takes the values a day (4 steps) earlier.
    expect(series.values).toHaveLength(10);
    expect(series.timestamps[0]).toBe(makeSeries(v, step).timestamps[1]);
    // Cleaned index k = original index k + 1. Gap at cleaned 5..8; day earlier is cleaned 1..4.
    expect(series.values.slice(5, 9)).toEqual([20, 30, 40, 11]);
    expect(report.missing).toBe(5);
    expect(report.interpolated).toBe(4);
  });
  it('uses the last value when there is no day before the gap, and counts Infinity as an outlier', () => {
    const v = [3, Number.POSITIVE_INFINITY, Number.NaN, Number.NaN, Number.NaN, 7];
    const { series, report } = cleanHistory(makeSeries(v));
    expect(series.values).toEqual([3, 3, 3, 3, 3, 7]);
    expect(report).toEqual({ missing: 4, interpolated: 4, outliers: 1, incidentSteps: 0, incidents: [] });
  });
  it('counts extreme values without changing them', () => {
    const g = gaussian(3);
    const v = Array.from({ length: 500 }, () => 100 + g());
    v[250] = 10_000;
    const { series, report } = cleanHistory(makeSeries(v));
    expect(report.outliers).toBe(1);
    expect(series.values[250]).toBe(10_000);
  });
});

describe('models on a daily sine with noise', () => {
  const sine = dailySine({ days: 14, level: 100, amplitude: 40, noise: 5, seed: 42 });
  const bt = (f: Forecaster) => backtest(f, sine, { ...opts(), origins: 3 });

  it('Holt-Winters and seasonal naive beat a flat forecast', () => {
    const flat = bt(flatMean);
    const hwa = bt(holtWinters({ seasonSteps: DAY, mode: 'additive' }));
    const hwm = bt(holtWinters({ seasonSteps: DAY, mode: 'multiplicative' }));
    const sn = bt(seasonalNaive(DAY));
    for (const a of [flat, hwa, hwm, sn]) expect(a).toBeDefined();
    for (const a of [hwa, hwm, sn]) {
      expect(a!.selectionLoss).toBeLessThan(flat!.selectionLoss / 2);
      expect(a!.mase).toBeLessThan(flat!.mase / 2);
    }
    // Holt-Winters averages the noise out of the season, seasonal naive repeats it.
    expect(hwa!.mase).toBeLessThan(sn!.mase);
    // With noise of SD 5 the median's absolute error is about 4; the scale (noise of a lag-day
    // difference) about 5.6; HW should be near the noise floor.
    expect(hwa!.mase).toBeLessThan(1);
    expect(hwa!.coverage['0.9']).toBeGreaterThan(0.8);
    expect(hwa!.coverage['0.9']).toBeLessThan(0.97);
  });

  it('selection picks a seasonal model and forecasts the cycle', () => {
    const fc = selectAndForecast(sine, opts());
    expect(fc.model).toMatch(/holt-winters|seasonal-naive|profile-quantiles/);
    expect(fc.accuracy?.origins).toBe(3);
    expect(fc.candidates?.[0]?.model).toBe(fc.model);
    const losses = fc.candidates!.map((c) => c.selectionLoss);
    expect([...losses].sort((a, b) => a - b)).toEqual(losses);
    // Median close to the true (noise-free) sine over the next day.
    const n = sine.values.length;
    const p50 = fc.quantiles['0.5']!;
    let err = 0;
    for (let h = 0; h < DAY; h++) err += Math.abs(p50[h]! - (100 + 40 * Math.sin((2 * Math.PI * (n + h)) / DAY)));
    expect(err / DAY).toBeLessThan(4);
    expect(fc.timestamps[0]).toBe(sine.timestamps[n - 1]! + 300);
    expect(fc.timestamps).toHaveLength(DAY);
    expectMonotone(fc);
  });

  it('is deterministic', () => {
    const a = selectAndForecast(sine, opts());
    const b = selectAndForecast(dailySine({ days: 14, level: 100, amplitude: 40, noise: 5, seed: 42 }), opts());
    expect(JSON.stringify(b)).toBe(JSON.stringify(a));
  });
});

describe('quantiles', () => {
  const sine = dailySine({ days: 10, level: 50, amplitude: 45, noise: 8, seed: 7 });
  it('are monotone in the level for every default model, in any requested order', () => {
    for (const f of defaultForecasters(300)) {
      if (f.minHistorySteps(opts()) > sine.values.length) continue;
      const fc = f.forecast(sine, opts(DAY, [0.99, 0.5, 0.9, 0.1]));
      expect(Object.keys(fc.quantiles).sort()).toEqual(['0.1', '0.5', '0.9', '0.99']);
      expectMonotone(fc, [0.1, 0.5, 0.9, 0.99]);
    }
  });
  it('spread grows with the lead when the series wanders (a random walk)', () => {
    const g = gaussian(21);
    let x = 1000;
    const walk = makeSeries(Array.from({ length: 6 * DAY }, () => (x += g())));
    for (const f of [dampedTrend(), holtWinters({ seasonSteps: DAY, mode: 'additive' })]) {
      const fc = f.forecast(walk, opts());
      const width = (h: number) => fc.quantiles['0.99']![h]! - fc.quantiles['0.5']![h]!;
      expect(width(0)).toBeGreaterThan(0);
      expect(width(DAY - 1)).toBeGreaterThan(3 * width(0));
    }
  });
  it('lead buckets double and cover the horizon', () => {
    expect(leadBuckets(1)).toEqual([[1, 1]]);
    expect(leadBuckets(10)).toEqual([[1, 1], [2, 3], [4, 7], [8, 10]]);
    const b = leadBuckets(288);
    expect(b[b.length - 1]).toEqual([256, 288]);
  });
});

describe('awkward series', () => {
  it('a level shift: the forecast follows the new level', () => {
    const g = gaussian(11);
    const n = 14 * DAY;
    const v = Array.from({ length: n }, (_, i) => (i < 10 * DAY ? 100 : 200) + 20 * Math.sin((2 * Math.PI * i) / DAY) + 3 * g());
    const fc = selectAndForecast(makeSeries(v), opts());
    const p50 = fc.quantiles['0.5']!;
    const mean = p50.reduce((a, b) => a + b, 0) / p50.length;
    expect(mean).toBeGreaterThan(185);
    expect(mean).toBeLessThan(215);
    expect(fc.accuracy!.coverage['0.9']).toBeGreaterThan(0.7);
    expectMonotone(fc);
  });

  it('a constant series: every quantile is the constant, losses are zero', () => {
    const fc = selectAndForecast(makeSeries(new Array(5 * DAY).fill(5)), opts());
    for (const q of Q) for (const v of fc.quantiles[String(q)]!) expect(v).toBeCloseTo(5, 9);
    expect(fc.accuracy!.selectionLoss).toBeCloseTo(0, 9);
    expect(fc.accuracy!.mase).toBeCloseTo(0, 9);
    expect(fc.accuracy!.wape).toBeCloseTo(0, 9);
    const zero = selectAndForecast(makeSeries(new Array(5 * DAY).fill(0)), opts());
    for (const q of Q) for (const v of zero.quantiles[String(q)]!) expect(v).toBe(0);
  });

  it('NaN gaps (short, long, leading, trailing) still give finite forecasts and scores', () => {
    const s = dailySine({ days: 12, seed: 5 });
    const v = [...s.values];
    for (let i = 0; i < 20; i++) v[i] = Number.NaN; // leading
    for (let i = 1000; i < 1003; i++) v[i] = Number.NaN; // short
    for (let i = 2000; i < 2100; i++) v[i] = Number.NaN; // long
    for (let i = v.length - 4; i < v.length; i++) v[i] = Number.NaN; // trailing
    for (let i = 3000; i < v.length; i += 17) v[i] = Number.NaN; // scattered, also in the backtest windows
    const gappy: Series = { ...s, values: v };
    const fc = selectAndForecast(gappy, opts());
    expect(allFinite(fc)).toBe(true);
    expect(fc.timestamps[0]).toBe(s.timestamps[s.timestamps.length - 1]! + 300);
    const a = fc.accuracy!;
    for (const x of [a.mase, a.wape, a.selectionLoss, ...Object.values(a.pinball), ...Object.values(a.coverage)]) {
      expect(Number.isFinite(x)).toBe(true);
    }
    expectMonotone(fc);
  });

  it('non-negative history gives non-negative quantiles', () => {
    // Mostly idle CPU with bursts: point forecasts and lower quantiles would dip below zero.
    const g = gaussian(9);
    const u = gaussian(10);
    const v = Array.from({ length: 8 * DAY }, (_, i) => Math.max(0, 0.5 * Math.sin((2 * Math.PI * i) / DAY) + 0.3 * g() + (u() > 2 ? 5 : 0)));
    const s = makeSeries(v);
    for (const f of defaultForecasters(300)) {
      if (f.minHistorySteps(opts()) > v.length) continue;
      const fc = f.forecast(s, opts(DAY, [0.01, 0.1, 0.5, 0.9, 0.99]));
      for (const arr of Object.values(fc.quantiles)) for (const x of arr) expect(x).toBeGreaterThanOrEqual(0);
    }
    const fc = selectAndForecast(s, opts(DAY, [0.01, 0.5, 0.9]));
    for (const arr of Object.values(fc.quantiles)) for (const x of arr) expect(x).toBeGreaterThanOrEqual(0);
  });
});

describe('backtest', () => {
  it('forecasts from the last `origins` origins, one horizon apart', () => {
    const seen: number[] = [];
    const recorder: Forecaster = {
      name: 'recorder',
      minHistorySteps: () => 10,
      forecast(history, o) {
        seen.push(history.values.length);
        return flatMean.forecast(history, o);
      },
    };
    const s = dailySine({ days: 3, seed: 1 });
    const a = backtest(recorder, s, { horizonSteps: 50, quantiles: [0.9], origins: 4 });
    const n = s.values.length;
    expect(seen).toEqual([n - 200, n - 150, n - 100, n - 50]);
    expect(a!.origins).toBe(4);
    expect(a!.horizonSeconds).toBe(50 * 300);
    // The requested level plus the two the selection loss needs.
    expect(Object.keys(a!.pinball).sort()).toEqual(['0.5', '0.9']);
    expect(Object.keys(a!.coverage).sort()).toEqual(['0.5', '0.9']);
  });
  it('is undefined when the history before the first origin is too short', () => {
    const s = dailySine({ days: 4, seed: 1 }); // 1152 steps
    expect(backtest(holtWinters({ seasonSteps: DAY, mode: 'additive' }), s, { ...opts(), origins: 3 })).toBeUndefined(); // needs 576 + 864
    expect(backtest(seasonalNaive(DAY), s, { ...opts(), origins: 3 })).toBeDefined(); // needs 288 + 864
  });
  it('the selection loss punishes under-forecasting more than over-forecasting', () => {
    const s = makeSeries(new Array(600).fill(100));
    // Constant quantiles, whatever the history (a point model would learn its bias from its errors).
    const constant = (c: number): Forecaster => ({
      name: `c${c}`,
      minHistorySteps: () => 1,
      forecast: (h, o) => ({
        model: `c${c}`,
        stepSeconds: h.stepSeconds,
        timestamps: [],
        quantiles: Object.fromEntries(o.quantiles.map((q) => [String(q), new Array<number>(o.horizonSteps).fill(c)])),
      }),
    });
    const under = backtest(constant(80), s, { horizonSteps: 100, quantiles: [0.5, 0.9], origins: 2 })!;
    const over = backtest(constant(120), s, { horizonSteps: 100, quantiles: [0.5, 0.9], origins: 2 })!;
    expect(under.selectionLoss).toBeGreaterThan(over.selectionLoss);
    // (0.5 + 0.9) / 2 * 20 / 100 versus (0.5 + 0.1) / 2 * 20 / 100
    expect(under.selectionLoss).toBeCloseTo(0.14);
    expect(over.selectionLoss).toBeCloseTo(0.06);
  });
});

describe('selectAndForecast with short histories', () => {
  it('throws a ForecastError naming what is there and what is needed', () => {
    const s = makeSeries([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    let err: unknown;
    try {
      selectAndForecast(s, opts());
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ForecastError);
    const fe = err as ForecastError;
    expect(fe.message).toContain('10 steps');
    expect(fe.message).toContain('12 steps');
    expect(fe.message).toContain('damped-trend');
    expect(fe.historySteps).toBe(10);
    expect(fe.neededSteps).toBe(12);
    expect(() => selectAndForecast(makeSeries([]), opts())).toThrow(ForecastError);
    expect(() => selectAndForecast(makeSeries(new Array(50).fill(Number.NaN)), opts())).toThrow(/0 steps/);
  });
  it('falls back to the first applicable model, without accuracy, when nothing can be backtested', () => {
    const s = dailySine({ days: 1, seed: 2 });
    const short: Series = { ...s, values: s.values.slice(0, 200), timestamps: s.timestamps.slice(0, 200) };
    const fc = selectAndForecast(short, opts());
    expect(fc.model).toBe('damped-trend');
    expect(fc.accuracy).toBeUndefined();
    expect(fc.quantiles['0.9']).toHaveLength(DAY);
  });
  it('uses fewer origins when the history cannot hold the requested number', () => {
    const s = dailySine({ days: 2, seed: 2 }); // 576 steps: seasonal naive needs 288 + 288 for one origin
    const fc = selectAndForecast(s, { ...opts(), origins: 3 });
    expect(fc.accuracy?.origins).toBe(1);
    expect(fc.candidates?.map((c) => c.model)).toContain('seasonal-naive(daily)');
  });
  it('weekly models only compete when the history allows', () => {
    const two = selectAndForecast(dailySine({ days: 14, seed: 3 }), opts());
    const names = two.candidates!.map((c) => c.model);
    expect(names).toContain('seasonal-naive(weekly)');
    expect(names).not.toContain('holt-winters-additive(weekly)'); // needs 2 weeks before the first origin
    const three = selectAndForecast(dailySine({ days: 18, seed: 3 }), opts());
    expect(three.candidates!.map((c) => c.model)).toContain('holt-winters-additive(weekly)');
  });
  it('accepts custom candidates', () => {
    const fc = selectAndForecast(dailySine({ days: 6, seed: 4 }), { ...opts(), candidates: [flatMean, dampedTrend()] });
    expect(fc.candidates!.map((c) => c.model).sort()).toEqual(['damped-trend', 'flat-mean']);
  });
});

describe('defaultForecasters', () => {
  it('daily and weekly seasons from the step', () => {
    const names = defaultForecasters(300).map((f) => f.name);
    expect(names).toEqual([
      'holt-winters-additive(daily)',
      'seasonal-naive(daily)',
      'holt-winters-multiplicative(daily)',
      'holt-winters-additive(weekly)',
      'seasonal-naive(weekly)',
      'holt-winters-multiplicative(weekly)',
      'damped-trend',
      'naive',
      'recent-quantiles(3d)',
      'profile-quantiles(7d)',
    ]);
    expect(defaultForecasters(1800)[0]!.minHistorySteps(opts(48))).toBe(96);
    expect(defaultForecasters(86400).map((f) => f.name)).toEqual([
      'holt-winters-additive(weekly)',
      'seasonal-naive(weekly)',
      'holt-winters-multiplicative(weekly)',
      'damped-trend',
      'naive',
      'recent-quantiles(3d)',
    ]);
  });
  it('ForecastOptions.seasonSteps replaces the defaults', () => {
    const names = defaultForecasters(300, [12]).map((f) => f.name);
    expect(names).toEqual(['holt-winters-additive(12 steps)', 'seasonal-naive(12 steps)', 'holt-winters-multiplicative(12 steps)', 'damped-trend', 'naive', 'recent-quantiles(3d)']);
  });
});

describe('warm start (ForecastOptions.warmStart)', () => {
  const sine = dailySine({ days: 6, level: 100, amplitude: 40, noise: 5, seed: 11 });
  const g = gaussian(5);
  let x = 500;
  const walk = makeSeries(Array.from({ length: 600 }, (_, i) => (x += g() + (i % 97 === 0 ? 20 : 0))));
  const cases: { name: string; f: Forecaster; history: Series; o: ForecastOptions }[] = [
    { name: 'Holt-Winters additive', f: holtWinters({ seasonSteps: DAY, mode: 'additive' }), history: sine, o: opts() },
    { name: 'Holt-Winters multiplicative', f: holtWinters({ seasonSteps: DAY, mode: 'multiplicative' }), history: sine, o: opts() },
    // Leads longer than the season: the seasonal index of each lead is looked up further back.
    { name: 'Holt-Winters additive, horizon of 3 seasons', f: holtWinters({ seasonSteps: 96, mode: 'additive' }), history: sine, o: opts(DAY) },
    { name: 'Holt-Winters multiplicative, horizon of 3 seasons', f: holtWinters({ seasonSteps: 96, mode: 'multiplicative' }), history: sine, o: opts(DAY) },
    { name: 'Holt-Winters additive, one-step criterion', f: holtWinters({ seasonSteps: DAY, mode: 'additive', criterion: 'one-step' }), history: sine, o: opts() },
    { name: 'damped trend', f: dampedTrend(), history: walk, o: opts() },
    // Nine fit leads: a kernel generated for that many (the others have 6 or 7).
    { name: 'damped trend, 9 fit leads', f: dampedTrend(), history: walk, o: opts(20_000) },
  ];

  for (const c of cases) {
    it(`${c.name}: the fitted parameters given back give the same forecast, to the bit`, () => {
      const full = c.f.forecast(c.history, c.o);
      expect(full.warmStart).toEqual({ alpha: expect.any(Number), beta: expect.any(Number), gamma: expect.any(Number), phi: expect.any(Number) });
      const warm = c.f.forecast(c.history, { ...c.o, warmStart: full.warmStart });
      expect(warm).toEqual(full); // toEqual compares numbers with Object.is: -0 and 0 differ
      for (const [k, q] of Object.entries(full.quantiles)) {
        const w = warm.quantiles[k]!;
        for (let h = 0; h < q.length; h++) expect(Object.is(w[h], q[h])).toBe(true);
      }
    });
  }

  it('uses the parameters it is given (no search) and returns them', () => {
    for (const c of cases) {
      const given = { alpha: 0.33, beta: 0.013, gamma: c.f.name === 'damped-trend' ? 0 : 0.21, phi: 0.85 };
      const full = c.f.forecast(c.history, c.o);
      const warm = c.f.forecast(c.history, { ...c.o, warmStart: given });
      expect(warm.warmStart).toEqual(given);
      expect(warm.warmStart).not.toBe(given); // a copy
      expect(warm.quantiles['0.5']).not.toEqual(full.quantiles['0.5']);
    }
    // Parameters from one history, a refit on a longer one: the same parameters, new states.
    const f = holtWinters({ seasonSteps: DAY, mode: 'additive' });
    const p = f.forecast(dailySine({ days: 5, seed: 11 }), opts()).warmStart;
    const later = f.forecast(sine, { ...opts(), warmStart: p });
    expect(later.warmStart).toEqual(p);
    expect(later.timestamps[0]).toBe(sine.timestamps.at(-1)! + 300);
  });

  it('ignores anything that is not a valid parameter set, without an error', () => {
    const throwing = Object.defineProperty({}, 'alpha', {
      get() {
        throw new Error('boom');
      },
    });
    const ok = { alpha: 0.2, beta: 0.02, gamma: 0.1, phi: 0.9 };
    const invalid: unknown[] = [
      null,
      42,
      'alpha=0.2',
      [0.2, 0.02, 0.1, 0.9],
      {},
      throwing,
      { ...ok, alpha: Number.NaN },
      { ...ok, phi: Number.POSITIVE_INFINITY },
      { ...ok, alpha: '0.2' },
      { alpha: 0.2, beta: 0.02, gamma: 0.1 }, // no phi
      { ...ok, alpha: 0 }, // alpha in (0, 1)
      { ...ok, alpha: 1 },
      { ...ok, beta: 0.3 }, // beta <= alpha
      { ...ok, beta: -0.01 },
      { ...ok, gamma: 0.9 }, // gamma <= 1 - alpha
      { ...ok, phi: 0.99 }, // phi in [0.8, 0.98]
      { ...ok, phi: 0.5 },
    ];
    for (const c of [cases[0]!, cases[1]!, cases[5]!]) {
      const full = c.f.forecast(c.history, c.o);
      for (const w of invalid) expect(c.f.forecast(c.history, { ...c.o, warmStart: w })).toEqual(full);
    }
    // A damped trend has no season: a gamma other than 0 is not a set its search could land on.
    const trend = cases[5]!;
    expect(trend.f.forecast(trend.history, { ...trend.o, warmStart: ok })).toEqual(trend.f.forecast(trend.history, trend.o));
    expect(trend.f.forecast(trend.history, { ...trend.o, warmStart: { ...ok, gamma: 0 } }).warmStart).toEqual({ ...ok, gamma: 0 });
  });

  it('models without fitted parameters return none and ignore one', () => {
    const sn = seasonalNaive(DAY);
    const fc = sn.forecast(sine, opts());
    expect('warmStart' in fc).toBe(false);
    expect(sn.forecast(sine, { ...opts(), warmStart: { alpha: 0.2, beta: 0, gamma: 0.1, phi: 0.9 } })).toEqual(fc);
  });
});

describe('forecasts from nested prefixes (Forecaster.forecastPrefixes)', () => {
  const sine = dailySine({ days: 8, level: 100, amplitude: 40, noise: 5, seed: 21 });
  // Near zero at night, deeper in the later days: each prefix of a multiplicative model needs its own shift.
  const dips = makeSeries(sine.values.map((v, i) => Math.max(0, v - 60 - (i > 5 * DAY ? 30 : 0))));
  const gappy = makeSeries(sine.values.map((v, i) => (i % 500 === 7 || (i > 6 * DAY && i < 6 * DAY + 40) ? Number.NaN : v)));
  // A gap that spans a cut: filled one way in the prefix that ends inside it, another in the longer ones.
  const cutGap = makeSeries(sine.values.map((v, i) => (i >= 7 * DAY - 3 && i < 7 * DAY + 3 ? Number.NaN : v)));
  const g = gaussian(9);
  let x = 300;
  const walk = makeSeries(Array.from({ length: 8 * DAY }, () => (x += g())));
  const models = [
    holtWinters({ seasonSteps: DAY, mode: 'additive' }),
    holtWinters({ seasonSteps: DAY, mode: 'multiplicative' }),
    holtWinters({ seasonSteps: 96, mode: 'additive' }),
    holtWinters({ seasonSteps: DAY, mode: 'additive', criterion: 'one-step' }),
    dampedTrend(),
  ];
  const histories: [string, Series][] = [['a noisy daily sine', sine], ['one that dips to zero', dips], ['one with gaps', gappy], ['a gap across a cut', cutGap], ['a random walk', walk]];
  const cuts = [5 * DAY, 6 * DAY, 7 * DAY, 8 * DAY];

  for (const f of models) {
    it(`${f.name}: each is the prefix's own forecast, to the bit, on every kind of history`, () => {
      expect(f.forecastPrefixes).toBeTypeOf('function');
      for (const [, h] of histories) {
        const at = f.forecastPrefixes!(h, cuts, opts());
        // Asked out of order and with other levels: each is computed when asked, with its levels.
        for (const i of [2, 0, 3, 1]) {
          const levels = i % 2 === 0 ? Q : [0.5, 0.8];
          const prefix = { timestamps: h.timestamps.slice(0, cuts[i]), values: h.values.slice(0, cuts[i]), stepSeconds: h.stepSeconds };
          expect(at[i]!(levels)).toEqual(f.forecast(prefix, opts(DAY, levels))); // toEqual compares numbers with Object.is
        }
      }
    });
  }

  it('a selection is the same with the shared fits as with each fit on its own', () => {
    const alone = (f: Forecaster): Forecaster => ({ name: f.name, minHistorySteps: (o) => f.minHistorySteps(o), forecast: (h, o) => f.forecast(h, o) });
    for (const [, h] of histories) {
      const candidates = defaultForecasters(300);
      expect(candidates.filter((c) => c.forecastPrefixes).length).toBeGreaterThanOrEqual(4);
      const shared = selectAndForecast(h, { ...opts(), candidates });
      expect(shared).toEqual(selectAndForecast(h, { ...opts(), candidates: candidates.map(alone) }));
      const two = selectAndForecast(h, { ...opts(96, [0.9]), origins: 2, candidates });
      expect(two).toEqual(selectAndForecast(h, { ...opts(96, [0.9]), origins: 2, candidates: candidates.map(alone) }));
    }
  });

  it('a prefix too short for the model fails on its own, as its forecast would', () => {
    const f = holtWinters({ seasonSteps: DAY, mode: 'additive' });
    const at = f.forecastPrefixes!(sine, [DAY, 3 * DAY], opts());
    expect(() => at[0]!(Q)).toThrow(ForecastError);
    expect(at[1]!(Q)).toEqual(f.forecast({ timestamps: sine.timestamps.slice(0, 3 * DAY), values: sine.values.slice(0, 3 * DAY), stepSeconds: 300 }, opts()));
  });
});
