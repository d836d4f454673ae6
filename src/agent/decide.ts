// decide: a pure function from a target's facts to its decision. Clean the history, forecast,
// recommend, then the guardrails in the order of RULES; the edits that would write the decision
// come with it. No I/O: the forecaster is passed in (selectAugur, or serve's selection cache).
import type { Policy, Sizing, TargetConfig } from '../config/schema.js';
import type { Decision } from '../domain/decision.js';
import { isRead, type Facts } from '../domain/facts.js';
import type { Forecast } from '../domain/forecast.js';
import { zeroCost } from '../domain/money.js';
import type { Finding, Note, ScheduleSkip } from '../domain/reasons.js';
import type { Series } from '../domain/series.js';
import type { BlockEdit, FieldKey, RepoView, WorkloadManifest } from '../domain/workload.js';
import { targetId } from '../domain/workload.js';
import { cleanHistory, counterToRate } from '../forecast/index.js';
import { augurCandidates } from '../forecast/registry.js';
import type { SelectOptions } from '../forecast/select.js';
import { decisionOf } from '../guardrails/index.js';
import { averageReplicas, draftCost, peakCost } from '../guardrails/cost.js';
import type { Draft, DraftContext, FactsContext } from '../guardrails/rule.js';
import { memoryTrend } from '../recommend/memory.js';
import { redFlags } from '../review/flags.js';
import type { Evidence, PodRequests } from '../domain/proposal.js';
import { forecastFailed } from '../guardrails/rules/minHistory.js';
import { excludeSenseless } from '../guardrails/rules/sanity.js';
import { checkDraft, checkEdit, checkFacts } from '../guardrails/run.js';
import { editFor, parseQuantity, scheduleEdit } from '../manifests/index.js';
import { deriveCapacity, recommend } from '../recommend/index.js';
import { errorMessage } from './deps.js';

/** What decide needs besides the facts: the target's settings and the cycle's time zone. */
export interface Settings {
  policy: Policy;
  sizing: Sizing;
  capacity: TargetConfig['capacity'];
  /** The config's schedule.timezone: freeze windows and the calendar of schedules. */
  timezone: string;
  /** The load's unit, when the config says it. */
  loadUnit?: string;
}

/** How a forecast is made: selection among the candidates, or a cached selection refitted. */
export type ForecastFn = (key: string, history: Series, opts: SelectOptions) => Forecast;

export interface Decided {
  decision: Decision;
  findings: Finding[];
  scheduleSkipped?: ScheduleSkip;
  evidence?: Evidence;
}

export function decide(read: Facts, settings: Settings, forecastWith: ForecastFn): Decided {
  const started = decideUntilForecast(read, settings);
  if ('decided' in started) return started.decided;
  const { key, history, opts } = started.wants;
  let forecast: Forecast;
  try {
    forecast = forecastWith(key, history, opts);
  } catch (err) {
    return started.failed(err);
  }
  return started.finish(forecast);
}

/**
 * decide() in two halves around its one forecast, for a caller that makes the forecast elsewhere
 * (a worker thread) and meanwhile decides other targets: the decision when it needs none (a
 * hold), or what to forecast, with the rest of the decision from the forecast (`finish`) or from
 * its failure (`failed`: a hold that names it).
 */
export function decideUntilForecast(
  read: Facts,
  settings: Settings,
): { decided: Decided } | { wants: { key: string; history: Series; opts: SelectOptions }; finish: (forecast: Forecast) => Decided; failed: (err: unknown) => Decided } {
  // Usage that makes no physical sense (all zero, negative, absurd) sizes nothing; the load is judged by the sanity rule.
  const { facts, excluded } = excludeSenseless(read);
  const prepared = prepare(facts, settings);
  const { ctx, findings } = prepared;
  findings.push(...excluded);
  const factNotes = checkFacts(ctx);
  const hold = (notes: Note[]): Decided => ({ decision: { target: facts.id, verdict: 'hold', changes: [], notes, cost: zeroCost(settings.policy.prices.currency) }, findings });
  if (factNotes.some((n) => n.effect === 'held') || !prepared.site || !ctx.load || !ctx.capacity) return { decided: hold(factNotes) };
  const { site } = prepared;
  const capacity = ctx.capacity;
  const cleaned = cleanHistory(ctx.load);
  const r = cleaned.report;
  if (r.interpolated > 0 || r.incidentSteps > 0 || r.outliers > 0) {
    findings.push({ kind: 'history', steps: ctx.load.values.length, filled: r.interpolated, incidents: r.incidents, excluded: r.incidentSteps, outliers: r.outliers });
  }
  findings.push(...optionalMetricFindings(facts));
  return {
    wants: { key: targetId(facts.id), history: cleaned.series, opts: forecastOptions(cleaned.series.stepSeconds, settings) },
    failed: (err) => hold([...factNotes, forecastFailed(errorMessage(err))]),
    finish: (forecast) => decideFrom(forecast, { facts, settings, prepared, site, capacity, cleaned, findings, factNotes }),
  };
}

/** decide()'s second half: from the forecast, recommend, then the rules. */
function decideFrom(
  forecast: Forecast,
  { facts, settings, prepared, site, capacity, cleaned, findings, factNotes }: {
    facts: Facts;
    settings: Settings;
    prepared: ReturnType<typeof prepare>;
    site: WorkloadManifest;
    capacity: NonNullable<FactsContext['capacity']>;
    cleaned: ReturnType<typeof cleanHistory>;
    findings: Finding[];
    factNotes: Note[];
  },
): Decided {
  const { ctx } = prepared;
  const recommendation = recommend({
    target: facts.id,
    sizing: settings.sizing,
    autoscaler: site.autoscaler,
    current: ctx.current,
    load: cleaned.series,
    forecast,
    capacityPerReplica: capacity.perReplica,
    capacitySource: capacity.source,
    floors: { cpu: settings.policy.minCpuPerPod, memory: settings.policy.minMemoryPerPod },
    ...seriesOf(facts, 'cpu', 'memory', 'oomKills', 'replicas'),
    ...oomKillsSinceRaise(facts),
    ...(site.scaledObject ? { scaledObject: site.scaledObject } : {}),
    timezone: settings.timezone,
  });
  const memory = facts.metrics.memory;
  const trend = isRead(memory) ? memoryTrend(memory.series) : undefined;
  const draftCtx: DraftContext = {
    recommendation,
    policy: settings.policy,
    ...(forecast.accuracy ? { accuracy: forecast.accuracy } : {}),
    historySeconds: finiteCount(cleaned.series.values) * cleaned.series.stepSeconds,
    now: facts.now,
    timezone: settings.timezone,
    ...pastPRs(facts),
    podRequests: podRequestsOf({ ...writtenValues(site), ...ctx.current }),
    ...currentReplicasOf(facts, ctx.current),
    ...(trend ? { memoryTrend: trend } : {}),
  };
  const { decision, scheduleSkipped, writeSchedule } = judge(facts.id, factNotes, draftCtx, scheduleWriter(prepared.repo, site), ctx.current);
  const evidence: Evidence = {
    recommendation,
    forecast,
    history: cleaned.series,
    edits: decision.changes.map((c) => editFor(site.fields[c.field]!, c.proposed)),
    blocks: blocksOf(decision, writeSchedule),
    ...(decision.schedule && site.scaledObject ? { scaledObject: site.scaledObject } : {}),
    queries: queriesOf(facts),
    autoscaler: site.autoscaler,
    manifestNotes: site.notes,
    podRequests: draftCtx.podRequests,
    ...(site.container ? { container: site.container } : {}),
    ...(settings.loadUnit ? { unit: settings.loadUnit } : {}),
    ...seriesOf(facts, 'cpu', 'memory', 'oomKills'),
    ...(trend ? { memoryTrend: trend } : {}),
    findings,
    flags: [],
    historySeconds: draftCtx.historySeconds,
    expectedReplicas: averageReplicas(decision.changes, recommendation.evidence, 'proposed'),
    expectedReplicasNow: averageReplicas(decision.changes, recommendation.evidence, 'current'),
    current: ctx.current,
  };
  evidence.flags = redFlags({ ...evidence, decision, recommendation, critical: settings.policy.critical, oomKills: recommendation.evidence.oomKills, hpaResources: site.hpaResources, sharedFiles: sharedFilesOf(site, decision) });
  return { decision, findings, ...(scheduleSkipped ? { scheduleSkipped } : {}), evidence };
}

/** The draft rules, then the edit rule on the draft they let through; the decision with its average and peak cost. */
function judge(id: Facts['id'], factNotes: Note[], ctx: DraftContext, writeSchedule: ReturnType<typeof scheduleWriter>, current: Partial<Record<FieldKey, number>>) {
  const { recommendation: r, policy, podRequests } = ctx;
  const judged = checkDraft({ changes: r.changes, schedule: r.schedule }, ctx);
  const cost = (d: Draft) => draftCost(d, r.evidence, podRequests, policy.prices);
  const written = checkEdit(judged.draft, { scheduleEdit: writeSchedule, cost });
  const notes = [...factNotes, ...judged.notes, ...written.notes];
  const peak = peakCost(written.draft, current, podRequests, policy.prices);
  const decision: Decision = { ...decisionOf(id, written.draft, notes, cost(written.draft)), ...(peak ? { peakCost: peak } : {}) };
  const dropped = written.notes.find((n) => n.rule === 'manifest' && n.effect === 'dropped');
  const scheduleSkipped: ScheduleSkip | undefined = dropped && 'problem' in dropped ? { kind: 'notWritten', problem: dropped.problem } : r.scheduleSkipped;
  return { decision, scheduleSkipped, writeSchedule };
}

/** Values Git sets where Augur may not edit them (a shared base): they still cost what they request. */
function writtenValues(site: WorkloadManifest): Partial<Record<FieldKey, number>> {
  const out: Partial<Record<FieldKey, number>> = {};
  for (const [field, raw] of Object.entries(site.written ?? {}) as [FieldKey, string][]) {
    try {
      out[field] = parseQuantity(field, raw);
    } catch {
      // Unreadable as a quantity: no cost from it.
    }
  }
  return out;
}

/** The replicas running now: spec.replicas in Git, else the live count (an autoscaler owns it). */
function currentReplicasOf(facts: Facts, current: Partial<Record<FieldKey, number>>): { currentReplicas?: number } {
  const live = facts.live && 'workload' in facts.live ? facts.live.workload?.replicas : undefined;
  const n = current.replicas ?? live;
  return n !== undefined ? { currentReplicas: n } : {};
}

/** The files the decision's edits touch that other overlays also build from. */
function sharedFilesOf(site: WorkloadManifest, decision: Decision): string[] | undefined {
  if (!site.sharedFiles) return undefined;
  const touched = new Set(decision.changes.map((c) => site.fields[c.field]?.file));
  const shared = site.sharedFiles.filter((f) => touched.has(f));
  return shared.length > 0 ? shared : undefined;
}

interface Prepared {
  ctx: FactsContext;
  findings: Finding[];
  site?: WorkloadManifest;
  repo: RepoView;
}

/** What the facts rules judge: the values in Git, the load as it will be forecast, the capacity; and what a reviewer should know of them. */
function prepare(facts: Facts, settings: Settings): Prepared {
  const findings: Finding[] = [];
  const ctx: FactsContext = { facts, policy: settings.policy, current: {} };
  const files = 'files' in facts.manifest ? facts.manifest.files : new Map<string, string>();
  const repo: RepoView = { read: (p) => files.get(p), list: () => [] };
  if ('problem' in facts.manifest) return { ctx, findings, repo };
  const site = facts.manifest.site;
  findings.push(...site.notes.map((text): Finding => ({ kind: 'manifest', text })));
  const live = facts.live;
  const located = Object.entries(site.fields) as [FieldKey, NonNullable<WorkloadManifest['fields'][FieldKey]>][];
  for (const [field, loc] of located) {
    if (!loc.insert) ctx.current[field] = parseQuantity(field, loc.raw);
    else if (loc.inherits !== undefined) ctx.current[field] = parseQuantity(field, loc.inherits);
  }
  // Absent keys after the written ones: a missing request defaults to its written limit.
  for (const [field, loc] of located) {
    if (!loc.insert || loc.inherits !== undefined) continue;
    const assumed = absentValue(field, live, ctx.current);
    if (!assumed) continue;
    ctx.current[field] = assumed.value;
    findings.push({ kind: 'absent', field, file: loc.file, yamlPath: loc.yamlPath, ...assumed });
  }
  if (live && 'error' in live) findings.push({ kind: 'clusterUnread', error: live.error });
  // GitOps lint: an autoscaler the cluster has but Git does not show fights Git over replicas.
  if (live && 'workload' in live && live.workload?.autoscaledBy && site.autoscaler === 'none' && ctx.current.replicas !== undefined) {
    findings.push({ kind: 'autoscalerFight', by: live.workload.autoscaledBy, replicas: ctx.current.replicas });
    delete ctx.current.replicas;
  }
  const load = facts.metrics.load;
  if (isRead(load)) {
    const counter = counterToRate(load.series);
    if (counter) findings.push({ kind: 'counter', resets: counter.resets });
    ctx.load = counter?.series ?? load.series;
  }
  const capacity = capacityOf(settings.capacity, facts, ctx.current, ctx.load);
  if (capacity) ctx.capacity = capacity;
  return { ctx, findings, site, repo };
}

/**
 * What an absent field is worth today: the live value when the cluster was read; otherwise
 * Kubernetes' defaults (one replica; an HPA floor of 1; a request equal to its limit, or nothing
 * reserved without one). A missing limit or HPA ceiling has no default: undefined, and a change
 * to it holds. Augur does not invent limits.
 */
function absentValue(field: FieldKey, live: Facts['live'], written: Partial<Record<FieldKey, number>>): { value: number; source: 'cluster' | 'default' } | undefined {
  const workload = live && 'workload' in live ? live.workload : undefined;
  const seen = field === 'replicas' ? workload?.replicas : workload?.fields[field];
  if (seen !== undefined) return { value: seen, source: 'cluster' };
  if (field === 'replicas' || field === 'hpa.minReplicas') return { value: 1, source: 'default' };
  if (field === 'cpu.request' || field === 'memory.request') return { value: written[field === 'cpu.request' ? 'cpu.limit' : 'memory.limit'] ?? 0, source: 'default' };
  return undefined;
}

function capacityOf(c: TargetConfig['capacity'], facts: Facts, current: Partial<Record<FieldKey, number>>, load: Series | undefined): FactsContext['capacity'] {
  if ('perReplica' in c) return { perReplica: c.perReplica, source: { kind: 'given' } };
  const cpuTotal = facts.metrics.cpuTotal;
  if (!load || !isRead(cpuTotal) || current['cpu.request'] === undefined) return undefined;
  return deriveCapacity(load, cpuTotal.series, current['cpu.request'], c.targetUtilization);
}

function forecastOptions(stepSeconds: number, settings: Settings): SelectOptions {
  const { sizing } = settings;
  return {
    horizonSteps: Math.round(sizing.horizon / stepSeconds),
    quantiles: [...new Set([0.5, sizing.quantile, sizing.maxQuantile])].sort((a, b) => a - b),
    // The workload's calendar (the neural model's hour and weekday features) is in its time zone.
    timezone: sizing.schedule.timezone ?? settings.timezone,
    candidates: augurCandidates(stepSeconds, undefined, sizing.neural),
  };
}

function optionalMetricFindings(facts: Facts): Finding[] {
  return (['cpu', 'memory', 'oomKills', 'cpuTotal', 'replicas'] as const).flatMap((metric): Finding[] => {
    const m = facts.metrics[metric];
    return m && 'error' in m ? [{ kind: 'metricUnavailable', metric, error: m.error }] : [];
  });
}

type UsageMetric = 'cpu' | 'memory' | 'oomKills' | 'replicas';

/**
 * The OOM kills the memory request has not answered yet: those after the last merged Augur change
 * of it. A kill before that merge is why it was raised; counted again, it raised the request 25%
 * every cooldown for as long as it stayed in the history (512Mi, 640Mi, 800Mi... from one kill).
 */
function oomKillsSinceRaise(facts: Facts): { oomKills?: Series } {
  const m = facts.metrics.oomKills;
  if (!isRead(m)) return {};
  const id = targetId(facts.id);
  const raised = facts.prs
    .filter((p) => p.merged && p.mergedAt !== undefined && p.meta?.reverts === undefined && p.meta?.changes.some((c) => c.target === id && c.field === 'memory.request'))
    .reduce((at, p) => Math.max(at, p.mergedAt!), Number.NEGATIVE_INFINITY);
  if (raised === Number.NEGATIVE_INFINITY) return {};
  const s = m.series;
  const keep = s.timestamps.map((t) => t > raised);
  return { oomKills: { ...s, timestamps: s.timestamps.filter((_, i) => keep[i]), values: s.values.filter((_, i) => keep[i]) } };
}

function seriesOf(facts: Facts, ...names: UsageMetric[]): Partial<Record<UsageMetric, Series>> {
  const out: Partial<Record<UsageMetric, Series>> = {};
  for (const n of names) {
    const m = facts.metrics[n];
    if (isRead(m)) out[n] = m.series;
  }
  return out;
}

function queriesOf(facts: Facts): Evidence['queries'] {
  return (['load', 'cpu', 'memory', 'oomKills', 'cpuTotal', 'replicas'] as const).flatMap((metric) => {
    const m = facts.metrics[metric];
    return isRead(m) ? [{ metric, source: m.source }] : [];
  });
}

function podRequestsOf(current: Partial<Record<FieldKey, number>>): PodRequests {
  return { ...(current['cpu.request'] !== undefined ? { cpu: current['cpu.request'] } : {}), ...(current['memory.request'] !== undefined ? { memory: current['memory.request'] } : {}) };
}

/** The last merge (cooldown) and the last rejection (back-off) of an Augur PR for this workload. */
function pastPRs(facts: Facts): Pick<DraftContext, 'lastMergedAt' | 'lastRejected'> {
  const id = targetId(facts.id);
  const merged = facts.prs.filter((p) => p.merged).reduce<number | undefined>((acc, p) => Math.max(acc ?? 0, p.mergedAt ?? 0), undefined);
  const rejected = facts.prs
    .filter((p) => p.state === 'closed' && !p.merged && !p.meta?.closedByAugur && p.meta?.reverts === undefined && p.closedAt !== undefined)
    .sort((a, b) => (b.closedAt ?? 0) - (a.closedAt ?? 0))[0];
  const values: Partial<Record<FieldKey, number>> = {};
  for (const c of rejected?.meta?.changes ?? []) if (c.target === id) values[c.field] = parseQuantity(c.field, c.to);
  return {
    ...(merged !== undefined ? { lastMergedAt: merged } : {}),
    ...(rejected ? { lastRejected: { number: rejected.number, closedAt: rejected.closedAt!, values } } : {}),
  };
}

/** How the decision's schedule is written into the ScaledObject: the block edit, nothing (already so), or why not. */
function scheduleWriter(repo: RepoView, site: WorkloadManifest) {
  return (s: NonNullable<Decision['schedule']>): { edit?: BlockEdit } | { problem: string } => {
    if (!site.scaledObject) return { problem: 'no KEDA ScaledObject for the workload in the manifests' };
    try {
      const edit = scheduleEdit(repo, site.scaledObject, s.proposed);
      return edit ? { edit } : {};
    } catch (err) {
      return { problem: errorMessage(err) };
    }
  };
}

function blocksOf(decision: Decision, write: ReturnType<typeof scheduleWriter>): BlockEdit[] {
  if (!decision.schedule) return [];
  const w = write(decision.schedule);
  return 'edit' in w && w.edit ? [w.edit] : [];
}

/** How many of the values are finite (counted, not filtered into a copy: every target comes through here). */
function finiteCount(values: readonly number[]): number {
  let n = 0;
  for (let i = 0; i < values.length; i++) if (Number.isFinite(values[i])) n++;
  return n;
}
