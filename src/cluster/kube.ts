// The Cluster port over @kubernetes/client-node. Reads only, plus Events and dry-run creates
// (see permissions.ts); it never patches, updates or deletes a workload.
import { AppsV1Api, AutoscalingV2Api, CoreV1Api, CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import { parseQuantity } from '../manifests/index.js';
import { makeApiClient } from './http.js';
import type { FieldKey, WorkloadId } from '../domain/workload.js';
import type { Cluster, ContainerLimits, DryRunResult, Headroom, KubeObject, LiveWorkload } from '../domain/cluster.js';

export interface KubeClusterOptions {
  kubeConfig: KubeConfig;
  /** Per-request time limit. */
  timeoutMs: number;
  /** Name of the agent, for Events. */
  component?: string;
}

/** Loads in-cluster config or a kubeconfig; undefined (and why) when neither is there. */
export function loadKubeConfig(opts: { kubeconfig?: string; context?: string }): { config?: KubeConfig; why?: string } {
  const kc = new KubeConfig();
  try {
    if (opts.kubeconfig) kc.loadFromFile(opts.kubeconfig);
    else if (process.env.KUBERNETES_SERVICE_HOST) kc.loadFromCluster();
    else if (process.env.KUBECONFIG || process.env.HOME) kc.loadFromDefault();
    if (opts.context) kc.setCurrentContext(opts.context);
  } catch (err) {
    return { why: `cannot load Kubernetes config: ${(err as Error).message}` };
  }
  if (!kc.getCurrentCluster()) return { why: 'no in-cluster service account and no kubeconfig' };
  return { config: kc };
}

const RESOURCE_FIELDS: [FieldKey, 'requests' | 'limits', 'cpu' | 'memory'][] = [
  ['cpu.request', 'requests', 'cpu'],
  ['cpu.limit', 'limits', 'cpu'],
  ['memory.request', 'requests', 'memory'],
  ['memory.limit', 'limits', 'memory'],
];

export class KubeCluster implements Cluster {
  private readonly apps: AppsV1Api;
  private readonly autoscaling: AutoscalingV2Api;
  private readonly core: CoreV1Api;
  private readonly custom: CustomObjectsApi;

  constructor(private readonly opts: KubeClusterOptions) {
    // Requests are aborted at the timeout (the race in call() then reports it), not left open.
    const kc = opts.kubeConfig;
    this.apps = makeApiClient(kc, AppsV1Api, opts.timeoutMs);
    this.autoscaling = makeApiClient(kc, AutoscalingV2Api, opts.timeoutMs);
    this.core = makeApiClient(kc, CoreV1Api, opts.timeoutMs);
    this.custom = makeApiClient(kc, CustomObjectsApi, opts.timeoutMs);
  }

  async workload(id: WorkloadId, container: string | undefined): Promise<LiveWorkload | undefined> {
    const { name, namespace } = id;
    let workload: KubeObject;
    try {
      workload = await this.call<KubeObject>(`get ${id.kind} ${namespace}/${name}`, async () =>
        (id.kind === 'StatefulSet' ? await this.apps.readNamespacedStatefulSet({ name, namespace }) : await this.apps.readNamespacedDeployment({ name, namespace })) as KubeObject,
      );
    } catch (err) {
      if (statusOf(err) === 404) return undefined;
      throw err;
    }
    const spec = (workload.spec ?? {}) as { replicas?: number; template?: { spec?: { containers?: { name: string; resources?: Record<string, Record<string, string>> }[] } } };
    const containers = spec.template?.spec?.containers ?? [];
    const c = container ? containers.find((x) => x.name === container) : containers[0];
    const fields: LiveWorkload['fields'] = {};
    for (const [field, kind, resource] of RESOURCE_FIELDS) {
      const raw = c?.resources?.[kind]?.[resource];
      if (raw !== undefined) fields[field] = parseQuantity(field, String(raw));
    }
    const hpas = (await this.call(`list HorizontalPodAutoscalers in ${namespace}`, () => this.autoscaling.listNamespacedHorizontalPodAutoscaler({ namespace }))).items;
    const hpa = hpas.find((h) => h.spec?.scaleTargetRef.kind === id.kind && h.spec.scaleTargetRef.name === name);
    if (hpa?.spec) {
      fields['hpa.maxReplicas'] = hpa.spec.maxReplicas;
      fields['hpa.minReplicas'] = hpa.spec.minReplicas ?? 1;
    }
    let autoscaledBy: LiveWorkload['autoscaledBy'] = hpa ? 'hpa' : undefined;
    if (!autoscaledBy && (await this.scaledByKeda(id))) autoscaledBy = 'keda';
    return {
      id,
      ...(workload.metadata?.uid ? { uid: workload.metadata.uid } : {}),
      ...(spec.replicas !== undefined ? { replicas: spec.replicas } : {}),
      fields,
      ...(autoscaledBy ? { autoscaledBy } : {}),
      objects: { workload, ...(hpa ? { hpa: hpa as unknown as KubeObject } : {}) },
    };
  }

  private async scaledByKeda(id: WorkloadId): Promise<boolean> {
    try {
      const list = (await this.call(`list ScaledObjects in ${id.namespace}`, () =>
        this.custom.listNamespacedCustomObject({ group: 'keda.sh', version: 'v1alpha1', namespace: id.namespace, plural: 'scaledobjects' }),
      )) as { items?: { spec?: { scaleTargetRef?: { name?: string; kind?: string } } }[] };
      return (list.items ?? []).some((s) => s.spec?.scaleTargetRef?.name === id.name && (s.spec.scaleTargetRef.kind ?? 'Deployment') === id.kind);
    } catch (err) {
      // KEDA not installed: the CRD's endpoint answers 404.
      if (statusOf(err) === 404) return false;
      throw err;
    }
  }

  async namespaceHeadroom(namespace: string): Promise<Headroom | undefined> {
    const quotas = (await this.call(`list ResourceQuotas in ${namespace}`, () => this.core.listNamespacedResourceQuota({ namespace }))).items;
    let best: Headroom | undefined;
    for (const q of quotas) {
      const hard = q.status?.hard ?? q.spec?.hard ?? {};
      const used = q.status?.used ?? {};
      const pick = (field: FieldKey, keys: string[]) => {
        const key = keys.find((k) => hard[k] !== undefined);
        return key ? { limit: parseQuantity(field, hard[key]!), used: used[key] ? parseQuantity(field, used[key]) : 0 } : undefined;
      };
      const cpu = pick('cpu.request', ['requests.cpu', 'cpu']);
      const memory = pick('memory.request', ['requests.memory', 'memory']);
      if (!cpu && !memory) continue;
      const h: Headroom = { source: `ResourceQuota ${namespace}/${q.metadata?.name ?? '?'}`, ...(cpu ? { cpu } : {}), ...(memory ? { memory } : {}) };
      // The tightest quota decides.
      const room = (x: Headroom) => Math.min(x.cpu ? (x.cpu.limit - x.cpu.used) / x.cpu.limit : 1, x.memory ? (x.memory.limit - x.memory.used) / x.memory.limit : 1);
      if (!best || room(h) < room(best)) best = h;
    }
    return best;
  }

  async containerLimits(namespace: string): Promise<ContainerLimits> {
    const ranges = (await this.call(`list LimitRanges in ${namespace}`, () => this.core.listNamespacedLimitRange({ namespace }))).items;
    const out: ContainerLimits = { max: {}, min: {} };
    for (const r of ranges) {
      for (const item of r.spec?.limits ?? []) {
        if (item.type !== 'Container') continue;
        for (const [bound, values] of [['max', item.max], ['min', item.min]] as const) {
          for (const resource of ['cpu', 'memory'] as const) {
            const raw = values?.[resource];
            if (raw === undefined) continue;
            const v = parseQuantity(resource === 'cpu' ? 'cpu.request' : 'memory.request', raw);
            const cur = out[bound][resource];
            // The tightest bound wins: the lowest max, the highest min.
            if (cur === undefined || (bound === 'max' ? v < cur : v > cur)) {
              out[bound][resource] = v;
              out.source = `LimitRange ${namespace}/${r.metadata?.name ?? '?'}`;
            }
          }
        }
      }
    }
    return out;
  }

  async clusterHeadroom(): Promise<Headroom | undefined> {
    const nodes = (await this.call('list Nodes', () => this.core.listNode())).items.filter((n) => !n.spec?.unschedulable);
    let cpu = 0;
    let memory = 0;
    for (const n of nodes) {
      cpu += parseQuantity('cpu.request', n.status?.allocatable?.cpu ?? '0');
      memory += parseQuantity('memory.request', n.status?.allocatable?.memory ?? '0');
    }
    const pods = (await this.call('list Pods in all namespaces', () => this.core.listPodForAllNamespaces({ fieldSelector: 'status.phase!=Succeeded,status.phase!=Failed' }))).items;
    let usedCpu = 0;
    let usedMemory = 0;
    for (const p of pods) {
      for (const c of p.spec?.containers ?? []) {
        const r = c.resources?.requests ?? {};
        if (r.cpu) usedCpu += parseQuantity('cpu.request', r.cpu);
        if (r.memory) usedMemory += parseQuantity('memory.request', r.memory);
      }
    }
    return { source: `${nodes.length} schedulable nodes`, cpu: { limit: cpu, used: usedCpu }, memory: { limit: memory, used: usedMemory } };
  }

  async dryRun(live: LiveWorkload, values: Partial<Record<FieldKey, number>>, container: string | undefined): Promise<DryRunResult> {
    // A dry-run create of a renamed copy: admission (quotas, LimitRanges, Kyverno, Gatekeeper)
    // judges the proposed object, nothing is stored, and Augur needs no update rights.
    const { namespace } = live.id;
    try {
      const workload = copyForDryRun(live.objects.workload);
      applyValues(workload, values, container);
      await this.call<unknown>(`dry-run ${live.id.kind} ${namespace}/${live.id.name}`, () =>
        live.id.kind === 'StatefulSet'
          ? this.apps.createNamespacedStatefulSet({ namespace, body: workload as never, dryRun: 'All' })
          : this.apps.createNamespacedDeployment({ namespace, body: workload as never, dryRun: 'All' }),
      );
      if (live.objects.hpa && (values['hpa.minReplicas'] !== undefined || values['hpa.maxReplicas'] !== undefined)) {
        const hpa = copyForDryRun(live.objects.hpa);
        const spec = hpa.spec as { minReplicas?: number; maxReplicas?: number };
        if (values['hpa.minReplicas'] !== undefined) spec.minReplicas = values['hpa.minReplicas'];
        if (values['hpa.maxReplicas'] !== undefined) spec.maxReplicas = values['hpa.maxReplicas'];
        await this.call(`dry-run HorizontalPodAutoscaler ${namespace}/${live.id.name}`, () =>
          this.autoscaling.createNamespacedHorizontalPodAutoscaler({ namespace, body: hpa as never, dryRun: 'All' }),
        );
      }
      return { ok: true };
    } catch (err) {
      const status = statusOf(err);
      if (status === 400 || status === 403 || status === 422) return { ok: false, message: admissionMessage(err) };
      throw err;
    }
  }

  async recordEvent(live: LiveWorkload, reason: string, message: string): Promise<void> {
    const now = new Date();
    const { namespace, name, kind } = live.id;
    await this.call(`create Event on ${kind} ${namespace}/${name}`, () =>
      this.core.createNamespacedEvent({
        namespace,
        body: {
          metadata: { generateName: `${name}.augur-`, namespace },
          involvedObject: { apiVersion: 'apps/v1', kind, name, namespace, ...(live.uid ? { uid: live.uid } : {}) },
          reason,
          message: message.slice(0, 1024),
          type: 'Normal',
          source: { component: this.opts.component ?? 'augur' },
          reportingComponent: this.opts.component ?? 'augur',
          reportingInstance: process.env.HOSTNAME ?? 'augur',
          firstTimestamp: now,
          lastTimestamp: now,
          count: 1,
        },
      }),
    );
  }

  private async call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        fn(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new ClusterError(`${what}: no answer from the API server within ${this.opts.timeoutMs} ms`)), this.opts.timeoutMs);
        }),
      ]);
    } catch (err) {
      if (err instanceof ClusterError) throw err;
      const status = statusOf(err);
      if (status === 403) throw new ClusterError(`${what}: forbidden (${admissionMessage(err)}); grant the rule in deploy/ RBAC or narrow the targets`, status);
      if (status !== undefined && status !== 404 && status !== 400 && status !== 422) throw new ClusterError(`${what}: HTTP ${status}: ${admissionMessage(err)}`, status);
      throw err;
    } finally {
      clearTimeout(timer);
    }
  }
}

export class ClusterError extends Error {
  constructor(message: string, readonly status?: number) {
    super(message);
    this.name = 'ClusterError';
  }
}

function statusOf(err: unknown): number | undefined {
  const e = err as { code?: unknown; status?: unknown };
  if (err instanceof ClusterError) return err.status;
  return typeof e?.code === 'number' ? e.code : typeof e?.status === 'number' ? e.status : undefined;
}

/** The API server's (or the admission webhook's) own words. */
function admissionMessage(err: unknown): string {
  const body = (err as { body?: unknown })?.body;
  if (typeof body === 'string') {
    try {
      const parsed = JSON.parse(body) as { message?: string };
      if (parsed.message) return parsed.message;
    } catch {
      return body.slice(0, 500);
    }
  }
  if (body && typeof body === 'object' && 'message' in body) return String((body as { message: unknown }).message);
  return err instanceof Error ? err.message : String(err);
}

function copyForDryRun(obj: KubeObject): KubeObject {
  const copy = structuredClone(obj) as KubeObject;
  const meta = copy.metadata ?? {};
  copy.metadata = {
    name: `${String(meta.name ?? 'x').slice(0, 40)}-augur-dryrun`,
    namespace: meta.namespace,
    ...(meta.labels ? { labels: meta.labels } : {}),
    ...(meta.annotations ? { annotations: meta.annotations } : {}),
  };
  delete copy.status;
  return copy;
}

function applyValues(workload: KubeObject, values: Partial<Record<FieldKey, number>>, container: string | undefined): void {
  const spec = workload.spec as { replicas?: number; template?: { spec?: { containers?: { name: string; resources?: Record<string, Record<string, string>> }[] } } };
  if (values.replicas !== undefined) spec.replicas = values.replicas;
  const containers = spec.template?.spec?.containers ?? [];
  const c = container ? containers.find((x) => x.name === container) : containers[0];
  if (!c) return;
  for (const [field, kind, resource] of RESOURCE_FIELDS) {
    const v = values[field];
    if (v === undefined) continue;
    c.resources ??= {};
    c.resources[kind] ??= {};
    c.resources[kind][resource] = resource === 'cpu' ? `${Math.round(v * 1000)}m` : `${Math.ceil(v / 2 ** 20)}Mi`;
  }
}
