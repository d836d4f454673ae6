// Forecast schedules as KEDA cron triggers apply them: a floor (minReplicaCount) plus at most N
// time windows of the day, each with its own replica count (one cron trigger each).
//
// From 24 hourly replica counts, the windows are the cheapest cover: the day is cut into
// contiguous segments, each segment runs at the highest count of its hours (at least the floor),
// segments at the floor (by default the lowest hourly count) need no trigger, and at most
// `maxWindows` segments may sit above it. A dynamic programme over the cut points finds the cover with the fewest
// replica-hours (ties: fewer windows, then the earliest cuts), so adjacent hours with the same
// count always share a window and no hour ever runs below its own count.

export interface ScheduleWindow {
  /** First hour of the window, 0..23, counted from the start of the applied day. */
  startHour: number;
  /** Hour after the last, 1..24. */
  endHour: number;
  replicas: number;
}

export interface Schedule {
  floor: number;
  windows: ScheduleWindow[];
}

export const DEFAULT_MAX_WINDOWS = 6;

/**
 * The cheapest schedule of at most `maxWindows` windows that gives every hour at least its count.
 * `floor` (default: the lowest hourly count) is what runs outside the windows; hours that need no
 * more than it get no window.
 */
export function buildSchedule(hourly: readonly number[], maxWindows = DEFAULT_MAX_WINDOWS, floorAt?: number): Schedule {
  const n = hourly.length;
  if (n === 0) return { floor: floorAt ?? 1, windows: [] };
  const floor = floorAt ?? Math.min(...hourly);
  const k = Math.max(0, Math.floor(maxWindows));
  // No window allowed: the whole day runs at its highest count.
  if (k === 0) return { floor: Math.max(floor, ...hourly), windows: [] };
  // cost[i][w]: least replica-hours covering hours [0, i) with w windows; tie: fewer windows.
  const INF = Number.POSITIVE_INFINITY;
  const cost: number[][] = Array.from({ length: n + 1 }, () => new Array<number>(k + 1).fill(INF));
  const from: { j: number; w: number }[][] = Array.from({ length: n + 1 }, () => new Array<{ j: number; w: number }>(k + 1));
  (cost[0] as number[])[0] = 0;
  for (let i = 1; i <= n; i++) {
    for (let j = i - 1, top = -INF; j >= 0; j--) {
      top = Math.max(top, hourly[j] as number);
      const isWindow = top > floor ? 1 : 0;
      const add = (i - j) * Math.max(top, floor);
      for (let w = 0; w + isWindow <= k; w++) {
        const base = (cost[j] as number[])[w] as number;
        if (base === INF) continue;
        const c = base + add;
        const row = cost[i] as number[];
        const cur = row[w + isWindow] as number;
        if (c < cur) {
          row[w + isWindow] = c;
          (from[i] as { j: number; w: number }[])[w + isWindow] = { j, w };
        }
      }
    }
  }
  let bestW = 0;
  const last = cost[n] as number[];
  for (let w = 1; w <= k; w++) if ((last[w] as number) < (last[bestW] as number)) bestW = w;
  // Walk back the cuts.
  const segs: { start: number; end: number; replicas: number }[] = [];
  for (let i = n, w = bestW; i > 0; ) {
    const f = (from[i] as { j: number; w: number }[])[w] as { j: number; w: number };
    let top = -INF;
    for (let h = f.j; h < i; h++) top = Math.max(top, hourly[h] as number);
    segs.unshift({ start: f.j, end: i, replicas: top });
    i = f.j;
    w = f.w;
  }
  const windows: ScheduleWindow[] = [];
  for (const s of segs) {
    if (s.replicas <= floor) continue;
    const prev = windows[windows.length - 1];
    if (prev && prev.endHour === s.start && prev.replicas === s.replicas) prev.endHour = s.end;
    else windows.push({ startHour: s.start, endHour: s.end, replicas: s.replicas });
  }
  return { floor, windows };
}

/** The replica count of each hour under a schedule. */
export function expandSchedule(schedule: Schedule, hours = 24): number[] {
  const out = new Array<number>(hours).fill(schedule.floor);
  for (const w of schedule.windows) for (let h = w.startHour; h < w.endHour && h < hours; h++) out[h] = w.replicas;
  return out;
}
