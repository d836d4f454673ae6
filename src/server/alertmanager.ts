// POST /webhooks/alertmanager: Alertmanager (webhook_config, payload version 4), bearer token.
// A firing alert that names a configured target re-evaluates it now: de-duplicated, rate-limited
// per target, through a bounded queue.
//
// Which alert names which target (first rule that names a configured target wins):
//   1. label or annotation `augur_target`: "Kind/namespace/name" or "namespace/name";
//   2. label `namespace` plus the first of these labels whose value is a configured target's name:
//        `deployment`                    (Deployment targets only; kube-state-metrics)
//        `statefulset`                   (StatefulSet targets only; kube-state-metrics)
//        `workload`                      (any kind; restricted by `workload_type` when present,
//                                         as in the kube-prometheus namespace_workload_pod rules)
//        `app.kubernetes.io/name`        (any kind; UTF-8 label names, Prometheus 3)
//        `label_app_kubernetes_io_name`  (any kind; the same label as kube-state-metrics exports it)
//        `service`                       (any kind)
// Kinds compare case-insensitively. Only alerts whose own status is "firing" count; resolved
// alerts and alerts that name no configured target are counted in the reply and ignored.
import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../domain/ports.js';
import type { ReevaluationQueue } from './queue.js';
import { bearer, isObject, parseJson, readBody, send, sha256, stringRecord, type BodyLimits } from './reply.js';

export interface WebhookTarget {
  kind: string;
  namespace: string;
  name: string;
}

const targetId = (t: WebhookTarget): string => `${t.kind}/${t.namespace}/${t.name}`;

/** Retry-After (seconds) sent with a 429 when the queue is full. */
const QUEUE_FULL_RETRY_AFTER = 60;

/** The JSON reply to an Alertmanager delivery. */
export interface AlertSummary {
  /** Alerts in the payload. */
  alerts: number;
  firing: number;
  /** Alerts whose status is not "firing" (resolved), ignored. */
  notFiring: number;
  /** Firing alerts that name no configured target, ignored. */
  unmatched: number;
  /** Entries of `alerts` that are not alert objects, ignored. */
  invalid: number;
  /** Targets this delivery put in the queue. */
  queued: string[];
  /** Targets already waiting in the queue (not added twice). */
  alreadyQueued: string[];
  /** Targets re-evaluated less than perTargetInterval ago, skipped; retryAfter in seconds. */
  rateLimited: { target: string; retryAfter: number }[];
  /** Targets dropped because the queue was full. */
  overflow: string[];
}

export interface AlertRoute {
  tokenDigest: Buffer;
  matcher: TargetMatcher;
  queue: ReevaluationQueue;
  queueLimit: number;
  log?: Logger | undefined;
  limits?: BodyLimits;
}

export async function alertmanager(req: IncomingMessage, res: ServerResponse, route: AlertRoute): Promise<void> {
  const auth = bearer(req.headers.authorization);
  if (auth === undefined) {
    return send(res, 401, { error: 'missing bearer token: send "Authorization: Bearer <token>"' }, { 'www-authenticate': 'Bearer realm="augur"' });
  }
  if (!timingSafeEqual(sha256(auth), route.tokenDigest)) {
    return send(res, 401, { error: 'invalid bearer token' }, { 'www-authenticate': 'Bearer realm="augur", error="invalid_token"' });
  }
  const body = await readBody(req, res, route.limits);
  if (!body) return;
  const parsed = parseJson(body.toString('utf8'));
  if (!parsed.ok) return send(res, 400, { error: `malformed JSON: ${parsed.error}` });
  const payload = parsed.value;
  if (!isObject(payload) || !Array.isArray(payload.alerts)) {
    return send(res, 400, { error: 'not an Alertmanager webhook payload: expected an object with an "alerts" array' });
  }
  if (payload.version !== undefined && payload.version !== '4') {
    return send(res, 400, { error: `unsupported Alertmanager payload version ${JSON.stringify(payload.version)}: expected "4"` });
  }
  const { summary, wanted } = readAlerts(payload.alerts, route.matcher);
  for (const [id, names] of wanted) {
    const r = route.queue.offer(id, `alertmanager: ${[...names].sort().join(', ')}`);
    if (r.result === 'queued') summary.queued.push(id);
    else if (r.result === 'alreadyQueued') summary.alreadyQueued.push(id);
    else if (r.result === 'rateLimited') summary.rateLimited.push({ target: id, retryAfter: r.retryAfter });
    else summary.overflow.push(id);
  }
  if (summary.queued.length > 0 || summary.overflow.length > 0 || summary.unmatched > 0) {
    route.log?.info({ queued: summary.queued, rateLimited: summary.rateLimited.length, overflow: summary.overflow, unmatched: summary.unmatched }, 'alertmanager webhook');
  }
  route.queue.flush();
  if (summary.overflow.length > 0 && summary.queued.length === 0 && summary.alreadyQueued.length === 0) {
    return send(res, 429, { error: `re-evaluation queue full (${route.queueLimit} pending)`, ...summary }, { 'retry-after': String(QUEUE_FULL_RETRY_AFTER) });
  }
  send(res, 202, summary);
}

/** The alerts of a delivery counted, and the targets the firing ones name, with the alert names. */
function readAlerts(alerts: unknown[], matcher: TargetMatcher): { summary: AlertSummary; wanted: Map<string, Set<string>> } {
  const summary: AlertSummary = { alerts: alerts.length, firing: 0, notFiring: 0, unmatched: 0, invalid: 0, queued: [], alreadyQueued: [], rateLimited: [], overflow: [] };
  const wanted = new Map<string, Set<string>>(); // target id -> alert names
  for (const alert of alerts) {
    if (!isObject(alert) || !isObject(alert.labels)) {
      summary.invalid++;
      continue;
    }
    if (alert.status !== 'firing') {
      summary.notFiring++;
      continue;
    }
    summary.firing++;
    const labels = stringRecord(alert.labels);
    const ids = matcher.match(labels, isObject(alert.annotations) ? stringRecord(alert.annotations) : {});
    if (ids.length === 0) {
      summary.unmatched++;
      continue;
    }
    for (const id of ids) {
      const names = wanted.get(id) ?? new Set<string>();
      names.add(labels.alertname ?? 'alert');
      wanted.set(id, names);
    }
  }
  return { summary, wanted };
}

const KIND_LABELS: [label: string, kind: string | undefined][] = [
  ['deployment', 'deployment'],
  ['statefulset', 'statefulset'],
  ['workload', undefined],
  ['app.kubernetes.io/name', undefined],
  ['label_app_kubernetes_io_name', undefined],
  ['service', undefined],
];

export class TargetMatcher {
  private readonly byName = new Map<string, WebhookTarget[]>();

  constructor(targets: WebhookTarget[]) {
    for (const t of targets) {
      const key = `${t.namespace}/${t.name}`;
      const list = this.byName.get(key) ?? [];
      if (!list.some((o) => o.kind.toLowerCase() === t.kind.toLowerCase())) list.push(t);
      this.byName.set(key, list);
    }
  }

  /** Target ids ("Kind/namespace/name") an alert names; empty when none. */
  match(labels: Record<string, string>, annotations: Record<string, string> = {}): string[] {
    const explicit = labels.augur_target ?? annotations.augur_target;
    if (explicit !== undefined) {
      const parts = explicit.trim().split('/');
      const [kind, namespace, name] = parts.length === 3 ? parts : [undefined, parts[0], parts[1]];
      if (parts.length >= 2 && parts.length <= 3 && namespace && name) {
        const found = this.lookup(namespace, name, kind);
        if (found.length > 0) return found;
      }
    }
    const namespace = labels.namespace;
    if (!namespace) return [];
    for (const [label, kind] of KIND_LABELS) {
      const name = labels[label];
      if (!name) continue;
      const found = this.lookup(namespace, name, kind ?? (label === 'workload' ? labels.workload_type : undefined));
      if (found.length > 0) return found;
    }
    return [];
  }

  private lookup(namespace: string, name: string, kind: string | undefined): string[] {
    const list = this.byName.get(`${namespace}/${name}`) ?? [];
    return list.filter((t) => !kind || t.kind.toLowerCase() === kind.toLowerCase()).map(targetId);
  }
}

