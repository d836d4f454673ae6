// One cycle: the only place that knows the order of the stages.
//   targets -> metrics -> forecast -> recommend -> guard -> manifests -> forge
// Every target ends in an outcome (propose, hold, unchanged, or error) that is logged, counted and
// listed in the dashboard; a failure of one target never stops the others.
import type { Logger, Workspace } from '../domain/ports.js';
import { effectiveSettings, type Config, type Policy, type TargetConfig } from '../config/schema.js';
import { cleanHistory, counterToRate } from '../forecast/index.js';
import { augurCandidates, selectAugur, type SelectionCache } from '../forecast/registry.js';
import { buildProposal, renderBody, type Proposal, type ProposalItem } from '../forge/body.js';
import { targetId } from '../domain/workload.js';
import { renderDashboard, type PrAction, type TargetOutcome } from '../forge/dashboard.js';
import { scheduleSummary, windowsInline } from '../forge/schedule.js';
import { BRANCH_PREFIX, withMeta, type Forge, type PullRequestInfo } from '../forge/types.js';
import { addCost } from '../domain/money.js';
import { applyLimits, guard, scheduleCost, type ForgeLoad } from '../guardrails/index.js';
import { show } from '../domain/units.js';
import { applyEdits, editFor, locateWorkload, parseQuantity, scheduleEdit } from '../manifests/index.js';
import { describeRef } from '../metrics/grid.js';
import type { MetricName } from '../metrics/presets.js';
import { branchFor, groupKey, manifestSpecOf, resolveMetric } from './targets.js';
import { deriveCapacity, recommend } from '../recommend/index.js';
import { fmt } from '../domain/units.js';
import { hourlyFromTriggers } from '../domain/schedule.js';
import type { BlockEdit, FieldKey, RepoView, WorkloadId, WorkloadManifest } from '../domain/workload.js';
import type { CostDelta } from '../domain/money.js';
import type { Decision } from '../domain/decision.js';
import type { MetricsSource } from '../domain/ports.js';
import type { Series } from '../domain/series.js';
import { checkHeadroom, describeDrift, drift, outsideLimitRange, proposedValues } from '../cluster/drift.js';
import type { Cluster, Headroom, LiveWorkload } from '../cluster/types.js';
import { shardOf } from '../cluster/shard.js';
import { isoMinutes } from '../util/zoned.js';
import { verifyMerged, type VerifyResult } from './verify.js';

export interface CycleDeps {
  config: Config;
  metrics: MetricsSource;
  workspace: Workspace;
  forge: Forge;
  /** Unix seconds the cycle runs at (injected: tests and replays pin it). */
  now: number;
  log: Logger;
  /** Plan only: evaluate everything, write nothing (no branch, no PR, no dashboard, no Event). */
  dryRun?: boolean;
  /** Evaluate only these targets ("Kind/namespace/name"), e.g. after an alert; the dashboard is left for the next full cycle. */
  only?: string[];
  /** This replica's share of the targets (stable hash), for large fleets; its own dashboard. */
  shard?: { index: number; count: number };
  /** Live cluster state; without it Augur works from Git alone. */
  cluster?: Cluster;
  /** Server-side dry runs and Events (both need the cluster). */
  clusterOptions?: { dryRun: boolean; events: boolean };
  signal?: AbortSignal;
  /** Each workload's chosen model, kept across the cycles of a long-running process (serve); without it every cycle selects. */
  selections?: SelectionCache;
}

export interface ProposalResult {
  proposal: Proposal;
  body: string;
  action: PrAction;
  pr?: PullRequestInfo;
  files: Map<string, string>;
}

export interface CycleReport {
  at: number;
  baseSha: string;
  outcomes: TargetOutcome[];
  proposals: ProposalResult[];
  closed: { number: number; reason: string }[];
  /** Post-merge checks done this cycle (comments, and revert PRs opened). */
  verified: VerifyResult[];
  dashboard?: string;
}

interface Evaluation {
  outcome: TargetOutcome;
  item?: ProposalItem;
  manifest?: WorkloadManifest;
  live?: LiveWorkload;
}

export async function runCycle(deps: CycleDeps): Promise<CycleReport> {
  const { config, forge, workspace, log, now } = deps;
  const lookback = Math.max(
    ...config.targets.map((t) => {
      const { policy } = effectiveSettings(config, t);
      return Math.max(policy.cooldown, policy.rejectedBackoff, policy.budget.perNamespace?.period ?? 0, 3600);
    }),
  );
  const prs = await forge.listPullRequests(now - lookback);
  const baseSha = await workspace.sync();
  const repo = workspace.view();
  log.info({ baseSha, targets: config.targets.length, augurPRs: prs.length }, 'cycle started');

  const clusterRoom = deps.cluster ? deps.cluster.clusterHeadroom().catch((err: unknown) => (log.warn({ err: message(err) }, 'cluster headroom unavailable'), undefined)) : undefined;
  const inShard = (t: TargetConfig) => !deps.shard || deps.shard.count <= 1 || shardOf(targetId(t), deps.shard.count) === deps.shard.index;
  const selected = config.targets.filter((t) => inShard(t) && (!deps.only || deps.only.includes(targetId(t))));
  const selectedIds = new Set(selected.map(targetId));
  const evaluations = await Promise.all(selected.map((t) => evaluate(t, deps, repo, prs, clusterRoom)));
  const keyOf = (id: WorkloadId) => groupKey(config, config.targets.find((t) => sameId(t, id))!);
  const limited = applyLimits(
    evaluations.map((e) => e.outcome.decision).filter((d): d is Decision => d !== undefined),
    forgeLoad(prs, now, config, keyOf),
    config.limits,
    (ns) => {
      const t = config.targets.find((x) => x.namespace === ns);
      return t ? effectiveSettings(config, t).policy.budget.perNamespace : undefined;
    },
    (d) => keyOf(d.target),
  );
  for (const d of limited) {
    const e = evaluations.find((x) => x.outcome.decision && sameId(x.outcome.decision.target, d.target))!;
    e.outcome.decision = d;
    if (e.item) e.item.decision = d;
  }
  for (const e of evaluations) {
    const d = e.outcome.decision;
    log.info(
      {
        target: targetId(e.outcome.target),
        verdict: e.outcome.error ? 'error' : d?.verdict,
        heldBecause: d?.heldBecause,
        error: e.outcome.error,
        ...(d?.schedule ? { schedule: scheduleSummary(d.schedule) } : {}),
        ...(e.outcome.scheduleSkipped ? { scheduleSkipped: e.outcome.scheduleSkipped } : {}),
      },
      'decision',
    );
  }

  // Group the proposals (one PR per workload by default) and write each one.
  const groups = new Map<string, ProposalItem[]>();
  for (const e of evaluations) {
    if (e.item && e.outcome.decision?.verdict === 'propose') {
      const key = keyOf(e.outcome.target);
      groups.set(key, [...(groups.get(key) ?? []), e.item]);
    }
  }
  const proposals: ProposalResult[] = [];
  for (const [key, items] of groups) {
    const outcomesOf = items.map((item) => evaluations.find((x) => sameId(x.outcome.target, item.target))!.outcome);
    try {
      const result = await publishProposal(key, items, deps, repo, prs);
      proposals.push(result);
      if (result.pr) for (const o of outcomesOf) o.pr = { number: result.pr.number, url: result.pr.url, action: result.action };
      if (result.pr && result.action !== 'unchanged') await recordEvents(items, result, evaluations, deps);
    } catch (err) {
      // The branch push is all or nothing; a failed PR call leaves a pushed branch that the next
      // cycle finds and opens the PR for. Either way the other proposals go on.
      log.error({ key, err: message(err) }, 'proposal not published');
      for (const o of outcomesOf) o.error = `publishing ${branchFor(key)} failed: ${message(err)}`;
    }
  }

  const closed = await closeStale(evaluations, prs, proposals, deps, keyOf, (id) => selectedIds.has(id) || !config.targets.some((t) => targetId(t) === id));
  for (const e of evaluations) {
    if (e.outcome.pr) continue;
    const open = prs.find((p) => p.state === 'open' && p.meta?.targets.includes(targetId(e.outcome.target)));
    const wasClosed = open && closed.some((c) => c.number === open.number);
    if (open) e.outcome.pr = { number: open.number, url: open.url, action: wasClosed ? 'closed' : 'unchanged' };
  }

  // Merged PRs whose horizon has passed: compare with what happened, revert what hurt (full cycles only).
  const verified = deps.only ? [] : await verifyMerged(deps, prs, repo).catch((err: unknown) => (log.error({ err: message(err) }, 'post-merge checks failed'), []));
  const outcomes = evaluations.map((e) => e.outcome);
  let dashboard: string | undefined;
  if (!deps.dryRun && !deps.only) {
    try {
      const title = deps.shard && deps.shard.count > 1 ? `${config.forge.dashboardTitle} (shard ${deps.shard.index + 1} of ${deps.shard.count})` : config.forge.dashboardTitle;
      dashboard = await forge.upsertDashboard(title, renderDashboard(outcomes, { at: now, forge: forge.name }));
    } catch (err) {
      log.error({ err: message(err) }, 'dashboard not updated');
    }
  }
  return { at: now, baseSha, outcomes, proposals, closed, verified, ...(dashboard ? { dashboard } : {}) };
}

async function evaluate(t: TargetConfig, deps: CycleDeps, repo: RepoView, prs: PullRequestInfo[], clusterRoom: Promise<Headroom | undefined> | undefined): Promise<Evaluation> {
  const target: WorkloadId = { kind: t.kind, namespace: t.namespace, name: t.name };
  const outcome: TargetOutcome = { target, notes: [] };
  const hold = (rule: string, msg: string): Evaluation => {
    outcome.decision = { target, verdict: 'hold', changes: [], notes: [{ rule, effect: 'held', message: msg }], cost: zeroCost(deps.config, t), heldBecause: `${rule}: ${msg}` };
    return { outcome };
  };
  try {
    const { policy, sizing } = effectiveSettings(deps.config, t);
    let manifest: WorkloadManifest;
    try {
      manifest = locateWorkload(repo, target, manifestSpecOf(t));
    } catch (err) {
      return hold('manifest', message(err));
    }
    outcome.notes.push(...manifest.notes);
    const current: Partial<Record<FieldKey, number>> = {};
    for (const [field, loc] of Object.entries(manifest.fields) as [FieldKey, NonNullable<WorkloadManifest['fields'][FieldKey]>][]) {
      current[field] = parseQuantity(field, loc.raw);
    }

    // Drift: a proposal must start from what runs, and what runs must be what Git says.
    let live: LiveWorkload | undefined;
    if (deps.cluster) {
      try {
        live = await deps.cluster.workload(target, manifest.container);
      } catch (err) {
        outcome.notes.push(`cluster state not read, drift and headroom not checked: ${message(err)}`);
      }
      if (live === undefined && !outcome.notes.some((n) => n.startsWith('cluster state not read'))) {
        return hold('drift', `${t.kind} ${t.namespace}/${t.name} is in Git but not in the cluster: wait for the GitOps sync`);
      }
      // GitOps lint: an autoscaler the cluster has but Git does not show fights Git over replicas.
      if (live?.autoscaledBy && manifest.autoscaler === 'none' && current.replicas !== undefined) {
        const by = live.autoscaledBy === 'keda' ? 'a KEDA ScaledObject' : 'a HorizontalPodAutoscaler';
        outcome.notes.push(
          `${by} scales this workload in the cluster, but Git sets spec.replicas (${current.replicas}): the autoscaler and the GitOps controller fight over it. ` +
            'Remove spec.replicas from Git (the Flux convention), or have Argo CD ignore it (ignoreDifferences on /spec/replicas). Augur leaves replicas alone.',
        );
        delete current.replicas;
      }
      const diffs = live ? drift(current, live) : [];
      if (diffs.length > 0) return hold('drift', describeDrift(diffs));
    }

    const fetch = async (name: MetricName): Promise<{ series: Series; source: string } | undefined> => {
      const m = resolveMetric(deps.config, t, name, manifest.container);
      if (!m) return undefined;
      const end = Math.floor(deps.now / m.step) * m.step;
      const series = await deps.metrics.range(m.ref, { start: end - m.history + m.step, end, stepSeconds: m.step }, deps.signal);
      return { series, source: 'promql' in m.ref ? m.ref.promql : describeRef(m.ref) };
    };

    let load: { series: Series; source: string };
    try {
      load = (await fetch('load'))!;
    } catch (err) {
      return hold('metrics', `load: ${message(err)}`);
    }
    const counter = counterToRate(load.series);
    if (counter) {
      load = { ...load, series: counter.series };
      outcome.notes.push(
        `load looks like a counter (it only rises, ${counter.resets} reset${counter.resets === 1 ? '' : 's'}): Augur forecasts its per-second rate; write rate(...) in the query to say so`,
      );
    }
    const cleaned = cleanHistory(load.series);
    const { report } = cleaned;
    const hygiene = [
      report.interpolated > 0 ? `${report.interpolated} missing samples filled` : '',
      report.incidentSteps > 0
        ? `${report.incidents.length} incident${report.incidents.length === 1 ? '' : 's'} excluded from training (load far below the same time on the other days: ${report.incidents
            .slice(0, 3)
            .map(([a, b]) => `${isoMinutes(a)}..${isoMinutes(b)}`)
            .join(', ')}${report.incidents.length > 3 ? ', …' : ''})`
        : '',
      report.outliers > 0 ? `${report.outliers} extreme samples kept (a spike may be real load)` : '',
    ].filter(Boolean);
    if (hygiene.length > 0) outcome.notes.push(`load history: ${hygiene.join('; ')}`);
    const finiteSteps = cleaned.series.values.filter(Number.isFinite).length;
    if (finiteSteps === 0) return hold('metrics', `load: the series has no usable samples (${load.series.values.length} steps, all missing or NaN); check the query or file`);
    // Stale data is not "no load": hold rather than forecast from a filled-in tail.
    const stale = trailingMissingSeconds(load.series);
    if (stale > Math.max(3 * load.series.stepSeconds, 900)) {
      return hold('metrics', `load: the newest sample is ${Math.round(stale / 60)} min old (window ends ${new Date(deps.now * 1000).toISOString()}); check that the query still returns data`);
    }

    // Optional metrics: a failure drops the changes that need them, with a note, not the target.
    const optional = async (name: MetricName) => {
      try {
        return await fetch(name);
      } catch (err) {
        outcome.notes.push(`${name} metric unavailable, its changes are skipped: ${message(err)}`);
        return undefined;
      }
    };
    const [cpu, memory, oomKills, cpuTotal] = await Promise.all([
      optional('cpu'),
      optional('memory'),
      optional('oomKills'),
      'targetUtilization' in t.capacity ? optional('cpuTotal') : Promise.resolve(undefined),
    ]);

    const horizonSteps = Math.round(sizing.horizon / cleaned.series.stepSeconds);
    const quantiles = [...new Set([0.5, sizing.quantile, sizing.maxQuantile])].sort((a, b) => a - b);
    let forecast;
    try {
      // The workload's calendar (the neural model's hour and weekday features) is in its time zone.
      const fopts = {
        horizonSteps,
        quantiles,
        timezone: sizing.schedule.timezone ?? deps.config.schedule.timezone,
        candidates: augurCandidates(cleaned.series.stepSeconds, undefined, sizing.neural),
      };
      forecast = deps.selections
        ? deps.selections.forecast(targetId(t), cleaned.series, fopts, { now: deps.now, maxAgeSeconds: sizing.reselectEvery })
        : selectAugur(cleaned.series, fopts);
    } catch (err) {
      return hold('minHistory', message(err));
    }

    let capacity: { perReplica: number; source: string } | undefined;
    if ('perReplica' in t.capacity) capacity = { perReplica: t.capacity.perReplica, source: 'given in the guardrails file' };
    else if (cpuTotal && current['cpu.request'] !== undefined) capacity = deriveCapacity(load.series, cpuTotal.series, current['cpu.request'], t.capacity.targetUtilization);
    if (!capacity || !(capacity.perReplica > 0)) {
      return hold('capacity', 'per-replica capacity could not be derived (needs the cpuTotal metric and a CPU request in the manifest); set capacity.perReplica');
    }

    const recommendation = recommend({
      target,
      sizing,
      autoscaler: manifest.autoscaler,
      current,
      load: cleaned.series,
      forecast,
      capacityPerReplica: capacity.perReplica,
      capacitySource: capacity.source,
      ...(cpu ? { cpu: cpu.series } : {}),
      ...(memory ? { memory: memory.series } : {}),
      ...(oomKills ? { oomKills: oomKills.series } : {}),
      ...(manifest.scaledObject ? { scaledObject: manifest.scaledObject } : {}),
      timezone: deps.config.schedule.timezone,
    });
    if (recommendation.scheduleSkipped) outcome.scheduleSkipped = recommendation.scheduleSkipped;
    const lastMerged = prs
      .filter((p) => p.merged && p.meta?.targets.includes(targetId(target)))
      .reduce<number | undefined>((acc, p) => Math.max(acc ?? 0, p.mergedAt ?? 0), undefined);
    const rejected = prs
      .filter((p) => p.state === 'closed' && !p.merged && !p.meta?.closedByAugur && p.meta?.reverts === undefined && p.closedAt !== undefined && p.meta?.targets.includes(targetId(target)))
      .sort((a, b) => (b.closedAt ?? 0) - (a.closedAt ?? 0))[0];
    // The back-off compares field values only: a schedule in a rejected PR (meta.schedules) is not
    // read back, so a rejected schedule may come back on the next cycle. Schedules are opt-in per
    // target and a reviewer who does not want one turns sizing.schedule off or drops 'schedule'
    // from allowedChanges, which says more than a back-off would.
    const rejectedValues: Partial<Record<FieldKey, number>> = {};
    const podRequests: PodRequests = { ...(current['cpu.request'] !== undefined ? { cpu: current['cpu.request'] } : {}), ...(current['memory.request'] !== undefined ? { memory: current['memory.request'] } : {}) };
    for (const c of rejected?.meta?.changes ?? []) if (c.target === targetId(target)) rejectedValues[c.field] = parseQuantity(c.field, c.to);
    const decision = guard({
      recommendation,
      policy,
      ...(forecast.accuracy ? { accuracy: forecast.accuracy } : {}),
      historySeconds: finiteSteps * cleaned.series.stepSeconds,
      now: deps.now,
      timezone: deps.config.schedule.timezone,
      ...(lastMerged !== undefined ? { lastMergedAt: lastMerged } : {}),
      ...(rejected ? { lastRejected: { number: rejected.number, closedAt: rejected.closedAt!, values: rejectedValues } } : {}),
      podRequests,
    });
    const blocks = scheduleBlocks(decision, manifest, repo, podRequests, policy, outcome);
    const clusterLines = live && deps.cluster ? await clusterChecks(decision, live, deps, manifest.container, clusterRoom, podRequests, policy.prices) : undefined;
    outcome.decision = decision;
    const edits = decision.changes.map((c) => editFor(manifest.fields[c.field]!, c.proposed));
    const queries = [
      { metric: 'load', source: load.source },
      ...([['cpu', cpu], ['memory', memory], ['oomKills', oomKills], ['cpuTotal', cpuTotal]] as const)
        .filter(([, m]) => m !== undefined)
        .map(([name, m]) => ({ metric: name, source: m!.source })),
    ];
    const item: ProposalItem = {
      target,
      decision,
      recommendation,
      forecast,
      history: cleaned.series,
      edits,
      blocks,
      ...(decision.schedule && manifest.scaledObject ? { scaledObject: manifest.scaledObject } : {}),
      queries,
      autoscaler: manifest.autoscaler,
      manifestNotes: manifest.notes,
      ...(clusterLines ? { cluster: clusterLines } : {}),
    };
    return { outcome, item, manifest, ...(live ? { live } : {}) };
  } catch (err) {
    deps.log.error({ target: targetId(target), err: message(err) }, 'target failed');
    outcome.error = message(err);
    return { outcome };
  }
}

async function publishProposal(key: string, items: ProposalItem[], deps: CycleDeps, repo: RepoView, prs: PullRequestInfo[]): Promise<ProposalResult> {
  const { config, forge, workspace, now } = deps;
  const branch = branchFor(key);
  const proposal = buildProposal(key, branch, items, now);
  const body = renderBody(proposal, { baseBranch: config.git.baseBranch });
  const files = applyEdits(
    repo,
    items.flatMap((i) => i.edits),
    items.flatMap((i) => i.blocks),
  );
  const existing = prs.find((p) => p.state === 'open' && p.branch === branch);
  if (existing?.meta?.fingerprint === proposal.meta.fingerprint) {
    deps.log.info({ pr: existing.number, branch }, 'PR already proposes these values');
    return { proposal, body, action: 'unchanged', pr: existing, files };
  }
  if (deps.dryRun) return { proposal, body, action: existing ? 'updated' : 'opened', ...(existing ? { pr: existing } : {}), files };
  const lines = items.flatMap((i) => [
    ...i.decision.changes.map((c) => `${targetId(i.target)} ${c.field}: ${c.current} -> ${c.proposed}`),
    ...(i.decision.schedule && i.blocks.length > 0 ? [`${targetId(i.target)} KEDA schedule: ${windowsInline(i.decision.schedule.proposed) || 'no windows'}`] : []),
  ]);
  const message = `${proposal.title}\n\n${lines.join('\n')}\n`;
  await workspace.publish(branch, files, message);
  if (existing) {
    await forge.updatePullRequest(existing.number, { title: proposal.title, body });
    deps.log.info({ pr: existing.number, branch }, 'PR updated in place');
    return { proposal, body, action: 'updated', pr: existing, files };
  }
  const pr = await forge.openPullRequest({
    branch,
    base: config.git.baseBranch,
    title: proposal.title,
    body,
    labels: config.forge.labels,
    reviewers: config.forge.reviewers,
    teamReviewers: config.forge.teamReviewers,
    draft: config.forge.draft,
  });
  deps.log.info({ pr: pr.number, branch, url: pr.url }, 'PR opened');
  return { proposal, body, action: 'opened', pr, files };
}

/**
 * Closes open Augur PRs whose recommendation no longer holds: every workload in them is now
 * "unchanged", or no longer a target. PRs of held workloads (frozen, over budget...) stay open.
 */
async function closeStale(
  evaluations: Evaluation[],
  prs: PullRequestInfo[],
  proposals: ProposalResult[],
  deps: CycleDeps,
  keyOf: (id: WorkloadId) => string,
  /** Whether this cycle may judge a workload's PR: it evaluated it, or it is no longer a target. */
  judged: (id: string) => boolean,
): Promise<{ number: number; reason: string }[]> {
  const closed: { number: number; reason: string }[] = [];
  const written = new Set(proposals.map((p) => p.proposal.branch));
  for (const pr of prs) {
    if (pr.state !== 'open' || !pr.branch.startsWith(BRANCH_PREFIX) || written.has(pr.branch) || !pr.meta || pr.meta.reverts !== undefined) continue;
    const reasons: string[] = [];
    let keep = false;
    // A partial cycle or a shard only judges PRs whose workloads it evaluated.
    if (!pr.meta.targets.every(judged)) continue;
    for (const id of pr.meta.targets) {
      const e = evaluations.find((x) => targetId(x.outcome.target) === id);
      if (!e) reasons.push(`\`${id}\` is no longer a target in the guardrails file`);
      else if (branchFor(keyOf(e.outcome.target)) !== pr.branch) reasons.push(`\`${id}\` is now proposed on branch \`${branchFor(keyOf(e.outcome.target))}\``);
      else if (e.outcome.decision?.verdict === 'unchanged') {
        const shaping = e.outcome.decision.notes.filter((n) => n.effect === 'dropped' || n.effect === 'clamped').map((n) => n.message);
        reasons.push(`\`${id}\`: the current values are now right${shaping.length ? ` (${shaping.join('; ')})` : ''}`);
      } else keep = true;
    }
    if (keep || reasons.length === 0) continue;
    const comment = `Augur closes this PR: the recommendation no longer holds.\n\n${reasons.map((r) => `- ${r}`).join('\n')}\n\nThe branch \`${pr.branch}\` is left as it is; Augur will open a new PR if the forecast calls for a change again.`;
    if (!deps.dryRun) await deps.forge.closePullRequest(pr.number, comment, withMeta(pr.body ?? '', { ...pr.meta, closedByAugur: true }));
    deps.log.info({ pr: pr.number, branch: pr.branch }, 'PR closed: recommendation no longer holds');
    closed.push({ number: pr.number, reason: comment });
  }
  return closed;
}

/**
 * Blast radius and admission, for a decision about to be proposed: the namespace quota and the
 * cluster's allocatable must take the added requests, and a server-side dry run of the proposed
 * objects must pass admission. Adds notes (and a hold) to the decision; returns the figures for
 * the PR body.
 */
async function clusterChecks(
  decision: Decision,
  live: LiveWorkload,
  deps: CycleDeps,
  container: string | undefined,
  clusterRoom: Promise<Headroom | undefined> | undefined,
  pod: PodRequests,
  prices: Policy['prices'],
): Promise<string[]> {
  const cluster = deps.cluster!;
  const lines: string[] = [];
  if (decision.verdict !== 'propose') return lines;
  const hold = (rule: string, msg: string) => {
    decision.notes.push({ rule, effect: 'held', message: msg });
    if (decision.verdict !== 'hold') Object.assign(decision, { verdict: 'hold', heldBecause: `${rule}: ${msg}` });
  };
  let quota: Headroom | undefined;
  try {
    quota = await cluster.namespaceHeadroom(live.id.namespace);
  } catch (err) {
    lines.push(`Namespace quota not read: ${message(err)}`);
  }
  const added = addedAtPeak(decision, pod, prices);
  if (added.line) lines.push(added.line);
  const room = checkHeadroom(added, [quota, await clusterRoom]);
  lines.push(...room.lines);
  if (!quota) lines.push(`No ResourceQuota limits requests in ${live.id.namespace}.`);
  try {
    const outside = outsideLimitRange(decision.changes, await cluster.containerLimits(live.id.namespace));
    if (outside.length > 0) {
      hold('limitRange', `pods would be rejected: ${outside.join('; ')}`);
      lines.push(`LimitRange: ${outside.join('; ')}.`);
    }
  } catch (err) {
    lines.push(`LimitRanges not read: ${message(err)}`);
  }
  if (room.exceeded) hold('headroom', `the added requests do not fit: ${room.exceeded}`);
  else decision.notes.push({ rule: 'headroom', effect: 'passed', message: room.lines.length ? 'fits the namespace quota and the cluster' : 'no quota or capacity figures' });
  if (deps.clusterOptions?.dryRun !== false) {
    const result = await cluster.dryRun(live, proposedValues(decision.changes), container).catch((err: unknown) => ({ ok: false as const, message: `dry run failed: ${message(err)}`, error: true }));
    if (result.ok) {
      decision.notes.push({ rule: 'admission', effect: 'passed', message: 'server-side dry run (dryRun=All) accepted the proposed objects' });
      lines.push(`Server-side dry run (dryRun=All): admitted.${decision.schedule ? " The ScaledObject's new triggers are not part of it (Augur dry-runs the workload and its HPA)." : ''}`);
    } else {
      hold('admission', `the API server's dry run rejected the proposed objects: ${result.message}`);
      lines.push(`Server-side dry run: rejected: ${result.message}`);
    }
  }
  return lines;
}

type PodRequests = { cpu?: number; memory?: number };

/**
 * Requests a decision adds at its busiest moment, for the quota and capacity checks. Field changes
 * count as they are costed (expected replicas × the per-pod change). A schedule counts at the local
 * hour where its windows add the most replicas over what that hour runs now, not at its daily
 * average (which is what it costs): a ResourceQuota and the nodes must take every pod of that hour
 * at once. The ScaledObject's other triggers may scale further; that was so before the PR too.
 */
export function addedAtPeak(decision: Decision, pod: PodRequests, prices: Policy['prices']): { cores: number; bytes: number; line?: string } {
  const s = decision.schedule;
  const fields = { cores: decision.cost.cores, bytes: decision.cost.memoryGiB * 2 ** 30 };
  if (!s) return fields;
  const average = scheduleCost(s, pod, prices);
  const before = hourlyFromTriggers(s.current, s.floor);
  const after = hourlyFromTriggers(s.proposed, s.floor);
  let hour = 0;
  for (let h = 1; h < 24; h++) if ((after[h] as number) - (before[h] as number) > (after[hour] as number) - (before[hour] as number)) hour = h;
  const extra = Math.max(0, (after[hour] as number) - (before[hour] as number));
  const cpu = decision.changes.find((c) => c.field === 'cpu.request')?.proposed ?? pod.cpu ?? 0;
  const memory = decision.changes.find((c) => c.field === 'memory.request')?.proposed ?? pod.memory ?? 0;
  const cores = fields.cores - average.cores + extra * cpu;
  const bytes = fields.bytes - average.memoryGiB * 2 ** 30 + extra * memory;
  const at = `${String(hour).padStart(2, '0')}:00 ${s.timezone}`;
  return {
    cores,
    bytes,
    line:
      extra > 0
        ? `Headroom is checked at the schedule's busiest hour (${at}): ${extra} replica${extra === 1 ? '' : 's'} more than that hour runs now (${before[hour]} → ${after[hour]}), ${fmt(extra * cpu)} cores and ${show('memory.request', extra * memory)} requested at once.`
        : 'The schedule adds no replicas at any hour over what runs now.',
  };
}

/**
 * The block edit that writes the decision's schedule into the ScaledObject. A schedule that cannot
 * be written (the triggers are in a shape Augur does not edit, the ScaledObject is gone) is dropped
 * with the reason and its cost taken out; a decision left with nothing to propose is then held, so
 * an open PR stays open and the dashboard says why.
 */
function scheduleBlocks(decision: Decision, manifest: WorkloadManifest, repo: RepoView, pod: PodRequests, policy: Policy, outcome: TargetOutcome): BlockEdit[] {
  const s = decision.schedule;
  if (!s) return [];
  let problem: string | undefined;
  if (manifest.scaledObject) {
    try {
      const edit = scheduleEdit(repo, manifest.scaledObject, s.proposed);
      if (edit) return [edit];
    } catch (err) {
      problem = message(err);
    }
  } else problem = 'no KEDA ScaledObject for the workload in the manifests';
  const c = scheduleCost(s, pod, policy.prices);
  decision.cost = addCost(decision.cost, c, -1);
  delete decision.schedule;
  if (problem !== undefined) {
    outcome.scheduleSkipped = `the schedule could not be written: ${problem}`;
    decision.notes.push({ rule: 'manifest', effect: 'dropped', message: `schedule not written: ${problem}` });
  }
  if (decision.verdict === 'propose' && decision.changes.length === 0) {
    if (problem === undefined) decision.verdict = 'unchanged';
    else {
      decision.notes.push({ rule: 'manifest', effect: 'held', message: `the schedule cannot be written: ${problem}` });
      Object.assign(decision, { verdict: 'hold', heldBecause: `manifest: the schedule cannot be written: ${problem}` });
    }
  }
  return [];
}

async function recordEvents(items: ProposalItem[], result: ProposalResult, evaluations: Evaluation[], deps: CycleDeps): Promise<void> {
  if (!deps.cluster || deps.clusterOptions?.events === false || deps.dryRun || !result.pr) return;
  for (const item of items) {
    const live = evaluations.find((e) => sameId(e.outcome.target, item.target))?.live;
    if (!live) continue;
    const what = [
      ...item.decision.changes.map((c) => `${c.field} ${c.current}→${c.proposed}`),
      ...(item.decision.schedule && item.blocks.length > 0 ? [`KEDA schedule ${scheduleSummary(item.decision.schedule)}`] : []),
    ].join(', ');
    try {
      await deps.cluster.recordEvent(live, 'AugurProposal', `Augur ${result.action} PR #${result.pr.number} (${result.pr.url}): ${what}`);
    } catch (err) {
      deps.log.warn({ target: targetId(item.target), err: message(err) }, 'Event not recorded');
    }
  }
}

function forgeLoad(prs: PullRequestInfo[], now: number, config: Config, keyOf: (id: WorkloadId) => string): ForgeLoad {
  const open = prs.filter((p) => p.state === 'open');
  const namespaceCost: Record<string, CostDelta> = {};
  for (const p of prs) {
    if (!p.meta || !(p.state === 'open' || p.merged)) continue;
    const ns = p.meta.targets[0]?.split('/')[1];
    if (!ns) continue;
    const t = config.targets.find((x) => x.namespace === ns);
    const period = t ? effectiveSettings(config, t).policy.budget.perNamespace?.period : undefined;
    if (period === undefined || (p.merged && (p.mergedAt ?? 0) < now - period)) continue;
    const acc = namespaceCost[ns] ?? { cores: 0, memoryGiB: 0, monthly: 0, currency: p.meta.cost.currency };
    namespaceCost[ns] = { cores: acc.cores + p.meta.cost.cores, memoryGiB: acc.memoryGiB + p.meta.cost.memoryGiB, monthly: acc.monthly + p.meta.cost.monthly, currency: acc.currency };
  }
  const withOpenPR = new Set<string>();
  for (const t of config.targets) {
    const key = keyOf(t);
    if (open.some((p) => p.branch === branchFor(key))) withOpenPR.add(key);
  }
  const openCost: ForgeLoad['openCost'] = {};
  for (const p of open) if (p.meta) openCost[p.meta.key] = p.meta.cost;
  return { openPRs: open.length, openedLastHour: prs.filter((p) => p.createdAt >= now - 3600).length, namespaceCost, withOpenPR, openCost };
}

function zeroCost(config: Config, t: TargetConfig): CostDelta {
  return { cores: 0, memoryGiB: 0, monthly: 0, currency: effectiveSettings(config, t).policy.prices.currency };
}

function trailingMissingSeconds(s: Series): number {
  let i = s.values.length - 1;
  while (i >= 0 && !Number.isFinite(s.values[i])) i--;
  return (s.values.length - 1 - i) * s.stepSeconds;
}

const sameId = (a: WorkloadId | TargetConfig, b: WorkloadId) => a.kind === b.kind && a.namespace === b.namespace && a.name === b.name;
const message = (err: unknown) => (err instanceof Error ? err.message : String(err));
