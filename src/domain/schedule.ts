// Scaling schedules as KEDA runs them: cron triggers over a floor, the highest active one wins;
// and what a schedule changes once the replicas the workload already runs (its other triggers,
// an HPA-like cpu trigger, a queue...) are counted.
import type { ScheduleChange } from './decision.js';
import type { CronWindowTrigger } from './workload.js';

/** The replicas each local hour gets from cron triggers over a floor (the highest trigger active wins, as in KEDA). */
export function hourlyFromTriggers(triggers: readonly CronWindowTrigger[], floor: number): number[] {
  const out = new Array<number>(24).fill(floor);
  for (const t of triggers) {
    const start = cronHour(t.start);
    const end = cronHour(t.end);
    if (start === undefined || end === undefined) continue;
    for (let h = start; h !== end; h = (h + 1) % 24) out[h] = Math.max(out[h] as number, t.desiredReplicas);
  }
  return out;
}

/** The hour of a daily cron expression "M H * * *" with a whole hour, else undefined. */
function cronHour(expr: string): number | undefined {
  const m = /^0 (\d{1,2}) \* \* \*$/.exec(expr.trim());
  const h = m ? Number(m[1]) : Number.NaN;
  return Number.isInteger(h) && h >= 0 && h < 24 ? h : undefined;
}

/**
 * The replicas each local hour runs before and after the schedule: what the triggers ask for over
 * the floor, and never less than what the workload already runs at that hour (`running`, from its
 * replica history), since KEDA runs the highest count any trigger asks for. A window under what
 * already runs then changes nothing; one above it adds only the difference. Without a running
 * curve, the triggers and the floor alone (the schedule costed against the floor).
 */
export function scheduleHours(s: Pick<ScheduleChange, 'current' | 'proposed' | 'floor' | 'running'>): { before: number[]; after: number[] } {
  const run = (h: number) => s.running?.[h] ?? 0;
  return {
    before: hourlyFromTriggers(s.current, s.floor).map((r, h) => Math.max(r, run(h))),
    after: hourlyFromTriggers(s.proposed, s.floor).map((r, h) => Math.max(r, run(h))),
  };
}
