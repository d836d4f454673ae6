// The schedule's guardrails work on each local hour's replica count; after a clamp the windows
// are cut again from the hours, so an hour that rises and one that falls can share a window.
import type { ScheduleChange } from '../domain/decision.js';
import { WEEK_HOURS } from '../domain/schedule.js';
import { scheduleTriggers } from '../recommend/schedule.js';

/** `{ week: true }` for a schedule's hours of the week, so a note's hour numbers are read as such. */
export const weekOf = (hours: readonly number[]): { week?: true } => (hours.length === WEEK_HOURS ? { week: true } : {});

/** The schedule with new hourly counts and its windows cut again from them. */
export function withHours(s: ScheduleChange, hours: number[]): ScheduleChange {
  return { ...s, hourlyNeed: hours, proposed: scheduleTriggers(hours, s.maxWindows, s.floor, s.timezone) };
}
