// The fake Kubernetes API, driven only through the real @kubernetes/client-node 1.x.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import {
  ApiException,
  AppsV1Api,
  AutoscalingV2Api,
  CoordinationV1Api,
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
  KubernetesObjectApi,
  PatchStrategy,
  ServerConfiguration,
  V1MicroTime,
  VersionApi,
  Watch,
  createConfiguration,
  makeInformer,
  setHeaderOptions,
} from '@kubernetes/client-node';
import type { ConfigurationOptions, CoreV1Event, V1Deployment, V1Lease } from '@kubernetes/client-node';
import { CLUSTER_RULES, LEASE_RULES, NAMESPACED_RULES } from '../../src/cluster/permissions.js';
import type { PolicyRule } from '../../src/cluster/permissions.js';
import { startFakeKube } from './kube-api.js';
import { timeoutHttpLibrary } from '../../src/cluster/http.js';
import type { FakeKube, FakeKubeOptions, KubeObject, KubeRequest, RbacGrant } from './kube-api.js';

const started: FakeKube[] = [];
const tempDirs: string[] = [];

afterEach(async () => {
  for (const f of started.splice(0)) await f.close();
  for (const d of tempDirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function start(opts: FakeKubeOptions = {}): Promise<FakeKube> {
  const fake = await startFakeKube({ namespaces: ['shop', 'augur'], ...opts });
  started.push(fake);
  return fake;
}

function kubeConfig(fake: FakeKube, token?: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromString(fake.kubeconfig(token === undefined ? {} : { token }));
  return kc;
}

interface Failure {
  code: number;
  status: { kind?: string; apiVersion?: string; status?: string; message?: string; reason?: string; code?: number; details?: Record<string, unknown> };
}

/** Awaits `p`, expecting client-node's ApiException; returns its code and the parsed Status body. */
async function failure(p: Promise<unknown>): Promise<Failure> {
  try {
    await p;
  } catch (err) {
    if (!(err instanceof ApiException)) throw err;
    const body: unknown = err.body;
    return { code: err.code, status: typeof body === 'string' && body ? (JSON.parse(body) as Failure['status']) : {} };
  }
  throw new Error('expected the request to fail');
}

function deployment(name: string, opts: { namespace?: string; replicas?: number; labels?: Record<string, string> } = {}): KubeObject {
  const replicas = opts.replicas ?? 3;
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: opts.namespace ?? 'shop', labels: { app: name, ...opts.labels } },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: {
          containers: [
            { name: 'app', image: `ghcr.io/acme/${name}:1.4.2`, resources: { requests: { cpu: '250m', memory: '256Mi' }, limits: { cpu: '1', memory: '512Mi' } } },
            { name: 'sidecar', image: 'ghcr.io/acme/proxy:2.0.0', resources: { requests: { cpu: '50m', memory: '64Mi' } } },
          ],
        },
      },
    },
    status: { observedGeneration: 1, replicas, readyReplicas: replicas, availableReplicas: replicas, updatedReplicas: replicas },
  };
}

function hpa(name: string, min: number, max: number): KubeObject {
  return {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: { name, namespace: 'shop' },
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name },
      minReplicas: min,
      maxReplicas: max,
      metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } }],
    },
    status: { currentReplicas: 3, desiredReplicas: 3 },
  };
}

function scaledObject(name: string): KubeObject {
  return {
    apiVersion: 'keda.sh/v1alpha1',
    kind: 'ScaledObject',
    metadata: { name, namespace: 'shop', labels: { app: name } },
    spec: {
      scaleTargetRef: { name },
      minReplicaCount: 2,
      maxReplicaCount: 20,
      triggers: [{ type: 'prometheus', metadata: { serverAddress: 'http://prometheus:9090', query: 'sum(rate(http_requests_total[2m]))', threshold: '100' } }],
    },
  };
}

/** Seeds a small cluster: two web tiers, a database, their autoscalers, quota, limits, nodes, pods. */
function seed(fake: FakeKube): void {
  fake.put(deployment('web', { labels: { tier: 'web' } }));
  fake.put(deployment('api', { replicas: 2, labels: { tier: 'api' } }));
  fake.put(deployment('batch', { namespace: 'default', replicas: 1 }));
  fake.put({
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name: 'db', namespace: 'shop' },
    spec: {
      replicas: 1,
      serviceName: 'db',
      selector: { matchLabels: { app: 'db' } },
      template: { metadata: { labels: { app: 'db' } }, spec: { containers: [{ name: 'pg', image: 'postgres:16', resources: { requests: { cpu: '1', memory: '2Gi' } } }] } },
    },
  });
  fake.put(hpa('web', 3, 10));
  fake.put(scaledObject('api'));
  fake.put({
    apiVersion: 'v1',
    kind: 'ResourceQuota',
    metadata: { name: 'compute', namespace: 'shop' },
    spec: { hard: { 'requests.cpu': '8', 'requests.memory': '16Gi', pods: '40' } },
    status: { hard: { 'requests.cpu': '8', 'requests.memory': '16Gi', pods: '40' }, used: { 'requests.cpu': '3500m', 'requests.memory': '6Gi', pods: '12' } },
  });
  fake.put({
    apiVersion: 'v1',
    kind: 'LimitRange',
    metadata: { name: 'defaults', namespace: 'shop' },
    spec: { limits: [{ type: 'Container', max: { cpu: '4', memory: '8Gi' }, default: { cpu: '500m', memory: '512Mi' }, defaultRequest: { cpu: '100m', memory: '128Mi' } }] },
  });
  for (const n of ['node-a', 'node-b']) {
    fake.put({
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: n, labels: { 'kubernetes.io/hostname': n, 'node.kubernetes.io/instance-type': 'm6i.xlarge' } },
      spec: {},
      status: { capacity: { cpu: '4', memory: '16Gi', pods: '110' }, allocatable: { cpu: '3920m', memory: '15Gi', pods: '110' } },
    });
  }
  for (const [i, node] of ['node-a', 'node-b', 'node-a'].entries()) {
    fake.put({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: `web-5d8f9c-${i}`, namespace: 'shop', labels: { app: 'web' } },
      spec: { nodeName: node, containers: [{ name: 'app', image: 'ghcr.io/acme/web:1.4.2', resources: { requests: { cpu: '250m' } } }] },
      status: { phase: 'Running' },
    });
  }
}

async function until(cond: () => boolean, what: string, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('fake Kubernetes API through @kubernetes/client-node', () => {
  it('serves typed reads of workloads, autoscalers, quotas, limit ranges, nodes and pods', async () => {
    const fake = await start();
    seed(fake);
    const kc = kubeConfig(fake);
    const apps = kc.makeApiClient(AppsV1Api);
    const core = kc.makeApiClient(CoreV1Api);
    const autoscaling = kc.makeApiClient(AutoscalingV2Api);

    const web = await apps.readNamespacedDeployment({ name: 'web', namespace: 'shop' });
    expect(web.kind).toBe('Deployment');
    expect(web.apiVersion).toBe('apps/v1');
    expect(web.spec?.replicas).toBe(3);
    expect(web.metadata?.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(web.metadata?.resourceVersion).toMatch(/^\d+$/);
    expect(web.metadata?.generation).toBe(1);
    expect(web.metadata?.creationTimestamp).toBeInstanceOf(Date);
    expect(web.status?.readyReplicas).toBe(3);
    // apiserver defaulting is visible, as on a real cluster
    expect(web.spec?.strategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } });
    expect(web.spec?.template.spec?.containers[0]?.imagePullPolicy).toBe('IfNotPresent');
    expect(web.spec?.template.spec?.containers[0]?.resources?.limits).toEqual({ cpu: '1', memory: '512Mi' });

    const tierWeb = await apps.listNamespacedDeployment({ namespace: 'shop', labelSelector: 'tier=web' });
    expect(tierWeb.items.map((d) => d.metadata?.name)).toEqual(['web']);
    const setBased = await apps.listNamespacedDeployment({ namespace: 'shop', labelSelector: 'app in (web,api),tier!=web' });
    expect(setBased.items.map((d) => d.metadata?.name)).toEqual(['api']);
    const everywhere = await apps.listDeploymentForAllNamespaces();
    expect(everywhere.items.map((d) => `${d.metadata?.namespace}/${d.metadata?.name}`)).toEqual(['default/batch', 'shop/api', 'shop/web']);
    expect(everywhere.metadata?.resourceVersion).toMatch(/^\d+$/);
    const paged = await apps.listNamespacedDeployment({ namespace: 'shop', limit: 1 });
    expect(paged.items).toHaveLength(1);
    expect(paged.metadata?.remainingItemCount).toBe(1);
    const rest = await apps.listNamespacedDeployment({ namespace: 'shop', limit: 1, _continue: paged.metadata?._continue });
    expect(rest.items.map((d) => d.metadata?.name)).toEqual(['web']);

    const sts = await apps.readNamespacedStatefulSet({ name: 'db', namespace: 'shop' });
    expect(sts.spec?.podManagementPolicy).toBe('OrderedReady');

    const hpas = await autoscaling.listNamespacedHorizontalPodAutoscaler({ namespace: 'shop' });
    expect(hpas.items).toHaveLength(1);
    expect(hpas.items[0]?.spec).toMatchObject({ minReplicas: 3, maxReplicas: 10, scaleTargetRef: { kind: 'Deployment', name: 'web' } });
    expect(hpas.items[0]?.spec?.metrics?.[0]?.resource?.target.averageUtilization).toBe(70);
    expect(hpas.items[0]?.status?.desiredReplicas).toBe(3);

    const quota = await core.readNamespacedResourceQuota({ name: 'compute', namespace: 'shop' });
    expect(quota.status?.hard?.['requests.cpu']).toBe('8');
    expect(quota.status?.used).toEqual({ 'requests.cpu': '3500m', 'requests.memory': '6Gi', pods: '12' });
    const limits = await core.listNamespacedLimitRange({ namespace: 'shop' });
    expect(limits.items[0]?.spec?.limits[0]?.defaultRequest).toEqual({ cpu: '100m', memory: '128Mi' });

    const nodes = await core.listNode();
    expect(nodes.items.map((n) => n.status?.allocatable?.cpu)).toEqual(['3920m', '3920m']);
    const node = await core.readNode({ name: 'node-b' });
    expect(node.metadata?.labels?.['node.kubernetes.io/instance-type']).toBe('m6i.xlarge');

    const pods = await core.listNamespacedPod({ namespace: 'shop', labelSelector: 'app=web', fieldSelector: 'spec.nodeName=node-a' });
    expect(pods.items.map((p) => p.metadata?.name)).toEqual(['web-5d8f9c-0', 'web-5d8f9c-2']);

    const missing = await failure(apps.readNamespacedDeployment({ name: 'nope', namespace: 'shop' }));
    expect(missing.code).toBe(404);
    expect(missing.status).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'deployments.apps "nope" not found',
      reason: 'NotFound',
      details: { name: 'nope', group: 'apps', kind: 'deployments' },
      code: 404,
    });
    const badSelector = await failure(core.listNamespacedPod({ namespace: 'shop', fieldSelector: 'spec.hostname=x' }));
    expect(badSelector).toMatchObject({ code: 400, status: { reason: 'BadRequest', message: 'field label not supported: spec.hostname' } });

    expect(fake.requests.every((r) => r.verb === 'get' || r.verb === 'list')).toBe(true);
    expect(fake.requests[0]).toMatchObject({ verb: 'get', apiGroup: 'apps', resource: 'deployments', namespace: 'shop', name: 'web', dryRun: false, status: 200 });
    expect(fake.requests.find((r) => r.resource === 'nodes' && r.verb === 'list')).toMatchObject({ apiGroup: '', status: 200 });
    expect(fake.requests.find((r) => r.resource === 'nodes' && r.verb === 'list')?.namespace).toBeUndefined();
  });

  it('answers lists like the apiserver: XList kind, list resourceVersion, items without apiVersion/kind', async () => {
    const fake = await start();
    seed(fake);
    const res = await fetch(`${fake.url}/apis/apps/v1/namespaces/shop/deployments?labelSelector=app%3Dweb`, { headers: { Authorization: 'Bearer kube-token' } });
    expect(res.headers.get('content-type')).toBe('application/json');
    const list = (await res.json()) as { kind: string; apiVersion: string; metadata: { resourceVersion: string }; items: Record<string, unknown>[] };
    expect(list.kind).toBe('DeploymentList');
    expect(list.apiVersion).toBe('apps/v1');
    expect(Number(list.metadata.resourceVersion)).toBeGreaterThan(1000);
    expect(list.items).toHaveLength(1);
    expect(list.items[0]).not.toHaveProperty('kind');
    expect(list.items[0]).toHaveProperty('metadata.name', 'web');
    const so = (await (await fetch(`${fake.url}/apis/keda.sh/v1alpha1/scaledobjects`, { headers: { Authorization: 'Bearer kube-token' } })).json()) as {
      kind: string;
      items: { kind: string }[];
    };
    expect(so.kind).toBe('ScaledObjectList');
    expect(so.items[0]?.kind).toBe('ScaledObject'); // custom resources keep it

    const anonymous = await fetch(`${fake.url}/api/v1/nodes`);
    expect(anonymous.status).toBe(401);
    expect(await anonymous.json()).toEqual({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'Unauthorized', reason: 'Unauthorized', code: 401 });
  });

  it('rejects a wrong bearer token with 401', async () => {
    const fake = await start();
    const core = kubeConfig(fake, 'stolen').makeApiClient(CoreV1Api);
    const err = await failure(core.listNode());
    expect(err.code).toBe(401);
  });

  it('serves KEDA ScaledObjects through CustomObjectsApi, with CRD-style validation', async () => {
    const fake = await start();
    seed(fake);
    const custom = kubeConfig(fake).makeApiClient(CustomObjectsApi);
    const keda = { group: 'keda.sh', version: 'v1alpha1', plural: 'scaledobjects' };

    const list = (await custom.listNamespacedCustomObject({ ...keda, namespace: 'shop', labelSelector: 'app=api' })) as { kind: string; items: KubeObject[] };
    expect(list.kind).toBe('ScaledObjectList');
    expect(list.items.map((o) => o.metadata.name)).toEqual(['api']);
    const so = (await custom.getNamespacedCustomObject({ ...keda, namespace: 'shop', name: 'api' })) as KubeObject;
    expect(so).toMatchObject({ apiVersion: 'keda.sh/v1alpha1', kind: 'ScaledObject', spec: { minReplicaCount: 2, maxReplicaCount: 20 } });
    expect(so.metadata.generation).toBe(1);

    const bad = await failure(
      custom.createNamespacedCustomObject({ ...keda, namespace: 'shop', body: { apiVersion: 'keda.sh/v1alpha1', kind: 'ScaledObject', metadata: { name: 'bad' }, spec: { minReplicaCount: 'two' } } }),
    );
    expect(bad.code).toBe(422);
    expect(bad.status.reason).toBe('Invalid');
    expect(bad.status.message).toBe(
      'ScaledObject.keda.sh "bad" is invalid: [spec.scaleTargetRef: Required value, spec.triggers: Required value, spec.minReplicaCount: Invalid value: "string": spec.minReplicaCount in body must be of type integer: "two"]',
    );
    expect(bad.status.details).toMatchObject({ name: 'bad', group: 'keda.sh', kind: 'ScaledObject' });

    // a custom resource takes merge patches but not strategic merge patches
    const smp = await failure(
      custom.patchNamespacedCustomObject({ ...keda, namespace: 'shop', name: 'api', body: { spec: { maxReplicaCount: 30 } } }, setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch)),
    );
    expect(smp.code).toBe(415);
    const patched = (await custom.patchNamespacedCustomObject(
      { ...keda, namespace: 'shop', name: 'api', body: { spec: { maxReplicaCount: 30 } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    )) as KubeObject;
    expect(patched.spec).toMatchObject({ minReplicaCount: 2, maxReplicaCount: 30 });
    expect(patched.metadata.generation).toBe(2);
  });

  it('creates Events (CoreV1Api.createNamespacedEvent) and records them', async () => {
    const fake = await start();
    seed(fake);
    const core = kubeConfig(fake).makeApiClient(CoreV1Api);
    const web = fake.get('apps/v1', 'Deployment', 'shop', 'web');
    const now = new Date();
    const event: CoreV1Event = {
      metadata: { generateName: 'web.', namespace: 'shop' },
      involvedObject: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', namespace: 'shop', uid: web?.metadata.uid, resourceVersion: web?.metadata.resourceVersion },
      reason: 'ScalingProposed',
      message: 'Augur proposed replicas 3 -> 5 in https://github.com/acme/gitops/pull/7',
      type: 'Normal',
      source: { component: 'augur' },
      firstTimestamp: now,
      lastTimestamp: now,
      count: 1,
    };
    const created = await core.createNamespacedEvent({ namespace: 'shop', body: event });
    expect(created.metadata.name).toMatch(/^web\.[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    expect(created.firstTimestamp?.toISOString()).toBe(`${now.toISOString().slice(0, 19)}.000Z`); // metav1.Time has second precision
    expect(fake.events).toHaveLength(1);
    expect(fake.events[0]).toMatchObject({ kind: 'Event', reason: 'ScalingProposed', involvedObject: { kind: 'Deployment', name: 'web' }, reportingComponent: '' });

    const listed = await core.listNamespacedEvent({ namespace: 'shop', fieldSelector: 'involvedObject.kind=Deployment,involvedObject.name=web,reason=ScalingProposed' });
    expect(listed.items.map((e) => e.message)).toEqual([event.message]);

    // a core/v1 Event whose involvedObject lives elsewhere is invalid
    const elsewhere = await failure(core.createNamespacedEvent({ namespace: 'shop', body: { ...event, involvedObject: { ...event.involvedObject, namespace: 'default' } } }));
    expect(elsewhere.code).toBe(422);
    expect(elsewhere.status.message).toMatch(/^Event "web\.[a-z0-9]{5}" is invalid: involvedObject\.namespace: Invalid value: "default": does not match event\.namespace$/);

    // eventTime is a MicroTime: a plain Date serializes with 3 fractional digits and the apiserver refuses it
    const plainDate = await failure(
      core.createNamespacedEvent({ namespace: 'shop', body: { ...event, eventTime: new Date('2026-01-02T03:04:05.678Z'), reportingComponent: 'augur', reportingInstance: 'augur-0', action: 'Propose' } }),
    );
    expect(plainDate.code).toBe(400);
    expect(plainDate.status.message).toBe(
      'Event in version "v1" cannot be handled as a Event: parsing time "2026-01-02T03:04:05.678Z" as "2006-01-02T15:04:05.000000Z07:00": cannot parse ".678Z" as ".000000"',
    );
    const micro = await core.createNamespacedEvent({
      namespace: 'shop',
      body: { ...event, eventTime: new V1MicroTime('2026-01-02T03:04:05.678Z'), reportingComponent: 'augur', reportingInstance: 'augur-0', action: 'Propose' },
    });
    expect(String(micro.eventTime)).toBe('2026-01-02T03:04:05.678000Z');
    // a "new" event (eventTime set) needs the reporting fields
    const incomplete = await failure(core.createNamespacedEvent({ namespace: 'shop', body: { ...event, eventTime: new V1MicroTime() } }));
    expect(incomplete.status.details?.causes).toEqual([
      { reason: 'FieldValueRequired', message: 'Required value', field: 'reportingComponent' },
      { reason: 'FieldValueRequired', message: 'Required value', field: 'reportingInstance' },
      { reason: 'FieldValueRequired', message: 'Required value', field: 'action' },
    ]);
    expect(fake.events).toHaveLength(2);
  });

  it('supports leader election on a Lease: create, read, renew, and 409 on a stale resourceVersion', async () => {
    const fake = await start();
    const coord = kubeConfig(fake).makeApiClient(CoordinationV1Api);
    const lease: V1Lease = {
      metadata: { name: 'augur-leader', namespace: 'augur' },
      spec: { holderIdentity: 'augur-0', leaseDurationSeconds: 15, acquireTime: new V1MicroTime(), renewTime: new V1MicroTime(), leaseTransitions: 0 },
    };
    const created = await coord.createNamespacedLease({ namespace: 'augur', body: lease });
    expect(created.metadata?.resourceVersion).toMatch(/^\d+$/);
    const dup = await failure(coord.createNamespacedLease({ namespace: 'augur', body: lease }));
    expect(dup).toMatchObject({ code: 409, status: { reason: 'AlreadyExists', message: 'leases.coordination.k8s.io "augur-leader" already exists' } });

    const read = await coord.readNamespacedLease({ name: 'augur-leader', namespace: 'augur' });
    expect(read.spec?.holderIdentity).toBe('augur-0');
    // client-node has no deserializer for MicroTime: the value read back is the server's string
    expect(typeof read.spec?.renewTime).toBe('string');
    expect(String(read.spec?.renewTime)).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/);

    // the leader renews with the resourceVersion it read
    read.spec = { ...read.spec, renewTime: new V1MicroTime() };
    const renewed = await coord.replaceNamespacedLease({ name: 'augur-leader', namespace: 'augur', body: read });
    expect(Number(renewed.metadata?.resourceVersion)).toBeGreaterThan(Number(read.metadata?.resourceVersion));

    // a candidate that read before the renewal loses the race
    const stale = { ...read, spec: { ...read.spec, holderIdentity: 'augur-1', leaseTransitions: 1 } };
    const lost = await failure(coord.replaceNamespacedLease({ name: 'augur-leader', namespace: 'augur', body: stale }));
    expect(lost.code).toBe(409);
    expect(lost.status).toMatchObject({
      reason: 'Conflict',
      message: 'Operation cannot be fulfilled on leases.coordination.k8s.io "augur-leader": the object has been modified; please apply your changes to the latest version and try again',
      details: { name: 'augur-leader', group: 'coordination.k8s.io', kind: 'leases' },
    });
    expect(fake.get('coordination.k8s.io/v1', 'Lease', 'augur', 'augur-leader')?.spec).toMatchObject({ holderIdentity: 'augur-0' });

    // leases refuse unconditional updates
    const unconditional = await failure(
      coord.replaceNamespacedLease({ name: 'augur-leader', namespace: 'augur', body: { ...stale, metadata: { name: 'augur-leader', namespace: 'augur' } } }),
    );
    expect(unconditional.code).toBe(422);
    expect(unconditional.status.message).toBe('Lease.coordination.k8s.io "augur-leader" is invalid: metadata.resourceVersion: Invalid value: 0x0: must be specified for an update');

    // a plain Date in a MicroTime field is refused as by a real apiserver
    const plain = await failure(
      coord.createNamespacedLease({ namespace: 'augur', body: { metadata: { name: 'other' }, spec: { holderIdentity: 'x', renewTime: new Date('2026-03-04T05:06:07.089Z') } } }),
    );
    expect(plain.code).toBe(400);
    expect(plain.status.message).toContain('cannot parse ".089Z" as ".000000"');

    // a namespace that does not exist
    const nowhere = await failure(coord.createNamespacedLease({ namespace: 'nowhere', body: { ...lease, metadata: { name: 'augur-leader' } } }));
    expect(nowhere).toMatchObject({ code: 404, status: { message: 'namespaces "nowhere" not found' } });

    expect(fake.requests.map((r) => `${r.verb} ${r.status}`)).toEqual(['create 201', 'create 409', 'get 200', 'update 200', 'update 409', 'update 422', 'create 400', 'create 404']);
  });

  it('dry-runs a create of a Deployment copy: validation and admission run, nothing is stored', async () => {
    const fake = await start();
    seed(fake);
    const apps = kc(fake).makeApiClient(AppsV1Api);
    const autoscaling = kc(fake).makeApiClient(AutoscalingV2Api);
    const live = await apps.readNamespacedDeployment({ name: 'web', namespace: 'shop' });
    const before = fake.requests.length;
    const rvBefore = fake.get('apps/v1', 'Deployment', 'shop', 'web')?.metadata.resourceVersion;

    const copy: V1Deployment = {
      metadata: { generateName: 'web-augur-dryrun-', namespace: 'shop', labels: live.metadata?.labels, annotations: { 'augur.dev/proposal': 'replicas 3 -> 5' } },
      spec: { ...live.spec!, replicas: 5 },
    };
    const judged = await apps.createNamespacedDeployment({ namespace: 'shop', body: copy, dryRun: 'All' });
    expect(judged.metadata?.name).toMatch(/^web-augur-dryrun-[a-z0-9]{5}$/);
    expect(judged.metadata?.uid).toBeDefined();
    expect(judged.metadata?.resourceVersion).toBeUndefined();
    expect(judged.metadata?.generation).toBe(1);
    expect(judged.spec?.replicas).toBe(5);
    expect(judged.status).toEqual({});
    expect(fake.get('apps/v1', 'Deployment', 'shop', judged.metadata?.name ?? '')).toBeUndefined();
    expect(fake.list('apps/v1', 'Deployment', 'shop').map((d) => d.metadata.name)).toEqual(['api', 'web']);
    expect(fake.get('apps/v1', 'Deployment', 'shop', 'web')?.metadata.resourceVersion).toBe(rvBefore);
    expect(fake.requests.slice(before)).toEqual([expect.objectContaining({ verb: 'create', apiGroup: 'apps', resource: 'deployments', namespace: 'shop', dryRun: true, status: 201 })]);

    // a proposal with requests above limits is refused like the apiserver does
    const tooBig = structuredClone(copy);
    tooBig.spec!.template.spec!.containers[0]!.resources = { requests: { cpu: '2' }, limits: { cpu: '1' } };
    const invalid = await failure(apps.createNamespacedDeployment({ namespace: 'shop', body: tooBig, dryRun: 'All' }));
    expect(invalid.code).toBe(422);
    expect(invalid.status.message).toMatch(
      /^Deployment\.apps "web-augur-dryrun-[a-z0-9]{5}" is invalid: spec\.template\.spec\.containers\[0\]\.resources\.requests: Invalid value: "2": must be less than or equal to cpu limit of 1$/,
    );
    expect(invalid.status.details?.causes).toEqual([
      { reason: 'FieldValueInvalid', message: 'Invalid value: "2": must be less than or equal to cpu limit of 1', field: 'spec.template.spec.containers[0].resources.requests' },
    ]);
    const negative = await failure(apps.createNamespacedDeployment({ namespace: 'shop', body: { ...copy, spec: { ...copy.spec!, replicas: -1 } }, dryRun: 'All' }));
    expect(negative.status.details?.causes).toEqual([{ reason: 'FieldValueInvalid', message: 'Invalid value: -1: must be greater than or equal to 0', field: 'spec.replicas' }]);

    // a dry run under the live name collides, as on a real apiserver (dryRun does not skip the existence check)
    const sameName = await failure(apps.createNamespacedDeployment({ namespace: 'shop', body: { ...copy, metadata: { name: 'web' } }, dryRun: 'All' }));
    expect(sameName).toMatchObject({ code: 409, status: { reason: 'AlreadyExists' } });

    // a copy that still carries the live resourceVersion passes a dry run but a real create refuses it
    const withRv: V1Deployment = { ...copy, metadata: { name: 'web-copy', resourceVersion: live.metadata?.resourceVersion } };
    await apps.createNamespacedDeployment({ namespace: 'shop', body: withRv, dryRun: 'All' });
    const realCreate = await failure(apps.createNamespacedDeployment({ namespace: 'shop', body: withRv }));
    expect(realCreate).toMatchObject({ code: 500, status: { message: 'resourceVersion should not be set on objects to be created' } });

    // HPA proposals: min above max is invalid
    const badHpa = await failure(
      autoscaling.createNamespacedHorizontalPodAutoscaler({
        namespace: 'shop',
        dryRun: 'All',
        body: { metadata: { generateName: 'web-augur-dryrun-' }, spec: { scaleTargetRef: { kind: 'Deployment', name: 'web', apiVersion: 'apps/v1' }, minReplicas: 6, maxReplicas: 4 } },
      }),
    );
    expect(badHpa.code).toBe(422);
    expect(badHpa.status.details?.causes).toEqual([{ reason: 'FieldValueInvalid', message: 'Invalid value: 4: must be greater than or equal to `minReplicas`', field: 'spec.maxReplicas' }]);
    const goodHpa = await autoscaling.createNamespacedHorizontalPodAutoscaler({
      namespace: 'shop',
      dryRun: 'All',
      body: {
        metadata: { generateName: 'web-augur-dryrun-' },
        spec: { scaleTargetRef: { kind: 'Deployment', name: 'web', apiVersion: 'apps/v1' }, minReplicas: 4, maxReplicas: 12, behavior: { scaleDown: { stabilizationWindowSeconds: 600 } } },
      },
    });
    expect(goodHpa.spec?.metrics?.[0]?.resource?.target).toEqual({ type: 'Utilization', averageUtilization: 80 }); // defaulted
    expect(goodHpa.spec?.behavior?.scaleDown).toEqual({ stabilizationWindowSeconds: 600, selectPolicy: 'Max', policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }] });
    expect(fake.list('autoscaling/v2', 'HorizontalPodAutoscaler', 'shop').map((h) => h.metadata.name)).toEqual(['web']);

    const unknownDryRun = await failure(apps.createNamespacedDeployment({ namespace: 'shop', body: copy, dryRun: 'Yes' }));
    expect(unknownDryRun.code).toBe(422);
  });

  it('surfaces an admission webhook denial in the client error body', async () => {
    const fake = await start();
    seed(fake);
    const apps = kubeConfig(fake).makeApiClient(AppsV1Api);
    const seen: { op: string; dryRun: boolean; name: string }[] = [];
    fake.admission((obj, op, info) => {
      seen.push({ op, dryRun: info.dryRun, name: info.name });
      const spec = obj.spec as { replicas?: number };
      if (obj.kind === 'Deployment' && (spec.replicas ?? 0) > 8) {
        return `\n\nresource Deployment/shop/${info.name} was blocked due to the following policies\n\nmax-replicas:\n  check-replicas: 'validation error: at most 8 replicas. rule check-replicas failed at path /spec/replicas/'`;
      }
      return undefined;
    });
    const body: V1Deployment = { metadata: { name: 'web-augur-dryrun-x1' }, spec: { ...(await apps.readNamespacedDeployment({ name: 'web', namespace: 'shop' })).spec!, replicas: 12 } };
    const denied = await failure(apps.createNamespacedDeployment({ namespace: 'shop', body, dryRun: 'All' }));
    expect(denied.code).toBe(403);
    expect(denied.status.reason).toBe('Forbidden');
    expect(denied.status.message).toBe(
      `deployments.apps "web-augur-dryrun-x1" is forbidden: admission webhook "validate.kyverno.svc-fail" denied the request: \n\nresource Deployment/shop/web-augur-dryrun-x1 was blocked due to the following policies\n\nmax-replicas:\n  check-replicas: 'validation error: at most 8 replicas. rule check-replicas failed at path /spec/replicas/'`,
    );
    expect(denied.status.details).toEqual({ name: 'web-augur-dryrun-x1', group: 'apps', kind: 'deployments' });
    expect(seen).toEqual([{ op: 'CREATE', dryRun: true, name: 'web-augur-dryrun-x1' }]);

    // a webhook may set its own code, e.g. Gatekeeper-style 422
    const undo = fake.admission(() => ({ webhook: 'validation.gatekeeper.sh', code: 422, reason: 'Invalid', message: '[container-limits] container <app> has no memory limit' }));
    const gk = await failure(apps.createNamespacedDeployment({ namespace: 'shop', body: { ...body, spec: { ...body.spec!, replicas: 4 } }, dryRun: 'All' }));
    expect(gk.code).toBe(422);
    expect(gk.status.message).toContain('admission webhook "validation.gatekeeper.sh" denied the request: [container-limits] container <app> has no memory limit');
    undo();
    await apps.createNamespacedDeployment({ namespace: 'shop', body: { ...body, spec: { ...body.spec!, replicas: 4 } }, dryRun: 'All' });
  });

  it('answers forbid() matches with 403 Status objects like RBAC', async () => {
    const fake = await start();
    seed(fake);
    const kc = kubeConfig(fake);
    const core = kc.makeApiClient(CoreV1Api);
    const apps = kc.makeApiClient(AppsV1Api);
    const undoNodes = fake.forbid({ resource: 'nodes' });
    fake.forbid({ apiGroup: 'apps', resource: 'deployments', verb: 'get', namespace: 'shop' });

    const nodes = await failure(core.listNode());
    expect(nodes.code).toBe(403);
    expect(nodes.status).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'nodes is forbidden: User "system:serviceaccount:augur:augur" cannot list resource "nodes" in API group "" at the cluster scope',
      reason: 'Forbidden',
      details: { kind: 'nodes' },
      code: 403,
    });
    const get = await failure(apps.readNamespacedDeployment({ name: 'web', namespace: 'shop' }));
    expect(get.status.message).toBe('deployments.apps "web" is forbidden: User "system:serviceaccount:augur:augur" cannot get resource "deployments" in API group "apps" in the namespace "shop"');
    expect(get.status.details).toEqual({ name: 'web', group: 'apps', kind: 'deployments' });
    // other verbs and namespaces still work
    expect((await apps.listNamespacedDeployment({ namespace: 'shop' })).items).toHaveLength(2);
    expect((await apps.readNamespacedDeployment({ name: 'batch', namespace: 'default' })).metadata?.name).toBe('batch');
    undoNodes();
    expect((await core.listNode()).items).toHaveLength(2);
  });

  it('enforces the RBAC rules of src/cluster/permissions.ts and records every call for a later audit', async () => {
    const toGrants = (rules: PolicyRule[], namespaces?: string[]): RbacGrant[] => rules.map((r) => ({ ...r, ...(namespaces ? { namespaces } : {}) }));
    const fake = await start({ rbac: [...toGrants(NAMESPACED_RULES, ['shop']), ...toGrants(CLUSTER_RULES), ...toGrants(LEASE_RULES, ['augur'])] });
    seed(fake);
    const kc = kubeConfig(fake);
    const apps = kc.makeApiClient(AppsV1Api);
    const core = kc.makeApiClient(CoreV1Api);
    const coord = kc.makeApiClient(CoordinationV1Api);

    const web = await apps.readNamespacedDeployment({ name: 'web', namespace: 'shop' });
    await core.listNode();
    await core.listNamespacedResourceQuota({ namespace: 'shop' });
    await apps.createNamespacedDeployment({ namespace: 'shop', dryRun: 'All', body: { metadata: { generateName: 'web-dry-' }, spec: web.spec! } });
    await core.createNamespacedEvent({
      namespace: 'shop',
      body: { metadata: { generateName: 'web.' }, involvedObject: { kind: 'Deployment', name: 'web', namespace: 'shop' }, reason: 'ScalingProposed', type: 'Normal' },
    });
    const lease = await coord.createNamespacedLease({ namespace: 'augur', body: { metadata: { name: 'augur-leader' }, spec: { holderIdentity: 'a', leaseDurationSeconds: 15 } } });
    await coord.replaceNamespacedLease({ name: 'augur-leader', namespace: 'augur', body: lease });

    // outside the rules: RBAC's 403
    const patch = await failure(apps.patchNamespacedDeployment({ name: 'web', namespace: 'shop', body: [{ op: 'replace', path: '/spec/replicas', value: 5 }] }));
    expect(patch.status.message).toBe('deployments.apps "web" is forbidden: User "system:serviceaccount:augur:augur" cannot patch resource "deployments" in API group "apps" in the namespace "shop"');
    const otherNs = await failure(apps.listNamespacedDeployment({ namespace: 'default' }));
    expect(otherNs.code).toBe(403);
    const listEvents = await failure(core.listNamespacedEvent({ namespace: 'shop' }));
    expect(listEvents.status.message).toBe('events is forbidden: User "system:serviceaccount:augur:augur" cannot list resource "events" in API group "" in the namespace "shop"');
    const leaseElsewhere = await failure(coord.readNamespacedLease({ name: 'x', namespace: 'shop' }));
    expect(leaseElsewhere.code).toBe(403);

    // what an integration test can assert about the adapter's calls
    const denied = fake.requests.filter((r: KubeRequest) => r.status === 403).map((r) => `${r.verb} ${r.resource} ${r.namespace ?? '*'}`);
    expect(denied).toEqual(['patch deployments shop', 'list deployments default', 'list events shop', 'get leases shop']);
    const workloadCreates = fake.requests.filter((r) => r.verb === 'create' && (r.resource === 'deployments' || r.resource === 'horizontalpodautoscalers'));
    expect(workloadCreates.every((r) => r.dryRun)).toBe(true);
  });

  it('delays answers so client-side timeouts can be tested (HttpLibrary with AbortSignal.timeout)', async () => {
    const fake = await start();
    seed(fake);
    const kc = kubeConfig(fake);
    fake.delay({ resource: 'deployments', verb: 'get' }, 1500);

    // What works with client-node 1.3.0: an API client built with its own HttpLibrary. This is what
    // kc.makeApiClient does, plus httpApi; the kubeconfig stays the auth method (token, TLS agent).
    const withTimeout = (ms: number) =>
      new AppsV1Api(createConfiguration({ baseServer: new ServerConfiguration(kc.getCurrentCluster()?.server ?? '', {}), authMethods: { default: kc }, httpApi: timeoutHttpLibrary(ms) }));
    const fast = withTimeout(150);
    const t0 = Date.now();
    const err = await fast.readNamespacedDeployment({ name: 'web', namespace: 'shop' }).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(Date.now() - t0).toBeLessThan(1000);
    expect(err?.name).toBe('AbortError');
    await until(() => fake.requests.at(-1)?.clientAborted === true, 'the server to see the client go away');
    expect(fake.requests.at(-1)).toMatchObject({ verb: 'get', resource: 'deployments', name: 'web' });

    // only matching requests are held; the same client answers the others normally
    expect((await fast.listNamespacedDeployment({ namespace: 'shop' })).items).toHaveLength(2);
    // a timeout longer than the delay rides it out
    const patient = await withTimeout(5000).readNamespacedDeployment({ name: 'web', namespace: 'shop' });
    expect(patient.metadata?.name).toBe('web');
    expect(fake.requests.at(-1)?.clientAborted).toBeUndefined();
  });

  // If this fails after a client-node upgrade, per-call `{ httpApi }` options may work now.
  it('documents that client-node 1.3.0 ignores a per-call httpApi (so a per-call timeout this way does nothing)', async () => {
    const fake = await start();
    seed(fake);
    fake.delay({ resource: 'deployments', verb: 'get' }, 400);
    const apps = kubeConfig(fake).makeApiClient(AppsV1Api);
    const perCall: ConfigurationOptions = { httpApi: timeoutHttpLibrary(50) };
    const t0 = Date.now();
    // ObservableAPI builds `_config` with the call's httpApi but sends with this.configuration.httpApi
    const web = await apps.readNamespacedDeployment({ name: 'web', namespace: 'shop' }, perCall);
    expect(web.metadata?.name).toBe('web');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(380);
  });

  it('applies json-patch (client default), merge and strategic merge patches', async () => {
    const fake = await start();
    seed(fake);
    const apps = kubeConfig(fake).makeApiClient(AppsV1Api);
    const autoscaling = kubeConfig(fake).makeApiClient(AutoscalingV2Api);

    const h = await autoscaling.patchNamespacedHorizontalPodAutoscaler({ name: 'web', namespace: 'shop', body: [{ op: 'replace', path: '/spec/maxReplicas', value: 12 }] });
    expect(h.spec?.maxReplicas).toBe(12);
    expect(h.metadata?.generation).toBe(2);
    expect(fake.requests.at(-1)?.contentType).toBe('application/json-patch+json');
    const testFailed = await failure(autoscaling.patchNamespacedHorizontalPodAutoscaler({ name: 'web', namespace: 'shop', body: [{ op: 'test', path: '/spec/maxReplicas', value: 10 }] }));
    expect(testFailed.code).toBe(422);

    const merged = await apps.patchNamespacedDeployment(
      { name: 'web', namespace: 'shop', body: { metadata: { labels: { tier: null, team: 'storefront' } } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    expect(merged.metadata?.labels).toEqual({ app: 'web', team: 'storefront' });
    expect(merged.metadata?.generation).toBe(1); // metadata only
    expect(merged.status?.readyReplicas).toBe(3); // status untouched by the main resource

    const smp = await apps.patchNamespacedDeployment(
      { name: 'web', namespace: 'shop', body: { spec: { template: { spec: { containers: [{ name: 'app', resources: { requests: { cpu: '300m' } } }] } } } } },
      setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
    );
    expect(smp.spec?.template.spec?.containers.map((c) => [c.name, c.resources?.requests?.cpu])).toEqual([
      ['app', '300m'],
      ['sidecar', '50m'],
    ]);
    expect(smp.metadata?.generation).toBe(2);

    const stale = await failure(
      apps.patchNamespacedDeployment(
        { name: 'web', namespace: 'shop', body: { metadata: { resourceVersion: '1' }, spec: { replicas: 4 } } },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      ),
    );
    expect(stale).toMatchObject({ code: 409, status: { reason: 'Conflict' } });
    const ssa = await failure(apps.patchNamespacedDeployment({ name: 'web', namespace: 'shop', body: {} }, setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply)));
    expect(ssa.code).toBe(415);
  });

  it('validates writes: 422 Invalid with field causes, 400 for undecodable bodies', async () => {
    const fake = await start();
    seed(fake);
    const apps = kubeConfig(fake).makeApiClient(AppsV1Api);
    const body = deployment('bad') as unknown as V1Deployment;

    const mismatched = structuredClone(body);
    mismatched.spec!.template.metadata!.labels = { app: 'other' };
    mismatched.spec!.template.spec!.containers.push({ name: 'app', image: '' });
    const invalid = await failure(apps.createNamespacedDeployment({ namespace: 'shop', body: mismatched }));
    expect(invalid.code).toBe(422);
    expect(invalid.status.message).toBe(
      'Deployment.apps "bad" is invalid: [spec.template.metadata.labels: Invalid value: map[string]string{"app":"other"}: `selector` does not match template `labels`, spec.template.spec.containers[2].name: Duplicate value: "app", spec.template.spec.containers[2].image: Required value]',
    );

    const noSelector = structuredClone(body) as unknown as { spec: Record<string, unknown> };
    delete noSelector.spec.selector;
    const missing = await failure(apps.createNamespacedDeployment({ namespace: 'shop', body: noSelector as unknown as V1Deployment }));
    expect(missing.status.details?.causes).toEqual([{ reason: 'FieldValueRequired', message: 'Required value', field: 'spec.selector' }]);

    const badName = await failure(apps.createNamespacedDeployment({ namespace: 'shop', body: { ...body, metadata: { name: 'Web_1' } } }));
    expect(badName.status.message).toContain('metadata.name: Invalid value: "Web_1": a lowercase RFC 1123 subdomain must consist of');

    // wrong JSON types and bad quantities fail decoding, before validation
    const raw = (b: unknown) =>
      fetch(`${fake.url}/apis/apps/v1/namespaces/shop/deployments`, { method: 'POST', headers: { Authorization: 'Bearer kube-token', 'Content-Type': 'application/json' }, body: JSON.stringify(b) });
    const asString = await raw({ ...body, spec: { ...body.spec, replicas: '3' } });
    expect(asString.status).toBe(400);
    expect(((await asString.json()) as { message: string }).message).toBe(
      'Deployment in version "v1" cannot be handled as a Deployment: json: cannot unmarshal string into Go struct field Deployment.spec.replicas of type int32',
    );
    const quantity = structuredClone(body);
    quantity.spec!.template.spec!.containers[0]!.resources = { limits: { cpu: 'lots' } };
    const q = await raw(quantity);
    expect(((await q.json()) as { message: string }).message).toBe(
      `Deployment in version "v1" cannot be handled as a Deployment: quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'`,
    );
    const wrongKind = await raw({ ...body, apiVersion: 'apps/v1beta1' });
    expect(((await wrongKind.json()) as { message: string }).message).toBe('the API version in the data (apps/v1beta1) does not match the expected API version (apps/v1)');

    // selector is immutable on update
    const web = await apps.readNamespacedDeployment({ name: 'web', namespace: 'shop' });
    web.spec!.selector = { matchLabels: { app: 'web', v: '2' } };
    web.spec!.template.metadata!.labels = { app: 'web', v: '2' };
    const immutable = await failure(apps.replaceNamespacedDeployment({ name: 'web', namespace: 'shop', body: web }));
    expect(immutable.status.details?.causes).toEqual([
      { reason: 'FieldValueInvalid', message: 'Invalid value: {"matchLabels":{"app":"web","v":"2"}}: field is immutable', field: 'spec.selector' },
    ]);

    // seeding refuses what the apiserver would refuse
    expect(() => fake.put(hpa('broken', 5, 2))).toThrow(/spec\.maxReplicas: Invalid value: 2: must be greater than or equal to `minReplicas`/);
  });

  it('streams watch events and feeds an informer', async () => {
    const fake = await start();
    seed(fake);
    const kc = kubeConfig(fake);
    const apps = kc.makeApiClient(AppsV1Api);
    const list = await apps.listNamespacedDeployment({ namespace: 'shop' });

    const seen: string[] = [];
    const watch = new Watch(kc);
    const controller = await watch.watch(
      '/apis/apps/v1/namespaces/shop/deployments',
      { resourceVersion: list.metadata?.resourceVersion, labelSelector: 'app=web' },
      (type: string, o: KubeObject) => seen.push(`${type} ${o.metadata.name} ${String((o.spec as { replicas?: number }).replicas)}`),
      () => undefined,
    );
    fake.put(deployment('web', { replicas: 6, labels: { tier: 'web' } }));
    fake.put(deployment('api', { replicas: 9 })); // filtered out by the selector
    fake.remove('apps/v1', 'Deployment', 'shop', 'web');
    await until(() => seen.length === 2, 'two watch events');
    expect(seen).toEqual(['MODIFIED web 6', 'DELETED web 6']);
    controller.abort();

    const informer = makeInformer(kc, '/apis/autoscaling/v2/namespaces/shop/horizontalpodautoscalers', () =>
      kc.makeApiClient(AutoscalingV2Api).listNamespacedHorizontalPodAutoscaler({ namespace: 'shop' }),
    );
    const added: string[] = [];
    informer.on('add', (o) => added.push(o.metadata?.name ?? ''));
    await informer.start();
    fake.put(hpa('api', 2, 6));
    await until(() => added.includes('api'), 'the informer to see the new HPA');
    expect(added).toEqual(['web', 'api']);
    await informer.stop();
    expect(fake.requests.some((r) => r.verb === 'watch' && r.resource === 'horizontalpodautoscalers')).toBe(true);
  });

  it('serves discovery and /version for clients that probe (VersionApi, KubernetesObjectApi)', async () => {
    const fake = await start();
    seed(fake);
    const kc = kubeConfig(fake);
    const version = await kc.makeApiClient(VersionApi).getCode();
    expect(version).toMatchObject({ major: '1', minor: '31', gitVersion: 'v1.31.0' });

    const objects = KubernetesObjectApi.makeApiClient(kc);
    const so = await objects.read({ apiVersion: 'keda.sh/v1alpha1', kind: 'ScaledObject', metadata: { name: 'api', namespace: 'shop' } });
    expect(so.metadata?.uid).toBeDefined();
    const quotas = await objects.list('v1', 'ResourceQuota', 'shop');
    expect(quotas.items.map((q) => q.metadata?.name)).toEqual(['compute']);

    const apis = (await (await fetch(`${fake.url}/apis`, { headers: { Authorization: 'Bearer kube-token' } })).json()) as { kind: string; groups: { name: string }[] };
    expect(apis.kind).toBe('APIGroupList');
    expect(apis.groups.map((g) => g.name)).toEqual(['apps', 'autoscaling', 'keda.sh', 'coordination.k8s.io']);
  });

  const kubectl = process.env.PATH?.split(':').some((dir) => {
    try {
      return statSync(join(dir, 'kubectl')).isFile();
    } catch {
      return false;
    }
  });

  it.skipIf(!kubectl)('works for kubectl too (discovery, get, server-side dry run)', async () => {
    // kubectl sends no bearer token to a plain-http server, hence anonymous
    const fake = await start({ anonymous: true });
    seed(fake);
    const dir = mkdtempSync(join(tmpdir(), 'fake-kube-'));
    tempDirs.push(dir);
    const config = join(dir, 'kubeconfig');
    writeFileSync(config, fake.kubeconfig());
    // async: the fake answers from this process's event loop
    const run = async (...args: string[]) =>
      (await promisify(execFile)('kubectl', ['--kubeconfig', config, '--cache-dir', join(dir, 'cache'), '--request-timeout', '20s', ...args], { encoding: 'utf8' })).stdout;
    const out = JSON.parse(await run('get', 'deployments', '-n', 'shop', '-l', 'tier=web', '-o', 'json')) as { items: KubeObject[] };
    expect(out.items.map((d) => d.metadata.name)).toEqual(['web']);
    expect((await run('get', 'hpa', '-n', 'shop', '-o', 'name')).trim()).toBe('horizontalpodautoscaler.autoscaling/web');
    const manifest = join(dir, 'dep.json');
    writeFileSync(manifest, JSON.stringify({ ...deployment('web-copy'), status: undefined }));
    expect((await run('create', '--dry-run=server', '--validate=false', '-f', manifest, '-o', 'name')).trim()).toBe('deployment.apps/web-copy');
    expect(fake.get('apps/v1', 'Deployment', 'shop', 'web-copy')).toBeUndefined();
  });
});

/** Shorthand used where a test builds several clients. */
function kc(fake: FakeKube): KubeConfig {
  return kubeConfig(fake);
}
