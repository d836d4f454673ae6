// Scaling schedules as KEDA runs them: cron triggers over a floor, the highest active one wins.
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
