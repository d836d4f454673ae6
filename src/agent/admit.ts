// admit: a decision about to be proposed, judged against what the cluster said (the namespace
// quota, the nodes, the LimitRanges, the dry run's answer, all read by gatherCluster). Pure: it
// returns a new decision with the cluster rules' notes, and what the PR body shows of them.
import type { AddedAtPeak, ClusterFacts, ClusterReport, PodRequests } from '../domain/proposal.js';
import { verdictOf, type Decision } from '../domain/decision.js';
import type { Prices } from '../domain/money.js';
import { hourlyFromTriggers } from '../domain/schedule.js';
import { scheduleCost } from '../guardrails/cost.js';
import { outsideLimitRange } from '../guardrails/rules/limitRange.js';
import { checkCluster } from '../guardrails/run.js';
import type { Decided } from './decide.js';

export function admit(decided: Decided, facts: ClusterFacts, prices: Prices): Decided & { cluster?: ClusterReport } {
  const { decision, evidence } = decided;
  if (decision.verdict !== 'propose' || !evidence) return decided;
  const added = addedAtPeak(decision, evidence.podRequests, prices);
  const notes = checkCluster(decision, { added, ...facts });
  const all = [...decision.notes, ...notes];
  const limits = facts.limits && !('error' in facts.limits) ? facts.limits : undefined;
  return {
    ...decided,
    decision: { ...decision, notes: all, verdict: verdictOf(all, decision.changes, decision.schedule) },
    cluster: { ...facts, namespace: decision.target.namespace, added, violations: limits ? outsideLimitRange(decision.changes, limits) : [], schedule: decision.schedule !== undefined },
  };
}

/**
 * Requests a decision adds at its busiest moment, for the quota and capacity checks. Field changes
 * count as they are costed (expected replicas × the per-pod change). A schedule counts at the local
 * hour where its windows add the most replicas over what that hour runs now, not at its daily
 * average (which is what it costs): a ResourceQuota and the nodes must take every pod of that hour
 * at once. The ScaledObject's other triggers may scale further; that was so before the PR too.
 */
export function addedAtPeak(decision: Decision, pod: PodRequests, prices: Prices): AddedAtPeak {
  const s = decision.schedule;
  const fields = { cores: decision.cost.cores, bytes: decision.cost.memoryGiB * 2 ** 30 };
  if (!s) return fields;
  const average = scheduleCost(s, pod, prices);
  const before = hourlyFromTriggers(s.current, s.floor);
  const after = hourlyFromTriggers(s.proposed, s.floor);
  let hour = 0;
  for (let h = 1; h < 24; h++) if ((after[h] as number) - (before[h] as number) > (after[hour] as number) - (before[hour] as number)) hour = h;
  const extra = Math.max(0, (after[hour] as number) - (before[hour] as number));
  const cpu = decision.changes.find((c) => c.field === 'cpu.request')?.proposed ?? pod.cpu ?? 0;
  const memory = decision.changes.find((c) => c.field === 'memory.request')?.proposed ?? pod.memory ?? 0;
  return {
    cores: fields.cores - average.cores + extra * cpu,
    bytes: fields.bytes - average.memoryGiB * 2 ** 30 + extra * memory,
    busiest: { hour, timezone: s.timezone, before: before[hour] as number, after: after[hour] as number, cores: extra * cpu, bytes: extra * memory },
  };
}
