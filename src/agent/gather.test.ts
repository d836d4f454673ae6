// gather reads the replicas metric only for a target that may get a KEDA schedule (a ScaledObject
// scales it and sizing.schedule is on): it costs the schedule, and nothing else uses it.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../config/load.js';
import type { MetricsSource } from '../domain/ports.js';
import type { MetricRef, RangeWindow, Series } from '../domain/series.js';
import type { RepoView } from '../domain/workload.js';
import { DEMO_ASSETS } from '../cli/demo.js';
import type { CycleDeps } from './deps.js';
import { gather, plannedReads } from './gather.js';

const NOW = Date.parse('2026-12-05T06:00:00Z') / 1000;
const FILES: Record<string, string> = Object.fromEntries(
  ['apps/gateway/deployment.yaml', 'apps/gateway/scaledobject.yaml', 'apps/web/deployment.yaml'].map((p) => [p, readFileSync(join(DEMO_ASSETS, 'manifests', p), 'utf8')]),
);
const repo: RepoView = { read: (p) => FILES[p], list: (dir) => Object.keys(FILES).filter((p) => p.startsWith(`${dir}/`)) };

/** A MetricsSource (the port) that answers every query with a flat series and keeps what was asked. */
class Recording implements MetricsSource {
  asked: string[] = [];
  async range(ref: MetricRef, w: RangeWindow): Promise<Series> {
    this.asked.push('promql' in ref ? ref.promql : JSON.stringify(ref));
    const timestamps: number[] = [];
    for (let t = w.start; t <= w.end; t += w.stepSeconds) timestamps.push(t);
    return { timestamps, values: timestamps.map(() => 3), stepSeconds: w.stepSeconds };
  }
}

function deps(schedule: boolean, metrics: MetricsSource, extraMetrics = ''): CycleDeps {
  const yaml = [
    'prometheus: { url: http://prometheus.invalid:9090 }',
    'git: { url: /nonexistent.git }',
    'forge: { type: local, path: /nonexistent }',
    'environments: { prod: { selector: \'cluster="prod-eu"\' } }',
    'targets:',
    '  - { namespace: edge, name: gateway, environment: prod, manifest: { format: plain, path: apps/gateway/deployment.yaml }, metrics: { load: { query: gateway_load }' + extraMetrics + ' }, capacity: { perReplica: 1000 }' +
      (schedule ? ', sizing: { schedule: { enabled: true } } }' : ' }'),
    '  - { namespace: shop, name: web, manifest: { format: plain, path: apps/web/deployment.yaml }, metrics: { load: { query: web_load } }, capacity: { perReplica: 100 }, sizing: { schedule: { enabled: true } } }',
  ].join('\n');
  const { config } = parseConfig(yaml, 'augur.yaml');
  return { config, metrics, now: NOW, log: { debug() {}, info() {}, warn() {}, error() {} } } as unknown as CycleDeps;
}

describe('gather and the replicas metric', () => {
  it('reads the replicas (kube-state-metrics preset, with the environment selector) for a KEDA-scaled target with schedules on', async () => {
    const m = new Recording();
    const d = deps(true, m);
    const facts = await gather(d.config.targets[0]!, d, { repo, prs: [] });
    expect(m.asked).toContain('max(kube_deployment_status_replicas{namespace="edge", deployment="gateway", cluster="prod-eu"})');
    expect(facts.metrics.replicas).toMatchObject({ source: 'max(kube_deployment_status_replicas{namespace="edge", deployment="gateway", cluster="prod-eu"})' });
  });

  it('does not read them without schedules, or without a ScaledObject', async () => {
    const m = new Recording();
    const d = deps(false, m);
    const off = await gather(d.config.targets[0]!, d, { repo, prs: [] });
    const noKeda = await gather(d.config.targets[1]!, d, { repo, prs: [] });
    expect(m.asked.filter((q) => q.includes('status_replicas'))).toEqual([]);
    expect(off.metrics.replicas).toBeUndefined();
    expect(noKeda.metrics.replicas).toBeUndefined();
    expect(m.asked).toContain('web_load'); // the web target was read
  });

  it("a preset its exporter does not export is that metric's error, never a throw out of gather or the cycle's plan", async () => {
    const m = new Recording();
    const d = deps(true, m, ", replicas: { preset: cadvisor }, memory: { preset: kube-state-metrics }");
    // The cycle plans every target's reads before the first one: the bad target's are left out, the other's stay.
    const planned = plannedReads(d, d.config.targets);
    expect(planned.some((p) => 'promql' in p.ref && p.ref.promql === 'web_load')).toBe(true);
    const facts = await gather(d.config.targets[0]!, d, { repo, prs: [] });
    expect(facts.metrics.load).toMatchObject({ source: 'gateway_load' });
    expect(facts.metrics.replicas).toMatchObject({ error: expect.stringContaining('cAdvisor exports no replica count') });
    expect(facts.metrics.memory).toMatchObject({ error: expect.stringContaining('kube-state-metrics exports no memory usage') });
  });
});
