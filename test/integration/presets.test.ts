// The PromQL presets against a real Prometheus: each preset builds its own exporter's query, so
// `oomKills: { preset: kube-state-metrics }` reads kube-state-metrics' series and
// `{ preset: cadvisor }` reads cAdvisor's, and a preset asked for what its exporter does not
// export says so instead of silently querying another exporter.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { configSchema, type TargetConfig } from '../../src/config/schema.js';
import { metricRef } from '../../src/metrics/presets.js';
import { PrometheusSource } from '../../src/metrics/prometheus.js';
import { startPrometheus, type RunningPrometheus } from '../support/prometheus.js';

const STEP = 300;
const END = Math.floor(Date.now() / 1000 / STEP) * STEP - 3600;
const POINTS = 48;
const POD = { namespace: 'shop', pod: 'web-7d9f8b6c5d-x7k2p', container: 'app' };
const OTHER = { namespace: 'shop', pod: 'webhook-5c6d7e8f9a-ab12c', container: 'app' }; // another workload: must not match

let prom: RunningPrometheus;
let dir: string;

/** A CSV of POINTS samples ending at END, one every 5 minutes (gauges) or every 15 s (counters, so rate() has samples). */
function csv(name: string, value: (t: number) => number, every = STEP): string {
  const rows = ['timestamp,value'];
  for (let t = END - POINTS * STEP; t <= END; t += every) rows.push(`${new Date(t * 1000).toISOString()},${value(t)}`);
  const file = join(dir, `${name}.csv`);
  writeFileSync(file, `${rows.join('\n')}\n`);
  return file;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'augur-presets-'));
  const oomFrom = END - 10 * STEP;
  prom = await startPrometheus({
    series: [
      { name: 'kube_pod_container_status_last_terminated_reason', labels: { ...POD, reason: 'OOMKilled' }, csvPath: csv('ksm-oom', (t) => (t >= oomFrom ? 1 : 0)) },
      { name: 'kube_pod_container_status_last_terminated_reason', labels: { ...OTHER, reason: 'OOMKilled' }, csvPath: csv('ksm-oom-other', () => 7) },
      { name: 'container_oom_events_total', labels: POD, csvPath: csv('cadvisor-oom', (t) => (t >= oomFrom ? 3 : 0), 15) },
      { name: 'container_memory_working_set_bytes', labels: POD, csvPath: csv('cadvisor-mem', () => 300 * 2 ** 20) },
      { name: 'container_memory_working_set_bytes', labels: OTHER, csvPath: csv('cadvisor-mem-other', () => 900 * 2 ** 20) },
      // Replica counts: this Deployment (5, then 8), another Deployment, a StatefulSet of the same name, another cluster.
      { name: 'kube_deployment_status_replicas', labels: { namespace: 'shop', deployment: 'web', cluster: 'prod-eu' }, csvPath: csv('ksm-replicas', (t) => (t >= oomFrom ? 8 : 5)) },
      { name: 'kube_deployment_status_replicas', labels: { namespace: 'shop', deployment: 'web', cluster: 'prod-us' }, csvPath: csv('ksm-replicas-us', () => 40) },
      { name: 'kube_deployment_status_replicas', labels: { namespace: 'shop', deployment: 'webhook', cluster: 'prod-eu' }, csvPath: csv('ksm-replicas-other', () => 30) },
      { name: 'kube_statefulset_status_replicas', labels: { namespace: 'shop', statefulset: 'web', cluster: 'prod-eu' }, csvPath: csv('ksm-sts-replicas', () => 3) },
    ],
  });
}, 60_000);

afterAll(async () => {
  await prom?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const target = configSchema.shape.targets.element.parse({
  namespace: 'shop',
  name: 'web',
  manifest: { format: 'plain', path: 'web.yaml' },
  metrics: { load: { query: 'up' } },
  capacity: { perReplica: 10 },
}) as TargetConfig;

const read = (metric: 'oomKills' | 'memory', preset: 'cadvisor' | 'kube-state-metrics') => {
  const source = new PrometheusSource({ url: prom.url, timeoutMs: 10_000, maxConcurrentQueries: 2 });
  return source.range(metricRef(metric, { preset }, target, 'app'), { start: END - 20 * STEP, end: END, stepSeconds: STEP });
};

it('kube-state-metrics reads OOM kills from kube_pod_container_status_last_terminated_reason, of this workload only', async () => {
  const s = await read('oomKills', 'kube-state-metrics');
  expect(s.values.slice(0, 9)).toEqual(Array(9).fill(0));
  expect(s.values.slice(10)).toEqual(Array(11).fill(1));
});

it('cadvisor reads OOM kills from container_oom_events_total (its own exporter), not from kube-state-metrics', async () => {
  const s = await read('oomKills', 'cadvisor');
  expect(Math.max(...s.values)).toBeGreaterThan(2); // the counter rose by 3
  expect(s.values.slice(0, 5)).toEqual(Array(5).fill(0));
  expect(metricRef('oomKills', { preset: 'cadvisor' }, target, 'app')).toMatchObject({ promql: expect.stringContaining('container_oom_events_total') });
});

it('cadvisor reads the largest pod working set of this workload', async () => {
  const s = await read('memory', 'cadvisor');
  expect(new Set(s.values)).toEqual(new Set([300 * 2 ** 20]));
});

it('kube-state-metrics reads the replicas of this Deployment or StatefulSet by its own label, within the environment selector', async () => {
  const source = new PrometheusSource({ url: prom.url, timeoutMs: 10_000, maxConcurrentQueries: 2 });
  const window = { start: END - 20 * STEP, end: END, stepSeconds: STEP };
  const deployment = await source.range(metricRef('replicas', { preset: 'kube-state-metrics' }, target, 'app', 'cluster="prod-eu"'), window);
  expect(deployment.values.slice(0, 9)).toEqual(Array(9).fill(5));
  expect(deployment.values.slice(10)).toEqual(Array(11).fill(8));
  const sts = await source.range(metricRef('replicas', { preset: 'kube-state-metrics' }, { ...target, kind: 'StatefulSet' }, 'app', 'cluster="prod-eu"'), window);
  expect(new Set(sts.values)).toEqual(new Set([3]));
  expect(() => metricRef('replicas', { preset: 'cadvisor' }, target, 'app')).toThrow(/cAdvisor exports no replica count.*kube-state-metrics/);
});

it('kube-state-metrics has no usage metrics: asked for memory, it says which preset to use', () => {
  expect(() => metricRef('memory', { preset: 'kube-state-metrics' }, target, 'app')).toThrow(/kube-state-metrics exports no memory usage.*preset: cadvisor/);
  expect(() => metricRef('cpu', { preset: 'kube-state-metrics' }, target, 'app')).toThrow(/no CPU usage/);
});
