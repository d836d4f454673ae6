// Scaling schedules as KEDA runs them: cron triggers over a floor, the highest active one wins;
// and what a schedule changes once the replicas the workload already runs (its other triggers,
// an HPA-like cpu trigger, a queue...) are counted.
//
// A schedule's hours are the 24 local hours of a day (daily triggers, "0 H * * *") or the 168 of a
// week (day-of-week triggers, "0 8 * * 1-5"), hour h of the week being day ⌊h/24⌋ (0 = Sunday, as
// cron counts) at hour h mod 24. Every array of a ScheduleChange has its hourlyNeed's length.
import { CronPattern } from 'croner';
import type { ScheduleChange } from './decision.js';
import type { CronWindowTrigger } from './workload.js';

export const DAY_HOURS = 24;
export const WEEK_HOURS = 168;

/**
 * The replicas each local hour gets from cron triggers over a floor (the highest trigger active
 * wins, as in KEDA): 24 hours from daily triggers, or the 168 hours of the week from any triggers
 * whose minute is 0 (daily ones repeat every day). A trigger Augur cannot place on whole hours
 * (another minute, a day-of-week trigger in a 24-hour day) is left out.
 */
export function hourlyFromTriggers(triggers: readonly CronWindowTrigger[], floor: number, hours: number = DAY_HOURS): number[] {
  const out = new Array<number>(hours).fill(floor);
  for (const t of triggers) {
    const covered = hours === WEEK_HOURS ? weekHoursOf(t) : dayHoursOf(t);
    for (const h of covered) out[h] = Math.max(out[h] as number, t.desiredReplicas);
  }
  return out;
}

/** The hours of the day a daily trigger covers. */
function dayHoursOf(t: Pick<CronWindowTrigger, 'start' | 'end'>): number[] {
  const start = cronHour(t.start);
  const end = cronHour(t.end);
  if (start === undefined || end === undefined) return [];
  const out: number[] = [];
  for (let h = start; h !== end; h = (h + 1) % 24) out.push(h);
  return out;
}

/** The hour of a daily cron expression "M H * * *" with a whole hour, else undefined. */
function cronHour(expr: string): number | undefined {
  const m = /^0 (\d{1,2}) \* \* \*$/.exec(expr.trim());
  const h = m ? Number(m[1]) : Number.NaN;
  return Number.isInteger(h) && h >= 0 && h < 24 ? h : undefined;
}

/**
 * The hours of the week a trigger covers, as KEDA's cron scaler runs it: active from each time
 * `start` fires until `end` next fires (a window past Saturday night wraps to Sunday). Croner
 * parses the expressions (ranges, lists, steps, day names, 7 for Sunday); the week's 168 hours are
 * walked here rather than with croner's nextRuns, which costs about a millisecond a firing and the
 * guardrails and the replay read schedules thousands of times. Only expressions that fire on whole
 * hours and repeat every week (any day of month, any month) are placed.
 */
function weekHoursOf(t: Pick<CronWindowTrigger, 'start' | 'end'>): number[] {
  const start = weeklyFirings(t.start);
  const end = weeklyFirings(t.end);
  if (!start || !end || !end.some(Boolean)) return [];
  const covered: number[] = [];
  for (let s = 0; s < WEEK_HOURS; s++) {
    if (!start[s]) continue;
    for (let h = s, k = 0; k < WEEK_HOURS && (k === 0 || !end[h]); k++, h = (h + 1) % WEEK_HOURS) covered.push(h);
  }
  return covered;
}

/** Parsed expressions: the ones Augur writes are a few hundred at most (hour × day set); cleared if ever far more. */
const FIRINGS = new Map<string, boolean[] | undefined>();

/** Which of the week's hours a cron expression fires at (minute 0), or undefined when it does not repeat weekly on whole hours. */
function weeklyFirings(expr: string): boolean[] | undefined {
  const key = expr.trim();
  if (!FIRINGS.has(key)) {
    if (FIRINGS.size > 10_000) FIRINGS.clear();
    FIRINGS.set(key, parseFirings(key));
  }
  return FIRINGS.get(key);
}

function parseFirings(expr: string): boolean[] | undefined {
  let p: CronPattern;
  try {
    p = new CronPattern(expr);
  } catch {
    return undefined;
  }
  const onTheHour = p.minute[0] && p.minute.every((m, i) => i === 0 || !m) && p.second[0] && p.second.every((x, i) => i === 0 || !x);
  if (!onTheHour || !p.starDOM || !p.month.every(Boolean)) return undefined;
  const day = (d: number) => Boolean(p.dayOfWeek[d]) || (d === 0 && Boolean(p.dayOfWeek[7]));
  return Array.from({ length: WEEK_HOURS }, (_, h) => day(Math.floor(h / 24)) && Boolean(p.hour[h % 24]));
}

/** The replicas each hour of the schedule gets from its current or proposed triggers (24 or 168 hours, as its hourlyNeed). */
export function triggerHours(s: Pick<ScheduleChange, 'floor' | 'hourlyNeed'>, triggers: readonly CronWindowTrigger[]): number[] {
  return hourlyFromTriggers(triggers, s.floor, s.hourlyNeed.length);
}

/**
 * The replicas each local hour runs before and after the schedule: what the triggers ask for over
 * the floor, and never less than what the workload already runs at that hour (`running`, from its
 * replica history), since KEDA runs the highest count any trigger asks for. A window under what
 * already runs then changes nothing; one above it adds only the difference. Without a running
 * curve, the triggers and the floor alone (the schedule costed against the floor).
 */
export function scheduleHours(s: Pick<ScheduleChange, 'current' | 'proposed' | 'floor' | 'running' | 'hourlyNeed'>): { before: number[]; after: number[] } {
  const run = (h: number) => s.running?.[h % s.running.length] ?? 0;
  return {
    before: triggerHours(s, s.current).map((r, h) => Math.max(r, run(h))),
    after: triggerHours(s, s.proposed).map((r, h) => Math.max(r, run(h))),
  };
}

/** The hour at which `after` rises most above `before` (the first, on a tie): a schedule's busiest hour. */
export function largestRise(before: readonly number[], after: readonly number[]): number {
  let hour = 0;
  for (let h = 1; h < after.length; h++) if ((after[h] as number) - (before[h] as number) > (after[hour] as number) - (before[hour] as number)) hour = h;
  return hour;
}

/** "Mon 08:00", "08:00": an hour of a 24- or 168-hour schedule, for prose. */
export function hourLabel(h: number, hours: number): string {
  const clock = `${String(h % 24).padStart(2, '0')}:00`;
  return hours === WEEK_HOURS ? `${DAY_NAMES[Math.floor(h / 24)]} ${clock}` : clock;
}

export const DAY_NAMES = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'] as const;

/**
 * The day types of a weekly schedule: their days (0 = Sunday), the same in cron's day-of-week
 * field, the days moved one on (an end at midnight fires the next day), and how a PR names them.
 */
export const DAY_TYPES = [
  { name: 'weekdays', label: 'Weekdays (Mon–Fri)', days: [1, 2, 3, 4, 5], cron: '1-5', next: '2-6' },
  { name: 'weekends', label: 'Weekends (Sat, Sun)', days: [0, 6], cron: '0,6', next: '0,1' },
] as const;

/** A day's 24 hours from a week's 168: the highest of the given days at each hour. */
export function ofDays(week: readonly number[], days: readonly number[]): number[] {
  return Array.from({ length: 24 }, (_, h) => Math.max(...days.map((d) => week[d * 24 + h] as number)));
}
