// GitHub's webhook: HMAC-SHA256 (X-Hub-Signature-256) over the raw body, checked before anything
// is parsed; a closed pull request from an Augur branch of the same repository is the event.
import type { IncomingHttpHeaders } from 'node:http';
import { verify } from '@octokit/webhooks-methods';
import type { PullRequestClosedEvent } from '../../domain/forge.js';
import { parseMeta } from '../meta.js';
import type { ForgeWebhook, WebhookRead } from '../module.js';

export const githubWebhook: ForgeWebhook = {
  doc: 'POST /webhooks/github (pull_request events): a merged or closed Augur PR updates the dashboard and cooldowns at once',
  secretDoc: 'the webhook secret set on GitHub',
  async read({ headers, body }, secret) {
    const text = await verified(headers, body, secret);
    if (typeof text !== 'string') return text;
    const delivery = header(headers, 'x-github-delivery');
    if (!delivery) return refuse(400, 'missing X-GitHub-Delivery');
    let json = text;
    if ((header(headers, 'content-type') ?? '').split(';')[0]!.trim().toLowerCase() === 'application/x-www-form-urlencoded') {
      const payload = new URLSearchParams(text).get('payload');
      if (payload === null) return refuse(400, 'form-encoded body without a "payload" field');
      json = payload;
    }
    let payload: unknown;
    try {
      payload = JSON.parse(json);
    } catch (err) {
      return refuse(400, `malformed JSON: ${(err as Error).message}`);
    }
    if (!isObject(payload)) return refuse(400, 'payload is not a JSON object');
    return pullRequestClosed(header(headers, 'x-github-event') ?? '', payload, delivery);
  },
};

/** The body as text when the signature over its exact bytes checks out; otherwise the refusal. */
async function verified(headers: IncomingHttpHeaders, body: Buffer, secret: string): Promise<string | WebhookRead> {
  const signature = header(headers, 'x-hub-signature-256');
  if (!signature) return refuse(401, 'missing X-Hub-Signature-256: set a secret on the GitHub webhook');
  if (body.length === 0) return refuse(400, 'empty body');
  // verify() takes a string and signs its UTF-8 encoding. A strict decoder (no replacement
  // characters, BOM kept) makes that encoding the exact received bytes, so the HMAC is over them.
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(body);
  } catch {
    return refuse(400, 'body is not valid UTF-8');
  }
  const valid = await verify(secret, text, signature).catch(() => false);
  return valid ? text : refuse(401, 'signature does not match the body (X-Hub-Signature-256)');
}

function pullRequestClosed(event: string, payload: Record<string, unknown>, delivery: string): WebhookRead {
  const ignore = (why: string): WebhookRead => ({ delivery, reply: { status: 202, body: { ignored: why } } });
  if (event === 'ping') return { delivery, reply: { status: 200, body: { ok: true, event } } };
  if (event !== 'pull_request') return ignore(`event "${event}"`);
  const pr = payload.pull_request;
  if (payload.action !== 'closed' || !isObject(pr)) return ignore(`pull_request action "${String(payload.action)}"`);
  const head = isObject(pr.head) ? pr.head : {};
  const base = isObject(pr.base) ? pr.base : {};
  const branch = typeof head.ref === 'string' ? head.ref : '';
  // Augur pushes its branches to the manifest repository itself; a PR from a fork named like
  // an Augur branch (anyone can open and close one) must not back a recommendation off.
  if (!sameRepo(head.repo, base.repo)) return ignore(`branch "${branch}" comes from another repository`);
  const number = typeof pr.number === 'number' ? pr.number : typeof payload.number === 'number' ? payload.number : undefined;
  if (number === undefined) return refuse(400, 'pull_request without a number');
  const closed: PullRequestClosedEvent = { number, branch, merged: pr.merged === true };
  const mergedAt = unixSeconds(pr.merged_at);
  const closedAt = unixSeconds(pr.closed_at);
  if (mergedAt !== undefined) closed.mergedAt = mergedAt;
  if (closedAt !== undefined) closed.closedAt = closedAt;
  const meta = parseMeta(typeof pr.body === 'string' ? pr.body : undefined);
  if (meta) closed.meta = meta;
  return { delivery, closed };
}

const refuse = (status: number, error: string): WebhookRead => ({ refuse: { status, error } });

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name];
  const s = Array.isArray(v) ? v[0] : v;
  return s === undefined || s === '' ? undefined : s;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
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
