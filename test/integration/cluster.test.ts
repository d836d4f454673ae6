// The Cluster port through @kubernetes/client-node against a local API server that speaks real
// Kubernetes JSON, under exactly the RBAC of src/cluster/permissions.ts: drift, quota headroom,
// admission by dry run, Events, a 403 and a timeout, inside a real cycle (real git, the demo's
// traces, the local forge).
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { afterEach, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { runCycle, type CycleReport } from '../../src/agent/cycle.js';
import { buildMetrics, buildWorkspace } from '../../src/agent/wire.js';
import { prepareDemo } from '../../src/cli/demo.js';
import { KubeCluster } from '../../src/cluster/kube.js';
import { CLUSTER_RULES, grantsOf, LEASE_RULES, NAMESPACED_RULES, type PolicyRule } from '../../src/cluster/permissions.js';
import { loadConfig } from '../../src/config/load.js';
import { LocalForge } from '../../src/forge/local/forge.js';
import { startFakeKube, type FakeKube, type RbacGrant } from '../support/kube-api.js';
import { silent } from '../support/world.js';
import { heldBy } from '../../src/domain/decision.js';
import type { Note } from '../../src/domain/reasons.js';

const NOW = Math.floor(Date.now() / 1000);
const grants = (rules: PolicyRule[], namespaces?: string[]): RbacGrant[] => rules.map((r) => ({ ...r, ...(namespaces ? { namespaces } : {}) }));

let fake: FakeKube | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

/** The cluster as Git describes it: the demo's web Deployment with its HPA, and the api chart's Deployment. */
function seed(k: FakeKube, over: { hpaMax?: number; quotaUsedCpu?: string } = {}): void {
  const deployment = (name: string, replicas: number | undefined, resources: Record<string, Record<string, string>>) => ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: 'shop', labels: { app: name } },
    spec: {
      ...(replicas !== undefined ? { replicas } : {}),
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name, image: `ghcr.io/acme/${name}:1`, resources }] } },
    },
  });
  k.put(deployment('web', 5, { requests: { cpu: '250m', memory: '256Mi' }, limits: { memory: '512Mi' } }));
  k.put(deployment('api', 6, { requests: { cpu: '500m', memory: '512Mi' }, limits: { cpu: '1', memory: '1Gi' } }));
  k.put({
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: { name: 'web', namespace: 'shop' },
    spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, minReplicas: 2, maxReplicas: over.hpaMax ?? 12 },
  });
  k.put({
    apiVersion: 'v1',
    kind: 'ResourceQuota',
    metadata: { name: 'compute', namespace: 'shop' },
    spec: { hard: { 'requests.cpu': '20', 'requests.memory': '64Gi' } },
    status: { hard: { 'requests.cpu': '20', 'requests.memory': '64Gi' }, used: { 'requests.cpu': over.quotaUsedCpu ?? '6', 'requests.memory': '12Gi' } },
  });
  for (const n of ['node-a', 'node-b']) {
    k.put({ apiVersion: 'v1', kind: 'Node', metadata: { name: n }, status: { allocatable: { cpu: '8', memory: '32Gi', pods: '110' } } });
  }
}

async function cycle(k: FakeKube, opts: { timeoutMs?: number; cpu?: string; memoryMiB?: number } = {}): Promise<{ report: CycleReport; dir: string }> {
  const dir = join(mkdtempSync(join(tmpdir(), 'augur-cluster-')), 'demo');
  const { config: file } = await prepareDemo(dir);
  const raw = parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  raw.targets = (raw.targets as { namespace: string }[]).filter((t) => t.namespace === 'shop');
  if (opts.memoryMiB !== undefined) {
    // A constant memory working set for web, as a trace file beside the load.
    const rows = readFileSync(join(dir, 'traces', 'web-requests.csv'), 'utf8').trim().split('\n').slice(1);
    writeFileSync(join(dir, 'traces', 'web-memory.csv'), ['timestamp,value', ...rows.map((r) => `${r.split(',')[0]},${opts.memoryMiB! * 2 ** 20}`)].join('\n') + '\n');
    const web = (raw.targets as { name: string; metrics: Record<string, unknown> }[]).find((t) => t.name === 'web')!;
    web.metrics.memory = { file: 'web-memory.csv' };
  }
  writeFileSync(file, stringify(raw));
  const loaded = loadConfig(file);
  const kc = new KubeConfig();
  kc.loadFromString(k.kubeconfig());
  const report = await runCycle({
    config: loaded.config,
    metrics: buildMetrics(loaded, NOW),
    workspace: buildWorkspace(loaded),
    forge: new LocalForge(join(dir, 'forge'), () => NOW),
    now: NOW,
    log: silent,
    cluster: new KubeCluster({ kubeConfig: kc, timeoutMs: opts.timeoutMs ?? 5000 }),
    clusterOptions: { dryRun: true, events: true },
  });
  return { report, dir };
}

const outcome = (r: CycleReport, name: string) => r.outcomes.find((o) => o.target.name === name)!;

async function start(): Promise<FakeKube> {
  fake = await startFakeKube({ namespaces: ['shop', 'augur'], rbac: [...grants(NAMESPACED_RULES, ['shop']), ...grants(CLUSTER_RULES), ...grants(LEASE_RULES, ['augur'])] });
  return fake;
}

describe('a cycle with cluster access', () => {
  it('proposes after drift, headroom and dry-run checks pass, records an Event, and stays within its RBAC', async () => {
    const k = await start();
    seed(k);
    const { report, dir } = await cycle(k);
    const web = outcome(report, 'web');
    expect(web.decision?.verdict, JSON.stringify(web.decision?.notes)).toBe('propose');
    const rules = web.decision!.notes.map((n) => `${n.rule}:${n.effect}`);
    expect(rules).toContain('headroom:passed');
    expect(rules).toContain('admission:passed');

    const body = readFileSync(join(dir, 'forge', 'pulls', `${web.pr!.number}.md`), 'utf8');
    expect(body).toContain('### What it could break');
    expect(body).toMatch(/ResourceQuota shop\/compute: CPU [\d.]+ of 20 cores requested after the change/);
    expect(body).toMatch(/2 schedulable nodes: CPU [\d.]+ of 16 cores/);
    expect(body).toContain('Server-side dry run (dryRun=All): admitted.');

    const event = k.events.find((e) => (e as { involvedObject?: { name?: string } }).involvedObject?.name === 'web');
    expect(event).toMatchObject({ reason: 'AugurProposal', type: 'Normal' });
    expect(String((event as { message?: string }).message)).toContain(`PR #${web.pr!.number}`);

    // Every call was allowed by permissions.ts, and every workload create was a dry run.
    expect(k.requests.filter((r) => r.status === 403)).toEqual([]);
    // The rules are exactly the calls made: none unused. StatefulSet targets make the same calls
    // as Deployments (one code path, the kind picks the endpoint); leases are in lease.test.ts.
    const used = new Set(k.requests.map((r) => `${r.apiGroup}/${r.resource}:${r.verb}`));
    const granted = grantsOf([...NAMESPACED_RULES, ...CLUSTER_RULES]);
    expect([...used].filter((u) => !granted.has(u))).toEqual([]);
    expect([...granted].filter((g) => !used.has(g)).sort()).toEqual(['apps/statefulsets:create', 'apps/statefulsets:get']);
    const creates = k.requests.filter((r) => r.verb === 'create' && r.resource !== 'events');
    expect(creates.length).toBeGreaterThan(0);
    expect(creates.every((r) => r.dryRun)).toBe(true);
    expect(k.get('apps/v1', 'Deployment', 'shop', 'web-augur-dryrun')).toBeUndefined();
  });

  it('GitOps lint: an autoscaler in the cluster that Git does not show; Augur leaves replicas alone and says why', async () => {
    const k = await start();
    seed(k);
    // KEDA scales the api Deployment, whose chart sets replicaCount in Git.
    k.put({
      apiVersion: 'keda.sh/v1alpha1',
      kind: 'ScaledObject',
      metadata: { name: 'api', namespace: 'shop' },
      spec: { scaleTargetRef: { name: 'api' }, minReplicaCount: 2, maxReplicaCount: 20, triggers: [{ type: 'cpu', metricType: 'Utilization', metadata: { value: '70' } }] },
    });
    const { report, dir } = await cycle(k);
    const api = outcome(report, 'api');
    expect(api.decision?.changes.map((c) => c.field) ?? []).not.toContain('replicas');
    expect(api.findings).toContainEqual({ kind: 'autoscalerFight', by: 'keda', replicas: 6 });
    expect(readFileSync(join(dir, 'forge', 'dashboard.md'), 'utf8')).toContain('ignoreDifferences on /spec/replicas');
  });

  it('holds a workload whose live state differs from Git, naming the difference', async () => {
    const k = await start();
    seed(k, { hpaMax: 15 }); // someone raised the HPA by hand
    const { report } = await cycle(k);
    const web = outcome(report, 'web');
    expect(web.decision?.verdict).toBe('hold');
    expect(heldBy(web.decision!)).toEqual({ rule: 'drift', effect: 'held', differences: [{ field: 'hpa.maxReplicas', git: 12, live: 15 }] });
    expect(web.pr).toBeUndefined();
  });

  it('holds a proposal that does not fit the namespace quota, with both figures', async () => {
    const k = await start();
    seed(k, { quotaUsedCpu: '19.9' });
    const { report } = await cycle(k);
    const api = outcome(report, 'api');
    expect(api.decision?.verdict).toBe('hold');
    expect(heldBy(api.decision!)).toMatchObject({ rule: 'headroom', overflows: [{ source: 'ResourceQuota shop/compute', resource: 'cpu', limit: 20 }] });
  });

  it("holds a proposal whose container values the namespace's LimitRange would reject", async () => {
    const k = await start();
    seed(k);
    k.put({
      apiVersion: 'v1',
      kind: 'LimitRange',
      metadata: { name: 'containers', namespace: 'shop' },
      spec: { limits: [{ type: 'Container', max: { cpu: '2', memory: '200Mi' } }] },
    });
    const { report } = await cycle(k, { cpu: 'vector(0.2174)', memoryMiB: 400 });
    const web = outcome(report, 'web');
    expect(web.decision?.verdict).toBe('hold');
    const held = heldBy(web.decision!) as Extract<Note, { rule: 'limitRange' }>;
    expect(held.rule).toBe('limitRange');
    expect(held.violations).toContainEqual(expect.objectContaining({ field: 'memory.request', bound: 'max', limit: 200 * 2 ** 20, source: 'LimitRange shop/containers' }));
  });

  it('turns an admission rejection of the dry run into a hold with the admission message', async () => {
    const k = await start();
    seed(k);
    k.admission((obj) => ((obj as { kind?: string }).kind === 'Deployment' && (obj as { spec?: { replicas?: number } }).spec?.replicas === 9 ? 'replicas above 8 need a capacity review (policy max-replicas)' : undefined));
    const { report } = await cycle(k);
    const api = outcome(report, 'api');
    expect(api.decision?.verdict).toBe('hold');
    expect(heldBy(api.decision!)).toMatchObject({ rule: 'admission', effect: 'held', message: expect.stringContaining('replicas above 8 need a capacity review') });
  });

  it('a 403 or a timeout does not stop the cycle: the target goes on from Git alone and says why', async () => {
    const k = await start();
    seed(k);
    k.forbid({ apiGroup: 'autoscaling', resource: 'horizontalpodautoscalers', verb: 'list' });
    k.delay({ resource: 'deployments', verb: 'get' }, 3000);
    const { report } = await cycle(k, { timeoutMs: 500 });
    for (const name of ['web', 'api']) {
      const o = outcome(report, name);
      expect(o.error).toBeUndefined();
      expect(o.findings).toContainEqual({ kind: 'clusterUnread', error: expect.stringMatching(/^(get Deployment shop\/\w+: no answer from the API server within 500 ms|list HorizontalPodAutoscalers in shop: forbidden)/) });
    }
    // The slow requests were aborted by the client, not left open.
    const slow = k.requests.filter((r) => r.resource === 'deployments' && r.verb === 'get');
    expect(slow.length).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 3200));
    expect(slow.every((r) => r.clientAborted)).toBe(true);
  });
});
