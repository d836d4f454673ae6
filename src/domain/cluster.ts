// The Cluster port: live state for drift and blast-radius checks, server-side dry runs and
// Events. Optional: without cluster access Augur works from Git alone (unless cluster.required).
import type { CronWindowTrigger, FieldKey, WorkloadId } from './workload.js';

/** The values of a workload's fields as the API server has them, in natural units. */
export interface LiveWorkload {
  id: WorkloadId;
  uid?: string;
  /** spec.replicas of the workload: what runs now (an autoscaler's current count when one owns it). */
  replicas?: number;
  /** The fields Augur compares with Git (container resources of the target container, HPA bounds). */
  fields: Partial<Record<FieldKey, number>>;
  /** An HPA or KEDA ScaledObject scales the workload in the cluster. */
  autoscaledBy?: 'hpa' | 'keda';
  /** The raw objects, for dry runs. */
  objects: { workload: KubeObject; hpa?: KubeObject; scaledObject?: KubeObject };
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

/**
 * How a proposal is dry-run (cluster.dryRun): `update`, a server-side apply of exactly the
 * proposed fields on the live objects with dryRun=All (what the GitOps sync will do, so UPDATE
 * policies judge it); `copy`, a dry-run create of a renamed copy (clusters without
 * ValidatingAdmissionPolicy, or where Augur may not patch); `off`, none.
 */
export type DryRunMode = 'update' | 'copy' | 'off';

/**
 * Who refused a request, read from the API server's answer, so the words name whom to ask:
 * an admission policy or webhook (its owner), a ResourceQuota (the namespace's owner), the API
 * server's validation (the proposal itself), or RBAC (whoever grants Augur its rights).
 */
export type Denial =
  | { by: 'policy'; name: string; binding?: string; message: string }
  | { by: 'webhook'; name: string; message: string }
  | { by: 'quota'; name: string; message: string; counts: boolean }
  | { by: 'invalid'; message: string }
  | { by: 'rbac'; user?: string; verb: string; resource: string; namespace?: string; message: string }
  | { by: 'other'; status: number; message: string };

/** What the dry run said: admitted (and what that mode cannot check), or refused, by whom and for which object. */
export type DryRunResult =
  | { ok: true; mode: Exclude<DryRunMode, 'off'>; objects: string[]; unchecked: string[] }
  | { ok: false; mode: Exclude<DryRunMode, 'off'>; object: string; denial: Denial };

/** The proposal as the dry run writes it: field values, the container they are in, and the KEDA schedule's cron triggers. */
export interface DryRunChange {
  values: Partial<Record<FieldKey, number>>;
  container?: string | undefined;
  /** Augur's cron triggers after the change (the ScaledObject's other triggers stay). */
  triggers?: CronWindowTrigger[] | undefined;
}

export interface Cluster {
  /** Live state of a workload, or undefined when it does not exist in the cluster. */
  workload(id: WorkloadId, container: string | undefined): Promise<LiveWorkload | undefined>;
  /** Requests headroom in the namespace (tightest ResourceQuota), or undefined with no quota. */
  namespaceHeadroom(namespace: string): Promise<Headroom | undefined>;
  /** The tightest per-container bounds of the namespace's LimitRanges (LimitRanger checks pods, not Deployments, so a dry run of the Deployment cannot). */
  containerLimits(namespace: string): Promise<ContainerLimits>;
  /** Requested vs allocatable over all nodes, or undefined when nodes cannot be read. */
  clusterHeadroom(): Promise<Headroom | undefined>;
  /**
   * Server-side dry run (dryRun=All) of the proposed change on the workload, its HPA and its
   * ScaledObject. Rejects (ClusterError) when the check itself could not run: no answer, an
   * HTTP 5xx, or a permission Augur lacks; resolves with the admission's verdict otherwise.
   */
  dryRun(live: LiveWorkload, change: DryRunChange): Promise<DryRunResult>;
  /** Records a proposal as an Event on the workload. */
  recordEvent(live: LiveWorkload, reason: string, message: string): Promise<void>;
}
