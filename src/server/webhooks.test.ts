import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { sign } from '@octokit/webhooks-methods';
import { afterEach, describe, expect, it } from 'vitest';
import { renderMeta } from '../forge/meta.js';
import { type ProposalMeta } from '../domain/forge.js';
import { githubWebhook } from '../forge/github/webhook.js';
import { TargetMatcher } from './alertmanager.js';
import {
  MAX_BODY_BYTES,
  createWebhookHandler,
  type AlertSummary,
  type PullRequestClosedEvent,
  type WebhookEvents,
  type WebhookOptions,
} from './webhooks.js';

const TOKEN = 'am-token-0123456789';
const SECRET = 'gh-secret-abcdef';
const TARGETS = [
  { kind: 'Deployment', namespace: 'shop', name: 'frontend' },
  { kind: 'Deployment', namespace: 'shop', name: 'api' },
  { kind: 'StatefulSet', namespace: 'shop', name: 'db' },
  { kind: 'Deployment', namespace: 'search', name: 'indexer' },
];
const T0 = 1_780_000_000;

interface Harness {
  url: string;
  clock: { t: number };
  reevaluated: { targets: string[]; reason: string }[];
  closed: PullRequestClosedEvent[];
}

const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});

async function start(opts: Partial<WebhookOptions> = {}, override: Partial<WebhookEvents> = {}): Promise<Harness> {
  const h: Harness = { url: '', clock: { t: T0 }, reevaluated: [], closed: [] };
  const handler = createWebhookHandler(
    { targets: TARGETS, alertmanagerToken: TOKEN, forge: { type: 'github', webhook: githubWebhook, secret: SECRET, branchPrefix: 'augur/' }, now: () => h.clock.t, ...opts },
    {
      reevaluate: (targets, reason) => {
        h.reevaluated.push({ targets, reason });
      },
      pullRequestClosed: (e) => {
        h.closed.push(e);
      },
      ...override,
    },
  );
  const server = createServer((req, res) => {
    handler(req, res).then(
      (handled) => {
        if (!handled) res.writeHead(404, { 'content-type': 'text/plain' }).end('not found (server)\n');
      },
      () => res.writeHead(599).end(), // the handler must never reject: a 599 fails the test
    );
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  h.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return h;
}

// ---------------------------------------------------------------------------------------------
// Alertmanager

function alert(status: 'firing' | 'resolved', labels: Record<string, string>, annotations: Record<string, string> = {}) {
  return { status, labels, annotations, startsAt: '2026-05-28T10:00:00Z', endsAt: '0001-01-01T00:00:00Z', generatorURL: 'http://prom/graph', fingerprint: Math.random().toString(16).slice(2, 18) };
}

function amPayload(alerts: ReturnType<typeof alert>[]) {
  return {
    version: '4',
    groupKey: '{}:{alertname="HighLatency"}',
    truncatedAlerts: 0,
    status: alerts.some((a) => a.status === 'firing') ? 'firing' : 'resolved',
    receiver: 'augur',
    groupLabels: {},
    commonLabels: {},
    commonAnnotations: {},
    externalURL: 'http://alertmanager:9093',
    alerts,
  };
}

function postAlerts(h: Harness, payload: unknown, token: string | null = TOKEN): Promise<Response> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (token !== null) headers.authorization = `Bearer ${token}`;
  return fetch(`${h.url}/webhooks/alertmanager`, { method: 'POST', headers, body: typeof payload === 'string' ? payload : JSON.stringify(payload) });
}

const firingFrontend = () => alert('firing', { alertname: 'HighLatency', namespace: 'shop', deployment: 'frontend', severity: 'warning' });

describe('POST /webhooks/alertmanager', () => {
  it('re-evaluates the target a firing alert names, once, and ignores unknown targets and resolved alerts', async () => {
    const h = await start();
    const res = await postAlerts(
      h,
      amPayload([
        firingFrontend(),
        alert('firing', { alertname: 'PodsPending', namespace: 'shop', deployment: 'frontend', pod: 'frontend-1' }),
        alert('firing', { alertname: 'HighLatency', namespace: 'shop', deployment: 'checkout' }),
        alert('firing', { alertname: 'Watchdog' }),
        alert('resolved', { alertname: 'HighLatency', namespace: 'shop', deployment: 'api' }),
      ]),
    );
    expect(res.status).toBe(202);
    const summary = (await res.json()) as AlertSummary;
    expect(summary).toMatchObject({ alerts: 5, firing: 4, notFiring: 1, unmatched: 2, queued: ['Deployment/shop/frontend'], rateLimited: [], overflow: [] });
    expect(h.reevaluated).toEqual([{ targets: ['Deployment/shop/frontend'], reason: 'alertmanager: HighLatency, PodsPending' }]);
  });

  it('rate-limits a target re-evaluated less than perTargetInterval ago', async () => {
    const h = await start({ perTargetInterval: 300 });
    expect((await postAlerts(h, amPayload([firingFrontend()]))).status).toBe(202);
    h.clock.t += 120;
    const again = await postAlerts(h, amPayload([firingFrontend()]));
    expect(again.status).toBe(202);
    expect(((await again.json()) as AlertSummary)).toMatchObject({ queued: [], rateLimited: [{ target: 'Deployment/shop/frontend', retryAfter: 180 }] });
    expect(h.reevaluated).toHaveLength(1);
    h.clock.t += 180;
    const later = await postAlerts(h, amPayload([firingFrontend()]));
    expect(((await later.json()) as AlertSummary).queued).toEqual(['Deployment/shop/frontend']);
    expect(h.reevaluated).toHaveLength(2);
  });

  it('answers 401 with WWW-Authenticate: Bearer to a wrong or missing token, and calls nothing', async () => {
    const h = await start();
    for (const token of ['wrong-token', `${TOKEN}x`, TOKEN.slice(0, -1), '', null]) {
      const res = await postAlerts(h, amPayload([firingFrontend()]), token);
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer /);
    }
    const basic = await fetch(`${h.url}/webhooks/alertmanager`, { method: 'POST', headers: { authorization: `Basic ${Buffer.from(`x:${TOKEN}`).toString('base64')}` }, body: '{}' });
    expect(basic.status).toBe(401);
    expect(h.reevaluated).toEqual([]);
  });

  it('ignores resolved alerts', async () => {
    const h = await start();
    const res = await postAlerts(h, amPayload([alert('resolved', { alertname: 'HighLatency', namespace: 'shop', deployment: 'frontend' })]));
    expect(res.status).toBe(202);
    expect(await res.json()).toMatchObject({ firing: 0, notFiring: 1, queued: [] });
    expect(h.reevaluated).toEqual([]);
  });

  it('bounds the queue while a re-evaluation runs: overflow is reported, 429 when the whole batch is dropped', async () => {
    let finish: () => void = () => undefined;
    const batches: string[][] = [];
    const h = await start(
      { queueLimit: 2 },
      {
        reevaluate: (targets) => {
          batches.push(targets);
          return new Promise<void>((r) => (finish = r));
        },
      },
    );
    const am = (ns: string, deployment: string) => alert('firing', { alertname: 'X', namespace: ns, deployment });
    await postAlerts(h, amPayload([am('shop', 'frontend')])); // runs at once, stays busy
    expect(batches).toEqual([['Deployment/shop/frontend']]);

    const res = await postAlerts(h, amPayload([am('shop', 'api'), am('search', 'indexer'), alert('firing', { alertname: 'X', namespace: 'shop', statefulset: 'db' })]));
    expect(res.status).toBe(202);
    expect(await res.json()).toMatchObject({ queued: ['Deployment/shop/api', 'Deployment/search/indexer'], overflow: ['StatefulSet/shop/db'] });

    const again = await postAlerts(h, amPayload([am('shop', 'api')])); // already waiting: not added twice
    expect(again.status).toBe(202);
    expect(await again.json()).toMatchObject({ queued: [], alreadyQueued: ['Deployment/shop/api'] });

    const full = await postAlerts(h, amPayload([alert('firing', { alertname: 'X', namespace: 'shop', statefulset: 'db' })]));
    expect(full.status).toBe(429);
    expect(full.headers.get('retry-after')).toBe('60');
    expect(await full.json()).toMatchObject({ overflow: ['StatefulSet/shop/db'] });

    expect(batches).toHaveLength(1);
    finish();
    await new Promise((r) => setTimeout(r, 10));
    expect(batches).toEqual([['Deployment/shop/frontend'], ['Deployment/shop/api', 'Deployment/search/indexer']]);
  });

  it('survives a reevaluate that throws or rejects', async () => {
    const h = await start({}, { reevaluate: () => Promise.reject(new Error('boom')) });
    expect((await postAlerts(h, amPayload([firingFrontend()]))).status).toBe(202);
    const h2 = await start({}, {
      reevaluate: () => {
        throw new Error('boom');
      },
    });
    expect((await postAlerts(h2, amPayload([firingFrontend()]))).status).toBe(202);
    expect((await postAlerts(h2, amPayload([alert('firing', { alertname: 'X', namespace: 'shop', deployment: 'api' })]))).status).toBe(202);
  });

  it('answers 400 with a message to malformed JSON or a payload that is not Alertmanager\'s', async () => {
    const h = await start();
    const bad = await postAlerts(h, '{"version":"4","alerts":[');
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toMatch(/^malformed JSON: /);
    expect((await postAlerts(h, { hello: 'world' })).status).toBe(400);
    expect((await postAlerts(h, { version: '5', alerts: [] })).status).toBe(400);
    expect((await postAlerts(h, '[]')).status).toBe(400);
    const odd = await postAlerts(h, { version: '4', alerts: [null, 3, { status: 'firing' }, firingFrontend()] });
    expect(odd.status).toBe(202);
    expect(await odd.json()).toMatchObject({ invalid: 3, queued: ['Deployment/shop/frontend'] });
  });

  it('answers 413 to a body over 1 MiB, declared or streamed', async () => {
    const h = await start();
    const big = JSON.stringify({ version: '4', alerts: [], pad: 'x'.repeat(MAX_BODY_BYTES) });
    const declared = await postAlerts(h, big);
    expect(declared.status).toBe(413);
    const chunk = new Uint8Array(256 * 1024).fill(0x20);
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(c) {
        if (sent >= 8) return c.close();
        sent++;
        c.enqueue(chunk);
      },
    });
    const streamed = await fetch(`${h.url}/webhooks/alertmanager`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: stream,
      duplex: 'half',
    } as RequestInit);
    expect(streamed.status).toBe(413);
    // Just under the limit is fine.
    const fits = JSON.stringify({ version: '4', alerts: [firingFrontend()], pad: '' });
    const padded = fits.replace('"pad":""', `"pad":"${'x'.repeat(MAX_BODY_BYTES - fits.length)}"`);
    expect(Buffer.byteLength(padded)).toBe(MAX_BODY_BYTES);
    expect((await postAlerts(h, padded)).status).toBe(202);
  });
});

describe('TargetMatcher', () => {
  const m = new TargetMatcher([...TARGETS, { kind: 'StatefulSet', namespace: 'shop', name: 'frontend' }]);

  it('matches namespace + deployment / statefulset only to that kind', () => {
    expect(m.match({ namespace: 'shop', deployment: 'frontend' })).toEqual(['Deployment/shop/frontend']);
    expect(m.match({ namespace: 'shop', statefulset: 'frontend' })).toEqual(['StatefulSet/shop/frontend']);
    expect(m.match({ namespace: 'shop', deployment: 'db' })).toEqual([]);
    expect(m.match({ namespace: 'search', deployment: 'frontend' })).toEqual([]);
    expect(m.match({ deployment: 'frontend' })).toEqual([]);
  });

  it('matches workload (with workload_type), app.kubernetes.io/name and service to any kind', () => {
    expect(m.match({ namespace: 'shop', workload: 'frontend' })).toEqual(['Deployment/shop/frontend', 'StatefulSet/shop/frontend']);
    expect(m.match({ namespace: 'shop', workload: 'frontend', workload_type: 'statefulset' })).toEqual(['StatefulSet/shop/frontend']);
    expect(m.match({ namespace: 'shop', 'app.kubernetes.io/name': 'db' })).toEqual(['StatefulSet/shop/db']);
    expect(m.match({ namespace: 'shop', label_app_kubernetes_io_name: 'api' })).toEqual(['Deployment/shop/api']);
    expect(m.match({ namespace: 'shop', service: 'api' })).toEqual(['Deployment/shop/api']);
  });

  it('takes the first label that names a configured target', () => {
    expect(m.match({ namespace: 'shop', deployment: 'api', service: 'frontend' })).toEqual(['Deployment/shop/api']);
    expect(m.match({ namespace: 'shop', deployment: 'unknown', service: 'api' })).toEqual(['Deployment/shop/api']);
  });

  it('honours an explicit augur_target label or annotation', () => {
    expect(m.match({ augur_target: 'Deployment/search/indexer' })).toEqual(['Deployment/search/indexer']);
    expect(m.match({}, { augur_target: 'shop/db' })).toEqual(['StatefulSet/shop/db']);
    expect(m.match({ augur_target: 'StatefulSet/search/indexer' })).toEqual([]);
    expect(m.match({ augur_target: 'nonsense', namespace: 'shop', deployment: 'api' })).toEqual(['Deployment/shop/api']);
  });
});

// ---------------------------------------------------------------------------------------------
// GitHub

const meta = (over: Partial<ProposalMeta> = {}): ProposalMeta => ({
  v: 1,
  key: 'shop/frontend',
  targets: ['Deployment/shop/frontend'],
  fingerprint: '0123456789abcdef',
  changes: [{ target: 'Deployment/shop/frontend', field: 'replicas', file: 'deploy/overlays/production/deployment.yaml', from: '4', to: '6' }],
  cost: { cores: 1, memoryGiB: 0.5, monthly: 24.16, currency: 'USD' },
  at: T0 - 86_400,
  ...over,
});

const repo = { id: 42, full_name: 'acme/manifests' };
function prClosed(merged: boolean, over: { branch?: string; headRepo?: object | null; body?: string | null; number?: number } = {}) {
  const number = over.number ?? 17;
  return {
    action: 'closed',
    number,
    pull_request: {
      number,
      state: 'closed',
      title: 'Scale shop/frontend for the forecast',
      body: over.body !== undefined ? over.body : `Augur proposes 4 → 6 replicas.\n\n${renderMeta(meta())}\n`,
      merged,
      merged_at: merged ? '2026-05-28T12:00:00Z' : null,
      closed_at: '2026-05-28T12:00:00Z',
      head: { ref: over.branch ?? 'augur/shop/frontend', sha: 'abc', repo: over.headRepo !== undefined ? over.headRepo : repo },
      base: { ref: 'main', sha: 'def', repo },
    },
    repository: repo,
    sender: { login: 'reviewer' },
  };
}

let deliveryCounter = 0;
async function postGitHub(
  h: Harness,
  event: string,
  body: string,
  opts: { signature?: string | null; delivery?: string; contentType?: string } = {},
): Promise<Response> {
  const headers: Record<string, string> = {
    'content-type': opts.contentType ?? 'application/json',
    'x-github-event': event,
    'x-github-delivery': opts.delivery ?? `delivery-${++deliveryCounter}`,
    'user-agent': 'GitHub-Hookshot/test',
  };
  const signature = opts.signature === undefined ? await sign(SECRET, body) : opts.signature;
  if (signature !== null) headers['x-hub-signature-256'] = signature;
  return fetch(`${h.url}/webhooks/github`, { method: 'POST', headers, body });
}

describe('POST /webhooks/github', () => {
  it('accepts a correctly signed merge of an Augur PR and reports it with the metadata', async () => {
    const h = await start();
    const res = await postGitHub(h, 'pull_request', JSON.stringify(prClosed(true)));
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ handled: 'pull_request.closed', number: 17, merged: true, key: 'shop/frontend' });
    expect(h.closed).toEqual([
      { number: 17, branch: 'augur/shop/frontend', merged: true, mergedAt: Date.parse('2026-05-28T12:00:00Z') / 1000, closedAt: Date.parse('2026-05-28T12:00:00Z') / 1000, meta: meta() },
    ]);
  });

  it('reports an Augur PR closed unmerged, with its metadata and no mergedAt', async () => {
    const h = await start();
    const res = await postGitHub(h, 'pull_request', JSON.stringify(prClosed(false, { number: 18 })));
    expect(res.status).toBe(200);
    expect(h.closed).toHaveLength(1);
    expect(h.closed[0]).toEqual({ number: 18, branch: 'augur/shop/frontend', merged: false, closedAt: Date.parse('2026-05-28T12:00:00Z') / 1000, meta: meta() });
    // Without a metadata block the event still arrives, without meta.
    await postGitHub(h, 'pull_request', JSON.stringify(prClosed(false, { number: 19, body: null })));
    expect(h.closed[1]).toEqual({ number: 19, branch: 'augur/shop/frontend', merged: false, closedAt: Date.parse('2026-05-28T12:00:00Z') / 1000 });
  });

  it('refuses a forged signature (another secret) with 401', async () => {
    const h = await start();
    const body = JSON.stringify(prClosed(true));
    const res = await postGitHub(h, 'pull_request', body, { signature: await sign('not-the-secret', body) });
    expect(res.status).toBe(401);
    expect(h.closed).toEqual([]);
    for (const signature of [null, 'sha256=', 'sha256=zz', 'sha1=0123', (await sign(SECRET, body)).toUpperCase()]) {
      expect((await postGitHub(h, 'pull_request', body, { signature })).status).toBe(401);
    }
    expect(h.closed).toEqual([]);
  });

  it('refuses a body altered after signing with 401', async () => {
    const h = await start();
    const body = JSON.stringify(prClosed(false));
    const signature = await sign(SECRET, body);
    const altered = body.replace('"merged":false', '"merged":true ');
    expect(altered).not.toBe(body);
    expect((await postGitHub(h, 'pull_request', altered, { signature })).status).toBe(401);
    // Whitespace alone is a change too: the HMAC is over the exact bytes.
    expect((await postGitHub(h, 'pull_request', `${body}\n`, { signature })).status).toBe(401);
    expect(h.closed).toEqual([]);
  });

  it('answers 409 to a replayed delivery id and does not process it again', async () => {
    const h = await start({ replayWindow: 3600 });
    const body = JSON.stringify(prClosed(true));
    expect((await postGitHub(h, 'pull_request', body, { delivery: 'a1b2c3' })).status).toBe(200);
    h.clock.t += 1800;
    const replay = await postGitHub(h, 'pull_request', body, { delivery: 'a1b2c3' });
    expect(replay.status).toBe(409);
    expect(h.closed).toHaveLength(1);
    // The same signed body under a new delivery id is a replay too (anyone who saw it can resend it).
    const renamed = await postGitHub(h, 'pull_request', body, { delivery: 'd4e5f6' });
    expect(renamed.status).toBe(409);
    expect(await renamed.json()).toMatchObject({ error: expect.stringContaining('this exact body was already received') });
    expect(h.closed).toHaveLength(1);
    // Another event (another body) under a new id is a new delivery.
    const other = JSON.stringify(prClosed(true, { number: 43 }));
    expect((await postGitHub(h, 'pull_request', other, { delivery: 'd4e5f6' })).status).toBe(200);
    expect(h.closed).toHaveLength(2);
    // A forged replay is refused for its signature before its id is even looked at.
    expect((await postGitHub(h, 'pull_request', body, { delivery: 'a1b2c3', signature: await sign('x', body) })).status).toBe(401);
    // After the window the id and the body are forgotten.
    h.clock.t += 3601;
    expect((await postGitHub(h, 'pull_request', body, { delivery: 'a1b2c3' })).status).toBe(200);
  });

  it('answers ping with 200 and ignores other events, actions, branches and forks with 202', async () => {
    const h = await start();
    const ping = await postGitHub(h, 'ping', JSON.stringify({ zen: 'Keep it logically awesome.', hook_id: 1 }));
    expect(ping.status).toBe(200);
    expect((await postGitHub(h, 'push', JSON.stringify({ ref: 'refs/heads/main' }))).status).toBe(202);
    expect((await postGitHub(h, 'pull_request', JSON.stringify({ ...prClosed(false), action: 'opened' }))).status).toBe(202);
    const other = await postGitHub(h, 'pull_request', JSON.stringify(prClosed(true, { branch: 'feature/augur/x' })));
    expect(other.status).toBe(202);
    expect(((await other.json()) as { ignored: string }).ignored).toBe('branch "feature/augur/x" is not on this instance\'s prefix (augur/)');
    // Another instance's branch (git.branchPrefix augur-eu) is left to that instance.
    const eu = await postGitHub(h, 'pull_request', JSON.stringify(prClosed(true, { branch: 'augur-eu/shop/frontend' })));
    expect(eu.status).toBe(202);
    expect(h.closed).toHaveLength(0);
    const fork = await postGitHub(h, 'pull_request', JSON.stringify(prClosed(false, { headRepo: { id: 99, full_name: 'mallory/manifests' } })));
    expect(fork.status).toBe(202);
    expect((await postGitHub(h, 'pull_request', JSON.stringify(prClosed(false, { headRepo: null })))).status).toBe(202);
    expect(h.closed).toEqual([]);
  });

  it('reads a form-encoded payload, signed over the form body', async () => {
    const h = await start();
    const body = new URLSearchParams({ payload: JSON.stringify(prClosed(true)) }).toString();
    const res = await postGitHub(h, 'pull_request', body, { contentType: 'application/x-www-form-urlencoded' });
    expect(res.status).toBe(200);
    expect(h.closed[0]?.meta).toEqual(meta());
  });

  it('answers 400 to signed malformed JSON, and to a body that is not UTF-8', async () => {
    const h = await start();
    const res = await postGitHub(h, 'pull_request', '{"action":"closed",');
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toMatch(/^malformed JSON: /);
    const bytes = Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0x22, 0x7d]); // {"a":"\xff"}
    const signature = `sha256=${createHmac('sha256', SECRET).update(bytes).digest('hex')}`;
    const raw = await fetch(`${h.url}/webhooks/github`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-github-event': 'ping', 'x-github-delivery': 'raw-1', 'x-hub-signature-256': signature },
      body: bytes,
    });
    expect(raw.status).toBe(400);
  });

  it('answers 500 when handling fails and lets a redelivery of the same id through', async () => {
    let fail = true;
    const seen: number[] = [];
    const h = await start({}, {
      pullRequestClosed: (e) => {
        if (fail) throw new Error('forge down');
        seen.push(e.number);
      },
    });
    const body = JSON.stringify(prClosed(true));
    expect((await postGitHub(h, 'pull_request', body, { delivery: 'retry-1' })).status).toBe(500);
    fail = false;
    expect((await postGitHub(h, 'pull_request', body, { delivery: 'retry-1' })).status).toBe(200);
    expect(seen).toEqual([17]);
  });

  it('answers 413 to a body over 1 MiB', async () => {
    const h = await start();
    const body = JSON.stringify({ ...prClosed(true), pad: 'x'.repeat(MAX_BODY_BYTES) });
    expect((await postGitHub(h, 'pull_request', body)).status).toBe(413);
    expect(h.closed).toEqual([]);
  });

  it('reads at most webhooks.maxBodyBytes, announced or streamed', async () => {
    const h = await start({ maxBodyBytes: 4096 });
    const body = JSON.stringify({ ...prClosed(true), pad: 'x'.repeat(5000) });
    expect((await postGitHub(h, 'pull_request', body)).status).toBe(413);
    // Without a Content-Length: counted as it arrives.
    const streamed = await rawPost(h, '/webhooks/github', [body.slice(0, 3000), body.slice(3000)], { chunked: true });
    expect(streamed.status).toBe(413);
    expect(h.closed).toEqual([]);
  });

  it('gives an unauthenticated slow body webhooks.bodyTimeout, then 408 and the connection closed', async () => {
    const h = await start({ bodyTimeoutMs: 300 });
    const started = Date.now();
    const slow = await rawPost(h, '/webhooks/github', ['{"action":'], { contentLength: 1000, hold: true });
    expect(slow.status).toBe(408);
    expect(slow.closed).toBe(true);
    expect(Date.now() - started).toBeLessThan(3000);
    expect(h.closed).toEqual([]);
  });
});

/** A POST written by hand, to send a body in pieces or never finish it; resolves with the status and whether the server closed. */
function rawPost(h: Harness, path: string, pieces: string[], opts: { chunked?: boolean; contentLength?: number; hold?: boolean }): Promise<{ status: number; closed: boolean }> {
  return new Promise((resolve, reject) => {
    const { port } = new URL(h.url);
    const socket = connect(Number(port), '127.0.0.1', () => {
      const length = opts.chunked ? 'transfer-encoding: chunked' : `content-length: ${opts.contentLength ?? pieces.join('').length}`;
      socket.write(`POST ${path} HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\nx-github-event: pull_request\r\nx-github-delivery: raw-${Date.now()}\r\nx-hub-signature-256: sha256=00\r\n${length}\r\n\r\n`);
      for (const p of pieces) socket.write(opts.chunked ? `${Buffer.byteLength(p).toString(16)}\r\n${p}\r\n` : p);
      if (opts.chunked && !opts.hold) socket.write('0\r\n\r\n');
    });
    let text = '';
    socket.on('data', (d: Buffer) => (text += d.toString()));
    socket.on('error', () => undefined);
    socket.on('close', () => resolve({ status: Number(/^HTTP\/1\.1 (\d+)/.exec(text)?.[1] ?? 0), closed: true }));
    setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer: ${text}`));
    }, 5000).unref();
  });
}

describe('routing', () => {
  it('answers 405 to anything but POST, 404 under /webhooks/ for unknown or disabled endpoints, and leaves other paths to the caller', async () => {
    const h = await start();
    const get = await fetch(`${h.url}/webhooks/alertmanager`);
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST');
    expect((await fetch(`${h.url}/webhooks/github`, { method: 'PUT', body: '{}' })).status).toBe(405);
    expect((await fetch(`${h.url}/webhooks/gitlab`, { method: 'POST', body: '{}' })).status).toBe(404);
    const other = await fetch(`${h.url}/healthz`);
    expect(other.status).toBe(404);
    expect(await other.text()).toBe('not found (server)\n');

    const off = await start({ alertmanagerToken: undefined, forge: { type: 'github', webhook: githubWebhook, secret: '', branchPrefix: 'augur/' } });
    expect((await postAlerts(off, amPayload([firingFrontend()]))).status).toBe(404);
    expect((await postGitHub(off, 'ping', '{}')).status).toBe(404);
    expect(off.reevaluated).toEqual([]);
  });

  it('keeps the connection usable after a refusal', async () => {
    const h = await start();
    expect((await postAlerts(h, amPayload([firingFrontend()]), 'bad')).status).toBe(401);
    expect((await postAlerts(h, amPayload([firingFrontend()]))).status).toBe(202);
  });

  it('refuses invalid options at creation', () => {
    const ev: WebhookEvents = { reevaluate: () => undefined, pullRequestClosed: () => undefined };
    expect(() => createWebhookHandler({ targets: [], queueLimit: 0 }, ev)).toThrow(/queueLimit/);
    expect(() => createWebhookHandler({ targets: [], perTargetInterval: -1 }, ev)).toThrow(/perTargetInterval/);
    expect(() => createWebhookHandler({ targets: [], replayWindow: 0 }, ev)).toThrow(/replayWindow/);
  });
});
