// Batched preset reads against a real Prometheus: several workloads of one namespace (two
// Deployments, one of them with a container filter and a sidecar, and a StatefulSet) read in one
// query per expression give the same series, sample for sample, as each workload's own preset
// query; fewer HTTP requests reach Prometheus; a batch Prometheus refuses is read per target, and
// a batch that fails otherwise is each member's error.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { configSchema, type TargetConfig } from '../../src/config/schema.js';
import type { MetricName } from '../../src/domain/facts.js';
import type { RangeWindow, Series } from '../../src/domain/series.js';
import { BatchedReads } from '../../src/metrics/batch.js';
import { HistorySource, HistoryStore, REREAD_SECONDS } from '../../src/metrics/history.js';
import { metricRef } from '../../src/metrics/presets.js';
import { PrometheusSource } from '../../src/metrics/prometheus.js';
import { startFaultProxy, type FaultProxy, type SeenRequest } from '../support/fault-proxy.js';
import { startPrometheus, type RunningPrometheus } from '../support/prometheus.js';

const STEP = 300;
const END = Math.floor(Date.now() / 1000 / STEP) * STEP - 3600;
const POINTS = 48;
const WINDOW: RangeWindow = { start: END - 40 * STEP, end: END, stepSeconds: STEP };

let prom: RunningPrometheus;
let proxy: FaultProxy;
let dir: string;

/** A CSV ending at END: every 15 s (counters, so rate() has samples) or every 5 minutes. */
function csv(name: string, value: (t: number) => number, every = 15): string {
  const rows = ['timestamp,value'];
  for (let t = END - POINTS * STEP; t <= END; t += every) rows.push(`${new Date(t * 1000).toISOString()},${value(t)}`);
  const file = join(dir, `${name}.csv`);
  writeFileSync(file, `${rows.join('\n')}\n`);
  return file;
}

/** Pods of the namespace: [pod, container, scale]; webhook is no target's and must leak into none. */
const PODS: [string, string, number][] = [
  ['web-7d9f8b6c5d-x7k2p', 'app', 1],
  ['web-7d9f8b6c5d-x7k2p', 'sidecar', 0.1],
  ['web-7d9f8b6c5d-q9w8e', 'app', 1.7],
  ['web-7d9f8b6c5d-q9w8e', 'sidecar', 0.2],
  ['api-5c6d7e8f9a-ab12c', 'app', 3],
  ['api-5c6d7e8f9a-ab12c', 'envoy', 0.5],
  ['db-0', 'postgres', 2],
  ['db-1', 'postgres', 2.5],
  ['webhook-5c6d7e8f9a-ab12c', 'app', 9],
];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'augur-batch-'));
  const series = PODS.flatMap(([pod, container, k], i) => {
    const labels = { namespace: 'shop', pod, container };
    return [
      // A counter rising at a rate that changes through the window, per container.
      { name: 'container_cpu_usage_seconds_total', labels, csvPath: csv(`cpu-${i}`, (t) => k * (t - END + POINTS * STEP) * (1 + 0.3 * Math.sin(t / 1800))) },
      { name: 'container_memory_working_set_bytes', labels, csvPath: csv(`mem-${i}`, (t) => Math.round(k * 2 ** 27 * (2 + Math.cos(t / 3600))), STEP) },
      { name: 'kube_pod_container_status_last_terminated_reason', labels: { ...labels, reason: 'OOMKilled' }, csvPath: csv(`oom-${i}`, (t) => (pod === 'db-1' && t > END - 10 * STEP ? 1 : 0), STEP) },
    ];
  });
  prom = await startPrometheus({ series });
  proxy = await startFaultProxy(prom.url);
}, 90_000);

afterEach(() => {
  proxy.clear();
  proxy.seen.length = 0;
});

afterAll(async () => {
  await proxy?.close();
  await prom?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const target = (kind: 'Deployment' | 'StatefulSet', name: string) =>
  configSchema.shape.targets.element.parse({
    kind,
    namespace: 'shop',
    name,
    manifest: { format: 'plain', path: `${name}.yaml` },
    metrics: { load: { query: 'up' } },
    capacity: { perReplica: 10 },
  }) as TargetConfig;

/** The workloads read, each with the container its manifest names (web's filter drops its sidecar). */
const READERS: [TargetConfig, string | undefined][] = [
  [target('Deployment', 'web'), 'app'],
  [target('Deployment', 'api'), undefined],
  [target('StatefulSet', 'db'), 'postgres'],
];
const METRICS: [MetricName, 'cadvisor' | 'kube-state-metrics'][] = [
  ['cpu', 'cadvisor'],
  ['cpuTotal', 'cadvisor'],
  ['memory', 'cadvisor'],
  ['oomKills', 'kube-state-metrics'],
];

const source = () => new PrometheusSource({ url: proxy.url, timeoutMs: 10_000, maxConcurrentQueries: 4, retries: 0 });
/** A batched read is one `sum by (pod, container)` query for the namespace; a per-target read is the member's own query. */
const isBatch = (r: SeenRequest) => /sum by \(pod, container\)/.test(r.query.query ?? '');
const readKind = (r: SeenRequest) => (isBatch(r) ? 'batch' : 'target');
const rangeQueries = () => proxy.seen.filter((r) => r.path === '/api/v1/query_range').length;

/** The plan of a cycle: every reader's every metric, planned without its container (as gather's plan is). */
const plan = () => READERS.flatMap(([t]) => METRICS.map(([m, p]) => ({ ref: metricRef(m, { preset: p }, t, undefined), window: WINDOW })));
const silent = { info() {}, warn() {} };

it('reads each workload as its own preset query would, in one query per expression for the namespace', async () => {
  const single = source();
  const own: Series[] = [];
  for (const [t, container] of READERS) for (const [m, p] of METRICS) own.push(await single.range(metricRef(m, { preset: p }, t, container), WINDOW));
  const ownRequests = rangeQueries();
  proxy.clear();
  proxy.seen.length = 0;

  const batched = new BatchedReads(source(), plan(), silent);
  const together = await Promise.all(READERS.flatMap(([t, container]) => METRICS.map(([m, p]) => batched.range(metricRef(m, { preset: p }, t, container), WINDOW))));

  expect(ownRequests).toBe(READERS.length * METRICS.length); // 12: one per target and metric
  // cpu and cpuTotal share rate(container_cpu_usage_seconds_total): 3 expressions, one query each.
  expect(rangeQueries()).toBe(3);
  expect(batched.counts).toEqual({ batched: 3, perTarget: 0 });
  together.forEach((s, i) => {
    const o = own[i]!;
    expect(s.timestamps).toEqual(o.timestamps);
    expect(s.values.length).toBe(o.values.length);
    s.values.forEach((v, k) => {
      const w = o.values[k]!;
      if (Number.isNaN(w)) expect(v).toBeNaN();
      else expect(v).toBeCloseTo(w, 9 - Math.max(0, Math.ceil(Math.log10(Math.abs(w) + 1))));
    });
  });
  // They are not all the same series: the container filter, the pods of each workload and the OOM kill.
  const [webCpu, , webMem] = together;
  const apiMem = together[6]!;
  expect(Math.max(...webMem!.values)).toBeLessThan(Math.max(...apiMem.values));
  expect(webCpu!.values.some((v) => v > 0)).toBe(true);
  expect(together[11]!.values.slice(-5)).toEqual([1, 1, 1, 1, 1]); // db-1's OOM kill
  expect(together[3]!.values.every((v) => v === 0)).toBe(true); // web has none: zeros, as `or vector(0)`
});

it('a workload with no pods is "no data" as its own query would be, and its neighbours still read', async () => {
  const ghost = target('Deployment', 'ghost');
  const batched = new BatchedReads(source(), [...plan(), { ref: metricRef('memory', { preset: 'cadvisor' }, ghost, undefined), window: WINDOW }], silent);
  await expect(batched.range(metricRef('memory', { preset: 'cadvisor' }, ghost, undefined), WINDOW)).rejects.toThrow(/no data: .*ghost-/);
  const api = await batched.range(metricRef('memory', { preset: 'cadvisor' }, READERS[1]![0], undefined), WINDOW);
  expect(api.values.some((v) => v > 0)).toBe(true);
  expect(rangeQueries()).toBe(1);
});

/** web's memory, read through a batch whose query the test's fault spoils: what was warned, and the series. */
async function readWebAfterBatchFault(): Promise<{ warned: string[]; s: Series }> {
  const warned: string[] = [];
  const batched = new BatchedReads(source(), plan(), { info() {}, warn: (_o: object, msg?: string) => void warned.push(msg ?? '') });
  const s = await batched.range(metricRef('memory', { preset: 'cadvisor' }, READERS[0]![0], 'app'), WINDOW);
  return { warned, s };
}

it('a batch Prometheus refuses (too many samples) is read per target, and says so', async () => {
  proxy.add({ path: /query_range/, when: isBatch, fault: { kind: 'reply', status: 422, body: JSON.stringify({ status: 'error', errorType: 'execution', error: 'query processing would load too many samples into memory in query execution' }) } });
  const { warned, s } = await readWebAfterBatchFault();
  expect(s.values.some((v) => v > 0)).toBe(true);
  expect(warned).toEqual([expect.stringMatching(/a batched preset read was refused, timed out or got no answer; reading those workloads per target/)]);
  expect(proxy.seen.map(readKind)).toEqual(['batch', 'target']);
});

it('a batch that fails otherwise is the error of each of its members', async () => {
  proxy.add({ path: /query_range/, when: isBatch, fault: { kind: 'reply', status: 503, body: 'upstream down' } });
  const batched = new BatchedReads(source(), plan(), silent);
  const reads = READERS.map(([t, c]) => batched.range(metricRef('memory', { preset: 'cadvisor' }, t, c), WINDOW));
  for (const r of reads) await expect(r).rejects.toThrow(/HTTP 503.*upstream down.*other workloads of namespace shop/);
  // Each member's error names its own query, not the batch's (which lists every neighbour's pods).
  for (const r of reads) await expect(r).rejects.not.toThrow(/sum by \(pod, container\)/);
  expect(rangeQueries()).toBe(1);
});

it('a batch that gets no answer at all (the connection dropped) is read per target, as one that is refused', async () => {
  proxy.add({ path: /query_range/, when: isBatch, fault: { kind: 'lose' } });
  const { warned, s } = await readWebAfterBatchFault();
  expect(s.values.some((v) => v > 0)).toBe(true);
  expect(warned).toHaveLength(1);
  expect(proxy.seen.map(readKind)).toEqual(['batch', 'target']);
});

it('a batch that hits Prometheus\' query timeout is read per target, as one that is refused', async () => {
  proxy.add({ path: /query_range/, when: isBatch, fault: { kind: 'reply', status: 503, body: JSON.stringify({ status: 'error', errorType: 'timeout', error: 'query timed out in expression evaluation' }) } });
  const { warned, s } = await readWebAfterBatchFault();
  expect(s.values.some((v) => v > 0)).toBe(true);
  expect(warned).toHaveLength(1);
  expect(proxy.seen.map(readKind)).toEqual(['batch', 'target']);
});

it('drops a batch once its members have read or let go, so a cycle holds only the batches in flight', async () => {
  const mem = (t: TargetConfig, c?: string) => metricRef('memory', { preset: 'cadvisor' }, t, c);
  const batched = new BatchedReads(source(), READERS.map(([t]) => ({ ref: mem(t), window: WINDOW })), silent);
  const [web, api, db] = READERS.map(([t]) => t) as [TargetConfig, TargetConfig, TargetConfig];
  await batched.range(mem(web, 'app'), WINDOW);
  batched.release(api); // api's gather ended before its memory read (e.g. its load failed)
  await batched.range(mem(db, 'postgres'), WINDOW);
  // Every member is done: a read now (none is planned) is its own query, not a kept batch.
  await batched.range(mem(web, 'app'), WINDOW);
  expect(proxy.seen.map(readKind)).toEqual(['batch', 'target']);
  expect(batched.counts).toEqual({ batched: 1, perTarget: 1 });
});

it('with a history, a later cycle asks the batch for the tail only and gets, sample for sample, what whole reads get', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'augur-history-'));
  const earlier: RangeWindow = { start: WINDOW.start - 6 * STEP, end: WINDOW.end - 6 * STEP, stepSeconds: STEP };
  /** One cycle: the plan with the windows the history will ask, every reader's every metric, the index saved. */
  const cycle = async (window: RangeWindow) => {
    const store = new HistoryStore(dir, silent);
    const planned = plan().map((p) => ({ ref: p.ref, window: store.windowFor(p.ref, window) }));
    const batched = new BatchedReads(source(), planned, silent);
    const reads = new HistorySource(batched, store);
    const out = await Promise.all(READERS.flatMap(([t, container]) => METRICS.map(([m, p]) => reads.range(metricRef(m, { preset: p }, t, container), window))));
    await store.save();
    return { out, batched, store };
  };
  await cycle(earlier);
  proxy.seen.length = 0;
  const later = await cycle(WINDOW);
  // The same three batched queries as a cycle without history, each over the tail only.
  expect(later.batched.counts).toEqual({ batched: 3, perTarget: 0 });
  expect(later.store.counts).toMatchObject({ full: 0, tail: READERS.length * METRICS.length });
  const starts = proxy.seen.filter((r) => r.path === '/api/v1/query_range').map((r) => Number(r.query.start));
  expect(starts).toEqual([0, 0, 0].map(() => earlier.end - REREAD_SECONDS + STEP));
  // What whole reads of each workload's batch make, exactly.
  const whole = new BatchedReads(source(), plan(), silent);
  const want = await Promise.all(READERS.flatMap(([t, container]) => METRICS.map(([m, p]) => whole.range(metricRef(m, { preset: p }, t, container), WINDOW))));
  later.out.forEach((s, i) => {
    expect(s.timestamps).toEqual(want[i]!.timestamps);
    expect(s.values.map(String)).toEqual(want[i]!.values.map(String));
  });
  rmSync(dir, { recursive: true, force: true });
});
