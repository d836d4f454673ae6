// What a proposal carries to the PR body: the decision, the evidence behind it (forecast,
// history, edits, queries) and what the cluster said. Plain data, rendered by forge/.
import type { ContainerLimits, DryRunResult, Headroom } from './cluster.js';
import type { Decision, Recommendation } from './decision.js';
import type { Forecast } from './forecast.js';
import type { Finding, LimitViolation, RedFlag } from './reasons.js';
import type { MemoryTrend } from '../recommend/memory.js';
import type { Series } from './series.js';
import type { BlockEdit, Edit, FieldKey, ScaledObjectSite, WorkloadId, WorkloadManifest } from './workload.js';

export interface PodRequests {
  cpu?: number;
  memory?: number;
}

/** What the PR body shows of a decision that got as far as a recommendation. */
export interface Evidence {
  recommendation: Recommendation;
  forecast: Forecast;
  /** The load history the forecast was made from (cleaned). */
  history: Series;
  edits: Edit[];
  /** Block edits: the ScaledObject's Augur-owned cron triggers when the decision has a schedule. */
  blocks: BlockEdit[];
  /** The KEDA ScaledObject the schedule is written to (its file, label and the other triggers). */
  scaledObject?: ScaledObjectSite;
  /** The exact queries (or files) behind each metric. */
  queries: { metric: string; source: string }[];
  autoscaler: WorkloadManifest['autoscaler'];
  manifestNotes: string[];
  podRequests: PodRequests;
  container?: string;
  /** The load's unit (metrics.load.unit; "cores" for the cadvisor preset), when known. */
  unit?: string;
  /** The other metrics read, for the evidence a reviewer needs (memory history, OOM kills, CPU). */
  memory?: Series;
  oomKills?: Series;
  cpu?: Series;
  /** The working set's shape over the history, when memory was read. */
  memoryTrend?: MemoryTrend;
  /** What a reviewer should know of the inputs (data hygiene, GitOps lint...). */
  findings: Finding[];
  /** What could make this valid, green change wrong (review/flags.ts). */
  flags: RedFlag[];
  /** Seconds of usable history behind the forecast. */
  historySeconds: number;
  /** Replicas expected on average after the change (the count, or the demand within the new HPA bounds), and before it. */
  expectedReplicas: number;
  expectedReplicasNow: number;
  /** The values in Git now, in natural units. */
  current: Partial<Record<FieldKey, number>>;
}

/** The cluster's answers for one decision; each is absent when not asked, or the error. */
export interface ClusterFacts {
  /** The tightest ResourceQuota of the namespace; undefined when none limits requests. */
  quota?: Headroom | { error: string } | undefined;
  clusterRoom?: Headroom;
  limits?: ContainerLimits | { error: string };
  dryRun?: DryRunResult | { error: string };
  /** Replicas running now (the live spec.replicas), to size the new peak against what the quota already counts. */
  running?: number;
  /** cluster.required: a check that could not run holds the proposal. */
  required?: boolean;
  /** Why no cluster check could run at all (no cluster access, the live state not read). */
  unavailable?: string;
}

/**
 * Requests a decision adds at its peak over what runs now, for the quota and capacity checks
 * (zero for a resource whose peak the change does not raise). `peak` is the workload at its new
 * ceiling (the replica count, the HPA's maxReplicas, or the schedule's highest window) with the
 * new requests; for a schedule, `busiest` is the local hour that adds the most replicas.
 */
export interface AddedAtPeak {
  cores: number;
  bytes: number;
  peak?: { what: 'replicas' | 'hpa.maxReplicas' | 'schedule'; replicas: number; before: number; running: number; cores: number; bytes: number };
  /** hour: of the day, or of the week (0 = Sunday 00:00) when `week`. */
  busiest?: { hour: number; timezone: string; before: number; after: number; cores: number; bytes: number; week?: boolean };
}

/** What the PR body's "What it could break" shows. */
export interface ClusterReport extends ClusterFacts {
  namespace: string;
  added: AddedAtPeak;
  violations: LimitViolation[];
  /** The decision writes a KEDA schedule (which the dry run does not cover). */
  schedule: boolean;
}

/** One workload's part of a PR. */
export interface ProposalItem extends Evidence {
  target: WorkloadId;
  decision: Decision;
  /** Quota, capacity and dry-run answers; undefined without cluster access. */
  cluster?: ClusterReport;
}
