// The "What it could break" lines of a PR: what the proposal adds at its peak, against the
// namespace quota and the cluster's allocatable, the LimitRanges, and the dry run. Pure rendering.
import type { Headroom } from '../domain/cluster.js';
import type { AddedAtPeak, ClusterReport } from '../domain/proposal.js';
import { fmt, show } from '../domain/units.js';
import { describeNote } from './reasons.js';

export function clusterLines(r: ClusterReport): string[] {
  const lines: string[] = [];
  const quota = r.quota && !('error' in r.quota) ? r.quota : undefined;
  if (r.quota && 'error' in r.quota) lines.push(`Namespace quota not read: ${r.quota.error}`);
  const peak = busiestLine(r.added);
  if (peak) lines.push(peak);
  for (const h of [quota, r.clusterRoom]) if (h) lines.push(...headroomLine(h, r.added));
  if (!quota) lines.push(`No ResourceQuota limits requests in ${r.namespace}.`);
  if (r.violations.length > 0) {
    const outside = describeNote({ rule: 'limitRange', effect: 'held', violations: r.violations }).replace(/^pods would be rejected: /, '');
    lines.push(`LimitRange: ${outside}.`);
  }
  if (r.limits && 'error' in r.limits) lines.push(`LimitRanges not read: ${r.limits.error}`);
  if (r.dryRun) {
    if (!('error' in r.dryRun) && r.dryRun.ok) {
      lines.push(`Server-side dry run (dryRun=All): admitted.${r.schedule ? " The ScaledObject's new triggers are not part of it (Augur dry-runs the workload and its HPA)." : ''}`);
    } else lines.push(`Server-side dry run: rejected: ${'error' in r.dryRun ? `dry run failed: ${r.dryRun.error}` : r.dryRun.message}`);
  }
  return lines;
}

function busiestLine(added: AddedAtPeak): string | undefined {
  const b = added.busiest;
  if (!b) return undefined;
  const extra = Math.max(0, b.after - b.before);
  if (extra === 0) return 'The schedule adds no replicas at any hour over what runs now.';
  const at = `${String(b.hour).padStart(2, '0')}:00 ${b.timezone}`;
  return `Headroom is checked at the schedule's busiest hour (${at}): ${extra} replica${extra === 1 ? '' : 's'} more than that hour runs now (${b.before} → ${b.after}), ${fmt(b.cores)} cores and ${show('memory.request', b.bytes)} requested at once.`;
}

function headroomLine(h: Headroom, added: AddedAtPeak): string[] {
  const parts: string[] = [];
  if (h.cpu) {
    const after = h.cpu.used + Math.max(0, added.cores);
    parts.push(`CPU ${fmt(after)} of ${fmt(h.cpu.limit)} cores requested after the change (${fmt(h.cpu.limit - after)} left)`);
  }
  if (h.memory) {
    const after = h.memory.used + Math.max(0, added.bytes);
    parts.push(`memory ${show('memory.request', after)} of ${show('memory.request', h.memory.limit)}`);
  }
  return parts.length > 0 ? [`${h.source}: ${parts.join(', ')}`] : [];
}
