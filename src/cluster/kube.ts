// The Cluster port over @kubernetes/client-node. Reads, Events, and dry runs (see permissions.ts):
// a server-side apply with dryRun=All of the proposed fields (update mode) or a dry-run create of
// a renamed copy (copy mode). It never changes a workload: the ValidatingAdmissionPolicy in
// deploy/ refuses every write of Augur's ServiceAccount that is not a dry run.
import { hostname } from 'node:os';
import { AppsV1Api, AutoscalingV2Api, CoreV1Api, CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import { parseQuantity } from '../manifests/index.js';
import { AUGUR_TRIGGER_PREFIX } from '../manifests/keda.js';
import { kubeRequest, makeApiClient } from './http.js';
import { classifyDenial, statusMessage, statusOf } from './denial.js';
import { describeDenial } from '../forge/reasons.js';
import type { FieldKey, WorkloadId } from '../domain/workload.js';
import type { Cluster, ContainerLimits, Denial, DryRunChange, DryRunMode, DryRunResult, Headroom, KubeObject, LiveWorkload } from '../domain/cluster.js';

export interface KubeClusterOptions {
  kubeConfig: KubeConfig;
  /** Per-request time limit. */
  timeoutMs: number;
  /** Name of the agent, for Events. */
  component?: string;
  /** How proposals are dry-run (default update). */
  dryRunMode?: Exclude<DryRunMode, 'off'>;
}

/** The field manager of Augur's dry-run applies, so managedFields and audit logs name it. */
export const FIELD_MANAGER = 'augur';

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

type PodSpecLike = { replicas?: number; template?: { spec?: { containers?: { name: string; resources?: Record<string, Record<string, string>> }[] } } };

/** What a copy (a CREATE of a new object) cannot show, said in every copy-mode PR. */
const COPY_UNCHECKED = 'admission policies and webhooks that judge only UPDATE or compare with the live object (the copy is a CREATE); set cluster.dryRun: update to check them';

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
    const spec = (workload.spec ?? {}) as PodSpecLike;
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
    const scaledObject = await this.scaledObjectOf(id);
    const autoscaledBy: LiveWorkload['autoscaledBy'] = hpa ? 'hpa' : scaledObject ? 'keda' : undefined;
    return {
      id,
      ...(workload.metadata?.uid ? { uid: workload.metadata.uid } : {}),
      ...(spec.replicas !== undefined ? { replicas: spec.replicas } : {}),
      fields,
      ...(autoscaledBy ? { autoscaledBy } : {}),
      objects: { workload, ...(hpa ? { hpa: hpa as unknown as KubeObject } : {}), ...(scaledObject ? { scaledObject } : {}) },
    };
  }

  private async scaledObjectOf(id: WorkloadId): Promise<KubeObject | undefined> {
    try {
      const list = (await this.call(`list ScaledObjects in ${id.namespace}`, () =>
        this.custom.listNamespacedCustomObject({ group: 'keda.sh', version: 'v1alpha1', namespace: id.namespace, plural: 'scaledobjects' }),
      )) as { items?: (KubeObject & { spec?: { scaleTargetRef?: { name?: string; kind?: string } } })[] };
      return (list.items ?? []).find((s) => s.spec?.scaleTargetRef?.name === id.name && (s.spec.scaleTargetRef.kind ?? 'Deployment') === id.kind);
    } catch (err) {
      // KEDA not installed: the CRD's endpoint answers 404.
      if (statusOf(err) === 404) return undefined;
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

  async dryRun(live: LiveWorkload, change: DryRunChange): Promise<DryRunResult> {
    return (this.opts.dryRunMode ?? 'update') === 'copy' ? this.dryRunCopy(live, change) : this.dryRunUpdate(live, change);
  }

  /**
   * The change as the GitOps sync will make it: a server-side apply, with dryRun=All and Augur's
   * field manager, of exactly the proposed fields on the live workload, its HPA and its
   * ScaledObject. `force` takes the fields from their manager (Argo CD, Flux, kubectl) in the
   * dry run only: the question is whether admission takes the new values, not who owns them.
   */
  private async dryRunUpdate(live: LiveWorkload, change: DryRunChange): Promise<DryRunResult> {
    const { namespace, name, kind } = live.id;
    const objects: string[] = [];
    const unchecked: string[] = [];
    const apply = async (object: string, path: string, body: KubeObject): Promise<Denial | undefined> => {
      objects.push(object);
      return this.refusal(`dry-run apply ${object}`, () =>
        kubeRequest(this.opts.kubeConfig, this.opts.timeoutMs, { method: 'PATCH', path, query: { dryRun: 'All', fieldManager: FIELD_MANAGER, force: 'true' }, body, contentType: 'application/apply-patch+yaml' }),
      );
    };
    const workload = workloadPatch(live, change);
    if (workload) {
      const object = `${kind} ${namespace}/${name}`;
      const denial = await apply(object, `/apis/apps/v1/namespaces/${namespace}/${kind === 'StatefulSet' ? 'statefulsets' : 'deployments'}/${name}`, workload);
      if (denial) return { ok: false, mode: 'update', object, denial };
    }
    const hpa = live.objects.hpa;
    const bounds = hpaBounds(change.values);
    if (hpa && bounds) {
      const hpaName = hpa.metadata?.name ?? name;
      const object = `HorizontalPodAutoscaler ${namespace}/${hpaName}`;
      const body = { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: { name: hpaName, namespace }, spec: bounds };
      const denial = await apply(object, `/apis/autoscaling/v2/namespaces/${namespace}/horizontalpodautoscalers/${hpaName}`, body);
      if (denial) return { ok: false, mode: 'update', object, denial };
    } else if (bounds) unchecked.push(`the HPA bounds: no HorizontalPodAutoscaler for ${name} in the cluster`);
    const so = live.objects.scaledObject;
    if (change.triggers && so) {
      const soName = so.metadata?.name ?? name;
      const object = `ScaledObject ${namespace}/${soName}`;
      const body = { apiVersion: 'keda.sh/v1alpha1', kind: 'ScaledObject', metadata: { name: soName, namespace }, spec: { triggers: withTriggers(so, change.triggers) } };
      const denial = await apply(object, `/apis/keda.sh/v1alpha1/namespaces/${namespace}/scaledobjects/${soName}`, body);
      if (denial) return { ok: false, mode: 'update', object, denial };
    } else if (change.triggers) unchecked.push(`the schedule: no KEDA ScaledObject for ${name} in the cluster`);
    return { ok: true, mode: 'update', objects, unchecked };
  }

  /**
   * A dry-run create of a renamed copy of the workload and its HPA with the proposed values: for
   * clusters without ValidatingAdmissionPolicy (< 1.30) or operators who keep Augur off `patch`.
   * An object-count quota refuses the copy for being one more object, which the change is not:
   * that refusal is ignored and said.
   */
  private async dryRunCopy(live: LiveWorkload, change: DryRunChange): Promise<DryRunResult> {
    const { namespace, name, kind } = live.id;
    const objects: string[] = [];
    const unchecked = [COPY_UNCHECKED];
    if (change.triggers) unchecked.push("the ScaledObject's new triggers (the copy covers the workload and its HPA)");
    const create = async (object: string, fn: () => Promise<unknown>): Promise<Denial | undefined> => {
      objects.push(object);
      const denial = await this.refusal(`dry-run create of a copy of ${object}`, fn);
      if (denial?.by === 'quota' && denial.counts) {
        unchecked.push(`the object-count quota "${denial.name}" (a copy counts as one more object; the change does not)`);
        return undefined;
      }
      return denial;
    };
    const workload = copyForDryRun(live.objects.workload);
    applyValues(workload, change.values, change.container);
    const object = `${kind} ${namespace}/${name}`;
    const denial = await create(object, () =>
      kind === 'StatefulSet'
        ? this.apps.createNamespacedStatefulSet({ namespace, body: workload as never, dryRun: 'All' })
        : this.apps.createNamespacedDeployment({ namespace, body: workload as never, dryRun: 'All' }),
    );
    if (denial) return { ok: false, mode: 'copy', object, denial };
    const bounds = hpaBounds(change.values);
    if (live.objects.hpa && bounds) {
      const hpa = copyForDryRun(live.objects.hpa);
      Object.assign(hpa.spec as object, bounds);
      const hpaObject = `HorizontalPodAutoscaler ${namespace}/${live.objects.hpa.metadata?.name ?? name}`;
      const refused = await create(hpaObject, () => this.autoscaling.createNamespacedHorizontalPodAutoscaler({ namespace, body: hpa as never, dryRun: 'All' }));
      if (refused) return { ok: false, mode: 'copy', object: hpaObject, denial: refused };
    }
    return { ok: true, mode: 'copy', objects, unchecked };
  }

  /**
   * Runs a dry-run write: undefined when admitted, the denial when admission, quota or validation
   * refused it. A permission Augur lacks, no answer or a server error is no verdict on the change:
   * it rejects (ClusterError), and the check counts as not run.
   */
  private async refusal(what: string, fn: () => Promise<unknown>): Promise<Denial | undefined> {
    try {
      await this.call(what, fn);
      return undefined;
    } catch (err) {
      const status = statusOf(err);
      if (err instanceof ClusterError && err.denial && err.denial.by !== 'rbac') return err.denial;
      if (status === 400 || status === 409 || status === 422) return classifyDenial(status, statusMessage(err));
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
          // The pod's name in a cluster; the machine's name elsewhere.
          reportingInstance: process.env.HOSTNAME || hostname(),
          firstTimestamp: now,
          lastTimestamp: now,
          count: 1,
        },
      }),
    );
  }

  /**
   * One API call with the time limit, its failures in words that say what happened: no answer
   * (a time-out, a refused connection), a server error, a permission Augur lacks (RBAC), or a
   * refusal by admission (a policy, a webhook, a quota). 400, 404, 409 and 422 go to the caller.
   */
  private async call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        fn(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new ClusterError(`${what}: the API server did not answer within ${this.opts.timeoutMs} ms`, 'unanswered')), this.opts.timeoutMs);
        }),
      ]);
    } catch (err) {
      throw clusterErrorOf(what, err, this.opts.timeoutMs);
    } finally {
      clearTimeout(timer);
    }
  }
}

/**
 * Why a cluster call failed: `unanswered` (no answer in time, no connection, an HTTP 5xx: the
 * check could not run), `forbidden` (RBAC: a permission Augur lacks), `denied` (admission: a
 * policy, webhook or quota judged the request).
 */
export type ClusterErrorKind = 'unanswered' | 'forbidden' | 'denied' | 'unauthorized';

export class ClusterError extends Error {
  constructor(message: string, readonly kind: ClusterErrorKind, readonly status?: number, readonly denial?: Denial) {
    super(message);
    this.name = 'ClusterError';
  }
  /** The HTTP status, as client-node's errors carry it. */
  get code(): number | undefined {
    return this.status;
  }
}

/** Socket errors that mean the API server did not answer (as opposed to a refusal in words). */
const NETWORK_ERRORS = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE', 'ECONNABORTED', 'UND_ERR_SOCKET']);

function clusterErrorOf(what: string, err: unknown, timeoutMs: number): unknown {
  if (err instanceof ClusterError) return err;
  const status = statusOf(err);
  if (status === undefined) {
    const e = err as { name?: string; code?: unknown; message?: string; cause?: { code?: unknown } };
    if (e?.name === 'AbortError' || e?.name === 'TimeoutError') return new ClusterError(`${what}: the API server did not answer within ${timeoutMs} ms`, 'unanswered');
    const code = typeof e?.code === 'string' ? e.code : typeof e?.cause?.code === 'string' ? e.cause.code : undefined;
    if (code && NETWORK_ERRORS.has(code)) return new ClusterError(`${what}: the API server did not answer (${e.message?.includes(code) ? e.message : `${code}: ${e.message ?? ''}`})`, 'unanswered');
    return new ClusterError(`${what}: could not ask the API server: ${e?.message ?? String(err)}`, 'unanswered');
  }
  if (status === 401) return new ClusterError(`${what}: the API server did not accept Augur's credentials (HTTP 401: ${statusMessage(err)}); check the ServiceAccount token or kubeconfig`, 'unauthorized', status);
  if (status === 403) {
    const denial = classifyDenial(status, statusMessage(err));
    return new ClusterError(`${what}: ${describeDenial(denial)}`, denial.by === 'rbac' ? 'forbidden' : 'denied', status, denial);
  }
  if (status >= 500) return new ClusterError(`${what}: the API server failed to answer (HTTP ${status}: ${statusMessage(err)})`, 'unanswered', status);
  return err;
}

/** The applied configuration of the workload: only the proposed replicas and container resources. */
function workloadPatch(live: LiveWorkload, change: DryRunChange): KubeObject | undefined {
  const { values } = change;
  const spec: Record<string, unknown> = {};
  if (values.replicas !== undefined) spec.replicas = values.replicas;
  const resources: Record<string, Record<string, string>> = {};
  for (const [field, kind, resource] of RESOURCE_FIELDS) {
    const v = values[field];
    if (v !== undefined) (resources[kind] ??= {})[resource] = quantity(resource, v);
  }
  if (Object.keys(resources).length > 0) {
    const containers = (live.objects.workload.spec as PodSpecLike | undefined)?.template?.spec?.containers ?? [];
    const c = change.container ? containers.find((x) => x.name === change.container) : containers[0];
    if (c) spec.template = { spec: { containers: [{ name: c.name, resources }] } };
  }
  if (Object.keys(spec).length === 0) return undefined;
  const { namespace, name, kind } = live.id;
  return { apiVersion: 'apps/v1', kind, metadata: { name, namespace }, spec };
}

function hpaBounds(values: DryRunChange['values']): { minReplicas?: number; maxReplicas?: number } | undefined {
  const min = values['hpa.minReplicas'];
  const max = values['hpa.maxReplicas'];
  if (min === undefined && max === undefined) return undefined;
  return { ...(min !== undefined ? { minReplicas: min } : {}), ...(max !== undefined ? { maxReplicas: max } : {}) };
}

/** The ScaledObject's triggers after the change: the others as they are, then Augur's new cron windows. */
function withTriggers(so: KubeObject, triggers: NonNullable<DryRunChange['triggers']>): unknown[] {
  const live = ((so.spec as { triggers?: { type?: string; name?: string }[] } | undefined)?.triggers ?? []).filter((t) => !(t.type === 'cron' && t.name?.startsWith(AUGUR_TRIGGER_PREFIX)));
  const augur = triggers.map((t) => ({ type: 'cron', name: t.name, metadata: { timezone: t.timezone, start: t.start, end: t.end, desiredReplicas: String(t.desiredReplicas) } }));
  return [...live, ...augur];
}

const quantity = (resource: 'cpu' | 'memory', v: number) => (resource === 'cpu' ? `${Math.round(v * 1000)}m` : `${Math.ceil(v / 2 ** 20)}Mi`);

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
  const spec = workload.spec as PodSpecLike;
  if (values.replicas !== undefined) spec.replicas = values.replicas;
  const containers = spec.template?.spec?.containers ?? [];
  const c = container ? containers.find((x) => x.name === container) : containers[0];
  if (!c) return;
  for (const [field, kind, resource] of RESOURCE_FIELDS) {
    const v = values[field];
    if (v === undefined) continue;
    c.resources ??= {};
    c.resources[kind] ??= {};
    c.resources[kind][resource] = quantity(resource, v);
  }
}
