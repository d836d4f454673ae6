// The schedule's guardrails work on each local hour's replica count; after a clamp the windows
// are cut again from the hours, so an hour that rises and one that falls can share a window.
import type { ScheduleChange } from '../domain/decision.js';
import { scheduleTriggers } from '../recommend/schedule.js';

/** The schedule with new hourly counts and its windows cut again from them. */
export function withHours(s: ScheduleChange, hours: number[]): ScheduleChange {
  return { ...s, hourlyNeed: hours, proposed: scheduleTriggers(hours, s.maxWindows, s.floor, s.timezone) };
}
