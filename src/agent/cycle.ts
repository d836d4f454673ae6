// One cycle, in four steps per target, and the only place that knows their order:
//
//   gather(target)  → Facts      all I/O for the target: Git, the cluster, metrics, Augur's PRs
//   decide(facts)   → Decided    pure: clean, forecast, recommend, then the rules in RULES order
//   admit(decided)  → Decided    pure: quota, capacity, LimitRange, the dry run's answer (or cluster.required's hold)
//   publish(all)                 branches, PRs, stale PRs, Events, the dashboard
//
// Between admit and publish the limits that span targets (budget per namespace, PRs open and per
// hour) are applied in the config's target order. Every target ends in an outcome (propose, hold,
// unchanged, or error) that is logged, counted and listed in the dashboard; a failure of one
// target never stops the others. Targets are gathered and decided a few at a time.
import { setMaxListeners } from 'node:events';
import { effectiveSettings, type Config, type TargetConfig } from '../config/schema.js';
import type { Headroom } from '../domain/cluster.js';
import type { Decision } from '../domain/decision.js';
import type { PullRequestInfo } from '../domain/forge.js';
import type { CostDelta } from '../domain/money.js';
import { targetId, type RepoView, type WorkloadId } from '../domain/workload.js';
import type { TargetOutcome } from '../forge/dashboard.js';
import { selectAugur, type CacheClock } from '../forecast/registry.js';
import { keepCalibration } from '../recommend/sizing.js';
import { fleetLimiter, type ForgeLoad } from '../guardrails/index.js';
import { shardOf } from '../cluster/shard.js';
import { admit } from './admit.js';
import { decide, decideUntilForecast, type Decided, type ForecastFn, type Settings } from './decide.js';
import { SelectionPool } from './selectionPool.js';
import type { Facts } from '../domain/facts.js';
import type { Forecast } from '../domain/forecast.js';
import { errorMessage, type CycleDeps } from './deps.js';
import { gather, gatherCluster, plannedReads, type CycleView } from './gather.js';
import { BatchedReads } from '../metrics/batch.js';
import { HistorySource } from '../metrics/history.js';
import { closeStale, logDecision, publishDashboard, publishProposals, type ProposalResult, type Publishable } from './publish.js';
import { branchFor, branchPrefixOf, environmentSelector, groupKey, workloadIdOf } from './targets.js';
import { verifyMerged, type VerifyResult } from './verify.js';
import { mapBounded } from '../util/bounded.js';

export type { CycleDeps } from './deps.js';
export type { ProposalResult } from './publish.js';

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

/** How many targets are gathered and decided at once. */
const CONCURRENCY = 8;

/** A cycle that ran past its deadline (schedule.cycleTimeout) or was stopped: abandoned, every call in flight cancelled. */
export class CycleAbandonedError extends Error {
  constructor(reason: unknown) {
    super(`cycle abandoned: ${reason instanceof Error ? reason.message : String(reason ?? 'stopped')}; every call in flight was cancelled, and nothing more is written this cycle`);
    this.name = 'CycleAbandonedError';
  }
}

/**
 * The deadline of one cycle: aborted after `seconds`, or when `outer` aborts (the process stops).
 * Every adapter of the cycle is built on this signal; runCycle gives up when it fires.
 */
export function cycleDeadline(seconds: number, outer?: AbortSignal): AbortSignal {
  const timeout = AbortSignal.timeout(seconds * 1000);
  const deadline = new AbortController();
  // Every read of the cycle listens on it while in flight (up to the fleet's concurrency): not a leak.
  setMaxListeners(0, deadline.signal);
  const onTimeout = () => deadline.abort(new Error(`it ran past schedule.cycleTimeout (${seconds} s)`));
  timeout.addEventListener('abort', onTimeout, { once: true });
  outer?.addEventListener('abort', () => deadline.abort(outer.reason ?? new Error('the process is stopping')), { once: true });
  return deadline.signal;
}

/** One cycle; with deps.signal, abandoned (CycleAbandonedError) the moment it aborts, whatever is still running. */
export function runCycle(deps: CycleDeps): Promise<CycleReport> {
  const signal = deps.signal;
  const work = cycleSteps(deps);
  if (!signal) return work;
  return new Promise((resolve, reject) => {
    const abandon = () => reject(new CycleAbandonedError(signal.reason));
    if (signal.aborted) return abandon();
    signal.addEventListener('abort', abandon, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', abandon));
  });
}

async function cycleSteps(deps: CycleDeps): Promise<CycleReport> {
  const { config, forge, workspace, log, now } = deps;
  // Only this instance's PRs: others sharing the repository use another git.branchPrefix.
  const prs = (await forge.listPullRequests(now - lookback(config))).filter((p) => p.branch.startsWith(branchPrefixOf(config)));
  const baseSha = await workspace.sync();
  const view: CycleView = { repo: readOnce(workspace.view()), prs };
  log.info({ baseSha, targets: config.targets.length, augurPRs: prs.length }, 'cycle started');

  const clusterRoom = deps.cluster?.clusterHeadroom().catch((err: unknown) => (log.warn({ err: errorMessage(err) }, 'cluster headroom unavailable'), undefined));
  const selected = config.targets.filter((t) => inShard(deps, t) && (!deps.only || deps.only.includes(targetId(t))));
  // The cycle's preset reads, planned before the first one so a namespace's are read in a few queries.
  const batched = new BatchedReads(deps.metrics, plannedReads(deps, selected), log);
  // The fleet's limits are applied as the decisions come, in the config's order, so a proposal the
  // limits hold lets go of its evidence (series, forecast) at once: what the cycle keeps until
  // publish grows with the PRs it may open, not with the fleet.
  const keys = new Map(config.targets.map((t) => [targetId(t), groupKey(config, t)]));
  const keyOf = (id: WorkloadId) => keys.get(targetId(id))!;
  const limitOne = limiter(prs, deps, keyOf);
  const metrics = deps.history ? new HistorySource(batched, deps.history) : batched;
  const limited = await mapBounded(selected, CONCURRENCY, (t) => evaluate(t, { ...deps, metrics }, view, clusterRoom, batched), limitOne);
  log.info({ batchedQueries: batched.counts.batched, perTargetQueries: batched.counts.perTarget, ...(deps.history ? { history: deps.history.counts } : {}) }, 'metrics read');
  for (const t of limited) logDecision(deps, t.outcome);

  const proposals = await publishProposals(limited, deps, view.repo, prs);
  const selectedIds = new Set(selected.map(targetId));
  const closed = await closeStale(limited, prs, proposals, deps, (id) => selectedIds.has(id) || !keys.has(id));
  linkOpenPRs(limited, prs, closed);
  // Merged PRs whose horizon has passed: compare with what happened, revert what hurt (full cycles only).
  const verified = deps.only ? [] : await verifyMerged(deps, prs, view.repo).catch((err: unknown) => (log.error({ err: errorMessage(err) }, 'post-merge checks failed'), []));
  const outcomes = limited.map((t) => t.outcome);
  const dashboard = await publishDashboard(outcomes, deps);
  return { at: now, baseSha, outcomes, proposals, closed, verified, ...(dashboard ? { dashboard } : {}) };
}

/** One target through gather, decide and admit; an unexpected failure is the target's error, not the cycle's. */
async function evaluate(t: TargetConfig, deps: CycleDeps, view: CycleView, clusterRoom: Promise<Headroom | undefined> | undefined, batched?: BatchedReads): Promise<Publishable> {
  const target = workloadIdOf(t);
  const key = groupKey(deps.config, t);
  try {
    const extra = environmentSelector(deps.config, t);
    const facts = await gather(t, deps, view).finally(() => batched?.release({ ...t, ...(extra ? { extra } : {}) }));
    const { policy, sizing } = effectiveSettings(deps.config, t);
    const loadUnit = t.metrics.load.unit ?? ('preset' in t.metrics.load ? 'cores' : undefined);
    const settings = { policy, sizing, capacity: t.capacity, timezone: deps.config.schedule.timezone, ...(loadUnit ? { loadUnit } : {}) };
    let decided = await decideWithPool(facts, settings, deps, sizing.reselectEvery);
    const live = facts.live && 'workload' in facts.live ? facts.live.workload : undefined;
    let cluster;
    const clusterFacts = decided.decision.verdict === 'propose' ? await gatherCluster(decided, facts.live, deps, clusterRoom) : undefined;
    if (clusterFacts) {
      const admitted = admit(decided, clusterFacts, policy.prices);
      decided = admitted;
      cluster = admitted.cluster;
    }
    const outcome: TargetOutcome = { target, decision: decided.decision, findings: decided.findings, ...(decided.scheduleSkipped ? { scheduleSkipped: decided.scheduleSkipped } : {}) };
    // Only a proposal carries its evidence (the series and the forecast, for the PR body and chart) past
    // this point: every other target keeps its decision alone, so a cycle's memory grows with its
    // proposals, not with the fleet.
    const item = decided.evidence && decided.decision.verdict === 'propose' ? { target, decision: decided.decision, ...decided.evidence, forecast: withoutCalibration(decided.evidence.forecast), ...(cluster ? { cluster } : {}) } : undefined;
    return { outcome, key, ...(item ? { item } : {}), ...(live ? { live } : {}) };
  } catch (err) {
    deps.log.error({ target: targetId(target), err: errorMessage(err) }, 'target failed');
    return { outcome: { target, findings: [], error: errorMessage(err) }, key };
  }
}

/**
 * The forecast as a PR shows it: without the backtest's held-out steps (Accuracy.calibration,
 * about 5,000 numbers), which only the sizing reads and which would otherwise be kept for every
 * proposal until the limits are applied after the last target.
 */
function withoutCalibration(fc: Forecast): Forecast {
  if (!fc.accuracy?.calibration && !fc.accuracy?.keptCalibration) return fc;
  const { calibration: _dropped, keptCalibration: _kept, ...accuracy } = fc.accuracy;
  return { ...fc, accuracy };
}

/**
 * decide(), with a selection moved to a worker thread when there is a pool and a cache: decide
 * runs up to its forecast (decideUntilForecast); a kept choice is refitted here at once, and a
 * selection runs on a worker while other targets go on, decide then finishing with it.
 */
async function decideWithPool(facts: Facts, settings: Settings, deps: CycleDeps, maxAgeSeconds: number): Promise<Decided> {
  const cache = deps.selections;
  const pool = deps.selectionPool;
  if (!cache || !pool) return decide(facts, settings, forecaster(deps, maxAgeSeconds, settings));
  const at = clockOf(deps, maxAgeSeconds, settings);
  const started = decideUntilForecast(facts, settings);
  if ('decided' in started) return started.decided;
  const { key, history, opts } = started.wants;
  let forecast: Forecast;
  try {
    const step = cache.nextStep(key, history, opts, at);
    const selected = !step.refit && SelectionPool.canSelect(history, opts) ? await pool.select(history, opts, step.prune) : undefined;
    forecast = cache.forecast(key, history, opts, at, selected);
  } catch (err) {
    return started.failed(err);
  }
  return started.finish(forecast);
}

function forecaster(deps: CycleDeps, maxAgeSeconds: number, settings: Settings): ForecastFn {
  const cache = deps.selections;
  const at = clockOf(deps, maxAgeSeconds, settings);
  return cache ? (key, history, opts) => cache.forecast(key, history, opts, at) : (_key, history, opts) => selectAugur(history, opts);
}

/** The cache's clock, keeping of each selection's backtest only what this target's sizing reads (keepCalibration). */
function clockOf(deps: CycleDeps, maxAgeSeconds: number, settings: Settings): CacheClock {
  const { quantile, maxQuantile, fullSelectionEvery } = settings.sizing;
  return {
    now: deps.now,
    maxAgeSeconds,
    fullEverySeconds: fullSelectionEvery,
    keep: { id: `sizing ${quantile}/${maxQuantile}`, apply: (sel) => (sel.accuracy ? { ...sel, accuracy: keepCalibration(sel.accuracy, quantile, maxQuantile) } : sel) },
  };
}

/** The decisions after the limits that span targets, in the config's order. */
/** The fleet's limits over one target's result at a time, in order (fleetLimiter); a proposal they hold keeps its decision only. */
function limiter(prs: PullRequestInfo[], deps: CycleDeps, keyOf: (id: WorkloadId) => string): (e: Publishable) => Publishable {
  const { config } = deps;
  const next = fleetLimiter(forgeLoad(prs, deps.now, config, keyOf), config.limits, (ns) => namespaceBudget(config, ns), (d) => keyOf(d.target));
  return (e) => {
    if (!e.outcome.decision) return e;
    const decision = next(e.outcome.decision);
    const { item, ...rest } = e;
    return { ...rest, outcome: { ...e.outcome, decision }, ...(item && decision.verdict === 'propose' ? { item: { ...item, decision } } : {}) };
  };
}

/** Targets without a PR this cycle show their open PR, or the one this cycle closed. */
function linkOpenPRs(targets: Publishable[], prs: PullRequestInfo[], closed: { number: number }[]): void {
  for (const t of targets) {
    if (t.outcome.pr) continue;
    const open = prs.find((p) => p.state === 'open' && p.meta?.targets.includes(targetId(t.outcome.target)));
    if (open) t.outcome.pr = { number: open.number, url: open.url, action: closed.some((c) => c.number === open.number) ? 'closed' : 'unchanged' };
  }
}

/** What Augur has open or recently merged, read back from the forge, for the fleet's limits. */
function forgeLoad(prs: PullRequestInfo[], now: number, config: Config, keyOf: (id: WorkloadId) => string): ForgeLoad {
  const open = prs.filter((p) => p.state === 'open');
  const namespaceCost: Record<string, CostDelta> = {};
  for (const p of prs) {
    if (!p.meta || !(p.state === 'open' || p.merged)) continue;
    const ns = p.meta.targets[0]?.split('/')[1];
    const period = ns === undefined ? undefined : namespaceBudget(config, ns)?.period;
    if (ns === undefined || period === undefined || (p.merged && (p.mergedAt ?? 0) < now - period)) continue;
    const acc = namespaceCost[ns] ?? { cores: 0, memoryGiB: 0, monthly: 0, currency: p.meta.cost.currency };
    namespaceCost[ns] = { cores: acc.cores + p.meta.cost.cores, memoryGiB: acc.memoryGiB + p.meta.cost.memoryGiB, monthly: acc.monthly + p.meta.cost.monthly, currency: acc.currency };
  }
  const withOpenPR = new Set(config.targets.map((t) => keyOf(t)).filter((key) => open.some((p) => p.branch === branchFor(config, key))));
  const openCost: ForgeLoad['openCost'] = {};
  for (const p of open) if (p.meta) openCost[p.meta.key] = p.meta.cost;
  return { openPRs: open.length, openedLastHour: prs.filter((p) => p.createdAt >= now - 3600).length, namespaceCost, withOpenPR, openCost };
}

function namespaceBudget(config: Config, namespace: string) {
  const t = config.targets.find((x) => x.namespace === namespace);
  return t ? effectiveSettings(config, t).policy.budget.perNamespace : undefined;
}

/** How far back Augur's closed PRs matter: cooldowns, back-offs and namespace budgets. */
function lookback(config: Config): number {
  return Math.max(
    ...config.targets.map((t) => {
      const { policy } = effectiveSettings(config, t);
      return Math.max(policy.cooldown, policy.rejectedBackoff, policy.budget.perNamespace?.period ?? 0, 3600);
    }),
  );
}

/**
 * The base checkout with each file read (and each directory listed) once for the whole cycle: a
 * plain manifest's HPA search reads the files beside it and, when none scales the workload, every
 * file that could anywhere in the repository, so reading per target would grow with the square of
 * the fleet. Holds the texts of the files read (the manifests), nothing per target.
 */
function readOnce(repo: RepoView): RepoView {
  const texts = new Map<string, string | undefined>();
  const lists = new Map<string, string[]>();
  return {
    snapshot: true,
    read(path) {
      if (!texts.has(path)) texts.set(path, repo.read(path));
      return texts.get(path);
    },
    list(dir) {
      let l = lists.get(dir);
      if (!l) lists.set(dir, (l = repo.list(dir)));
      return [...l];
    },
  };
}

const inShard = (deps: CycleDeps, t: TargetConfig) => !deps.shard || deps.shard.count <= 1 || shardOf(targetId(t), deps.shard.count) === deps.shard.index;


