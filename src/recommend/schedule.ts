// Scaling schedules: a forecast with a clear daily or weekly cycle becomes a few windows of the
// local day, each with its own replica count, written as KEDA cron triggers (one per window) on
// the ScaledObject that scales the workload. Outside the windows the ScaledObject's floor
// (minReplicaCount) and its other triggers (an HPA-like cpu trigger, a queue...) govern, so the
// windows only ever raise the count ahead of the forecast peaks.
import { fillGaps } from '../forecast/clean.js';
import { detectPeriod } from '../forecast/baselines.js';
import type { CronWindowTrigger, ScaledObjectSite } from '../domain/workload.js';
import type { Forecast } from '../domain/forecast.js';
import type { ScheduleChange } from '../domain/decision.js';
import type { Series } from '../domain/series.js';
import type { ScheduleSkip } from '../domain/reasons.js';
import { quantileSorted } from '../forecast/loss.js';
import { DAY_HOURS, DAY_TYPES, ofDays, WEEK_HOURS } from '../domain/schedule.js';
import { wallClock } from '../util/zoned.js';
import { buildSchedule, type ScheduleWindow } from './windows.js';

/** KEDA's maxReplicaCount when the ScaledObject does not set one. */
export const KEDA_DEFAULT_MAX_REPLICAS = 100;

export interface ScheduleInput {
  forecast: Forecast;
  /** The load history the forecast came from (the cycle is looked for in it). */
  load: Series;
  /** The forecast quantile windows are sized for, and the headroom on top; no hour gets less than maxQuantile's forecast. */
  quantile: number;
  maxQuantile: number;
  headroomPercent: number;
  capacityPerReplica: number;
  /** The ScaledObject found in the manifests, if any. */
  site: ScaledObjectSite | undefined;
  /** IANA zone the windows are written in. */
  timezone: string;
  maxWindows: number;
  /**
   * The load a set of forecast steps needs (cost-aware sizing from the backtest, recommend/sizing.ts);
   * when given, each local hour is sized by it over that hour's steps instead of by quantile × headroom.
   */
  sizeSteps?: (steps: number[]) => number | undefined;
  /** Replicas the workload ran over the history (the replicas metric), to cost the windows above what already runs. */
  running?: Series;
}

export type ScheduleResult = { schedule: ScheduleChange } | { skipped: ScheduleSkip };

/** Day type of a day of the week (0 = Sunday, as cron and wallClock count): its index in DAY_TYPES, 0 weekdays, 1 weekends. */
const dayType = (weekday: number) => DAY_TYPES.findIndex((t) => (t.days as readonly number[]).includes(weekday));

/**
 * Windows for the forecast: the replicas each local hour needs (the quantile's peak in that hour
 * plus the headroom, and never less than the maxQuantile's, over the capacity; the highest over the days of the horizon, since the
 * triggers repeat every day), cut into at most `maxWindows` windows above the floor by
 * buildSchedule (fewest replica-hours; adjacent hours with the same count share a window, and a
 * window that runs over midnight is one trigger). When the history shows that weekdays and
 * weekends differ by more than the forecast's own error (weekSets), the hours are those of the
 * week: one set of windows for weekdays and one for weekends. Skipped, with the reason, when the
 * workload has no ScaledObject or its history shows no clear daily or weekly cycle.
 */
export function recommendSchedule(input: ScheduleInput): ScheduleResult {
  const { site, forecast, timezone } = input;
  if (!site) return { skipped: { kind: 'noScaledObject' } };
  const step = input.load.stepSeconds;
  const day = Math.round(86_400 / step);
  const filled = fillGaps(input.load).series;
  const found = detectPeriod(filled.values, [day, 7 * day]);
  const acf = (p: number) => found.scores.find((s) => s.period === p)?.autocorrelation;
  if (found.period === undefined) return { skipped: { kind: 'noCycle', day: acf(day), week: acf(7 * day) } };
  const floor = Math.max(1, site.minReplicaCount ?? 0);
  const ceiling = site.maxReplicaCount ?? KEDA_DEFAULT_MAX_REPLICAS;
  const week = weekSets(filled, timezone, forecast.accuracy?.wape);
  const loads = groupLoads(input, week !== undefined);
  const replicas = (load: number) => Math.max(floor, Math.min(ceiling, Math.max(1, Math.ceil(load / input.capacityPerReplica - 1e-9))));
  // Daily: the need of each hour. Weekly: each day's hours take their day type's need; a day type
  // the horizon does not reach is sized from the other one by the history's ratio of their peaks.
  const typeNeed = week ? [0, 1].map((t) => loads.slice(t * 24, t * 24 + 24).map((v, h) => v ?? derived(loads[(1 - t) * 24 + h], week.peaks[t]![h]!, week.peaks[1 - t]![h]!))) : undefined;
  const hourlyNeed = typeNeed
    ? Array.from({ length: WEEK_HOURS }, (_, h) => replicasOr(typeNeed[dayType(Math.floor(h / 24))]![h % 24], replicas, floor))
    : loads.map((v) => replicasOr(v, replicas, floor));
  // Triggers Augur wrote for the days of the week are read on the week's hours even when the new windows are daily.
  const weekly = hourlyNeed.length === WEEK_HOURS || site.augurTriggers.some((t) => !isDaily(t));
  const need = weekly && hourlyNeed.length === DAY_HOURS ? Array.from({ length: WEEK_HOURS }, (_, h) => hourlyNeed[h % 24] as number) : hourlyNeed;
  const proposed = scheduleTriggers(need, input.maxWindows, floor, timezone);
  const cycle = { period: found.period === day ? ('daily' as const) : ('weekly' as const), autocorrelation: acf(found.period) ?? 0 };
  const running = input.running ? runningByHour(input.running, timezone, need.length) : undefined;
  return {
    schedule: {
      timezone,
      floor,
      ceiling,
      maxWindows: input.maxWindows,
      current: site.augurTriggers,
      proposed,
      hourlyNeed: need,
      cycle,
      ...(week ? { weekSets: { difference: week.difference, error: week.error } } : {}),
      ...(running ? { running } : {}),
    },
  };
}

const replicasOr = (load: number | undefined, replicas: (load: number) => number, floor: number) => (load === undefined || !Number.isFinite(load) ? floor : replicas(load));

/** A day type's load at an hour the horizon does not reach: the other type's, times the ratio of their observed peaks at that hour. */
function derived(other: number | undefined, peak: number, otherPeak: number): number | undefined {
  if (other === undefined) return undefined;
  return otherPeak > 0 && Number.isFinite(peak) ? other * (peak / otherPeak) : other;
}

/**
 * The load each group of forecast steps needs: per local hour (24), or per day type and hour (48:
 * weekdays 0..23, then weekends). Sized by the backtest (sizeSteps) when it sizes every group,
 * else the quantile's peak plus the headroom and never less than the maxQuantile's. Undefined
 * for a group the horizon does not reach.
 */
function groupLoads(input: ScheduleInput, byDayType: boolean): (number | undefined)[] {
  const { forecast, timezone } = input;
  const band = forecast.quantiles[String(input.quantile)];
  if (!band) throw new Error(`forecast has no ${input.quantile} quantile (has ${Object.keys(forecast.quantiles).join(', ')})`);
  const high = forecast.quantiles[String(input.maxQuantile)];
  const headroom = 1 + input.headroomPercent / 100;
  const groups: number[][] = Array.from({ length: byDayType ? 48 : 24 }, () => []);
  let prevHour: number | undefined;
  for (let i = 0; i < forecast.timestamps.length; i++) {
    const c = wallClock(forecast.timestamps[i] as number, timezone);
    const base = byDayType ? dayType(c.weekday) * 24 : 0;
    groups[base + c.hour]!.push(i);
    // An hour the clock skips (spring DST: 02:00 in Berlin, midnight in Santiago) has no steps of
    // its own, yet its trigger runs every other day: the steps either side of the jump size it,
    // rather than it dropping to the floor and cutting a window in two.
    const jump = prevHour === undefined ? 1 : (c.hour - prevHour + 24) % 24;
    if (jump >= 2 && jump <= 3 && (forecast.timestamps[i] as number) - (forecast.timestamps[i - 1] as number) <= 3600) {
      for (let k = 1; k < jump; k++) groups[base + ((prevHour! + k) % 24)]!.push(i - 1, i);
    }
    prevHour = c.hour;
  }
  const sized = input.sizeSteps ? groups.map((steps) => (steps.length > 0 ? input.sizeSteps!(steps) : undefined)) : undefined;
  if (sized && sized.every((v, g) => v !== undefined || groups[g]!.length === 0)) return sized.map((v) => (v !== undefined && Number.isFinite(v) ? v : undefined));
  return groups.map((steps) => {
    if (steps.length === 0) return undefined;
    // A step without a finite value is skipped, not allowed to blank the whole hour to the floor.
    const values = steps.map((i) => Math.max((band[i] as number) * headroom, high?.[i] ?? Number.NEGATIVE_INFINITY)).filter(Number.isFinite);
    return values.length > 0 ? Math.max(...values) : undefined;
  });
}

/** Below this much history the weekly shape is not judged: two of each weekday, four weekend days. */
const WEEK_SETS_MIN_DAYS = 14;
/** The forecast error weekdays and weekends must differ by when the backtest gave none. */
const WEEK_SETS_DEFAULT_ERROR = 0.1;

/**
 * Whether weekdays and weekends need windows of their own: over at least two weeks of history,
 * the mean absolute difference between the weekday and the weekend mean profile (per local hour)
 * over the mean load is larger than the forecast's own error (the backtest's WAPE of the median;
 * 10% without a backtest). A difference smaller than the error is noise the forecast makes anyway,
 * and one set of daily windows is simpler to read. With it, each day type's observed peak per
 * hour, to size a day type the horizon does not reach.
 */
export function weekSets(series: Series, timezone: string, wape: number | undefined): { difference: number; error: number; peaks: number[][] } | undefined {
  const sum = [new Array<number>(24).fill(0), new Array<number>(24).fill(0)];
  const n = [new Array<number>(24).fill(0), new Array<number>(24).fill(0)];
  const peaks = [new Array<number>(24).fill(0), new Array<number>(24).fill(0)];
  const days = new Set<string>();
  let total = 0;
  let count = 0;
  series.values.forEach((v, i) => {
    if (!Number.isFinite(v)) return;
    const c = wallClock(series.timestamps[i] as number, timezone);
    const t = dayType(c.weekday);
    days.add(`${c.year}-${c.month}-${c.day}`);
    sum[t]![c.hour]! += v;
    n[t]![c.hour]!++;
    peaks[t]![c.hour] = Math.max(peaks[t]![c.hour]!, v);
    total += v;
    count++;
  });
  const mean = total / count;
  if (days.size < WEEK_SETS_MIN_DAYS || !(mean > 0) || n.some((row) => row.some((k) => k === 0))) return undefined;
  let diff = 0;
  for (let h = 0; h < 24; h++) diff += Math.abs(sum[0]![h]! / n[0]![h]! - sum[1]![h]! / n[1]![h]!) / 24;
  const difference = diff / mean;
  const error = wape !== undefined && Number.isFinite(wape) ? wape : WEEK_SETS_DEFAULT_ERROR;
  return difference > error ? { difference, error, peaks } : undefined;
}

const isDaily = (t: Pick<CronWindowTrigger, 'start' | 'end'>) => /\* \* \*$/.test(t.start.trim()) && /\* \* \*$/.test(t.end.trim());

/**
 * What the workload runs at each local hour: the mean of each day's hour, then the median over the
 * days (over the days of the same type, weekdays or weekends, for the 168 hours of a week). The
 * median, not a high quantile or the mean: the schedule is costed above this curve, and crediting
 * every day with the replicas of its busiest days (or of a one-off surge, which pulls the mean
 * up) would understate what the windows add on an ordinary day. Undefined when some hour has no
 * sample (too little replica history to say).
 */
export function runningByHour(series: Series, timezone: string, hours: number = DAY_HOURS): number[] | undefined {
  const byType = hours === WEEK_HOURS;
  // Per local day: its type, and the sum and count of each hour's samples.
  const days = new Map<string, { type: number; sum: number[]; n: number[] }>();
  series.values.forEach((v, i) => {
    if (!Number.isFinite(v) || v < 0) return;
    const c = wallClock(series.timestamps[i] as number, timezone);
    const key = `${c.year}-${c.month}-${c.day}`;
    let d = days.get(key);
    if (!d) days.set(key, (d = { type: byType ? dayType(c.weekday) : 0, sum: new Array<number>(24).fill(0), n: new Array<number>(24).fill(0) }));
    d.sum[c.hour] = (d.sum[c.hour] as number) + v;
    d.n[c.hour] = (d.n[c.hour] as number) + 1;
  });
  const profile: number[][] = [];
  for (let t = 0; t < (byType ? 2 : 1); t++) {
    const row: number[] = [];
    for (let h = 0; h < 24; h++) {
      const means = [...days.values()].flatMap((d) => (d.type === t && (d.n[h] as number) > 0 ? [(d.sum[h] as number) / (d.n[h] as number)] : [])).sort((a, b) => a - b);
      if (means.length === 0) return undefined;
      row.push(Math.round(quantileSorted(means, 0.5) * 10) / 10);
    }
    profile.push(row);
  }
  return Array.from({ length: hours }, (_, h) => profile[byType ? dayType(Math.floor(h / 24)) : 0]![h % 24] as number);
}

/**
 * The cron triggers of the cheapest schedule (buildSchedule) that gives every local hour its count:
 * 24 hours (daily triggers) or the 168 of a week (weekTriggers).
 * The day is a circle: it is cut at its quietest hour rather than at midnight, so a window over
 * midnight is one window (one trigger), not two that count twice against maxWindows.
 */
export function scheduleTriggers(hourly: readonly number[], maxWindows: number, floor: number, timezone: string): CronWindowTrigger[] {
  if (hourly.length === WEEK_HOURS) return weekTriggers(hourly, maxWindows, floor, timezone);
  const n = hourly.length;
  let cut = 0;
  for (let h = 1; h < n; h++) if ((hourly[h] as number) < (hourly[cut] as number)) cut = h;
  const rotated = hourly.map((_, k) => hourly[(cut + k) % n] as number);
  const windows = buildSchedule(rotated, maxWindows, floor).windows.map((w) => ({ ...w, startHour: w.startHour + cut, endHour: w.endHour + cut }));
  return toTriggers(joinAtCut(windows, cut, n), timezone);
}

/**
 * Triggers for the 168 hours of a week: one set of windows for weekdays and one for weekends, each
 * cut by buildSchedule from its type's hours (the highest of its days at each hour, so no hour
 * runs below its count), at most `maxWindows` per day type, written "0 8 * * 1-5" / "0 10 * * 0,6".
 * A type's day runs from midnight to midnight (a night window over midnight is two windows: the
 * day after may be of the other type); a window that ends at midnight ends on the next day.
 * When both types need the same hours, daily triggers say it more simply.
 */
function weekTriggers(hourly: readonly number[], maxWindows: number, floor: number, timezone: string): CronWindowTrigger[] {
  const profiles = DAY_TYPES.map((t) => ofDays(hourly, t.days));
  if (profiles[0]!.every((v, h) => v === profiles[1]![h])) return scheduleTriggers(profiles[0]!, maxWindows, floor, timezone);
  const triggers: Omit<CronWindowTrigger, 'name'>[] = [];
  DAY_TYPES.forEach((t, i) => {
    for (const w of buildSchedule(profiles[i]!, maxWindows, floor).windows) {
      triggers.push({ timezone, start: `0 ${w.startHour} * * ${t.cron}`, end: w.endHour === 24 ? `0 0 * * ${t.next}` : `0 ${w.endHour} * * ${t.cron}`, desiredReplicas: w.replicas });
    }
  });
  return triggers.map((t, i) => ({ name: `augur-window-${i + 1}`, ...t }));
}

/**
 * When every hour is above the floor, the windows meet at the cut: a window ending there and one
 * starting there with the same count are one window. A window over the whole day is written as
 * two half-days: a cron trigger whose start and end are the same time is refused by KEDA.
 */
function joinAtCut(windows: ScheduleWindow[], cut: number, n: number): ScheduleWindow[] {
  const first = windows[0];
  const last = windows[windows.length - 1];
  if (windows.length === 1 && first && first.endHour - first.startHour === n) {
    return [{ ...first, endHour: first.startHour + n / 2 }, { ...first, startHour: first.startHour + n / 2 }];
  }
  if (windows.length < 2 || !first || !last || first.startHour !== cut || last.endHour !== cut + n || first.replicas !== last.replicas) return windows;
  return [...windows.slice(1, -1), { startHour: last.startHour, endHour: first.endHour + n, replicas: first.replicas }];
}

function toTriggers(windows: ScheduleWindow[], timezone: string): CronWindowTrigger[] {
  return [...windows]
    .sort((a, b) => (a.startHour % 24) - (b.startHour % 24))
    .map((w, i) => ({
      name: `augur-window-${i + 1}`,
      timezone,
      start: `0 ${w.startHour % 24} * * *`,
      end: `0 ${w.endHour % 24} * * *`,
      desiredReplicas: w.replicas,
    }));
}
