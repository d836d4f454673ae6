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

/**
 * Windows for the forecast: the replicas each local hour needs (the quantile's peak in that hour
 * plus the headroom, and never less than the maxQuantile's, over the capacity; the highest over the days of the horizon, since the
 * triggers repeat every day), cut into at most `maxWindows` windows above the floor by
 * buildSchedule (fewest replica-hours; adjacent hours with the same count share a window, and a
 * window that runs over midnight is one trigger). Skipped, with the reason, when the workload has
 * no ScaledObject or its history shows no clear daily or weekly cycle.
 */
export function recommendSchedule(input: ScheduleInput): ScheduleResult {
  const { site, forecast, timezone } = input;
  if (!site) return { skipped: { kind: 'noScaledObject' } };
  const step = input.load.stepSeconds;
  const day = Math.round(86_400 / step);
  const values = fillGaps(input.load).series.values;
  const found = detectPeriod(values, [day, 7 * day]);
  const acf = (p: number) => found.scores.find((s) => s.period === p)?.autocorrelation;
  if (found.period === undefined) return { skipped: { kind: 'noCycle', day: acf(day), week: acf(7 * day) } };
  const band = forecast.quantiles[String(input.quantile)];
  if (!band) throw new Error(`forecast has no ${input.quantile} quantile (has ${Object.keys(forecast.quantiles).join(', ')})`);
  const floor = Math.max(1, site.minReplicaCount ?? 0);
  const ceiling = site.maxReplicaCount ?? KEDA_DEFAULT_MAX_REPLICAS;
  const headroom = 1 + input.headroomPercent / 100;
  const high = forecast.quantiles[String(input.maxQuantile)];
  const hourlyNeed = new Array<number>(24).fill(floor);
  const byHour: number[][] = Array.from({ length: 24 }, () => []);
  for (let i = 0; i < forecast.timestamps.length; i++) byHour[wallClock(forecast.timestamps[i] as number, timezone).hour]!.push(i);
  const sized = input.sizeSteps ? byHour.map((steps) => (steps.length > 0 ? input.sizeSteps!(steps) : undefined)) : undefined;
  if (sized && sized.every((v, h) => v !== undefined || (byHour[h] as number[]).length === 0)) {
    for (let h = 0; h < 24; h++) {
      const v = sized[h];
      if (v === undefined || !Number.isFinite(v)) continue;
      hourlyNeed[h] = Math.max(floor, Math.min(ceiling, Math.max(1, Math.ceil(v / input.capacityPerReplica - 1e-9))));
    }
  } else for (let i = 0; i < forecast.timestamps.length; i++) {
    const v = Math.max((band[i] as number) * headroom, high?.[i] ?? Number.NEGATIVE_INFINITY);
    if (!Number.isFinite(v)) continue;
    const need = Math.min(ceiling, Math.max(1, Math.ceil(v / input.capacityPerReplica - 1e-9)));
    const h = wallClock(forecast.timestamps[i] as number, timezone).hour;
    if (need > (hourlyNeed[h] as number)) hourlyNeed[h] = need;
  }
  const proposed = scheduleTriggers(hourlyNeed, input.maxWindows, floor, timezone);
  const cycle = { period: found.period === day ? ('daily' as const) : ('weekly' as const), autocorrelation: acf(found.period) ?? 0 };
  const running = input.running ? runningByHour(input.running, timezone) : undefined;
  return {
    schedule: {
      timezone,
      floor,
      ceiling,
      maxWindows: input.maxWindows,
      current: site.augurTriggers,
      proposed,
      hourlyNeed,
      cycle,
      ...(running ? { running } : {}),
    },
  };
}

/**
 * What the workload runs at each local hour: the mean of each day's hour, then the median over the
 * days. The median, not a high quantile or the mean: the schedule is costed above this curve, and
 * crediting every day with the replicas of its busiest days (or of a one-off surge, which pulls
 * the mean up) would understate what the windows add on an ordinary day. Undefined when some hour
 * has no sample (too little replica history to say).
 */
export function runningByHour(series: Series, timezone: string): number[] | undefined {
  // Per local day: the sum and count of each hour's samples.
  const days = new Map<string, { sum: number[]; n: number[] }>();
  series.values.forEach((v, i) => {
    if (!Number.isFinite(v) || v < 0) return;
    const c = wallClock(series.timestamps[i] as number, timezone);
    const key = `${c.year}-${c.month}-${c.day}`;
    let d = days.get(key);
    if (!d) days.set(key, (d = { sum: new Array<number>(24).fill(0), n: new Array<number>(24).fill(0) }));
    d.sum[c.hour] = (d.sum[c.hour] as number) + v;
    d.n[c.hour] = (d.n[c.hour] as number) + 1;
  });
  const out: number[] = [];
  for (let h = 0; h < 24; h++) {
    const means = [...days.values()].flatMap((d) => ((d.n[h] as number) > 0 ? [(d.sum[h] as number) / (d.n[h] as number)] : [])).sort((a, b) => a - b);
    if (means.length === 0) return undefined;
    out.push(Math.round(quantileSorted(means, 0.5) * 10) / 10);
  }
  return out;
}

/**
 * The cron triggers of the cheapest schedule (buildSchedule) that gives every local hour its count.
 * The day is a circle: it is cut at its quietest hour rather than at midnight, so a window over
 * midnight is one window (one trigger), not two that count twice against maxWindows.
 */
export function scheduleTriggers(hourly: readonly number[], maxWindows: number, floor: number, timezone: string): CronWindowTrigger[] {
  const n = hourly.length;
  let cut = 0;
  for (let h = 1; h < n; h++) if ((hourly[h] as number) < (hourly[cut] as number)) cut = h;
  const rotated = hourly.map((_, k) => hourly[(cut + k) % n] as number);
  const windows = buildSchedule(rotated, maxWindows, floor).windows.map((w) => ({ ...w, startHour: w.startHour + cut, endHour: w.endHour + cut }));
  return toTriggers(joinAtCut(windows, cut, n), timezone);
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
