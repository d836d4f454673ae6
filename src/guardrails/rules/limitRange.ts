import type { ContainerLimits } from '../../domain/cluster.js';
import type { Change } from '../../domain/decision.js';
import type { LimitViolation } from '../../domain/reasons.js';
import type { Rule } from '../rule.js';

/** LimitRanger judges pods, not Deployments, so a dry run of the workload cannot catch this: Augur checks it. */
export const limitRange: Rule = {
  name: 'limitRange',
  doc: "proposed container requests and limits outside the namespace's LimitRange bounds are held",
  cluster(draft, { limits }) {
    if (!limits || 'error' in limits) return [];
    const violations = outsideLimitRange(draft.changes, limits);
    return violations.length > 0 ? [{ rule: 'limitRange', effect: 'held', violations }] : [];
  },
};

export function outsideLimitRange(changes: readonly Change[], limits: ContainerLimits): LimitViolation[] {
  const out: LimitViolation[] = [];
  for (const c of changes) {
    const resource = c.field.startsWith('cpu.') ? 'cpu' : c.field.startsWith('memory.') ? 'memory' : undefined;
    if (!resource) continue;
    const max = limits.max[resource];
    const min = limits.min[resource];
    if (max !== undefined && c.proposed > max) out.push({ field: c.field, value: c.proposed, bound: 'max', limit: max, source: limits.source });
    if (min !== undefined && c.proposed < min) out.push({ field: c.field, value: c.proposed, bound: 'min', limit: min, source: limits.source });
  }
  return out;
}
