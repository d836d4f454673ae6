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

  it('skips a forecast step that is not finite instead of dropping its whole hour to the floor', () => {
    const base = input();
    const band = [...base.forecast.quantiles['0.9']!];
    // The first 5-minute step of 10:00 (UTC; the forecast starts at midnight) is NaN: the hour keeps its window from the other eleven.
    const i = base.forecast.timestamps.findIndex((t) => Math.floor((t % 86_400) / 3600) === 10);
    band[i] = Number.NaN;
    const r = recommendSchedule({ ...base, forecast: { ...base.forecast, quantiles: { ...base.forecast.quantiles, '0.9': band } } });
    if (!('schedule' in r)) throw new Error(JSON.stringify(r.skipped));
    expect(r.schedule.hourlyNeed[10]).toBe(11);
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

  it('over the week, takes the median day of each day type', () => {
    // Weekdays run 6 from 09 to 17, weekends 2 all day.
    const s = weekdaysOnly(14, 2, 6);
    const week = runningByHour(s, 'UTC', 168)!;
    expect(week).toHaveLength(168);
    expect(week[3 * 24 + 10]).toBe(6); // Wednesday 10:00
    expect(week[6 * 24 + 10]).toBe(2); // Saturday 10:00
    expect(runningByHour(s, 'UTC')![10]).toBe(6); // the median day over all days is a weekday
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

// ---------------------------------------------------------------------------------------------
// Weekday and weekend windows: the weekly shape of the history decides, the week's 168 hours carry them.

/** Business hours 09:00–17:00 UTC at `high` on weekdays only; `low` otherwise (nights, weekends). */
function weekdaysOnly(days: number, low: number, high: number, start = T0): Series {
  const values = Array.from({ length: days * DAY }, (_, i) => {
    const t = start + i * STEP;
    const weekday = new Date(t * 1000).getUTCDay();
    const hour = Math.floor((i % DAY) / 12);
    return weekday >= 1 && weekday <= 5 && hour >= 9 && hour < 17 ? high : low;
  });
  return { stepSeconds: STEP, values, timestamps: values.map((_, i) => start + i * STEP) };
}

/** A forecast of the day after the history that repeats the same day a week earlier (every quantile alike). */
function sameDayLastWeek(history: Series): Forecast {
  const last = history.timestamps.at(-1)!;
  const timestamps = Array.from({ length: DAY }, (_, i) => last + (i + 1) * STEP);
  const band = timestamps.map((_, i) => history.values[history.values.length - 7 * DAY + i] as number);
  return { model: 'test', stepSeconds: STEP, timestamps, quantiles: { '0.5': band, '0.9': band } };
}

describe('hourlyFromTriggers over the week', () => {
  const t = (start: string, end: string, desiredReplicas: number): CronWindowTrigger => ({ name: 'augur-window-1', timezone: 'UTC', start, end, desiredReplicas });
  const day = (week: number[], d: number) => week.slice(d * 24, d * 24 + 24);

  it('reads day-of-week windows, a window ending at midnight on the next days, and daily windows on every day', () => {
    const week = hourlyFromTriggers([t('0 8 * * 1-5', '0 18 * * 1-5', 5), t('0 20 * * 0,6', '0 0 * * 0,1', 3), t('0 23 * * *', '0 1 * * *', 2)], 1, 168);
    const wed = day(week, 3);
    expect(wed.slice(7, 19)).toEqual([1, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 1]);
    expect(wed[23]).toBe(2);
    expect(day(week, 6).slice(19)).toEqual([1, 3, 3, 3, 3]); // Saturday 20:00 to Sunday 00:00
    expect(day(week, 0).slice(19)).toEqual([1, 3, 3, 3, 3]); // Sunday 20:00 to Monday 00:00
    expect(day(week, 1)[0]).toBe(2); // Monday 00:00: only the daily 23:00–01:00 window
    expect(day(week, 1)[8]).toBe(5);
    expect(day(week, 6)[8]).toBe(1);
  });

  it('reads the cron spellings croner parses (day names, 7 for Sunday) and wraps Saturday night into Sunday', () => {
    const week = hourlyFromTriggers([t('0 22 * * SAT', '0 2 * * SUN', 4), t('0 6 * * 7', '0 7 * * 7', 9)], 1, 168);
    expect(day(week, 6).slice(21)).toEqual([1, 4, 4]);
    expect(day(week, 0).slice(0, 8)).toEqual([4, 4, 1, 1, 1, 1, 9, 1]);
  });

  it('agrees with the day for daily triggers, and leaves out what does not fall on whole hours', () => {
    const daily = [t('0 7 * * *', '0 10 * * *', 6), t('0 22 * * *', '0 2 * * *', 4)];
    const week = hourlyFromTriggers(daily, 2, 168);
    for (let d = 0; d < 7; d++) expect(day(week, d)).toEqual(hourlyFromTriggers(daily, 2));
    expect(hourlyFromTriggers([t('30 7 * * 1-5', '0 10 * * 1-5', 6), t('0 7 1 * *', '0 9 1 * *', 6)], 2, 168)).toEqual(new Array(168).fill(2));
  });
});

describe('weekday and weekend windows', () => {
  // Three weeks ending on a Tuesday night (2026-04-14 00:00 UTC): the next day is a weekday.
  const load = weekdaysOnly(22, 100, 1000);
  const weekly = (over: Partial<ScheduleInput> = {}) => {
    const r = recommendSchedule(input({ load, forecast: sameDayLastWeek(load), ...over }));
    if (!('schedule' in r)) throw new Error(JSON.stringify(r.skipped));
    return r.schedule;
  };

  it('uses weekday and weekend sets when the two differ by more than the forecast error, written per day type', () => {
    const s = weekly();
    expect(s.weekSets).toEqual({ difference: expect.closeTo(0.95, 1), error: 0.1 });
    expect(s.hourlyNeed).toHaveLength(168);
    // Weekdays get the business window; weekends, whose hours the horizon did not reach, are sized from the weekday hours by the ratio of their peaks: 100/1000 of 1100, 1 replica, the floor.
    expect(s.proposed).toEqual<CronWindowTrigger[]>([{ name: 'augur-window-1', timezone: 'UTC', start: '0 9 * * 1-5', end: '0 17 * * 1-5', desiredReplicas: 11 }]);
    expect(hourlyFromTriggers(s.proposed, s.floor, 168)).toEqual(s.hourlyNeed);
  });

  it('keeps one daily set when weekdays and weekends look alike, or when the forecast errs more than they differ', () => {
    const flat = business(22, 100, 1000);
    const r = recommendSchedule(input({ load: flat, forecast: sameDayLastWeek(flat) }));
    expect('schedule' in r && r.schedule.weekSets).toBeUndefined();
    expect('schedule' in r && r.schedule.proposed[0]?.start).toBe('0 9 * * *');
    const noisy = weekly({ forecast: { ...sameDayLastWeek(load), accuracy: { origins: 3, horizonSeconds: 86_400, mase: 1, wape: 2, pinball: {}, coverage: {}, selectionLoss: 1 } } });
    expect(noisy.weekSets).toBeUndefined();
    expect(noisy.hourlyNeed).toHaveLength(24);
  });

  it('needs two weeks of history to judge the week', () => {
    const short = weekdaysOnly(13, 100, 1000);
    const r = recommendSchedule(input({ load: short, forecast: sameDayLastWeek(short) }));
    expect('schedule' in r && r.schedule.weekSets).toBeUndefined();
  });

  it('sizes a weekend the horizon does not reach from the weekday need, scaled by the observed peaks per hour', () => {
    // Weekends run at half the weekday business load: 550 → 6 replicas there.
    const half = { ...load, values: load.values.map((v, i) => (v === 100 && Math.floor((i % DAY) / 12) >= 9 && Math.floor((i % DAY) / 12) < 17 && [0, 6].includes(new Date((load.timestamps[i] as number) * 1000).getUTCDay()) ? 500 : v)) };
    const r = recommendSchedule(input({ load: half, forecast: sameDayLastWeek(half) }));
    if (!('schedule' in r)) throw new Error('skipped');
    expect(r.schedule.proposed.map((t) => [t.start, t.end, t.desiredReplicas])).toEqual([
      ['0 9 * * 1-5', '0 17 * * 1-5', 11],
      ['0 9 * * 0,6', '0 17 * * 0,6', 6],
    ]);
  });

  it('allows maxWindows per day type, and ends a window that runs to midnight on the next days', () => {
    const hours = Array.from({ length: 168 }, (_, h) => {
      const weekend = Math.floor(h / 24) === 0 || Math.floor(h / 24) === 6;
      const hour = h % 24;
      return weekend ? (hour >= 20 ? 5 : hour >= 10 && hour < 14 ? 4 : 2) : hour >= 8 && hour < 12 ? 7 : hour >= 14 && hour < 18 ? 6 : 2;
    });
    const triggers = scheduleTriggers(hours, 2, 2, 'UTC');
    expect(triggers.map((t) => [t.start, t.end, t.desiredReplicas])).toEqual([
      ['0 8 * * 1-5', '0 12 * * 1-5', 7],
      ['0 14 * * 1-5', '0 18 * * 1-5', 6],
      ['0 10 * * 0,6', '0 14 * * 0,6', 4],
      ['0 20 * * 0,6', '0 0 * * 0,1', 5],
    ]);
    expect(hourlyFromTriggers(triggers, 2, 168)).toEqual(hours);
    // The same hours every day: one daily set.
    expect(scheduleTriggers(Array.from({ length: 168 }, (_, h) => (h % 24 >= 9 && h % 24 < 17 ? 5 : 2)), 2, 2, 'UTC').map((t) => t.start)).toEqual(['0 9 * * *']);
  });

  it('reads the weekly windows it wrote before on the week even when the new ones are daily, and costs and guards per hour of the week', () => {
    const flat = business(22, 100, 1000);
    const before = [{ name: 'augur-window-1', timezone: 'UTC', start: '0 9 * * 1-5', end: '0 17 * * 1-5', desiredReplicas: 11 }];
    const r = recommendSchedule(input({ load: flat, forecast: sameDayLastWeek(flat), site: site({ augurTriggers: before }) }));
    if (!('schedule' in r)) throw new Error('skipped');
    expect(r.schedule.hourlyNeed).toHaveLength(168);
    expect(r.schedule.proposed.map((t) => t.start)).toEqual(['0 9 * * *']);
    expect(hourlyFromTriggers(r.schedule.current, 2, 168)[6 * 24 + 10]).toBe(2); // Saturday had no window
  });
});
