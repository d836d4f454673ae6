// Recommendations and decisions: what the recommend and guard stages hand on.
import type { CostDelta } from './money.js';
import type { Note, ScheduleSkip } from './reasons.js';
import type { CronWindowTrigger, FieldKey, WorkloadId } from './workload.js';

/** One proposed change of one field, in the field's natural unit (replicas, cores, bytes). */
export interface Change {
  field: FieldKey;
  current: number;
  proposed: number;
  /** What the history alone (no forecast) supports; scale-down never goes below it. */
  observed?: number;
  /** Why this number, with the figures behind it. */
  reason: string;
}

export interface Recommendation {
  target: WorkloadId;
  changes: Change[];
  /** A KEDA cron schedule, for targets that opt in (sizing.schedule) and have a ScaledObject. */
  schedule?: ScheduleChange;
  /** Why no schedule was recommended although the target opted in (no clear cycle, no ScaledObject...). */
  scheduleSkipped?: ScheduleSkip;
  /** Human-readable lines explaining the numbers: forecast peak, quantile, horizon, capacity. */
  reasons: string[];
  /** Figures the PR body and guardrails use. */
  evidence: {
    forecastPeak?: number;
    quantile?: number;
    horizonSeconds?: number;
    capacityPerReplica?: number;
    capacitySource?: string;
    /** Replicas expected on average over the horizon, used to cost per-pod changes. */
    expectedReplicas: number;
    historySteps: number;
    oomKills?: number;
  };
}

/** A proposed KEDA cron schedule: windows of the local day with their own replica counts. */
export interface ScheduleChange {
  /** IANA time zone the windows are in. */
  timezone: string;
  /** Replicas outside the windows: the ScaledObject's minReplicaCount (at least 1). */
  floor: number;
  /** The ScaledObject's maxReplicaCount (KEDA's default 100 when unset): no window goes above it. */
  ceiling: number;
  /** At most this many windows (sizing.schedule.maxWindows). */
  maxWindows: number;
  /** Augur's cron triggers in the manifests now. */
  current: CronWindowTrigger[];
  /** The triggers proposed. */
  proposed: CronWindowTrigger[];
  /** Replicas the forecast needs in each local hour 0..23 (the windows cover these). */
  hourlyNeed: number[];
  /** Why: the cycle found, the quantile and headroom sized for. */
  reason: string;
}

export interface Decision {
  target: WorkloadId;
  /** propose: open or update a PR; hold: a guardrail stopped it; unchanged: nothing worth changing. */
  verdict: 'propose' | 'hold' | 'unchanged';
  /** Changes after the guardrails; when held, what would have been proposed. */
  changes: Change[];
  /** The schedule after the guardrails, when it changes anything. */
  schedule?: ScheduleChange;
  /** Every guardrail's note, in the order the rules ran. */
  notes: Note[];
  cost: CostDelta;
}

/** The note that holds a decision (the first held one), or undefined when it is not held. */
export function heldBy(d: Pick<Decision, 'notes'>): Note | undefined {
  return d.notes.find((n) => n.effect === 'held');
}

/** The verdict the notes and what is left to change imply. */
export function verdictOf(notes: readonly Note[], changes: readonly Change[], schedule: ScheduleChange | undefined): Decision['verdict'] {
  if (notes.some((n) => n.effect === 'held')) return 'hold';
  return changes.length === 0 && !schedule ? 'unchanged' : 'propose';
}
