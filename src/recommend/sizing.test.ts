import { describe, expect, it } from 'vitest';
import { SIZING_DEFAULTS } from '../config/schema.js';
import type { Accuracy, Forecast } from '../domain/forecast.js';
import { readTraceFile, traceToSeries } from '../cli/forecast.js';
import { prepareHistory } from '../forecast/clean.js';
import { augurCandidates, selectAugur } from '../forecast/registry.js';
import { recommend } from './index.js';
import { prng } from '../util/prng.js';
import { calibratedSize, calibrationOf, expectedUnder, keepCalibration, underAt } from './sizing.js';

const H = 96;

/** A backtest of 3 origins × H steps whose p90 residual at lead h is given, and whose actual peaks relate to the p99 as `burst`. */
function backtest(residual: (lead: number, origin: number) => number, burst = [0.8, 0.8, 0.8]): Accuracy {
  const lead: number[] = [];
  const origin: number[] = [];
  const actual: number[] = [];
  const p90: number[] = [];
  const p99: number[] = [];
  for (let o = 0; o < 3; o++) {
    for (let h = 1; h <= H; h++) {
      lead.push(h);
      origin.push(o);
      p90.push(100);
      p99.push(150);
      actual.push(100 + residual(h, o) + (h === 50 ? 150 * (burst[o] as number) - 100 - residual(h, o) : 0));
    }
  }
  return {
    origins: 3,
    horizonSeconds: H * 300,
    mase: 1,
    wape: 0.2,
    pinball: {},
    coverage: {},
    selectionLoss: 1,
    calibration: { lead, origin, actual, predicted: { '0.5': p90.map((v) => v - 20), '0.9': p90, '0.99': p99 } },
  };
}

function forecastOf(acc: Accuracy, p90: number[], p99 = p90.map((v) => v * 1.5)): Forecast {
  return { model: 'm', stepSeconds: 300, timestamps: p90.map((_, i) => 1e9 + 300 * (i + 1)), quantiles: { '0.5': p90.map((v) => v * 0.8), '0.9': p90, '0.99': p99 }, accuracy: acc };
}

describe('calibratedSize: the smallest capacity within the target share', () => {
  // Residuals spread evenly over −50..+49 (the same at every lead): 1% of them are above +48, 0.5% ... none above +49.
  const spread = (h: number, o: number) => ((h * 7 + o * 31) % 100) - 50;
  const acc = backtest(spread);
  const cal = calibrationOf(acc, 0.9, 0.99)!;

  it('finds the smallest C whose expected under-provisioned share is within the target', () => {
    const fc = forecastOf(acc, new Array<number>(H).fill(100));
    const s = calibratedSize(fc, cal, 0.05)!;
    const pts = fc.quantiles['0.9']!.map((value, i) => ({ value, lead: i + 1 }));
    expect(s.expected).toBeLessThanOrEqual(0.05);
    expect(expectedUnder(cal, pts, s.load - 1e-6)).toBeGreaterThan(0.05);
    expect(s.load).toBeGreaterThan(100 + 40);
    expect(s.load).toBeLessThan(100 + 49);
    // A looser target needs less.
    expect(calibratedSize(fc, cal, 0.2)!.load).toBeLessThan(s.load);
  });

  it('sizes from the shape of the forecast: a narrow peak needs little above it, a broad one more', () => {
    const narrow = new Array<number>(H).fill(50);
    narrow[40] = 100;
    const broad = new Array<number>(H).fill(100);
    const a = calibratedSize(forecastOf(acc, narrow), cal, 0.005)!;
    const b = calibratedSize(forecastOf(acc, broad), cal, 0.005)!;
    // One peak step in 96 may take a 0.5%-share miss more often than 96 peak steps.
    expect(a.load).toBeLessThan(b.load);
    expect(a.margin).toBeLessThan(b.margin);
  });

  it('gives late leads the residuals of late leads (lead-time buckets)', () => {
    // Small misses at short leads, large at long ones.
    const growing = backtest((h, o) => (h <= H / 2 ? ((h + o) % 10) - 5 : ((h * 3 + o) % 60) - 30));
    const c = calibrationOf(growing, 0.9, 0.99)!;
    expect(c.buckets.length).toBe(4);
    const fc = forecastOf(growing, new Array<number>(H).fill(100));
    const early = calibratedSize(fc, c, 0.01, [0, 1, 2, 3, 4, 5])!;
    const late = calibratedSize(fc, c, 0.01, [90, 91, 92, 93, 94, 95])!;
    expect(late.load).toBeGreaterThan(early.load);
    // Early steps are never judged safer than all residuals pooled say.
    expect(early.load).toBeGreaterThanOrEqual(100 + 4);
  });

  it('keeps the lead of a forecast cut to a later window (firstLead)', () => {
    const growing = backtest((h, o) => (h <= H / 2 ? 0 : ((h * 3 + o) % 60) - 30));
    const c = calibrationOf(growing, 0.9, 0.99)!;
    const cut: Forecast = { ...forecastOf(growing, new Array<number>(10).fill(100)), firstLead: 80 };
    const uncut = forecastOf(growing, new Array<number>(10).fill(100));
    expect(calibratedSize(cut, c, 0.01)!.load).toBeGreaterThan(calibratedSize(uncut, c, 0.01)!.load);
  });
});

it('underAt is expectedUnder to the last bit, for any capacity (ties, leads in every bucket, a pooled list)', () => {
  const rand = prng(11);
  for (let trial = 0; trial < 40; trial++) {
    const acc = backtest((h, o) => Math.round(rand() * 40 - 10) + (trial % 2 === 0 ? h / 10 : 0) + o);
    const cal = calibrationOf(acc, 0.9, 0.99)!;
    const steps = Array.from({ length: 1 + Math.floor(rand() * H) }, () => ({ value: Math.round(rand() * 50) * 2, lead: 1 + Math.floor(rand() * H) }));
    const under = underAt(cal, steps);
    for (let k = 0; k < 50; k++) {
      const c = k < 5 ? [-1e9, 0, 100, 120, 1e9][k]! : steps[k % steps.length]!.value + cal.pooled[k % cal.pooled.length]! + (k % 3) - 1;
      expect(Object.is(under(c), expectedUnder(cal, steps, c)), `trial ${trial}, c ${c}`).toBe(true);
    }
  }
  expect(underAt(calibrationOf(backtest(() => 1), 0.9, 0.99)!, [])(5)).toBe(0);
});

describe('the burst guard is earned by the data', () => {
  const flat = () => 0;

  it('applies when at least half the backtest days peaked above the p99 forecast, with the margin they needed', () => {
    const acc = backtest(flat, [1.4, 1.2, 0.9]); // 2 of 3 days above the p99 peak (150): ×1.4 and ×1.2
    const fc = forecastOf(acc, new Array<number>(H).fill(100), new Array<number>(H).fill(150));
    // A 5% target: the residuals alone would let one burst step a day go short.
    const s = calibratedSize(fc, calibrationOf(acc, 0.9, 0.99)!, 0.05)!;
    expect(s.burst).toMatchObject({ days: 2, of: 3, quantile: 0.99 });
    expect(s.burst!.ratio).toBeCloseTo(1.3, 12);
    expect(s.load).toBeCloseTo(150 * 1.3, 9);
  });

  it('does not apply to a workload whose bursts stayed under its p99, or burst once: no blanket p99 floor', () => {
    for (const burst of [[0.8, 0.9, 0.95], [1.5, 0.9, 0.9]]) {
      const acc = backtest(flat, burst);
      const fc = forecastOf(acc, new Array<number>(H).fill(100), new Array<number>(H).fill(150));
      const s = calibratedSize(fc, calibrationOf(acc, 0.9, 0.99)!, 0.05)!;
      expect(s.burst).toBeUndefined();
      expect(s.load).toBeLessThan(150);
    }
  });
});

describe('keepCalibration: what a kept selection holds of its backtest', () => {
  it('sizes exactly as the rows do, from a sixth of the numbers, through the state file', () => {
    const acc = backtest((h, o) => ((h * 7 + o * 13) % 11) - 5 + (h > 60 ? 8 : 0), [1.4, 1.2, 0.9]);
    const kept = keepCalibration(acc, 0.9, 0.99);
    expect(kept.calibration).toBeUndefined();
    // Through JSON, as state.dir keeps it (the numbers survive exactly).
    const restored = JSON.parse(JSON.stringify(kept)) as Accuracy;
    const fc = forecastOf(acc, Array.from({ length: H }, (_, i) => 100 + (i % 9)), new Array<number>(H).fill(150));
    for (const target of [0.005, 0.05, 0.2]) {
      expect(calibratedSize(fc, calibrationOf(restored, 0.9, 0.99)!, target)).toEqual(calibratedSize(fc, calibrationOf(acc, 0.9, 0.99)!, target));
    }
    const numbers = (a: Accuracy) => JSON.stringify(a).split(',').length;
    expect(numbers(kept)).toBeLessThan(numbers(acc) / 3);
    // Kept for another quantile pair: not read as this one's (the cache selects again on a change).
    expect(calibrationOf(keepCalibration(acc, 0.5, 0.99), 0.9, 0.99)).toBeUndefined();
  });
});

describe('recommend() sizes replicas from the backtest when the forecast has one', () => {
  const ISP = new URL('../../test/fixtures/traces/isp_uk_traffic.csv', import.meta.url).pathname;
  const s = traceToSeries(readTraceFile(ISP), 300);
  const n = s.values.length;
  const history = prepareHistory({ timestamps: s.timestamps.slice(n - 14 * 288), values: s.values.slice(n - 14 * 288), stepSeconds: 300 }).series;
  const fc = selectAugur(history, { horizonSteps: 288, quantiles: [0.5, 0.9, 0.99], candidates: augurCandidates(300) });
  const input = {
    target: { kind: 'Deployment' as const, namespace: 'isp', name: 'edge' },
    sizing: SIZING_DEFAULTS,
    autoscaler: 'none' as const,
    current: { replicas: 10 },
    load: history,
    capacityPerReplica: 500,
    capacitySource: { kind: 'given' as const },
  };

  it('on a real cyclic trace: the calibrated count, below the old p90 + 10% / p99 floor, says which quantile and why', () => {
    const r = recommend({ ...input, forecast: fc });
    const c = r.changes.find((x) => x.field === 'replicas')!;
    expect(c.basis.kind).toBe('calibrated');
    if (c.basis.kind !== 'calibrated') return;
    expect(c.proposed).toBe(Math.ceil(c.basis.load / 500 - 1e-9));
    expect(c.basis.target).toBe(0.005);
    expect(c.basis.expected).toBeLessThanOrEqual(0.005);
    expect(r.evidence.calibrated?.load).toBe(c.basis.load);
    // The old rule, on the same forecast without its backtest residuals.
    const { calibration: _c, ...bare } = fc.accuracy!;
    const old = recommend({ ...input, forecast: { ...fc, accuracy: bare } }).changes.find((x) => x.field === 'replicas')!;
    expect(old.basis.kind === 'peak' || old.basis.kind === 'burst').toBe(true);
    expect(c.proposed).toBeLessThan(old.proposed);
  });

  it('a decrease is supported by the last 7 days at the same target, not by their single highest sample', () => {
    const r = recommend({ ...input, current: { replicas: 40 }, forecast: fc });
    const c = r.changes.find((x) => x.field === 'replicas')!;
    const week = history.values.slice(-7 * 288).sort((a, b) => a - b);
    expect(c.observed).toBeLessThanOrEqual(Math.ceil(week[week.length - 1]! / 500));
    expect(c.observed).toBeGreaterThanOrEqual(Math.ceil(week[Math.floor(0.99 * week.length)]! / 500));
  });
});
