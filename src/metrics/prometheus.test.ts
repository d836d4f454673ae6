// PrometheusSource against a scripted HTTP server (the real Prometheus is exercised in
// test/integration/prometheus.test.ts). The fake answers /api/v1/query_range like Prometheus does.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MetricsError } from '../domain/series.js';
import { PrometheusSource, parseRetryAfter, type PrometheusSourceOptions } from './prometheus.js';
import { Semaphore } from './semaphore.js';

interface Req {
  query: string;
  start: number;
  end: number;
  step: number;
  headers: IncomingMessage['headers'];
}
type Handler = (req: Req, res: ServerResponse, n: number) => unknown;

let server: Server;
let url: string;
let handler: Handler;
let requests: Req[] = [];
let inFlight = 0;
let maxInFlight = 0;
const held: ServerResponse[] = [];

beforeAll(async () => {
  server = createServer(async (req, res) => {
    const u = new URL(req.url ?? '/', 'http://x');
    if (u.pathname !== '/api/v1/query_range') {
      res.writeHead(404).end('not found');
      return;
    }
    // As Prometheus: the parameters from the URL or a form body (POST).
    let body = '';
    for await (const chunk of req) body += String(chunk);
    const p = req.method === 'POST' ? new URLSearchParams(body) : u.searchParams;
    const r: Req = {
      query: p.get('query') ?? '',
      start: Number(p.get('start')),
      end: Number(p.get('end')),
      step: Number(p.get('step')),
      headers: req.headers,
    };
    requests.push(r);
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    // 'finish' (answer handed to the OS) comes before the client can send its next request.
    let done = false;
    const leave = () => {
      if (done) return;
      done = true;
      inFlight--;
    };
    res.once('finish', leave);
    res.once('close', leave);
    void handler(r, res, requests.length);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterEach(() => {
  for (const res of held.splice(0)) res.destroy();
  requests = [];
  inFlight = 0;
  maxInFlight = 0;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'Content-Type': 'application/json', ...headers }).end(JSON.stringify(body));
}

/** A matrix answer on the request's grid; value(t) undefined leaves the sample out. */
function matrix(r: Req, series: { metric: Record<string, string>; value: (t: number) => string | undefined }[]) {
  return {
    status: 'success',
    data: {
      resultType: 'matrix',
      result: series.map((s) => {
        const values: [number, string][] = [];
        for (let t = r.start; t <= r.end; t += r.step) {
          const v = s.value(t);
          if (v !== undefined) values.push([t, v]);
        }
        return { metric: s.metric, values };
      }),
    },
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const source = (o: Partial<PrometheusSourceOptions> = {}) =>
  new PrometheusSource({ url, timeoutMs: 2000, maxConcurrentQueries: 4, retryBaseDelayMs: 1, ...o });
const T0 = 1_700_000_000;

describe('PrometheusSource', () => {
  it('stitches chunks into one regular series: missing samples and non-finite values are NaN', async () => {
    handler = (r, res) =>
      json(res, 200, matrix(r, [{ metric: { __name__: 'up', job: 'a' }, value: (t) => (t === T0 + 60 * 7 ? undefined : t === T0 + 60 * 12 ? '+Inf' : t === T0 + 60 * 13 ? 'NaN' : String((t - T0) / 60)) }]));
    const s = await source({ maxPointsPerRequest: 10 }).range({ promql: 'up' }, { start: T0, end: T0 + 60 * 24 + 30, stepSeconds: 60 });
    expect(s.stepSeconds).toBe(60);
    expect(s.timestamps).toEqual(Array.from({ length: 25 }, (_, i) => T0 + 60 * i));
    expect(s.values).toEqual(Array.from({ length: 25 }, (_, i) => (i === 7 || i === 12 || i === 13 ? NaN : i)));
    // three requests on the grid, consecutive, no overlap
    expect(requests.map((r) => [r.start, r.end, r.step]).sort((a, b) => (a[0] ?? 0) - (b[0] ?? 0))).toEqual([
      [T0, T0 + 540, 60],
      [T0 + 600, T0 + 1140, 60],
      [T0 + 1200, T0 + 1440, 60],
    ]);
  });

  it('sends the caller headers', async () => {
    handler = (r, res) => json(res, 200, matrix(r, [{ metric: {}, value: () => '1' }]));
    await source({ headers: { Authorization: 'Bearer s3cret' } }).range({ promql: 'up' }, { start: T0, end: T0 + 60, stepSeconds: 60 });
    expect(requests[0]?.headers.authorization).toBe('Bearer s3cret');
  });

  it('asks for plain answers unless compression is gzip, and reads a gzipped answer either way', async () => {
    // As Prometheus: gzip when the request accepts it.
    handler = (r, res) => {
      const body = JSON.stringify(matrix(r, [{ metric: {}, value: (t) => String((t - T0) / 60) }]));
      if (/gzip/.test(String(r.headers['accept-encoding']))) res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' }).end(gzipSync(body));
      else json(res, 200, JSON.parse(body));
    };
    const w = { start: T0, end: T0 + 180, stepSeconds: 60 };
    expect((await source().range({ promql: 'up' }, w)).values).toEqual([0, 1, 2, 3]);
    expect(requests[0]?.headers['accept-encoding']).toBe('identity');
    expect((await source({ compression: 'gzip' }).range({ promql: 'up' }, w)).values).toEqual([0, 1, 2, 3]);
    expect(requests[1]?.headers['accept-encoding']).toBe('gzip');
  });

  it('retries 5xx and 429 with backoff, then succeeds', async () => {
    handler = (r, res, n) => {
      if (n === 1) return json(res, 503, { status: 'error', errorType: 'unavailable', error: 'busy' });
      if (n === 2) return json(res, 429, { status: 'error', errorType: 'too_many', error: 'slow down' });
      json(res, 200, matrix(r, [{ metric: {}, value: () => '5' }]));
    };
    const s = await source({ retries: 3 }).range({ promql: 'up' }, { start: T0, end: T0 + 120, stepSeconds: 60 });
    expect(s.values).toEqual([5, 5, 5]);
    expect(requests.length).toBe(3);
  });

  it('honours Retry-After on 429', async () => {
    handler = (r, res, n) =>
      n === 1 ? res.writeHead(429, { 'Retry-After': '0.3', 'Content-Type': 'text/plain' }).end('too many outstanding requests') : json(res, 200, matrix(r, [{ metric: {}, value: () => '1' }]));
    const t = performance.now();
    await source().range({ promql: 'up' }, { start: T0, end: T0, stepSeconds: 60 });
    expect(performance.now() - t).toBeGreaterThanOrEqual(290);
    expect(requests.length).toBe(2);
    expect(parseRetryAfter('120')).toBe(120_000);
    expect(parseRetryAfter('nonsense')).toBeUndefined();
  });

  it('gives up after the retries with the status and the body of a non-Prometheus error page', async () => {
    handler = (_r, res) => res.writeHead(502, { 'Content-Type': 'text/html' }).end('<html><body>Bad Gateway from nginx</body></html>');
    const err = await source({ retries: 2 }).range({ promql: 'up' }, { start: T0, end: T0, stepSeconds: 60 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MetricsError);
    expect((err as Error).message).toMatch(/Prometheus at http:\/\/127\.0\.0\.1:\d+ failed query "up" \(HTTP 502: Bad Gateway - <html><body>Bad Gateway from nginx.*\) after 3 attempts/);
    expect(requests.length).toBe(3);
  });

  it('does not retry a query error (4xx) and quotes Prometheus and the query', async () => {
    handler = (_r, res) => json(res, 400, { status: 'error', errorType: 'bad_data', error: '1:5: parse error: unexpected end of input inside braces' });
    const err = await source({ retries: 5 }).range({ promql: 'up{' }, { start: T0, end: T0 + 600, stepSeconds: 60 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MetricsError);
    expect((err as MetricsError).message).toBe(
      `Prometheus at ${url} rejected query "up{": 1:5: parse error: unexpected end of input inside braces (HTTP 400 bad_data)`,
    );
    expect((err as MetricsError).ref).toEqual({ promql: 'up{' });
    expect(requests.length).toBe(1);
  });

  it('explains 401/403 and 404 without retrying', async () => {
    handler = (_r, res) => res.writeHead(401, { 'Content-Type': 'text/plain' }).end('Unauthorized');
    await expect(source().range({ promql: 'up' }, { start: T0, end: T0, stepSeconds: 60 })).rejects.toThrow(/refused the request \(HTTP 401: Unauthorized.*check the credentials/);
    expect(requests.length).toBe(1);
    const wrongPath = new PrometheusSource({ url: `${url}/prometheus`, timeoutMs: 1000, maxConcurrentQueries: 1 });
    await expect(wrongPath.range({ promql: 'up' }, { start: T0, end: T0, stepSeconds: 60 })).rejects.toThrow(/has no query API here \(HTTP 404/);
  });

  it('times out a request that does not answer, retries it, then fails naming the limit', async () => {
    handler = (_r, res) => void held.push(res); // never answers
    const t = performance.now();
    const err = await source({ timeoutMs: 150, retries: 1 }).range({ promql: 'up' }, { start: T0, end: T0, stepSeconds: 60 }).catch((e: unknown) => e);
    const took = performance.now() - t;
    expect(err).toBeInstanceOf(MetricsError);
    expect((err as Error).message).toMatch(/did not answer query "up" within 150 ms \(timeoutMs\) after 2 attempts; make the query cheaper/);
    expect(requests.length).toBe(2);
    expect(took).toBeGreaterThanOrEqual(290);
    expect(took).toBeLessThan(1500);
    // Prometheus is also told to stop evaluating: the query timeout parameter is sent.
  });

  it('stops when the caller aborts', async () => {
    handler = (_r, res) => void held.push(res);
    const ac = new AbortController();
    setTimeout(() => ac.abort(new Error('cycle deadline')), 50);
    const t = performance.now();
    const err = await source({ timeoutMs: 5000 }).range({ promql: 'up' }, { start: T0, end: T0, stepSeconds: 60 }, ac.signal).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MetricsError);
    expect((err as Error).message).toMatch(/was cancelled: cycle deadline/);
    expect(performance.now() - t).toBeLessThan(1000);
  });

  it('rejects more than one series, also when they appear in different chunks', async () => {
    handler = (r, res) =>
      json(res, 200, matrix(r, [{ metric: { __name__: 'cpu', pod: r.start < T0 + 600 ? 'web-1' : 'web-2', ns: 'shop' }, value: () => '1' }]));
    const err = await source({ maxPointsPerRequest: 10, maxConcurrentQueries: 1 })
      .range({ promql: 'cpu' }, { start: T0, end: T0 + 1140, stepSeconds: 60 })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MetricsError);
    expect((err as Error).message).toMatch(
      /^query "cpu" returned 2 series over .*; Augur needs exactly one\. Series: cpu\{ns="shop", pod="web-1"\}, cpu\{ns="shop", pod="web-2"\}\. Fix: aggregate them, e\.g\. sum\(cpu\), or add label matchers/,
    );
  });

  it('lists the first few label sets when a query returns many series', async () => {
    handler = (r, res) => json(res, 200, matrix(r, Array.from({ length: 8 }, (_, i) => ({ metric: { pod: `p${i}` }, value: () => '1' }))));
    await expect(source().range({ promql: 'x' }, { start: T0, end: T0, stepSeconds: 60 })).rejects.toThrow(
      /returned 8 series .*Series: \{pod="p0"\}, \{pod="p1"\}, \{pod="p2"\}, \{pod="p3"\}, \{pod="p4"\}, and 3 more\. Fix/,
    );
  });

  it('says "no data" with the query and the window when nothing matches', async () => {
    handler = (r, res) => json(res, 200, matrix(r, []));
    await expect(source().range({ promql: 'nothing_here' }, { start: T0, end: T0 + 600, stepSeconds: 60 })).rejects.toThrow(
      /^no data: Prometheus at .* returned no series for query "nothing_here" over 2023-11-14T22:13:20Z \.\. 2023-11-14T22:23:20Z at 60s step/,
    );
  });

  it('rejects an answer that is not the Prometheus API', async () => {
    handler = (_r, res) => res.writeHead(200, { 'Content-Type': 'text/html' }).end('<html>Grafana</html>');
    await expect(source().range({ promql: 'up' }, { start: T0, end: T0, stepSeconds: 60 })).rejects.toThrow(/is not a Prometheus API response/);
    expect(requests.length).toBe(1);
  });

  it('bounds requests in flight across all calls of one instance', async () => {
    handler = async (r, res) => {
      await sleep(20);
      json(res, 200, matrix(r, [{ metric: {}, value: () => '1' }]));
    };
    const src = source({ maxConcurrentQueries: 2, maxPointsPerRequest: 5 });
    const w = { start: T0, end: T0 + 49 * 60, stepSeconds: 60 }; // 50 points -> 10 requests per call
    const results = await Promise.all([src.range({ promql: 'a' }, w), src.range({ promql: 'b' }, w), src.range({ promql: 'c' }, w)]);
    expect(requests.length).toBe(30);
    expect(maxInFlight).toBe(2);
    for (const s of results) expect(s.values).toEqual(new Array(50).fill(1));
  });

  it('validates its options and refs', async () => {
    expect(() => new PrometheusSource({ url: 'prometheus:9090', timeoutMs: 1, maxConcurrentQueries: 1 })).toThrow(/http:\/\//);
    expect(() => new PrometheusSource({ url: 'http://p:9090/api/v1', timeoutMs: 1, maxConcurrentQueries: 1 })).toThrow(/without \/api\/v1/);
    expect(() => new PrometheusSource({ url: 'http://p:9090', timeoutMs: 1, maxConcurrentQueries: 0 })).toThrow(/maxConcurrentQueries/);
    await expect(source().range({ file: 'x.csv' }, { start: T0, end: T0, stepSeconds: 60 })).rejects.toThrow(/reads PromQL refs/);
    await expect(source().range({ promql: 'up' }, { start: T0, end: T0 - 1, stepSeconds: 60 })).rejects.toThrow(/end .* is before start/);
  });
});

describe('Semaphore', () => {
  it('admits at most limit holders, first come first served, and lets waiters abort', async () => {
    const sem = new Semaphore(2);
    const order: string[] = [];
    const r1 = await sem.acquire();
    const r2 = await sem.acquire();
    const ac = new AbortController();
    const p3 = sem.acquire().then((r) => (order.push('3'), r));
    const p4 = sem.acquire(ac.signal).catch(() => order.push('4 aborted'));
    const p5 = sem.acquire().then((r) => (order.push('5'), r));
    expect(sem.inUse).toBe(2);
    ac.abort();
    await p4;
    r1();
    r1(); // releasing twice is harmless
    const r3 = await p3;
    expect(order).toEqual(['4 aborted', '3']);
    r2();
    const r5 = await p5;
    expect(order).toEqual(['4 aborted', '3', '5']);
    expect(sem.inUse).toBe(2);
    r3();
    r5();
    expect(sem.inUse).toBe(0);
  });
});
