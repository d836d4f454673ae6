// An HTTP library for @kubernetes/client-node that aborts a request after a time limit.
// client-node 1.3 drops a per-call httpApi option and its own library cannot abort, so a slow
// API server would hold a cycle's sockets open; API clients built here really give up.
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import {
  ResponseContext,
  ServerConfiguration,
  createConfiguration,
  wrapHttpLibrary,
  type HttpLibrary,
  type KubeConfig,
  type RequestContext,
} from '@kubernetes/client-node';

export function timeoutHttpLibrary(ms: number): HttpLibrary {
  return wrapHttpLibrary({
    send(ctx: RequestContext): Promise<ResponseContext> {
      const url = new URL(ctx.getUrl());
      const body = ctx.getBody();
      const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
      return new Promise<ResponseContext>((resolve, reject) => {
        const req = send(url, { method: ctx.getHttpMethod(), headers: ctx.getHeaders(), agent: ctx.getAgent(), signal: AbortSignal.timeout(ms) }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', reject);
          res.on('end', () => {
            const buf = Buffer.concat(chunks);
            const headers: Record<string, string> = {};
            for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : v;
            resolve(new ResponseContext(res.statusCode ?? 0, headers, { text: () => Promise.resolve(buf.toString('utf8')), binary: () => Promise.resolve(buf) }));
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
