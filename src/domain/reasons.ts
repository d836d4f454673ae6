// Why Augur did what it did, as data: every guardrail note, every finding about a target's
// inputs, every reason a schedule was not proposed. Tests assert on these; only forge/ (PR body,
// dashboard) and the CLI turn them into English (src/forge/reasons.ts).
import type { Denial } from './cluster.js';
import type { CostDelta } from './money.js';
import type { ChangeKind, FieldKey } from './workload.js';

export type Effect = 'passed' | 'clamped' | 'dropped' | 'held';

/** What makes a series physically senseless (guardrails/rules/sanity.ts). */
export type SenseIssue = 'negative' | 'nonFinite' | 'absurd' | 'zero';

/** A freeze window as the note carries it (the policy's shape, durations in seconds). */
export type FreezeWindowRef =
  | { cron: string; duration: number; timezone?: string | undefined; reason?: string | undefined }
  | { from: string; to: string; timezone?: string | undefined; reason?: string | undefined };

/** The most a PR or a namespace may add (budget.perPR, budget.perNamespace). */
export interface BudgetRef {
  cores?: number | undefined;
  memoryGiB?: number | undefined;
  monthly?: number | undefined;
}

/** One value moved by a rule: the field, what it was and what it became. */
export interface Move {
  field: FieldKey;
  from: number;
  to: number;
}

/** A quota or the cluster's allocatable that the added requests overflow. */
export interface Overflow {
  source: string;
  resource: 'cpu' | 'memory';
  /** Requested after the change, and the limit (cores or bytes). */
  after: number;
  limit: number;
}

/** A proposed container value outside a LimitRange bound. */
export interface LimitViolation {
  field: FieldKey;
  value: number;
  bound: 'max' | 'min';
  limit: number;
  source?: string | undefined;
}

/**
 * A guardrail's note on one decision. `rule` is the name a reviewer knows from the guardrails
 * file (a rule that clamps up and down names the direction: "maxStepPercent.up"); `effect` says
 * what it did; the rest are the figures behind it. A held note holds the decision.
 */
export type Note =
  // --- facts: before any forecast
  | { rule: 'manifest'; effect: 'held'; problem: string; field?: FieldKey }
  | { rule: 'manifest'; effect: 'dropped' | 'held'; schedule: true; problem: string }
  | { rule: 'drift'; effect: 'held'; notInCluster: { kind: string; namespace: string; name: string } }
  | { rule: 'drift'; effect: 'held'; differences: { field: FieldKey; git: number; live: number }[] }
  | { rule: 'metrics'; effect: 'held'; metric: 'load'; cause: 'read'; error: string }
  | { rule: 'metrics'; effect: 'held'; metric: 'load'; cause: 'empty'; steps: number }
  | { rule: 'metrics'; effect: 'held'; metric: 'load'; cause: 'stale'; ageSeconds: number; windowEnd: number }
  | { rule: 'capacity'; effect: 'held' }
  /** The load makes no physical sense: `count` samples, the worst being `value`. */
  | { rule: 'sanity'; effect: 'held'; metric: 'load'; issue: SenseIssue; count: number; value: number }
  // --- the draft: the recommendation, field by field
  | { rule: 'sanity'; effect: 'held'; values: { field: FieldKey; value: number }[] }
  | { rule: 'sanity'; effect: 'passed' }
  | { rule: 'plausibility'; effect: 'held'; field: FieldKey; raw: number; current: number; limit: number }
  | { rule: 'plausibility'; effect: 'held'; capacity: { observedPeak: number; replicas: number; perReplica: number }; limit: number }
  | { rule: 'plausibility'; effect: 'passed'; limit: number }
  | { rule: 'protected'; effect: 'held' | 'passed' }
  | { rule: 'minHistory'; effect: 'held' | 'passed'; haveSeconds: number; needSeconds: number }
  | { rule: 'minHistory'; effect: 'held'; forecastError: string }
  /**
   * skill: pinball skill of the sizing quantile (q) against seasonal naive on the same backtest,
   * judged against min; accuracy: 1 − WAPE of the median, shown only. Neither without a backtest:
   * then historySeconds and horizonSeconds say why.
   */
  | { rule: 'minAccuracy'; effect: 'held' | 'passed'; skill?: number; quantile?: number; reference?: string; accuracy?: number; min: number; historySeconds?: number; horizonSeconds?: number }
  | { rule: 'freezeWindows'; effect: 'held'; window: FreezeWindowRef }
  | { rule: 'freezeWindows'; effect: 'passed'; windows: number }
  | { rule: 'cooldown'; effect: 'held' | 'passed'; mergedAgo?: number; cooldown: number }
  | { rule: 'allowedChanges'; effect: 'dropped'; fields: FieldKey[]; allowed: ChangeKind[] }
  | { rule: 'allowedChanges'; effect: 'dropped'; schedule: true; allowed: ChangeKind[] }
  | { rule: 'allowedChanges'; effect: 'passed'; allowed: ChangeKind[] }
  | { rule: 'scaleDownOnEvidenceOnly'; effect: 'clamped'; field: FieldKey; forecast: number; supported: number }
  | { rule: 'scaleDownOnEvidenceOnly'; effect: 'passed' }
  | ({ rule: 'minReplicas/maxReplicas'; effect: 'clamped'; min: number; max: number } & Move)
  /** hours: of the day, or of the week (0 = Sunday 00:00) when `week`. */
  | { rule: 'minReplicas/maxReplicas'; effect: 'clamped'; schedule: true; hours: number[]; week?: true; min: number; upper: number; max: number; ceiling: number }
  | { rule: 'minReplicas/maxReplicas'; effect: 'passed'; min: number; max: number }
  | ({ rule: 'maxCpuPerPod' | 'maxMemoryPerPod'; effect: 'clamped' } & Move)
  | { rule: 'maxCpuPerPod/maxMemoryPerPod'; effect: 'passed'; cpu: number; memory: number }
  | ({ rule: 'maxStepPercent.up' | 'maxStepPercent.down'; effect: 'clamped'; percent: number; oneReplica: boolean } & Move)
  | { rule: 'maxStepPercent'; effect: 'clamped'; schedule: true; hours: number[]; week?: true; up: number; down: number }
  | { rule: 'maxStepPercent'; effect: 'passed'; up: number; down: number }
  | ({ rule: 'consistency'; effect: 'clamped'; limit: 'request below limit' } & Move)
  | { rule: 'minChangePercent'; effect: 'dropped'; moves: Move[]; percent: number }
  | { rule: 'minChangePercent'; effect: 'dropped'; schedule: true; percent: number }
  | { rule: 'minChangePercent'; effect: 'passed'; percent: number }
  | { rule: 'rejectedBackoff'; effect: 'held'; pr: number; closedAgo: number; backoff: number; percent: number }
  | { rule: 'rejectedBackoff'; effect: 'passed'; pr?: number }
  | { rule: 'memoryLeak'; effect: 'held'; growthPerDay: number; segments: number }
  | { rule: 'memoryLeak'; effect: 'passed' }
  | { rule: 'budget.perPR'; effect: 'held' | 'passed'; cost: CostDelta; budget: BudgetRef }
  // --- the cluster: admission of the proposed objects
  | { rule: 'limitRange'; effect: 'held'; violations: LimitViolation[] }
  | { rule: 'headroom'; effect: 'held'; overflows: Overflow[] }
  | { rule: 'headroom'; effect: 'passed'; figures: boolean }
  | { rule: 'admission'; effect: 'held'; mode: 'update' | 'copy'; object: string; denial: Denial }
  | { rule: 'admission'; effect: 'passed'; mode: 'update' | 'copy'; unchecked: string[] }
  /** The dry run could not run (no answer, a server error, a permission Augur lacks) and cluster.required is off. */
  | { rule: 'admission'; effect: 'passed'; notRun: string }
  /** cluster.required: checks that could not run, each with why (never a verdict on the change). */
  | { rule: 'cluster.required'; effect: 'held'; failed: { check: string; error: string }[] }
  // --- the fleet: limits across targets
  | { rule: 'budget.perNamespace'; effect: 'held' | 'passed'; namespace: string; total: CostDelta; budget: BudgetRef & { period: number } }
  | { rule: 'limits.maxOpenPRs'; effect: 'held'; open: number; limit: number }
  | { rule: 'limits.maxPRsPerHour'; effect: 'held'; opened: number; limit: number };

export type RuleName = Note['rule'];

/** What a reviewer should know about a target's inputs, whatever the decision. */
export type Finding =
  /** Something the manifest locator noticed (GitOps lint), already naming the file, path and fix. */
  | { kind: 'manifest'; text: string }
  | { kind: 'clusterUnread'; error: string }
  | { kind: 'autoscalerFight'; by: 'hpa' | 'keda'; replicas: number }
  | { kind: 'counter'; resets: number }
  /** The load history's cleaning: samples filled, incident runs (Unix seconds) and their steps excluded from training, extreme samples kept, of `steps`. */
  | { kind: 'history'; steps: number; filled: number; incidents: [number, number][]; excluded: number; outliers: number }
  | { kind: 'metricUnavailable'; metric: string; error: string }
  /** An optional metric left out because it makes no physical sense (its changes are skipped). */
  | { kind: 'metricSenseless'; metric: string; issue: SenseIssue; count: number; value: number }
  /** A field Augur may add is not in Git: what it is taken to be today (the live count, or Kubernetes' default). */
  | { kind: 'absent'; field: FieldKey; file: string; yamlPath: string; value: number; source: 'cluster' | 'default' };

/** Why no KEDA schedule was proposed although the target opted in (sizing.schedule). */
export type ScheduleSkip =
  | { kind: 'noScaledObject' }
  | { kind: 'noCycle'; day?: number | undefined; week?: number | undefined }
  | { kind: 'notWritten'; problem: string };

/**
 * What a reviewer must see before approving: a sign that the change may be valid and green and
 * still wrong. Computed from the decision and its evidence (src/review/flags.ts), shown only when
 * it fires, in the PR's decision box.
 */
export type RedFlag =
  /** Less than two weeks of history: the weekly shape is barely known. */
  | { flag: 'shortHistory'; days: number }
  /** The model did worse than "same as last week" (MASE > 1) or its sizing quantile covered too little. */
  | { flag: 'inaccurate'; mase: number; coverage?: number | undefined; quantile: number }
  /** The forecast's high quantile peak is far above the sized one: bursts drive the size. */
  | { flag: 'bursty'; ratio: number }
  /** One hour of the history peaked far above every other day: one event sets the size. */
  | { flag: 'oneHour'; start: number; peak: number; otherDays: number }
  /** A large share of the history was filled in or excluded, not observed. */
  | { flag: 'dataFilled'; share: number; filled: number; excluded: number; steps: number }
  /** Incidents (load far below the usual) were excluded from training. */
  | { flag: 'incidents'; count: number }
  /** The same hours a week ago peaked above what the proposed replicas (or HPA ceiling) serve: the forecast expects that peak not to return. */
  | { flag: 'belowObserved'; observedPeak: number; capacity: number; replicas: number; days: number; recommended: number }
  /** The guardrails cut the recommendation by more than half (or raised it more than 2×): its raw number says something is off. */
  | { flag: 'clamped'; field: FieldKey; raw: number; proposed: number }
  /** The working set has reached the memory limit. */
  | { flag: 'memoryAtLimit'; peak: number; limit: number }
  /** OOM kills in the history. */
  | { flag: 'oomKills'; count: number }
  /** The working set grows steadily between restarts. */
  | { flag: 'leak'; growthPerDay: number }
  /** A request changes on a workload whose HPA scales on that resource's utilization: the HPA will see utilization move by the inverse factor. */
  | { flag: 'hpaResource'; resource: 'cpu' | 'memory'; factor: number }
  /** The edit lands in a file other environments build from. */
  | { flag: 'sharedBase'; files: string[] }
  /**
   * A value goes down; `weekPeak` when the replicas (or the HPA ceiling) go below what the last
   * days' observed peak needed and belowObserved (the same hours a week ago) did not say so.
   */
  | { flag: 'scaleDown'; fields: FieldKey[]; weekPeak?: { observedPeak: number; capacity: number; replicas: number; days: number } }
  /** After fewer replicas, each pod's CPU (the busiest pod's p95 today × replicas before ÷ after) exceeds its request. */
  | { flag: 'cpuOverRequest'; perPod: number; request: number; before: number; after: number }
  /** The workload is marked critical (policy.critical). */
  | { flag: 'critical' };
