// After a merge, check the forecast against what happened: once the horizon has passed, comment
// on the merged PR with the realized peak and the time under- or over-provisioned; if the
// workload was OOM-killed or throttled after the change, open a revert PR that says why.
import { effectiveSettings, type TargetConfig } from '../config/schema.js';
import { targetId, workloadName } from '../domain/workload.js';
import { windowsInline } from '../forge/schedule.js';
import { withMeta } from '../forge/meta.js';
import { type ProposalMeta, type PullRequestInfo, type ScheduleMeta } from '../domain/forge.js';
import { applyEdits, editFor, locateWorkload, parseQuantity, scheduleEdit } from '../manifests/index.js';
import type { MetricName } from '../domain/facts.js';
import { fmt } from '../domain/units.js';
import { max, percentile } from '../recommend/stats.js';
import { isDeepStrictEqual } from 'node:util';
import type { BlockEdit, Edit, FieldKey, FieldLocation, Insertion, RepoView, WorkloadId } from '../domain/workload.js';
import type { Series } from '../domain/series.js';
import type { CycleDeps } from './deps.js';
import { branchFor, manifestSpecOf, resolveMetric, workloadIdOf } from './targets.js';

/** Share of CPU periods throttled (p95 over the horizon) above which a change is reverted. */
export const THROTTLING_LIMIT = 0.25;

export interface AfterMerge {
  /** The comment for the merged PR. */
  comment: string;
  /** Set when the change hurt the workload: why it should be reverted. */
  revertBecause?: string;
}

/** Pure: what happened over the horizon after the merge, against what the forecast said. */
export function judgeAfterMerge(
  id: string,
  promised: NonNullable<ProposalMeta['forecast']>[string],
  load: Series,
  oomKills?: Series,
  throttling?: Series,
): AfterMerge {
  const finite = load.values.filter(Number.isFinite);
  const peak = max(finite);
  const lines = [`Augur checked \`${id}\` over the ${Math.round(promised.horizonSeconds / 3600)} h after this merge:`, ''];
  if (finite.length === 0) {
    lines.push('- No load samples in that window: nothing to compare.');
  } else {
    lines.push(`- Realized peak ${fmt(peak)} against the forecast p${Math.round(promised.quantile * 100)} peak ${fmt(promised.peak)} (${fmt((peak / promised.peak) * 100)}% of it).`);
    if (promised.replicas !== undefined) {
      const capacity = promised.replicas * promised.capacityPerReplica;
      const under = finite.filter((v) => v > capacity).length / finite.length;
      const utilization = finite.reduce((a, b) => a + b, 0) / finite.length / capacity;
      lines.push(`- Capacity ${promised.replicas} × ${fmt(promised.capacityPerReplica)} = ${fmt(capacity)}: under-provisioned ${fmt(under * 100)}% of the time; mean utilization ${fmt(utilization * 100)}%.`);
    }
  }
  const reasons: string[] = [];
  if (oomKills) {
    const before = oomKills.values.find(Number.isFinite) ?? 0;
    const after = max(oomKills.values);
    if (Number.isFinite(after) && after > before) reasons.push(`OOM kills rose from ${before} to ${after} after the change`);
  }
  if (throttling) {
    const p95 = percentile(throttling.values, 95);
    if (Number.isFinite(p95) && p95 > THROTTLING_LIMIT) reasons.push(`CPU throttled in ${fmt(p95 * 100)}% of periods (p95), above ${THROTTLING_LIMIT * 100}%`);
  }
  if (reasons.length > 0) lines.push(`- **The workload suffered after the change**: ${reasons.join('; ')}. Augur opens a revert PR.`);
  else lines.push('- No OOM kills or CPU throttling after the change.');
  return { comment: lines.join('\n'), ...(reasons.length > 0 ? { revertBecause: reasons.join('; ') } : {}) };
}

export interface VerifyResult {
  number: number;
  target: string;
  comment: string;
  revert?: { number: number; url: string };
}

/** Checks every merged Augur PR whose horizon has passed and that was not checked yet. */
export async function verifyMerged(deps: CycleDeps, prs: PullRequestInfo[], repo: RepoView): Promise<VerifyResult[]> {
  const out: VerifyResult[] = [];
  for (const pr of prs) {
    const meta = pr.meta;
    if (!pr.merged || pr.mergedAt === undefined || !meta?.forecast || meta.verified || meta.reverts !== undefined) continue;
    const due = Object.entries(meta.forecast).filter(([, f]) => deps.now >= pr.mergedAt! + f.horizonSeconds);
    if (due.length === 0 || due.length < Object.keys(meta.forecast).length) continue;
    const comments: string[] = [];
    for (const [id, promised] of due) {
      const t = deps.config.targets.find((x) => targetId(x) === id);
      if (!t) continue;
      try {
        const window = (name: MetricName) => readWindow(deps, t, name, pr.mergedAt!, promised.horizonSeconds);
        const [load, oom, throttling] = await Promise.all([window('load'), window('oomKills').catch(() => undefined), window('throttling').catch(() => undefined)]);
        const judged = judgeAfterMerge(id, promised, load!, oom, throttling);
        comments.push(judged.comment);
        const result: VerifyResult = { number: pr.number, target: id, comment: judged.comment };
        if (judged.revertBecause) {
          const revert = await openRevert(deps, repo, prs, pr, t, judged.revertBecause);
          if (revert) result.revert = revert;
        }
        out.push(result);
      } catch (err) {
        deps.log.warn({ pr: pr.number, target: id, err: err instanceof Error ? err.message : String(err) }, 'post-merge check failed; tried again next cycle');
      }
    }
    if (comments.length > 0 && !deps.dryRun) {
      await deps.forge.commentOnPullRequest(pr.number, comments.join('\n\n'), withMeta(pr.body ?? '', { ...meta, verified: true }));
    }
  }
  return out;
}

async function readWindow(deps: CycleDeps, t: TargetConfig, name: MetricName, from: number, seconds: number): Promise<Series | undefined> {
  const m = resolveMetric(deps.config, t, name, t.manifest.container);
  if (!m) return undefined;
  const start = Math.ceil(from / m.step) * m.step;
  return deps.metrics.range(m.ref, { start, end: start + Math.floor(seconds / m.step) * m.step, stepSeconds: m.step }, deps.signal);
}

/** The text Augur added for a key that was absent (prefix, value, suffix), as a block edit that removes it; undefined when it was edited since. */
function removalOf(repo: RepoView, loc: FieldLocation, insert: Insertion): BlockEdit | undefined {
  const text = repo.read(loc.file) ?? '';
  const range: [number, number] = [loc.range[0] - insert.prefix.length, loc.range[1] + insert.suffix.length];
  const from = text.slice(range[0], range[1]);
  return from === `${insert.prefix}${text.slice(loc.range[0], loc.range[1])}${insert.suffix}` ? { file: loc.file, yamlPath: loc.yamlPath, range, from, to: '' } : undefined;
}

/** A PR that sets the fields (and the KEDA schedule) of the merged change back to their values before it; a key Augur added is removed. */
async function openRevert(deps: CycleDeps, repo: RepoView, prs: PullRequestInfo[], merged: PullRequestInfo, t: TargetConfig, because: string): Promise<{ number: number; url: string } | undefined> {
  const id = workloadIdOf(t);
  const key = `revert--${t.environment ? `${t.environment}--` : ''}${t.namespace}--${t.name}`;
  const branch = branchFor(deps.config, key);
  if (prs.some((p) => p.state === 'open' && p.branch === branch)) return undefined;
  const manifest = locateWorkload(repo, id, manifestSpecOf(t));
  const edits: Edit[] = [];
  const removals: { field: FieldKey; block: BlockEdit }[] = [];
  for (const c of merged.meta!.changes.filter((x) => x.target === targetId(id))) {
    const loc = manifest.fields[c.field];
    // Only what still holds Augur's value: a later human edit is not undone.
    if (!loc || loc.raw !== c.to) continue;
    if (!c.insert) edits.push(editFor(loc, parseQuantity(c.field, c.from)));
    else {
      const removal = removalOf(repo, loc, c.insert);
      if (removal) removals.push({ field: c.field, block: removal });
    }
  }
  const blocks: BlockEdit[] = removals.map((r) => r.block);
  const schedules: ScheduleMeta[] = [];
  for (const s of merged.meta!.schedules?.filter((x) => x.target === targetId(id)) ?? []) {
    const site = manifest.scaledObject;
    // As for fields: only when Augur's triggers are still the ones the PR wrote.
    if (!site || site.file !== s.file || !isDeepStrictEqual(site.augurTriggers, s.to)) continue;
    const block = scheduleEdit(repo, site, s.from);
    if (block) {
      blocks.push(block);
      schedules.push({ ...s, from: s.to, to: s.from });
    }
  }
  if ((edits.length === 0 && blocks.length === 0) || deps.dryRun) return undefined;
  const files = applyEdits(repo, edits, blocks);
  const title = `augur: revert #${merged.number} for ${workloadName(t)}`;
  await deps.workspace.publish(branch, files, `${title}\n\n${because}\n`);
  const meta: ProposalMeta = {
    v: 1,
    key,
    targets: [targetId(id)],
    fingerprint: `revert-${merged.number}`,
    changes: [
      ...edits.map((e) => ({ target: targetId(id), field: e.field, file: e.file, from: e.from, to: e.to })),
      ...removals.map((r) => ({ target: targetId(id), field: r.field, file: r.block.file, from: r.block.from, to: '' })),
    ],
    ...(schedules.length > 0 ? { schedules } : {}),
    cost: { cores: 0, memoryGiB: 0, monthly: 0, currency: effectiveSettings(deps.config, t).policy.prices.currency },
    at: deps.now,
    reverts: merged.number,
  };
  const body = [
    `After #${merged.number} merged, ${t.kind} \`${workloadName(t)}\` suffered: **${because}**. This PR sets the fields back to their values before it.`,
    '',
    '| File | Field | Now | Back to |',
    '|---|---|---|---|',
    ...edits.map((e) => `| \`${e.file}\` | \`${e.yamlPath}\` | ${e.from} | **${e.to}** |`),
    ...schedules.map((s) => `| \`${s.file}\` | \`spec.triggers\` of ${s.scaledObject} (cron \`augur-*\`) | ${windowsInline(s.from)} | **${s.to.length > 0 ? windowsInline(s.to) : 'none'}** |`),
    '',
    `Augur holds this workload for its cooldown after this merges. If the cause was something else, close this PR; the merged change stays.`,
    '',
    withMeta('', meta).trim(),
    '',
  ].join('\n');
  const pr = await deps.forge.openPullRequest({
    branch,
    base: deps.config.git.baseBranch,
    title,
    body,
    labels: [...deps.config.forge.labels, 'revert'],
    reviewers: deps.config.forge.reviewers,
    teamReviewers: deps.config.forge.teamReviewers,
    draft: false,
  });
  return { number: pr.number, url: pr.url };
}
