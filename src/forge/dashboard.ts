// The dashboard issue, rewritten every cycle: every target with its last decision, held ones with
// their reasons, open PRs, and what waits on limits or freeze windows. Pure rendering.
import { money } from '../domain/money.js';
import { show } from '../domain/units.js';
import type { Decision } from '../domain/decision.js';
import { workloadName, type WorkloadId } from '../domain/workload.js';
import { scheduleSummary } from './schedule.js';
import { describeFinding, describeSkip, needsAttention, noteLine } from './reasons.js';
import type { Finding, ScheduleSkip } from '../domain/reasons.js';

export type PrAction = 'opened' | 'updated' | 'unchanged' | 'closed';

export interface TargetOutcome {
  target: WorkloadId;
  decision?: Decision;
  /** Set when the target could not be evaluated (bad metrics, manifest not found...). */
  error?: string;
  pr?: { number: number; url: string; action: PrAction };
  /** What a reviewer should know about the target's inputs (GitOps lint, data hygiene...). */
  findings: Finding[];
  /** Why no KEDA schedule was proposed although the target opted in (sizing.schedule). */
  scheduleSkipped?: ScheduleSkip;
  /** Someone else committed on the target's Augur branch: Augur leaves it alone until it is Augur's again. */
  branchBlocked?: { branch: string; sha: string; author: string; subject: string; pr?: number };
}

const WAITING_RULES = ['freezeWindows', 'cooldown', 'limits.maxOpenPRs', 'limits.maxPRsPerHour', 'budget.perNamespace'];

export function renderDashboard(outcomes: TargetOutcome[], ctx: { at: number; forge: string }): string {
  const out: string[] = [];
  const count = (v: string) => outcomes.filter((o) => (o.error ? 'error' : o.decision?.verdict) === v).length;
  out.push(
    `Last cycle: ${new Date(ctx.at * 1000).toISOString()} · ${outcomes.length} targets: ${count('propose')} proposed, ${count('hold')} held, ${count('unchanged')} unchanged, ${count('error')} failed.`,
    '',
    ...attentionSection(outcomes),
    '| Workload | Decision | Changes | PR |',
    '|---|---|---|---|',
  );
  for (const o of outcomes) {
    const id = `\`${workloadName(o.target)}\``;
    const verdict = o.error ? '❌ error' : o.decision?.verdict === 'propose' ? '✅ propose' : o.decision?.verdict === 'hold' ? '⏸ hold' : '· unchanged';
    const changes =
      [
        ...(o.decision?.changes.map((c) => `${c.field} ${show(c.field, c.current)} → ${show(c.field, c.proposed)}`) ?? []),
        ...(o.decision?.schedule ? [`KEDA schedule: ${scheduleSummary(o.decision.schedule)}`] : []),
      ].join('<br>') || '—';
    const pr = o.pr ? `[#${o.pr.number}](${o.pr.url}) ${o.pr.action}` : '—';
    out.push(`| ${id} | ${verdict} | ${changes} | ${pr} |`);
  }
  const held = outcomes.filter((o) => o.decision?.verdict === 'hold' && needsAttention(o.decision).length === 0);
  // Waiting only when every hold is temporary; one lasting hold (accuracy, history...) puts it under Held.
  const waiting = held.filter((o) => o.decision!.notes.filter((n) => n.effect === 'held').every((n) => WAITING_RULES.includes(n.rule)));
  const blocked = held.filter((o) => !waiting.includes(o));
  if (blocked.length > 0) {
    out.push('', '## Held', '');
    for (const o of blocked) out.push(`- \`${workloadName(o.target)}\`: ${heldReasons(o.decision!)}`);
  }
  if (waiting.length > 0) {
    out.push('', '## Waiting on limits, cooldowns or freeze windows', '');
    for (const o of waiting) {
      const d = o.decision!;
      const what = `${d.changes.length} field(s)${d.schedule ? ' and the KEDA schedule' : ''}`;
      out.push(`- \`${workloadName(o.target)}\`: ${heldReasons(d)} (would change ${what}, ${money(d.cost)}/month)`);
    }
  }
  const failed = outcomes.filter((o) => o.error);
  if (failed.length > 0) {
    out.push('', '## Failed', '');
    for (const o of failed) out.push(`- \`${workloadName(o.target)}\`: ${o.error}`);
  }
  const skipped = outcomes.filter((o) => o.scheduleSkipped);
  if (skipped.length > 0) {
    out.push('', '## Scaling schedules not proposed', '');
    for (const o of skipped) out.push(`- \`${workloadName(o.target)}\`: ${describeSkip(o.scheduleSkipped!)}`);
  }
  const blockedBranches = outcomes.filter((o) => o.branchBlocked);
  if (blockedBranches.length > 0) {
    out.push('', '## Branches changed by someone else', '', 'Augur does not push to, update or close these until the branch is its own again (reset it to Augur\'s commit, or delete it).', '');
    for (const o of blockedBranches) {
      const b = o.branchBlocked!;
      out.push(`- \`${workloadName(o.target)}\`: \`${b.branch}\`${b.pr !== undefined ? ` (PR #${b.pr})` : ''} has ${b.sha.slice(0, 7)} by ${b.author} ("${b.subject}") on top`);
    }
  }
  const open = outcomes.filter((o) => o.pr && o.pr.action !== 'closed');
  out.push('', '## Open pull requests', '');
  if (open.length === 0) out.push('None.');
  for (const o of open) out.push(`- [#${o.pr!.number}](${o.pr!.url}) \`${workloadName(o.target)}\` (${o.pr!.action} this cycle)`);
  const lint = outcomes.filter((o) => o.findings.length > 0);
  if (lint.length > 0) {
    out.push('', '## Manifest notes (GitOps lint)', '');
    for (const o of lint) for (const f of o.findings) out.push(`- \`${workloadName(o.target)}\`: ${describeFinding(f)}`);
  }
  out.push('', `<sub>Written by Augur (${ctx.forge}); rewritten every cycle, edits here are lost.</sub>`, '');
  return out.join('\n');
}

/** First, what a person must fix: misconfigured targets, with the fix each reason names. */
function attentionSection(outcomes: TargetOutcome[]): string[] {
  const lines = outcomes.flatMap((o) => {
    const notes = needsAttention(o.decision);
    return notes.length > 0 ? [`- \`${workloadName(o.target)}\`: ${notes.map(noteLine).join('; ')}`] : [];
  });
  if (lines.length === 0) return [];
  return ['## ⚠️ Needs attention', '', 'These targets are held until the guardrails file or the manifests are fixed; waiting will not clear them.', '', ...lines, ''];
}

function heldReasons(d: Decision): string {
  return d.notes
    .filter((n) => n.effect === 'held')
    .map(noteLine)
    .join('; ');
}
