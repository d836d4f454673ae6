// Batched preset reads for one cycle: many workloads' preset metrics in one query per namespace.
//
// A preset reads one metric over a workload's pods (metrics/presets.ts). Workloads of one namespace
// (same environment selector, same window) whose presets share an expression are read together:
// `sum by (pod, container) (<expression>)` over their pods, one query for up to a batch's worth of
// workloads, and each workload's series is combined on our side as its own query would
// (each pod's containers summed, or only the target's container; then the busiest pod or the sum;
// `or vector(0)` as zeros). CPU, total CPU and a CPU load preset share one expression, so one read.
//
// The batches are planned from the cycle's targets before any read (so every member is known),
// fetched when their first member asks, and dropped once every member has read (or gave up):
// memory follows the batches in flight, not the fleet. A read not in the plan (a custom query, a
// ratio preset, another window) goes to the source as it is. A batch Prometheus refuses (too many
// samples) is read per target, with a log line; any other failure is each member's error.
import { MetricsError, NoDataError, type LabelledColumns, type MetricRef, type PresetRead, type RangeWindow, type Series } from '../domain/series.js';
import type { Logger, MetricsSource } from '../domain/ports.js';
import { describeWindow, windowPoints } from './grid.js';
import { batchShape, containerMatchers, podRegex, promString, type PresetShape } from './presets.js';
import { QueryRejectedError, QueryUnreachableError } from './prometheus.js';
import { packedNumbers } from '../util/numbers.js';

/**
 * Points one batched query asks for at most, counted as workloads × window points (pods and
 * containers not counted): 24 workloads of 14 days at 5-minute steps, a few MB of JSON.
 */
export const BATCH_POINTS = 100_000;

/** One read a cycle will make: the target's metric ref (resolved without a container) and its window. */
export interface PlannedRead {
  ref: MetricRef;
  window: RangeWindow;
}

interface Batch {
  /** The batched PromQL. */
  query: string;
  window: RangeWindow;
  namespace: string;
  /** Reads still to come, per member workload. */
  pending: Map<string, number>;
  /** Once asked: the columns, or 'per-target' when Prometheus refused the batch. */
  result?: Promise<LabelledColumns | 'per-target'>;
}

export class BatchedReads implements MetricsSource {
  /** Batch of each member: group key + workload -> batch. */
  private readonly batches = new Map<string, Batch>();
  /** Batches each workload is a member of, for release(). */
  private readonly ofWorkload = new Map<string, Batch[]>();
  /** Queries sent: batched, and what went per target. */
  readonly counts = { batched: 0, perTarget: 0 };

  constructor(
    private readonly source: MetricsSource,
    planned: readonly PlannedRead[],
    private readonly log: Pick<Logger, 'info' | 'warn'>,
    batchPoints = BATCH_POINTS,
  ) {
    // Members of each group, in the plan's (the config's) order, so batches fill as the cycle goes.
    const groups = new Map<string, { read: PresetRead; shape: PresetShape; window: RangeWindow; members: Map<string, number> }>();
    for (const p of planned) {
      const read = 'promql' in p.ref ? p.ref.preset : undefined;
      const shape = read && batchShape(read);
      if (!read || !shape) continue;
      const key = groupKey(read, shape, p.window);
      const g = groups.get(key) ?? { read, shape, window: p.window, members: new Map<string, number>() };
      groups.set(key, g);
      const w = workloadKey(read);
      g.members.set(w, (g.members.get(w) ?? 0) + 1);
    }
    for (const [key, g] of groups) {
      if (g.members.size < 2) continue; // nothing to share: its own query
      let points: number;
      try {
        points = windowPoints(g.window);
      } catch {
        continue; // a window that cannot be read: each target's own read says so, as without batching
      }
      const size = Math.floor(batchPoints / points);
      if (size < 2) {
        log.info({ namespace: g.read.namespace, workloads: g.members.size, window: describeWindow(g.window) }, 'window too long to batch preset reads; reading them per target');
        continue;
      }
      const members = [...g.members];
      for (let i = 0; i < members.length; i += size) {
        const slice = members.slice(i, i + size);
        const batch: Batch = { query: batchQuery(g.read, g.shape, slice.map(([w]) => w)), window: g.window, namespace: g.read.namespace, pending: new Map(slice) };
        for (const [w] of slice) {
          this.batches.set(`${key}\u0000${w}`, batch);
          this.ofWorkload.set(w, [...(this.ofWorkload.get(w) ?? []), batch]);
        }
      }
    }
  }

  async range(ref: MetricRef, window: RangeWindow, signal?: AbortSignal): Promise<Series> {
    const read = 'promql' in ref ? ref.preset : undefined;
    const shape = read && batchShape(read);
    const batch = read && shape ? this.batches.get(`${groupKey(read, shape, window)}\u0000${workloadKey(read)}`) : undefined;
    const w = read && workloadKey(read);
    const left = batch && w !== undefined ? (batch.pending.get(w) ?? 0) : 0;
    if (!batch || !read || !shape || w === undefined || left === 0 || !this.source.rangeBy || read.container === 'POD') {
      this.counts.perTarget++;
      return this.source.range(ref, window, signal);
    }
    try {
      const columns = await this.load(batch, signal);
      if (columns === 'per-target') {
        this.counts.perTarget++;
        return await this.source.range(ref, window, signal);
      }
      return combine(columns, read, shape, ref, window, batch);
    } catch (err) {
      if (err instanceof MetricsError && err.ref === ref) throw err;
      // The member's own query in the message, not the batch's (which names every neighbour in the namespace).
      const own = 'promql' in ref ? ref.promql : '';
      const message = (err instanceof Error ? err.message : String(err)).split(JSON.stringify(batch.query)).join(JSON.stringify(own));
      throw new MetricsError(`${message} (read in one query with other workloads of namespace ${batch.namespace})`, ref);
    } finally {
      consume(batch, w, 1);
    }
  }

  /** The workload (of the environment with these label matchers) will read no more this cycle: its share of the batches is let go. */
  release(t: { namespace: string; kind: string; name: string; extra?: string }): void {
    const w = workloadKey(t);
    for (const batch of this.ofWorkload.get(w) ?? []) consume(batch, w, Infinity);
    this.ofWorkload.delete(w);
  }

  private load(batch: Batch, signal: AbortSignal | undefined): Promise<LabelledColumns | 'per-target'> {
    if (!batch.result) {
      this.counts.batched++;
      batch.result = this.source.rangeBy!(batch.query, batch.window, signal).catch((err: unknown) => {
        // Refused or timed out: too heavy as one query. Unreachable: a large answer is what a load
        // balancer or proxy in the way cuts first; and if Prometheus is really down, the per-target
        // reads say so for each target, as before batching.
        if (!(err instanceof QueryRejectedError || err instanceof QueryUnreachableError)) throw err;
        this.log.warn({ namespace: batch.namespace, workloads: batch.pending.size, err: err.message }, 'a batched preset read was refused, timed out or got no answer; reading those workloads per target');
        return 'per-target' as const;
      });
    }
    return batch.result;
  }
}

/** Takes `n` of a member's pending reads; a batch nobody waits for any more drops its columns. */
function consume(batch: Batch, w: string | undefined, n: number): void {
  if (w === undefined) return;
  const left = (batch.pending.get(w) ?? 0) - n;
  if (left > 0) batch.pending.set(w, left);
  else batch.pending.delete(w);
  if (batch.pending.size === 0) delete batch.result;
}

/** A workload of an environment: the same name in two clusters is two members. */
const workloadKey = (t: { namespace: string; kind: string; name: string; extra?: string }) => JSON.stringify([t.namespace, t.kind, t.name, t.extra ?? '']);

/** Reads of one group share a batched query: the same expression over the same namespace, selector and window. */
function groupKey(read: PresetRead, shape: PresetShape, w: RangeWindow): string {
  return JSON.stringify([shape.series(namespaceMatchers(read)), w.start, w.end, w.stepSeconds]);
}

function namespaceMatchers(read: PresetRead): string {
  return `namespace="${promString(read.namespace)}"${read.extra ? `, ${read.extra}` : ''}`;
}

/** Every container of the members' pods, per pod and container: each member picks its own on our side. */
export function batchQuery(read: PresetRead, shape: PresetShape, members: string[]): string {
  const pods = members.map((w) => {
    const [, kind, name] = JSON.parse(w) as [string, PresetRead['kind'], string];
    return podRegex({ kind, name });
  });
  const sel = `namespace="${promString(read.namespace)}", pod=~"${promString(pods.join('|'))}", ${containerMatchers(undefined)}${read.extra ? `, ${read.extra}` : ''}`;
  return `sum by (pod, container) (${shape.series(sel)})`;
}

/** One workload's series from its batch's columns, as its own preset query would have answered. */
export function combine(columns: LabelledColumns, read: PresetRead, shape: PresetShape, ref: MetricRef, window: RangeWindow, batch?: Pick<Batch, 'namespace'>): Series {
  const n = columns.timestamps.length;
  const pod = new RegExp(`^(?:${podRegex(read)})$`);
  const perPod = new Map<string, Float64Array>();
  for (const s of columns.series) {
    const name = s.labels.pod;
    if (name === undefined || !pod.test(name)) continue;
    if (read.container !== undefined && s.labels.container !== read.container) continue;
    let sum = perPod.get(name);
    if (!sum) perPod.set(name, (sum = new Float64Array(n).fill(NaN)));
    for (let i = 0; i < n; i++) {
      const v = s.values[i]!;
      if (v === v) sum[i] = sum[i] === sum[i] ? sum[i]! + v : v;
    }
  }
  if (perPod.size === 0 && !shape.orZero) {
    const query = 'promql' in ref ? ref.promql : '';
    throw new NoDataError(
      `no data: Prometheus returned no series for query ${JSON.stringify(query)} over ${describeWindow(window)}` +
        `${batch ? ` (read in one query with other workloads of namespace ${batch.namespace})` : ''}. Check the metric name and label matchers ` +
        '(run the query in the Prometheus UI), and that Prometheus keeps data that far back (retention).',
      ref,
    );
  }
  const values = packedNumbers(n);
  for (const sum of perPod.values()) {
    for (let i = 0; i < n; i++) {
      const v = sum[i]!;
      if (v !== v) continue;
      const acc = values[i]!;
      values[i] = acc !== acc ? v : shape.across === 'max' ? Math.max(acc, v) : acc + v;
    }
  }
  if (shape.orZero) for (let i = 0; i < n; i++) if (values[i] !== values[i]) values[i] = 0;
  // The grid is the batch's, shared by its members' series (nothing writes a series' timestamps):
  // one array per window instead of one per workload and metric kept until the cycle's end.
  return { timestamps: columns.timestamps, values, stepSeconds: columns.stepSeconds };
}
