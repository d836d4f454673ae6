// An HTTP library for @kubernetes/client-node that aborts a request after a time limit and names
// Augur in a User-Agent. client-node 1.3 drops a per-call httpApi option and its own library
// cannot abort, so a slow API server would hold a cycle's sockets open; API clients built here
// really give up. Without a User-Agent the API server names Augur's writes "unknown" in
// managedFields and audit logs; with it they read "augur".
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import {
  HttpMethod,
  RequestContext,
  ResponseContext,
  ServerConfiguration,
  createConfiguration,
  wrapHttpLibrary,
  type HttpLibrary,
  type KubeConfig,
} from '@kubernetes/client-node';
import { USER_AGENT } from '../util/version.js';

/** The User-Agent of every Kubernetes request: Augur, its version (package.json), the platform. */
export const KUBE_USER_AGENT = `${USER_AGENT.split(' ')[0]} (${process.platform}/${process.arch}) node/${process.version}`;

export function timeoutHttpLibrary(ms: number): HttpLibrary {
  return wrapHttpLibrary({
    send(ctx: RequestContext): Promise<ResponseContext> {
      const url = new URL(ctx.getUrl());
      const body = ctx.getBody();
      const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
      const headers = { ...ctx.getHeaders(), 'User-Agent': KUBE_USER_AGENT };
      return new Promise<ResponseContext>((resolve, reject) => {
        const req = send(url, { method: ctx.getHttpMethod(), headers, agent: ctx.getAgent(), signal: AbortSignal.timeout(ms) }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', reject);
          res.on('end', () => {
            const buf = Buffer.concat(chunks);
            const out: Record<string, string> = {};
            for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) out[k] = Array.isArray(v) ? v.join(', ') : v;
            resolve(new ResponseContext(res.statusCode ?? 0, out, { text: () => Promise.resolve(buf.toString('utf8')), binary: () => Promise.resolve(buf) }));
          });
        });
        req.on('error', reject);
        if (typeof body === 'string') req.write(body);
        else if (body !== undefined) req.write(body as unknown as Buffer);
        req.end();
      });
    },
  });
}

/** An API client of the given class whose every request is aborted after `ms`. */
export function makeApiClient<T>(kc: KubeConfig, Api: new (config: ReturnType<typeof createConfiguration>) => T, ms: number): T {
  const server = kc.getCurrentCluster()?.server;
  if (!server) throw new Error('the kubeconfig has no current cluster');
  return new Api(createConfiguration({ baseServer: new ServerConfiguration(server, {}), authMethods: { default: kc }, httpApi: timeoutHttpLibrary(ms) }));
}

/** An error answer of the API server, shaped as client-node's ApiException (code, body). */
export class KubeHttpError extends Error {
  constructor(readonly code: number, readonly body: string) {
    super(`HTTP ${code}: ${body.slice(0, 300)}`);
    this.name = 'KubeHttpError';
  }
}

/**
 * One request the generated clients cannot make as needed (a server-side apply: PATCH with
 * `application/apply-patch+yaml`), through the same library: the kubeconfig's credentials, the
 * time limit and the User-Agent. Resolves with the parsed answer; rejects with KubeHttpError on
 * a status of 400 and above.
 */
export async function kubeRequest(
  kc: KubeConfig,
  ms: number,
  req: { method: 'GET' | 'POST' | 'PATCH'; path: string; query?: Record<string, string>; body?: unknown; contentType?: string },
): Promise<unknown> {
  const server = kc.getCurrentCluster()?.server;
  if (!server) throw new Error('the kubeconfig has no current cluster');
  const ctx = new RequestContext(server.replace(/\/$/, '') + req.path, req.method as HttpMethod);
  for (const [k, v] of Object.entries(req.query ?? {})) ctx.setQueryParam(k, v);
  ctx.setHeaderParam('Accept', 'application/json');
  if (req.body !== undefined) {
    ctx.setHeaderParam('Content-Type', req.contentType ?? 'application/json');
    ctx.setBody(JSON.stringify(req.body));
  }
  await kc.applySecurityAuthentication(ctx);
  const res = await timeoutHttpLibrary(ms).send(ctx).toPromise();
  const text = await res.body.text();
  if (res.httpStatusCode >= 400) throw new KubeHttpError(res.httpStatusCode, text);
  return text ? (JSON.parse(text) as unknown) : undefined;
}
