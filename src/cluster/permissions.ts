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
  // The live workload (drift), and a dry-run create of its proposed copy (admission judges it,
  // nothing is stored; a create of a copy under a generated name needs no patch or update right).
  { apiGroups: ['apps'], resources: ['deployments', 'statefulsets'], verbs: ['get', 'create'] },
  { apiGroups: ['autoscaling'], resources: ['horizontalpodautoscalers'], verbs: ['list', 'create'] },
  { apiGroups: ['keda.sh'], resources: ['scaledobjects'], verbs: ['list'] },
  { apiGroups: [''], resources: ['resourcequotas', 'limitranges'], verbs: ['list'] },
  // One Event per proposal, on the workload.
  { apiGroups: [''], resources: ['events'], verbs: ['create'] },
];

/** Cluster-wide reads for the capacity headroom: node allocatable and the pods' requests. */
export const CLUSTER_RULES: PolicyRule[] = [{ apiGroups: [''], resources: ['nodes', 'pods'], verbs: ['list'] }];

/** Leader election, in Augur's own namespace only. */
export const LEASE_RULES: PolicyRule[] = [{ apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'create', 'update'] }];

/** Every (apiGroup, resource, verb) the rules grant, for tests that compare them with the calls made. */
export function grantsOf(rules: PolicyRule[]): Set<string> {
  const out = new Set<string>();
  for (const r of rules) for (const g of r.apiGroups) for (const res of r.resources) for (const v of r.verbs) out.add(`${g}/${res}:${v}`);
  return out;
}
