// The "Scaling schedule" part of a PR body: the KEDA cron windows Augur writes on a ScaledObject,
// laid out so a reviewer sees in seconds when the workload gets how many replicas, why, what else
// in the ScaledObject stays as it is, and how to undo it. Pure rendering.
import { fmt } from '../domain/units.js';
import { DAY_NAMES, DAY_TYPES, hourlyFromTriggers, ofDays, scheduleHours, triggerHours, WEEK_HOURS } from '../domain/schedule.js';
import type { CronWindowTrigger, ScaledObjectSite } from '../domain/workload.js';
import type { ScheduleChange } from '../domain/decision.js';
import type { Decision } from '../domain/decision.js';
import type { ProposalItem } from '../domain/proposal.js';

/** What a schedule section needs: the schedule after the guardrails and where it is written. */
export interface ScheduleView {
  schedule: ScheduleChange;
  site: ScaledObjectSite;
  /** Guardrail messages about the schedule (clamps), to explain hours left below the need. */
  shaping: string[];
  /** What each hour was sized for. */
  /** target: sized from the backtest (cost-aware sizing) for at most this share of each hour's intervals short. */
  sizing: { quantile: number; maxQuantile: number; headroomPercent: number; target?: number };
  /** What the forecast needs each local hour before the guardrails (the schedule's hourlyNeed is after them). */
  need?: readonly number[] | undefined;
}

/** "3 windows up to 6 replicas", "remove 2 windows": for titles, tables and logs. */
export function scheduleSummary(s: ScheduleChange): string {
  if (s.proposed.length === 0) return `remove ${count(s.current.length, 'window')}`;
  return `${count(s.proposed.length, 'window')} up to ${Math.max(...s.proposed.map((t) => t.desiredReplicas))} replicas`;
}

/** "07:00–10:00", "22:00–06:00 (next day)", or the cron expressions when they are not daily. */
export function windowTime(t: Pick<CronWindowTrigger, 'start' | 'end'>): string {
  const a = dailyTime(t.start);
  const b = dailyTime(t.end);
  // A day-type window that ends at midnight ends on the next days: 22:00–24:00 on days 1-5 ends at 0:00 on days 2-6.
  if (a && b && b.minutes === 0 && a.days !== '*' && NEXT_DAYS[a.days] === b.days) return `${clock(a.minutes)}–24:00 (${dayNames(a.days)})`;
  if (!a || !b || a.days !== b.days) return `\`${t.start}\` to \`${t.end}\``;
  const overMidnight = b.minutes <= a.minutes;
  return `${clock(a.minutes)}–${clock(b.minutes)}${overMidnight ? ' (next day)' : ''}${a.days === '*' ? '' : ` (${dayNames(a.days)})`}`;
}

/** A cron day-of-week field in words, Monday first: "1-5" → "Mon–Fri", "0,6" → "Sat–Sun"; the field itself when it is not plain numbers. */
export function dayNames(days: string): string {
  const set = new Set<number>();
  for (const part of days.split(',')) {
    const m = /^(\d)(?:-(\d))?$/.exec(part.trim());
    if (!m) return `days of week ${days}`;
    const from = Number(m[1]);
    const to = m[2] === undefined ? from : Number(m[2]);
    if (from > 7 || to > 7 || to < from) return `days of week ${days}`;
    for (let d = from; d <= to; d++) set.add(d % 7);
  }
  const order = [1, 2, 3, 4, 5, 6, 0].filter((d) => set.has(d));
  const runs: number[][] = [];
  for (const d of order) {
    const run = runs[runs.length - 1];
    if (run && (run[run.length - 1]! + 1) % 7 === d) run.push(d);
    else runs.push([d]);
  }
  return runs.map((r) => (r.length === 1 ? DAY_NAMES[r[0]!] : `${DAY_NAMES[r[0]!]}–${DAY_NAMES[r[r.length - 1]!]}`)).join(', ');
}

/** One line per window: "07:00–10:00 → 9". */
export function windowsInline(triggers: readonly CronWindowTrigger[]): string {
  return triggers.map((t) => `${windowTime(t)} → ${t.desiredReplicas}`).join(', ');
}

/** The section of the PR body. */
export function renderScheduleSection(v: ScheduleView): string[] {
  const { schedule: s, site } = v;
  const now = triggerHours(s, s.current);
  const after = triggerHours(s, s.proposed);
  const running = s.running;
  const n = s.hourlyNeed.length;
  const others = site.otherTriggers;
  const out: string[] = ['### Scaling schedule (KEDA cron triggers)', ''];
  out.push(
    `Augur edits only its own cron triggers (named \`augur-*\`) in \`${site.label}\` (\`${site.file}\`, under \`spec.triggers\`). ` +
      (others.length > 0
        ? `The other triggers stay as they are: ${others.map((o) => `\`${o}\``).join(', ')}; KEDA runs the highest count any trigger asks for, so they still scale above the windows.`
        : 'The ScaledObject has no other triggers.'),
    '',
    `Times are local to **${s.timezone}** (KEDA applies the zone, daylight saving included). ` +
      `Outside the windows the floor is **${s.floor}** (the ScaledObject's \`minReplicaCount\`); no window goes above **${s.ceiling}** (\`maxReplicaCount\`${site.maxReplicaCount === undefined ? ", KEDA's default" : ''}).`,
    '',
  );
  if (s.proposed.length > 0) {
    out.push(`| Window | Local time | Replicas now |${running ? ' Runs today |' : ''} Proposed |`, `|---|---|---|${running ? '---|' : ''}---|`);
    for (const t of s.proposed) {
      const hours = hoursOf(t, n);
      const current = hours.length > 0 ? Math.max(...hours.map((h) => now[h] as number)) : s.floor;
      const runs = running ? ` ${span(hours.map((h) => running[h] as number))} |` : '';
      out.push(`| \`${t.name}\` | ${windowTime(t)} | ${current} |${runs} **${t.desiredReplicas}** |`);
    }
    out.push('');
    if (running) out.push('"Runs today" is what the workload ran in those hours (the median day of its replica history): the other triggers already run that many, so a window adds only what it asks above it.', '');
  } else out.push(`No window is needed any more: the ${count(s.current.length, 'trigger')} Augur wrote before ${s.current.length === 1 ? 'is' : 'are'} removed and the floor of ${s.floor} applies all day.`, '');
  if (s.current.length > 0 && s.proposed.length > 0) out.push(`These replace Augur's current windows: ${windowsInline(s.current)}.`, '');

  out.push(`**Why:** ${scheduleReason(s, v.sizing)}.`, '');
  const need = v.need ?? s.hourlyNeed;
  out.push(
    `Replicas per local hour: what the forecast needs (sized as in the reason above, before the guardrails),${running ? ' what the workload runs today (median day of its replica history),' : ''} what the cron windows and the floor give now, and with this PR` +
      (n === WEEK_HOURS ? ' (for each day type, the highest of its days at each hour):' : ':'),
    '',
    ...(n === WEEK_HOURS
      ? DAY_TYPES.flatMap((t) => [`${t.label}:`, '', '```', ...hourlyGrid(...([need, now, after].map((xs) => ofDays(xs, t.days)) as [number[], number[], number[]]), running && ofDays(running, t.days)), '```', ''])
      : ['```', ...hourlyGrid(need, now, after, running), '```', '']),
  );
  const short =
    n === WEEK_HOURS
      ? DAY_TYPES.flatMap((t) => hourRanges(ofDays(need, t.days).map((x, h) => (ofDays(after, t.days)[h] as number) < x)).map((r) => `on ${t.name} ${r}`))
      : hourRanges(need.map((x, h) => (after[h] as number) < x));
  if (short.length > 0) {
    out.push(
      `Below the forecast need ${short.join(', ')}: ${v.shaping.length > 0 ? `the guardrails held the windows back (${v.shaping.join('; ')})` : 'the windows are capped'}` +
        (others.length > 0 ? `; the other triggers (${others.join(', ')}) still scale up when the load comes.` : '.'),
      '',
    );
  }
  const avg = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const costed = scheduleHours(s);
  out.push(
    running
      ? `Replicas over the ${n === WEEK_HOURS ? 'week' : 'day'}, counting what already runs: ${fmt(avg(costed.before))} on average now, ${fmt(avg(costed.after))} with the windows, at most ${fmt(Math.max(...costed.after))}; the windows add ${fmt(avg(costed.after) - avg(costed.before))} on average (the cost below is this).`
      : `Replicas over the ${n === WEEK_HOURS ? 'week' : 'day'}: ${fmt(avg(now))} on average now, ${fmt(avg(after))} with the windows, at most ${Math.max(...after)} (the cost below includes this; costed against the floor, as no replica history was read).`,
    '',
    `To roll back: revert this PR, and the GitOps sync gives the ScaledObject its previous triggers (${s.current.length === 0 ? 'none of Augur\'s' : windowsInline(s.current)}). ` +
      `By hand: ${s.current.length === 0 ? `delete the \`augur-*\` triggers from \`${site.file}\`` : `set the \`augur-*\` triggers in \`${site.file}\` back to those`}; the floor and the other triggers are not touched either way.`,
    '',
  );
  return out;
}

/** The hourly rows, one column per local hour, aligned for a monospace block. */
export function hourlyGrid(need: readonly number[], now: readonly number[], proposed: readonly number[], running?: readonly number[]): string[] {
  const runs = running?.map((r) => fmt(r));
  const width = Math.max(2, ...[...need, ...now, ...proposed, ...(runs ?? [])].map((n) => String(n).length)) + 1;
  const row = (label: string, cells: readonly (number | string)[]) => label.padEnd(9) + cells.map((c) => String(c).padStart(width)).join('');
  return [
    row('hour', Array.from({ length: 24 }, (_, h) => String(h).padStart(2, '0'))),
    row('need', need),
    ...(runs ? [row('runs', runs)] : []),
    row('now', now),
    row('proposed', proposed),
  ];
}

/** "3", "2–5": the range of a few replica counts. */
function span(xs: readonly number[]): string {
  if (xs.length === 0) return '–';
  const [lo, hi] = [Math.min(...xs), Math.max(...xs)];
  return lo === hi ? fmt(lo) : `${fmt(lo)}–${fmt(hi)}`;
}

/** "13:00–23:00", "from 22:00 to 02:00" style spans of the hours flagged true, for prose. */
export function hourRanges(flags: readonly boolean[]): string[] {
  if (flags.every(Boolean)) return ['all day'];
  const out: string[] = [];
  // Start at an unflagged hour so a span over midnight is one span.
  const first = flags.findIndex((f) => !f);
  let start: number | undefined;
  for (let i = 1; i <= 24; i++) {
    const h = (first + i) % 24;
    if (flags[h] && start === undefined) start = h;
    if (!flags[h] && start !== undefined) {
      out.push(`${clock(start * 60)}–${clock(h * 60)}`);
      start = undefined;
    }
  }
  return out.map((r) => `in ${r}`);
}

/** The local hours (of the day, or of the week) a trigger covers. */
function hoursOf(t: CronWindowTrigger, hours: number): number[] {
  return hourlyFromTriggers([{ ...t, desiredReplicas: 1 }], 0, hours).flatMap((r, h) => (r > 0 ? [h] : []));
}

function dailyTime(expr: string): { minutes: number; days: string } | undefined {
  const m = /^(\d{1,2}) (\d{1,2}) \* \* (\S+)$/.exec(expr.trim());
  if (!m) return undefined;
  const minute = Number(m[1]);
  const hour = Number(m[2]);
  if (minute > 59 || hour > 23) return undefined;
  return { minutes: hour * 60 + minute, days: m[3] as string };
}

/** The day-of-week fields Augur writes for its day types, and the days after them. */
const NEXT_DAYS: Record<string, string> = { '1-5': '2-6', '0,6': '0,1' };

const clock = (minutes: number) => `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
const count = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`;

/** The schedule an item writes, with its ScaledObject: set only when there is a block edit for it. */
export function scheduleOf(item: ProposalItem): { schedule: NonNullable<Decision['schedule']>; site: ScaledObjectSite } | undefined {
  const schedule = item.decision.schedule;
  return schedule && item.scaledObject && item.blocks.length > 0 ? { schedule, site: item.scaledObject } : undefined;
}

/** Why these windows: the cycle found, and what each hour is sized for. */
export function scheduleReason(s: ScheduleChange, z: ScheduleView['sizing']): string {
  const cycle =
    (s.cycle.period === 'daily' ? `daily cycle (autocorrelation ${s.cycle.autocorrelation.toFixed(2)} at 1 day)` : `weekly cycle (autocorrelation ${s.cycle.autocorrelation.toFixed(2)} at 7 days)`) +
    (s.weekSets
      ? `; weekdays and weekends get windows of their own, as their hourly profiles differ by ${Math.round(s.weekSets.difference * 100)}% of the mean load, more than the forecast's own error (${Math.round(s.weekSets.error * 100)}%)`
      : '');
  const covers =
    z.target !== undefined
      ? `each window covers its hours in ${s.timezone} with the smallest load expected short at most ${Math.round(z.target * 1000) / 10}% of the time, from the residuals of the forecast p${Math.round(z.quantile * 100)} on this workload's backtest`
      : `each window covers the forecast p${Math.round(z.quantile * 100)} + ${z.headroomPercent}% (and at least the p${Math.round(z.maxQuantile * 100)}) of its hours in ${s.timezone}`;
  return (
    `${cycle}; ${covers}, ` +
    `at most ${s.maxWindows} windows${s.weekSets ? ' per day type' : ''} above the floor of ${s.floor} (the ScaledObject's minReplicaCount)`
  );
}
