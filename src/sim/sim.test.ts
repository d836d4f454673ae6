import { describe, expect, it } from 'vitest';
import type { Series } from '../domain/series.js';
import { hpaReplicas } from './hpa.js';
import { allForecasters } from '../forecast/registry.js';
import { augurPolicy, baselinePolicies, floorOnePolicy, oracleDailyPolicy, oracleHourlyPolicy, staticMaxPolicy, type Policy } from './policies.js';
import { median, simulateTrace, SimError, summarise } from './replay.js';
import { renderJson, renderMarkdown } from './report.js';
import { buildSchedule, expandSchedule } from '../recommend/windows.js';
import { nativeStepSeconds, toSeries } from './trace.js';

const DAY = 86400;
const HOUR = 3600;
const STEP = 300;

function series(days: number, f: (t: number) => number, step = STEP): Series {
  const timestamps: number[] = [];
  const values: number[] = [];
  for (let t = 0; t < days * DAY; t += step) {
    timestamps.push(t);
    values.push(f(t));
  }
  return { timestamps, values, stepSeconds: step };
}

/** 100 from 08:00 to 16:00 UTC, 20 otherwise. */
const squareWave = (t: number): number => {
  const h = (t % DAY) / HOUR;
  return h >= 8 && h < 16 ? 100 : 20;
};

const byName = (r: ReturnType<typeof simulateTrace>, name: string) => {
  const p = r.policies.find((x) => x.policy === name);
  if (!p) throw new Error(`no ${name}`);
  return p;
};

describe('hpaReplicas (HPA lag model)', () => {
  it('scales up one step after the load and down one step after it falls at a 5-minute step', () => {
    // desired = ceil(load / (10 × 0.8)): 10 → 2, 50 → 7
    expect(hpaReplicas([10, 10, 50, 50, 50, 10, 10], 10, 300)).toEqual([2, 2, 2, 7, 7, 7, 2]);
  });
  it('holds the count for the stabilization window before scaling down', () => {
    const load = [10, 10, 50, 50, 50, 10, 10, 10, 10, 10, 10, 10, 10];
    expect(hpaReplicas(load, 10, 60)).toEqual([2, 2, 2, 7, 7, 7, 7, 7, 7, 7, 2, 2, 2]);
  });
  it('keeps the last desired count through missing samples', () => {
    expect(hpaReplicas([50, Number.NaN, Number.NaN, 10, 10], 10, 300)).toEqual([7, 7, 7, 7, 2]);
  });
});

describe('buildSchedule (KEDA cron windows)', () => {
  const day = (prefix: number[], fill = 1): number[] => [...prefix, ...new Array<number>(24 - prefix.length).fill(fill)];
  it('merges adjacent hours with the same count, floor outside the windows', () => {
    const s = buildSchedule(day([1, 2, 2, 3, 3, 1]), 6);
    expect(s).toEqual({ floor: 1, windows: [{ startHour: 1, endHour: 3, replicas: 2 }, { startHour: 3, endHour: 5, replicas: 3 }] });
    expect(expandSchedule(s)).toEqual(day([1, 2, 2, 3, 3, 1]));
  });
  it('a flat day needs no window', () => {
    expect(buildSchedule(new Array<number>(24).fill(3), 6)).toEqual({ floor: 3, windows: [] });
  });
  it('cuts the cheapest cover when there are more runs than windows', () => {
    const hourly = day([1, 1, 4, 4, 1, 1, 1, 1, 2, 2]);
    expect(buildSchedule(hourly, 1).windows).toEqual([{ startHour: 2, endHour: 10, replicas: 4 }]);
    expect(buildSchedule(hourly, 2).windows).toEqual([{ startHour: 2, endHour: 4, replicas: 4 }, { startHour: 8, endHour: 10, replicas: 2 }]);
  });
  it('never gives more than N windows, never an hour below its count', () => {
    const hourly = Array.from({ length: 24 }, (_, h) => (h % 2 === 0 ? 1 : 2 + (h % 5)));
    for (const n of [0, 1, 2, 3, 6]) {
      const s = buildSchedule(hourly, n);
      expect(s.windows.length).toBeLessThanOrEqual(n);
      expandSchedule(s).forEach((r, h) => expect(r).toBeGreaterThanOrEqual(hourly[h] as number));
    }
    // With no window allowed the floor cannot be the lowest hour: everything runs at the day's max.
    expect(buildSchedule([1, 5, 1], 0)).toEqual({ floor: 5, windows: [] });
  });
});

describe('simulateTrace', () => {
  const opts = { capacity: 10, warmupDays: 3 };

  it('square wave: the daily oracle never under-provisions and is its own reference (ratio 1)', () => {
    const r = simulateTrace('square', series(10, squareWave), [oracleDailyPolicy(), oracleHourlyPolicy(), staticMaxPolicy()], opts);
    expect(r.warmupDays).toBe(3);
    expect(r.evaluatedDays).toBe(6);
    const od = byName(r, 'oracle-daily').scenarios;
    expect(od.daily.underProvisioned).toBe(0);
    expect(od.daily.vsDailyOracle).toBe(1);
    expect(od.daily.prs).toBe(0);
    // 10 replicas all day vs 10 for 8 h + 2 for 16 h.
    expect(od.daily.vsHourlyOracle).toBeCloseTo((10 * 24) / (10 * 8 + 2 * 16), 10);
    const oh = byName(r, 'oracle-hourly').scenarios;
    expect(oh.schedule.underProvisioned).toBe(0);
    expect(oh.schedule.vsHourlyOracle).toBe(1);
    expect(oh.schedule.prs).toBe(0);
    // The static 14-day maximum equals the daily oracle on a repeating wave.
    expect(byName(r, 'static-14d-max').scenarios.daily.vsDailyOracle).toBe(1);
  });

  it('a policy one day behind under-provisions every day the load rises: a known share', () => {
    // The level changes at 10:00 UTC, exactly when proposals land (06:00 + 4 h): 100 on odd applied days, 50 on even.
    const level = (t: number): number => (Math.floor((t - 10 * HOUR) / DAY) % 2 === 0 ? 50 : 100);
    const yesterday: Policy = {
      name: 'yesterday',
      kind: 'baseline',
      guarded: true,
      propose: (ctx) => new Array<number>(24).fill(Math.ceil((ctx.history.values[ctx.history.values.length - 1] as number) / ctx.capacity)),
    };
    const r = simulateTrace('steps', series(12, level), [yesterday, oracleDailyPolicy()], { ...opts, stepLimits: { up: 100, down: 100 } });
    expect(r.evaluatedDays).toBe(8);
    const y = byName(r, 'yesterday').scenarios;
    expect(y.daily.underProvisioned).toBe(0.5); // 4 of 8 days
    expect(y.daily.vsDailyOracle).toBeCloseTo(1, 12); // 5,10,5,10,... against 10,5,10,5,...
    expect(y.daily.prs).toBe(7); // a change every day after the first
    expect(y.schedule.prs).toBe(7);
    expect(byName(r, 'oracle-daily').scenarios.daily.prs).toBe(7);
    // With the HPA behind the floor, only the first step of each rise is short.
    expect(y.hpa.underProvisioned).toBeCloseTo(4 / (8 * 288), 12);
  });

  it('the max-step guardrail clamps each proposal against the value in place', () => {
    const jump: Policy = {
      name: 'jump',
      kind: 'baseline',
      guarded: true,
      propose: (ctx) => new Array<number>(24).fill(ctx.proposalTime < 4 * DAY ? 2 : 20),
    };
    const r = simulateTrace('flat', series(10, () => 5), [jump, oracleDailyPolicy()], opts);
    const j = byName(r, 'jump').scenarios;
    // 2 (start) → 4 → 8 → 16 → 20 → 20: four PRs, replica-days 2+4+8+16+20+20 = 70 against the oracle's 1 × 6.
    expect(j.daily.prs).toBe(4);
    expect(j.daily.replicaHours).toBeCloseTo(70 * 24, 6);
    expect(j.daily.vsDailyOracle).toBeCloseTo(70 / 6, 10);
    expect(j.schedule.prs).toBe(4);
    expect(j.hpa.replicaHours).toBeCloseTo(70 * 24, 6);
  });

  it('HPA scenario: floor 1 leaves the HPA alone, short one step per rise', () => {
    const r = simulateTrace('square', series(10, squareWave), [floorOnePolicy()], opts);
    const f = byName(r, 'floor-1').scenarios;
    expect(f.hpa.underProvisioned).toBeCloseTo(1 / 288, 12); // one rising edge a day
    expect(f.daily.underProvisioned).toBe(1); // one replica never carries 20
    expect(f.daily.prs).toBe(0);
  });

  it('augur sizes a repeating wave without under-provisioning', () => {
    const r = simulateTrace('square', series(10, squareWave), [augurPolicy()], opts);
    const a = byName(r, 'augur');
    // The trust guard compares the p90 with seasonal naive on the same backtest, which the wave
    // defeats no less: no proposal is held (under 1 − WAPE ≥ 0.5 the second one was).
    expect(a.missedProposals).toBe(0);
    expect(a.scenarios.daily.underProvisioned).toBe(0);
    expect(a.scenarios.daily.vsDailyOracle).toBeGreaterThanOrEqual(1);
    expect(a.scenarios.daily.vsDailyOracle).toBeLessThan(1.5);
    // The schedule: a window over the busy hours, less off them, never short.
    expect(a.scenarios.schedule.underProvisioned).toBe(0);
    expect(a.scenarios.schedule.vsDailyOracle).toBeLessThan(a.scenarios.daily.vsDailyOracle);
  });

  it('defaults capacity to peak / 20 and warm-up to half the trace', () => {
    const r = simulateTrace('square', series(10, squareWave), [oracleDailyPolicy()]);
    expect(r.capacity).toBe(5);
    expect(r.warmupDays).toBe(5);
  });

  it('refuses traces too short to evaluate', () => {
    expect(() => simulateTrace('short', series(4, squareWave), [oracleDailyPolicy()], opts)).toThrow(SimError);
    expect(() => simulateTrace('empty', { timestamps: [], values: [], stepSeconds: 300 }, [oracleDailyPolicy()])).toThrow(SimError);
  });

  it('is deterministic and summarises medians per scenario', () => {
    const run = () => [1, 2, 3].map((k) => simulateTrace(`t${k}`, series(10, (t) => squareWave(t) * k), [staticMaxPolicy(), oracleDailyPolicy()], { warmupDays: 3 }));
    const a = run();
    const s = summarise(a);
    expect(s.daily.map((x) => x.policy)).toEqual(['static-14d-max', 'oracle-daily']);
    expect(s.daily[1]?.vsDailyOracle).toBe(1);
    expect(s.daily[1]?.traces).toBe(3);
    const report = { settings: {} as never, traces: a, skipped: [], summary: s };
    expect(renderJson(report)).toBe(renderJson({ ...report, traces: run(), summary: summarise(run()) }));
    const md = renderMarkdown({ ...report, settings: { capacity: 'x', proposalHourUtc: 6, reviewDelayHours: 4, maxStepPercent: { up: 100, down: 30 }, quantile: 0.9, headroom: 0.1, targetUnderProvisioned: 0.005, historyDays: 14, warmup: 'w', maxWindows: 6, hpa: { targetUtilization: 0.8, stabilizationSeconds: 300, scaleUpLagSteps: 1 } } });
    expect(md).toContain('How to read this');
    expect(md).toContain('| oracle-daily | oracle | 0.0% | 1.00 |');
  });

  it('median', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 2, 3])).toBe(2.5);
    expect(median([Number.NaN])).toBeNaN();
  });
});

describe('policies', () => {
  it('every baseline of the forecast registry is a policy, in the registry order', () => {
    const want = allForecasters(300).filter((e) => e.kind === 'baseline').map((e) => e.model.name);
    expect(want.length).toBeGreaterThan(0);
    expect(baselinePolicies(300).map((p) => p.name)).toEqual(want);
  });
  it('a baseline sizes the repeating wave from its own forecast', () => {
    const r = simulateTrace('square', series(10, squareWave), baselinePolicies(300), { capacity: 10, warmupDays: 3 });
    for (const p of r.policies) {
      expect(p.missedProposals).toBe(0);
      expect(p.scenarios.daily.vsDailyOracle).toBeGreaterThan(0);
    }
  });
});

describe('trace resampling', () => {
  it('uses the median interval rounded to a minute', () => {
    expect(nativeStepSeconds([0, 300, 600, 1200])).toBe(300);
    expect(nativeStepSeconds([0, 256, 512, 768])).toBe(240);
    expect(nativeStepSeconds([0, 1800, 3600])).toBe(1800);
  });
  it('puts samples on a grid aligned to the step, NaN in gaps', () => {
    const s = toSeries({ timestamps: [0, 300, 600, 1800, 2100], values: [1, 2, 3, 4, 5] });
    expect(s.stepSeconds).toBe(300);
    expect(s.timestamps).toEqual([0, 300, 600, 900, 1200, 1500, 1800, 2100]);
    expect(s.values.map((v) => (Number.isNaN(v) ? null : v))).toEqual([1, 2, 3, null, null, null, 4, 5]);
  });
});
