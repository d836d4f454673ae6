// The webhook endpoints of `augur serve`.
//
//   POST /webhooks/alertmanager  Alertmanager (webhook_config, payload version 4), bearer token.
//                                A firing alert that names a configured target re-evaluates it now:
//                                de-duplicated, rate-limited per target, through a bounded queue.
//   POST /webhooks/github        GitHub, HMAC-SHA256 (X-Hub-Signature-256) over the raw body.
//                                A closed Augur PR (head branch "augur/...") is reported: merged
//                                starts the workload's cooldown, unmerged backs the recommendation off.
//
// The core is the request handler below: it needs no socket of its own and plugs into any
// node:http server (`if (await webhooks(req, res)) return;`). It never throws to the server.
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
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { verify } from '@octokit/webhooks-methods';
import type { Logger } from '../domain/ports.js';
import { BRANCH_PREFIX, parseMeta } from '../forge/meta.js';
import { type ProposalMeta } from '../domain/forge.js';

export const WEBHOOK_PREFIX = '/webhooks/';
export const ALERTMANAGER_PATH = '/webhooks/alertmanager';
export const GITHUB_PATH = '/webhooks/github';
/** Largest request body accepted, in bytes (413 above). */
export const MAX_BODY_BYTES = 1024 * 1024;
/** Delivery ids remembered at most (oldest forgotten first), whatever the replay window. */
const MAX_DELIVERIES = 10_000;
/** Retry-After (seconds) sent with a 429 when the queue is full. */
const QUEUE_FULL_RETRY_AFTER = 60;

export interface WebhookTarget {
  kind: string;
  namespace: string;
  name: string;
}

export interface WebhookOptions {
  /** Bearer token required on POST /webhooks/alertmanager; the endpoint answers 404 when unset or empty. */
  alertmanagerToken?: string;
  /** HMAC secret of the GitHub webhook for POST /webhooks/github; the endpoint answers 404 when unset or empty. */
  githubSecret?: string;
  /** The configured targets, to match alerts against (see the rules at the top of this file). */
  targets: WebhookTarget[];
  /** Most target ids waiting for re-evaluation; default 100. */
  queueLimit?: number;
  /** Seconds between two re-evaluations of one target; default 300. */
  perTargetInterval?: number;
  /** Seconds a GitHub delivery id is remembered to refuse replays; default 3600. */
  replayWindow?: number;
  /** Unix seconds; tests pass a fake clock. */
  now?: () => number;
  log?: Logger;
}

export interface PullRequestClosedEvent {
  number: number;
  branch: string;
  merged: boolean;
  /** Unix seconds. */
  mergedAt?: number;
  /** Unix seconds. */
  closedAt?: number;
  /** The metadata block of the PR body; undefined when missing or unreadable. */
  meta?: ProposalMeta;
}

export interface WebhookEvents {
  /**
   * Re-evaluate these targets ("Kind/namespace/name") now. Called with de-duplicated,
   * rate-limited batches. When it returns a promise, no other batch starts until it settles:
   * targets that arrive meanwhile wait in the bounded queue and go together in the next batch.
   */
  reevaluate(targets: string[], reason: string): void | Promise<void>;
  /** An Augur PR was closed: merged (start the cooldown) or not (back the recommendation off). */
  pullRequestClosed(e: PullRequestClosedEvent): void | Promise<void>;
}

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

export type WebhookHandler = (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;

export function targetId(t: WebhookTarget): string {
  return `${t.kind}/${t.namespace}/${t.name}`;
}

/**
 * Creates the handler of /webhooks/*. It resolves true when it answered the request (any path
 * under /webhooks/), false for other paths so that the caller can serve them or answer 404.
 */
export function createWebhookHandler(opts: WebhookOptions, events: WebhookEvents): WebhookHandler {
  const queueLimit = opts.queueLimit ?? 100;
  const interval = opts.perTargetInterval ?? 300;
  const replayWindow = opts.replayWindow ?? 3600;
  if (!Number.isInteger(queueLimit) || queueLimit < 1) throw new Error(`webhooks: queueLimit must be a positive integer, got ${queueLimit}`);
  if (!Number.isFinite(interval) || interval < 0) throw new Error(`webhooks: perTargetInterval must be 0 or more seconds, got ${interval}`);
  if (!Number.isFinite(replayWindow) || replayWindow <= 0) throw new Error(`webhooks: replayWindow must be more than 0 seconds, got ${replayWindow}`);
  const now = opts.now ?? (() => Date.now() / 1000);
  const log = opts.log;
  const matcher = new TargetMatcher(opts.targets);
  const queue = new ReevaluationQueue(queueLimit, interval, now, events, log);
  const deliveries = new DeliveryLog(replayWindow, now);
  const tokenDigest = opts.alertmanagerToken ? sha256(opts.alertmanagerToken) : undefined;
  const githubSecret = opts.githubSecret || undefined;

  async function alertmanager(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const auth = bearer(req.headers.authorization);
    if (auth === undefined) {
      return send(res, 401, { error: 'missing bearer token: send "Authorization: Bearer <token>"' }, { 'www-authenticate': 'Bearer realm="augur"' });
    }
    if (!timingSafeEqual(sha256(auth), tokenDigest!)) {
      return send(res, 401, { error: 'invalid bearer token' }, { 'www-authenticate': 'Bearer realm="augur", error="invalid_token"' });
    }
    const body = await readBody(req, res);
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
    const summary: AlertSummary = { alerts: payload.alerts.length, firing: 0, notFiring: 0, unmatched: 0, invalid: 0, queued: [], alreadyQueued: [], rateLimited: [], overflow: [] };
    const wanted = new Map<string, Set<string>>(); // target id -> alert names
    for (const alert of payload.alerts) {
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
    for (const [id, names] of wanted) {
      const r = queue.offer(id, `alertmanager: ${[...names].sort().join(', ')}`);
      if (r.result === 'queued') summary.queued.push(id);
      else if (r.result === 'alreadyQueued') summary.alreadyQueued.push(id);
      else if (r.result === 'rateLimited') summary.rateLimited.push({ target: id, retryAfter: r.retryAfter });
      else summary.overflow.push(id);
    }
    if (summary.queued.length > 0 || summary.overflow.length > 0 || summary.unmatched > 0) {
      log?.info({ queued: summary.queued, rateLimited: summary.rateLimited.length, overflow: summary.overflow, unmatched: summary.unmatched }, 'alertmanager webhook');
    }
    queue.flush();
    if (summary.overflow.length > 0 && summary.queued.length === 0 && summary.alreadyQueued.length === 0) {
      return send(res, 429, { error: `re-evaluation queue full (${queueLimit} pending)`, ...summary }, { 'retry-after': String(QUEUE_FULL_RETRY_AFTER) });
    }
    send(res, 202, summary);
  }

  async function github(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const signature = header(req, 'x-hub-signature-256');
    // The body is read first (bounded) so that the connection stays usable; nothing is parsed
    // before the signature over its exact bytes checks out.
    const body = await readBody(req, res);
    if (!body) return;
    if (!signature) return send(res, 401, { error: 'missing X-Hub-Signature-256: set a secret on the GitHub webhook' });
    if (body.length === 0) return send(res, 400, { error: 'empty body' });
    // verify() takes a string and signs its UTF-8 encoding. A strict decoder (no replacement
    // characters, BOM kept) makes that encoding the exact received bytes, so the HMAC is over them.
    let text: string;
    try {
      text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(body);
    } catch {
      return send(res, 400, { error: 'body is not valid UTF-8' });
    }
    let valid = false;
    try {
      valid = await verify(githubSecret!, text, signature);
    } catch {
      valid = false;
    }
    if (!valid) return send(res, 401, { error: 'signature does not match the body (X-Hub-Signature-256)' });

    const delivery = header(req, 'x-github-delivery');
    if (!delivery) return send(res, 400, { error: 'missing X-GitHub-Delivery' });
    if (deliveries.seen(delivery)) {
      log?.warn({ delivery }, 'github webhook: delivery replayed, ignored');
      return send(res, 409, { error: `delivery ${delivery} was already received: replayed, not processed again` });
    }
    let json = text;
    if (contentType(req) === 'application/x-www-form-urlencoded') {
      const payload = new URLSearchParams(text).get('payload');
      if (payload === null) return send(res, 400, { error: 'form-encoded body without a "payload" field' });
      json = payload;
    }
    const parsed = parseJson(json);
    if (!parsed.ok) return send(res, 400, { error: `malformed JSON: ${parsed.error}` });
    if (!isObject(parsed.value)) return send(res, 400, { error: 'payload is not a JSON object' });
    const payload = parsed.value;
    const event = header(req, 'x-github-event') ?? '';
    deliveries.record(delivery);

    if (event === 'ping') return send(res, 200, { ok: true, event });
    if (event !== 'pull_request') return send(res, 202, { ignored: `event "${event}"` });
    const pr = payload.pull_request;
    if (payload.action !== 'closed' || !isObject(pr)) return send(res, 202, { ignored: `pull_request action "${String(payload.action)}"` });
    const head = isObject(pr.head) ? pr.head : {};
    const base = isObject(pr.base) ? pr.base : {};
    const branch = typeof head.ref === 'string' ? head.ref : '';
    if (!branch.startsWith(BRANCH_PREFIX)) return send(res, 202, { ignored: `branch "${branch}" is not an Augur branch (${BRANCH_PREFIX}...)` });
    // Augur pushes its branches to the manifest repository itself; a PR from a fork named like
    // an Augur branch (anyone can open and close one) must not back a recommendation off.
    if (!sameRepo(head.repo, base.repo)) return send(res, 202, { ignored: `branch "${branch}" comes from another repository` });
    const number = typeof pr.number === 'number' ? pr.number : typeof payload.number === 'number' ? payload.number : undefined;
    if (number === undefined) return send(res, 400, { error: 'pull_request without a number' });
    const e: PullRequestClosedEvent = { number, branch, merged: pr.merged === true };
    const mergedAt = unixSeconds(pr.merged_at);
    const closedAt = unixSeconds(pr.closed_at);
    if (mergedAt !== undefined) e.mergedAt = mergedAt;
    if (closedAt !== undefined) e.closedAt = closedAt;
    const meta = parseMeta(typeof pr.body === 'string' ? pr.body : undefined);
    if (meta) e.meta = meta;
    try {
      await events.pullRequestClosed(e);
    } catch (err) {
      deliveries.forget(delivery); // let GitHub's redelivery try again
      log?.error({ err: message(err), number, branch }, 'github webhook: handling a closed pull request failed');
      return send(res, 500, { error: 'handling the closed pull request failed; redeliver to retry' });
    }
    log?.info({ number, branch, merged: e.merged, key: meta?.key }, 'github webhook: Augur pull request closed');
    send(res, 200, { handled: 'pull_request.closed', number, branch, merged: e.merged, key: meta?.key ?? null });
  }

  return async (req, res) => {
    const path = (req.url ?? '').split('?')[0] ?? '';
    if (!path.startsWith(WEBHOOK_PREFIX)) return false;
    try {
      const route = path === ALERTMANAGER_PATH && tokenDigest ? alertmanager : path === GITHUB_PATH && githubSecret ? github : undefined;
      if (!route) {
        send(res, 404, { error: `no webhook at ${path}: ${[tokenDigest && ALERTMANAGER_PATH, githubSecret && GITHUB_PATH].filter(Boolean).join(' and ') || 'none is configured'}` });
      } else if (req.method !== 'POST') {
        send(res, 405, { error: `${req.method ?? '?'} not allowed: POST only` }, { allow: 'POST' });
      } else {
        await route(req, res);
      }
    } catch (err) {
      log?.error({ err: message(err), path }, 'webhook handler failed');
      send(res, 500, { error: 'internal error' });
    }
    return true;
  };
}

// ---------------------------------------------------------------------------------------------
// Matching alerts to targets

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

// ---------------------------------------------------------------------------------------------
// The bounded, de-duplicated, rate-limited queue of re-evaluations

type Offer = { result: 'queued' | 'alreadyQueued' | 'overflow' } | { result: 'rateLimited'; retryAfter: number };

class ReevaluationQueue {
  /** Target ids waiting, in arrival order, with the reasons they were asked for. */
  private readonly pending = new Map<string, Set<string>>();
  /** When each target was last accepted into the queue (unix seconds). */
  private readonly last = new Map<string, number>();
  private busy = false;

  constructor(
    private readonly limit: number,
    private readonly interval: number,
    private readonly now: () => number,
    private readonly events: WebhookEvents,
    private readonly log: Logger | undefined,
  ) {}

  offer(id: string, reason: string): Offer {
    const waiting = this.pending.get(id);
    if (waiting) {
      waiting.add(reason);
      return { result: 'alreadyQueued' };
    }
    const t = this.now();
    const last = this.last.get(id);
    if (last !== undefined && t - last < this.interval) return { result: 'rateLimited', retryAfter: Math.ceil(last + this.interval - t) };
    if (this.pending.size >= this.limit) return { result: 'overflow' };
    this.pending.set(id, new Set([reason]));
    this.last.set(id, t);
    return { result: 'queued' };
  }

  /** Hands the waiting targets to `reevaluate` in one batch, unless a batch is still running. */
  flush(): void {
    if (this.busy || this.pending.size === 0) return;
    const batch = [...this.pending.keys()];
    const reasons = new Set<string>();
    for (const r of this.pending.values()) for (const x of r) reasons.add(x);
    this.pending.clear();
    const reason = [...reasons].join('; ');
    this.busy = true;
    let result: void | Promise<void>;
    try {
      result = this.events.reevaluate(batch, reason);
    } catch (err) {
      this.log?.error({ err: message(err), targets: batch }, 're-evaluation failed');
      result = undefined;
    }
    if (result && typeof (result as Promise<void>).then === 'function') {
      Promise.resolve(result)
        .catch((err: unknown) => this.log?.error({ err: message(err), targets: batch }, 're-evaluation failed'))
        .finally(() => {
          this.busy = false;
          this.flush();
        });
    } else {
      this.busy = false;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// GitHub delivery ids seen recently

class DeliveryLog {
  private readonly seenAt = new Map<string, number>();

  constructor(
    private readonly window: number,
    private readonly now: () => number,
  ) {}

  seen(id: string): boolean {
    this.prune();
    return this.seenAt.has(id);
  }

  record(id: string): void {
    this.seenAt.delete(id);
    this.seenAt.set(id, this.now());
    while (this.seenAt.size > MAX_DELIVERIES) {
      const oldest = this.seenAt.keys().next();
      if (oldest.done) break;
      this.seenAt.delete(oldest.value);
    }
  }

  forget(id: string): void {
    this.seenAt.delete(id);
  }

  private prune(): void {
    const cutoff = this.now() - this.window;
    // Insertion order is arrival order: stop at the first one still inside the window.
    for (const [id, at] of this.seenAt) {
      if (at > cutoff) break;
      this.seenAt.delete(id);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// HTTP helpers

/** Reads the body up to MAX_BODY_BYTES; answers 413 (and resolves undefined) above that. */
function readBody(req: IncomingMessage, res: ServerResponse): Promise<Buffer | undefined> {
  const tooLarge = () =>
    send(res, 413, { error: `body larger than ${MAX_BODY_BYTES} bytes` }, { connection: 'close' });
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > MAX_BODY_BYTES) {
    tooLarge();
    return Promise.resolve(undefined);
  }
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = (body: Buffer | undefined) => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      resolve(body);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        chunks.length = 0;
        tooLarge();
        req.resume(); // discard the rest; the connection closes after the answer
        done(undefined);
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => done(Buffer.concat(chunks, size));
    const onError = () => done(undefined); // the client went away: nobody to answer
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
  });
}

function send(res: ServerResponse, status: number, body: object, headers: Record<string, string> = {}): void {
  if (res.headersSent || res.writableEnded || res.destroyed) return;
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers }).end(`${JSON.stringify(body)}\n`);
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  const s = Array.isArray(v) ? v[0] : v;
  return s === undefined || s === '' ? undefined : s;
}

function contentType(req: IncomingMessage): string {
  return (header(req, 'content-type') ?? '').split(';')[0]!.trim().toLowerCase();
}

function bearer(authorization: string | undefined): string | undefined {
  const m = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(authorization ?? '');
  return m?.[1];
}

function sha256(s: string): Buffer {
  return createHash('sha256').update(s, 'utf8').digest();
}

function parseJson(text: string): { ok: true; value: unknown } | { ok: false; error: string } {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (err) {
    return { ok: false, error: message(err) };
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function stringRecord(v: Record<string, unknown>): Record<string, string> {
  const out = Object.create(null) as Record<string, string>; // no prototype: a "__proto__" label is just a label
  for (const [k, x] of Object.entries(v)) if (typeof x === 'string') out[k] = x;
  return out;
}

function sameRepo(head: unknown, base: unknown): boolean {
  if (!isObject(head) || !isObject(base)) return false;
  if (typeof head.id === 'number' && typeof base.id === 'number') return head.id === base.id;
  return typeof head.full_name === 'string' && head.full_name === base.full_name;
}

function unixSeconds(v: unknown): number | undefined {
  if (typeof v !== 'string') return undefined;
  const ms = Date.parse(v);
  return Number.isFinite(ms) ? Math.floor(ms / 1000) : undefined;
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
