// gather: all the I/O for one target, and nothing decided. Reads where its fields are written in
// Git, its live state, its metrics and Augur's PRs that name it, and returns them as Facts; every
// failure is a fact too (decide() turns it into a hold or a note).
import { effectiveSettings, type TargetConfig } from '../config/schema.js';
import type { Headroom } from '../domain/cluster.js';
import type { Facts, MetricName, MetricRead } from '../domain/facts.js';
import type { PullRequestInfo } from '../domain/forge.js';
import type { RepoView, WorkloadId, WorkloadManifest } from '../domain/workload.js';
import { targetId } from '../domain/workload.js';
import type { ClusterFacts } from '../domain/proposal.js';
import type { Decided } from './decide.js';
import { errorMessage, type CycleDeps } from './deps.js';
import { locateWorkload } from '../manifests/index.js';
import { describeRef } from '../metrics/grid.js';
import type { PlannedRead } from '../metrics/batch.js';
import type { RangeWindow } from '../domain/series.js';
import { manifestSpecOf, resolveMetric, workloadIdOf } from './targets.js';

/** What every target of a cycle shares: the checkout at the base commit and Augur's PRs. */
export interface CycleView {
  repo: RepoView;
  prs: PullRequestInfo[];
}

export async function gather(t: TargetConfig, deps: CycleDeps, view: CycleView): Promise<Facts> {
  const id = workloadIdOf(t);
  const prs = view.prs.filter((p) => p.meta?.targets.includes(targetId(id)));
  const manifest = locate(view.repo, id, t);
  const facts: Facts = { id, now: deps.now, manifest, metrics: {}, prs };
  if ('problem' in manifest) return facts;
  const container = manifest.site.container;
  if (deps.cluster) facts.live = await deps.cluster.workload(id, container).then((workload) => ({ workload }), (err: unknown) => ({ error: errorMessage(err) }));
  const read = (name: MetricName) => readMetric(deps, t, name, container);
  const load = await read('load');
  if (!load) return facts;
  facts.metrics.load = load;
  if ('error' in load) return facts;
  // The replica history is not planned for batching: it is one series per workload, not per pod.
  const optional: MetricName[] = [...optionalMetrics(t), ...(costsSchedule(deps, t, manifest.site) ? (['replicas'] as const) : [])];
  const reads = await Promise.all(optional.map(read));
  optional.forEach((name, i) => {
    const r = reads[i];
    if (r) facts.metrics[name] = r;
  });
  return facts;
}

/** Whether the target may get a KEDA schedule, whose cost needs the replicas it runs today at each hour. */
function costsSchedule(deps: CycleDeps, t: TargetConfig, site: WorkloadManifest): boolean {
  return site.scaledObject !== undefined && effectiveSettings(deps.config, t).sizing.schedule.enabled;
}

/** The workload's fields in Git, with the text of every file read to find them (decide() writes the edits from these). */
function locate(repo: RepoView, id: WorkloadId, t: TargetConfig): Facts['manifest'] {
  let site: WorkloadManifest;
  try {
    site = locateWorkload(repo, id, manifestSpecOf(t));
  } catch (err) {
    return { problem: errorMessage(err) };
  }
  const files = new Map<string, string>();
  for (const path of [...site.filesRead, ...(site.scaledObject ? [site.scaledObject.file] : [])]) {
    const text = repo.read(path);
    if (text !== undefined) files.set(path, text);
  }
  return { site, files };
}

/** The metrics gather reads after the load, when the load could be read. */
function optionalMetrics(t: TargetConfig): MetricName[] {
  return ['cpu', 'memory', 'oomKills', ...('targetUtilization' in t.capacity ? (['cpuTotal'] as const) : [])];
}

/** The window of a metric read: the configured history, ending at the cycle's clock. */
function metricWindow(now: number, m: { step: number; history: number }): RangeWindow {
  const end = Math.floor(now / m.step) * m.step;
  return { start: end - m.history + m.step, end, stepSeconds: m.step };
}

/**
 * Every metric read gather() will make for these targets this cycle (the container not yet known:
 * it comes from the manifest), so a batching source can plan its queries before the first read.
 */
export function plannedReads(deps: Pick<CycleDeps, 'config' | 'now' | 'history'>, targets: readonly TargetConfig[]): PlannedRead[] {
  return targets.flatMap((t) =>
    (['load', ...optionalMetrics(t)] as MetricName[]).flatMap((name) => {
      // A metric that cannot be resolved (a preset its exporter does not export) is not planned:
      // gather() reads it alone and it becomes that target's error, never the cycle's.
      let m: ReturnType<typeof resolveMetric>;
      try {
        m = resolveMetric(deps.config, t, name, undefined);
      } catch {
        return [];
      }
      if (!m) return [];
      // With a history, the window that will really be asked (its tail, when the rest is kept).
      const window = metricWindow(deps.now, m);
      return [{ ref: m.ref, window: deps.history?.windowFor(m.ref, window) ?? window }];
    }),
  );
}

/** One metric over the configured history, ending at the cycle's clock; undefined when the target has none. */
async function readMetric(deps: CycleDeps, t: TargetConfig, name: MetricName, container: string | undefined): Promise<MetricRead | undefined> {
  let m: ReturnType<typeof resolveMetric>;
  try {
    m = resolveMetric(deps.config, t, name, container);
  } catch (err) {
    // A preset its exporter does not export (e.g. { preset: cadvisor } for replicas): this metric's error, as a failed read.
    return { error: errorMessage(err), source: `{ preset } for ${name}` };
  }
  if (!m) return undefined;
  const source = 'promql' in m.ref ? m.ref.promql : describeRef(m.ref);
  try {
    return { series: await deps.metrics.range(m.ref, metricWindow(deps.now, m), deps.signal), source };
  } catch (err) {
    return { error: errorMessage(err), source };
  }
}

/**
 * What the cluster says about a decision about to be proposed: the namespace quota, the
 * LimitRanges and the server-side dry run of the proposed objects (with cluster.dryRun on), and
 * the replicas running now. Each part is the answer or the error. Undefined when there is nothing
 * to ask (no cluster, or the live state not read) and cluster.required is off; with it on, why
 * nothing could be asked, so admit() holds the proposal.
 */
export async function gatherCluster(decided: Decided, liveRead: Facts['live'], deps: CycleDeps, clusterRoom: Promise<Headroom | undefined> | undefined): Promise<ClusterFacts | undefined> {
  const required = deps.clusterOptions?.required === true;
  const cluster = deps.cluster;
  const unavailable = !cluster ? (deps.clusterOptions?.unavailable ?? 'no cluster access') : !liveRead ? 'the live state was not read' : 'error' in liveRead ? liveRead.error : undefined;
  if (unavailable !== undefined) return required ? { required, unavailable } : undefined;
  const live = liveRead && 'workload' in liveRead ? liveRead.workload : undefined;
  if (!cluster || !live) return undefined;
  const ns = live.id.namespace;
  const settle = <T>(p: Promise<T>): Promise<T | { error: string }> => p.catch((err: unknown) => ({ error: errorMessage(err) }));
  const values = Object.fromEntries(decided.decision.changes.map((c) => [c.field, c.proposed]));
  const change = { values, container: decided.evidence?.container, ...(decided.decision.schedule ? { triggers: decided.decision.schedule.proposed } : {}) };
  const dryRunOn = (deps.clusterOptions?.dryRun ?? 'update') !== 'off';
  const [quota, limits, dryRun, room] = await Promise.all([
    settle(cluster.namespaceHeadroom(ns)),
    settle(cluster.containerLimits(ns)),
    dryRunOn ? settle(cluster.dryRun(live, change)) : Promise.resolve(undefined),
    clusterRoom,
  ]);
  return { quota, limits, ...(dryRun ? { dryRun } : {}), ...(room ? { clusterRoom: room } : {}), ...(live.replicas !== undefined ? { running: live.replicas } : {}), required };
}
