// The namespaced install of deploy/ on a real kube-apiserver: Augur reads only the namespaces it
// is granted (a Role per watched namespace), has no node access, and elects a leader on a Lease
// in its own namespace, all under its ServiceAccount's token; a namespace it may not read is a
// permission it lacks, said as such. Requests go through the recording proxy of
// test/support/kube-api.ts.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { runCycle, type CycleReport } from '../../src/agent/cycle.js';
import { buildClusterDeps, buildMetrics, buildWorkspace } from '../../src/agent/wire.js';
import { prepareDemo } from '../../src/cli/demo.js';
import { KUBE_USER_AGENT } from '../../src/cluster/http.js';
import { LeaderElector } from '../../src/cluster/lease.js';
import { grantsOf, LEASE_RULES, NAMESPACED_RULES } from '../../src/cluster/permissions.js';
import { loadConfig } from '../../src/config/load.js';
import { heldBy } from '../../src/domain/decision.js';
import { LocalForge } from '../../src/forge/local/forge.js';
import { describeNote } from '../../src/forge/reasons.js';
import { startKubeProxy, type KubeProxy } from '../support/kube-api.js';
import { startKubeApiServer, type KubeApiServer } from '../support/kube-apiserver.js';
import { silent } from '../support/world.js';

const NOW = Math.floor(Date.now() / 1000);
let kube: KubeApiServer;
let proxy: KubeProxy;
let token: string;

beforeAll(async () => {
  kube = await startKubeApiServer();
  await kube.install('namespaced', ['shop']);
  token = kube.token();
  kube.apply([
    deployment('web', 5, { requests: { cpu: '250m', memory: '256Mi' }, limits: { memory: '512Mi' } }),
    deployment('api', 6, { requests: { cpu: '500m', memory: '512Mi' }, limits: { cpu: '1', memory: '1Gi' } }),
    { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: { name: 'web', namespace: 'shop' }, spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, minReplicas: 2, maxReplicas: 12 } },
  ]);
}, 180_000);

afterAll(async () => {
  await proxy?.close();
  await kube?.stop();
});

beforeEach(async () => {
  await proxy?.close();
  proxy = await startKubeProxy(kube);
});

function deployment(name: string, replicas: number, resources: Record<string, Record<string, string>>) {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: 'shop', labels: { app: name } },
    spec: { replicas, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name, image: `ghcr.io/acme/${name}:1`, resources }] } } },
  };
}

async function cycle(required: boolean): Promise<CycleReport> {
  const dir = join(mkdtempSync(join(tmpdir(), 'augur-namespaced-')), 'demo');
  const { config: file } = await prepareDemo(dir);
  const raw = parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  raw.targets = (raw.targets as { name: string; namespace: string }[]).filter((t) => t.namespace === 'shop' && ['web', 'api'].includes(t.name));
  writeFileSync(join(dir, 'kubeconfig.json'), kube.kubeConfig({ token, server: proxy.url }).exportConfig());
  raw.cluster = { enabled: true, kubeconfig: 'kubeconfig.json', required, timeout: '5s' };
  writeFileSync(file, stringify(raw));
  const loaded = loadConfig(file);
  return runCycle({
    config: loaded.config,
    metrics: buildMetrics(loaded, NOW),
    workspace: buildWorkspace(loaded),
    forge: new LocalForge(join(dir, 'forge'), () => NOW),
    now: NOW,
    log: silent,
    ...(await buildClusterDeps(loaded, silent)),
  });
}

const outcome = (r: CycleReport, name: string) => r.outcomes.find((o) => o.target.name === name)!;

describe('the namespaced install', () => {
  it('proposes in a watched namespace with its Role alone: no node access, which cluster.required does not hold for', async () => {
    const report = await cycle(true);
    for (const name of ['web', 'api']) expect(outcome(report, name).decision?.verdict, JSON.stringify(outcome(report, name).decision?.notes)).toBe('propose');
    // The only refusals are the cluster-wide reads this install does not grant.
    expect([...new Set(proxy.requests.filter((r) => r.status === 403).map((r) => `${r.resource}:${r.verb}`))].sort()).toEqual(['nodes:list']);
    const used = new Set(proxy.requests.filter((r) => r.status < 400).map((r) => `${r.apiGroup}/${r.resource}:${r.verb}`));
    const granted = grantsOf(NAMESPACED_RULES);
    expect([...used].filter((u) => !granted.has(u))).toEqual([]);
    for (const r of proxy.requests) expect(r.userAgent).toBe(KUBE_USER_AGENT);
  });

  it('a namespace Augur may not read is a permission it lacks, worded so the reader asks the cluster admin; held with cluster.required', async () => {
    const binding = kube.kubectl(['-n', 'shop', 'get', 'rolebinding', 'augur', '-o', 'json']);
    kube.kubectl(['-n', 'shop', 'delete', 'rolebinding', 'augur']);
    try {
      // RBAC changes take effect at once, but give the authorizer's cache a moment.
      await new Promise((r) => setTimeout(r, 500));
      const required = await cycle(true);
      const held = heldBy(outcome(required, 'web').decision!)!;
      expect(held).toMatchObject({ rule: 'cluster.required', failed: [{ check: 'live state' }] });
      const text = describeNote(held);
      expect(text).toContain("get Deployment shop/web: Augur's ServiceAccount (system:serviceaccount:augur:augur) may not get deployments.apps in shop: a permission Augur lacks, not a verdict on the change; ask the cluster admin to apply the RBAC in deploy/");
      expect(text).not.toMatch(/reject|denied by|policy/);
      const optional = await cycle(false);
      expect(outcome(optional, 'web').decision?.verdict).toBe('propose');
      expect(outcome(optional, 'web').findings).toContainEqual({ kind: 'clusterUnread', error: expect.stringContaining('a permission Augur lacks') });
    } finally {
      const restored = JSON.parse(binding);
      delete restored.metadata.resourceVersion;
      delete restored.metadata.uid;
      kube.apply(restored);
    }
  });
});

describe('leader election on a real Lease, under the leader-election Role and the dry-run-only policy', () => {
  function elector(identity: string, clock: { t: number }): LeaderElector {
    return new LeaderElector(kube.kubeConfig({ token, server: proxy.url }), { namespace: 'augur', name: 'augur', identity, leaseDurationSeconds: 30, now: () => new Date(clock.t) });
  }

  it('lets one replica of two lead, renews it, and hands over on release or expiry', async () => {
    const clock = { t: Date.now() };
    const a = elector('augur-0', clock);
    const b = elector('augur-1', clock);

    // Both race for a missing Lease: one create wins, the other gets 409 and does not lead. The
    // creates are held 2 s, so both replicas have read the Lease missing before either is made: on a
    // loaded machine the second read could otherwise find the first replica's Lease and never create.
    const release = proxy.fault({ verb: 'create', resource: 'leases' }, { delayMs: 2000 });
    const [ra, rb] = await Promise.all([a.tryAcquireOrRenew(), b.tryAcquireOrRenew()]).finally(release);
    expect([ra, rb].filter(Boolean)).toHaveLength(1);
    const [leader, other] = ra ? [a, b] : [b, a];
    expect(proxy.requests.some((r) => r.resource === 'leases' && r.status === 409)).toBe(true);

    clock.t += 10_000;
    expect(await leader.tryAcquireOrRenew()).toBe(true); // renews
    expect(await other.tryAcquireOrRenew()).toBe(false); // still held

    // Expiry: the leader stops renewing; after the lease duration the other takes over.
    clock.t += 31_000;
    expect(await other.tryAcquireOrRenew()).toBe(true);
    expect(await leader.tryAcquireOrRenew()).toBe(false);
    const lease = JSON.parse(kube.kubectl(['-n', 'augur', 'get', 'lease', 'augur', '-o', 'json', '--show-managed-fields']));
    expect(lease.spec).toMatchObject({ leaseTransitions: 1, holderIdentity: ra ? 'augur-1' : 'augur-0' });
    // The Lease is a real write the policy lets through; the API server names its writer after the User-Agent.
    expect(new Set(lease.metadata.managedFields.map((m: { manager: string }) => m.manager))).toEqual(new Set(['augur']));

    // Release on a graceful stop: the first one need not wait for expiry.
    await other.release();
    expect(await leader.tryAcquireOrRenew()).toBe(true);
    expect(proxy.requests.filter((r) => r.status === 403)).toEqual([]);
    // The Lease rules are exactly the calls leader election makes.
    const used = new Set(proxy.requests.map((r) => `${r.apiGroup}/${r.resource}:${r.verb}`));
    expect([...used].sort()).toEqual([...grantsOf(LEASE_RULES)].sort());
  });
});
