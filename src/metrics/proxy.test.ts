// Reads behind an egress proxy: with HTTP_PROXY set, every range query goes through it (a CONNECT
// tunnel), as the agent's other HTTP clients do. Its own file: the proxy settings are read when the
// first read is made, and again after closePrometheusConnections.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { afterAll, beforeAll, expect, it } from 'vitest';

const execFileAsync = promisify(execFile);
let prometheus: Server;
let proxy: Server;
const proxied: { method: string; url: string }[] = [];
const listen = async (s: Server) => {
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
};

beforeAll(async () => {
  prometheus = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      const p = new URLSearchParams(body);
      const values: [number, string][] = [];
      for (let t = Number(p.get('start')); t <= Number(p.get('end')); t += Number(p.get('step'))) values.push([t, '2']);
      res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ status: 'success', data: { resultType: 'matrix', result: [{ metric: {}, values }] } }));
    });
  });
  // A forward proxy: an absolute URL in the request line, passed on to its host.
  proxy = createServer((req, res) => {
    proxied.push({ method: req.method ?? '', url: req.url ?? '' });
    const target = new URL(req.url ?? '');
    const up = request({ host: target.hostname, port: target.port, path: target.pathname + target.search, method: req.method, headers: req.headers }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    req.pipe(up);
  });
  // ...or a tunnel (CONNECT host:port), as egress proxies such as Squid offer.
  proxy.on('connect', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    proxied.push({ method: req.method ?? '', url: req.url ?? '' });
    const [host, port] = (req.url ?? '').split(':');
    const up = connect(Number(port), host, () => {
      socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      up.write(head);
      up.pipe(socket);
      socket.pipe(up);
    });
    up.on('error', () => socket.destroy());
    socket.on('error', () => up.destroy());
  });
  const proxyUrl = await listen(proxy);
  process.env.HTTP_PROXY = proxyUrl;
  delete process.env.NO_PROXY;
  delete process.env.no_proxy;
});

afterAll(async () => {
  delete process.env.HTTP_PROXY;
  for (const s of [prometheus, proxy]) {
    s.closeAllConnections();
    await new Promise((resolve) => s.close(resolve));
  }
});

it('goes through HTTP_PROXY; through a proxy that never answers the CONNECT a read fails in time and the process exits', async () => {
  const url = await listen(prometheus);
  const { PrometheusSource } = await import('./prometheus.js');
  const s = await new PrometheusSource({ url, timeoutMs: 2000, maxConcurrentQueries: 2 }).range({ promql: 'up' }, { start: 1_700_000_000, end: 1_700_000_600, stepSeconds: 60 });
  expect(s.values).toEqual(new Array(11).fill(2));
  // undici tunnels through the proxy (CONNECT), also to an http:// Prometheus.
  expect(proxied).toEqual([{ method: 'CONNECT', url: new URL(url).host }]);

  // A proxy that takes the CONNECT and never answers: undici does not cancel that wait itself. A
  // process that reads through it (as `augur plan` does) still fails the read in time and exits.
  const stalled = createServer();
  const held: Duplex[] = [];
  stalled.on('connect', (_req: IncomingMessage, socket: Duplex) => void held.push(socket));
  const stalledUrl = await listen(stalled);
  try {
    const script = [
      `const { PrometheusSource, closePrometheusConnections } = await import(${JSON.stringify(new URL('./prometheus.ts', import.meta.url).pathname)});`,
      `const read = new PrometheusSource({ url: ${JSON.stringify(url)}, timeoutMs: 300, maxConcurrentQueries: 2, retries: 0 }).range({ promql: 'up' }, { start: 1700000000, end: 1700000600, stepSeconds: 60 });`,
      'await read.then(() => console.log("read"), (e) => console.log(e.message));',
      'await closePrometheusConnections();',
    ].join('\n');
    const t = performance.now();
    // execFile rejects when the child is killed at its timeout: it must exit by itself.
    const child = await execFileAsync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { env: { ...process.env, HTTP_PROXY: stalledUrl }, encoding: 'utf8', timeout: 20_000 });
    expect(child.stdout).toMatch(/did not answer query "up" within 300 ms/);
    expect(performance.now() - t).toBeLessThan(15_000);
    expect(held).toHaveLength(1);
  } finally {
    for (const h of held) h.destroy();
    stalled.close();
  }
});
