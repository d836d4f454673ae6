// The "What it could break" lines of a PR: the workload at its new peak against the namespace
// quota and the cluster's allocatable (how much of each the peak would use), the LimitRanges, and
// the dry run (what it was, who refused, what it could not check). Pure rendering.
import { DAY_HOURS, hourLabel, WEEK_HOURS } from '../domain/schedule.js';
import type { Headroom } from '../domain/cluster.js';
import type { AddedAtPeak, ClusterReport } from '../domain/proposal.js';
import { fmt, show } from '../domain/units.js';
import { describeDenial, describeNote, dryRunWhat } from './reasons.js';

export function clusterLines(r: ClusterReport): string[] {
  const lines: string[] = [];
  const quota = r.quota && !('error' in r.quota) ? r.quota : undefined;
  if (r.quota && 'error' in r.quota) lines.push(`Namespace quota not read: ${r.quota.error}`);
  const peak = peakLine(r.added);
  if (peak) lines.push(peak);
  const busiest = busiestLine(r.added);
  if (busiest) lines.push(busiest);
  for (const h of [quota, r.clusterRoom]) if (h) lines.push(...headroomLine(h, r.added));
  if (!quota) lines.push(`No ResourceQuota limits requests in ${r.namespace}.`);
  if (r.violations.length > 0) {
    const outside = describeNote({ rule: 'limitRange', effect: 'held', violations: r.violations }).replace(/^pods would be rejected: /, '');
    lines.push(`LimitRange: ${outside}.`);
  }
  if (r.limits && 'error' in r.limits) lines.push(`LimitRanges not read: ${r.limits.error}`);
  if (r.dryRun) lines.push(dryRunLine(r.dryRun));
  return lines;
}

function dryRunLine(d: NonNullable<ClusterReport['dryRun']>): string {
  // No answer is not a verdict: never "rejected".
  if ('error' in d) return `Server-side dry run not checked: it could not run (${d.error}).`;
  if (!d.ok) return `Server-side dry run (${dryRunWhat(d.mode)}): ${d.object} was ${describeDenial(d.denial)}.`;
  const what = d.objects.length > 0 ? ` of ${d.objects.join(', ')}` : '';
  return `Server-side dry run (dryRun=All, ${dryRunWhat(d.mode)})${what}: admitted.${d.unchecked.length > 0 ? ` Not checked: ${d.unchecked.join('; ')}.` : ''}`;
}

const PEAK_WHAT = { replicas: 'replica count', 'hpa.maxReplicas': 'HPA ceiling', schedule: "schedule's highest window" } as const;

function peakLine(added: AddedAtPeak): string | undefined {
  const p = added.peak;
  if (!p) return undefined;
  const change = p.replicas === p.before ? `${p.replicas}` : `${p.before} → ${p.replicas}`;
  const adds = added.cores > 0 || added.bytes > 0 ? `${fmt(added.cores)} cores and ${show('memory.request', added.bytes)} more than the ${p.running} replica${p.running === 1 ? '' : 's'} running now` : 'no more than runs now';
  return `At its new peak (${PEAK_WHAT[p.what]} ${change} replicas) the workload requests ${fmt(p.cores)} cores and ${show('memory.request', p.bytes)}: ${adds}.`;
}

function busiestLine(added: AddedAtPeak): string | undefined {
  const b = added.busiest;
  if (!b) return undefined;
  const extra = Math.max(0, b.after - b.before);
  if (extra === 0) return 'The schedule adds no replicas at any hour over what runs now.';
  const at = `${hourLabel(b.hour, b.week ? WEEK_HOURS : DAY_HOURS)} ${b.timezone}`;
  const lead = added.peak ? "The schedule's busiest hour" : "Headroom is checked at the schedule's busiest hour";
  return `${lead} (${at}): ${extra} replica${extra === 1 ? '' : 's'} more than that hour runs now (${b.before} → ${b.after}), ${fmt(b.cores)} cores and ${show('memory.request', b.bytes)} requested at once.`;
}

const percent = (used: number, limit: number) => (limit > 0 ? `${Math.round((used / limit) * 1000) / 10}%` : 'n/a');

function headroomLine(h: Headroom, added: AddedAtPeak): string[] {
  const parts: string[] = [];
  if (h.cpu) {
    const after = h.cpu.used + Math.max(0, added.cores);
    parts.push(`CPU ${fmt(after)} of ${fmt(h.cpu.limit)} cores requested (${percent(after, h.cpu.limit)}, ${fmt(h.cpu.limit - after)} left)`);
  }
  if (h.memory) {
    const after = h.memory.used + Math.max(0, added.bytes);
    parts.push(`memory ${show('memory.request', after)} of ${show('memory.request', h.memory.limit)} (${percent(after, h.memory.limit)})`);
  }
  const when = added.peak ? 'at that peak' : 'after the change';
  return parts.length > 0 ? [`${h.source} ${when}: ${parts.join(', ')}`] : [];
}
