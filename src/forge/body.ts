// The PR body: everything a reviewer needs to approve or reject in a minute. Pure rendering.
import { targetId, workloadName } from '../domain/workload.js';
import { isoMinutes } from '../util/zoned.js';
import { createHash } from 'node:crypto';
import { fmt } from '../domain/units.js';
import { addCost, money } from '../domain/money.js';
import { relChange, show } from '../domain/units.js';
import { hourlyFromTriggers } from '../domain/schedule.js';
import type { Edit, ScaledObjectSite } from '../domain/workload.js';
import type { Decision } from '../domain/decision.js';
import type { ProposalItem } from '../domain/proposal.js';
import { wallClock } from '../util/zoned.js';
import { renderScheduleSection, scheduleOf, scheduleSummary, windowsInline } from './schedule.js';
import { renderCharts } from './chart.js';
import { clusterLines } from './cluster.js';
import { renderMeta } from './meta.js';
import { describeNote } from './reasons.js';
import { dataLines, decisionBox, describeBasis, withUnit } from './explain.js';
import { type ProposalMeta, type ScheduleMeta } from '../domain/forge.js';
import { pinballSkill } from '../forecast/backtest.js';

export interface Proposal {
  key: string;
  branch: string;
  title: string;
  items: ProposalItem[];
  meta: ProposalMeta;
}

export function buildProposal(key: string, branch: string, items: ProposalItem[], now: number): Proposal {
  const changes = items.flatMap((item) =>
    item.edits.map((e) => ({ target: targetId(item.target), field: e.field, file: e.file, from: e.from, to: e.to, ...(e.insert ? { insert: e.insert } : {}) })),
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
      ? `augur: ${summary(items[0]!)} for ${workloadName(items[0]!.target)}`
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

/** GitHub refuses a PR body over 65,536 characters; the body keeps a margin for the forge's own additions. */
export const BODY_LIMIT = 60_000;

/**
 * The body, under BODY_LIMIT: every item in full when it fits. Otherwise charts are kept, in item order, while they fit,
 * and if the text alone is still too long the last items fold to their decision box and change table; past that (a
 * group of many workloads) the last items are left out, named in one note, their fields still in the rollback table.
 */
export function renderBody(p: Proposal, ctx: { baseBranch: string; revertHint?: string | undefined }): string {
  const sections = p.items.map((item) => renderItem(item, renderCharts(item)));
  const left: string[] = [];
  const render = () => assembleBody(p, ctx, left.length > 0 ? [...sections, leftOutNote(left)] : sections);
  if (render().length <= BODY_LIMIT) return render();
  const charts = p.items.map((item) => renderCharts(item));
  p.items.forEach((item, i) => (sections[i] = renderItem(item, [], charts[i]!.length)));
  let size = render().length;
  p.items.forEach((item, i) => {
    const full = renderItem(item, charts[i]!);
    const grow = full.join('\n').length - sections[i]!.join('\n').length;
    if (size + grow <= BODY_LIMIT) [sections[i], size] = [full, size + grow];
  });
  for (let i = p.items.length - 1; i >= 0 && size > BODY_LIMIT; i--) {
    sections[i] = foldedItem(p.items[i]!);
    size = render().length;
  }
  for (let i = p.items.length - 1; i >= 0 && size > BODY_LIMIT; i--) {
    sections[i] = [];
    left.unshift(workloadName(p.items[i]!.target));
    size = render().length;
  }
  return render();
}

/** The workloads left out whole: named, with where their changes are. */
function leftOutNote(names: string[]): string[] {
  return [
    `_${names.length === 1 ? '1 more workload is' : `${names.length} more workloads are`} left out of this description, which would pass GitHub's 65,536-character limit: ${names.map((n) => `\`${n}\``).join(', ')}. ` +
      'Their fields are in the rollback table below; `augur plan --json` prints their decision, evidence and guardrail notes._',
    '',
  ];
}

function assembleBody(p: Proposal, ctx: { baseBranch: string; revertHint?: string | undefined }, sections: string[][]): string {
  const out: string[] = [];
  const total = p.meta.cost;
  const peaks = p.items.map((i) => i.decision.peakCost ?? i.decision.cost);
  const peak = peaks.slice(1).reduce((a, c) => addCost(a, c), peaks[0] ?? total);
  const atPeak = peak.monthly !== total.monthly ? `, **${money(peak)}** at peak (${signed(peak.cores)} cores, ${signed(peak.memoryGiB)} GiB)` : '';
  out.push(
    `Augur proposes resizing ${p.items.length === 1 ? 'one workload' : `${p.items.length} workloads`} from its load forecast. ` +
      `Cost per month: **${money(total)}** on average (${signed(total.cores)} cores, ${signed(total.memoryGiB)} GiB requested)${atPeak}. ` +
      `Nothing is applied until this PR is merged; Argo CD or Flux then syncs it.`,
    '',
  );
  for (const section of sections) out.push(...section);
  out.push('## How to roll back', '');
  out.push(
    `Revert this PR after merging (${ctx.revertHint ? `${ctx.revertHint}, or ` : ''}\`git revert -m 1 <merge commit>\` on \`${ctx.baseBranch}\`); ` +
      'the GitOps controller syncs the previous values back. Or set them back by hand:',
    '',
    '| File | Field | Restore |',
    '|---|---|---|',
    ...p.items.flatMap((i) => i.edits.map((e) => `| \`${e.file}\` | \`${e.yamlPath}\` | ${e.insert ? deleteInserted(e) : `\`${e.from}\``} |`)),
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

/** How to undo an insertion: its one line, or every line of it (a kustomization's new `replicas:` entry is three). */
function deleteInserted(e: Edit): string {
  const lines = `${e.insert!.prefix}${e.to}${e.insert!.suffix}`.split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== '');
  return lines.length <= 1 ? 'delete the line Augur added' : `delete the ${lines.length} lines Augur added: ${lines.map((l) => `\`${l}\``).join(', ')}`;
}

/** One workload's section; `omittedCharts` says how many charts were left out to keep the body under GitHub's limit. */
function renderItem(item: ProposalItem, charts: string[], omittedCharts = 0): string[] {
  const out: string[] = [`## ${item.target.kind} \`${workloadName(item.target)}\``, '', ...decisionBox(item)];
  out.push(...changeTable(item), '', '### Why', '', ...whyLines(item), '');
  const sched = scheduleOf(item);
  if (sched) {
    const shaping = item.decision.notes.filter((n) => n.effect === 'clamped' && 'schedule' in n).map((n) => `${n.rule}: ${describeNote(n)}`);
    const e = item.recommendation.evidence;
    const need = item.recommendation.schedule?.hourlyNeed;
    out.push(...renderScheduleSection({ ...sched, shaping, sizing: { quantile: e.quantile, maxQuantile: e.maxQuantile, headroomPercent: e.headroomPercent, ...(e.calibrated ? { target: e.calibrated.target } : {}) }, need }));
  }
  for (const chart of charts) out.push(chart, '');
  if (omittedCharts > 0) out.push(`_${omittedCharts === 1 ? 'The chart is' : `${omittedCharts} charts are`} left out: with ${omittedCharts === 1 ? 'it' : 'them'} this PR's description would pass GitHub's 65,536-character limit._`, '');
  out.push('### Data behind this', '', ...dataLines(item), '');
  out.push(...modelSection(item));
  out.push('### What it could break', '');
  if (item.cluster) for (const line of clusterLines(item.cluster)) out.push(`- ${line}`);
  else out.push('- Not checked against a cluster (no cluster access): quota, capacity headroom and admission were not verified.');
  out.push('', ...guardrailsSection(item));
  out.push('### Queries', '', '```promql');
  for (const q of item.queries) out.push(`# ${q.metric}`, q.source);
  out.push('```', '');
  return out;
}

/** The least a reviewer needs when the whole body cannot fit: what changes, and where the rest is. */
function foldedItem(item: ProposalItem): string[] {
  return [
    `## ${item.target.kind} \`${workloadName(item.target)}\``,
    '',
    ...decisionBox(item),
    ...changeTable(item),
    '',
    `_The rest of this workload's explanation (why, data, model, guardrails, queries) is left out: this PR's description would pass GitHub's 65,536-character limit. \`augur plan --json\` prints its decision, evidence and guardrail notes._`,
    '',
  ];
}

function changeTable(item: ProposalItem): string[] {
  const out = ['| Field | File | Current | Proposed | Change |', '|---|---|---|---|---|'];
  for (const c of item.decision.changes) {
    const edit = item.edits.find((e) => e.field === c.field);
    const change = relChange(c) === Infinity ? 'new' : `${c.proposed >= c.current ? '+' : '−'}${(relChange(c) * 100).toFixed(0)}%`;
    const current = edit?.insert ? `not set here (${show(c.field, c.current)})` : (edit?.from ?? show(c.field, c.current));
    out.push(`| \`${edit?.yamlPath ?? c.field}\` | \`${edit?.file ?? '?'}\` | ${current} | **${edit?.to ?? show(c.field, c.proposed)}** | ${change} |`);
  }
  const sched = scheduleOf(item);
  if (sched) {
    const { schedule: s, site } = sched;
    const windows = (n: number) => `${n} window${n === 1 ? '' : 's'}`;
    const change = s.current.length === 0 ? 'new' : s.proposed.length === 0 ? 'removed' : 'changed';
    for (const b of item.blocks) out.push(`| \`${b.yamlPath}\` of ${site.label}: cron triggers \`augur-*\` | \`${b.file}\` | ${windows(s.current.length)} | **${windows(s.proposed.length)}** | ${change} |`);
  }
  return out;
}

/** The forecast and capacity behind every change, each change's arithmetic, and the manifest notes about the files this PR edits. */
function whyLines(item: ProposalItem): string[] {
  const e = item.recommendation.evidence;
  const u = (v: number) => withUnit(v, item.unit);
  const source = e.capacitySource.kind === 'given' ? 'given in the guardrails file' : `derived: median ${fmt(e.capacitySource.perCore)} per core used × ${fmt(e.capacitySource.cpuRequest)} cores requested × ${Math.round(e.capacitySource.targetUtilization * 100)}% target utilization`;
  const out = [
    `Forecast p${pct(e.quantile)} peak ${u(e.forecastPeak)} over the next ${Math.round(e.horizonSeconds / 3600)} h (model ${e.model}); observed peak of the last ${Math.round(e.observedSeconds / 86_400)} days: ${u(e.observedPeak)}.`,
    e.calibrated
      ? `One replica serves ${u(e.capacityPerReplica)} (${source}); sized from this workload's own backtest for at most ${Math.round(e.calibrated.target * 1000) / 10}% of intervals short (sizing.targetUnderProvisioned), not with a fixed headroom: ${u(e.calibrated.load)}, the p${pct(e.calibrated.quantile)} forecast peak ${e.calibrated.margin >= 0 ? '+' : '−'} ${Math.round(Math.abs(e.calibrated.margin) * 1000) / 10}%${e.calibrated.burst ? `, raised by the burst guard (bursts above the p${pct(e.calibrated.burst.quantile)} on ${e.calibrated.burst.days} of ${e.calibrated.burst.of} backtest days)` : ''}.`
      : `One replica serves ${u(e.capacityPerReplica)} (${source}); sized with ${e.headroomPercent}% headroom, and never below the forecast p${pct(e.maxQuantile)} (no backtest to size from).`,
  ];
  if (e.owner.kind === 'hpa') out.push('An HPA owns the replica count: Augur sizes its minReplicas and maxReplicas, never spec.replicas.');
  if (e.owner.kind === 'keda') out.push(`${e.owner.label} (KEDA) owns the replica count: Augur proposes its cron windows (sizing.schedule), never spec.replicas.`);
  for (const c of item.decision.changes) {
    const raw = item.recommendation.changes.find((x) => x.field === c.field)?.proposed ?? c.proposed;
    out.push(`\`${c.field}\`: ${describeBasis(c.basis, item.unit, raw, c.field)}${raw !== c.proposed ? `; ${show(c.field, c.proposed)} after the guardrails` : ''}.`);
  }
  // Only the notes about what this PR edits: a file it writes and a key it changes.
  const edited = [...item.edits.map((x) => [x.file, x.yamlPath]), ...item.blocks.map((b) => [b.file, b.yamlPath])];
  for (const n of item.manifestNotes) if (edited.some(([file, path]) => n.includes(file!) && n.includes(path!))) out.push(`Note: ${n}`);
  return out.map((l) => `- ${l}`);
}

function modelSection(item: ProposalItem): string[] {
  const f = item.forecast;
  const a = f.accuracy;
  const out = ['### Model and its accuracy on this workload', ''];
  if (!a) return [...out, `Model **${f.model}** (not enough history for a backtest).`, ''];
  const q = String(item.recommendation.evidence.quantile);
  // In a table cell: a | in the unit would end the cell.
  const u = (v: number) => withUnit(v, item.unit).replace(/\|/g, '\\|');
  out.push(
    `Model **${f.model}**${f.members ? ` (the average of the ${f.members.length} best models' quantiles)` : ''}, chosen by a rolling-origin backtest over ${a.origins} origins of ${Math.round(a.horizonSeconds / 3600)} h each on this workload's own history` +
      (f.selectedAt !== undefined ? ` (the backtest of ${isoMinutes(f.selectedAt)}; this cycle refitted the model on the newest history)` : '') +
      ':',
    '',
    '| p' + pct(Number(q)) + ' pinball skill vs ' + (a.reference?.model ?? 'seasonal naive') + ' (the trust guard) | p' + pct(Number(q)) + ' pinball loss | Accuracy (1 − WAPE of the median) | MASE | p' + pct(Number(q)) + ' coverage |',
    '|---|---|---|---|---|',
    `| ${skillText(pinballSkill(a, Number(q)))} | ${a.pinball[q] !== undefined ? u(a.pinball[q]) : 'n/a'}${a.reference?.pinball[q] !== undefined ? ` (seasonal naive ${u(a.reference.pinball[q])})` : ''} | ${pct(1 - a.wape)}% | ${a.mase.toFixed(2)} | ${a.coverage[q] !== undefined ? `${pct(a.coverage[q])}% (ideal ${pct(Number(q))}%)` : 'n/a'} |`,
    '',
  );
  if (f.candidates && f.candidates.length > 1) {
    const score = (x: number) => `${(x * 100).toFixed(x < 0.1 ? 1 : 0)}%`;
    out.push(`Other models scored (mean pinball loss over the forecast quantiles, in % of the mean load; lower is better): ${f.candidates.map((c) => `${c.model} ${score(c.selectionLoss)}`).join(', ')}.`, '');
  }
  if (f.notScored) {
    out.push(
      `Not backtested at this selection: ${f.notScored.models.join(', ')}. They ranked below those above at the workload's full selection of ${isoMinutes(f.notScored.since)}, which backtested every model; the next full one is due \`sizing.fullSelectionEvery\` after it.`,
      '',
    );
  }
  return out;
}

/** Pinball skill as a signed percentage (above 0: closer than seasonal naive). */
function skillText(skill: number | undefined): string {
  if (skill === undefined) return 'n/a';
  if (!Number.isFinite(skill)) return '−∞ (seasonal naive was exact)';
  // Past ±1,000,000 % pct says it in words, with its own sign.
  if (Math.abs(skill) >= 1e4) return `${pct(skill)}%`;
  return `${skill >= 0 ? '+' : '−'}${pct(Math.abs(skill))}%`;
}

/** The rules that changed the numbers, then the ones that passed, folded. */
function guardrailsSection(item: ProposalItem): string[] {
  const d = item.decision;
  const out = ['### Guardrails that shaped this', ''];
  const shaping = d.notes.filter((n) => n.effect !== 'passed');
  if (shaping.length === 0) out.push('None changed the numbers.');
  for (const n of shaping) out.push(`- **${n.rule}** (${n.effect}): ${describeNote(n)}`);
  const passed = d.notes.filter((n) => n.effect === 'passed');
  if (passed.length > 0) {
    out.push('', `<details><summary>${passed.length} other guardrails passed</summary>`, '', ...passed.map((n) => `- ${n.rule}: ${describeNote(n)}`), '', '</details>');
  }
  return [...out, ''];
}

const round3 = (n: number) => Math.round(n * 1000) / 1000;
const signed = (n: number) => `${n >= 0 ? '+' : '−'}${fmt(Math.abs(n))}`;
// A backtest on a load of about 0 makes percentages like −2e118: past ±1,000,000 said in words.
const pct = (x: number) => (Math.abs(x) < 1e4 ? String(Math.round(x * 100)) : `${x < 0 ? 'below −' : 'over '}1,000,000`);
