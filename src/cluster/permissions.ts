// Every Kubernetes API call Augur makes, as RBAC rules. The Role/ClusterRole in deploy/ must be
// exactly these (a test compares them), and the integration tests check that the cluster adapter
// makes no call outside them. Augur never patches, updates or deletes a workload: GitOps does.
export interface PolicyRule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
}

/** Namespaced reads, events and dry runs, granted per watched namespace (Role) or cluster-wide (ClusterRole). */
export const NAMESPACED_RULES: PolicyRule[] = [
  { apiGroups: ['apps'], resources: ['deployments', 'statefulsets'], verbs: ['get', 'list', 'watch'] },
  { apiGroups: ['autoscaling'], resources: ['horizontalpodautoscalers'], verbs: ['get', 'list', 'watch'] },
  { apiGroups: ['keda.sh'], resources: ['scaledobjects'], verbs: ['get', 'list', 'watch'] },
  { apiGroups: [''], resources: ['resourcequotas', 'limitranges'], verbs: ['get', 'list', 'watch'] },
  // One Event per proposal, on the workload.
  { apiGroups: [''], resources: ['events'], verbs: ['create'] },
  // Server-side dry run (dryRun=All) of each proposed object: admission judges it, nothing is stored.
  // A dry-run create of a copy under a generated name needs only `create`, never patch or update.
  { apiGroups: ['apps'], resources: ['deployments', 'statefulsets'], verbs: ['create'] },
  { apiGroups: ['autoscaling'], resources: ['horizontalpodautoscalers'], verbs: ['create'] },
];

/** Cluster-wide reads for the capacity headroom: node allocatable and the pods' requests. */
export const CLUSTER_RULES: PolicyRule[] = [
  { apiGroups: [''], resources: ['nodes'], verbs: ['get', 'list', 'watch'] },
  { apiGroups: [''], resources: ['pods'], verbs: ['list'] },
];

/** Leader election, in Augur's own namespace only. */
export const LEASE_RULES: PolicyRule[] = [{ apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'create', 'update'] }];
