// The plain data that flows between the stages of one cycle:
//   targets -> metrics (Series) -> forecast (Forecast) -> recommend (Recommendation)
//   -> guard (Decision) -> manifests (Edit) -> forge (Proposal)
// Nothing here does I/O. Adapters (Prometheus, git, GitHub) depend on these types, never the reverse.

/** A regularly sampled time series. Timestamps are Unix seconds, ascending, one per step. */
export interface Series {
  /** Unix seconds of each sample. */
  timestamps: number[];
  /** Values; NaN marks a missing sample. */
  values: number[];
  /** Sampling interval in seconds. */
  stepSeconds: number;
}

/** Where a metric comes from: a PromQL expression or a CSV file of `timestamp,value` rows. */
export type MetricRef = { promql: string } | { file: string };

export interface RangeWindow {
  /** Unix seconds, inclusive. */
  start: number;
  /** Unix seconds, inclusive. */
  end: number;
  stepSeconds: number;
}

/**
 * A source of history. One adapter per backend (Prometheus and its compatibles, CSV files).
 * Must throw MetricsError with a message a person can act on; must never return a Series with
 * a different stepSeconds than asked for.
 */
export interface MetricsSource {
  range(ref: MetricRef, window: RangeWindow, signal?: AbortSignal): Promise<Series>;
}

export class MetricsError extends Error {
  constructor(message: string, readonly ref?: MetricRef) {
    super(message);
    this.name = 'MetricsError';
  }
}

/** Quantile levels as strings with up to three decimals, e.g. "0.5", "0.9", "0.99". */
export type QuantileKey = string;

/** How well a model did on this workload's own history (rolling-origin backtest). */
export interface Accuracy {
  /** Number of forecast origins the figures are averaged over. */
  origins: number;
  horizonSeconds: number;
  /** Mean absolute scaled error of the median forecast (1.0 = as good as seasonal naive in-sample). */
  mase: number;
  /** Weighted absolute percentage error of the median forecast, 0..1+. */
  wape: number;
  /** Pinball loss per quantile, in the unit of the series. */
  pinball: Record<QuantileKey, number>;
  /** Share of actual values at or below each quantile forecast (ideal: the quantile level). */
  coverage: Record<QuantileKey, number>;
  /** Asymmetric loss used to choose the model (under-forecast penalised more than over). */
  selectionLoss: number;
}

export interface Forecast {
  /** Model name, e.g. "holt-winters-additive(daily)". */
  model: string;
  stepSeconds: number;
  /** Unix seconds of each forecast step, starting one step after the last history sample. */
  timestamps: number[];
  /** Forecast values per quantile level; every array has timestamps.length entries. */
  quantiles: Record<QuantileKey, number[]>;
  /** Backtest accuracy of this model on the series it was fitted to, when there was enough history. */
  accuracy?: Accuracy;
  /** Other models that were scored, for the PR body. */
  candidates?: { model: string; selectionLoss: number }[];
  /** The models an ensemble averages (model is then "ensemble(a + b + c)"). */
  members?: string[];
  /** Unix seconds of the backtest that chose the model, when it was reused from an earlier cycle (see SelectionCache). */
  selectedAt?: number;
  /**
   * The parameters this model fitted (e.g. Holt-Winters' smoothing weights), opaque to everyone
   * but the model: hand them back as ForecastOptions.warmStart to the same model on the same
   * workload to skip its parameter search. Absent for models without fitted parameters, and for
   * ensembles (each member has its own).
   */
  warmStart?: unknown;
}

export interface ForecastOptions {
  horizonSteps: number;
  quantiles: number[];
  /** Seasonal periods in steps to consider (e.g. 288 for a day at 5 minutes). */
  seasonSteps?: number[];
  /** IANA time zone of the workload's day and week, for calendar features (hour, weekday; daylight saving included). Default: the model's own (UTC). */
  timezone?: string;
  /**
   * Parameters a model returned in `Forecast.warmStart` from an earlier fit on the same workload
   * (for this model only: never pass one model's to another). A model that understands them
   * skips its parameter search and only runs its recursion with them; a model that does not,
   * or that finds them invalid, ignores them and fits as usual (never an error). Not for
   * backtests or selection, which must search on each origin's own data.
   */
  warmStart?: unknown;
}

/** A forecasting model: a pure function from history to quantile forecasts. */
export interface Forecaster {
  readonly name: string;
  /** Smallest history (in steps) this model needs; below it the model is not applicable. */
  minHistorySteps(opts: ForecastOptions): number;
  forecast(history: Series, opts: ForecastOptions): Forecast;
}

// ---------------------------------------------------------------------------------------------
// Workloads and the fields Augur may change

export type WorkloadKind = 'Deployment' | 'StatefulSet';

export interface WorkloadId {
  kind: WorkloadKind;
  namespace: string;
  name: string;
}

/** The fields Augur can change. Container fields are per container. */
export type FieldKey =
  | 'replicas'
  | 'hpa.minReplicas'
  | 'hpa.maxReplicas'
  | 'cpu.request'
  | 'cpu.limit'
  | 'memory.request'
  | 'memory.limit';

/** The kind of change a policy may allow or forbid. */
/** 'schedule' is the KEDA cron windows (Recommendation.schedule), not a FieldKey. */
export type ChangeKind = 'replicas' | 'hpa' | 'requests' | 'limits' | 'schedule';

export function changeKindOf(field: FieldKey): ChangeKind {
  if (field === 'replicas') return 'replicas';
  if (field.startsWith('hpa.')) return 'hpa';
  return field.endsWith('.limit') ? 'limits' : 'requests';
}

/**
 * A field found in the manifest repository: exactly where its scalar sits, so it can be edited
 * in place without touching any other byte.
 */
export interface FieldLocation {
  field: FieldKey;
  /** Repository-relative path with forward slashes. */
  file: string;
  /** Path inside the YAML document, for messages, e.g. "spec.template.spec.containers[0].resources.requests.cpu". */
  yamlPath: string;
  /** Index of the document within a multi-document file. */
  documentIndex: number;
  /** Byte offsets (UTF-16 code units of the JS string) of the scalar's source text, [start, end). */
  range: [number, number];
  /** The scalar as written (without quotes), e.g. "2", "250m", "512Mi". */
  raw: string;
  /** Quoting style of the scalar, kept when it is rewritten. */
  style: 'plain' | 'single' | 'double';
}

/** What the manifests say about one workload. */
export interface WorkloadManifest {
  /** Fields found, by key. Missing keys were not found (see notes). */
  fields: Partial<Record<FieldKey, FieldLocation>>;
  /** An HPA (or chart HPA switch) scales this workload: replicas belong to the HPA, not spec.replicas. */
  autoscaler: 'hpa' | 'none';
  /** The container whose resources are read and changed. */
  container?: string;
  /** Files read to find the fields, for the PR body and error messages. */
  filesRead: string[];
  /** Things a reviewer should know (e.g. "spec.replicas is set but an HPA owns the workload"). */
  notes: string[];
  /** The KEDA ScaledObject that scales the workload, when one is written in the manifests (plain, kustomize). */
  scaledObject?: ScaledObjectSite;
}

/** One KEDA cron trigger as Augur writes it: desiredReplicas from `start` to `end` in `timezone`. */
export interface CronWindowTrigger {
  /** Trigger name; Augur's start with "augur-" (e.g. "augur-window-1"). */
  name: string;
  /** IANA time zone, e.g. "Europe/Berlin". */
  timezone: string;
  /** Cron expression (5 fields) when the window opens, e.g. "0 8 * * *". */
  start: string;
  /** Cron expression when it closes, e.g. "0 18 * * *". */
  end: string;
  desiredReplicas: number;
}

/** A KEDA ScaledObject (keda.sh/v1alpha1) that scales the workload, as written in the manifests. */
export interface ScaledObjectSite {
  /** Repository-relative path of the file holding it. */
  file: string;
  documentIndex: number;
  /** e.g. "ScaledObject/web". */
  label: string;
  /** spec.minReplicaCount (KEDA's default is 0) and spec.maxReplicaCount (default 100) as written, when written. */
  minReplicaCount?: number;
  maxReplicaCount?: number;
  /** The cron triggers Augur owns (type cron, name starting with "augur-"), in file order. */
  augurTriggers: CronWindowTrigger[];
  /** The other triggers, left untouched, by type (and name when set), e.g. ["cpu", "cron (business-hours)"]. */
  otherTriggers: string[];
}

/** A replacement of a block of text (e.g. the triggers of a ScaledObject) rather than of one scalar. */
export interface BlockEdit {
  file: string;
  yamlPath: string;
  /** [start, end) offsets of the replaced text; start === end inserts. */
  range: [number, number];
  /** The exact text in range when it was located (checked before the edit is applied). */
  from: string;
  to: string;
}

/** A read-only view of the manifest repository at the base commit. */
export interface RepoView {
  /** File content, or undefined when the file does not exist. Paths are repository-relative. */
  read(path: string): string | undefined;
  /** Repository-relative paths of the files directly inside a directory ("" for the root). */
  list(dir: string): string[];
}

/** One in-place scalar edit. */
export interface Edit {
  field: FieldKey;
  file: string;
  yamlPath: string;
  range: [number, number];
  style: FieldLocation['style'];
  from: string;
  to: string;
}

// ---------------------------------------------------------------------------------------------
// Recommendations and decisions

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
  scheduleSkipped?: string;
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

export type GuardrailEffect = 'passed' | 'clamped' | 'dropped' | 'held';

export interface GuardrailNote {
  /** Policy name as written in the guardrails file, e.g. "maxStepPercent.up". */
  rule: string;
  effect: GuardrailEffect;
  message: string;
}

export interface CostDelta {
  cores: number;
  memoryGiB: number;
  /** Money per month (730 hours) at the configured prices. */
  monthly: number;
  currency: string;
}

export interface Decision {
  target: WorkloadId;
  /** propose: open or update a PR; hold: a guardrail stopped it; unchanged: nothing worth changing. */
  verdict: 'propose' | 'hold' | 'unchanged';
  /** Changes after the guardrails; when held, what would have been proposed. */
  changes: Change[];
  /** The schedule after the guardrails, when it changes anything. */
  schedule?: ScheduleChange;
  notes: GuardrailNote[];
  cost: CostDelta;
  /** When held: the short reason shown first. */
  heldBecause?: string;
}
