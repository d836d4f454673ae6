// What a draft adds per month: the replicas it runs on average times the pods' requests, before
// and after, and a schedule's change of the day's average replicas times the pod's requests (each
// hour counted above what the workload already runs then, when its replica history is known).
// Pure arithmetic at the policy's prices.
import type { Change, Recommendation, ScheduleChange } from '../domain/decision.js';
import type { FieldKey } from '../domain/workload.js';
import { addCost, priced, type CostDelta, type Prices } from '../domain/money.js';
import type { BudgetRef } from '../domain/reasons.js';
import { largestRise, scheduleHours } from '../domain/schedule.js';
import type { PodRequests } from '../domain/proposal.js';
import type { Draft } from './rule.js';

type Evidence = Pick<Recommendation['evidence'], 'expectedReplicas' | 'demand' | 'owner'>;

/** What the changes add per month on average: replicas after × new requests − replicas before × old requests. */
export function costOf(changes: readonly Change[], evidence: Evidence, pod: PodRequests, prices: Prices): CostDelta {
  const cpu = changes.find((c) => c.field === 'cpu.request');
  const mem = changes.find((c) => c.field === 'memory.request');
  const podCpu = cpu?.proposed ?? pod.cpu ?? 0;
  const podMem = mem?.proposed ?? pod.memory ?? 0;
  const after = averageReplicas(changes, evidence, 'proposed');
  const before = averageReplicas(changes, evidence, 'current');
  const cores = after * podCpu - before * (cpu?.current ?? podCpu);
  const bytes = after * podMem - before * (mem?.current ?? podMem);
  return priced(cores, bytes / 2 ** 30, prices);
}

/**
 * Replicas the workload runs on average over the horizon, before or after the changes: the replica
 * count, or the forecast median's demand held within the HPA's bounds (a higher floor costs only
 * where the demand is below it; a higher ceiling only where the demand is above the old one).
 */
export function averageReplicas(changes: readonly Change[], evidence: Evidence, side: 'current' | 'proposed'): number {
  const replicas = changes.find((c) => c.field === 'replicas');
  if (replicas) return replicas[side];
  const { owner, demand, expectedReplicas } = evidence;
  if (owner.kind !== 'hpa') return expectedReplicas;
  const min = changes.find((c) => c.field === 'hpa.minReplicas')?.[side] ?? owner.minReplicas ?? 1;
  const max = Math.max(changes.find((c) => c.field === 'hpa.maxReplicas')?.[side] ?? owner.maxReplicas ?? Number.POSITIVE_INFINITY, min);
  if (demand.length === 0) return Math.min(max, Math.max(min, expectedReplicas));
  return demand.reduce((a, d) => a + Math.min(max, Math.max(min, d)), 0) / demand.length;
}

/**
 * What the schedule adds per month: the mean over the hours of (after − before) replicas, times the
 * pod's requests, where each hour runs the most of its triggers (or the floor) and what the
 * workload already runs then (scheduleHours): a window under today's replica curve costs nothing.
 */
export function scheduleCost(s: ScheduleChange, pod: PodRequests, prices: Prices): CostDelta {
  const { before, after } = scheduleHours(s);
  let delta = 0;
  for (let h = 0; h < after.length; h++) delta += ((after[h] as number) - (before[h] as number)) / after.length;
  return priced(delta * (pod.cpu ?? 0), (delta * (pod.memory ?? 0)) / 2 ** 30, prices);
}

export function draftCost(draft: Draft, evidence: Evidence, pod: PodRequests, prices: Prices): CostDelta {
  return addCost(costOf(draft.changes, evidence, pod, prices), draft.schedule ? scheduleCost(draft.schedule, pod, prices) : undefined);
}

/** True when the cost goes over any limit the budget sets. */
export function overBudget(cost: CostDelta, b: BudgetRef): boolean {
  return (b.cores !== undefined && cost.cores > b.cores) || (b.memoryGiB !== undefined && cost.memoryGiB > b.memoryGiB) || (b.monthly !== undefined && cost.monthly > b.monthly);
}

/**
 * What the draft adds when the workload runs at its peak, per month: the new replica count, the
 * new HPA ceiling (the cluster may have to pay for every pod up to maxReplicas), or the
 * schedule's busiest hour; with the pod's new requests. Undefined when the peak is unknown.
 */
export function peakCost(draft: Draft, current: Partial<Record<FieldKey, number>>, pod: PodRequests, prices: Prices): CostDelta | undefined {
  const cpu = draft.changes.find((c) => c.field === 'cpu.request');
  const mem = draft.changes.find((c) => c.field === 'memory.request');
  const after = { cpu: cpu?.proposed ?? pod.cpu ?? 0, memory: mem?.proposed ?? pod.memory ?? 0 };
  const before = { cpu: cpu?.current ?? pod.cpu ?? 0, memory: mem?.current ?? pod.memory ?? 0 };
  const field = current['hpa.maxReplicas'] !== undefined || draft.changes.some((c) => c.field === 'hpa.maxReplicas') ? 'hpa.maxReplicas' : 'replicas';
  const now = current[field];
  const next = draft.changes.find((c) => c.field === field)?.proposed ?? now;
  if (now === undefined || next === undefined) return draft.schedule ? schedulePeak(draft.schedule, after, prices) : undefined;
  const extra = draft.schedule ? schedulePeak(draft.schedule, after, prices) : undefined;
  return addCost(priced(next * after.cpu - now * before.cpu, (next * after.memory - now * before.memory) / 2 ** 30, prices), extra);
}

/** The schedule's busiest local hour: the most replicas it adds over what that hour runs now. */
export function schedulePeak(s: ScheduleChange, pod: { cpu: number; memory: number }, prices: Prices): CostDelta {
  const { before, after } = scheduleHours(s);
  const h = largestRise(before, after);
  const extra = Math.max(0, (after[h] as number) - (before[h] as number));
  return priced(extra * pod.cpu, (extra * pod.memory) / 2 ** 30, prices);
}
