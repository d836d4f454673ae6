// publish: the cycle's writes. Each group of proposals becomes one branch and one PR (opened, or
// updated in place); PRs whose recommendation no longer holds are closed with the reason; each
// PR opened or updated is recorded as an Event; the dashboard issue is rewritten. With dryRun
// nothing is written, and the same results come back.
import type { LiveWorkload } from '../domain/cluster.js';
import { heldBy } from '../domain/decision.js';
import type { PullRequestInfo } from '../domain/forge.js';
import type { ProposalItem } from '../domain/proposal.js';
import { targetId } from '../domain/workload.js';
import { buildProposal, renderBody, type Proposal } from '../forge/body.js';
import { renderDashboard, type PrAction, type TargetOutcome } from '../forge/dashboard.js';
import { withMeta } from '../forge/meta.js';
import { describeNote } from '../forge/reasons.js';
import { scheduleSummary, windowsInline } from '../forge/schedule.js';
import { applyEdits } from '../manifests/index.js';
import { redactText } from '../config/redact.js';
import type { RepoView } from '../domain/workload.js';
import type { BranchState } from '../domain/ports.js';
import { FINGERPRINT_TRAILER } from '../workspace/git.js';
import { errorMessage, type CycleDeps } from './deps.js';
import { branchFor, branchPrefixOf } from './targets.js';

export interface ProposalResult {
  proposal: Proposal;
  body: string;
  action: PrAction;
  pr?: PullRequestInfo;
  files: Map<string, string>;
  /** Someone else committed on the branch: nothing was written. */
  blocked?: Blocked;
}

/** One target's result as publish sees it: its outcome, and what its PR would show. */
export interface Publishable {
  outcome: TargetOutcome;
  item?: ProposalItem;
  live?: LiveWorkload;
  /** The grouping key of its PR (one PR per workload, namespace or group). */
  key: string;
}

/**
 * Writes every group of proposals as one branch and PR; a failure of one group is recorded on its
 * outcomes and the others go on. Returns the results and the outcomes with their PRs.
 */
export async function publishProposals(targets: Publishable[], deps: CycleDeps, repo: RepoView, prs: PullRequestInfo[]): Promise<ProposalResult[]> {
  const groups = new Map<string, Publishable[]>();
  for (const t of targets) if (t.item && t.outcome.decision?.verdict === 'propose') groups.set(t.key, [...(groups.get(t.key) ?? []), t]);
  const proposals: ProposalResult[] = [];
  for (const [key, members] of groups) {
    try {
      const result = await publishProposal(key, members.map((m) => m.item!), deps, repo, prs);
      proposals.push(result);
      if (result.pr) for (const m of members) m.outcome.pr = { number: result.pr.number, url: result.pr.url, action: result.action };
      if (result.blocked) for (const m of members) m.outcome.branchBlocked = result.blocked;
      if (result.pr && result.action !== 'unchanged') await recordEvents(members, result, deps);
    } catch (err) {
      // The branch push is all or nothing; a failed PR call leaves a pushed branch that the next
      // cycle finds and opens the PR for. Either way the other proposals go on.
      deps.log.error({ key, err: errorMessage(err) }, 'proposal not published');
      for (const m of members) m.outcome.error = `publishing ${branchFor(deps.config, key)} failed: ${errorMessage(err)}`;
    }
  }
  return proposals;
}

async function publishProposal(key: string, items: ProposalItem[], deps: CycleDeps, repo: RepoView, prs: PullRequestInfo[]): Promise<ProposalResult> {
  const { config, forge, workspace, now } = deps;
  const branch = branchFor(config, key);
  const proposal = buildProposal(key, branch, items, now);
  // A hold reason or a finding may quote an adapter's error, and an error may echo a secret.
  const body = redactText(renderBody(proposal, { baseBranch: config.git.baseBranch, revertHint: forge.revertHint }));
  const files = applyEdits(repo, items.flatMap((i) => i.edits), items.flatMap((i) => i.blocks));
  const existing = prs.find((p) => p.state === 'open' && p.branch === branch);
  // Read back what the branch holds: it, not the PR's description, is what a merge would apply.
  const state = await workspace.branch(branch);
  if (state?.foreign) {
    const blocked = await leaveAlone(branch, state.foreign, existing, deps);
    return { proposal, body, action: 'unchanged', files, blocked, ...(existing ? { pr: existing } : {}) };
  }
  const want = proposal.meta.fingerprint;
  // A commit from before fingerprint trailers holds what its PR says.
  const onBranch = state ? (state.fingerprint ?? existing?.meta?.fingerprint) : undefined;
  const branchRight = onBranch === want;
  if (existing && branchRight && existing.meta?.fingerprint === want) {
    deps.log.info({ pr: existing.number, branch }, 'PR already proposes these values');
    await ensureExtras(existing, deps);
    return { proposal, body, action: 'unchanged', pr: existing, files };
  }
  if (deps.dryRun) return { proposal, body, action: existing ? 'updated' : 'opened', ...(existing ? { pr: existing } : {}), files };
  if (!branchRight) await workspace.publish(branch, files, commitMessage(proposal), state?.sha ?? null);
  if (existing) {
    await forge.updatePullRequest(existing.number, { title: proposal.title, body });
    // The branch was right and only the description was not: a write whose answer was lost.
    deps.log.info({ pr: existing.number, branch, ...(branchRight ? { reconciled: 'description rewritten from what the branch holds' } : {}) }, 'PR updated in place');
    await ensureExtras(existing, deps);
    return { proposal, body, action: 'updated', pr: existing, files };
  }
  const pr = await forge.openPullRequest({ branch, base: config.git.baseBranch, title: proposal.title, body, ...extrasOf(config), draft: config.forge.draft });
  deps.log.info({ pr: pr.number, branch, url: pr.url, ...(branchRight ? { reconciled: 'branch already pushed' } : {}) }, 'PR opened');
  return { proposal, body, action: 'opened', pr, files };
}

const extrasOf = (config: CycleDeps['config']) => ({ labels: config.forge.labels, reviewers: config.forge.reviewers, teamReviewers: config.forge.teamReviewers });

/** Labels and reviewers on every cycle, not only at create: a lost answer or a failed call leaves a PR without them. */
async function ensureExtras(pr: PullRequestInfo, deps: CycleDeps): Promise<void> {
  if (deps.dryRun) return;
  try {
    const added = await deps.forge.ensurePullRequestExtras(pr, extrasOf(deps.config));
    if (added.length > 0) deps.log.info({ pr: pr.number, added }, 'PR labels and reviewers restored');
  } catch (err) {
    deps.log.warn({ pr: pr.number, err: errorMessage(err) }, 'PR labels or reviewers not ensured; next cycle tries again');
  }
}

/**
 * Someone else committed on the branch (as Renovate, Augur then leaves it alone): no push, no
 * update, no close; the PR gets one comment per foreign head, the dashboard a line.
 */
type Blocked = NonNullable<TargetOutcome['branchBlocked']>;

async function leaveAlone(branch: string, foreign: NonNullable<BranchState['foreign']>, existing: PullRequestInfo | undefined, deps: CycleDeps): Promise<Blocked> {
  deps.log.warn({ branch, commit: foreign.sha, author: foreign.author, pr: existing?.number }, 'someone else committed on the branch: Augur leaves it alone');
  const blocked: Blocked = { branch, ...foreign, ...(existing ? { pr: existing.number } : {}) };
  if (!existing || deps.dryRun || !existing.meta || existing.meta.foreignHead === foreign.sha) return blocked;
  const comment =
    `Augur leaves this branch alone: ${foreign.author} committed ${foreign.sha.slice(0, 7)} ("${foreign.subject}") on \`${branch}\`, ` +
    'so Augur will not push to it, update this PR or close it while that commit is on top.\n\n' +
    "To hand the branch back, reset it to Augur's last commit or delete it (Augur then proposes afresh); or merge or close this PR as it is.";
  await deps.forge.commentOnPullRequest(existing.number, comment, withMeta(existing.body ?? '', { ...existing.meta, foreignHead: foreign.sha }));
  return blocked;
}

function commitMessage(p: Proposal): string {
  const lines = p.items.flatMap((i) => [
    ...i.decision.changes.map((c) => `${targetId(i.target)} ${c.field}: ${c.current} -> ${c.proposed}`),
    ...(i.decision.schedule && i.blocks.length > 0 ? [`${targetId(i.target)} KEDA schedule: ${windowsInline(i.decision.schedule.proposed) || 'no windows'}`] : []),
  ]);
  // The trailer says what the branch proposes, so the next cycle can tell a stale description from a stale branch.
  return `${p.title}\n\n${lines.join('\n')}\n\n${FINGERPRINT_TRAILER}: ${p.meta.fingerprint}\n`;
}

/**
 * Closes open Augur PRs whose recommendation no longer holds: every workload in them is now
 * "unchanged", or no longer a target. PRs of held workloads (frozen, over budget...) stay open.
 * `judged` says whether this cycle may judge a workload's PR: it evaluated it, or it is no longer a
 * target (a partial cycle or a shard only judges PRs whose workloads it evaluated).
 */
export async function closeStale(
  targets: Publishable[],
  prs: PullRequestInfo[],
  proposals: ProposalResult[],
  deps: CycleDeps,
  judged: (id: string) => boolean,
): Promise<{ number: number; reason: string }[]> {
  const closed: { number: number; reason: string }[] = [];
  const written = new Set(proposals.map((p) => p.proposal.branch));
  for (const pr of prs) {
    if (pr.state !== 'open' || !pr.branch.startsWith(branchPrefixOf(deps.config)) || written.has(pr.branch) || !pr.meta || pr.meta.reverts !== undefined) continue;
    if (!pr.meta.targets.every(judged)) continue;
    const reasons = staleReasons(pr, targets, deps.config);
    if (!reasons) {
      await ensureExtras(pr, deps); // kept open (held, frozen...): still labelled and with its reviewers
      continue;
    }
    const state = await deps.workspace.branch(pr.branch);
    if (state?.foreign) {
      const blocked = await leaveAlone(pr.branch, state.foreign, pr, deps);
      for (const t of targets) if (pr.meta.targets.includes(targetId(t.outcome.target))) t.outcome.branchBlocked = blocked;
      continue;
    }
    const comment = `Augur closes this PR: the recommendation no longer holds.\n\n${reasons.map((r) => `- ${r}`).join('\n')}\n\nThe branch \`${pr.branch}\` is left as it is; Augur will open a new PR if the forecast calls for a change again.`;
    if (!deps.dryRun) await deps.forge.closePullRequest(pr.number, comment, withMeta(pr.body ?? '', { ...pr.meta, closedByAugur: true }));
    deps.log.info({ pr: pr.number, branch: pr.branch }, 'PR closed: recommendation no longer holds');
    closed.push({ number: pr.number, reason: comment });
  }
  return closed;
}

/** Why a PR is no longer needed, one line per workload; undefined when one of its workloads still needs it. */
function staleReasons(pr: PullRequestInfo, targets: Publishable[], config: CycleDeps['config']): string[] | undefined {
  const reasons: string[] = [];
  for (const id of pr.meta!.targets) {
    const t = targets.find((x) => targetId(x.outcome.target) === id);
    if (!t) reasons.push(`\`${id}\` is no longer a target in the guardrails file`);
    else if (branchFor(config, t.key) !== pr.branch) reasons.push(`\`${id}\` is now proposed on branch \`${branchFor(config, t.key)}\``);
    else if (t.outcome.decision?.verdict === 'unchanged') {
      const shaping = t.outcome.decision.notes.filter((n) => n.effect === 'dropped' || n.effect === 'clamped').map(describeNote);
      reasons.push(`\`${id}\`: the current values are now right${shaping.length ? ` (${shaping.join('; ')})` : ''}`);
    } else return undefined;
  }
  return reasons.length > 0 ? reasons : undefined;
}

async function recordEvents(members: Publishable[], result: ProposalResult, deps: CycleDeps): Promise<void> {
  if (!deps.cluster || deps.clusterOptions?.events === false || deps.dryRun || !result.pr) return;
  for (const { item, live } of members) {
    if (!live || !item) continue;
    const what = [
      ...item.decision.changes.map((c) => `${c.field} ${c.current}→${c.proposed}`),
      ...(item.decision.schedule && item.blocks.length > 0 ? [`KEDA schedule ${scheduleSummary(item.decision.schedule)}`] : []),
    ].join(', ');
    try {
      await deps.cluster.recordEvent(live, 'AugurProposal', `Augur ${result.action} PR #${result.pr.number} (${result.pr.url}): ${what}`);
    } catch (err) {
      deps.log.warn({ target: targetId(item.target), err: errorMessage(err) }, 'Event not recorded');
    }
  }
}

/** Rewrites the dashboard issue (full cycles only; a shard has its own). Returns where it is. */
export async function publishDashboard(outcomes: TargetOutcome[], deps: CycleDeps): Promise<string | undefined> {
  if (deps.dryRun || deps.only) return undefined;
  const { config, forge, shard } = deps;
  try {
    // Each instance (git.branchPrefix) and each shard keeps its own dashboard.
    const instance = config.git.branchPrefix !== 'augur' ? ` (${config.git.branchPrefix})` : '';
    const title = `${config.forge.dashboardTitle}${instance}${shard && shard.count > 1 ? ` (shard ${shard.index + 1} of ${shard.count})` : ''}`;
    return await forge.upsertDashboard(title, redactText(renderDashboard(outcomes, { at: deps.now, forge: forge.name })));
  } catch (err) {
    deps.log.error({ err: errorMessage(err) }, 'dashboard not updated');
    return undefined;
  }
}

/** The log line of one target's decision. */
export function logDecision(deps: CycleDeps, o: TargetOutcome): void {
  const d = o.decision;
  const held = d ? heldBy(d) : undefined;
  deps.log.info(
    {
      target: targetId(o.target),
      verdict: o.error ? 'error' : d?.verdict,
      heldBecause: held ? `${held.rule}: ${describeNote(held)}` : undefined,
      error: o.error,
      ...(d?.schedule ? { schedule: scheduleSummary(d.schedule) } : {}),
      ...(o.scheduleSkipped ? { scheduleSkipped: o.scheduleSkipped } : {}),
    },
    'decision',
  );
}
