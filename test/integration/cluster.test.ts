// Augur's cluster code on a real kube-apiserver (test/support/kube-apiserver.ts) with the
// cluster-wide install of deploy/ applied and Augur running under its ServiceAccount's token:
// drift, quota and node headroom at the new peak, LimitRanges, the dry run as the real update
// (and the copy fallback), the policy that keeps Augur to dry runs, admission policies and
// webhooks told apart from RBAC, fail-closed, Events and the User-Agent, inside real cycles (real
// git, the demo's traces, the local forge). Augur talks to the server through a proxy that
// records every request and injects the faults a real server cannot give on demand (a hang, a
// 5xx): test/support/kube-api.ts.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { runCycle, type CycleReport } from '../../src/agent/cycle.js';
import { buildClusterDeps, buildMetrics, buildWorkspace } from '../../src/agent/wire.js';
import { exitCodeOf } from '../../src/cli/cycle.js';
import { prepareDemo } from '../../src/cli/demo.js';
import { KUBE_USER_AGENT, kubeRequest } from '../../src/cluster/http.js';
import { CLUSTER_RULES, DRY_RUN_ONLY_POLICY, grantsOf, NAMESPACED_RULES } from '../../src/cluster/permissions.js';
import { loadConfig } from '../../src/config/load.js';
import { heldBy } from '../../src/domain/decision.js';
import { scheduleHours } from '../../src/domain/schedule.js';
import type { Note } from '../../src/domain/reasons.js';
import { LocalForge } from '../../src/forge/local/forge.js';
import { describeNote } from '../../src/forge/reasons.js';
import { VERSION } from '../../src/util/version.js';
import { startKubeProxy, type KubeProxy } from '../support/kube-api.js';
import { startKubeApiServer, type KubeApiServer } from '../support/kube-apiserver.js';
import { startWebhook, type Webhook } from '../support/kube-webhook.js';
import { silent } from '../support/world.js';

const NOW = Math.floor(Date.now() / 1000);

let kube: KubeApiServer;
let proxy: KubeProxy;
let token: string;
/** Every request of the file's cycles, for the RBAC coverage at the end. */
const allRequests: KubeProxy['requests'] = [];

beforeAll(async () => {
  kube = await startKubeApiServer();
  await kube.install('cluster-wide', ['shop', 'edge', 'apps']);
  token = kube.token();
  // Two schedulable nodes (8 cores, 32 GiB each) and a pod elsewhere using 2 cores of them.
  for (const n of ['node-a', 'node-b']) {
    kube.apply({ apiVersion: 'v1', kind: 'Node', metadata: { name: n } });
    kube.kubectl(['patch', 'node', n, '--subresource=status', '--type=merge', '-p', JSON.stringify({ status: { allocatable: { cpu: '8', memory: '32Gi', pods: '110' }, capacity: { cpu: '8', memory: '32Gi', pods: '110' } } })]);
  }
  // No ServiceAccount controller either: the pod's ServiceAccount is made by hand.
  kube.apply({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default', namespace: 'apps' } });
  kube.apply({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'db', namespace: 'apps' }, spec: { containers: [{ name: 'db', image: 'postgres:16', resources: { requests: { cpu: '2', memory: '4Gi' } } }] } });
}, 180_000);

afterAll(async () => {
  await proxy?.close();
  await kube?.stop();
});

beforeEach(async () => {
  // Each test starts from the cluster Git describes: nothing of the last test's is left.
  if (proxy) {
    allRequests.push(...proxy.requests);
    await proxy.close();
  }
  for (const ns of ['shop', 'edge']) kube.kubectl(['-n', ns, 'delete', 'deployments,horizontalpodautoscalers,resourcequotas,limitranges,scaledobjects,events', '--all', '--wait=false']);
  kube.kubectl(['delete', 'validatingadmissionpolicies,validatingadmissionpolicybindings,validatingwebhookconfigurations', '-l', 'augur-test=true', '--ignore-not-found']);
  proxy = await startKubeProxy(kube);
});

const deployment = (name: string, replicas: number, resources: Record<string, Record<string, string>>, namespace = 'shop') => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name, namespace, labels: { app: name } },
  spec: {
    replicas,
    selector: { matchLabels: { app: name } },
    template: { metadata: { labels: { app: name } }, spec: { containers: [{ name, image: `ghcr.io/acme/${name}:1`, resources }] } },
  },
});

/** The cluster as Git describes it: the demo's web Deployment (5 replicas running) with its HPA, the api chart's Deployment, a quota. */
function seed(over: { hpaMax?: number; quotaUsedCpu?: string } = {}): void {
  kube.apply([
    deployment('web', 5, { requests: { cpu: '250m', memory: '256Mi' }, limits: { memory: '512Mi' } }),
    deployment('api', 6, { requests: { cpu: '500m', memory: '512Mi' }, limits: { cpu: '1', memory: '1Gi' } }),
    {
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: { name: 'web', namespace: 'shop' },
      spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, minReplicas: 2, maxReplicas: over.hpaMax ?? 12 },
    },
    { apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name: 'compute', namespace: 'shop' }, spec: { hard: { 'requests.cpu': '20', 'requests.memory': '64Gi' } } },
  ]);
  // No quota controller runs: write the status it would.
  kube.setQuotaStatus('shop', 'compute', { hard: { 'requests.cpu': '20', 'requests.memory': '64Gi' }, used: { 'requests.cpu': over.quotaUsedCpu ?? '6', 'requests.memory': '12Gi' } });
}

/** A ValidatingAdmissionPolicy with its binding, labelled for cleanup. */
function policy(name: string, resourceRules: object[], expression: string, message: string): void {
  kube.apply([
    { apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingAdmissionPolicy', metadata: { name, labels: { 'augur-test': 'true' } }, spec: { failurePolicy: 'Fail', matchConstraints: { resourceRules }, validations: [{ expression, message }] } },
    { apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingAdmissionPolicyBinding', metadata: { name, labels: { 'augur-test': 'true' } }, spec: { policyName: name, validationActions: ['Deny'] } },
  ]);
}

interface CycleOptions {
  required?: boolean;
  dryRun?: 'update' | 'copy' | false;
  /** API server address in the kubeconfig: the recording proxy by default. */
  server?: string;
  timeout?: string;
  memoryMiB?: number;
  targets?: string[];
}

async function cycle(opts: CycleOptions = {}): Promise<{ report: CycleReport; dir: string; body: (name: string) => string }> {
  const dir = join(mkdtempSync(join(tmpdir(), 'augur-cluster-')), 'demo');
  const { config: file } = await prepareDemo(dir);
  const raw = parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  const names = opts.targets ?? ['web', 'api'];
  raw.targets = (raw.targets as { name: string; namespace: string }[]).filter((t) => names.includes(t.name) && t.namespace !== 'jobs');
  if (opts.memoryMiB !== undefined) {
    // A constant memory working set for web, as a trace file beside the load.
    const rows = readFileSync(join(dir, 'traces', 'web-requests.csv'), 'utf8').trim().split('\n').slice(1);
    writeFileSync(join(dir, 'traces', 'web-memory.csv'), ['timestamp,value', ...rows.map((r) => `${r.split(',')[0]},${opts.memoryMiB! * 2 ** 20}`)].join('\n') + '\n');
    const web = (raw.targets as { name: string; metrics: Record<string, unknown> }[]).find((t) => t.name === 'web')!;
    web.metrics.memory = { file: 'web-memory.csv' };
  }
  // Augur's own kubeconfig: its ServiceAccount's token, the proxy in front of the API server.
  writeFileSync(join(dir, 'kubeconfig.json'), kube.kubeConfig({ token, server: opts.server ?? proxy.url }).exportConfig());
  raw.cluster = { enabled: true, kubeconfig: 'kubeconfig.json', required: opts.required ?? false, dryRun: opts.dryRun ?? 'update', timeout: opts.timeout ?? '5s' };
  writeFileSync(file, stringify(raw));
  const loaded = loadConfig(file);
  const report = await runCycle({
    config: loaded.config,
    metrics: buildMetrics(loaded, NOW),
    workspace: buildWorkspace(loaded),
    forge: new LocalForge(join(dir, 'forge'), () => NOW),
    now: NOW,
    log: silent,
    ...(await buildClusterDeps(loaded, silent)),
  });
  const body = (name: string) => {
    const o = outcome(report, name);
    return readFileSync(join(dir, 'forge', 'pulls', `${o.pr!.number}.md`), 'utf8');
  };
  return { report, dir, body };
}

const outcome = (r: CycleReport, name: string) => r.outcomes.find((o) => o.target.name === name)!;
const notes = (r: CycleReport, name: string) => outcome(r, name).decision!.notes;
const words = (r: CycleReport, name: string) => notes(r, name).map((n) => `${n.rule}: ${describeNote(n)}`).join('\n');

describe('a cycle on a real API server, under Augur ServiceAccount and the cluster-wide RBAC', () => {
  it('proposes after drift, peak headroom and the dry run (an apply of exactly the proposed fields) pass, and records Events named after Augur', async () => {
    seed();
    const { report, body } = await cycle({ required: true });
    for (const name of ['web', 'api']) {
      const o = outcome(report, name);
      expect(o.decision?.verdict, words(report, name)).toBe('propose');
      const rules = notes(report, name).map((n) => `${n.rule}:${n.effect}`);
      expect(rules).toContain('headroom:passed');
      expect(notes(report, name)).toContainEqual(expect.objectContaining({ rule: 'admission', effect: 'passed', mode: 'update' }));
    }
    const web = body('web');
    expect(web).toContain('### What it could break');
    // The HPA ceiling 12 → 18 at 250m: 4.5 cores at the peak, 3.25 more than the 5 pods running now.
    expect(web).toContain('At its new peak (HPA ceiling 12 → 18 replicas) the workload requests 4.5 cores and 4.50 GiB: 3.25 cores and 3.25 GiB more than the 5 replicas running now.');
    expect(web).toContain('ResourceQuota shop/compute at that peak: CPU 9.25 of 20 cores requested (46.3%, 10.75 left), memory 15.25 GiB of 64.00 GiB (23.8%)');
    expect(web).toMatch(/2 schedulable nodes at that peak: CPU 5.25 of 16 cores requested/);
    expect(web).toContain('Server-side dry run (dryRun=All, an apply of the proposed fields to the live objects) of HorizontalPodAutoscaler shop/web: admitted.');
    expect(body('api')).toContain('Server-side dry run (dryRun=All, an apply of the proposed fields to the live objects) of Deployment shop/api: admitted.');

    // The dry runs were server-side applies with Augur's field manager, and stored nothing.
    const writes = proxy.requests.filter((r) => r.verb !== 'get' && r.verb !== 'list' && r.resource !== 'events');
    expect(writes.map((r) => `${r.verb} ${r.resource}/${r.name}`).sort()).toEqual(['patch deployments/api', 'patch horizontalpodautoscalers/web']);
    for (const w of writes) {
      expect(w).toMatchObject({ dryRun: true, contentType: 'application/apply-patch+yaml' });
      expect(w.url).toContain('fieldManager=augur');
    }
    expect(JSON.parse(kube.kubectl(['-n', 'shop', 'get', 'hpa', 'web', '-o', 'json'])).spec.maxReplicas).toBe(12);
    expect(JSON.parse(kube.kubectl(['-n', 'shop', 'get', 'deployment', 'api', '-o', 'json'])).spec.replicas).toBe(6);

    // Every request named Augur and its version; the API server names Augur's writes after it.
    expect(proxy.requests.length).toBeGreaterThan(5);
    for (const r of proxy.requests) expect(r.userAgent).toBe(KUBE_USER_AGENT);
    expect(KUBE_USER_AGENT).toMatch(new RegExp(`^augur/${VERSION.replace(/\./g, '\\.')} \\(`));
    const events = (JSON.parse(kube.kubectl(['-n', 'shop', 'get', 'events', '-o', 'json', '--show-managed-fields'])) as { items: Record<string, any>[] }).items.filter((e) => e.reason === 'AugurProposal');
    expect(events.map((e) => e.involvedObject.name).sort()).toEqual(['api', 'web']);
    for (const e of events) {
      expect(e.metadata.managedFields.map((m: { manager: string }) => m.manager)).toEqual(['augur']);
      expect(e.reportingInstance).toBeTruthy();
      expect(e.message).toMatch(/PR #\d+/);
    }
    expect(proxy.requests.filter((r) => r.status >= 400)).toEqual([]);
  });

  it('GitOps lint: an autoscaler in the cluster that Git does not show; Augur leaves replicas alone and says why', async () => {
    seed();
    // KEDA scales the api Deployment, whose chart sets replicaCount in Git.
    kube.apply({
      apiVersion: 'keda.sh/v1alpha1',
      kind: 'ScaledObject',
      metadata: { name: 'api', namespace: 'shop' },
      spec: { scaleTargetRef: { name: 'api' }, minReplicaCount: 2, maxReplicaCount: 20, triggers: [{ type: 'cpu', metricType: 'Utilization', metadata: { value: '70' } }] },
    });
    const { report, dir } = await cycle();
    const api = outcome(report, 'api');
    expect(api.decision?.changes.map((c) => c.field) ?? []).not.toContain('replicas');
    expect(api.findings).toContainEqual({ kind: 'autoscalerFight', by: 'keda', replicas: 6 });
    expect(readFileSync(join(dir, 'forge', 'dashboard.md'), 'utf8')).toContain('ignoreDifferences on /spec/replicas');
  });

  it('holds a workload whose live state differs from Git, naming the difference', async () => {
    seed({ hpaMax: 15 }); // someone raised the HPA by hand
    const { report } = await cycle();
    const web = outcome(report, 'web');
    expect(web.decision?.verdict).toBe('hold');
    expect(heldBy(web.decision!)).toEqual({ rule: 'drift', effect: 'held', differences: [{ field: 'hpa.maxReplicas', git: 12, live: 15 }] });
    expect(web.pr).toBeUndefined();
  });

  it('checks a raised HPA ceiling at its new peak: with the quota 99.5% used, 12 → 18 replicas does not fit, though it costs little on average', async () => {
    seed({ quotaUsedCpu: '19.9' });
    const { report } = await cycle();
    const web = outcome(report, 'web');
    expect(web.decision?.verdict, words(report, 'web')).toBe('hold');
    // 18 × 250m = 4.5 cores at the peak, 5 × 250m run now: 19.9 + 3.25 = 23.15 > 20.
    expect(heldBy(web.decision!)).toMatchObject({ rule: 'headroom', overflows: [{ source: 'ResourceQuota shop/compute', resource: 'cpu', limit: 20 }] });
    expect((heldBy(web.decision!) as Extract<Note, { rule: 'headroom'; overflows: unknown }>).overflows[0]!.after).toBeCloseTo(23.15, 5);
    expect(web.decision!.cost.cores).toBeLessThan(1); // the average: why the old check let it through
    const api = outcome(report, 'api');
    expect(heldBy(api.decision!)).toMatchObject({ rule: 'headroom', overflows: [{ source: 'ResourceQuota shop/compute', resource: 'cpu', limit: 20 }] });
  });

  it("holds a proposal whose container values the namespace's LimitRange would reject", async () => {
    seed();
    kube.apply({ apiVersion: 'v1', kind: 'LimitRange', metadata: { name: 'containers', namespace: 'shop' }, spec: { limits: [{ type: 'Container', max: { cpu: '2', memory: '200Mi' } }] } });
    const { report } = await cycle({ memoryMiB: 400 });
    const web = outcome(report, 'web');
    expect(web.decision?.verdict).toBe('hold');
    const held = heldBy(web.decision!) as Extract<Note, { rule: 'limitRange' }>;
    expect(held.rule).toBe('limitRange');
    expect(held.violations).toContainEqual(expect.objectContaining({ field: 'memory.request', bound: 'max', limit: 200 * 2 ** 20, source: 'LimitRange shop/containers' }));
  });
});

describe('the dry run is the real update, and Augur can only dry-run', () => {
  it("a real patch under Augur's token is refused by the shipped policy, the same patch as a dry run passes, Events and Leases go through", async () => {
    seed();
    const kc = kube.kubeConfig({ token });
    const patch = (dryRun: boolean) =>
      kubeRequest(kc, 5000, {
        method: 'PATCH',
        path: '/apis/apps/v1/namespaces/shop/deployments/api',
        query: { fieldManager: 'augur', force: 'true', ...(dryRun ? { dryRun: 'All' } : {}) },
        body: { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'api', namespace: 'shop' }, spec: { replicas: 9 } },
        contentType: 'application/apply-patch+yaml',
      });
    await expect(patch(false)).rejects.toMatchObject({ code: 403, body: expect.stringContaining(`ValidatingAdmissionPolicy '${DRY_RUN_ONLY_POLICY}' with binding '${DRY_RUN_ONLY_POLICY}' denied request`) });
    expect(JSON.parse(kube.kubectl(['-n', 'shop', 'get', 'deployment', 'api', '-o', 'json'])).spec.replicas).toBe(6);
    expect(await patch(true)).toMatchObject({ spec: { replicas: 9 } });
    expect(JSON.parse(kube.kubectl(['-n', 'shop', 'get', 'deployment', 'api', '-o', 'json'])).spec.replicas).toBe(6);
    // A real create (the copy mode's verb) is refused too.
    await expect(kubeRequest(kc, 5000, { method: 'POST', path: '/apis/apps/v1/namespaces/shop/deployments', body: { ...deployment('api-copy', 1, {}) } })).rejects.toMatchObject({ code: 403 });
    // What Augur really writes is let through: an Event (and its Lease, in the namespaced file).
    await kubeRequest(kc, 5000, { method: 'POST', path: '/api/v1/namespaces/shop/events', body: { metadata: { generateName: 'api.augur-' }, involvedObject: { kind: 'Deployment', name: 'api', namespace: 'shop' }, reason: 'Test', message: 'm', type: 'Normal' } });
  });

  it('an admission policy that judges only UPDATE holds the proposal in update mode, naming the policy; copy mode cannot see it and says so', async () => {
    seed();
    policy('replicas-step', [{ apiGroups: ['apps'], apiVersions: ['v1'], operations: ['UPDATE'], resources: ['deployments'] }], 'object.spec.replicas <= oldObject.spec.replicas + 2', 'replicas may grow by at most 2 per change');
    await waitForPolicy();
    const update = await cycle();
    const held = heldBy(outcome(update.report, 'api').decision!);
    expect(held).toMatchObject({ rule: 'admission', effect: 'held', mode: 'update', object: 'Deployment shop/api', denial: { by: 'policy', name: 'replicas-step', message: 'replicas may grow by at most 2 per change' } });
    expect(describeNote(held!)).toContain('denied by the ValidatingAdmissionPolicy "replicas-step": replicas may grow by at most 2 per change (an admission policy of the cluster: ask its owner');
    expect(describeNote(held!)).not.toMatch(/RBAC|grant/);
    expect(outcome(update.report, 'web').decision?.verdict).toBe('propose'); // the HPA is not a Deployment

    const copy = await cycle({ dryRun: 'copy' });
    expect(outcome(copy.report, 'api').decision?.verdict, words(copy.report, 'api')).toBe('propose');
    expect(copy.body('api')).toContain('Server-side dry run (dryRun=All, a create of a renamed copy) of Deployment shop/api: admitted. Not checked: admission policies and webhooks that judge only UPDATE or compare with the live object (the copy is a CREATE)');
    expect(proxy.requests.filter((r) => r.verb === 'create' && r.resource === 'deployments').every((r) => r.dryRun)).toBe(true);
  });

  it('copy mode ignores an object-count quota that only the copy exceeds, and says so; update mode is not affected by it', async () => {
    seed();
    kube.apply({ apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name: 'objects', namespace: 'shop' }, spec: { hard: { 'count/deployments.apps': '2' } } });
    kube.setQuotaStatus('shop', 'objects', { hard: { 'count/deployments.apps': '2' }, used: { 'count/deployments.apps': '2' } });
    const copy = await cycle({ dryRun: 'copy' });
    expect(outcome(copy.report, 'api').decision?.verdict, words(copy.report, 'api')).toBe('propose');
    expect(copy.body('api')).toContain('the object-count quota "objects" (a copy counts as one more object; the change does not)');
    // The quota did refuse the copy: Augur read it and let it pass.
    expect(proxy.requests.some((r) => r.verb === 'create' && r.resource === 'deployments' && r.status === 403)).toBe(true);
    const update = await cycle();
    expect(outcome(update.report, 'api').decision?.verdict).toBe('propose');
    expect(update.body('api')).not.toContain('object-count quota');
  });

  it('dry-runs a KEDA schedule on the live ScaledObject, and checks its highest window against the quota', async () => {
    kube.apply([
      deployment('gateway', 4, { requests: { cpu: '500m', memory: '256Mi' }, limits: { memory: '512Mi' } }, 'edge'),
      {
        apiVersion: 'keda.sh/v1alpha1',
        kind: 'ScaledObject',
        metadata: { name: 'gateway', namespace: 'edge' },
        spec: { scaleTargetRef: { name: 'gateway' }, minReplicaCount: 4, maxReplicaCount: 20, triggers: [{ type: 'cpu', metricType: 'Utilization', metadata: { value: '60' } }] },
      },
      { apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name: 'compute', namespace: 'edge' }, spec: { hard: { 'requests.cpu': '100' } } },
    ]);
    kube.setQuotaStatus('edge', 'compute', { hard: { 'requests.cpu': '100' }, used: { 'requests.cpu': '2' } });
    const { report, body } = await cycle({ targets: ['gateway'], required: true });
    const gateway = outcome(report, 'gateway');
    expect(gateway.decision?.verdict, words(report, 'gateway')).toBe('propose');
    expect(gateway.decision?.schedule).toBeDefined();
    const so = proxy.requests.filter((r) => r.resource === 'scaledobjects' && r.verb === 'patch');
    expect(so).toEqual([expect.objectContaining({ dryRun: true, name: 'gateway', namespace: 'edge', status: 200 })]);
    const text = body('gateway');
    expect(text).toContain('of ScaledObject edge/gateway: admitted.');
    // The peak is the busiest hour with the windows, counting what the workload already runs then
    // (the demo's replica history): the windows' own top, or more where the cpu trigger runs more.
    const { before, after } = scheduleHours(gateway.decision!.schedule!);
    const [was, top] = [Math.max(...before), Math.max(...after)];
    expect(top).toBeGreaterThanOrEqual(Math.max(...gateway.decision!.schedule!.proposed.map((t) => t.desiredReplicas)));
    expect(text).toContain(`At its new peak (schedule's highest window ${was === top ? '' : `${was} → `}${top} replicas) the workload requests ${top * 0.5} cores`);
    expect(text).toMatch(/ResourceQuota edge\/compute at that peak: CPU [\d.]+ of 100 cores requested \([\d.]+%/);
    // The live triggers are untouched: a dry run stores nothing.
    expect(JSON.parse(kube.kubectl(['-n', 'edge', 'get', 'scaledobject', 'gateway', '-o', 'json'])).spec.triggers).toHaveLength(1);
  });
});

describe('who refused: an admission webhook or policy, or a permission Augur lacks', () => {
  let webhook: Webhook | undefined;
  afterAll(async () => webhook?.close());

  it('a webhook denial names the webhook and its message, and says whom to ask', async () => {
    seed();
    webhook = await startWebhook((review) => (review.request.object?.spec?.replicas === 9 ? 'replicas above 8 need a capacity review (policy max-replicas)' : undefined));
    kube.apply(webhook.configuration('validate.kyverno.svc-fail', { apiGroups: ['apps'], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['deployments'] }));
    await waitFor(async () => {
      const r = await kubeRequest(kube.kubeConfig({ token }), 5000, { method: 'PATCH', path: '/apis/apps/v1/namespaces/shop/deployments/api', query: { dryRun: 'All', fieldManager: 'augur', force: 'true' }, body: { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'api', namespace: 'shop' }, spec: { replicas: 9 } }, contentType: 'application/apply-patch+yaml' }).catch((e: { body?: string }) => e.body ?? '');
      return String(r).includes('validate.kyverno.svc-fail');
    });
    const { report } = await cycle();
    const held = heldBy(outcome(report, 'api').decision!);
    expect(held).toMatchObject({ rule: 'admission', effect: 'held', denial: { by: 'webhook', name: 'validate.kyverno.svc-fail', message: expect.stringContaining('replicas above 8 need a capacity review') } });
    expect(describeNote(held!)).toContain('denied by the admission webhook "validate.kyverno.svc-fail": replicas above 8 need a capacity review (policy max-replicas) (a policy engine such as Kyverno or Gatekeeper: ask the owner of that policy)');
    expect(webhook.reviews.some((r) => r.request.dryRun === true)).toBe(true);
  });

  it('a permission Augur lacks (patch not granted) is not a verdict: the dry run did not run, and the words say to ask the cluster admin', async () => {
    seed();
    const role = JSON.parse(kube.kubectl(['get', 'clusterrole', 'augur', '-o', 'json']));
    const narrowed = structuredClone(role);
    for (const rule of narrowed.rules) rule.verbs = rule.verbs.filter((v: string) => v !== 'patch');
    delete narrowed.metadata.resourceVersion;
    kube.apply(narrowed);
    try {
      const required = await cycle({ required: true });
      const held = heldBy(outcome(required.report, 'api').decision!);
      expect(held).toMatchObject({ rule: 'cluster.required', effect: 'held', failed: [{ check: 'dry run', error: expect.stringContaining('may not patch deployments.apps in shop: a permission Augur lacks, not a verdict on the change; ask the cluster admin') }] });
      expect(describeNote(held!)).not.toMatch(/reject|denied by/);
      const optional = await cycle({ required: false });
      expect(outcome(optional.report, 'api').decision?.verdict).toBe('propose');
      expect(optional.body('api')).toMatch(/Server-side dry run not checked: it could not run \(dry-run apply Deployment shop\/api: Augur's ServiceAccount \(system:serviceaccount:augur:augur\) may not patch deployments\.apps in shop/);
    } finally {
      const restored = structuredClone(role);
      delete restored.metadata.resourceVersion;
      kube.apply(restored);
    }
  });
});

describe('fail closed when asked (cluster.required)', () => {
  it('the API server down before the cycle: every proposal is held with the reason; without required, Augur works from Git alone and says so', async () => {
    seed();
    const dead = `http://127.0.0.1:${await deadPort()}`;
    const required = await cycle({ required: true, server: dead });
    for (const name of ['web', 'api']) {
      const o = outcome(required.report, name);
      expect(o.decision?.verdict, words(required.report, name)).toBe('hold');
      expect(heldBy(o.decision!)).toMatchObject({ rule: 'cluster.required', failed: [{ check: 'live state', error: expect.stringMatching(/^get Deployment shop\/\w+: the API server did not answer \(connect ECONNREFUSED 127\.0\.0\.1:\d+\)$/) }] });
      expect(describeNote(heldBy(o.decision!)!)).not.toMatch(/reject/);
      expect(o.pr).toBeUndefined();
    }
    // `augur run --once` exits 2, so a CronJob notices that nothing could be checked.
    expect(exitCodeOf(required.report)).toBe(2);
    const optional = await cycle({ required: false, server: dead });
    expect(exitCodeOf(optional.report)).toBe(0);
    for (const name of ['web', 'api']) {
      expect(outcome(optional.report, name).decision?.verdict).toBe('propose');
      expect(outcome(optional.report, name).findings).toContainEqual({ kind: 'clusterUnread', error: expect.stringContaining('did not answer') });
    }
  });

  it('the API server stops answering mid-cycle (the dry run hangs, or answers 503): held as not checked, never as rejected', async () => {
    seed();
    proxy.fault({ verb: 'patch', resource: 'deployments' }, { hang: true });
    proxy.fault({ verb: 'patch', resource: 'horizontalpodautoscalers' }, { status: 503, message: 'etcdserver: request timed out' });
    const { report } = await cycle({ required: true, timeout: '1s' });
    const api = heldBy(outcome(report, 'api').decision!);
    expect(api).toMatchObject({ rule: 'cluster.required', failed: [{ check: 'dry run', error: 'dry-run apply Deployment shop/api: the API server did not answer within 1000 ms' }] });
    const web = heldBy(outcome(report, 'web').decision!);
    expect(web).toMatchObject({ rule: 'cluster.required', failed: [{ check: 'dry run', error: expect.stringContaining('the API server failed to answer (HTTP 503: etcdserver: request timed out)') }] });
    for (const held of [api, web]) expect(describeNote(held!)).not.toMatch(/reject/);
    // The hung request was given up by the client, not left open.
    await new Promise((r) => setTimeout(r, 200));
    expect(proxy.requests.filter((r) => r.verb === 'patch' && r.resource === 'deployments').every((r) => r.clientAborted)).toBe(true);
  });

  it('a slow read without required: the target goes on from Git alone and says why', async () => {
    seed();
    proxy.fault({ verb: 'get', resource: 'deployments' }, { delayMs: 3000 });
    const { report } = await cycle({ timeout: '1s' });
    for (const name of ['web', 'api']) {
      const o = outcome(report, name);
      expect(o.error).toBeUndefined();
      expect(o.findings).toContainEqual({ kind: 'clusterUnread', error: expect.stringMatching(/^get Deployment shop\/\w+: the API server did not answer within 1000 ms$/) });
    }
  });
});

it('RBAC: the calls of all these cycles are exactly the cluster-wide rules (none missing, none unused)', () => {
  const requests = [...allRequests, ...proxy.requests];
  const used = new Set(requests.filter((r) => r.resource !== 'leases').map((r) => `${r.apiGroup}/${r.resource}:${r.verb}`));
  const granted = grantsOf([...NAMESPACED_RULES, ...CLUSTER_RULES]);
  expect([...used].filter((u) => !granted.has(u))).toEqual([]);
  // StatefulSet targets make the same calls as Deployments (one code path, the kind picks the endpoint).
  expect([...granted].filter((g) => !used.has(g)).sort()).toEqual(['apps/statefulsets:create', 'apps/statefulsets:get', 'apps/statefulsets:patch']);
  // Every write but an Event was a dry run.
  expect(requests.filter((r) => !['get', 'list'].includes(r.verb) && r.resource !== 'events' && !r.dryRun)).toEqual([]);
});

async function waitFor(check: () => Promise<boolean>, ms = 20_000): Promise<void> {
  const until = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > until) throw new Error('timed out waiting for the API server to load an admission configuration');
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** A new ValidatingAdmissionPolicy is enforced a moment after it is created. */
function waitForPolicy(): Promise<void> {
  return waitFor(async () => {
    const r = await kubeRequest(kube.kubeConfig({ token }), 5000, { method: 'PATCH', path: '/apis/apps/v1/namespaces/shop/deployments/api', query: { dryRun: 'All', fieldManager: 'augur', force: 'true' }, body: { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'api', namespace: 'shop' }, spec: { replicas: 100 } }, contentType: 'application/apply-patch+yaml' }).catch((e: { body?: string }) => e.body ?? '');
    return String(r).includes('replicas-step');
  });
}

/** A loopback port nothing listens on. */
async function deadPort(): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}
