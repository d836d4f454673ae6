import type { Headroom } from '../../domain/cluster.js';
import type { Overflow } from '../../domain/reasons.js';
import type { Rule } from '../rule.js';

/** Blast radius: the workload at its new peak (replicas, HPA ceiling or highest schedule window, times the new requests) must fit the namespace quota and the nodes. */
export const headroom: Rule = {
  name: 'headroom',
  doc: "the workload at its new peak (the replica count, the HPA's maxReplicas or the schedule's highest window, times the new requests, less what runs now) must fit the namespace's tightest ResourceQuota and the cluster's allocatable",
  cluster(_draft, { added, quota, clusterRoom }) {
    const rooms = [quota && !('error' in quota) ? quota : undefined, clusterRoom].filter((h): h is Headroom => h !== undefined);
    const overflows = overflowsOf(added, rooms);
    if (overflows.length > 0) return [{ rule: 'headroom', effect: 'held', overflows }];
    return [{ rule: 'headroom', effect: 'passed', figures: rooms.some((h) => h.cpu !== undefined || h.memory !== undefined) }];
  },
};

/** Where the added requests (cores, bytes) go over what a quota or the nodes can take. */
export function overflowsOf(added: { cores: number; bytes: number }, rooms: readonly Headroom[]): Overflow[] {
  const out: Overflow[] = [];
  for (const h of rooms) {
    if (h.cpu && added.cores > 0 && h.cpu.used + added.cores > h.cpu.limit) out.push({ source: h.source, resource: 'cpu', after: h.cpu.used + added.cores, limit: h.cpu.limit });
    if (h.memory && added.bytes > 0 && h.memory.used + added.bytes > h.memory.limit) out.push({ source: h.source, resource: 'memory', after: h.memory.used + added.bytes, limit: h.memory.limit });
  }
  return out;
}
