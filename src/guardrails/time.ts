// Freeze windows in a time zone, without a date library: Intl knows every zone and its DST rules.
import cron from 'node-cron';
import type { Policy } from '../config/schema.js';

type FreezeWindow = Policy['freezeWindows'][number];

import { wallClock, type WallClock } from '../util/zoned.js';

export { wallClock };

/**
 * Unix seconds of a wall-clock time in a zone. When DST makes it ambiguous (autumn), the earlier
 * instant; when it does not exist (spring gap), the instant the clock jumps to.
 */
export function zonedToUnix(y: number, mo: number, d: number, h: number, mi: number, tz: string): number {
  const asUtc = Date.UTC(y, mo - 1, d, h, mi) / 1000;
  const offsetAt = (t: number) => {
    const w = wallClock(t, tz);
    return Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute) / 1000 - Math.floor(t / 60) * 60;
  };
  // The offsets a day before and after cover both sides of any transition near this time.
  const candidates = [...new Set([offsetAt(asUtc - 86_400), offsetAt(asUtc + 86_400)])].map((o) => asUtc - o).sort((a, b) => a - b);
  const matches = candidates.filter((t) => {
    const w = wallClock(t, tz);
    return w.year === y && w.month === mo && w.day === d && w.hour === h && w.minute === mi;
  });
  return matches[0] ?? candidates[candidates.length - 1]!;
}

/** Parses "2026-12-20" or "2026-12-20T18:00" as wall time in tz; an explicit offset or Z wins. */
export function parseZoned(text: string, tz: string): number {
  if (/[zZ]|[+-]\d\d:?\d\d$/.test(text.slice(10))) return Date.parse(text) / 1000;
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2}))?/.exec(text);
  if (!m) return NaN;
  return zonedToUnix(Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4] ?? 0), Number(m[5] ?? 0), tz);
}

function cronMatches(expr: string, w: WallClock): boolean {
  const f = cron.parse(expr);
  const domRestricted = f.dayOfMonth.length < 31;
  const dowRestricted = new Set(f.dayOfWeek.map((d) => Number(d) % 7)).size < 7;
  const dom = f.dayOfMonth.map(Number).includes(w.day);
  const dow = f.dayOfWeek.map((d) => Number(d) % 7).includes(w.weekday);
  // Classic cron: when both day fields are restricted, either one matching is enough.
  const dayOk = domRestricted && dowRestricted ? dom || dow : dom && dow;
  return dayOk && f.month.includes(w.month) && f.hour.includes(w.hour) && f.minute.includes(w.minute);
}

/** The freeze window that contains `now`, if any. */
export function activeFreeze(windows: FreezeWindow[], now: number, defaultTz: string): FreezeWindow | undefined {
  for (const w of windows) {
    const tz = w.timezone ?? defaultTz;
    if ('from' in w) {
      if (now >= parseZoned(w.from, tz) && now < parseZoned(w.to, tz)) return w;
      continue;
    }
    // Active when the cron fired within the last `duration` seconds: walk back minute by minute.
    const start = Math.floor(now / 60) * 60;
    for (let t = start; t > now - w.duration; t -= 60) {
      if (cronMatches(w.cron, wallClock(t, tz))) return w;
    }
  }
  return undefined;
}
