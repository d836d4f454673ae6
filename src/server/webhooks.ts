// The webhook endpoints of `augur serve`.
//
//   POST /webhooks/alertmanager  Alertmanager, bearer token: a firing alert that names a target
//                                re-evaluates it now (alertmanager.ts).
//   POST /webhooks/<forge type>  The forge's own webhook (forge/<type>/, e.g. GitHub's HMAC over
//                                the raw body): a closed Augur PR is reported; merged starts the
//                                workload's cooldown, unmerged backs the recommendation off.
//
// The core is the request handler below: it needs no socket of its own and plugs into any
// node:http server (`if (await webhooks(req, res)) return;`). It never throws to the server.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { PullRequestClosedEvent } from '../domain/forge.js';
import type { Logger } from '../domain/ports.js';
import type { ForgeWebhook } from '../forge/module.js';
import { alertmanager, TargetMatcher, type AlertRoute, type WebhookTarget } from './alertmanager.js';
import { DeliveryLog, ReevaluationQueue, type WebhookEvents } from './queue.js';
import { createHash } from 'node:crypto';
import { message, readBody, send, sha256, type BodyLimits } from './reply.js';

export { MAX_BODY_BYTES } from './reply.js';
export type { AlertSummary, WebhookTarget } from './alertmanager.js';
export type { WebhookEvents } from './queue.js';
export type { PullRequestClosedEvent } from '../domain/forge.js';

export const WEBHOOK_PREFIX = '/webhooks/';
export const ALERTMANAGER_PATH = '/webhooks/alertmanager';

export interface WebhookOptions {
  /** Bearer token required on POST /webhooks/alertmanager; the endpoint answers 404 when unset or empty. */
  alertmanagerToken?: string;
  /** The forge's webhook at POST /webhooks/<type> and its secret; the endpoint answers 404 when unset or the secret is empty. */
  forge?: { type: string; webhook: ForgeWebhook; secret: string; branchPrefix: string };
  /** The configured targets, to match alerts against (see alertmanager.ts). */
  targets: WebhookTarget[];
  /** Most target ids waiting for re-evaluation; default 100. */
  queueLimit?: number;
  /** Seconds between two re-evaluations of one target; default 300. */
  perTargetInterval?: number;
  /** Seconds a forge delivery id, and the digest of its body, are remembered to refuse replays; default 3600. */
  replayWindow?: number;
  /** Largest body read, in bytes (413 above); default 1 MiB. */
  maxBodyBytes?: number;
  /** Milliseconds a client has to send the whole body (408 after); default 10 s. */
  bodyTimeoutMs?: number;
  /** Unix seconds; tests pass a fake clock. */
  now?: () => number;
  log?: Logger;
}

export type WebhookHandler = (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;

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
  const limits = { ...(opts.maxBodyBytes !== undefined ? { maxBytes: opts.maxBodyBytes } : {}), ...(opts.bodyTimeoutMs !== undefined ? { timeoutMs: opts.bodyTimeoutMs } : {}) };
  const routes = new Map<string, (req: IncomingMessage, res: ServerResponse) => Promise<void>>();
  if (opts.alertmanagerToken) {
    const route: AlertRoute = { tokenDigest: sha256(opts.alertmanagerToken), matcher: new TargetMatcher(opts.targets), queue: new ReevaluationQueue(queueLimit, interval, now, events, log), queueLimit, log, limits };
    routes.set(ALERTMANAGER_PATH, (req, res) => alertmanager(req, res, route));
  }
  if (opts.forge?.secret) {
    const forge = { ...opts.forge, deliveries: new DeliveryLog(replayWindow, now), limits };
    routes.set(`${WEBHOOK_PREFIX}${forge.type}`, (req, res) => forgeDelivery(req, res, forge, events, log));
  }
  return async (req, res) => {
    const path = (req.url ?? '').split('?')[0] ?? '';
    if (!path.startsWith(WEBHOOK_PREFIX)) return false;
    try {
      const route = routes.get(path);
      if (!route) send(res, 404, { error: `no webhook at ${path}: ${[...routes.keys()].join(' and ') || 'none is configured'}` });
      else if (req.method !== 'POST') send(res, 405, { error: `${req.method ?? '?'} not allowed: POST only` }, { allow: 'POST' });
      else await route(req, res);
    } catch (err) {
      log?.error({ err: message(err), path }, 'webhook handler failed');
      send(res, 500, { error: 'internal error' });
    }
    return true;
  };
}

/** A delivery of the forge's webhook: read and verified by the forge module, replays refused, a closed Augur PR reported. */
async function forgeDelivery(
  req: IncomingMessage,
  res: ServerResponse,
  forge: { type: string; webhook: ForgeWebhook; secret: string; branchPrefix: string; deliveries: DeliveryLog; limits: BodyLimits },
  events: WebhookEvents,
  log: Logger | undefined,
): Promise<void> {
  // The body is read first (bounded) so that the connection stays usable; the forge module parses
  // nothing before the signature over its exact bytes checks out.
  const body = await readBody(req, res, forge.limits);
  if (!body) return;
  const read = await forge.webhook.read({ headers: req.headers, body }, forge.secret);
  if ('refuse' in read) return send(res, read.refuse.status, { error: read.refuse.error });
  const { delivery } = read;
  // A replay is the same delivery id, or the same signed body under a new id.
  const digest = `sha256:${createHash('sha256').update(body).digest('hex')}`;
  const replayOf = forge.deliveries.seen(delivery) ? `delivery ${delivery}` : forge.deliveries.seen(digest) ? 'this exact body' : undefined;
  if (replayOf) {
    log?.warn({ delivery }, `${forge.type} webhook: ${replayOf} already received, replay ignored`);
    return send(res, 409, { error: `${replayOf} was already received: replayed, not processed again` });
  }
  forge.deliveries.record(delivery);
  forge.deliveries.record(digest);
  if ('reply' in read) return send(res, read.reply.status, read.reply.body);
  const e = read.closed;
  // Several instances may share the repository: each handles its own branches only.
  if (!e.branch.startsWith(forge.branchPrefix)) return send(res, 202, { ignored: `branch "${e.branch}" is not on this instance's prefix (${forge.branchPrefix})` });
  try {
    await events.pullRequestClosed(e);
  } catch (err) {
    forge.deliveries.forget(delivery); // let the forge's redelivery try again
    forge.deliveries.forget(digest);
    log?.error({ err: message(err), number: e.number, branch: e.branch }, `${forge.type} webhook: handling a closed pull request failed`);
    return send(res, 500, { error: 'handling the closed pull request failed; redeliver to retry' });
  }
  log?.info({ number: e.number, branch: e.branch, merged: e.merged, key: e.meta?.key }, `${forge.type} webhook: Augur pull request closed`);
  send(res, 200, { handled: 'pull_request.closed', number: e.number, branch: e.branch, merged: e.merged, key: e.meta?.key ?? null });
}
