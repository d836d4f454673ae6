// What a draft adds per month: the per-pod change times the replicas, and a schedule's change of
// the day's average replicas times the pod's requests. Pure arithmetic at the policy's prices.
import type { Change, ScheduleChange } from '../domain/decision.js';
import { addCost, priced, type CostDelta, type Prices } from '../domain/money.js';
import type { BudgetRef } from '../domain/reasons.js';
import { hourlyFromTriggers } from '../domain/schedule.js';
import type { PodRequests } from '../domain/proposal.js';
import type { Draft } from './rule.js';

export function costOf(changes: readonly Change[], expectedReplicas: number, pod: PodRequests, prices: Prices): CostDelta {
  const cpu = changes.find((c) => c.field === 'cpu.request');
  const mem = changes.find((c) => c.field === 'memory.request');
  const podCpu = cpu?.proposed ?? pod.cpu ?? 0;
  const podMem = mem?.proposed ?? pod.memory ?? 0;
  const replicas = changes.find((c) => c.field === 'replicas') ?? changes.find((c) => c.field === 'hpa.minReplicas');
  const replicasAfter = replicas ? (replicas.field === 'replicas' ? replicas.proposed : Math.max(replicas.proposed, expectedReplicas)) : expectedReplicas;
  const replicasBefore = replicas ? (replicas.field === 'replicas' ? replicas.current : Math.max(replicas.current, expectedReplicas)) : expectedReplicas;
  const cores = replicasAfter * podCpu - replicasBefore * (cpu?.current ?? podCpu);
  const bytes = replicasAfter * podMem - replicasBefore * (mem?.current ?? podMem);
  return priced(cores, bytes / 2 ** 30, prices);
}

/** What the schedule adds per month: the change of the day's average replicas, times the pod's requests. */
export function scheduleCost(s: ScheduleChange, pod: PodRequests, prices: Prices): CostDelta {
  const before = hourlyFromTriggers(s.current, s.floor);
  const after = hourlyFromTriggers(s.proposed, s.floor);
  let delta = 0;
  for (let h = 0; h < 24; h++) delta += ((after[h] as number) - (before[h] as number)) / 24;
  return priced(delta * (pod.cpu ?? 0), (delta * (pod.memory ?? 0)) / 2 ** 30, prices);
}

export function draftCost(draft: Draft, expectedReplicas: number, pod: PodRequests, prices: Prices): CostDelta {
  return addCost(costOf(draft.changes, expectedReplicas, pod, prices), draft.schedule ? scheduleCost(draft.schedule, pod, prices) : undefined);
}

/** True when the cost goes over any limit the budget sets. */
export function overBudget(cost: CostDelta, b: BudgetRef): boolean {
  return (b.cores !== undefined && cost.cores > b.cores) || (b.memoryGiB !== undefined && cost.memoryGiB > b.memoryGiB) || (b.monthly !== undefined && cost.monthly > b.monthly);
}
