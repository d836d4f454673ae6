// What a real API server cannot do on demand, in front of one: a loopback HTTP proxy to the test
// kube-apiserver (kube-apiserver.ts) that forwards every request as it is, records it as RBAC
// sees it (verb, group, resource, namespace, dry run) with the User-Agent and the status, and
// injects faults into chosen requests: a slow answer, a hung one (no answer until the client
// gives up), or an error status (a 5xx, as an overloaded or failing server gives). Everything
// else (authentication, RBAC, admission, storage) is the real server's.
//
// The client talks plain HTTP to the proxy with a bearer token (server.kubeConfig({ server:
// proxy.url })); the proxy talks HTTPS to the API server, trusting its CA.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';

export type KubeVerb = 'get' | 'list' | 'watch' | 'create' | 'update' | 'patch' | 'delete' | 'deletecollection';

/** One request as RBAC sees it, and what became of it. */
export interface KubeRequest {
  method: string;
  /** Path and query as sent. */
  url: string;
  verb: KubeVerb;
  /** '' for the core group. */
  apiGroup: string;
  resource: string;
  subresource?: string;
  namespace?: string;
  name?: string;
  dryRun: boolean;
  userAgent?: string;
  contentType?: string;
  /** HTTP status answered (0 while in flight or when none was). */
  status: number;
  /** The client closed the connection before the answer (e.g. its time-out). */
  clientAborted?: boolean;
}

export interface FaultMatch {
  verb?: KubeVerb;
  resource?: string;
  apiGroup?: string;
  namespace?: string;
  dryRun?: boolean;
}

/** `delayMs`: forward after that long; `hang`: never answer; `status`: answer that status with a Status body, never forwarding. */
export type Fault = { delayMs: number } | { hang: true } | { status: number; message?: string };

export interface KubeProxy {
  /** http://127.0.0.1:PORT */
  url: string;
  requests: KubeRequest[];
  /** Injects `fault` into every later request that matches; returns a function that removes it. */
  fault(match: FaultMatch, fault: Fault): () => void;
  close(): Promise<void>;
}

/** The RBAC attributes of a request path, as the API server's request-info resolver reads it. */
export function requestInfo(method: string, url: string): Omit<KubeRequest, 'method' | 'url' | 'status' | 'userAgent' | 'contentType'> | undefined {
  const u = new URL(url, 'http://x');
  const parts = u.pathname.split('/').filter(Boolean);
  let rest: string[];
  let apiGroup: string;
  if (parts[0] === 'api' && parts.length >= 2) {
    apiGroup = '';
    rest = parts.slice(2);
  } else if (parts[0] === 'apis' && parts.length >= 3) {
    apiGroup = parts[1]!;
    rest = parts.slice(3);
  } else return undefined;
  let namespace: string | undefined;
  if (rest[0] === 'namespaces' && rest.length >= 3) {
    namespace = rest[1];
    rest = rest.slice(2);
  }
  const [resource, name, subresource] = rest;
  if (!resource) return undefined;
  const watch = u.searchParams.get('watch') === 'true' || u.searchParams.get('watch') === '1';
  const verbs: Record<string, KubeVerb> = { POST: 'create', PUT: 'update', PATCH: 'patch', DELETE: name ? 'delete' : 'deletecollection' };
  const verb: KubeVerb = method === 'GET' ? (watch ? 'watch' : name ? 'get' : 'list') : (verbs[method] ?? 'get');
  return {
    verb,
    apiGroup,
    resource,
    ...(subresource ? { subresource } : {}),
    ...(namespace ? { namespace } : {}),
    ...(name ? { name } : {}),
    dryRun: u.searchParams.getAll('dryRun').includes('All'),
  };
}

export async function startKubeProxy(target: { url: string; caFile: string }): Promise<KubeProxy> {
  const ca = readFileSync(target.caFile);
  const faults: { match: FaultMatch; fault: Fault }[] = [];
  const requests: KubeRequest[] = [];
  const open = new Set<ServerResponse>();

  const forward = (req: IncomingMessage, res: ServerResponse, record: KubeRequest | undefined, body: Buffer) => {
    const headers = { ...req.headers };
    delete headers.host;
    const up = httpsRequest(new URL(req.url ?? '/', target.url), { method: req.method, headers, ca }, (answer) => {
      if (record) record.status = answer.statusCode ?? 0;
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    up.on('error', (err) => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(String(err));
    });
    res.on('close', () => up.destroy());
    up.end(body);
  };

  const server = createServer((req, res) => {
    open.add(res);
    res.on('close', () => open.delete(res));
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const info = requestInfo(req.method ?? 'GET', req.url ?? '/');
      const record: KubeRequest | undefined = info && {
        method: req.method ?? 'GET',
        url: req.url ?? '/',
        ...info,
        ...(req.headers['user-agent'] ? { userAgent: req.headers['user-agent'] } : {}),
        ...(req.headers['content-type'] ? { contentType: req.headers['content-type'] } : {}),
        status: 0,
      };
      if (record) requests.push(record);
      res.on('close', () => {
        if (record && !res.writableFinished) record.clientAborted = true;
      });
      const hit = record && faults.find((f) => matches(f.match, record));
      const body = Buffer.concat(chunks);
      if (!hit) return forward(req, res, record, body);
      const f = hit.fault;
      if ('hang' in f) return;
      if ('delayMs' in f) {
        const timer = setTimeout(() => forward(req, res, record, body), f.delayMs);
        res.on('close', () => clearTimeout(timer));
        return;
      }
      record!.status = f.status;
      res.writeHead(f.status, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: f.message ?? `injected HTTP ${f.status}`, reason: f.status >= 500 ? 'InternalError' : 'BadRequest', code: f.status }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    fault(match, fault) {
      const entry = { match, fault };
      faults.push(entry);
      return () => void faults.splice(faults.indexOf(entry), 1);
    },
    close: () =>
      new Promise<void>((r) => {
        for (const res of open) res.destroy();
        server.close(() => r());
      }),
  };
}

function matches(m: FaultMatch, r: KubeRequest): boolean {
  return (
    (m.verb === undefined || m.verb === r.verb) &&
    (m.resource === undefined || m.resource === r.resource) &&
    (m.apiGroup === undefined || m.apiGroup === r.apiGroup) &&
    (m.namespace === undefined || m.namespace === r.namespace) &&
    (m.dryRun === undefined || m.dryRun === r.dryRun)
  );
}
