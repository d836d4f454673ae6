import type { LiveWorkload } from '../../domain/cluster.js';
import type { FieldKey } from '../../domain/workload.js';
import type { Rule } from '../rule.js';

/**
 * A proposal must start from what runs, and what runs must be what Git says: a workload in Git
 * but not in the cluster, or whose live values differ from Git, is held. Without cluster access
 * (or when it could not be read) there is nothing to compare.
 */
export const drift: Rule = {
  name: 'drift',
  doc: 'with cluster access, a workload whose live HPA bounds or resources differ from Git (GitOps not synced, or scaled by hand), or that is in Git but not in the cluster, is held',
  facts({ facts, current }) {
    const live = facts.live;
    if (!live || 'error' in live) return [];
    if (!live.workload) return [{ rule: 'drift', effect: 'held', notInCluster: { ...facts.id } }];
    const differences = differencesFrom(current, live.workload);
    return differences.length > 0 ? [{ rule: 'drift', effect: 'held', differences }] : [];
  },
};

/**
 * Fields whose live value differs from Git. With an autoscaler the live replica count is its to
 * change, so only the HPA bounds and the container resources are compared.
 */
export function differencesFrom(git: Partial<Record<FieldKey, number>>, live: LiveWorkload): { field: FieldKey; git: number; live: number }[] {
  const out: { field: FieldKey; git: number; live: number }[] = [];
  for (const [field, value] of Object.entries(git) as [FieldKey, number][]) {
    const l = field === 'replicas' ? (live.autoscaledBy ? undefined : live.replicas) : live.fields[field];
    if (l === undefined) continue;
    const tolerance = field.startsWith('cpu.') ? 0.0005 : field.startsWith('memory.') ? 2 ** 19 : 0;
    if (Math.abs(l - value) > tolerance) out.push({ field, git: value, live: l });
  }
  return out;
}
