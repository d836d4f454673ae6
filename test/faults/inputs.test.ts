// Inputs that make no sense, end to end through a real Prometheus (behind a fault proxy where a
// real one cannot misbehave on demand) and real git: symbolic links out of the checkout, negative
// or absurd load, usage that is all zero, requests below any sane floor, a body cut off after
// "200 OK". Each test failed before the fix it names.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_ASSETS } from '../../src/cli/demo.js';
import { heldBy } from '../../src/domain/decision.js';
import { branches, pushSymlinks } from '../support/git.js';
import { startFaultProxy } from '../support/fault-proxy.js';
import { startPrometheus, type RunningPrometheus } from '../support/prometheus.js';
import { startWorld, type World } from '../support/world.js';

let prom: RunningPrometheus;
let now: number;
const worlds: World[] = [];
const WEB = 'http_requests_per_second{namespace="shop", service="web"}';

beforeAll(async () => {
  prom = await startPrometheus({
    series: [{ name: 'http_requests_per_second', labels: { namespace: 'shop', service: 'web' }, csvPath: join(DEMO_ASSETS, 'traces', 'web-requests.csv'), shiftToNow: Math.floor(Date.now() / 1000) }],
  });
  now = Math.floor(prom.series[0]!.last / 300) * 300;
}, 120_000);

afterAll(async () => {
  await Promise.all(worlds.map((w) => w.github.close()));
  await prom?.stop();
});

async function world(): Promise<World> {
  const w = await startWorld(prom.url, now);
  worlds.push(w);
  return w;
}

const metrics = (over: Record<string, unknown>) => ({ webTarget: { metrics: { load: { query: WEB }, cpu: { query: 'vector(0.2174)' }, memory: { query: 'vector(200 * 1024 * 1024)' }, oomKills: { query: 'vector(0)' }, ...over } } });

describe('the workspace never follows a symbolic link out of the checkout', () => {
  it.each([
    ['a symlinked manifest file', (outside: string) => ({ 'apps/web/deployment.yaml': join(outside, 'deployment.yaml') }), 'apps/web/deployment.yaml is a symbolic link'],
    ['a symlinked directory on the path', (outside: string) => ({ 'apps/web': outside }), 'apps/web (on the path of apps/web/deployment.yaml) is a symbolic link'],
  ])('%s holds the target, says so, and leaves the outside file alone', async (_name, links, message) => {
    const w = await world();
    const outside = mkdtempSync(join(tmpdir(), 'augur-outside-'));
    const original = readFileSync(join(DEMO_ASSETS, 'manifests', 'apps', 'web', 'deployment.yaml'), 'utf8');
    writeFileSync(join(outside, 'deployment.yaml'), original);
    writeFileSync(join(outside, 'hpa.yaml'), readFileSync(join(DEMO_ASSETS, 'manifests', 'apps', 'web', 'hpa.yaml'), 'utf8'));
    pushSymlinks(w.bare, links(outside), 'link the manifest from elsewhere');
    const report = await w.run({ cpu: 'vector(0.5)' }); // busier pods: a CPU change would be written
    const d = report.outcomes[0]!.decision!;
    expect(d.verdict).toBe('hold');
    expect(heldBy(d)).toMatchObject({ rule: 'manifest', problem: expect.stringContaining(message) });
    expect(heldBy(d)).toMatchObject({ problem: expect.stringContaining('Augur does not follow symbolic links') });
    expect(readFileSync(join(outside, 'deployment.yaml'), 'utf8')).toBe(original);
    expect(w.github.pulls).toHaveLength(0);
    expect(branches(w.bare)).toEqual(['main']);
  });
});

describe('physical sense before sizing', () => {
  it('a negative load holds the target with the reason', async () => {
    const w = await world();
    const report = await w.run(metrics({ load: { query: `-1 * ${WEB}` } }));
    const d = report.outcomes[0]!.decision!;
    expect(heldBy(d)).toMatchObject({ rule: 'sanity', metric: 'load', issue: 'negative' });
    expect(w.github.pulls).toHaveLength(0);
    expect(w.github.issues[0]!.body).toMatch(/load: \d+ samples below zero .*a load cannot be negative/);
  });

  it('one absurd sample (1e300) holds the target, and every number on the dashboard is finite and short', async () => {
    const w = await world();
    const spike = now - 6 * 3600;
    const report = await w.run(metrics({ load: { query: `${WEB} + (time() == bool ${spike}) * 1e300` } }));
    const d = report.outcomes[0]!.decision!;
    expect(heldBy(d)).toMatchObject({ rule: 'sanity', metric: 'load', issue: 'absurd', count: 1, value: 1e300 });
    const dashboard = w.github.issues[0]!.body!;
    expect(dashboard).toContain('1 sample beyond anything physical (up to 1.00e300)');
    expect(dashboard).not.toMatch(/e\+\d+M|Infinity|NaN/);
    expect(w.github.pulls).toHaveLength(0);
  });

  it('usage that is all zero is left out with the reason: no request is sized from it', async () => {
    const w = await world();
    const report = await w.run({ ...metrics({ cpu: { query: 'vector(0)' }, memory: { query: 'vector(0)' } }), policy: { maxStepPercent: { up: 50, down: 100 } } });
    const o = report.outcomes[0]!;
    expect(o.decision!.changes.filter((c) => c.field.startsWith('cpu.') || c.field.startsWith('memory.'))).toEqual([]);
    expect(o.findings).toEqual(expect.arrayContaining([expect.objectContaining({ kind: 'metricSenseless', metric: 'cpu', issue: 'zero' }), expect.objectContaining({ kind: 'metricSenseless', metric: 'memory', issue: 'zero' })]));
  });

  it('requests never go below the floors (10m CPU, 100 MiB), nor below a floor set in policy', async () => {
    const w = await world();
    const tiny = { ...metrics({ cpu: { query: 'vector(0.001)' }, memory: { query: 'vector(5 * 1024 * 1024)' } }), policy: { maxStepPercent: { up: 50, down: 100 }, minChangePercent: 1 } };
    const report = await w.run(tiny);
    const changes = report.outcomes[0]!.decision!.changes;
    expect(changes.find((c) => c.field === 'cpu.request')?.proposed).toBe(0.01);
    expect(changes.find((c) => c.field === 'memory.request')?.proposed).toBe(100 * 2 ** 20);
    const raised = await (await world()).run({ ...tiny, policy: { ...tiny.policy, minCpuPerPod: '50m', minMemoryPerPod: '128Mi' } });
    expect(raised.outcomes[0]!.decision!.changes.find((c) => c.field === 'cpu.request')?.proposed).toBe(0.05);
    expect(raised.outcomes[0]!.decision!.changes.find((c) => c.field === 'memory.request')?.proposed).toBe(128 * 2 ** 20);
  });
});

describe('Prometheus answers that break', () => {
  it('a body cut off after HTTP 200 is reported as cut off, not as "OK (HTTP 200)"; requests carry a User-Agent naming Augur', async () => {
    const w = await world();
    const proxy = await startFaultProxy(prom.url);
    try {
      proxy.add({ path: /\/api\/v1\/query_range$/, when: (r) => r.query.query === WEB, fault: { kind: 'cut', bytes: 60 } });
      const report = await w.run({ prometheusUrl: proxy.url });
      const d = report.outcomes[0]!.decision!;
      expect(heldBy(d)).toMatchObject({ rule: 'metrics', cause: 'read', error: expect.stringContaining('was cut off after HTTP 200') });
      expect(JSON.stringify(d)).not.toContain('OK (HTTP 200)');
      expect(proxy.seen.length).toBeGreaterThan(0);
      for (const r of proxy.seen) expect(r.headers['user-agent']).toMatch(/^augur\/\d+\.\d+\.\d+ /);
    } finally {
      await proxy.close();
    }
  });
});

