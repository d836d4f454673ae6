// Freeze windows in a time zone: Intl knows every zone and its DST rules; croner finds a cron
// expression's previous run (no minute-by-minute walk).
import { Cron } from 'croner';
import type { Policy } from '../config/schema.js';

type FreezeWindow = Policy['freezeWindows'][number];

import { wallClock } from '../util/zoned.js';

export { wallClock };

/**
 * Unix seconds of a wall-clock time in a zone. When DST makes it ambiguous (autumn), the earlier
 * instant; when it does not exist (spring gap), the instant the clock jumps to.
 */
export function zonedToUnix(y: number, mo: number, d: number, h: number, mi: number, tz: string): number {
  const { matches, candidates } = instantsOfWall(Date.UTC(y, mo - 1, d, h, mi) / 1000, tz);
  return matches[0] ?? candidates[candidates.length - 1]!;
}

/** A wall-clock time written as if it were UTC (Date.UTC of its fields), in seconds. */
function wallSeconds(t: number, tz: string): number {
  const w = wallClock(t, tz);
  return Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute) / 1000;
}

/** Seconds the wall clock in `tz` is ahead of UTC at `t`. */
const offsetOf = (t: number, tz: string) => wallSeconds(t, tz) - Math.floor(t / 60) * 60;

/**
 * Every instant whose wall clock in `tz` reads `wall` (a wall time as Date.UTC seconds, to the
 * minute): none in a spring gap, two in an autumn fold; `candidates` are the instants the offsets
 * around it would give.
 */
function instantsOfWall(wall: number, tz: string): { matches: number[]; candidates: number[] } {
  const offsetAt = (t: number) => offsetOf(t, tz);
  // The offsets a day before and after cover both sides of any transition near this time.
  const candidates = [...new Set([offsetAt(wall - 86_400), offsetAt(wall + 86_400)])].map((o) => wall - o).sort((a, b) => a - b);
  return { matches: candidates.filter((t) => wallSeconds(t, tz) === wall), candidates };
}

/**
 * Parses "2026-12-20" or "2026-12-20T18:00" as wall time in tz; an explicit offset or Z wins (an
 * hour-only one, "+01", included: Date.parse refuses it rather than it being dropped). A field out
 * of the range Date.parse takes with an offset (month 13, hour 25, minute 60) is NaN here too, not
 * rolled over into another day.
 */
export function parseZoned(text: string, tz: string): number {
  if (/[zZ]|[+-]\d\d(?::?\d\d)?$/.test(text.slice(10))) return Date.parse(text) / 1000;
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2}))?/.exec(text);
  if (!m) return NaN;
  const [mo, d, h, mi] = [Number(m[2]), Number(m[3]), Number(m[4] ?? 0), Number(m[5] ?? 0)];
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 24 || (h === 24 && mi > 0) || mi > 59) return NaN;
  return zonedToUnix(Number(m[1]), mo, d, h, mi, tz);
}

/** How far around `now` a DST transition can move wall time against real time (the largest shift is 1 h; 3 h is safe). */
const DST_MARGIN = 3 * 3600;

const crons = new Map<string, Cron>();
/**
 * The expression as a paused croner job over wall-clock time (read as UTC): it matches wall-clock
 * minutes as classic cron does (day of month OR weekday when both are set), so a time in a spring
 * gap never fires and one in an autumn fold fires twice, as a wall clock shows them. A `?` in a day
 * field (Quartz's "any", "0 16 ? * FRI") is read as `*`: croner takes it as a day that is set, and
 * with OR the window would fire every day.
 */
function wallCron(expr: string): Cron {
  let c = crons.get(expr);
  if (!c) {
    c = new Cron(expr.replace(/\?/g, '*'), { timezone: 'UTC', paused: true, domAndDow: false });
    crons.set(expr, c);
  }
  return c;
}

/**
 * The previous wall-clock run of `cron` strictly before `wall` (Date.UTC seconds), if any, to the
 * minute (a seconds field, "30 0 16 * * 5", fires at its minute: wall times are compared to the
 * minute). croner's previousRuns throws when it steps back into an earlier month of the year that
 * is shorter than the day field allows ("0 0 * 11 *" from December); then the run is found forward.
 */
function previousWallRun(cron: Cron, wall: number): number | undefined {
  let run: number | undefined;
  try {
    const [d] = cron.previousRuns(1, new Date(wall * 1000));
    run = d ? d.getTime() / 1000 : undefined;
  } catch {
    run = previousRunForward(cron, wall);
  }
  return run === undefined ? undefined : Math.floor(run / 60) * 60;
}

/** Cron runs repeat within 8 years (29 February), so the last run before any time is at most this far back. */
const LONGEST_GAP = 8 * 366 * 86_400;

/**
 * The last run strictly before `wall` from croner's nextRun alone: the latest second whose next run
 * is still before `wall` (a binary search, about 30 lookups), reached back by doubling.
 */
function previousRunForward(cron: Cron, wall: number): number | undefined {
  const next = (t: number) => cron.nextRun(new Date(t * 1000))?.getTime() ?? Number.POSITIVE_INFINITY;
  let back = 86_400;
  while (next(wall - back) / 1000 >= wall) {
    if (back > LONGEST_GAP) return undefined;
    back *= 2;
  }
  let lo = wall - back;
  let hi = wall;
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (next(mid) / 1000 < wall) lo = mid;
    else hi = mid;
  }
  return next(lo) / 1000;
}

/**
 * The last instant at or before `now` at which `expr` fired in `tz`, from croner's previous runs.
 * Away from a DST transition one lookup does it; within DST_MARGIN of one, every wall-clock run
 * around now is turned into its instants (none, one or two) and the latest one not after now wins.
 */
export function lastCronFire(expr: string, now: number, tz: string): number | undefined {
  // A cycle checks the same windows at the same clock for every target: answered once.
  const key = `${expr}\u0000${now}\u0000${tz}`;
  if (fires.has(key)) return fires.get(key);
  if (fires.size >= 1024) fires.clear();
  const fire = lastCronFireUncached(expr, now, tz);
  fires.set(key, fire);
  return fire;
}

const fires = new Map<string, number | undefined>();

function lastCronFireUncached(expr: string, now: number, tz: string): number | undefined {
  const cron = wallCron(expr);
  const wallNow = wallSeconds(now, tz);
  const offset = offsetOf(now, tz);
  const steady = offsetOf(now - DST_MARGIN, tz) === offset && offsetOf(now + DST_MARGIN, tz) === offset;
  let ref = steady ? wallNow + 60 : wallNow + DST_MARGIN + 60;
  let best: number | undefined;
  for (;;) {
    const w = previousWallRun(cron, ref);
    if (w === undefined) return best;
    for (const t of instantsOfWall(w, tz).matches) if (t <= now && (best === undefined || t > best)) best = t;
    // Away from a transition the first run at or before now is the last fire; near one, runs
    // further back than the margin cannot fire later than those already seen.
    if ((steady || w < wallNow - DST_MARGIN) && best !== undefined) return best;
    ref = w;
  }
}

/** The freeze window that contains `now`, if any. */
export function activeFreeze(windows: FreezeWindow[], now: number, defaultTz: string): FreezeWindow | undefined {
  for (const w of windows) {
    const tz = w.timezone ?? defaultTz;
    if ('from' in w) {
      if (now >= parseZoned(w.from, tz) && now < parseZoned(w.to, tz)) return w;
      continue;
    }
    // Active when the cron fired within the last `duration` seconds (its last run, not a walk).
    const fired = lastCronFire(w.cron, now, tz);
    if (fired !== undefined && fired > now - w.duration) return w;
  }
  return undefined;
}
