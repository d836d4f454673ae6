// The PR body: everything a reviewer needs to approve or reject in a minute. Pure rendering.
import { targetId } from '../domain/workload.js';
import { isoMinutes } from '../util/zoned.js';
import { createHash } from 'node:crypto';
import { fmt } from '../domain/units.js';
import { money } from '../domain/money.js';
import { relChange, show } from '../domain/units.js';
import { hourlyFromTriggers } from '../domain/schedule.js';
import type { ScaledObjectSite } from '../domain/workload.js';
import type { Decision } from '../domain/decision.js';
import type { ProposalItem } from '../domain/proposal.js';
import { wallClock } from '../util/zoned.js';
import { renderScheduleSection, scheduleOf, scheduleSummary, windowsInline } from './schedule.js';
import { renderChart } from './chart.js';
import { clusterLines } from './cluster.js';
import { renderMeta } from './meta.js';
import { describeNote } from './reasons.js';
import { type ProposalMeta, type ScheduleMeta } from '../domain/forge.js';

export interface Proposal {
  key: string;
  branch: string;
  title: string;
  items: ProposalItem[];
  meta: ProposalMeta;
}

export function buildProposal(key: string, branch: string, items: ProposalItem[], now: number): Proposal {
  const changes = items.flatMap((item) =>
    item.edits.map((e) => ({ target: targetId(item.target), field: e.field, file: e.file, from: e.from, to: e.to })),
  );
  const schedules: ScheduleMeta[] = items.flatMap((item) => {
    const s = scheduleOf(item);
    return s ? [{ target: targetId(item.target), file: s.site.file, scaledObject: s.site.label, from: s.schedule.current, to: s.schedule.proposed }] : [];
  });
  // Without a schedule the hash is the one earlier versions wrote, so their open PRs stay "unchanged".
  const fingerprint = createHash('sha256')
    .update(JSON.stringify(schedules.length > 0 ? { changes, schedules } : changes))
    .digest('hex')
    .slice(0, 16);
  const cost = items.reduce(
    (acc, i) => ({
      cores: round3(acc.cores + i.decision.cost.cores),
      memoryGiB: round3(acc.memoryGiB + i.decision.cost.memoryGiB),
      monthly: Math.round((acc.monthly + i.decision.cost.monthly) * 100) / 100,
      currency: i.decision.cost.currency,
    }),
    { cores: 0, memoryGiB: 0, monthly: 0, currency: items[0]?.decision.cost.currency ?? 'USD' },
  );
  const title =
    items.length === 1
      ? `augur: ${summary(items[0]!)} for ${items[0]!.target.namespace}/${items[0]!.target.name}`
      : `augur: resize ${items.length} workloads (${key})`;
  const forecast: NonNullable<ProposalMeta['forecast']> = {};
  for (const i of items) {
    const e = i.recommendation.evidence;
    const replicas = i.decision.changes.find((c) => c.field === (i.autoscaler === 'hpa' ? 'hpa.maxReplicas' : 'replicas'))?.proposed;
    if (e.forecastPeak !== undefined && e.capacityPerReplica !== undefined) {
      forecast[targetId(i.target)] = {
        horizonSeconds: e.horizonSeconds ?? 86_400,
        peak: Math.round(e.forecastPeak * 1000) / 1000,
        quantile: e.quantile ?? 0.9,
        capacityPerReplica: e.capacityPerReplica,
        ...(replicas !== undefined ? { replicas } : {}),
      };
    }
  }
  return {
    key,
    branch,
    title,
    items,
    meta: { v: 1, key, targets: items.map((i) => targetId(i.target)), fingerprint, changes, ...(schedules.length > 0 ? { schedules } : {}), cost, at: now, forecast },
  };
}


function summary(item: ProposalItem): string {
  const parts = item.decision.changes.map((c) => `${shortField(c.field)} ${short(c.field, c.current)}→${short(c.field, c.proposed)}`);
  const s = scheduleOf(item);
  if (s) parts.unshift(`KEDA schedule (${scheduleSummary(s.schedule)})`);
  return parts.length <= 2 ? parts.join(', ') : `${parts.slice(0, 2).join(', ')} and ${parts.length - 2} more`;
}

const shortField = (f: string) => f.replace('hpa.', 'HPA ').replace('.request', ' request').replace('.limit', ' limit');
const short = (field: string, v: number) => (field.startsWith('cpu.') ? `${Math.round(v * 1000)}m` : field.startsWith('memory.') ? `${Math.round(v / 2 ** 20)}Mi` : String(v));

export function renderBody(p: Proposal, ctx: { baseBranch: string; revertHint?: string | undefined }): string {
  const out: string[] = [];
  const total = p.meta.cost;
  out.push(
    `Augur proposes resizing ${p.items.length === 1 ? 'one workload' : `${p.items.length} workloads`} from its load forecast. ` +
      `Cost: **${money(total)} per month** (${signed(total.cores)} cores, ${signed(total.memoryGiB)} GiB requested). ` +
      `Nothing is applied until this PR is merged; Argo CD or Flux then syncs it.`,
    '',
  );
  for (const item of p.items) out.push(...renderItem(item));
  out.push('## How to roll back', '');
  out.push(
    `Revert this PR after merging (${ctx.revertHint ? `${ctx.revertHint}, or ` : ''}\`git revert -m 1 <merge commit>\` on \`${ctx.baseBranch}\`); ` +
      'the GitOps controller syncs the previous values back. Or set them back by hand:',
    '',
    '| File | Field | Restore |',
    '|---|---|---|',
    ...p.items.flatMap((i) => i.edits.map((e) => `| \`${e.file}\` | \`${e.yamlPath}\` | \`${e.from}\` |`)),
    ...p.items.flatMap((i) => {
      const s = scheduleOf(i);
      if (!s) return [];
      const restore = s.schedule.current.length === 0 ? 'delete the `augur-*` cron triggers' : `the \`augur-*\` cron triggers ${windowsInline(s.schedule.current)}`;
      return [`| \`${s.site.file}\` | \`spec.triggers\` of ${s.site.label} | ${restore} |`];
    }),
    '',
    'Augur will not propose this workload again until its cooldown has passed after a merge; closing this PR without merging makes Augur close and re-propose only when the numbers change.',
    '',
    renderMeta(p.meta),
    '',
  );
  return out.join('\n');
}

function renderItem(item: ProposalItem): string[] {
  const { decision: d, recommendation: r, forecast: f } = item;
  const out: string[] = [`## ${item.target.kind} \`${item.target.namespace}/${item.target.name}\``, ''];
  out.push('| Field | File | Current | Proposed | Change |', '|---|---|---|---|---|');
  for (const c of d.changes) {
    const edit = item.edits.find((e) => e.field === c.field);
    const change = relChange(c) === Infinity ? 'new' : `${c.proposed >= c.current ? '+' : '−'}${(relChange(c) * 100).toFixed(0)}%`;
    out.push(`| \`${edit?.yamlPath ?? c.field}\` | \`${edit?.file ?? '?'}\` | ${edit?.from ?? show(c.field, c.current)} | **${edit?.to ?? show(c.field, c.proposed)}** | ${change} |`);
  }
  const sched = scheduleOf(item);
  if (sched) {
    const { schedule: s, site } = sched;
    const windows = (n: number) => `${n} window${n === 1 ? '' : 's'}`;
    const change = s.current.length === 0 ? 'new' : s.proposed.length === 0 ? 'removed' : 'changed';
    for (const b of item.blocks) {
      out.push(`| \`${b.yamlPath}\` of ${site.label}: cron triggers \`augur-*\` | \`${b.file}\` | ${windows(s.current.length)} | **${windows(s.proposed.length)}** | ${change} |`);
    }
  }
  out.push('', '### Why', '');
  // The schedule's reason is told in its own section.
  for (const reason of r.reasons) if (!(sched && reason.startsWith('Scaling schedule:'))) out.push(`- ${reason}`);
  for (const c of d.changes) out.push(`- \`${c.field}\`: ${c.reason}.`);
  for (const n of item.manifestNotes) out.push(`- Note: ${n}`);
  out.push('');
  if (sched) {
    const shaping = d.notes.filter((n) => n.effect === 'clamped' && 'schedule' in n).map((n) => `${n.rule}: ${describeNote(n)}`);
    out.push(...renderScheduleSection({ ...sched, shaping }));
  }
  out.push(renderChart(item), '');
  out.push('### Model and its accuracy on this workload', '');
  const a = f.accuracy;
  if (a) {
    const q = String(r.evidence.quantile ?? 0.9);
    out.push(
      `Model **${f.model}**${f.members ? ` (the average of the ${f.members.length} best models' quantiles)` : ''}, chosen by a rolling-origin backtest over ${a.origins} origins of ${Math.round(a.horizonSeconds / 3600)} h each on this workload's own history` +
        (f.selectedAt !== undefined ? ` (the backtest of ${isoMinutes(f.selectedAt)}; this cycle refitted the model on the newest history)` : '') +
        ':',
      '',
      '| Accuracy (1 − WAPE) | MASE | p' + pct(Number(q)) + ' coverage | p' + pct(Number(q)) + ' pinball loss |',
      '|---|---|---|---|',
      `| ${pct(1 - a.wape)}% | ${a.mase.toFixed(2)} | ${a.coverage[q] !== undefined ? `${pct(a.coverage[q])}% (ideal ${pct(Number(q))}%)` : 'n/a'} | ${a.pinball[q] !== undefined ? fmt(a.pinball[q]) : 'n/a'} |`,
      '',
    );
    if (f.candidates && f.candidates.length > 1) {
      out.push(`Other models scored (lower is better): ${f.candidates.map((c) => `${c.model} ${c.selectionLoss.toFixed(3)}`).join(', ')}.`, '');
    }
  } else out.push(`Model **${f.model}** (not enough history for a backtest).`, '');
  out.push('### Cost', '');
  out.push(`${money(d.cost)} per month: ${signed(d.cost.cores)} cores and ${signed(d.cost.memoryGiB)} GiB requested (expected ${fmt(r.evidence.expectedReplicas)} replicas on average).`, '');
  out.push('### What it could break', '');
  if (item.cluster) for (const line of clusterLines(item.cluster)) out.push(`- ${line}`);
  else out.push('- Not checked against a cluster (no cluster access): quota, capacity headroom and admission were not verified.');
  out.push('');
  out.push('### Guardrails that shaped this', '');
  const shaping = d.notes.filter((n) => n.effect !== 'passed');
  if (shaping.length === 0) out.push('None changed the numbers.');
  for (const n of shaping) out.push(`- **${n.rule}** (${n.effect}): ${describeNote(n)}`);
  const passed = d.notes.filter((n) => n.effect === 'passed');
  if (passed.length > 0) out.push(`- Passed: ${passed.map((n) => `${n.rule} (${describeNote(n)})`).join('; ')}`);
  out.push('', '### Queries', '', '```promql');
  for (const q of item.queries) out.push(`# ${q.metric}`, q.source);
  out.push('```', '');
  return out;
}

const round3 = (n: number) => Math.round(n * 1000) / 1000;
const pct = (x: number) => Math.round(x * 100);
const signed = (n: number) => `${n >= 0 ? '+' : '−'}${fmt(Math.abs(n))}`;
