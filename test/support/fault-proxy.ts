// A fault-injecting HTTP proxy, for the faults a real server does not produce on demand: a call
// that never answers, an answer cut off halfway, a lost answer after the server acted, a page
// rewritten, a rate limit with a long Retry-After. It sits in front of a real Prometheus or the
// OpenAPI-checked GitHub server and forwards everything it is not told to break.
import { createServer, request as httpRequest, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SeenRequest {
  method: string;
  path: string;
  /** The URL's parameters, and a form body's (a POSTed query_range). */
  query: Record<string, string>;
  headers: IncomingHttpHeaders;
}

/** What to do with a matching request. */
export type Fault =
  /** Never answer (the socket stays open until the proxy closes or the client gives up). */
  | { kind: 'hang' }
  /** Answer this without asking the server. */
  | { kind: 'reply'; status: number; body?: string; headers?: Record<string, string> }
  /** Forward, let the server act, then lose its answer: answer `status` instead, or drop the connection. */
  | { kind: 'lose'; status?: number }
  /** Forward and send the headers and the first `bytes` of the body, then drop the connection. */
  | { kind: 'cut'; bytes: number }
  /** Forward and rewrite the answer. */
  | { kind: 'rewrite'; rewrite: (answer: Answer) => Answer }
  /**
   * Hold the request until the proxy is cleared or closed (or the client goes away): as it came
   * in, or, with `forwardFirst`, after the server acted on it, its answer held. `onHold` says when
   * it is held, so a test can SIGKILL the client at exactly this step.
   */
  | { kind: 'hold'; forwardFirst?: boolean };

export interface Answer {
  status: number;
  headers: Record<string, string>;
  body: string;
  /** The body's bytes as the server sent them (git's packs are binary); sent as they are unless `body` was rewritten. */
  raw?: Buffer;
}

export interface FaultRule {
  /** Which requests: method and a path pattern (and anything else through `when`). */
  method?: string;
  path?: RegExp;
  when?: (req: SeenRequest) => boolean;
  fault: Fault;
  /** How many matching requests it breaks; default every one. */
  times?: number;
  /** Called when it matches, before the fault (e.g. to SIGKILL the client at this step). */
  onMatch?: (req: SeenRequest) => void;
  /** With a `hold` fault: called once the request is held (after the server acted, with forwardFirst). */
  onHold?: (req: SeenRequest, answer?: Answer) => void;
}

export interface FaultProxy {
  url: string;
  /** Every request that came through, in order. */
  seen: SeenRequest[];
  /** Requests each rule broke. */
  hits: Map<FaultRule, number>;
  add(rule: FaultRule): FaultRule;
  clear(): void;
  close(): Promise<void>;
}

export async function startFaultProxy(target: string): Promise<FaultProxy> {
  const base = new URL(target);
  const rules: FaultRule[] = [];
  const seen: SeenRequest[] = [];
  const hits = new Map<FaultRule, number>();
  const hanging = new Set<ServerResponse>();
  const server: Server = createServer((req, res) => {
    void handle(req, res).catch(() => res.destroy());
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://proxy.invalid');
    const body = await readAll(req);
    // As Prometheus reads them: the URL's parameters and a form body's.
    const form = /application\/x-www-form-urlencoded/.test(req.headers['content-type'] ?? '') ? Object.fromEntries(new URLSearchParams(body.toString('utf8'))) : {};
    const s: SeenRequest = { method: req.method ?? 'GET', path: url.pathname, query: { ...Object.fromEntries(url.searchParams), ...form }, headers: req.headers };
    seen.push(s);
    const rule = rules.find((r) => (r.times === undefined || (hits.get(r) ?? 0) < r.times) && (!r.method || r.method === s.method) && (!r.path || r.path.test(s.path)) && (!r.when || r.when(s)));
    if (!rule) return pipe(await forward(req, url, body), res);
    hits.set(rule, (hits.get(rule) ?? 0) + 1);
    rule.onMatch?.(s);
    const f = rule.fault;
    if (f.kind === 'hang' || (f.kind === 'hold' && !f.forwardFirst)) {
      hanging.add(res);
      res.on('close', () => hanging.delete(res));
      if (f.kind === 'hold') rule.onHold?.(s);
      return;
    }
    if (f.kind === 'hold') {
      hanging.add(res);
      res.on('close', () => hanging.delete(res));
      const acted = await forward(req, url, body);
      rule.onHold?.(s, acted);
      return;
    }
    if (f.kind === 'reply') {
      res.writeHead(f.status, { 'content-type': 'application/json; charset=utf-8', ...f.headers }).end(f.body ?? '');
      return;
    }
    const answer = await forward(req, url, body);
    if (f.kind === 'lose') {
      if (f.status === undefined) res.destroy();
      else res.writeHead(f.status, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify({ message: 'Server Error (fault proxy: the answer was lost)' }));
      return;
    }
    if (f.kind === 'cut') {
      res.writeHead(answer.status, { ...answer.headers, 'content-length': String(Buffer.byteLength(answer.body)) });
      res.write(answer.body.slice(0, f.bytes));
      setTimeout(() => res.destroy(), 20);
      return;
    }
    pipe(f.rewrite(answer), res);
  }

  async function forward(req: IncomingMessage, url: URL, body: Buffer): Promise<Answer> {
    return new Promise((resolve, reject) => {
      const headers = { ...req.headers, host: base.host };
      delete headers['accept-encoding']; // plain bodies, so that rewrites can read them
      const out = httpRequest({ hostname: base.hostname, port: base.port, path: `${url.pathname}${url.search}`, method: req.method, headers }, (r) => {
        void readAll(r).then((b) => {
          const h: Record<string, string> = {};
          for (const [k, v] of Object.entries(r.headers)) if (v !== undefined && k !== 'content-length' && k !== 'transfer-encoding' && k !== 'connection') h[k] = Array.isArray(v) ? v.join(', ') : v;
          resolve({ status: r.statusCode ?? 502, headers: h, body: b.toString('utf8'), raw: b });
        }, reject);
      });
      out.on('error', reject);
      out.end(body);
    });
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    hits,
    add(rule) {
      rules.push(rule);
      return rule;
    },
    clear() {
      rules.length = 0;
      for (const r of hanging) r.destroy();
    },
    async close() {
      for (const r of hanging) r.destroy();
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}

function pipe(a: Answer, res: ServerResponse): void {
  const body = a.raw && a.raw.toString('utf8') === a.body ? a.raw : Buffer.from(a.body);
  res.writeHead(a.status, { ...a.headers, 'content-length': String(body.length) }).end(body);
}

function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => resolve(Buffer.concat(chunks)));
    stream.on('error', reject);
  });
}
