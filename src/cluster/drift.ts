// Pure checks of live state against Git and against the cluster's room: drift (GitOps not synced,
// or someone scaled by hand) and blast radius (quota and node headroom after the change).
import { fmt } from '../domain/units.js';
import { show } from '../domain/units.js';
import type { Change } from '../domain/decision.js';
import type { FieldKey } from '../domain/workload.js';
import type { ContainerLimits, Headroom, LiveWorkload } from './types.js';

export interface Difference {
  field: FieldKey;
  git: number;
  live: number;
}

/**
 * Fields whose live value differs from Git. With an HPA the live replica count is the HPA's to
 * change, so only the HPA bounds and the container resources are compared.
 */
export function drift(git: Partial<Record<FieldKey, number>>, live: LiveWorkload): Difference[] {
  const out: Difference[] = [];
  for (const [field, value] of Object.entries(git) as [FieldKey, number][]) {
    const l = field === 'replicas' ? (live.autoscaledBy ? undefined : live.replicas) : live.fields[field];
    if (l === undefined) continue;
    const tolerance = field.startsWith('cpu.') ? 0.0005 : field.startsWith('memory.') ? 2 ** 19 : 0;
    if (Math.abs(l - value) > tolerance) out.push({ field, git: value, live: l });
  }
  return out;
}

export function describeDrift(diffs: Difference[]): string {
  return `live state differs from Git (${diffs.map((d) => `${d.field}: Git ${show(d.field, d.git)}, cluster ${show(d.field, d.live)}`).join('; ')}); wait for the GitOps sync, or bring Git in line with a hand-made change`;
}

/** Requests a decision adds, in cores and bytes (from its cost delta). */
export interface Added {
  cores: number;
  bytes: number;
}

export interface HeadroomCheck {
  /** One line per headroom for the PR body: "ResourceQuota shop/compute: CPU 6.5 of 10 cores after the change". */
  lines: string[];
  /** Set when the change does not fit. */
  exceeded?: string;
}

/** Checks what a change adds against the namespace quota and the cluster's allocatable. */
export function checkHeadroom(added: Added, headrooms: (Headroom | undefined)[]): HeadroomCheck {
  const lines: string[] = [];
  const over: string[] = [];
  for (const h of headrooms) {
    if (!h) continue;
    const parts: string[] = [];
    if (h.cpu) {
      const after = h.cpu.used + Math.max(0, added.cores);
      parts.push(`CPU ${fmt(after)} of ${fmt(h.cpu.limit)} cores requested after the change (${fmt(h.cpu.limit - after)} left)`);
      if (added.cores > 0 && after > h.cpu.limit) over.push(`${h.source}: CPU ${fmt(after)} > ${fmt(h.cpu.limit)} cores`);
    }
    if (h.memory) {
      const after = h.memory.used + Math.max(0, added.bytes);
      parts.push(`memory ${show('memory.request', after)} of ${show('memory.request', h.memory.limit)}`);
      if (added.bytes > 0 && after > h.memory.limit) over.push(`${h.source}: memory ${show('memory.request', after)} > ${show('memory.request', h.memory.limit)}`);
    }
    if (parts.length > 0) lines.push(`${h.source}: ${parts.join(', ')}`);
  }
  return { lines, ...(over.length > 0 ? { exceeded: over.join('; ') } : {}) };
}

/** The proposed values of a decision as a field map, for the dry run. */
export function proposedValues(changes: Change[]): Partial<Record<FieldKey, number>> {
  const out: Partial<Record<FieldKey, number>> = {};
  for (const c of changes) out[c.field] = c.proposed;
  return out;
}

/** Proposed container values outside the namespace's LimitRange bounds, as reasons. */
export function outsideLimitRange(changes: Change[], limits: ContainerLimits): string[] {
  const out: string[] = [];
  for (const c of changes) {
    const resource = c.field.startsWith('cpu.') ? 'cpu' : c.field.startsWith('memory.') ? 'memory' : undefined;
    if (!resource) continue;
    const max = limits.max[resource];
    const min = limits.min[resource];
    if (max !== undefined && c.proposed > max) out.push(`${c.field} ${show(c.field, c.proposed)} is above the ${limits.source} max ${show(c.field, max)}`);
    if (min !== undefined && c.proposed < min) out.push(`${c.field} ${show(c.field, c.proposed)} is below the ${limits.source} min ${show(c.field, min)}`);
  }
  return out;
}
