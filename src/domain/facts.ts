// Facts: everything the cycle read about one target (Git, the cluster, Prometheus, the forge),
// and nothing decided yet. gather() produces them; decide() is a pure function of them.
import type { LiveWorkload } from './cluster.js';
import type { PullRequestInfo } from './forge.js';
import type { Series } from './series.js';
import type { WorkloadId, WorkloadManifest } from './workload.js';

export const METRIC_NAMES = ['load', 'cpu', 'cpuTotal', 'memory', 'oomKills', 'throttling', 'replicas'] as const;
export type MetricName = (typeof METRIC_NAMES)[number];

/** One metric as read: the series and the query (or file) it came from, or why it could not be read. */
export type MetricRead = { series: Series; source: string } | { error: string; source?: string };

export interface Facts {
  id: WorkloadId;
  /** Unix seconds the facts were read for (the cycle's clock). */
  now: number;
  /** Where the workload's fields are written, with the text of every file read to find them; or why they were not found. */
  manifest: { site: WorkloadManifest; files: ReadonlyMap<string, string> } | { problem: string };
  /** Live state: undefined without cluster access; `workload` undefined when the cluster has no such workload. */
  live?: { workload: LiveWorkload | undefined } | { error: string };
  /** The metrics read (load first; the others only when the load was read). */
  metrics: Partial<Record<MetricName, MetricRead>>;
  /** Augur's PRs (open, and closed within the look-back) that name this workload. */
  prs: PullRequestInfo[];
}

export const isRead = (m: MetricRead | undefined): m is { series: Series; source: string } => m !== undefined && 'series' in m;
