// Time on the inputs teams write: freeze-window crons with a month, Quartz's `?`, a seconds field;
// date ranges with impossible fields; a schedule forecast over the night the clocks go forward.
import { describe, expect, it } from 'vitest';
import { Cron } from 'croner';
import type { Policy } from '../config/schema.js';
import type { Forecast } from '../domain/forecast.js';
import type { ScaledObjectSite } from '../domain/workload.js';
import { recommendSchedule } from '../recommend/schedule.js';
import { activeFreeze, lastCronFire, parseZoned, wallClock } from './time.js';

type FreezeWindow = Policy['freezeWindows'][number];

const at = (iso: string) => Date.parse(iso) / 1000;
const H = 3600;
const DAY = 86_400;

describe('freeze windows: crons with a month', () => {
  // croner 10's previousRuns throws ("Cannot read properties of undefined (reading '0')") when it
  // steps back into an earlier month of the same year that is shorter than the day field allows.
  it('"every day of November" is checked in December (and in November) without throwing', () => {
    const w: FreezeWindow = { cron: '0 0 * 11 *', duration: 24 * H, timezone: 'UTC', reason: 'peak season' };
    expect(activeFreeze([w], at('2026-11-10T12:00:00Z'), 'UTC')).toBe(w);
    expect(activeFreeze([w], at('2026-12-01T00:00:00Z'), 'UTC')).toBeUndefined();
    expect(activeFreeze([w], at('2026-12-10T12:00:00Z'), 'UTC')).toBeUndefined();
    // The last fire is 30 November 00:00, in any zone.
    expect(lastCronFire('0 0 * 11 *', at('2026-12-10T12:00:00Z'), 'UTC')).toBe(at('2026-11-30T00:00:00Z'));
    expect(lastCronFire('0 0 * 11 *', at('2026-12-10T12:00:00Z'), 'Europe/Berlin')).toBe(at('2026-11-29T23:00:00Z'));
  });

  it('a window in February that runs into March is still active on 1 March', () => {
    const w: FreezeWindow = { cron: '0 0 * 2 *', duration: 48 * H, timezone: 'UTC' };
    expect(activeFreeze([w], at('2026-03-01T00:30:00Z'), 'UTC')).toBe(w);
    expect(activeFreeze([w], at('2026-03-02T00:00:00Z'), 'UTC')).toBeUndefined();
    expect(activeFreeze([w], at('2026-06-15T00:00:00Z'), 'UTC')).toBeUndefined();
  });

  it('finds the same last fire as croner would, for month and leap-day crons all year round', () => {
    const exprs = ['0 0 * 11 *', '0 6 * 6 *', '0 0 * 2 *', '0 0 29 2 *', '0 0 L 2 *', '0 9 * 4,6,9,11 *', '0 0 30 4 *', '0 0 1-31 9 *'];
    for (const expr of exprs) {
      const cron = new Cron(expr, { timezone: 'UTC', paused: true, domAndDow: false });
      for (let now = at('2026-01-03T12:00:00Z'); now < at('2028-12-31T00:00:00Z'); now += 37 * DAY + 5 * H) {
        // Reference: the last matching day at the cron's hour, walked back a day at a time (up to 8 years).
        const hour = Number(expr.split(' ')[1]);
        let want: number | undefined;
        for (let d = Math.floor(now / DAY) * DAY + hour * H; d > now - 8 * 366 * DAY; d -= DAY) {
          if (d <= now && cron.match(new Date(d * 1000))) {
            want = d;
            break;
          }
        }
        expect([expr, new Date(now * 1000).toISOString(), lastCronFire(expr, now, 'UTC')]).toEqual([expr, new Date(now * 1000).toISOString(), want]);
      }
    }
  }, 60_000);
});

describe('freeze windows: Quartz and six-field spellings', () => {
  it('reads `?` in a day field as "any" (Quartz, EventBridge), not as every day', () => {
    const fridays: FreezeWindow = { cron: '0 16 ? * 5', duration: 2 * H, timezone: 'UTC' };
    expect(activeFreeze([fridays], at('2026-06-05T16:30:00Z'), 'UTC')).toBe(fridays); // a Friday
    expect(activeFreeze([fridays], at('2026-06-10T16:30:00Z'), 'UTC')).toBeUndefined(); // a Wednesday
    const fifteenth: FreezeWindow = { cron: '0 0 15 * ?', duration: 24 * H, timezone: 'UTC' };
    expect(activeFreeze([fifteenth], at('2026-06-15T12:00:00Z'), 'UTC')).toBe(fifteenth);
    expect(activeFreeze([fifteenth], at('2026-06-16T12:00:00Z'), 'UTC')).toBeUndefined();
  });

  it('a six-field cron fires at its minute, whatever its seconds (it used to never fire, and loop)', () => {
    const w: FreezeWindow = { cron: '30 0 16 * * 5', duration: 2 * H, timezone: 'UTC' };
    expect(activeFreeze([w], at('2026-06-05T16:30:00Z'), 'UTC')).toBe(w);
    expect(activeFreeze([w], at('2026-06-10T16:30:00Z'), 'UTC')).toBeUndefined();
    const quartz: FreezeWindow = { cron: '0 0 16 ? * FRI', duration: 2 * H, timezone: 'Europe/Berlin' };
    expect(activeFreeze([quartz], at('2026-06-05T14:30:00Z'), 'UTC')).toBe(quartz); // 16:30 CEST, a Friday
    expect(activeFreeze([quartz], at('2026-06-10T14:30:00Z'), 'UTC')).toBeUndefined();
  });
});

describe('date-range freeze windows: a field out of range', () => {
  it('is refused without an offset as it is with one, not read as another day', () => {
    // With an offset, Date.parse refuses month 13, hour 25 and minute 60; without one they rolled
    // over silently ("2026-24-12", day and month swapped, froze 12 December 2027).
    expect(parseZoned('2026-13-01T00:00Z', 'UTC')).toBeNaN();
    expect(parseZoned('2026-13-01', 'UTC')).toBeNaN();
    expect(parseZoned('2026-24-12', 'Europe/Berlin')).toBeNaN();
    expect(parseZoned('2026-12-20T25:00', 'UTC')).toBeNaN();
    expect(parseZoned('2026-12-20T18:60', 'UTC')).toBeNaN();
    expect(parseZoned('2026-00-10', 'UTC')).toBeNaN();
    // What the offset form takes, the zoned form still takes: 24:00 and the last days of a month.
    expect(parseZoned('2026-12-20T24:00', 'UTC')).toBe(at('2026-12-21T00:00:00Z'));
    expect(parseZoned('2026-12-31', 'America/New_York')).toBe(at('2026-12-31T05:00:00Z'));
  });

  it('does not drop an hour-only offset ("+01") and read the time in the zone instead', () => {
    // "+01" is ISO 8601 but not what Date.parse reads: refused (a clear config error), not an hour off.
    expect(parseZoned('2026-12-20T18:00+01', 'UTC')).not.toBe(at('2026-12-20T18:00:00Z'));
    expect(parseZoned('2026-12-20T18:00+01', 'UTC')).toBeNaN();
    expect(parseZoned('2026-12-20T18:00+01:00', 'UTC')).toBe(at('2026-12-20T17:00:00Z'));
  });
});

describe('schedules over the night the clocks go forward', () => {
  const STEP = 300;
  const site: ScaledObjectSite = { file: 'keda.yaml', documentIndex: 0, label: 'ScaledObject/batch', minReplicaCount: 2, maxReplicaCount: 30, augurTriggers: [], otherTriggers: ['cpu'] };

  /** A workload busy from `from` to `to` local time every night, 13 days of history, then a 24 h forecast from `start`. */
  function night(tz: string, from: number, to: number, historyStart: number, forecastStart: number) {
    const busy = (t: number) => {
      const h = wallClock(t, tz).hour;
      return (from < to ? h >= from && h < to : h >= from || h < to) ? 1000 : 100;
    };
    const n = Math.round((forecastStart - historyStart) / STEP);
    const timestamps = Array.from({ length: n }, (_, i) => historyStart + i * STEP);
    const load = { stepSeconds: STEP, values: timestamps.map(busy), timestamps };
    const ft = Array.from({ length: 288 }, (_, i) => forecastStart + i * STEP);
    const band = ft.map(busy);
    const forecast: Forecast = { model: 'test', stepSeconds: STEP, timestamps: ft, quantiles: { '0.5': band, '0.9': band } };
    return recommendSchedule({ forecast, load, quantile: 0.9, maxQuantile: 0.99, headroomPercent: 10, capacityPerReplica: 100, site, timezone: tz, maxWindows: 4 });
  }

  it('keeps a night window whole over the hour Berlin skips (02:00 on 29 March), not at the floor every night after', () => {
    // Forecast from Sunday 29 March 00:00 CET: 02:00–03:00 does not exist that night, and the
    // triggers repeat every night, when it does.
    const r = night('Europe/Berlin', 0, 6, at('2026-03-15T23:00:00Z'), at('2026-03-28T23:00:00Z'));
    if (!('schedule' in r)) throw new Error(JSON.stringify(r.skipped));
    expect(r.schedule.hourlyNeed.slice(0, 7)).toEqual([11, 11, 11, 11, 11, 11, 2]);
    expect(r.schedule.proposed.map((t) => [t.start, t.end, t.desiredReplicas])).toEqual([['0 0 * * *', '0 6 * * *', 11]]);
  });

  it('keeps a window over midnight whole where the clock skips midnight itself (America/Santiago, 6 September)', () => {
    // Chile moves from 24:00 Saturday to 01:00 Sunday: 00:00–01:00 does not exist that night.
    const r = night('America/Santiago', 22, 3, at('2026-08-23T04:00:00Z'), at('2026-09-05T12:00:00Z'));
    if (!('schedule' in r)) throw new Error(JSON.stringify(r.skipped));
    expect(r.schedule.hourlyNeed[0]).toBe(11);
    expect(r.schedule.proposed.map((t) => [t.start, t.end, t.desiredReplicas])).toEqual([['0 22 * * *', '0 3 * * *', 11]]);
  });

  it('changes nothing on the night the clocks go back (02:00 twice) or on an ordinary night', () => {
    for (const [h0, f0] of [['2026-10-11T22:00:00Z', '2026-10-24T22:00:00Z'], ['2026-06-01T22:00:00Z', '2026-06-14T22:00:00Z']] as const) {
      const r = night('Europe/Berlin', 0, 6, at(h0), at(f0));
      if (!('schedule' in r)) throw new Error(JSON.stringify(r.skipped));
      expect(r.schedule.proposed.map((t) => [t.start, t.end, t.desiredReplicas])).toEqual([['0 0 * * *', '0 6 * * *', 11]]);
    }
  });
});
