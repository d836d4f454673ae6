import { describe, expect, it } from 'vitest';
import { SIZING_DEFAULTS, type Sizing } from '../config/schema.js';
import type { Change } from '../domain/decision.js';
import type { FieldKey } from '../domain/workload.js';
import type { Forecast } from '../domain/forecast.js';
import type { Series } from '../domain/series.js';
import { deriveCapacity, recommend, roundCpu, roundMemory, type RecommendInput } from './index.js';

const Mi = 2 ** 20;
const Gi = 2 ** 30;
const HOUR = 3600;
const T0 = Date.parse('2026-06-01T00:00:00Z') / 1000;

function series(values: number[], step = HOUR, start = T0): Series {
  return { timestamps: values.map((_, i) => start + i * step), values, stepSeconds: step };
}

function forecast(quantiles: Record<string, number[]>, step = HOUR): Forecast {
  const n = Object.values(quantiles)[0]!.length;
  return {
    model: 'seasonal-naive(daily)',
    stepSeconds: step,
    timestamps: Array.from({ length: n }, (_, i) => T0 + 14 * 86_400 + (i + 1) * step),
    quantiles,
  };
}

const constant = (n: number, v: number) => Array.from({ length: n }, () => v);
/** 24 hourly values at `base`, with one value at `peak`. */
const day = (base: number, peak: number) => [...constant(23, base), peak];

function input(over: Partial<RecommendInput> = {}, sizing: Partial<Sizing> = {}): RecommendInput {
  return {
    target: { kind: 'Deployment', namespace: 'shop', name: 'web' },
    sizing: { ...SIZING_DEFAULTS, ...sizing },
    autoscaler: 'none',
    current: { replicas: 8 },
    load: series(constant(14 * 24, 500)),
    forecast: forecast({ '0.5': constant(24, 800), '0.9': day(900, 1000), '0.99': day(1000, 1080) }),
    capacityPerReplica: 100,
    capacitySource: { kind: 'given' },
    ...over,
  };
}

const fieldOf = (changes: Change[], f: FieldKey) => changes.find((c) => c.field === f);

describe('recommend: replicas without an autoscaler', () => {
  it('sizes replicas as ceil(peak × (1 + headroom) ÷ capacity)', () => {
    const r = recommend(input());
    // p90 peak 1000 × 1.1 ÷ 100 = 11.
    expect(r.changes).toHaveLength(1);
    expect(r.changes[0]).toMatchObject({ field: 'replicas', current: 8, proposed: 11 });
    expect(r.changes[0]!.basis).toEqual({ kind: 'peak', load: 1000, quantile: 0.9, headroom: 1.1, perReplica: 100 });
    expect(r.evidence).toMatchObject({
      forecastPeak: 1000,
      quantile: 0.9,
      horizonSeconds: 24 * HOUR,
      capacityPerReplica: 100,
      capacitySource: { kind: 'given' },
      headroomPercent: 10,
      owner: { kind: 'none' },
      expectedReplicas: 11,
      historySteps: 14 * 24,
    });
    expect(r.evidence.oomKills).toBeUndefined();
  });

  it('uses the configured quantile and headroom', () => {
    const r = recommend(input({}, { quantile: 0.99, headroomPercent: 50 }));
    // p99 peak 1080 × 1.5 ÷ 100 = 16.2 → 17.
    expect(fieldOf(r.changes, 'replicas')!.proposed).toBe(17);
  });

  it('rounds up a fractional replica count', () => {
    const r = recommend(input({ forecast: forecast({ '0.9': day(100, 910) }) }));
    // 910 × 1.1 ÷ 100 = 10.01 → 11.
    expect(fieldOf(r.changes, 'replicas')!.proposed).toBe(11);
  });

  // 3000 × 1.1 ÷ 100 is 33.000000000000004 in floating point: that is 33 replicas, not 34.
  it('does not add a replica for floating-point noise (3000 × 1.1 ÷ 100 = 33)', () => {
    const r = recommend(input({ forecast: forecast({ '0.9': day(100, 3000) }) }));
    expect(fieldOf(r.changes, 'replicas')!.proposed).toBe(33);
  });

  it('never proposes fewer than one replica', () => {
    const r = recommend(input({ forecast: forecast({ '0.9': constant(24, 0) }), load: series(constant(336, 0)) }));
    expect(fieldOf(r.changes, 'replicas')).toMatchObject({ proposed: 1, observed: 1 });
  });

  it('gives, as evidence for a scale-down, what the last 7 days of observed load need', () => {
    // Two weeks: 5000 the first week, 500 the last: only the last 7 days count.
    const load = series([...constant(7 * 24, 5000), ...constant(7 * 24, 500)]);
    const r = recommend(input({ load }));
    // 500 × 1.1 ÷ 100 = 5.5 → 6.
    expect(fieldOf(r.changes, 'replicas')!.observed).toBe(6);
    expect(r.evidence.observedSeconds).toBe(7 * 86_400);
    expect(r.evidence.observedPeak).toBe(500);
  });

  it('takes the observed peak of the window, ignoring missing samples', () => {
    const values = constant(14 * 24, 200);
    values[values.length - 5] = 900;
    values[values.length - 3] = NaN;
    const r = recommend(input({ load: series(values) }));
    // 900 × 1.1 ÷ 100 = 9.9 → 10.
    expect(fieldOf(r.changes, 'replicas')!.observed).toBe(10);
  });

  it('never sizes below the forecast p99: a burst above p90 + headroom gets its replicas', () => {
    const r = recommend(input({ forecast: forecast({ '0.5': constant(24, 800), '0.9': day(900, 1000), '0.99': day(1000, 1450) }) }));
    // p90: 1000 × 1.1 ÷ 100 = 11; p99: 1450 ÷ 100 = 14.5 → 15.
    expect(r.changes[0]).toMatchObject({ field: 'replicas', proposed: 15 });
    expect(r.changes[0]!.basis).toEqual({ kind: 'burst', load: 1450, quantile: 0.99, perReplica: 100, sized: { load: 1000, quantile: 0.9, headroom: 1.1 } });
  });

  it('proposes no replica change when the manifest has no replicas field', () => {
    const r = recommend(input({ current: {} }));
    expect(r.changes).toEqual([]);
    expect(r.evidence.expectedReplicas).toBe(11);
  });

  it('throws when the forecast lacks the sizing quantile', () => {
    expect(() => recommend(input({ forecast: forecast({ '0.5': constant(24, 1) }) }))).toThrow(/no 0\.9 quantile/);
  });
});

describe('recommend: HPA bounds', () => {
  // 14 days, hourly: 1000 all day except one trough per day; day d has a trough of 50 × d.
  const load = series(Array.from({ length: 14 }, (_, d) => [...constant(3, 1000), 50 * d, ...constant(20, 1000)]).flat());
  const hpaInput = (over: Partial<RecommendInput> = {}) =>
    input({
      autoscaler: 'hpa',
      current: { replicas: 3, 'hpa.minReplicas': 2, 'hpa.maxReplicas': 10 },
      load,
      forecast: forecast({ '0.5': constant(24, 200), '0.9': day(300, 1000), '0.99': day(300, 1500) }),
      ...over,
    });

  it('sizes minReplicas for the median trough and maxReplicas for the maxQuantile peak, never spec.replicas', () => {
    const r = recommend(hpaInput());
    expect(r.changes.map((c) => c.field)).toEqual(['hpa.minReplicas', 'hpa.maxReplicas']);
    // Median trough 200 × 1.1 ÷ 100 = 2.2 → 3; p99 peak 1500 × 1.1 ÷ 100 = 16.5 → 17.
    expect(fieldOf(r.changes, 'hpa.minReplicas')).toMatchObject({ current: 2, proposed: 3 });
    expect(fieldOf(r.changes, 'hpa.maxReplicas')).toMatchObject({ current: 10, proposed: 17 });
    expect(r.evidence.owner).toEqual({ kind: 'hpa', minReplicas: 2, maxReplicas: 10 });
    expect(fieldOf(r.changes, 'hpa.minReplicas')!.basis).toMatchObject({ kind: 'trough', load: 200 });
    expect(fieldOf(r.changes, 'hpa.maxReplicas')!.basis).toMatchObject({ kind: 'ceiling', load: 1500, quantile: 0.99 });
  });

  it('takes the evidence for lowering the floor from the highest daily trough of the last 7 days', () => {
    const r = recommend(hpaInput());
    // Days 7..13 have troughs 350..650: the floor is supported down to 650 × 1.1 ÷ 100 = 7.15 → 8.
    expect(fieldOf(r.changes, 'hpa.minReplicas')!.observed).toBe(8);
    // The ceiling's evidence is the observed peak: 1000 × 1.1 ÷ 100 = 11.
    expect(fieldOf(r.changes, 'hpa.maxReplicas')!.observed).toBe(11);
  });

  it('keeps maxReplicas at least the proposed minReplicas', () => {
    const r = recommend(hpaInput({ forecast: forecast({ '0.5': constant(24, 900), '0.9': constant(24, 300), '0.99': constant(24, 300) }) }));
    expect(fieldOf(r.changes, 'hpa.minReplicas')!.proposed).toBe(10);
    expect(fieldOf(r.changes, 'hpa.maxReplicas')!.proposed).toBe(10);
  });

  it('falls back to the sizing quantile when maxQuantile is missing', () => {
    const r = recommend(hpaInput({ forecast: forecast({ '0.5': constant(24, 200), '0.9': day(300, 1000) }) }));
    expect(fieldOf(r.changes, 'hpa.maxReplicas')!.proposed).toBe(11);
  });

  it('changes only the bounds the manifest has', () => {
    const r = recommend(hpaInput({ current: { 'hpa.maxReplicas': 10 } }));
    expect(r.changes.map((c) => c.field)).toEqual(['hpa.maxReplicas']);
  });

  it('expects, on average, the median forecast within the current bounds', () => {
    const median = [...constant(12, 200), ...constant(12, 2000)];
    const r = recommend(hpaInput({ forecast: forecast({ '0.5': median, '0.9': median, '0.99': median }) }));
    // 200 → 3 replicas, 2000 → 22 clamped to the current max 10: mean 6.5.
    expect(r.evidence.expectedReplicas).toBe(6.5);
  });
});

describe('recommend: CPU and memory', () => {
  // 101 samples 0.00 .. 1.00 cores, shuffled with gaps: p95 = 0.95.
  const cpuValues = Array.from({ length: 101 }, (_, i) => ((i * 37) % 101) / 100);
  const cpu = series([...cpuValues, NaN, NaN], 300);

  it('sizes the CPU request at the percentile plus margin, rounded up to millicores', () => {
    const r = recommend(input({ current: { 'cpu.request': 0.5 }, cpu }));
    // 0.95 × 1.15 = 1.0925 → 1.093.
    expect(fieldOf(r.changes, 'cpu.request')).toMatchObject({ current: 0.5, proposed: 1.093, observed: 1.093 });
    expect(fieldOf(r.changes, 'cpu.request')!.basis).toMatchObject({ kind: 'cpuPercentile', percentile: 95, marginPercent: 15 });
  });

  it('uses the configured percentile and margin', () => {
    const r = recommend(input({ current: { 'cpu.request': 0.5 }, cpu }, { cpuPercentile: 50, cpuMarginPercent: 0 }));
    expect(fieldOf(r.changes, 'cpu.request')!.proposed).toBe(0.5);
  });

  it('keeps the CPU limit/request ratio', () => {
    const r = recommend(input({ current: { 'cpu.request': 0.5, 'cpu.limit': 1 }, cpu }));
    expect(fieldOf(r.changes, 'cpu.limit')).toMatchObject({ current: 1, proposed: 2.186 });
  });

  it('sizes the memory request at the peak plus margin, rounded up to MiB', () => {
    const memory = series([0.5 * Gi, Gi, 0.8 * Gi, NaN]);
    const r = recommend(input({ current: { 'memory.request': Gi }, memory }));
    // 1 GiB × 1.15 = 1177.6 MiB → 1178 MiB.
    expect(fieldOf(r.changes, 'memory.request')).toMatchObject({ current: Gi, proposed: 1178 * Mi });
  });

  it('after OOM kills, raises memory at least oomBumpPercent over the current request', () => {
    const memory = series([0.5 * Gi, Gi]);
    const oomKills = series([0, 0, 2, 0]);
    const r = recommend(input({ current: { 'memory.request': Gi }, memory, oomKills }));
    // max(1178 MiB from the peak, 1 GiB × 1.25 = 1280 MiB).
    expect(fieldOf(r.changes, 'memory.request')!.proposed).toBe(1280 * Mi);
    expect(fieldOf(r.changes, 'memory.request')!.basis).toEqual({ kind: 'oomBump', ooms: 2, bumpPercent: 25, peak: Gi });
    expect(r.evidence.oomKills).toBe(2);
  });

  it('after OOM kills, keeps the peak-based size when it is higher than the bump', () => {
    const r = recommend(input({ current: { 'memory.request': Gi }, memory: series([2 * Gi]), oomKills: series([1]) }));
    // 2 GiB × 1.15 = 2355.2 MiB → 2356 MiB > 1280 MiB.
    expect(fieldOf(r.changes, 'memory.request')!.proposed).toBe(2356 * Mi);
  });

  it('without OOM kills, does not bump', () => {
    const r = recommend(input({ current: { 'memory.request': 2 * Gi }, memory: series([Gi]), oomKills: series([0, 0]) }));
    expect(fieldOf(r.changes, 'memory.request')!.proposed).toBe(1178 * Mi);
    expect(r.evidence.oomKills).toBe(0);
  });

  it('keeps the memory limit/request ratio, and never proposes a limit below the request', () => {
    const memory = series([Gi]);
    const twice = recommend(input({ current: { 'memory.request': Gi, 'memory.limit': 2 * Gi }, memory }));
    expect(fieldOf(twice.changes, 'memory.limit')!.proposed).toBe(2356 * Mi);
    const below = recommend(input({ current: { 'memory.request': Gi, 'memory.limit': 512 * Mi }, memory }));
    expect(fieldOf(below.changes, 'memory.limit')!.proposed).toBe(1178 * Mi);
  });

  it('proposes no change for a field the manifest does not have', () => {
    const memory = series([Gi]);
    const r = recommend(input({ current: { replicas: 8, 'cpu.limit': 1, 'memory.limit': Gi }, cpu, memory }));
    expect(r.changes.map((c) => c.field)).toEqual(['replicas']);
    const onlyRequests = recommend(input({ current: { 'cpu.request': 0.5, 'memory.request': Gi }, cpu, memory }));
    expect(onlyRequests.changes.map((c) => c.field)).toEqual(['cpu.request', 'memory.request']);
  });

  it('proposes no resource change without usage data', () => {
    const r = recommend(input({ current: { 'cpu.request': 0.5, 'memory.request': Gi } }));
    expect(r.changes).toEqual([]);
    const gaps = recommend(input({ current: { 'cpu.request': 0.5, 'memory.request': Gi }, cpu: series([NaN, NaN]), memory: series([NaN]) }));
    expect(gaps.changes).toEqual([]);
  });
});

describe('deriveCapacity', () => {
  it('is the median load per core used × the CPU request × the target utilization', () => {
    const cpu = Array.from({ length: 24 }, (_, i) => 1 + i / 10);
    const load = cpu.map((c) => c * 10);
    // Three bursts with a much higher ratio do not move the median.
    load[3] = cpu[3]! * 100;
    load[9] = cpu[9]! * 100;
    load[15] = cpu[15]! * 100;
    const d = deriveCapacity(series(load), series(cpu), 0.5, 0.8);
    expect(d).toBeDefined();
    expect(d!.perReplica).toBeCloseTo(10 * 0.5 * 0.8, 9);
    expect(d!.source).toMatchObject({ kind: 'derived', cpuRequest: 0.5, targetUtilization: 0.8 });
    expect((d!.source as { perCore: number }).perCore).toBeCloseTo(10, 9);
  });

  it('aligns the two series at their ends', () => {
    const cpu = Array.from({ length: 24 }, (_, i) => 1 + i);
    const load = [...constant(6, 999), ...cpu.map((c) => c * 10)];
    expect(deriveCapacity(series(load), series(cpu), 1, 1)!.perReplica).toBeCloseTo(10, 9);
  });

  it('skips missing, zero and negative points, and gives up below 12 usable ones', () => {
    const cpu = [...constant(11, 2), 0, NaN, 2, -1];
    const load = [...constant(11, 20), 5, 5, NaN, 5];
    expect(deriveCapacity(series(load), series(cpu), 1, 1)).toBeUndefined();
    const enough = deriveCapacity(series([...load, 20]), series([...cpu, 2]), 1, 1);
    expect(enough!.perReplica).toBe(10);
  });
});

describe('roundCpu and roundMemory', () => {
  it('rounds CPU up to whole millicores, without adding one for float noise', () => {
    expect(roundCpu(0.1234)).toBe(0.124);
    expect(roundCpu(0.1)).toBe(0.1);
    expect(roundCpu(0.1 + 0.2)).toBe(0.3);
    expect(roundCpu(1.0925)).toBe(1.093);
    expect(roundCpu(2)).toBe(2);
  });

  it('rounds memory up to whole MiB', () => {
    expect(roundMemory(1)).toBe(Mi);
    expect(roundMemory(Mi)).toBe(Mi);
    expect(roundMemory(Mi + 1)).toBe(2 * Mi);
    expect(roundMemory(1.15 * Gi)).toBe(1178 * Mi);
  });
});
