import { describe, expect, it } from 'vitest';
import { SIZING_DEFAULTS } from '../config/schema.js';
import type { CronWindowTrigger, ScaledObjectSite } from '../domain/workload.js';
import type { Forecast } from '../domain/forecast.js';
import type { Series } from '../domain/series.js';
import { recommend } from './index.js';
import { hourlyFromTriggers } from '../domain/schedule.js';
import { recommendSchedule, runningByHour, scheduleTriggers, type ScheduleInput } from './schedule.js';
import { buildSchedule, expandSchedule } from './windows.js';

const STEP = 300;
const DAY = 288;
// Monday 2026-03-23 00:00 UTC; Europe/Berlin moves to summer time on Sunday 2026-03-29.
const T0 = Date.parse('2026-03-23T00:00:00Z') / 1000;

/** Business hours 09:00–17:00 UTC at `high`, `low` otherwise, for `days` days from `start`. */
function business(days: number, low: number, high: number, start = T0): Series {
  const values = Array.from({ length: days * DAY }, (_, i) => {
    const hour = Math.floor((i % DAY) / 12);
    return hour >= 9 && hour < 17 ? high : low;
  });
  return { stepSeconds: STEP, values, timestamps: values.map((_, i) => start + i * STEP) };
}

/** A forecast of the next day equal to the pattern (every quantile alike). */
function nextDay(history: Series, low: number, high: number): Forecast {
  const last = history.timestamps.at(-1)!;
  const timestamps = Array.from({ length: DAY }, (_, i) => last + (i + 1) * STEP);
  const band = timestamps.map((t) => {
    const hour = Math.floor((t % 86_400) / 3600);
    return hour >= 9 && hour < 17 ? high : low;
  });
  return { model: 'test', stepSeconds: STEP, timestamps, quantiles: { '0.5': band, '0.9': band } };
}

const site = (over: Partial<ScaledObjectSite> = {}): ScaledObjectSite => ({
  file: 'apps/web/keda.yaml',
  documentIndex: 0,
  label: 'ScaledObject/web',
  minReplicaCount: 2,
  maxReplicaCount: 30,
  augurTriggers: [],
  otherTriggers: ['cpu'],
  ...over,
});

function input(over: Partial<ScheduleInput> = {}): ScheduleInput {
  const load = business(14, 100, 1000);
  return { forecast: nextDay(load, 100, 1000), load, quantile: 0.9, maxQuantile: 0.99, headroomPercent: 10, capacityPerReplica: 100, site: site(), timezone: 'UTC', maxWindows: 4, ...over };
}

describe('recommendSchedule', () => {
  it('turns a daily cycle into one window over the busy hours, above the ScaledObject floor', () => {
    const r = recommendSchedule(input());
    if (!('schedule' in r)) throw new Error(JSON.stringify(r.skipped));
    // 1000 × 1.1 ÷ 100 = 11 replicas from 09:00 to 17:00; 100 × 1.1 ÷ 100 → 2 = the floor elsewhere.
    expect(r.schedule.proposed).toEqual<CronWindowTrigger[]>([{ name: 'augur-window-1', timezone: 'UTC', start: '0 9 * * *', end: '0 17 * * *', desiredReplicas: 11 }]);
    expect(r.schedule.floor).toBe(2);
    expect(r.schedule.ceiling).toBe(30);
    expect(r.schedule.hourlyNeed.slice(8, 18)).toEqual([2, 11, 11, 11, 11, 11, 11, 11, 11, 2]);
    expect(r.schedule.cycle).toEqual({ period: 'daily', autocorrelation: expect.closeTo(1, 2) });
    expect(hourlyFromTriggers(r.schedule.proposed, r.schedule.floor)).toEqual(r.schedule.hourlyNeed);
  });

  it('writes the windows in the target time zone, correct across a DST change', () => {
    // Forecast for Sunday 29 March: Berlin is UTC+1 until 02:00 local, UTC+2 after.
    const load = business(6, 100, 1000);
    const r = recommendSchedule(input({ load, forecast: nextDay(load, 100, 1000), timezone: 'Europe/Berlin' }));
    if (!('schedule' in r)) throw new Error(JSON.stringify(r.skipped));
    // 09:00–17:00 UTC is 11:00–19:00 in Berlin summer time.
    expect(r.schedule.proposed).toEqual([{ name: 'augur-window-1', timezone: 'Europe/Berlin', start: '0 11 * * *', end: '0 19 * * *', desiredReplicas: 11 }]);
  });

  it('joins a window over midnight into one trigger', () => {
    const load = business(14, 1000, 100); // busy outside 09–17 UTC
    const r = recommendSchedule(input({ load, forecast: nextDay(load, 1000, 100) }));
    if (!('schedule' in r)) throw new Error(JSON.stringify(r.skipped));
    expect(r.schedule.proposed).toEqual([{ name: 'augur-window-1', timezone: 'UTC', start: '0 17 * * *', end: '0 9 * * *', desiredReplicas: 11 }]);
    expect(hourlyFromTriggers(r.schedule.proposed, 2)).toEqual(r.schedule.hourlyNeed);
  });

  it('treats the day as a circle: a window over midnight is one window against maxWindows', () => {
    // 6 replicas from 20:00 to 04:00, 5 from 11:00 to 13:00, the floor (4) otherwise: two windows
    // are enough only when the night is one window.
    const need = Array.from({ length: 24 }, (_, h) => (h >= 20 || h < 4 ? 6 : h >= 11 && h < 13 ? 5 : 4));
    const t = scheduleTriggers(need, 2, 4, 'UTC');
    expect(t.map((x) => [x.start, x.end, x.desiredReplicas])).toEqual([
      ['0 11 * * *', '0 13 * * *', 5],
      ['0 20 * * *', '0 4 * * *', 6],
    ]);
    expect(hourlyFromTriggers(t, 4)).toEqual(need);
  });

  it('writes a window over the whole day as two triggers (KEDA refuses start = end)', () => {
    const load = business(14, 960, 1000);
    const r = recommendSchedule(input({ load, forecast: nextDay(load, 960, 1000) }));
    if (!('schedule' in r)) throw new Error(JSON.stringify(r.skipped));
    expect(r.schedule.proposed.map((t) => [t.start, t.end, t.desiredReplicas])).toEqual([
      ['0 0 * * *', '0 12 * * *', 11],
      ['0 12 * * *', '0 0 * * *', 11],
    ]);
    expect(hourlyFromTriggers(r.schedule.proposed, 2)).toEqual(r.schedule.hourlyNeed);
  });

  it('never goes above the ScaledObject maxReplicaCount, and uses at most maxWindows windows', () => {
    const r = recommendSchedule(input({ site: site({ maxReplicaCount: 8 }) }));
    if (!('schedule' in r)) throw new Error(JSON.stringify(r.skipped));
    expect(r.schedule.proposed[0]!.desiredReplicas).toBe(8);
    // A staircase of 6 levels with 2 windows allowed: every hour still gets at least its need.
    const stairs = [1, 1, 2, 3, 4, 5, 6, 6, 5, 4, 3, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1];
    const s = buildSchedule(stairs, 2, 1);
    expect(s.windows.length).toBeLessThanOrEqual(2);
    expect(expandSchedule(s).every((r, h) => r >= stairs[h]!)).toBe(true);
  });

  it('skips, saying why, without a ScaledObject or without a clear cycle', () => {
    const none = recommendSchedule(input({ site: undefined }));
    expect(none).toEqual({ skipped: { kind: 'noScaledObject' } });
    let x = 1;
    const noise = Array.from({ length: 14 * DAY }, () => ((x = (x * 48271) % 2147483647) / 2147483647) * 1000);
    const flat: Series = { stepSeconds: STEP, values: noise, timestamps: noise.map((_, i) => T0 + i * STEP) };
    const r = recommendSchedule(input({ load: flat }));
    const skipped = 'skipped' in r ? r.skipped : undefined;
    expect(skipped).toMatchObject({ kind: 'noCycle', day: expect.any(Number) });
    expect(Math.abs((skipped as { day: number }).day)).toBeLessThan(0.3);
  });
});

describe('runningByHour: the replica curve a schedule is costed above', () => {
  it('takes the median day of each local hour, so one busy day does not raise every day', () => {
    // 3 replicas in business hours, 1 otherwise; one day runs 20 all day (a load test).
    const s = business(7, 1, 3);
    for (let i = 2 * DAY; i < 3 * DAY; i++) s.values[i] = 20;
    const r = recommendSchedule(input({ running: s }));
    if (!('schedule' in r)) throw new Error(JSON.stringify(r.skipped));
    expect(r.schedule.running).toEqual(Array.from({ length: 24 }, (_, h) => (h >= 9 && h < 17 ? 3 : 1)));
  });

  it('is in the schedule time zone, and averages within the hour before the median', () => {
    // 4 replicas for the first half of 09:00 UTC, 2 for the second: 3 on average at 10:00 in Berlin (CET, UTC+1).
    const s = business(3, 2, 2);
    for (let i = 0; i < s.values.length; i++) if (Math.floor((i % DAY) / 12) === 9 && i % 12 < 6) s.values[i] = 4;
    expect(runningByHour(s, 'Europe/Berlin')?.[10]).toBe(3);
    expect(runningByHour(s, 'Europe/Berlin')?.[9]).toBe(2);
  });

  it('says nothing when an hour has no sample, and leaves the schedule without a curve', () => {
    const s = business(1, 1, 3);
    s.values.fill(Number.NaN, 0, 12);
    expect(runningByHour(s, 'UTC')).toBeUndefined();
    const r = recommendSchedule(input({ running: s }));
    expect('schedule' in r && r.schedule.running).toBeUndefined();
  });
});

describe('recommend with sizing.schedule', () => {
  const base = {
    target: { kind: 'Deployment' as const, namespace: 'shop', name: 'web' },
    autoscaler: 'hpa' as const,
    current: {},
    capacityPerReplica: 100,
    capacitySource: { kind: 'given' as const },
  };
  it('adds the schedule only when enabled, in the configured time zone', () => {
    const load = business(14, 100, 1000);
    const forecast = nextDay(load, 100, 1000);
    const off = recommend({ ...base, sizing: SIZING_DEFAULTS, load, forecast: { ...forecast, quantiles: { ...forecast.quantiles, '0.99': forecast.quantiles['0.9']! } }, scaledObject: site() });
    expect(off.schedule).toBeUndefined();
    const on = recommend({
      ...base,
      sizing: { ...SIZING_DEFAULTS, schedule: { enabled: true, maxWindows: 4, timezone: 'America/New_York' } },
      load,
      forecast: { ...forecast, quantiles: { ...forecast.quantiles, '0.99': forecast.quantiles['0.9']! } },
      scaledObject: site(),
      timezone: 'UTC',
    });
    expect(on.schedule?.timezone).toBe('America/New_York');
    expect(on.schedule?.proposed[0]).toMatchObject({ start: '0 5 * * *', end: '0 13 * * *', desiredReplicas: 11 });
    expect(on.schedule?.cycle.period).toBe('daily');
    const missing = recommend({ ...base, sizing: { ...SIZING_DEFAULTS, schedule: { enabled: true, maxWindows: 4 } }, load, forecast: { ...forecast, quantiles: { ...forecast.quantiles, '0.99': forecast.quantiles['0.9']! } } });
    expect(missing.schedule).toBeUndefined();
    expect(missing.scheduleSkipped).toEqual({ kind: 'noScaledObject' });
  });
});
