// The Cluster port: live state for drift and blast-radius checks, server-side dry runs and
// Events. Optional: without cluster access Augur works from Git alone.
import type { FieldKey, WorkloadId } from './workload.js';

/** The values of a workload's fields as the API server has them, in natural units. */
export interface LiveWorkload {
  id: WorkloadId;
  uid?: string;
  /** spec.replicas of the workload. */
  replicas?: number;
  /** The fields Augur compares with Git (container resources of the target container, HPA bounds). */
  fields: Partial<Record<FieldKey, number>>;
  /** An HPA or KEDA ScaledObject scales the workload in the cluster. */
  autoscaledBy?: 'hpa' | 'keda';
  /** The raw objects, for dry runs. */
  objects: { workload: KubeObject; hpa?: KubeObject };
}

export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; namespace?: string; uid?: string; resourceVersion?: string; [k: string]: unknown };
  spec?: Record<string, unknown>;
  [k: string]: unknown;
}

/** Requests headroom: what a namespace's ResourceQuota, or the cluster's nodes, can still take. */
export interface Headroom {
  /** Where the figure comes from, e.g. "ResourceQuota shop/compute" or "12 nodes". */
  source: string;
  cpu?: { limit: number; used: number };
  memory?: { limit: number; used: number };
}

/** Per-container bounds from LimitRanges (type Container), in cores and bytes, with their source. */
export interface ContainerLimits {
  max: { cpu?: number; memory?: number };
  min: { cpu?: number; memory?: number };
  source?: string;
}

export type DryRunResult = { ok: true } | { ok: false; message: string };

export interface Cluster {
  /** Live state of a workload, or undefined when it does not exist in the cluster. */
  workload(id: WorkloadId, container: string | undefined): Promise<LiveWorkload | undefined>;
  /** Requests headroom in the namespace (tightest ResourceQuota), or undefined with no quota. */
  namespaceHeadroom(namespace: string): Promise<Headroom | undefined>;
  /** The tightest per-container bounds of the namespace's LimitRanges (LimitRanger checks pods, not Deployments, so a dry run of the Deployment cannot). */
  containerLimits(namespace: string): Promise<ContainerLimits>;
  /** Requested vs allocatable over all nodes, or undefined when nodes cannot be read. */
  clusterHeadroom(): Promise<Headroom | undefined>;
  /** Server-side dry run (dryRun=All) of the workload and HPA with the proposed values. */
  dryRun(live: LiveWorkload, values: Partial<Record<FieldKey, number>>, container: string | undefined): Promise<DryRunResult>;
  /** Records a proposal as an Event on the workload. */
  recordEvent(live: LiveWorkload, reason: string, message: string): Promise<void>;
}
