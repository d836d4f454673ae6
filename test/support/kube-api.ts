/**
 * Local Kubernetes API test server for integration tests.
 *
 * Speaks the apiserver's REST paths and JSON over plain HTTP so that the real
 * `@kubernetes/client-node` (typed APIs, CustomObjectsApi, KubernetesObjectApi, Watch,
 * informers) can be pointed at it with `kc.loadFromString(fake.kubeconfig())`.
 *
 * Served resources (all namespaced unless noted):
 *   v1                       namespaces (cluster), nodes (cluster), pods, events, resourcequotas, limitranges
 *   apps/v1                  deployments, statefulsets
 *   autoscaling/v2           horizontalpodautoscalers
 *   keda.sh/v1alpha1         scaledobjects (a custom resource: CRD-style errors, no strategic merge patch)
 *   coordination.k8s.io/v1   leases
 * Verbs: get, list (one namespace or all, labelSelector, fieldSelector, limit/continue), watch
 * (`?watch=true`, newline-delimited events), create, update (PUT, optimistic concurrency), patch
 * (json-patch, merge-patch, basic strategic-merge), delete, deletecollection. `dryRun=All` on the
 * writes runs the same defaulting, validation and admission and stores nothing. Discovery:
 * `/version`, `/api`, `/apis`, `/api/v1`, `/apis/{group}`, `/apis/{group}/{version}`, `/healthz`.
 * Subresources (status, scale) and server-side apply are not served (404 / 415).
 *
 * What a write goes through, in the apiserver's order:
 *   decode (400: wrong apiVersion/kind, wrong JSON types, bad quantities, MicroTime not in
 *   RFC3339Micro) -> namespace exists (404) -> defaulting -> validation (422 Invalid with causes:
 *   the object's OpenAPI schema via kubernetes-models / @kubernetes-models/keda, plus hand-written
 *   ports of the apiserver's Go validation for metadata, pod templates, resources, Deployment,
 *   StatefulSet, HPA v2, Lease, Event, ResourceQuota, LimitRange) -> validating admission
 *   (`admission()`, 403 like a denying webhook) -> storage (409 AlreadyExists / Conflict,
 *   500 when a create carries a resourceVersion).
 *
 * Every error is a real `Status` object. Requests are recorded RBAC-style in `requests`;
 * `forbid()`, `delay()`, `admission()` and the `rbac` option inject failures.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomInt, randomUUID } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { StatefulSet } from 'kubernetes-models/apps/v1/StatefulSet';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import { Lease } from 'kubernetes-models/coordination.k8s.io/v1/Lease';
import { Event as EventModel } from 'kubernetes-models/v1/Event';
import { LimitRange } from 'kubernetes-models/v1/LimitRange';
import { Namespace } from 'kubernetes-models/v1/Namespace';
import { Node as NodeModel } from 'kubernetes-models/v1/Node';
import { Pod } from 'kubernetes-models/v1/Pod';
import { ResourceQuota } from 'kubernetes-models/v1/ResourceQuota';
import { ScaledObject } from '@kubernetes-models/keda/keda.sh/v1alpha1/ScaledObject';

/* ------------------------------------------------------------------------------------ */
/* Public API                                                                            */
/* ------------------------------------------------------------------------------------ */

export interface KubeObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  [key: string]: unknown;
}

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: KubeObjectMeta;
  [key: string]: unknown;
}

export type KubeVerb = 'get' | 'list' | 'watch' | 'create' | 'update' | 'patch' | 'delete' | 'deletecollection';

/** One resource request, as RBAC sees it. Discovery and /version are not recorded. */
export interface KubeRequest {
  verb: KubeVerb;
  /** '' for the core group. */
  apiGroup: string;
  /** Plural resource name, e.g. 'deployments'. */
  resource: string;
  subresource?: string;
  namespace?: string;
  name?: string;
  dryRun: boolean;
  /** HTTP status answered (0 while in flight). */
  status: number;
  method: string;
  /** Path and query as sent. */
  url: string;
  contentType?: string;
  /** The client closed the connection before the answer was written (e.g. a client timeout). */
  clientAborted?: boolean;
}

/** An RBAC rule plus where it is bound: `namespaces` undefined = ClusterRole via ClusterRoleBinding. */
export interface RbacGrant {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
  namespaces?: string[];
  resourceNames?: string[];
}

/** What a validating webhook answers when it denies. */
export interface AdmissionDenial {
  message: string;
  /** Webhook name in the message; default 'validate.kyverno.svc-fail'. */
  webhook?: string;
  /** Status code the webhook set; the apiserver uses 403 when it set none. */
  code?: number;
  /** Status reason the webhook set; default Forbidden (InternalError for 500). */
  reason?: string;
}

export interface AdmissionInfo {
  operation: 'CREATE' | 'UPDATE';
  dryRun: boolean;
  apiGroup: string;
  resource: string;
  namespace?: string;
  name: string;
  oldObject?: KubeObject;
}

/** Return a message (or a denial) to deny, undefined to allow. */
export type AdmissionHook = (obj: KubeObject, op: 'CREATE' | 'UPDATE', info: AdmissionInfo) => string | AdmissionDenial | undefined;

export interface FakeKubeOptions {
  /** Bearer token required on every resource and discovery request. Default 'kube-token'. */
  token?: string;
  /** User named in Forbidden messages. Default 'system:serviceaccount:augur:augur'. */
  user?: string;
  /**
   * Serve requests that carry no Authorization header (a wrong token is still 401). For clients
   * that send no token over plain http, such as kubectl. Default false.
   */
  anonymous?: boolean;
  /** Namespaces that exist besides default, kube-system, kube-public and kube-node-lease. */
  namespaces?: string[];
  /**
   * When set, only requests some grant allows are served; the rest get RBAC's 403. Without it
   * everything is allowed (except what `forbid()` matches).
   */
  rbac?: RbacGrant[];
  /** Clock for creationTimestamp. Default `() => new Date()`. */
  now?: () => Date;
}

export interface ForbidMatch {
  apiGroup?: string;
  resource: string;
  verb?: string;
  namespace?: string;
}

export interface DelayMatch {
  resource: string;
  verb?: string;
}

export interface FakeKube {
  /** http://127.0.0.1:PORT */
  url: string;
  /**
   * A kubeconfig (cluster server = url, bearer token) for KubeConfig.loadFromString. It sets
   * `insecure-skip-tls-verify: true`: client-node 1.x throws "HTTP protocol is not allowed when
   * skipTLSVerify is not set or false" for an http:// server otherwise.
   */
  kubeconfig(opts?: { namespace?: string; token?: string }): string;
  /** Seed or replace an object of a served kind; defaults, validates (throws), assigns uid/resourceVersion/creationTimestamp. Status is kept as given. */
  put(obj: KubeObject): KubeObject;
  get(apiVersion: string, kind: string, namespace: string | undefined, name: string): KubeObject | undefined;
  /** Stored objects of a kind, optionally in one namespace, sorted by namespace/name. */
  list(apiVersion: string, kind: string, namespace?: string): KubeObject[];
  /** Remove a stored object (watchers see DELETED). Returns whether it existed. */
  remove(apiVersion: string, kind: string, namespace: string | undefined, name: string): boolean;
  /** Events created through the API (not dry runs), in order. */
  events: KubeObject[];
  requests: KubeRequest[];
  /** Answer matching requests with RBAC's 403. Returns an undo function. */
  forbid(match: ForbidMatch): () => void;
  /** Hold matching requests `ms` before answering (the request is still carried out). Returns an undo function. */
  delay(match: DelayMatch, ms: number): () => void;
  /** A validating webhook stand-in, called on create/update/patch (also on dry runs). Returns an undo function. */
  admission(fn: AdmissionHook): () => void;
  close(): Promise<void>;
}

export async function startFakeKube(opts: FakeKubeOptions = {}): Promise<FakeKube> {
  const fake = new FakeKubeServer(opts);
  await fake.listen();
  return fake;
}

/* ------------------------------------------------------------------------------------ */
/* Errors                                                                                */
/* ------------------------------------------------------------------------------------ */

type Obj = Record<string, unknown>;

class KubeError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
    readonly details?: Obj,
  ) {
    super(message);
  }

  status(): Obj {
    const s: Obj = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: this.message };
    if (this.reason) s.reason = this.reason;
    if (this.details) s.details = this.details;
    s.code = this.code;
    return s;
  }
}

const groupResource = (d: ResourceDef): string => (d.group ? `${d.resource}.${d.group}` : d.resource);
const qualifiedKind = (d: ResourceDef): string => (d.group ? `${d.kind}.${d.group}` : d.kind);
const apiVersionOf = (d: ResourceDef): string => (d.group ? `${d.group}/${d.version}` : d.version);

function details(d: ResourceDef, name: string | undefined, kind = d.resource, extra: Obj = {}): Obj {
  const out: Obj = {};
  if (name) out.name = name;
  if (d.group) out.group = d.group;
  out.kind = kind;
  return { ...out, ...extra };
}

const notFound = (d: ResourceDef, name: string) => new KubeError(404, 'NotFound', `${groupResource(d)} "${name}" not found`, details(d, name));
const alreadyExists = (d: ResourceDef, name: string) =>
  new KubeError(409, 'AlreadyExists', `${groupResource(d)} "${name}" already exists`, details(d, name));
const conflict = (d: ResourceDef, name: string, why = 'the object has been modified; please apply your changes to the latest version and try again') =>
  new KubeError(409, 'Conflict', `Operation cannot be fulfilled on ${groupResource(d)} "${name}": ${why}`, details(d, name));
const badRequest = (message: string) => new KubeError(400, 'BadRequest', message);
const pathNotFound = () => new KubeError(404, 'NotFound', 'the server could not find the requested resource', {});
const methodNotAllowed = () => new KubeError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource', {});
const unauthorized = () => new KubeError(401, 'Unauthorized', 'Unauthorized');
const namespaceNotFound = (ns: string) => new KubeError(404, 'NotFound', `namespaces "${ns}" not found`, { name: ns, kind: 'namespaces' });
const decodeError = (d: ResourceDef, detail: string) => badRequest(`${d.kind} in version "${d.version}" cannot be handled as a ${d.kind}: ${detail}`);

interface FieldError {
  type: 'Required' | 'Invalid' | 'NotSupported' | 'Forbidden' | 'Duplicate' | 'TooLong';
  field: string;
  value?: unknown;
  /** Printed as is instead of `value` (e.g. Go's `0x0`). */
  raw?: string;
  detail?: string;
  supported?: string[];
}

const required = (field: string, detail?: string): FieldError => ({ type: 'Required', field, detail });
const invalid = (field: string, value: unknown, detail: string): FieldError => ({ type: 'Invalid', field, value, detail });
const notSupported = (field: string, value: unknown, supported: string[]): FieldError => ({ type: 'NotSupported', field, value, supported });
const forbiddenField = (field: string, detail: string): FieldError => ({ type: 'Forbidden', field, detail });

const CAUSE_REASONS: Record<FieldError['type'], string> = {
  Required: 'FieldValueRequired',
  Invalid: 'FieldValueInvalid',
  NotSupported: 'FieldValueNotSupported',
  Forbidden: 'FieldValueForbidden',
  Duplicate: 'FieldValueDuplicate',
  TooLong: 'FieldValueTooLong',
};

/** Roughly Go's %#v / %q as the apiserver prints field values. */
function goValue(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (v === null || v === undefined) return 'null';
  if (isObj(v) && Object.values(v).every((x) => typeof x === 'string')) {
    const entries = Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `map[string]string{${entries.map(([k, x]) => `${JSON.stringify(k)}:${JSON.stringify(x)}`).join(', ')}}`;
  }
  return JSON.stringify(v);
}

function fieldErrorText(e: FieldError): string {
  const value = e.raw ?? goValue(e.value);
  switch (e.type) {
    case 'Required':
      return e.detail ? `Required value: ${e.detail}` : 'Required value';
    case 'Invalid':
      return `Invalid value: ${value}${e.detail ? `: ${e.detail}` : ''}`;
    case 'NotSupported':
      return `Unsupported value: ${value}${e.supported?.length ? `: supported values: ${e.supported.map((s) => JSON.stringify(s)).join(', ')}` : ''}`;
    case 'Forbidden':
      return e.detail ? `Forbidden: ${e.detail}` : 'Forbidden';
    case 'Duplicate':
      return `Duplicate value: ${value}`;
    case 'TooLong':
      return `Too long: ${e.detail ?? ''}`;
  }
}

function invalidError(d: ResourceDef, name: string, errs: FieldError[]): KubeError {
  const items = errs.map((e) => `${e.field}: ${fieldErrorText(e)}`);
  const list = items.length === 1 ? (items[0] ?? '') : `[${items.join(', ')}]`;
  return new KubeError(
    422,
    'Invalid',
    `${qualifiedKind(d)} "${name}" is invalid: ${list}`,
    details(d, name, d.kind, { causes: errs.map((e) => ({ reason: CAUSE_REASONS[e.type], message: fieldErrorText(e), field: e.field })) }),
  );
}

/* ------------------------------------------------------------------------------------ */
/* Small helpers                                                                         */
/* ------------------------------------------------------------------------------------ */

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function clone<T>(v: T): T {
  return structuredClone(v);
}

function obj(parent: Obj, key: string): Obj {
  const v = parent[key];
  if (isObj(v)) return v;
  const created: Obj = {};
  parent[key] = created;
  return created;
}

function int(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

function stringMap(v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (isObj(v)) for (const [k, x] of Object.entries(v)) if (typeof x === 'string') out[k] = x;
  return out;
}

/** JSON null means "zero value" to Go's decoder: drop it everywhere (after patches are applied). */
function stripNulls(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(stripNulls);
  if (isObj(v)) {
    const out: Obj = {};
    for (const [k, x] of Object.entries(v)) if (x !== null) out[k] = stripNulls(x);
    return out;
  }
  return v;
}

function metaOf(o: Obj): KubeObjectMeta {
  return obj(o, 'metadata') as KubeObjectMeta;
}

function pointerGet(root: unknown, pointer: string): unknown {
  let cur = root;
  for (const raw of pointer.split('/').slice(1)) {
    const seg = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(cur)) cur = cur[Number(seg)];
    else if (isObj(cur)) cur = cur[seg];
    else return undefined;
  }
  return cur;
}

const MAP_FIELDS = new Set([
  'labels',
  'annotations',
  'matchLabels',
  'requests',
  'limits',
  'hard',
  'used',
  'nodeSelector',
  'capacity',
  'allocatable',
  'default',
  'defaultRequest',
  'max',
  'min',
  'maxLimitRequestRatio',
]);

/** JSON pointer -> the apiserver's field path (`spec.template.spec.containers[0].resources.limits[cpu]`). */
function fieldPath(pointer: string): string {
  let out = '';
  let prev = '';
  for (const raw of pointer.split('/').slice(1)) {
    const seg = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (/^\d+$/.test(seg) || MAP_FIELDS.has(prev)) out += `[${seg}]`;
    else out += out ? `.${seg}` : seg;
    prev = seg;
  }
  return out;
}

function joinField(base: string, child: string): string {
  return base ? `${base}.${child}` : child;
}

function rfc3339(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/* ------------------------------------------------------------------------------------ */
/* Quantities, names, labels, selectors                                                  */
/* ------------------------------------------------------------------------------------ */

const QUANTITY_SUFFIX: Record<string, number> = {
  '': 1,
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

/** A Kubernetes resource.Quantity as a float, or undefined when it does not parse. */
export function parseQuantity(q: unknown): number | undefined {
  if (typeof q === 'number') return Number.isFinite(q) ? q : undefined;
  if (typeof q !== 'string') return undefined;
  const m = /^([+-]?(?:\d+\.?\d*|\.\d+))([eEinumkKMGTP]*[-+]?\d*)$/.exec(q);
  if (!m) return undefined;
  const [, num = '', suffix = ''] = m;
  let mult: number | undefined = QUANTITY_SUFFIX[suffix];
  if (mult === undefined && /^[eE][-+]?\d+$/.test(suffix)) mult = 10 ** Number(suffix.slice(1));
  if (mult === undefined) return undefined;
  return Number(num) * mult;
}

const SUBDOMAIN_RE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const SUBDOMAIN_MSG =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const LABEL_RE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const LABEL_MSG =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
const QUALIFIED_RE = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const QUALIFIED_MSG =
  "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
const LABEL_VALUE_RE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const LABEL_VALUE_MSG =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";

function dns1123Subdomain(v: string): string[] {
  const out: string[] = [];
  if (v.length > 253) out.push('must be no more than 253 characters');
  if (!SUBDOMAIN_RE.test(v)) out.push(SUBDOMAIN_MSG);
  return out;
}

function dns1123Label(v: string): string[] {
  const out: string[] = [];
  if (v.length > 63) out.push('must be no more than 63 characters');
  if (!LABEL_RE.test(v)) out.push(LABEL_MSG);
  return out;
}

function qualifiedName(v: string): string[] {
  const parts = v.split('/');
  if (parts.length > 2) return [`a qualified name ${QUALIFIED_MSG} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`];
  const out: string[] = [];
  let name = v;
  if (parts.length === 2) {
    const prefix = parts[0] ?? '';
    name = parts[1] ?? '';
    if (!prefix) out.push('prefix part must be non-empty');
    else for (const m of dns1123Subdomain(prefix)) out.push(`prefix part ${m}`);
  }
  if (!name) out.push('name part must be non-empty');
  else {
    if (name.length > 63) out.push('name part must be no more than 63 characters');
    if (!QUALIFIED_RE.test(name)) out.push(`name part ${QUALIFIED_MSG}`);
  }
  return out;
}

function labelValue(v: string): string[] {
  const out: string[] = [];
  if (v.length > 63) out.push('must be no more than 63 characters');
  if (!LABEL_VALUE_RE.test(v)) out.push(LABEL_VALUE_MSG);
  return out;
}

/** metav1.LabelSelector (matchLabels / matchExpressions) against a label set. */
function labelSelectorMatches(sel: Obj, labels: Record<string, string>): boolean {
  for (const [k, v] of Object.entries(stringMap(sel.matchLabels))) if (labels[k] !== v) return false;
  const exprs = Array.isArray(sel.matchExpressions) ? sel.matchExpressions : [];
  for (const e of exprs) {
    if (!isObj(e)) return false;
    const key = str(e.key) ?? '';
    const values = Array.isArray(e.values) ? e.values.filter((x): x is string => typeof x === 'string') : [];
    const has = Object.hasOwn(labels, key);
    const val = labels[key];
    switch (e.operator) {
      case 'In':
        if (!has || val === undefined || !values.includes(val)) return false;
        break;
      case 'NotIn':
        if (has && val !== undefined && values.includes(val)) return false;
        break;
      case 'Exists':
        if (!has) return false;
        break;
      case 'DoesNotExist':
        if (has) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}

function validateLabelSelector(sel: Obj, path: string, errs: FieldError[]): void {
  for (const [k, v] of Object.entries(stringMap(sel.matchLabels))) {
    for (const m of qualifiedName(k)) errs.push(invalid(`${path}.matchLabels`, k, m));
    for (const m of labelValue(v)) errs.push(invalid(`${path}.matchLabels`, v, m));
  }
  const exprs = Array.isArray(sel.matchExpressions) ? sel.matchExpressions : [];
  exprs.forEach((e, i) => {
    if (!isObj(e)) return;
    const p = `${path}.matchExpressions[${i}]`;
    const values = Array.isArray(e.values) ? e.values : [];
    switch (e.operator) {
      case 'In':
      case 'NotIn':
        if (values.length === 0) errs.push(required(`${p}.values`, "must be specified when `operator` is 'In' or 'NotIn'"));
        break;
      case 'Exists':
      case 'DoesNotExist':
        if (values.length > 0) errs.push(forbiddenField(`${p}.values`, "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
        break;
      default:
        errs.push(invalid(`${p}.operator`, e.operator, 'not a valid selector operator'));
    }
    if (typeof e.key === 'string') for (const m of qualifiedName(e.key)) errs.push(invalid(`${p}.key`, e.key, m));
  });
}

/* ------------------------------------------------------------------------------------ */
/* Query selectors (labelSelector / fieldSelector strings)                               */
/* ------------------------------------------------------------------------------------ */

interface LabelRequirement {
  key: string;
  op: 'in' | 'notin' | 'exists' | 'doesnotexist' | 'eq' | 'neq' | 'gt' | 'lt';
  values: string[];
}

function parseLabelQuery(s: string): LabelRequirement[] {
  const parts: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of s) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      parts.push(cur);
      cur = '';
    } else cur += ch;
  }
  parts.push(cur);
  const key = '([A-Za-z0-9][-A-Za-z0-9_./]*)';
  const reqs: LabelRequirement[] = [];
  for (const raw of parts) {
    const p = raw.trim();
    if (!p) continue;
    let m: RegExpExecArray | null;
    if ((m = new RegExp(`^!\\s*${key}$`).exec(p))) reqs.push({ key: m[1] ?? '', op: 'doesnotexist', values: [] });
    else if ((m = new RegExp(`^${key}\\s+(in|notin)\\s*\\(([^)]*)\\)$`).exec(p)))
      reqs.push({ key: m[1] ?? '', op: m[2] === 'in' ? 'in' : 'notin', values: (m[3] ?? '').split(',').map((x) => x.trim()) });
    else if ((m = new RegExp(`^${key}\\s*(==|=|!=)\\s*([-A-Za-z0-9_.]*)$`).exec(p)))
      reqs.push({ key: m[1] ?? '', op: m[2] === '!=' ? 'neq' : 'eq', values: [m[3] ?? ''] });
    else if ((m = new RegExp(`^${key}\\s*(>|<)\\s*(-?\\d+)$`).exec(p)))
      reqs.push({ key: m[1] ?? '', op: m[2] === '>' ? 'gt' : 'lt', values: [m[3] ?? ''] });
    else if ((m = new RegExp(`^${key}$`).exec(p))) reqs.push({ key: m[1] ?? '', op: 'exists', values: [] });
    else throw badRequest(`unable to parse requirement: found '${p}', expected: a valid label selector requirement`);
  }
  return reqs;
}

function labelsMatch(reqs: LabelRequirement[], labels: Record<string, string>): boolean {
  return reqs.every((r) => {
    const v = labels[r.key];
    switch (r.op) {
      case 'eq':
        return v === r.values[0];
      case 'neq':
        return v !== r.values[0];
      case 'in':
        return v !== undefined && r.values.includes(v);
      case 'notin':
        return v === undefined || !r.values.includes(v);
      case 'exists':
        return v !== undefined;
      case 'doesnotexist':
        return v === undefined;
      case 'gt':
        return v !== undefined && Number(v) > Number(r.values[0]);
      case 'lt':
        return v !== undefined && Number(v) < Number(r.values[0]);
    }
  });
}

interface FieldRequirement {
  path: string;
  neq: boolean;
  value: string;
}

function parseFieldQuery(s: string, d: ResourceDef): FieldRequirement[] {
  const reqs: FieldRequirement[] = [];
  for (const raw of s.split(',')) {
    const p = raw.trim();
    if (!p) continue;
    const m = /^([^!=]+)(==|=|!=)(.*)$/.exec(p);
    if (!m) throw badRequest(`invalid selector: '${s}'; can't understand '${p}'`);
    const label = (m[1] ?? '').trim();
    const path = label === 'metadata.name' || label === 'metadata.namespace' ? label : d.fields?.[label];
    if (!path) throw badRequest(`field label not supported: ${label}`);
    reqs.push({ path, neq: m[2] === '!=', value: m[3] ?? '' });
  }
  return reqs;
}

function fieldsMatch(reqs: FieldRequirement[], o: Obj): boolean {
  return reqs.every((r) => {
    let cur: unknown = o;
    for (const seg of r.path.split('.')) cur = isObj(cur) ? cur[seg] : undefined;
    const v = cur === undefined || cur === null ? '' : String(cur);
    return r.neq ? v !== r.value : v === r.value;
  });
}

/* ------------------------------------------------------------------------------------ */
/* Time fields                                                                           */
/* ------------------------------------------------------------------------------------ */

const RFC3339_MICRO = '2006-01-02T15:04:05.000000Z07:00';
const RFC3339 = '2006-01-02T15:04:05Z07:00';

/** metav1.MicroTime: the apiserver parses exactly six fractional digits (Date#toISOString has three). */
function normalizeMicroTime(v: string): string | { rest: string; expected: string } {
  const head = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}/.exec(v);
  if (!head) return { rest: v, expected: '2006-01-02T15:04:05' };
  const after = v.slice(19);
  const frac = /^\.(\d{6})/.exec(after);
  if (!frac) return { rest: after, expected: '.000000' };
  const tz = after.slice(7);
  if (!/^(Z|[+-]\d{2}:\d{2})$/.test(tz)) return { rest: tz, expected: 'Z07:00' };
  const base = new Date(`${v.slice(0, 19)}${tz}`);
  if (Number.isNaN(base.getTime())) return { rest: v, expected: RFC3339_MICRO };
  return `${base.toISOString().slice(0, 19)}.${frac[1] ?? '000000'}Z`;
}

/** metav1.Time: RFC3339, any fraction accepted and dropped; served in UTC with second precision. */
function normalizeTime(v: string): string | { rest: string; expected: string } {
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.exec(v);
  if (!m) return { rest: v, expected: RFC3339 };
  const d = new Date(`${m[1] ?? ''}${m[3] ?? 'Z'}`);
  if (Number.isNaN(d.getTime())) return { rest: v, expected: RFC3339 };
  return rfc3339(d);
}

function normalizeTimeFields(d: ResourceDef, o: Obj): void {
  const visit = (paths: string[] | undefined, micro: boolean) => {
    for (const path of paths ?? []) {
      const segs = path.split('.');
      let parent: unknown = o;
      for (const s of segs.slice(0, -1)) parent = isObj(parent) ? parent[s] : undefined;
      const last = segs[segs.length - 1] ?? '';
      if (!isObj(parent) || typeof parent[last] !== 'string') continue;
      const value = parent[last] as string;
      const r = micro ? normalizeMicroTime(value) : normalizeTime(value);
      if (typeof r !== 'string')
        throw decodeError(d, `parsing time ${JSON.stringify(value)} as ${JSON.stringify(micro ? RFC3339_MICRO : RFC3339)}: cannot parse ${JSON.stringify(r.rest)} as ${JSON.stringify(r.expected)}`);
      parent[last] = r;
    }
  };
  visit(d.microTimes, true);
  visit(d.times, false);
}

/* ------------------------------------------------------------------------------------ */
/* Schema validation (kubernetes-models)                                                 */
/* ------------------------------------------------------------------------------------ */

type ModelCtor = new (data: never) => { validate(): void };

interface SchemaError {
  instancePath: string;
  keyword: string;
  params: Record<string, unknown>;
  message?: string;
}

function schemaErrors(model: ModelCtor, o: Obj): SchemaError[] {
  try {
    new model(clone(o) as never).validate();
    return [];
  } catch (err) {
    const errors = (err as { errors?: unknown }).errors;
    if (Array.isArray(errors)) return errors as SchemaError[];
    throw err;
  }
}

const QUANTITY_REGEX_MSG = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";

function jsonKind(v: unknown): string {
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'object') return 'object';
  return typeof v;
}

const GO_TYPES: Record<string, string> = { integer: 'int32', number: 'float64', string: 'string', boolean: 'bool', object: 'struct', array: 'slice' };

/**
 * Split the schema's complaints the way the apiserver does: JSON type mismatches and bad
 * quantities fail decoding (400) for built-in kinds, the rest are field errors (422). Custom
 * resources are validated against their OpenAPI schema after decoding, so everything is 422.
 */
function checkSchema(d: ResourceDef, o: Obj): { decode?: string; errors: FieldError[] } {
  const raw = schemaErrors(d.model, o);
  const byPath = new Map<string, SchemaError[]>();
  for (const e of raw) {
    const list = byPath.get(e.instancePath) ?? [];
    list.push(e);
    byPath.set(e.instancePath, list);
  }
  const errors: FieldError[] = [];
  let decode: string | undefined;
  for (const [pointer, list] of byPath) {
    const value = pointerGet(o, pointer);
    const field = fieldPath(pointer);
    const isQuantity = list.some((e) => e.keyword === 'format' && e.params.format === 'quantity');
    const isUnion = list.some((e) => e.keyword === 'oneOf' || e.keyword === 'anyOf');
    const typeError = list.find((e) => e.keyword === 'type');
    for (const e of list) {
      if (e.keyword === 'required') errors.push(required(joinField(field, String(e.params.missingProperty))));
      else if (e.keyword === 'enum') errors.push(notSupported(field, value, (e.params.allowedValues as unknown[] | undefined)?.map(String) ?? []));
    }
    if (isQuantity || isUnion || typeError) {
      const wanted = str(typeError?.params.type) ?? 'string';
      if (d.crd) {
        errors.push({ type: 'Invalid', field, raw: JSON.stringify(jsonKind(value)), detail: `${field} in body must be of type ${wanted}: ${goValue(value)}` });
      } else if (isQuantity && typeof value === 'string') {
        decode ??= QUANTITY_REGEX_MSG;
      } else {
        decode ??= `json: cannot unmarshal ${jsonKind(value)} into Go struct field ${d.kind}.${field} of type ${isUnion ? 'intstr.IntOrString' : (GO_TYPES[wanted] ?? wanted)}`;
      }
      continue;
    }
    for (const e of list) {
      if (e.keyword === 'required' || e.keyword === 'enum') continue;
      errors.push(invalid(field, value, d.crd ? `${field} in body ${e.message ?? e.keyword}` : (e.message ?? e.keyword)));
    }
  }
  return { decode, errors };
}

/* ------------------------------------------------------------------------------------ */
/* Go validation, ported                                                                 */
/* ------------------------------------------------------------------------------------ */

function validateObjectMeta(d: ResourceDef, meta: KubeObjectMeta, errs: FieldError[]): void {
  const name = meta.name;
  if (typeof name !== 'string' || name === '') errs.push(required('metadata.name', 'name or generateName is required'));
  else for (const m of d.nameRule === 'label' ? dns1123Label(name) : dns1123Subdomain(name)) errs.push(invalid('metadata.name', name, m));
  if (isObj(meta.labels)) {
    for (const [k, v] of Object.entries(meta.labels)) {
      for (const m of qualifiedName(k)) errs.push(invalid('metadata.labels', k, m));
      if (typeof v === 'string') for (const m of labelValue(v)) errs.push(invalid('metadata.labels', v, m));
    }
  }
  if (isObj(meta.annotations)) {
    let size = 0;
    for (const [k, v] of Object.entries(meta.annotations)) {
      for (const m of qualifiedName(k.toLowerCase())) errs.push(invalid('metadata.annotations', k, m));
      size += k.length + (typeof v === 'string' ? v.length : 0);
    }
    if (size > 256 * 1024) errs.push({ type: 'TooLong', field: 'metadata.annotations', detail: `may not be more than ${256 * 1024} bytes` });
  }
}

function nonNegative(v: unknown, field: string, errs: FieldError[]): void {
  const n = int(v);
  if (n !== undefined && n < 0) errs.push(invalid(field, n, 'must be greater than or equal to 0'));
}

function isContainerResource(name: string): boolean {
  return name === 'cpu' || name === 'memory' || name === 'ephemeral-storage' || name.startsWith('hugepages-') || (name.includes('/') && !name.startsWith('requests.'));
}

function validateResources(res: unknown, path: string, errs: FieldError[]): void {
  if (!isObj(res)) return;
  const limits = isObj(res.limits) ? res.limits : {};
  const requests = isObj(res.requests) ? res.requests : {};
  for (const [kind, map] of [
    ['limits', limits],
    ['requests', requests],
  ] as const) {
    for (const [rn, q] of Object.entries(map)) {
      const fp = `${path}.${kind}[${rn}]`;
      if (!isContainerResource(rn)) errs.push(invalid(fp, rn, 'must be a standard resource for containers'));
      const v = parseQuantity(q);
      if (v !== undefined && v < 0) errs.push(invalid(fp, String(q), 'must be greater than or equal to 0'));
    }
  }
  for (const [rn, q] of Object.entries(requests)) {
    if (!(rn in limits)) continue;
    const r = parseQuantity(q);
    const l = parseQuantity(limits[rn]);
    if (r !== undefined && l !== undefined && r > l) errs.push(invalid(`${path}.requests`, String(q), `must be less than or equal to ${rn} limit of ${String(limits[rn])}`));
  }
}

function validatePodSpec(spec: unknown, path: string, errs: FieldError[], opts: { restartAlways: boolean }): void {
  if (!isObj(spec)) {
    errs.push(required(path));
    return;
  }
  const names = new Set<string>();
  if (!Array.isArray(spec.containers) || spec.containers.length === 0) errs.push(required(`${path}.containers`));
  for (const list of ['initContainers', 'containers'] as const) {
    const items = Array.isArray(spec[list]) ? (spec[list] as unknown[]) : [];
    items.forEach((c, i) => {
      if (!isObj(c)) return;
      const p = `${path}.${list}[${i}]`;
      if (typeof c.name === 'string' && c.name !== '') {
        for (const m of dns1123Label(c.name)) errs.push(invalid(`${p}.name`, c.name, m));
        if (names.has(c.name)) errs.push({ type: 'Duplicate', field: `${p}.name`, value: c.name });
        names.add(c.name);
      }
      if (typeof c.image !== 'string' || c.image.trim() === '') errs.push(required(`${p}.image`));
      validateResources(c.resources, `${p}.resources`, errs);
    });
  }
  if (opts.restartAlways && spec.restartPolicy !== undefined && spec.restartPolicy !== 'Always') {
    errs.push(notSupported(`${path}.restartPolicy`, spec.restartPolicy, ['Always']));
  }
}

/** Deployment / StatefulSet: selector, template labels, pod spec. */
function validateWorkloadTemplate(spec: Obj, errs: FieldError[], what: string): void {
  const sel = spec.selector;
  if (!isObj(sel)) {
    if (sel === undefined) errs.push(required('spec.selector'));
  } else {
    validateLabelSelector(sel, 'spec.selector', errs);
    const empty = Object.keys(stringMap(sel.matchLabels)).length === 0 && !(Array.isArray(sel.matchExpressions) && sel.matchExpressions.length > 0);
    if (empty) errs.push(invalid('spec.selector', sel, `empty selector is invalid for ${what}`));
    const tpl = isObj(spec.template) ? spec.template : {};
    const tplLabels = stringMap(isObj(tpl.metadata) ? tpl.metadata.labels : undefined);
    if (!empty && !labelSelectorMatches(sel, tplLabels)) {
      errs.push(invalid('spec.template.metadata.labels', tplLabels, '`selector` does not match template `labels`'));
    }
  }
  const tpl = spec.template;
  if (isObj(tpl)) {
    if (isObj(tpl.metadata) && isObj(tpl.metadata.labels)) {
      for (const [k, v] of Object.entries(tpl.metadata.labels)) {
        for (const m of qualifiedName(k)) errs.push(invalid('spec.template.metadata.labels', k, m));
        if (typeof v === 'string') for (const m of labelValue(v)) errs.push(invalid('spec.template.metadata.labels', v, m));
      }
    }
    validatePodSpec(tpl.spec, 'spec.template.spec', errs, { restartAlways: true });
    if (isObj(tpl.spec) && tpl.spec.activeDeadlineSeconds !== undefined) {
      errs.push(forbiddenField('spec.template.spec.activeDeadlineSeconds', 'activeDeadlineSeconds in ReplicaSet is not Supported'));
    }
  }
}

function intOrPercent(v: unknown, field: string, errs: FieldError[]): number | undefined {
  if (typeof v === 'number') {
    if (v < 0) errs.push(invalid(field, v, 'must be greater than or equal to 0'));
    return v;
  }
  if (typeof v === 'string') {
    const m = /^(\d+)%$/.exec(v);
    if (!m) {
      errs.push(invalid(field, v, "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')"));
      return undefined;
    }
    return Number(m[1]);
  }
  return undefined;
}

function validateDeployment(o: Obj, old: Obj | undefined): FieldError[] {
  const errs: FieldError[] = [];
  const spec = isObj(o.spec) ? o.spec : {};
  nonNegative(spec.replicas, 'spec.replicas', errs);
  validateWorkloadTemplate(spec, errs, 'deployment');
  const strategy = isObj(spec.strategy) ? spec.strategy : {};
  if (strategy.type === 'Recreate') {
    if (strategy.rollingUpdate !== undefined) errs.push(forbiddenField('spec.strategy.rollingUpdate', "may not be specified when strategy `type` is 'Recreate'"));
  } else if (strategy.type === 'RollingUpdate') {
    const ru = isObj(strategy.rollingUpdate) ? strategy.rollingUpdate : undefined;
    if (!ru) errs.push(required('spec.strategy.rollingUpdate', 'this should be defaulted and never be nil'));
    else {
      const mu = intOrPercent(ru.maxUnavailable, 'spec.strategy.rollingUpdate.maxUnavailable', errs);
      const ms = intOrPercent(ru.maxSurge, 'spec.strategy.rollingUpdate.maxSurge', errs);
      if (mu === 0 && ms === 0) errs.push(invalid('spec.strategy.rollingUpdate.maxUnavailable', ru.maxUnavailable, 'may not be 0 when `maxSurge` is 0'));
      if (typeof ru.maxUnavailable === 'string' && mu !== undefined && mu > 100) {
        errs.push(invalid('spec.strategy.rollingUpdate.maxUnavailable', ru.maxUnavailable, 'must not be greater than 100%'));
      }
    }
  } else {
    errs.push(notSupported('spec.strategy', strategy, ['Recreate', 'RollingUpdate']));
  }
  nonNegative(spec.minReadySeconds, 'spec.minReadySeconds', errs);
  nonNegative(spec.revisionHistoryLimit, 'spec.revisionHistoryLimit', errs);
  const pds = int(spec.progressDeadlineSeconds);
  if (pds !== undefined) {
    nonNegative(pds, 'spec.progressDeadlineSeconds', errs);
    if (pds <= (int(spec.minReadySeconds) ?? 0)) errs.push(invalid('spec.progressDeadlineSeconds', pds, 'must be greater than minReadySeconds'));
  }
  if (old && isObj(old.spec) && !isDeepStrictEqual(spec.selector, old.spec.selector)) {
    errs.push(invalid('spec.selector', spec.selector, 'field is immutable'));
  }
  return errs;
}

function validateStatefulSet(o: Obj, old: Obj | undefined): FieldError[] {
  const errs: FieldError[] = [];
  const spec = isObj(o.spec) ? o.spec : {};
  nonNegative(spec.replicas, 'spec.replicas', errs);
  validateWorkloadTemplate(spec, errs, 'statefulset');
  if (spec.podManagementPolicy !== undefined && spec.podManagementPolicy !== 'OrderedReady' && spec.podManagementPolicy !== 'Parallel') {
    errs.push(notSupported('spec.podManagementPolicy', spec.podManagementPolicy, ['OrderedReady', 'Parallel']));
  }
  const us = isObj(spec.updateStrategy) ? spec.updateStrategy : {};
  if (us.type !== undefined && us.type !== 'RollingUpdate' && us.type !== 'OnDelete') {
    errs.push(notSupported('spec.updateStrategy.type', us.type, ['OnDelete', 'RollingUpdate']));
  }
  nonNegative(spec.minReadySeconds, 'spec.minReadySeconds', errs);
  nonNegative(spec.revisionHistoryLimit, 'spec.revisionHistoryLimit', errs);
  if (old && isObj(old.spec)) {
    const mutable = ['replicas', 'template', 'updateStrategy', 'minReadySeconds', 'ordinals', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy'];
    const a = { ...spec };
    const b = { ...old.spec };
    for (const k of mutable) {
      delete a[k];
      delete b[k];
    }
    if (!isDeepStrictEqual(a, b)) {
      errs.push(
        forbiddenField(
          'spec',
          "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden",
        ),
      );
    }
  }
  return errs;
}

const METRIC_SOURCES: Record<string, string> = { ContainerResource: 'containerResource', External: 'external', Object: 'object', Pods: 'pods', Resource: 'resource' };

function validateMetricTarget(t: unknown, path: string, errs: FieldError[]): void {
  if (!isObj(t)) {
    errs.push(required(`${path}.type`, 'must specify a metric target type'));
    return;
  }
  if (t.type === undefined || t.type === '') errs.push(required(`${path}.type`, 'must specify a metric target type'));
  if (t.type !== 'Utilization' && t.type !== 'Value' && t.type !== 'AverageValue') {
    errs.push(invalid(`${path}.type`, t.type ?? '', 'must be either Utilization, Value, or AverageValue'));
  }
  for (const k of ['value', 'averageValue'] as const) {
    if (t[k] === undefined) continue;
    const q = parseQuantity(t[k]);
    if (q !== undefined && q <= 0) errs.push(invalid(`${path}.${k}`, String(t[k]), 'must be positive'));
  }
  const u = int(t.averageUtilization);
  if (u !== undefined && u < 1) errs.push(invalid(`${path}.averageUtilization`, u, 'must be greater than 0'));
}

function validateHpaScalingRules(rules: unknown, path: string, errs: FieldError[]): void {
  if (!isObj(rules)) return;
  const w = int(rules.stabilizationWindowSeconds);
  if (w !== undefined && w < 0) errs.push(invalid(`${path}.stabilizationWindowSeconds`, w, 'must be greater than or equal to zero'));
  if (w !== undefined && w > 3600) errs.push(invalid(`${path}.stabilizationWindowSeconds`, w, 'must be less than or equal to 3600'));
  if (rules.selectPolicy !== undefined && !['Max', 'Min', 'Disabled'].includes(String(rules.selectPolicy))) {
    errs.push(notSupported(`${path}.selectPolicy`, rules.selectPolicy, ['Disabled', 'Max', 'Min']));
  }
  const policies = Array.isArray(rules.policies) ? rules.policies : [];
  if (policies.length === 0) errs.push(required(`${path}.policies`, 'must specify at least one Policy'));
  policies.forEach((p, i) => {
    if (!isObj(p)) return;
    const pp = `${path}.policies[${i}]`;
    if (p.type !== 'Pods' && p.type !== 'Percent') errs.push(notSupported(`${pp}.type`, p.type ?? '', ['Percent', 'Pods']));
    const value = int(p.value) ?? 0;
    if (value <= 0) errs.push(invalid(`${pp}.value`, value, 'must be greater than zero'));
    const period = int(p.periodSeconds) ?? 0;
    if (period <= 0) errs.push(invalid(`${pp}.periodSeconds`, period, 'must be greater than zero'));
    if (period > 1800) errs.push(invalid(`${pp}.periodSeconds`, period, 'must be less than or equal to 1800'));
  });
}

function validateHpa(o: Obj): FieldError[] {
  const errs: FieldError[] = [];
  const spec = isObj(o.spec) ? o.spec : {};
  const min = int(spec.minReplicas);
  const max = int(spec.maxReplicas) ?? 0;
  if (min !== undefined && min < 1) errs.push(invalid('spec.minReplicas', min, 'must be greater than or equal to 1'));
  if (max < 1) errs.push(invalid('spec.maxReplicas', max, 'must be greater than 0'));
  if (min !== undefined && max < min) errs.push(invalid('spec.maxReplicas', max, 'must be greater than or equal to `minReplicas`'));
  const refErrs: FieldError[] = [];
  const ref = isObj(spec.scaleTargetRef) ? spec.scaleTargetRef : {};
  if (!ref.kind) refErrs.push(required('spec.scaleTargetRef.kind'));
  if (!ref.name) refErrs.push(required('spec.scaleTargetRef.name'));
  if (refErrs.length) return [...errs, ...refErrs];
  const metricErrs: FieldError[] = [];
  const metrics = Array.isArray(spec.metrics) ? spec.metrics : [];
  metrics.forEach((m, i) => {
    if (!isObj(m)) return;
    const p = `spec.metrics[${i}]`;
    const type = str(m.type) ?? '';
    if (!type) metricErrs.push(required(`${p}.type`, 'must specify a metric source type'));
    const expected = METRIC_SOURCES[type];
    if (!expected) {
      metricErrs.push(notSupported(`${p}.type`, type, Object.keys(METRIC_SOURCES)));
      return;
    }
    if (!isObj(m[expected])) metricErrs.push(required(`${p}.${expected}`, 'must populate information for the given metric source'));
    for (const other of Object.values(METRIC_SOURCES)) {
      if (other !== expected && m[other] !== undefined) metricErrs.push(forbiddenField(`${p}.${other}`, 'must populate the given metric source only'));
    }
    const src = m[expected];
    if ((type === 'Resource' || type === 'ContainerResource') && isObj(src)) {
      if (!src.name) metricErrs.push(required(`${p}.${expected}.name`, 'must specify a resource name'));
      if (type === 'ContainerResource' && !src.container) metricErrs.push(required(`${p}.${expected}.container`, 'must specify a container'));
      validateMetricTarget(src.target, `${p}.${expected}.target`, metricErrs);
      const t = isObj(src.target) ? src.target : {};
      if (t.averageUtilization === undefined && t.averageValue === undefined) {
        metricErrs.push(required(`${p}.${expected}.target.averageUtilization`, 'must set either a target raw value or a target utilization'));
      }
      if (t.averageUtilization !== undefined && t.averageValue !== undefined) {
        metricErrs.push(forbiddenField(`${p}.${expected}.target.averageValue`, 'may not set both a target raw value and a target utilization'));
      }
    } else if (isObj(src)) {
      if (isObj(src.metric) && !src.metric.name) metricErrs.push(required(`${p}.${expected}.metric.name`, 'must specify a metric name'));
      validateMetricTarget(src.target, `${p}.${expected}.target`, metricErrs);
    }
  });
  if (metricErrs.length) return [...errs, ...metricErrs];
  const behavior = isObj(spec.behavior) ? spec.behavior : undefined;
  if (behavior) {
    validateHpaScalingRules(behavior.scaleUp, 'spec.behavior.scaleUp', errs);
    validateHpaScalingRules(behavior.scaleDown, 'spec.behavior.scaleDown', errs);
  }
  return errs;
}

function validateLease(o: Obj): FieldError[] {
  const errs: FieldError[] = [];
  const spec = isObj(o.spec) ? o.spec : {};
  const dur = int(spec.leaseDurationSeconds);
  if (dur !== undefined && dur <= 0) errs.push(invalid('spec.leaseDurationSeconds', dur, 'must be greater than 0'));
  nonNegative(spec.leaseTransitions, 'spec.leaseTransitions', errs);
  return errs;
}

/** core/v1 Event, the apiserver's legacyValidateEvent for requests in v1. */
function validateEvent(o: Obj): FieldError[] {
  const errs: FieldError[] = [];
  const ns = metaOf(o).namespace ?? '';
  const involved = isObj(o.involvedObject) ? o.involvedObject : {};
  const involvedNs = str(involved.namespace) ?? '';
  if (!o.eventTime) {
    if (!involvedNs) {
      if (ns !== '' && ns !== 'default') errs.push(invalid('involvedObject.namespace', involvedNs, 'does not match event.namespace'));
    } else if (ns !== involvedNs) errs.push(invalid('involvedObject.namespace', involvedNs, 'does not match event.namespace'));
  } else {
    if (!involvedNs && ns !== 'default' && ns !== 'kube-system') errs.push(invalid('involvedObject.namespace', involvedNs, 'does not match event.namespace'));
    const rc = str(o.reportingComponent) ?? '';
    if (!rc) errs.push(required('reportingComponent'));
    else for (const m of qualifiedName(rc)) errs.push(invalid('reportingComponent', rc, m));
    const ri = str(o.reportingInstance) ?? '';
    if (!ri) errs.push(required('reportingInstance'));
    if (ri.length > 128) errs.push(invalid('reportingInstance', '', 'can have at most 128 characters'));
    const action = str(o.action) ?? '';
    if (!action) errs.push(required('action'));
    if (action.length > 128) errs.push(invalid('action', '', 'can have at most 128 characters'));
    const reason = str(o.reason) ?? '';
    if (!reason) errs.push(required('reason'));
    if (reason.length > 128) errs.push(invalid('reason', '', 'can have at most 128 characters'));
    if ((str(o.message) ?? '').length > 1024) errs.push(invalid('message', '', 'can have at most 1024 characters'));
  }
  for (const m of dns1123Subdomain(ns)) errs.push(invalid('namespace', ns, m));
  return errs;
}

function validateResourceQuota(o: Obj): FieldError[] {
  const errs: FieldError[] = [];
  const spec = isObj(o.spec) ? o.spec : {};
  for (const [rn, q] of Object.entries(isObj(spec.hard) ? spec.hard : {})) {
    const v = parseQuantity(q);
    if (v !== undefined && v < 0) errs.push(invalid(`spec.hard[${rn}]`, String(q), 'must be greater than or equal to 0'));
  }
  return errs;
}

function validateLimitRange(o: Obj): FieldError[] {
  const errs: FieldError[] = [];
  const spec = isObj(o.spec) ? o.spec : {};
  const limits = Array.isArray(spec.limits) ? spec.limits : [];
  limits.forEach((item, i) => {
    if (!isObj(item)) return;
    const p = `spec.limits[${i}]`;
    const maps: Record<string, Obj> = {};
    for (const k of ['max', 'min', 'default', 'defaultRequest', 'maxLimitRequestRatio']) {
      maps[k] = isObj(item[k]) ? (item[k] as Obj) : {};
      for (const [rn, q] of Object.entries(maps[k] ?? {})) {
        const v = parseQuantity(q);
        if (v !== undefined && v < 0) errs.push(invalid(`${p}.${k}[${rn}]`, String(q), 'must be greater than or equal to 0'));
      }
    }
    const resources = new Set(Object.values(maps).flatMap((m) => Object.keys(m)));
    for (const rn of resources) {
      const get = (k: string) => {
        const raw = maps[k]?.[rn];
        return raw === undefined ? undefined : { raw: String(raw), v: parseQuantity(raw) ?? 0 };
      };
      const min = get('min');
      const max = get('max');
      const def = get('default');
      const defReq = get('defaultRequest');
      if (min && max && min.v > max.v) errs.push(invalid(`${p}.min[${rn}]`, min.raw, `min value ${min.raw} is greater than max value ${max.raw}`));
      if (defReq && min && min.v > defReq.v) errs.push(invalid(`${p}.defaultRequest[${rn}]`, defReq.raw, `min value ${min.raw} is greater than default request value ${defReq.raw}`));
      if (defReq && max && defReq.v > max.v) errs.push(invalid(`${p}.defaultRequest[${rn}]`, defReq.raw, `default request value ${defReq.raw} is greater than max value ${max.raw}`));
      if (defReq && def && defReq.v > def.v) errs.push(invalid(`${p}.defaultRequest[${rn}]`, defReq.raw, `default request value ${defReq.raw} is greater than default limit value ${def.raw}`));
      if (def && min && min.v > def.v) errs.push(invalid(`${p}.default[${rn}]`, def.raw, `min value ${min.raw} is greater than default value ${def.raw}`));
      if (def && max && def.v > max.v) errs.push(invalid(`${p}.default[${rn}]`, def.raw, `default value ${def.raw} is greater than max value ${max.raw}`));
    }
  });
  return errs;
}

/* ------------------------------------------------------------------------------------ */
/* Defaulting (the parts of SetDefaults_* a client sees)                                 */
/* ------------------------------------------------------------------------------------ */

function defaultPullPolicy(image: unknown): string {
  if (typeof image !== 'string') return 'IfNotPresent';
  if (image.includes('@')) return 'IfNotPresent';
  const last = image.slice(image.lastIndexOf('/') + 1);
  const colon = last.lastIndexOf(':');
  if (colon < 0) return 'Always';
  return last.slice(colon + 1) === 'latest' ? 'Always' : 'IfNotPresent';
}

function defaultPodSpec(spec: unknown): void {
  if (!isObj(spec)) return;
  spec.restartPolicy ??= 'Always';
  spec.terminationGracePeriodSeconds ??= 30;
  spec.dnsPolicy ??= 'ClusterFirst';
  spec.schedulerName ??= 'default-scheduler';
  spec.securityContext ??= {};
  for (const list of ['initContainers', 'containers']) {
    const items = Array.isArray(spec[list]) ? (spec[list] as unknown[]) : [];
    for (const c of items) {
      if (!isObj(c)) continue;
      c.terminationMessagePath ??= '/dev/termination-log';
      c.terminationMessagePolicy ??= 'File';
      c.imagePullPolicy ??= defaultPullPolicy(c.image);
      c.resources ??= {};
      if (Array.isArray(c.ports)) for (const p of c.ports) if (isObj(p)) p.protocol ??= 'TCP';
    }
  }
}

function defaultTemplate(spec: Obj): void {
  if (isObj(spec.template)) defaultPodSpec(spec.template.spec);
}

function defaultDeployment(o: Obj): void {
  if (!isObj(o.spec)) return;
  const spec = o.spec;
  spec.replicas ??= 1;
  spec.revisionHistoryLimit ??= 10;
  spec.progressDeadlineSeconds ??= 600;
  const strategy = obj(spec, 'strategy');
  strategy.type ??= 'RollingUpdate';
  if (strategy.type === 'RollingUpdate') {
    const ru = obj(strategy, 'rollingUpdate');
    ru.maxUnavailable ??= '25%';
    ru.maxSurge ??= '25%';
  }
  defaultTemplate(spec);
}

function defaultStatefulSet(o: Obj): void {
  if (!isObj(o.spec)) return;
  const spec = o.spec;
  spec.replicas ??= 1;
  spec.podManagementPolicy ??= 'OrderedReady';
  spec.revisionHistoryLimit ??= 10;
  const us = obj(spec, 'updateStrategy');
  us.type ??= 'RollingUpdate';
  if (us.type === 'RollingUpdate') obj(us, 'rollingUpdate').partition ??= 0;
  const pvc = obj(spec, 'persistentVolumeClaimRetentionPolicy');
  pvc.whenDeleted ??= 'Retain';
  pvc.whenScaled ??= 'Retain';
  defaultTemplate(spec);
}

function scalingRules(given: unknown, defaults: Obj): Obj {
  const out = clone(defaults);
  if (isObj(given)) {
    if (given.stabilizationWindowSeconds !== undefined) out.stabilizationWindowSeconds = given.stabilizationWindowSeconds;
    if (given.selectPolicy !== undefined) out.selectPolicy = given.selectPolicy;
    if (given.policies !== undefined) out.policies = given.policies;
    if (given.tolerance !== undefined) out.tolerance = given.tolerance;
  }
  return out;
}

function defaultHpa(o: Obj): void {
  if (!isObj(o.spec)) return;
  const spec = o.spec;
  spec.minReplicas ??= 1;
  if (!Array.isArray(spec.metrics) || spec.metrics.length === 0) {
    spec.metrics = [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } }];
  }
  if (isObj(spec.behavior)) {
    spec.behavior.scaleUp = scalingRules(spec.behavior.scaleUp, {
      stabilizationWindowSeconds: 0,
      selectPolicy: 'Max',
      policies: [
        { type: 'Pods', value: 4, periodSeconds: 15 },
        { type: 'Percent', value: 100, periodSeconds: 15 },
      ],
    });
    spec.behavior.scaleDown = scalingRules(spec.behavior.scaleDown, { selectPolicy: 'Max', policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }] });
  }
}

function defaultEvent(o: Obj): void {
  o.reportingComponent ??= '';
  o.reportingInstance ??= '';
}

function defaultNamespace(o: Obj): void {
  const spec = obj(o, 'spec');
  spec.finalizers ??= ['kubernetes'];
  obj(o, 'status').phase ??= 'Active';
}

/* ------------------------------------------------------------------------------------ */
/* Served resources                                                                      */
/* ------------------------------------------------------------------------------------ */

interface ResourceDef {
  group: string;
  version: string;
  resource: string;
  kind: string;
  singular: string;
  namespaced: boolean;
  shortNames?: string[];
  model: ModelCtor;
  /** A custom resource (KEDA): CRD-style schema errors, no strategic merge patch, items keep apiVersion/kind. */
  crd?: boolean;
  /** The main resource ignores status on update; create resets it. */
  statusSubresource: boolean;
  /** Status a create starts with (when statusSubresource). */
  initialStatus?: () => Obj | undefined;
  /** metadata.generation is kept and bumped on spec changes. */
  generation: boolean;
  /** PUT without metadata.resourceVersion is allowed. */
  unconditionalUpdate: boolean;
  /** PUT of a missing object creates it. */
  createOnUpdate: boolean;
  nameRule: 'subdomain' | 'label';
  /** Extra fieldSelector labels -> object path. */
  fields?: Record<string, string>;
  microTimes?: string[];
  times?: string[];
  defaults?: (o: Obj) => void;
  validate?: (o: Obj, old: Obj | undefined) => FieldError[];
}

const ALL_VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

const RESOURCES: ResourceDef[] = [
  {
    group: '',
    version: 'v1',
    resource: 'namespaces',
    kind: 'Namespace',
    singular: 'namespace',
    namespaced: false,
    shortNames: ['ns'],
    model: Namespace as unknown as ModelCtor,
    statusSubresource: true,
    initialStatus: () => ({ phase: 'Active' }),
    generation: false,
    unconditionalUpdate: true,
    createOnUpdate: false,
    nameRule: 'label',
    fields: { 'status.phase': 'status.phase' },
    defaults: defaultNamespace,
  },
  {
    group: '',
    version: 'v1',
    resource: 'nodes',
    kind: 'Node',
    singular: 'node',
    namespaced: false,
    shortNames: ['no'],
    model: NodeModel as unknown as ModelCtor,
    statusSubresource: true,
    initialStatus: () => ({}),
    generation: false,
    unconditionalUpdate: true,
    createOnUpdate: false,
    nameRule: 'subdomain',
    fields: { 'spec.unschedulable': 'spec.unschedulable' },
  },
  {
    group: '',
    version: 'v1',
    resource: 'pods',
    kind: 'Pod',
    singular: 'pod',
    namespaced: true,
    shortNames: ['po'],
    model: Pod as unknown as ModelCtor,
    statusSubresource: true,
    initialStatus: () => ({ phase: 'Pending' }),
    generation: false,
    unconditionalUpdate: true,
    createOnUpdate: false,
    nameRule: 'subdomain',
    fields: {
      'spec.nodeName': 'spec.nodeName',
      'spec.restartPolicy': 'spec.restartPolicy',
      'spec.schedulerName': 'spec.schedulerName',
      'spec.serviceAccountName': 'spec.serviceAccountName',
      'status.phase': 'status.phase',
      'status.podIP': 'status.podIP',
      'status.nominatedNodeName': 'status.nominatedNodeName',
    },
    defaults: (o) => defaultPodSpec(o.spec),
    validate: (o) => {
      const errs: FieldError[] = [];
      validatePodSpec(o.spec, 'spec', errs, { restartAlways: false });
      return errs;
    },
  },
  {
    group: '',
    version: 'v1',
    resource: 'events',
    kind: 'Event',
    singular: 'event',
    namespaced: true,
    shortNames: ['ev'],
    model: EventModel as unknown as ModelCtor,
    statusSubresource: false,
    generation: false,
    unconditionalUpdate: true,
    createOnUpdate: true,
    nameRule: 'subdomain',
    fields: {
      'involvedObject.kind': 'involvedObject.kind',
      'involvedObject.namespace': 'involvedObject.namespace',
      'involvedObject.name': 'involvedObject.name',
      'involvedObject.uid': 'involvedObject.uid',
      'involvedObject.apiVersion': 'involvedObject.apiVersion',
      'involvedObject.resourceVersion': 'involvedObject.resourceVersion',
      'involvedObject.fieldPath': 'involvedObject.fieldPath',
      reason: 'reason',
      reportingComponent: 'reportingComponent',
      source: 'source.component',
      type: 'type',
    },
    microTimes: ['eventTime', 'series.lastObservedTime'],
    times: ['firstTimestamp', 'lastTimestamp'],
    defaults: defaultEvent,
    validate: validateEvent,
  },
  {
    group: '',
    version: 'v1',
    resource: 'resourcequotas',
    kind: 'ResourceQuota',
    singular: 'resourcequota',
    namespaced: true,
    shortNames: ['quota'],
    model: ResourceQuota as unknown as ModelCtor,
    statusSubresource: true,
    initialStatus: () => ({}),
    generation: false,
    unconditionalUpdate: true,
    createOnUpdate: false,
    nameRule: 'subdomain',
    validate: validateResourceQuota,
  },
  {
    group: '',
    version: 'v1',
    resource: 'limitranges',
    kind: 'LimitRange',
    singular: 'limitrange',
    namespaced: true,
    shortNames: ['limits'],
    model: LimitRange as unknown as ModelCtor,
    statusSubresource: false,
    generation: false,
    unconditionalUpdate: true,
    createOnUpdate: false,
    nameRule: 'subdomain',
    validate: validateLimitRange,
  },
  {
    group: 'apps',
    version: 'v1',
    resource: 'deployments',
    kind: 'Deployment',
    singular: 'deployment',
    namespaced: true,
    shortNames: ['deploy'],
    model: Deployment as unknown as ModelCtor,
    statusSubresource: true,
    initialStatus: () => ({}),
    generation: true,
    unconditionalUpdate: true,
    createOnUpdate: false,
    nameRule: 'subdomain',
    defaults: defaultDeployment,
    validate: validateDeployment,
  },
  {
    group: 'apps',
    version: 'v1',
    resource: 'statefulsets',
    kind: 'StatefulSet',
    singular: 'statefulset',
    namespaced: true,
    shortNames: ['sts'],
    model: StatefulSet as unknown as ModelCtor,
    statusSubresource: true,
    initialStatus: () => ({ replicas: 0, availableReplicas: 0 }),
    generation: true,
    unconditionalUpdate: true,
    createOnUpdate: false,
    nameRule: 'subdomain',
    defaults: defaultStatefulSet,
    validate: validateStatefulSet,
  },
  {
    group: 'autoscaling',
    version: 'v2',
    resource: 'horizontalpodautoscalers',
    kind: 'HorizontalPodAutoscaler',
    singular: 'horizontalpodautoscaler',
    namespaced: true,
    shortNames: ['hpa'],
    model: HorizontalPodAutoscaler as unknown as ModelCtor,
    statusSubresource: true,
    initialStatus: () => ({ desiredReplicas: 0 }),
    generation: true,
    unconditionalUpdate: true,
    createOnUpdate: false,
    nameRule: 'subdomain',
    defaults: defaultHpa,
    validate: validateHpa,
  },
  {
    group: 'keda.sh',
    version: 'v1alpha1',
    resource: 'scaledobjects',
    kind: 'ScaledObject',
    singular: 'scaledobject',
    namespaced: true,
    shortNames: ['so'],
    model: ScaledObject as unknown as ModelCtor,
    crd: true,
    statusSubresource: true,
    initialStatus: () => undefined,
    generation: true,
    unconditionalUpdate: false,
    createOnUpdate: false,
    nameRule: 'subdomain',
  },
  {
    group: 'coordination.k8s.io',
    version: 'v1',
    resource: 'leases',
    kind: 'Lease',
    singular: 'lease',
    namespaced: true,
    model: Lease as unknown as ModelCtor,
    statusSubresource: false,
    generation: false,
    unconditionalUpdate: false,
    createOnUpdate: false,
    nameRule: 'subdomain',
    microTimes: ['spec.acquireTime', 'spec.renewTime'],
    validate: validateLease,
  },
];

function findDef(group: string, version: string, resource: string): ResourceDef | undefined {
  return RESOURCES.find((d) => d.group === group && d.version === version && d.resource === resource);
}

function findDefByKind(apiVersion: string, kind: string): ResourceDef {
  const d = RESOURCES.find((r) => apiVersionOf(r) === apiVersion && r.kind === kind);
  if (!d) {
    throw new Error(`fake kube: ${apiVersion} ${kind} is not served (served: ${RESOURCES.map((r) => `${apiVersionOf(r)} ${r.kind}`).join(', ')})`);
  }
  return d;
}

/* ------------------------------------------------------------------------------------ */
/* Patches                                                                               */
/* ------------------------------------------------------------------------------------ */

function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isObj(patch)) return clone(patch);
  const out: Obj = isObj(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

/** patchMergeKey of the list fields a workload patch usually touches. */
const SMP_MERGE_KEYS: Record<string, string> = {
  containers: 'name',
  initContainers: 'name',
  ephemeralContainers: 'name',
  env: 'name',
  volumes: 'name',
  volumeMounts: 'mountPath',
  ports: 'containerPort',
  imagePullSecrets: 'name',
  conditions: 'type',
  hostAliases: 'ip',
};

/** Strategic merge patch, basic: merge-patch plus merge-by-key lists and `$patch: delete|replace`. */
function strategicMerge(target: unknown, patch: unknown): unknown {
  if (!isObj(patch)) return clone(patch);
  if (patch.$patch === 'replace') {
    const { $patch: _directive, ...rest } = patch;
    return clone(rest);
  }
  const out: Obj = isObj(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (k.startsWith('$')) continue;
    if (v === null) {
      delete out[k];
      continue;
    }
    const mergeKey = SMP_MERGE_KEYS[k];
    if (mergeKey && Array.isArray(v) && Array.isArray(out[k])) {
      const list = [...(out[k] as unknown[])];
      for (const item of v) {
        if (!isObj(item)) continue;
        const idx = list.findIndex((x) => isObj(x) && x[mergeKey] === item[mergeKey]);
        if (item.$patch === 'delete') {
          if (idx >= 0) list.splice(idx, 1);
        } else if (idx >= 0) list[idx] = strategicMerge(list[idx], item);
        else list.push(strategicMerge(undefined, item));
      }
      out[k] = list;
    } else out[k] = strategicMerge(out[k], v);
  }
  return out;
}

class PatchError extends Error {}

function jsonPatch(doc: unknown, ops: unknown): unknown {
  if (!Array.isArray(ops)) throw new PatchError('json: cannot unmarshal object into Go value of type jsonpatch.Patch');
  let root = clone(doc);
  const parse = (p: unknown): string[] => {
    if (typeof p !== 'string' || (p !== '' && !p.startsWith('/'))) throw new PatchError(`invalid path: ${String(p)}`);
    return p === '' ? [] : p.slice(1).split('/').map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  };
  const parentOf = (segs: string[], op: string): { parent: Obj | unknown[]; key: string } => {
    let cur: unknown = root;
    for (const s of segs.slice(0, -1)) {
      if (Array.isArray(cur)) cur = cur[Number(s)];
      else if (isObj(cur)) cur = cur[s];
      else cur = undefined;
      if (cur === undefined) throw new PatchError(`${op} operation does not apply: doc is missing path: "/${segs.join('/')}": missing value`);
    }
    if (!Array.isArray(cur) && !isObj(cur)) throw new PatchError(`${op} operation does not apply: doc is missing path: "/${segs.join('/')}": missing value`);
    return { parent: cur, key: segs[segs.length - 1] ?? '' };
  };
  const getAt = (segs: string[], op: string): unknown => {
    if (segs.length === 0) return root;
    const { parent, key } = parentOf(segs, op);
    const v = Array.isArray(parent) ? parent[Number(key)] : parent[key];
    if (v === undefined) throw new PatchError(`${op} operation does not apply: doc is missing path: "/${segs.join('/')}": missing value`);
    return v;
  };
  const remove = (segs: string[], op: string): unknown => {
    const v = getAt(segs, op);
    const { parent, key } = parentOf(segs, op);
    if (Array.isArray(parent)) parent.splice(Number(key), 1);
    else delete parent[key];
    return v;
  };
  const add = (segs: string[], value: unknown, op: string, replace: boolean) => {
    if (segs.length === 0) {
      root = clone(value);
      return;
    }
    const { parent, key } = parentOf(segs, op);
    if (Array.isArray(parent)) {
      const idx = key === '-' ? parent.length : Number(key);
      if (!Number.isInteger(idx) || idx < 0 || idx > parent.length) throw new PatchError(`${op} operation does not apply: index out of range: ${key}`);
      if (replace) parent[idx] = clone(value);
      else parent.splice(idx, 0, clone(value));
    } else parent[key] = clone(value);
  };
  for (const raw of ops) {
    if (!isObj(raw)) throw new PatchError('invalid operation');
    const op = str(raw.op) ?? '';
    const path = parse(raw.path);
    switch (op) {
      case 'add':
        add(path, raw.value, op, false);
        break;
      case 'remove':
        remove(path, op);
        break;
      case 'replace':
        getAt(path, op);
        add(path, raw.value, op, true);
        break;
      case 'move': {
        const v = remove(parse(raw.from), op);
        add(path, v, op, false);
        break;
      }
      case 'copy':
        add(path, getAt(parse(raw.from), op), op, false);
        break;
      case 'test':
        if (!isDeepStrictEqual(getAt(path, op), raw.value)) throw new PatchError(`testing value /${path.join('/')} failed: test failed`);
        break;
      default:
        throw new PatchError(`Unexpected kind: ${op}`);
    }
  }
  return root;
}

/* ------------------------------------------------------------------------------------ */
/* The server                                                                            */
/* ------------------------------------------------------------------------------------ */

interface Stored {
  def: ResourceDef;
  obj: KubeObject;
}

interface LogEntry {
  rev: number;
  def: ResourceDef;
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  obj: KubeObject;
  old?: KubeObject;
}

interface Watcher {
  def: ResourceDef;
  namespace?: string;
  labels: LabelRequirement[];
  fields: FieldRequirement[];
  res: ServerResponse;
  timer?: NodeJS.Timeout;
}

interface Ctx {
  req: IncomingMessage;
  res: ServerResponse;
  record: KubeRequest;
  def: ResourceDef;
  verb: KubeVerb;
  namespace?: string;
  name?: string;
  query: URLSearchParams;
  body: string;
  contentType: string;
  dryRun: boolean;
}

const DEFAULT_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];
const NAME_CHARS = 'bcdfghjklmnpqrstvwxz2456789';

class FakeKubeServer implements FakeKube {
  url = '';
  events: KubeObject[] = [];
  requests: KubeRequest[] = [];

  private readonly server: Server;
  private readonly token: string;
  private readonly user: string;
  private readonly anonymous: boolean;
  private readonly rbac?: RbacGrant[];
  private readonly now: () => Date;
  private readonly store = new Map<string, Stored>();
  private readonly log: LogEntry[] = [];
  private readonly watchers = new Set<Watcher>();
  private readonly forbids: ForbidMatch[] = [];
  private readonly delays: { match: DelayMatch; ms: number }[] = [];
  private readonly hooks: AdmissionHook[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private rev = 1000;

  constructor(opts: FakeKubeOptions) {
    this.token = opts.token ?? 'kube-token';
    this.user = opts.user ?? 'system:serviceaccount:augur:augur';
    this.anonymous = opts.anonymous ?? false;
    this.rbac = opts.rbac;
    this.now = opts.now ?? (() => new Date());
    for (const ns of [...DEFAULT_NAMESPACES, ...(opts.namespaces ?? [])]) {
      if (!this.get('v1', 'Namespace', undefined, ns)) this.put({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    }
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        if (!res.headersSent) {
          res.writeHead(500, { 'Content-Type': 'application/json' });
          res.end(JSON.stringify(new KubeError(500, 'InternalError', `Internal error occurred: ${String(err)}`).status()));
        } else res.destroy();
      });
    });
  }

  async listen(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(0, '127.0.0.1', () => resolve());
    });
    const { port } = this.server.address() as AddressInfo;
    this.url = `http://127.0.0.1:${port}`;
  }

  async close(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const w of this.watchers) {
      if (w.timer) clearTimeout(w.timer);
      w.res.end();
    }
    this.watchers.clear();
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  kubeconfig(opts: { namespace?: string; token?: string } = {}): string {
    return [
      'apiVersion: v1',
      'kind: Config',
      'clusters:',
      '- name: fake-kube',
      '  cluster:',
      `    server: ${this.url}`,
      // client-node refuses an http:// server unless TLS verification is off (there is no TLS).
      '    insecure-skip-tls-verify: true',
      'users:',
      '- name: augur',
      '  user:',
      `    token: ${JSON.stringify(opts.token ?? this.token)}`,
      'contexts:',
      '- name: fake-kube',
      '  context:',
      '    cluster: fake-kube',
      '    user: augur',
      ...(opts.namespace ? [`    namespace: ${opts.namespace}`] : []),
      'current-context: fake-kube',
      '',
    ].join('\n');
  }

  /* ------------------------------------------------------------- test-side store access */

  put(input: KubeObject): KubeObject {
    const d = findDefByKind(input.apiVersion, input.kind);
    const o = stripNulls(clone(input)) as Obj;
    const meta = metaOf(o);
    if (!meta.name) throw new Error(`fake kube: put ${input.kind} needs metadata.name`);
    if (d.namespaced) meta.namespace ||= 'default';
    else delete meta.namespace;
    const key = this.key(d, meta.namespace, meta.name);
    const old = this.store.get(key)?.obj;
    meta.uid ||= old?.metadata.uid ?? randomUUID();
    meta.creationTimestamp ||= old?.metadata.creationTimestamp ?? rfc3339(this.now());
    if (d.generation) meta.generation ??= old?.metadata.generation ?? 1;
    delete meta.resourceVersion;
    try {
      normalizeTimeFields(d, o);
      d.defaults?.(o);
      const schema = checkSchema(d, o);
      if (schema.decode) throw decodeError(d, schema.decode);
      const errs = [...schema.errors];
      validateObjectMeta(d, meta, errs);
      errs.push(...(d.validate?.(o, undefined) ?? []));
      if (errs.length) throw invalidError(d, meta.name, errs);
    } catch (err) {
      if (err instanceof KubeError) throw new Error(`fake kube: put rejected: ${err.message}`);
      throw err;
    }
    if (d.namespaced && meta.namespace && !this.store.has(this.key(findDefByKind('v1', 'Namespace'), undefined, meta.namespace))) {
      this.put({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: meta.namespace } });
    }
    return clone(this.write(d, o as KubeObject, old));
  }

  get(apiVersion: string, kind: string, namespace: string | undefined, name: string): KubeObject | undefined {
    const d = findDefByKind(apiVersion, kind);
    const s = this.store.get(this.key(d, d.namespaced ? (namespace ?? 'default') : undefined, name));
    return s ? clone(s.obj) : undefined;
  }

  list(apiVersion: string, kind: string, namespace?: string): KubeObject[] {
    const d = findDefByKind(apiVersion, kind);
    return this.objectsOf(d, namespace).map((o) => clone(o));
  }

  remove(apiVersion: string, kind: string, namespace: string | undefined, name: string): boolean {
    const d = findDefByKind(apiVersion, kind);
    const key = this.key(d, d.namespaced ? (namespace ?? 'default') : undefined, name);
    const s = this.store.get(key);
    if (!s) return false;
    this.store.delete(key);
    const gone = clone(s.obj);
    gone.metadata.resourceVersion = String(++this.rev);
    this.notify(d, 'DELETED', gone, s.obj);
    return true;
  }

  forbid(match: ForbidMatch): () => void {
    this.forbids.push(match);
    return () => {
      const i = this.forbids.indexOf(match);
      if (i >= 0) this.forbids.splice(i, 1);
    };
  }

  delay(match: DelayMatch, ms: number): () => void {
    const entry = { match, ms };
    this.delays.push(entry);
    return () => {
      const i = this.delays.indexOf(entry);
      if (i >= 0) this.delays.splice(i, 1);
    };
  }

  admission(fn: AdmissionHook): () => void {
    this.hooks.push(fn);
    return () => {
      const i = this.hooks.indexOf(fn);
      if (i >= 0) this.hooks.splice(i, 1);
    };
  }

  /* ------------------------------------------------------------------------ storage */

  private key(d: ResourceDef, namespace: string | undefined, name: string): string {
    return `${d.group}|${d.resource}|${namespace ?? ''}|${name}`;
  }

  private objectsOf(d: ResourceDef, namespace?: string): KubeObject[] {
    const out: KubeObject[] = [];
    for (const s of this.store.values()) {
      if (s.def !== d) continue;
      if (namespace !== undefined && s.obj.metadata.namespace !== namespace) continue;
      out.push(s.obj);
    }
    const k = (o: KubeObject) => `${o.metadata.namespace ?? ''}/${o.metadata.name ?? ''}`;
    return out.sort((a, b) => (k(a) < k(b) ? -1 : k(a) > k(b) ? 1 : 0));
  }

  private write(d: ResourceDef, o: KubeObject, old: KubeObject | undefined): KubeObject {
    o.metadata.resourceVersion = String(++this.rev);
    const stored = clone(o);
    this.store.set(this.key(d, o.metadata.namespace, o.metadata.name ?? ''), { def: d, obj: stored });
    this.notify(d, old ? 'MODIFIED' : 'ADDED', stored, old);
    return stored;
  }

  /* -------------------------------------------------------------------------- HTTP */

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    const url = new URL(req.url ?? '/', 'http://fake-kube');
    const path = url.pathname.length > 1 ? url.pathname.replace(/\/+$/, '') : url.pathname;
    const method = (req.method ?? 'GET').toUpperCase();

    const auth = req.headers.authorization;
    const publicPath = ['/version', '/healthz', '/livez', '/readyz'].includes(path);
    if ((auth !== undefined || !(publicPath || this.anonymous)) && auth !== `Bearer ${this.token}`) {
      this.sendJson(res, 401, unauthorized().status());
      return;
    }

    const discovery = this.discovery(method, path);
    if (discovery !== undefined) {
      if (typeof discovery === 'string') {
        res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' });
        res.end(discovery);
      } else this.sendJson(res, 200, discovery);
      return;
    }

    const route = this.route(method, path, url.searchParams);
    if (!route) {
      this.sendJson(res, 404, pathNotFound().status());
      return;
    }
    const dryRunValues = url.searchParams.getAll('dryRun');
    const record: KubeRequest = {
      verb: route.verb,
      apiGroup: route.def.group,
      resource: route.def.resource,
      ...(route.subresource ? { subresource: route.subresource } : {}),
      ...(route.namespace !== undefined ? { namespace: route.namespace } : {}),
      ...(route.name !== undefined ? { name: route.name } : {}),
      dryRun: dryRunValues.includes('All'),
      status: 0,
      method,
      url: req.url ?? path,
      ...(req.headers['content-type'] ? { contentType: req.headers['content-type'] } : {}),
    };
    this.requests.push(record);
    res.on('close', () => {
      if (!res.writableFinished) record.clientAborted = true;
    });
    const ctx: Ctx = {
      req,
      res,
      record,
      def: route.def,
      verb: route.verb,
      namespace: route.namespace,
      name: route.name,
      query: url.searchParams,
      body,
      contentType: (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '',
      dryRun: record.dryRun,
    };

    try {
      const wait = Math.max(0, ...this.delays.filter((x) => x.match.resource === ctx.def.resource && (!x.match.verb || x.match.verb === ctx.verb)).map((x) => x.ms));
      if (wait > 0) await this.sleep(wait);
      this.authorize(ctx, route.subresource);
      if (route.subresource) throw pathNotFound();
      for (const v of dryRunValues) {
        if (v !== 'All') {
          throw new KubeError(422, 'Invalid', `CreateOptions.meta.k8s.io "" is invalid: dryRun: Unsupported value: []string{${JSON.stringify(v)}}: supported values: "All"`, {
            group: 'meta.k8s.io',
            kind: 'CreateOptions',
            causes: [{ reason: 'FieldValueNotSupported', message: `Unsupported value: []string{${JSON.stringify(v)}}: supported values: "All"`, field: 'dryRun' }],
          });
        }
      }
      await this.dispatch(ctx);
    } catch (err) {
      if (!(err instanceof KubeError)) throw err;
      this.send(ctx, err.code, err.status());
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.timers.delete(t);
        resolve();
      }, ms);
      this.timers.add(t);
    });
  }

  private sendJson(res: ServerResponse, status: number, body: unknown): void {
    if (res.destroyed || res.writableEnded) return;
    const text = JSON.stringify(body);
    res.writeHead(status, {
      'Content-Type': 'application/json',
      'Cache-Control': 'no-cache, private',
      'Audit-Id': randomUUID(),
      'Content-Length': Buffer.byteLength(text),
    });
    res.end(text);
  }

  private send(ctx: Ctx, status: number, body: unknown): void {
    ctx.record.status = status;
    this.sendJson(ctx.res, status, body);
  }

  /** Discovery and other non-resource paths; undefined when `path` is not one. */
  private discovery(method: string, path: string): unknown {
    if (method !== 'GET') return undefined;
    if (path === '/healthz' || path === '/livez' || path === '/readyz') return 'ok';
    if (path === '/version') {
      return {
        major: '1',
        minor: '31',
        gitVersion: 'v1.31.0',
        gitCommit: '0000000000000000000000000000000000000000',
        gitTreeState: 'clean',
        buildDate: '2024-08-13T07:28:49Z',
        goVersion: 'go1.22.5',
        compiler: 'gc',
        platform: 'linux/amd64',
      };
    }
    const host = this.url.replace(/^http:\/\//, '');
    if (path === '/api') return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: host }] };
    const groups = [...new Set(RESOURCES.filter((d) => d.group).map((d) => d.group))];
    const groupJson = (g: string) => {
      const versions = [...new Set(RESOURCES.filter((d) => d.group === g).map((d) => d.version))].map((v) => ({ groupVersion: `${g}/${v}`, version: v }));
      return { name: g, versions, preferredVersion: versions[0] };
    };
    if (path === '/apis') return { kind: 'APIGroupList', apiVersion: 'v1', groups: groups.map(groupJson) };
    const resourceList = (group: string, version: string) => {
      const defs = RESOURCES.filter((d) => d.group === group && d.version === version);
      if (defs.length === 0) return undefined;
      return {
        kind: 'APIResourceList',
        apiVersion: 'v1',
        groupVersion: group ? `${group}/${version}` : version,
        resources: defs.map((d) => ({
          name: d.resource,
          singularName: d.singular,
          namespaced: d.namespaced,
          kind: d.kind,
          verbs: ALL_VERBS,
          ...(d.shortNames ? { shortNames: d.shortNames } : {}),
          ...(d.crd ? { categories: ['keda', 'all'] } : {}),
        })),
      };
    };
    if (path === '/api/v1') return resourceList('', 'v1');
    const m = /^\/apis\/([^/]+)(?:\/([^/]+))?$/.exec(path);
    if (m) {
      const [, g = '', v] = m;
      if (!groups.includes(g)) return undefined;
      if (v === undefined) return { kind: 'APIGroup', apiVersion: 'v1', ...groupJson(g) };
      return resourceList(g, v);
    }
    return undefined;
  }

  private route(
    method: string,
    path: string,
    query: URLSearchParams,
  ): { def: ResourceDef; verb: KubeVerb; namespace?: string; name?: string; subresource?: string } | undefined {
    const segs = path.split('/').filter(Boolean).map(decodeURIComponent);
    let group: string;
    let version: string;
    let rest: string[];
    if (segs[0] === 'api' && segs.length >= 3) {
      group = '';
      version = segs[1] ?? '';
      rest = segs.slice(2);
    } else if (segs[0] === 'apis' && segs.length >= 4) {
      group = segs[1] ?? '';
      version = segs[2] ?? '';
      rest = segs.slice(3);
    } else return undefined;
    let legacyWatch = false;
    if (rest[0] === 'watch') {
      legacyWatch = true;
      rest = rest.slice(1);
    }
    let namespace: string | undefined;
    let resource: string;
    let name: string | undefined;
    let subresource: string | undefined;
    if (rest[0] === 'namespaces' && rest.length >= 3 && findDef(group, version, rest[2] ?? '')?.namespaced) {
      namespace = rest[1];
      [, , resource = '', name, subresource] = rest;
      if (rest.length > 5) return undefined;
    } else {
      [resource = '', name, subresource] = rest;
      if (rest.length > 3) return undefined;
    }
    const def = findDef(group, version, resource);
    if (!def) return undefined;
    if (!def.namespaced && namespace !== undefined) return undefined;
    if (def.namespaced && namespace === undefined && name !== undefined) return undefined;
    const watch = legacyWatch || query.get('watch') === 'true' || query.get('watch') === '1';
    let verb: KubeVerb;
    switch (method) {
      case 'GET':
        verb = watch ? 'watch' : name === undefined ? 'list' : 'get';
        break;
      case 'POST':
        verb = 'create';
        break;
      case 'PUT':
        verb = 'update';
        break;
      case 'PATCH':
        verb = 'patch';
        break;
      case 'DELETE':
        verb = name === undefined ? 'deletecollection' : 'delete';
        break;
      default:
        return undefined;
    }
    return {
      def,
      verb,
      ...(namespace !== undefined ? { namespace } : {}),
      ...(name !== undefined ? { name } : {}),
      ...(subresource !== undefined ? { subresource } : {}),
    };
  }

  /* ------------------------------------------------------------------------- authz */

  private authorize(ctx: Ctx, subresource: string | undefined): void {
    const { def, verb, namespace, name } = ctx;
    const resourcePath = subresource ? `${def.resource}/${subresource}` : def.resource;
    const forbidden = this.forbids.some(
      (f) =>
        f.resource === def.resource && (f.apiGroup === undefined || f.apiGroup === def.group) && (f.verb === undefined || f.verb === verb) && (f.namespace === undefined || f.namespace === namespace),
    );
    const allowedByRbac =
      !this.rbac ||
      this.rbac.some((g) => {
        const any = (list: string[], v: string) => list.includes('*') || list.includes(v);
        if (!any(g.verbs, verb) || !any(g.apiGroups, def.group) || !any(g.resources, resourcePath)) return false;
        if (g.namespaces && (namespace === undefined || !g.namespaces.includes(namespace))) return false;
        if (g.resourceNames && g.resourceNames.length > 0 && (name === undefined || !g.resourceNames.includes(name))) return false;
        return true;
      });
    if (!forbidden && allowedByRbac) return;
    const subject = name && verb !== 'create' ? `${groupResource(def)} "${name}"` : groupResource(def);
    const scope = namespace !== undefined ? `in the namespace "${namespace}"` : 'at the cluster scope';
    throw new KubeError(
      403,
      'Forbidden',
      `${subject} is forbidden: User "${this.user}" cannot ${verb} resource "${resourcePath}" in API group "${def.group}" ${scope}`,
      details(def, verb === 'create' ? undefined : name),
    );
  }

  /* ---------------------------------------------------------------------- handlers */

  private async dispatch(ctx: Ctx): Promise<void> {
    switch (ctx.verb) {
      case 'get': {
        const s = this.store.get(this.key(ctx.def, ctx.namespace, ctx.name ?? ''));
        if (!s) throw notFound(ctx.def, ctx.name ?? '');
        this.send(ctx, 200, s.obj);
        return;
      }
      case 'list':
        this.send(ctx, 200, this.listResponse(ctx));
        return;
      case 'watch':
        this.startWatch(ctx);
        return;
      case 'create':
        this.create(ctx);
        return;
      case 'update':
        this.update(ctx);
        return;
      case 'patch':
        this.patch(ctx);
        return;
      case 'delete':
        this.del(ctx);
        return;
      case 'deletecollection':
        this.deleteCollection(ctx);
        return;
    }
  }

  private selected(ctx: Ctx): { labels: LabelRequirement[]; fields: FieldRequirement[] } {
    const labels = parseLabelQuery(ctx.query.get('labelSelector') ?? '');
    const fields = parseFieldQuery(ctx.query.get('fieldSelector') ?? '', ctx.def);
    if (ctx.name !== undefined) fields.push({ path: 'metadata.name', neq: false, value: ctx.name });
    return { labels, fields };
  }

  private matches(sel: { labels: LabelRequirement[]; fields: FieldRequirement[] }, o: KubeObject): boolean {
    return labelsMatch(sel.labels, o.metadata.labels ?? {}) && fieldsMatch(sel.fields, o);
  }

  /** List items of built-in kinds carry no apiVersion/kind, like the apiserver's; custom resources keep theirs. */
  private listItem(d: ResourceDef, o: KubeObject): Obj {
    if (d.crd) return o;
    const { apiVersion: _a, kind: _k, ...rest } = o;
    return rest;
  }

  private listResponse(ctx: Ctx): Obj {
    const d = ctx.def;
    const sel = this.selected(ctx);
    let items = this.objectsOf(d, ctx.namespace).filter((o) => this.matches(sel, o));
    const meta: Obj = { resourceVersion: String(this.rev) };
    const cont = ctx.query.get('continue');
    if (cont) {
      let start: string;
      try {
        const token = JSON.parse(Buffer.from(cont, 'base64url').toString('utf8')) as { start?: unknown };
        if (typeof token.start !== 'string') throw new Error('no start');
        start = token.start;
      } catch {
        throw badRequest('continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)');
      }
      items = items.filter((o) => `${o.metadata.namespace ?? ''}/${o.metadata.name ?? ''}` >= start);
    }
    const limit = Number(ctx.query.get('limit') ?? '0');
    if (Number.isInteger(limit) && limit > 0 && items.length > limit) {
      const next = items[limit];
      const remaining = items.length - limit;
      items = items.slice(0, limit);
      if (next) {
        meta.continue = Buffer.from(JSON.stringify({ v: 'meta.k8s.io/v1', rv: this.rev, start: `${next.metadata.namespace ?? ''}/${next.metadata.name ?? ''}` })).toString('base64url');
        meta.remainingItemCount = remaining;
      }
    }
    return { kind: `${d.kind}List`, apiVersion: apiVersionOf(d), metadata: meta, items: items.map((o) => this.listItem(d, o)) };
  }

  /** Parse the request body as an object of this resource (400 like the apiserver's decoder). */
  private decode(ctx: Ctx, text: string): Obj {
    const d = ctx.def;
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (err) {
      throw badRequest(`${d.kind} in version "${d.version}" cannot be handled as a ${d.kind}: ${(err as Error).message}`);
    }
    if (!isObj(parsed)) throw badRequest(`${d.kind} in version "${d.version}" cannot be handled as a ${d.kind}: json: cannot unmarshal ${jsonKind(parsed)} into Go value of type struct`);
    return this.decodeObject(d, parsed);
  }

  private decodeObject(d: ResourceDef, input: Obj): Obj {
    const o = stripNulls(input) as Obj;
    const apiVersion = apiVersionOf(d);
    if (o.apiVersion !== undefined && o.apiVersion !== '' && o.apiVersion !== apiVersion) {
      throw badRequest(`the API version in the data (${String(o.apiVersion)}) does not match the expected API version (${apiVersion})`);
    }
    if (o.kind !== undefined && o.kind !== '' && o.kind !== d.kind) {
      throw badRequest(`${String(o.kind)} in version "${d.version}" cannot be handled as a ${d.kind}: the kind in the body (${String(o.kind)}) does not match the resource's kind (${d.kind})`);
    }
    o.apiVersion = apiVersion;
    o.kind = d.kind;
    if (o.metadata !== undefined && !isObj(o.metadata)) {
      throw decodeError(d, `json: cannot unmarshal ${jsonKind(o.metadata)} into Go struct field ${d.kind}.metadata of type v1.ObjectMeta`);
    }
    metaOf(o);
    normalizeTimeFields(d, o);
    const schema = checkSchema(d, o);
    if (schema.decode) throw decodeError(d, schema.decode);
    return o;
  }

  private requireNamespace(ns: string | undefined): void {
    if (ns === undefined) return;
    if (!this.store.has(this.key(findDefByKind('v1', 'Namespace'), undefined, ns))) throw namespaceNotFound(ns);
  }

  private placeNamespace(ctx: Ctx, meta: KubeObjectMeta): void {
    if (ctx.def.namespaced) {
      if (meta.namespace && meta.namespace !== ctx.namespace) throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
      meta.namespace = ctx.namespace;
    } else delete meta.namespace;
  }

  /** Field validation (schema required/enum + metadata + kind rules) -> 422. */
  private validate(d: ResourceDef, o: Obj, old: Obj | undefined): void {
    const meta = metaOf(o);
    const errs = [...checkSchema(d, o).errors];
    validateObjectMeta(d, meta, errs);
    if (!meta.name) {
      throw invalidError(d, '', errs);
    }
    errs.push(...(d.validate?.(o, old) ?? []));
    // the schema and the Go rules may both flag a missing field
    const seen = new Set<string>();
    const unique = errs.filter((e) => {
      const k = `${e.type}|${e.field}|${e.detail ?? ''}|${e.raw ?? goValue(e.value)}`;
      if (seen.has(k)) return false;
      seen.add(k);
      return true;
    });
    if (unique.length) throw invalidError(d, meta.name, unique);
  }

  private admit(ctx: Ctx, o: KubeObject, op: 'CREATE' | 'UPDATE', old: KubeObject | undefined): void {
    const d = ctx.def;
    const name = o.metadata.name ?? '';
    for (const hook of this.hooks) {
      const verdict = hook(clone(o), op, {
        operation: op,
        dryRun: ctx.dryRun,
        apiGroup: d.group,
        resource: d.resource,
        ...(ctx.namespace !== undefined ? { namespace: ctx.namespace } : {}),
        name,
        ...(old ? { oldObject: clone(old) } : {}),
      });
      if (verdict === undefined) continue;
      const denial: AdmissionDenial = typeof verdict === 'string' ? { message: verdict } : verdict;
      const webhook = denial.webhook ?? 'validate.kyverno.svc-fail';
      const code = denial.code ?? 403;
      const deniedBy = `admission webhook ${JSON.stringify(webhook)} denied the request`;
      const text = denial.message ? `${deniedBy}: ${denial.message}` : `${deniedBy} without explanation`;
      const prefix = code === 500 ? 'Internal error occurred' : `${groupResource(d)} ${JSON.stringify(name || 'Unknown')} is forbidden`;
      throw new KubeError(code, denial.reason ?? (code === 500 ? 'InternalError' : 'Forbidden'), `${prefix}: ${text}`, code === 500 ? { causes: [{ message: text }] } : details(d, name || 'Unknown'));
    }
  }

  private create(ctx: Ctx): void {
    const d = ctx.def;
    if (ctx.name !== undefined || (d.namespaced && ctx.namespace === undefined)) throw methodNotAllowed();
    const o = this.decode(ctx, ctx.body);
    this.createObject(ctx, o, 201);
  }

  private createObject(ctx: Ctx, o: Obj, status: number): void {
    const d = ctx.def;
    const meta = metaOf(o);
    this.placeNamespace(ctx, meta);
    this.requireNamespace(d.namespaced ? ctx.namespace : undefined);
    const rvSet = typeof meta.resourceVersion === 'string' && meta.resourceVersion !== '';
    meta.uid = randomUUID();
    meta.creationTimestamp = rfc3339(this.now());
    delete meta.deletionTimestamp;
    delete meta.deletionGracePeriodSeconds;
    delete meta.managedFields;
    if (d.generation) meta.generation = 1;
    else delete meta.generation;
    if (d.statusSubresource) {
      const initial = d.initialStatus?.();
      if (initial === undefined) delete o.status;
      else o.status = initial;
    }
    if (!meta.name && meta.generateName) {
      let suffix = '';
      for (let i = 0; i < 5; i++) suffix += NAME_CHARS[randomInt(NAME_CHARS.length)];
      meta.name = `${meta.generateName}${suffix}`;
    }
    d.defaults?.(o);
    this.validate(d, o, undefined);
    const created = o as KubeObject;
    this.admit(ctx, created, 'CREATE', undefined);
    const key = this.key(d, meta.namespace, meta.name ?? '');
    if (this.store.has(key)) throw alreadyExists(d, meta.name ?? '');
    if (ctx.dryRun) {
      this.send(ctx, status, created);
      return;
    }
    if (rvSet) throw new KubeError(500, '', 'resourceVersion should not be set on objects to be created');
    const stored = this.write(d, created, undefined);
    if (d.resource === 'events') this.events.push(clone(stored));
    this.send(ctx, status, stored);
  }

  private update(ctx: Ctx): void {
    const d = ctx.def;
    if (ctx.name === undefined) throw methodNotAllowed();
    const o = this.decode(ctx, ctx.body);
    const meta = metaOf(o);
    if (meta.name !== ctx.name) throw badRequest(`the name of the object (${meta.name ?? ''}) does not match the name on the URL (${ctx.name})`);
    this.placeNamespace(ctx, meta);
    const old = this.store.get(this.key(d, ctx.namespace, ctx.name))?.obj;
    if (!old) {
      if (!d.createOnUpdate) throw notFound(d, ctx.name);
      delete meta.resourceVersion;
      this.createObject(ctx, o, 201);
      return;
    }
    if (meta.resourceVersion) {
      if (meta.resourceVersion !== old.metadata.resourceVersion) throw conflict(d, ctx.name);
    } else if (!d.unconditionalUpdate) {
      throw invalidError(d, ctx.name, [{ type: 'Invalid', field: 'metadata.resourceVersion', raw: '0x0', detail: 'must be specified for an update' }]);
    }
    if (meta.uid && meta.uid !== old.metadata.uid) {
      throw conflict(d, ctx.name, `Precondition failed: UID in precondition: ${meta.uid}, UID in object meta: ${old.metadata.uid ?? ''}`);
    }
    this.updateObject(ctx, o, old);
  }

  private updateObject(ctx: Ctx, o: Obj, old: KubeObject): void {
    const d = ctx.def;
    const meta = metaOf(o);
    meta.uid = old.metadata.uid;
    meta.creationTimestamp = old.metadata.creationTimestamp;
    meta.resourceVersion = old.metadata.resourceVersion;
    delete meta.managedFields;
    if (d.statusSubresource) {
      if (old.status === undefined) delete o.status;
      else o.status = clone(old.status);
    }
    d.defaults?.(o);
    if (d.generation) {
      const spec = (x: Obj) => {
        const { metadata: _m, status: _s, ...rest } = x;
        return rest;
      };
      meta.generation = (old.metadata.generation ?? 1) + (isDeepStrictEqual(spec(o), spec(old)) ? 0 : 1);
    } else if (old.metadata.generation !== undefined) meta.generation = old.metadata.generation;
    this.validate(d, o, old);
    const updated = o as KubeObject;
    this.admit(ctx, updated, 'UPDATE', old);
    if (ctx.dryRun || isDeepStrictEqual(updated, old)) {
      this.send(ctx, 200, ctx.dryRun ? updated : old);
      return;
    }
    this.send(ctx, 200, this.write(d, updated, old));
  }

  private patch(ctx: Ctx): void {
    const d = ctx.def;
    if (ctx.name === undefined) throw methodNotAllowed();
    const accepted = 'application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml';
    const unsupported = () =>
      new KubeError(
        415,
        'UnsupportedMediaType',
        `the body of the request was in an unknown format - accepted media types include: ${d.crd ? accepted : `${accepted}, application/strategic-merge-patch+json`}`,
        {},
      );
    const ct = ctx.contentType;
    if (ct === 'application/apply-patch+yaml' || ct === 'application/apply-patch+cbor') {
      throw new KubeError(415, 'UnsupportedMediaType', `server-side apply (${ct}) is not implemented by the fake Kubernetes API`, {});
    }
    if (ct !== 'application/json-patch+json' && ct !== 'application/merge-patch+json' && ct !== 'application/strategic-merge-patch+json') throw unsupported();
    if (ct === 'application/strategic-merge-patch+json' && d.crd) throw unsupported();
    const old = this.store.get(this.key(d, ctx.namespace, ctx.name))?.obj;
    if (!old) throw notFound(d, ctx.name);
    let patch: unknown;
    try {
      patch = JSON.parse(ctx.body);
    } catch (err) {
      throw badRequest(`error decoding patch: ${(err as Error).message}`);
    }
    let patched: unknown;
    try {
      if (ct === 'application/json-patch+json') patched = jsonPatch(old, patch);
      else if (!isObj(patch)) throw new PatchError('json: cannot unmarshal array into Go value of type map[string]interface {}');
      else patched = ct === 'application/merge-patch+json' ? mergePatch(old, patch) : strategicMerge(old, patch);
    } catch (err) {
      if (err instanceof PatchError) throw new KubeError(422, 'Invalid', err.message, {});
      throw err;
    }
    if (!isObj(patched)) throw badRequest('the patch did not produce an object');
    const o = this.decodeObject(d, patched);
    const meta = metaOf(o);
    if (meta.name !== ctx.name) throw badRequest(`the name of the object (${meta.name ?? ''}) does not match the name on the URL (${ctx.name})`);
    this.placeNamespace(ctx, meta);
    if (meta.resourceVersion && meta.resourceVersion !== old.metadata.resourceVersion) throw conflict(d, ctx.name);
    if (meta.uid && meta.uid !== old.metadata.uid) {
      throw conflict(d, ctx.name, `Precondition failed: UID in precondition: ${meta.uid}, UID in object meta: ${old.metadata.uid ?? ''}`);
    }
    this.updateObject(ctx, o, old);
  }

  private deleteOptions(ctx: Ctx): Obj {
    if (!ctx.body.trim()) return {};
    try {
      const parsed = JSON.parse(ctx.body) as unknown;
      return isObj(parsed) ? parsed : {};
    } catch (err) {
      throw badRequest(`couldn't get version/kind; json parse error: ${(err as Error).message}`);
    }
  }

  private del(ctx: Ctx): void {
    const d = ctx.def;
    const name = ctx.name ?? '';
    const opts = this.deleteOptions(ctx);
    const dryRun = ctx.dryRun || (Array.isArray(opts.dryRun) && opts.dryRun.includes('All'));
    ctx.record.dryRun = dryRun;
    const key = this.key(d, ctx.namespace, name);
    const s = this.store.get(key);
    if (!s) throw notFound(d, name);
    const pre = isObj(opts.preconditions) ? opts.preconditions : {};
    if (typeof pre.uid === 'string' && pre.uid !== s.obj.metadata.uid) {
      throw conflict(d, name, `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${s.obj.metadata.uid ?? ''}`);
    }
    if (typeof pre.resourceVersion === 'string' && pre.resourceVersion !== s.obj.metadata.resourceVersion) {
      throw conflict(d, name, `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${s.obj.metadata.resourceVersion ?? ''}`);
    }
    if (!dryRun) {
      this.store.delete(key);
      const gone = clone(s.obj);
      gone.metadata.resourceVersion = String(++this.rev);
      this.notify(d, 'DELETED', gone, s.obj);
    }
    this.send(ctx, 200, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', details: details(d, name, d.resource, { uid: s.obj.metadata.uid }) });
  }

  private deleteCollection(ctx: Ctx): void {
    const d = ctx.def;
    const sel = this.selected(ctx);
    const gone: Obj[] = [];
    for (const o of this.objectsOf(d, ctx.namespace).filter((x) => this.matches(sel, x))) {
      if (!ctx.dryRun) {
        this.store.delete(this.key(d, o.metadata.namespace, o.metadata.name ?? ''));
        const g = clone(o);
        g.metadata.resourceVersion = String(++this.rev);
        this.notify(d, 'DELETED', g, o);
      }
      gone.push(this.listItem(d, o));
    }
    this.send(ctx, 200, { kind: `${d.kind}List`, apiVersion: apiVersionOf(d), metadata: { resourceVersion: String(this.rev) }, items: gone });
  }

  /* ------------------------------------------------------------------------- watch */

  private startWatch(ctx: Ctx): void {
    const sel = this.selected(ctx);
    const w: Watcher = { def: ctx.def, ...(ctx.namespace !== undefined ? { namespace: ctx.namespace } : {}), labels: sel.labels, fields: sel.fields, res: ctx.res };
    ctx.record.status = 200;
    ctx.res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private', 'Transfer-Encoding': 'chunked', 'Audit-Id': randomUUID() });
    ctx.res.flushHeaders();
    const rvParam = ctx.query.get('resourceVersion') ?? '';
    const since = Number(rvParam);
    if (rvParam === '' || rvParam === '0' || !Number.isFinite(since)) {
      for (const o of this.objectsOf(ctx.def, ctx.namespace)) if (this.matches(sel, o)) this.emit(w, 'ADDED', o);
      if (ctx.query.get('sendInitialEvents') === 'true') {
        this.emitRaw(w, {
          type: 'BOOKMARK',
          object: { kind: ctx.def.kind, apiVersion: apiVersionOf(ctx.def), metadata: { resourceVersion: String(this.rev), annotations: { 'k8s.io/initial-events-end': 'true' } } },
        });
      }
    } else {
      for (const e of this.log) if (e.rev > since) this.deliver(w, e);
    }
    const timeout = Number(ctx.query.get('timeoutSeconds') ?? '0');
    if (timeout > 0) {
      w.timer = setTimeout(() => {
        this.watchers.delete(w);
        ctx.res.end();
      }, timeout * 1000);
    }
    this.watchers.add(w);
    ctx.res.on('close', () => {
      if (w.timer) clearTimeout(w.timer);
      this.watchers.delete(w);
    });
  }

  private notify(d: ResourceDef, type: LogEntry['type'], o: KubeObject, old: KubeObject | undefined): void {
    const entry: LogEntry = { rev: this.rev, def: d, type, obj: clone(o), ...(old ? { old: clone(old) } : {}) };
    this.log.push(entry);
    for (const w of this.watchers) this.deliver(w, entry);
  }

  private deliver(w: Watcher, e: LogEntry): void {
    if (w.def !== e.def) return;
    if (w.namespace !== undefined && e.obj.metadata.namespace !== w.namespace) return;
    const sel = { labels: w.labels, fields: w.fields };
    const now = this.matches(sel, e.obj);
    const before = e.old ? this.matches(sel, e.old) : false;
    let type: string = e.type;
    if (e.type === 'MODIFIED') {
      if (now && !before) type = 'ADDED';
      else if (!now && before) type = 'DELETED';
      else if (!now) return;
    } else if (!now) return;
    this.emit(w, type, e.obj);
  }

  private emit(w: Watcher, type: string, o: KubeObject): void {
    this.emitRaw(w, { type, object: o });
  }

  private emitRaw(w: Watcher, event: Obj): void {
    if (!w.res.destroyed && !w.res.writableEnded) w.res.write(`${JSON.stringify(event)}\n`);
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
