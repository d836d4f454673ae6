// Recommendations and decisions: what the recommend and guard stages hand on.
import type { CostDelta } from './money.js';
import type { Note, ScheduleSkip } from './reasons.js';
import type { CronWindowTrigger, FieldKey, WorkloadId } from './workload.js';

/**
 * Why a change proposes its number: the sizing arithmetic, as data (forge/ renders it with units).
 * Loads are in the load's unit; replicas = ceil(load × headroom ÷ perReplica).
 */
export type Basis =
  /** spec.replicas: the sized quantile's forecast peak, with the headroom. */
  | { kind: 'peak'; load: number; quantile: number; headroom: number; perReplica: number }
  /** spec.replicas: the high quantile's peak, when its bursts need more than the sized quantile with headroom. */
  | { kind: 'burst'; load: number; quantile: number; perReplica: number; sized: { load: number; quantile: number; headroom: number } }
  /**
   * spec.replicas from the workload's own backtest (recommend/sizing.ts): the smallest load whose
   * expected under-provisioned share is within `target`, `margin` above the sized quantile's peak;
   * `burst` when recurring bursts above the high quantile set it.
   */
  | {
      kind: 'calibrated';
      load: number;
      quantile: number;
      peak: number;
      margin: number;
      target: number;
      expected: number;
      equivalentQuantile?: number;
      residuals: number;
      buckets: number;
      burst?: { days: number; of: number; ratio: number; quantile: number; load: number };
      perReplica: number;
    }
  /** HPA minReplicas: the forecast median's trough, so the HPA starts each ramp from there. */
  | { kind: 'trough'; load: number; headroom: number; perReplica: number }
  /** HPA maxReplicas: the high quantile's peak. */
  | { kind: 'ceiling'; load: number; quantile: number; headroom: number; perReplica: number }
  /** A CPU request: a percentile of the busiest pod's CPU, plus a margin (cores). */
  | { kind: 'cpuPercentile'; percentile: number; usage: number; marginPercent: number }
  /** A memory request: the peak working set plus a margin (bytes). */
  | { kind: 'memoryPeak'; peak: number; marginPercent: number }
  /** A memory request after OOM kills: at least bumpPercent over the current request. */
  | { kind: 'oomBump'; ooms: number; bumpPercent: number; peak: number }
  /** A limit: keeps its ratio to the request. */
  | { kind: 'limitRatio'; ratio: number };

/** One proposed change of one field, in the field's natural unit (replicas, cores, bytes). */
export interface Change {
  field: FieldKey;
  current: number;
  proposed: number;
  /** What the history alone (no forecast) supports; scale-down never goes below it. */
  observed?: number;
  /** Why this number: the figures behind it. */
  basis: Basis;
}

/** Where the load one replica serves comes from. */
export type CapacitySource = { kind: 'given' } | { kind: 'derived'; perCore: number; cpuRequest: number; targetUtilization: number };

export interface Recommendation {
  target: WorkloadId;
  changes: Change[];
  /** A KEDA cron schedule, for targets that opt in (sizing.schedule) and have a ScaledObject. */
  schedule?: ScheduleChange;
  /** Why no schedule was recommended although the target opted in (no clear cycle, no ScaledObject...). */
  scheduleSkipped?: ScheduleSkip;
  /** The figures behind the numbers, for the PR body and the guardrails. */
  evidence: {
    /** Peak of the sized quantile's forecast over the horizon. */
    forecastPeak: number;
    /** Peak of the high quantile's forecast (sizing.maxQuantile). */
    highPeak: number;
    quantile: number;
    maxQuantile: number;
    headroomPercent: number;
    horizonSeconds: number;
    /** The model (or ensemble) that forecast. */
    model: string;
    /** Peak of the observed load over the last `observedSeconds`. */
    observedPeak: number;
    observedSeconds: number;
    capacityPerReplica: number;
    capacitySource: CapacitySource;
    /** Who owns the replica count: nobody (spec.replicas), an HPA (its bounds in Git), or a KEDA ScaledObject (its label). */
    owner: { kind: 'none' } | { kind: 'hpa'; minReplicas?: number; maxReplicas?: number } | { kind: 'keda'; label: string };
    /** Replicas expected on average over the horizon, within the bounds in place, used to cost per-pod changes. */
    expectedReplicas: number;
    /** Replicas the forecast median needs at each step of the horizon (no bounds), to cost new HPA bounds. */
    demand: number[];
    historySteps: number;
    oomKills?: number;
    /** The day's capacity from the backtest (cost-aware sizing), when the forecast carried one. */
    calibrated?: { load: number; quantile: number; peak: number; margin: number; target: number; expected: number; equivalentQuantile?: number; residuals: number; buckets: number; burst?: { days: number; of: number; ratio: number; quantile: number; load: number } };
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
  /**
   * Replicas the forecast needs in each local hour (the windows cover these): 24 hours of a day, or
   * the 168 of a week (Sunday 00:00 first) when the triggers name days of the week. Every other
   * hourly array of the schedule (running) has this length.
   */
  hourlyNeed: number[];
  /** The cycle found in the history that makes a schedule worth it. */
  cycle: { period: 'daily' | 'weekly'; autocorrelation: number };
  /**
   * Set when weekdays and weekends get windows of their own: their mean hourly profiles differ by
   * `difference` of the mean load, more than the forecast's own error (`error`, the backtest's WAPE).
   */
  weekSets?: { difference: number; error: number };
  /**
   * Replicas the workload ran at each local hour over its history (the median over the days, from
   * the replicas metric): what its other triggers already run. The schedule is costed above it;
   * undefined without replica history (then against the floor).
   */
  running?: number[];
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
  /** What the change adds per month on average (expected replicas × the pod's requests). */
  cost: CostDelta;
  /** What it adds at its peak: at the new HPA ceiling, the schedule's busiest hour, the replicas it runs. */
  peakCost?: CostDelta;
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
