// Every Kubernetes API call Augur makes, as RBAC rules. The Role/ClusterRole in deploy/ must be
// exactly these (a test compares them), and the integration tests check on a real API server
// that the cluster adapter needs no call outside them and uses every one.
//
// `patch` is for the dry runs of cluster.dryRun: update (a server-side apply with dryRun=All).
// RBAC cannot limit a verb to dry runs, so deploy/ also ships a ValidatingAdmissionPolicy that
// refuses every write of Augur's ServiceAccount that is not a dry run (DRY_RUN_ONLY_POLICY).
// `create` on workloads and HPAs is for cluster.dryRun: copy (a dry-run create of a renamed copy).
export interface PolicyRule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
}

/** Namespaced reads, events and dry runs, granted per watched namespace (Role) or cluster-wide (ClusterRole). */
export const NAMESPACED_RULES: PolicyRule[] = [
  // The live workload (drift); the dry run of the proposed fields (patch: update mode) or of a
  // proposed copy (create: copy mode). Both only with dryRun=All: the policy refuses the rest.
  { apiGroups: ['apps'], resources: ['deployments', 'statefulsets'], verbs: ['get', 'patch', 'create'] },
  { apiGroups: ['autoscaling'], resources: ['horizontalpodautoscalers'], verbs: ['list', 'patch', 'create'] },
  { apiGroups: ['keda.sh'], resources: ['scaledobjects'], verbs: ['list', 'patch'] },
  { apiGroups: [''], resources: ['resourcequotas', 'limitranges'], verbs: ['list'] },
  // One Event per proposal, on the workload.
  { apiGroups: [''], resources: ['events'], verbs: ['create'] },
];

/** Cluster-wide reads for the capacity headroom: node allocatable and the pods' requests. */
export const CLUSTER_RULES: PolicyRule[] = [{ apiGroups: [''], resources: ['nodes', 'pods'], verbs: ['list'] }];

/** Leader election, in Augur's own namespace only. */
export const LEASE_RULES: PolicyRule[] = [{ apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'create', 'update'] }];

/** The ValidatingAdmissionPolicy (and its binding) in deploy/ that lets Augur's ServiceAccount write only dry runs, Events and its Lease. */
export const DRY_RUN_ONLY_POLICY = 'augur-dry-run-only';

/** Every (apiGroup, resource, verb) the rules grant, for tests that compare them with the calls made. */
export function grantsOf(rules: PolicyRule[]): Set<string> {
  const out = new Set<string>();
  for (const r of rules) for (const g of r.apiGroups) for (const res of r.resources) for (const v of r.verbs) out.add(`${g}/${res}:${v}`);
  return out;
}
