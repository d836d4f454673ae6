// admit: a decision about to be proposed, judged against what the cluster said (the namespace
// quota and the nodes at the new peak, the LimitRanges, the dry run's answer, or why the cluster
// could not be asked; all read by gatherCluster). Pure: it
// returns a new decision with the cluster rules' notes, and what the PR body shows of them.
import type { AddedAtPeak, ClusterFacts, ClusterReport, PodRequests } from '../domain/proposal.js';
import { verdictOf, type Decision } from '../domain/decision.js';
import type { Prices } from '../domain/money.js';
import { largestRise, scheduleHours, WEEK_HOURS } from '../domain/schedule.js';
import { scheduleCost } from '../guardrails/cost.js';
import { outsideLimitRange } from '../guardrails/rules/limitRange.js';
import { checkCluster } from '../guardrails/run.js';
import type { Decided } from './decide.js';
import type { FieldKey } from '../domain/workload.js';

export function admit(decided: Decided, facts: ClusterFacts, prices: Prices): Decided & { cluster?: ClusterReport } {
  const { decision, evidence } = decided;
  if (decision.verdict !== 'propose' || !evidence) return decided;
  const added = addedAtPeak(decision, evidence.podRequests, prices, { current: evidence.current, ...(facts.running !== undefined ? { running: facts.running } : {}) });
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
 * Requests a decision adds at its peak, for the quota and capacity checks. With `at` (the values
 * in Git and the replicas running now), the peak is the workload at its new ceiling: the replica
 * count, the HPA's maxReplicas (a higher ceiling costs little on average but the quota and the
 * nodes must take every pod up to it), or the schedule's highest window, times the new requests;
 * what it adds is that minus what runs now (which the quota already counts), and nothing for a
 * resource whose peak the change does not raise. Without `at`, field changes count as they are
 * costed. A schedule also names its busiest local hour (the most replicas over what that hour
 * runs now). The ScaledObject's other triggers may scale further; that was so before the PR too.
 */
export function addedAtPeak(decision: Decision, pod: PodRequests, prices: Prices, at?: { current: Partial<Record<FieldKey, number>>; running?: number }): AddedAtPeak {
  const s = decision.schedule;
  const cpuChange = decision.changes.find((c) => c.field === 'cpu.request');
  const memChange = decision.changes.find((c) => c.field === 'memory.request');
  const podAfter = { cpu: cpuChange?.proposed ?? pod.cpu ?? 0, memory: memChange?.proposed ?? pod.memory ?? 0 };
  const podBefore = { cpu: cpuChange?.current ?? pod.cpu ?? 0, memory: memChange?.current ?? pod.memory ?? 0 };
  const busiest = s ? busiestHour(s, podAfter) : undefined;
  const peak = at ? peakReplicas(decision, at.current) : undefined;
  if (!peak) {
    const fields = { cores: decision.cost.cores, bytes: decision.cost.memoryGiB * 2 ** 30 };
    if (!s || !busiest) return fields;
    const average = scheduleCost(s, pod, prices);
    const extra = Math.max(0, busiest.after - busiest.before);
    return { cores: fields.cores - average.cores + extra * podAfter.cpu, bytes: fields.bytes - average.memoryGiB * 2 ** 30 + extra * podAfter.memory, busiest };
  }
  const running = at?.running ?? peak.before;
  const add = (after: number, before: number) => (peak.after * after > peak.before * before ? Math.max(0, peak.after * after - running * before) : 0);
  return {
    cores: add(podAfter.cpu, podBefore.cpu),
    bytes: add(podAfter.memory, podBefore.memory),
    peak: { what: peak.what, replicas: peak.after, before: peak.before, running, cores: peak.after * podAfter.cpu, bytes: peak.after * podAfter.memory },
    ...(busiest ? { busiest } : {}),
  };
}

/** The most replicas the workload may run before and after the decision, and what bounds them. */
function peakReplicas(decision: Decision, current: Partial<Record<FieldKey, number>>): { what: 'replicas' | 'hpa.maxReplicas' | 'schedule'; before: number; after: number } | undefined {
  const s = decision.schedule;
  if (s) {
    const { before, after } = scheduleHours(s);
    return { what: 'schedule', before: Math.max(...before), after: Math.max(...after) };
  }
  const changed = (f: FieldKey) => decision.changes.find((c) => c.field === f);
  const what = current['hpa.maxReplicas'] !== undefined || changed('hpa.maxReplicas') ? 'hpa.maxReplicas' : 'replicas';
  const before = changed(what)?.current ?? current[what];
  if (before === undefined) return undefined;
  return { what, before, after: changed(what)?.proposed ?? before };
}

/** The schedule's local hour that adds the most replicas over what that hour runs now. */
function busiestHour(s: NonNullable<Decision['schedule']>, pod: { cpu: number; memory: number }): NonNullable<AddedAtPeak['busiest']> {
  const { before, after } = scheduleHours(s);
  const hour = largestRise(before, after);
  const extra = Math.max(0, (after[hour] as number) - (before[hour] as number));
  return { hour, timezone: s.timezone, before: before[hour] as number, after: after[hour] as number, cores: extra * pod.cpu, bytes: extra * pod.memory, ...(after.length === WEEK_HOURS ? { week: true } : {}) };
}
