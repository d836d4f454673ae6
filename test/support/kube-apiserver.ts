// A real Kubernetes API server (kube-apiserver with etcd, RBAC on) for the cluster tests: one per
// test file, on free loopback ports, with Augur's deploy/ applied by kubectl and a token for
// Augur's ServiceAccount, so RBAC, ResourceQuota, LimitRange, ValidatingAdmissionPolicy,
// server-side dry run and apply, Events and Leases are the real ones.
//
// Where the binary comes from, in this order:
//   1. KUBEBUILDER_ASSETS, as controller-runtime's envtest uses it: a folder with `kube-apiserver`
//      and `etcd` (`setup-envtest use 1.32.x -p path`); `etcd` on PATH when the folder has none.
//      This file then makes the certificates and starts both itself (openssl, like the script).
//   2. ../shared/kube-apiserver/start beside the repository (this workplace, and CI): an
//      unmodified kube-apiserver v1.32.6 whose script installs Debian's etcd-server when missing
//      (scripts/ensure-test-deps.sh installs it first), makes the certificates and starts both.
// Neither: the tests fail with that message (they never skip).
//
// There is no controller-manager, scheduler or kubelet: quota `status` is written by the tests
// through the status subresource (setQuotaStatus), Deployments make no pods, nodes are objects the
// tests create. Needs kubectl and openssl on PATH.
import { execFile, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { createServer } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { KubeConfig } from '@kubernetes/client-node';

const execFileAsync = promisify(execFile);
export const ROOT = resolve(import.meta.dirname, '../..');
const SHARED_START = resolve(ROOT, '..', 'shared', 'kube-apiserver', 'start');
const CRDS = join(ROOT, 'test', 'fixtures', 'crds');

export type Install = 'cluster-wide' | 'namespaced';

export interface KubeApiServer {
  /** https://127.0.0.1:PORT */
  url: string;
  caFile: string;
  dir: string;
  /** Where the binary came from (KUBEBUILDER_ASSETS or the shared start script). */
  source: string;
  /** kubectl as the admin (system:masters); returns stdout. */
  kubectl(args: string[], input?: string): string;
  /** kubectl apply of objects (or YAML text) as the admin. */
  apply(objects: object | object[] | string): void;
  /** Writes a ResourceQuota's status, as the quota controller would. */
  setQuotaStatus(namespace: string, name: string, status: { hard: Record<string, string>; used: Record<string, string> }): void;
  /** Namespaces, the CRDs deploy/ and the tests need, `kubectl apply -k deploy/overlays/<install>`, and waits until the dry-run-only policy is enforced. */
  install(install: Install, namespaces: string[]): Promise<void>;
  /** A token of Augur's ServiceAccount (`kubectl create token augur -n augur`). */
  token(namespace?: string, serviceAccount?: string): string;
  /** A client-node KubeConfig for `token` (Augur's when omitted), against `server` (the API server, or a proxy in front of it). */
  kubeConfig(opts?: { token?: string; server?: string }): KubeConfig;
  stop(): Promise<void>;
}

/** Processes to kill if the test process exits without stop(). */
const running = new Set<number>();
let hooked = false;
function track(pids: number[]): void {
  for (const p of pids) running.add(p);
  if (hooked) return;
  hooked = true;
  process.on('exit', () => {
    for (const p of running) kill(p, 'SIGKILL');
  });
}
function kill(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // gone already
  }
}
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

export async function startKubeApiServer(): Promise<KubeApiServer> {
  const dir = mkdtempSync(join(tmpdir(), 'augur-kube-'));
  const assets = process.env.KUBEBUILDER_ASSETS;
  let started: { url: string; pids: number[]; source: string };
  try {
    if (assets) started = await startFromAssets(assets, dir);
    else if (existsSync(SHARED_START)) started = await startShared(dir);
    else
      throw new Error(
        `no kube-apiserver: set KUBEBUILDER_ASSETS to a folder with kube-apiserver and etcd (envtest's, e.g. \`setup-envtest use 1.32.x -p path\`), or put the shared kit at ${SHARED_START}`,
      );
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  track(started.pids);
  const admin = join(dir, 'admin.kubeconfig');
  const caFile = join(dir, 'pki', 'ca.crt');
  const kubectl = (args: string[], input?: string): string => {
    try {
      return execFileSync('kubectl', ['--kubeconfig', admin, ...args], { encoding: 'utf8', input, stdio: ['pipe', 'pipe', 'pipe'], maxBuffer: 16 << 20 });
    } catch (err) {
      const e = err as { stderr?: string; message: string };
      throw new Error(`kubectl ${args.join(' ')}: ${e.stderr || e.message}`);
    }
  };
  const apply = (objects: object | object[] | string) => {
    const text = typeof objects === 'string' ? objects : JSON.stringify({ apiVersion: 'v1', kind: 'List', items: Array.isArray(objects) ? objects : [objects] });
    kubectl(['apply', '-f', '-'], text);
  };
  const server: KubeApiServer = {
    url: started.url,
    caFile,
    dir,
    source: started.source,
    kubectl,
    apply,
    setQuotaStatus(namespace, name, status) {
      kubectl(['-n', namespace, 'patch', 'resourcequota', name, '--subresource=status', '--type=merge', '-p', JSON.stringify({ status })]);
    },
    async install(install, namespaces) {
      for (const ns of ['augur', ...namespaces]) kubectl(['create', 'namespace', ns]);
      kubectl(['apply', '-f', CRDS]);
      kubectl(['wait', '--for=condition=established', '--timeout=60s', '-f', CRDS]);
      kubectl(['apply', '-k', join(ROOT, 'deploy', 'overlays', install)]);
      // Probed where Augur may create (a watched namespace): RBAC answers before admission.
      await waitForDryRunOnlyPolicy(server, namespaces[0] ?? 'augur');
    },
    token(namespace = 'augur', serviceAccount = 'augur') {
      return kubectl(['-n', namespace, 'create', 'token', serviceAccount, '--duration=2h']).trim();
    },
    kubeConfig(opts = {}) {
      const kc = new KubeConfig();
      const proxied = opts.server !== undefined && opts.server.startsWith('http:');
      kc.loadFromOptions({
        // client-node refuses plain HTTP unless told that TLS is off on purpose (the loopback proxy).
        clusters: [{ name: 'test', server: opts.server ?? started.url, ...(proxied ? { skipTLSVerify: true } : { caFile, skipTLSVerify: false }) }],
        users: [{ name: 'augur', token: opts.token ?? server.token() }],
        contexts: [{ name: 'augur', cluster: 'test', user: 'augur' }],
        currentContext: 'augur',
      });
      return kc;
    },
    async stop() {
      // A test server's data is thrown away: no graceful shutdown (the shared stop script waits
      // up to 10 s per process for one).
      for (const p of started.pids) kill(p, 'SIGKILL');
      for (let i = 0; i < 50 && started.pids.some(alive); i++) await new Promise((r) => setTimeout(r, 100));
      for (const p of started.pids) running.delete(p);
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return server;
}

/**
 * The dry-run-only policy takes effect once the API server has loaded it, a moment after it is
 * created: wait until a real (not dry-run) create under Augur's token is refused by it. A create
 * that got through before is deleted again.
 */
async function waitForDryRunOnlyPolicy(server: KubeApiServer, namespace: string): Promise<void> {
  const probe = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'augur-policy-probe', namespace },
    spec: { selector: { matchLabels: { app: 'probe' } }, template: { metadata: { labels: { app: 'probe' } }, spec: { containers: [{ name: 'c', image: 'probe' }] } } },
  };
  const kc = server.kubeConfig();
  const { kubeRequest } = await import('../../src/cluster/http.js');
  for (let i = 0; i < 150; i++) {
    try {
      await kubeRequest(kc, 5000, { method: 'POST', path: `/apis/apps/v1/namespaces/${namespace}/deployments`, body: probe });
      server.kubectl(['-n', namespace, 'delete', 'deployment', 'augur-policy-probe', '--wait=false']);
    } catch (err) {
      if (String((err as { body?: string }).body).includes('augur-dry-run-only')) return;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error('the ValidatingAdmissionPolicy augur-dry-run-only did not take effect within 30 s');
}

/** ../shared/kube-apiserver/start DIR: the first start unpacks the binary into a cache, so starts wait for each other until it is there. */
async function startShared(dir: string): Promise<{ url: string; pids: number[]; source: string }> {
  const cached = join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'kube-apiserver-v1.32.6', 'kube-apiserver');
  const release = existsSync(cached) ? undefined : await lock(join(tmpdir(), 'augur-kube-apiserver-unpack.lock'));
  let out: string;
  try {
    out = (await execFileAsync(SHARED_START, [dir], { encoding: 'utf8', maxBuffer: 1 << 20, timeout: 300_000 })).stdout;
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`${SHARED_START} ${dir} failed: ${e.stderr || e.message}`);
  } finally {
    release?.();
  }
  const env = Object.fromEntries(out.split('\n').filter((l) => l.includes('=')).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
  const pids = [Number(env.KUBE_APISERVER_PID), Number(env.ETCD_PID)].filter((p) => Number.isInteger(p) && p > 0);
  if (!env.KUBE_APISERVER_URL || pids.length !== 2) throw new Error(`${SHARED_START}: unexpected output:\n${out}`);
  return { url: env.KUBE_APISERVER_URL, pids, source: SHARED_START };
}

/** A lock directory, taken over when older than two minutes (a crashed holder). */
async function lock(path: string): Promise<() => void> {
  for (let i = 0; ; i++) {
    try {
      mkdirSync(path);
      return () => rmSync(path, { recursive: true, force: true });
    } catch {
      if (Date.now() - (statSync(path, { throwIfNoEntry: false })?.mtimeMs ?? Date.now()) > 120_000) rmSync(path, { recursive: true, force: true });
      if (i > 1500) throw new Error(`${path}: held for over 5 minutes`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

/** envtest's layout: KUBEBUILDER_ASSETS/kube-apiserver (and etcd), started here as the shared script does. */
async function startFromAssets(assets: string, dir: string): Promise<{ url: string; pids: number[]; source: string }> {
  const apiserver = join(assets, 'kube-apiserver');
  if (!existsSync(apiserver)) throw new Error(`KUBEBUILDER_ASSETS=${assets} has no kube-apiserver`);
  const etcd = existsSync(join(assets, 'etcd')) ? join(assets, 'etcd') : 'etcd';
  const pki = join(dir, 'pki');
  mkdirSync(pki, { recursive: true });
  const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: pki, stdio: 'ignore' });
  ssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=test-ca');
  ssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'apiserver.key', '-out', 'apiserver.csr', '-subj', '/CN=kube-apiserver');
  writeFileSync(join(pki, 'apiserver.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
  ssl('x509', '-req', '-in', 'apiserver.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'apiserver.crt', '-days', '2', '-extfile', 'apiserver.ext');
  ssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'admin.key', '-out', 'admin.csr', '-subj', '/O=system:masters/CN=admin');
  writeFileSync(join(pki, 'client.ext'), 'extendedKeyUsage=clientAuth\n');
  ssl('x509', '-req', '-in', 'admin.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'admin.crt', '-days', '2', '-extfile', 'client.ext');
  ssl('genrsa', '-out', 'sa.key', '2048');
  ssl('rsa', '-in', 'sa.key', '-pubout', '-out', 'sa.pub');
  const [etcdClient, etcdPeer, port] = [await freePort(), await freePort(), await freePort()];
  const log = (name: string) => ({ stdio: ['ignore', 'ignore', 'pipe'] as ['ignore', 'ignore', 'pipe'], name });
  const etcdProc = spawn(etcd, [
    `--data-dir=${join(dir, 'etcd')}`, '--name=test',
    `--listen-client-urls=http://127.0.0.1:${etcdClient}`, `--advertise-client-urls=http://127.0.0.1:${etcdClient}`,
    `--listen-peer-urls=http://127.0.0.1:${etcdPeer}`, `--initial-advertise-peer-urls=http://127.0.0.1:${etcdPeer}`,
    `--initial-cluster=test=http://127.0.0.1:${etcdPeer}`,
  ], { stdio: log('etcd').stdio });
  const api = spawn(apiserver, [
    `--etcd-servers=http://127.0.0.1:${etcdClient}`, '--bind-address=127.0.0.1', '--advertise-address=127.0.0.1', `--secure-port=${port}`,
    `--tls-cert-file=${join(pki, 'apiserver.crt')}`, `--tls-private-key-file=${join(pki, 'apiserver.key')}`, `--client-ca-file=${join(pki, 'ca.crt')}`,
    '--service-account-issuer=https://kubernetes.default.svc.cluster.local', `--service-account-key-file=${join(pki, 'sa.pub')}`, `--service-account-signing-key-file=${join(pki, 'sa.key')}`,
    '--authorization-mode=Node,RBAC', '--service-cluster-ip-range=10.96.0.0/16', `--cert-dir=${join(pki, 'generated')}`, '--profiling=false',
  ], { stdio: log('kube-apiserver').stdio });
  const stderr: string[] = [];
  api.stderr.on('data', (c: Buffer) => stderr.push(c.toString()) > 200 && stderr.shift());
  etcdProc.stderr.resume();
  const pids = [api.pid!, etcdProc.pid!];
  track(pids);
  const url = `https://127.0.0.1:${port}`;
  const cert = { ca: readFileSync(join(pki, 'ca.crt')), cert: readFileSync(join(pki, 'admin.crt')), key: readFileSync(join(pki, 'admin.key')) };
  for (let i = 0; ; i++) {
    if (await ready(url, cert)) break;
    if (api.exitCode !== null || i > 240) {
      for (const p of pids) kill(p, 'SIGKILL');
      throw new Error(`kube-apiserver from KUBEBUILDER_ASSETS did not get ready: ${stderr.join('').slice(-2000)}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  const b64 = (f: string) => readFileSync(join(pki, f)).toString('base64');
  writeFileSync(
    join(dir, 'admin.kubeconfig'),
    [
      'apiVersion: v1',
      'kind: Config',
      `clusters: [{ name: test, cluster: { server: "${url}", certificate-authority-data: "${b64('ca.crt')}" } }]`,
      `users: [{ name: admin, user: { client-certificate-data: "${b64('admin.crt')}", client-key-data: "${b64('admin.key')}" } }]`,
      'contexts: [{ name: admin, context: { cluster: test, user: admin } }]',
      'current-context: admin',
      '',
    ].join('\n'),
  );
  return { url, pids, source: `KUBEBUILDER_ASSETS=${assets}` };
}

function ready(url: string, tls: { ca: Buffer; cert: Buffer; key: Buffer }): Promise<boolean> {
  return new Promise((done) => {
    const req = request(`${url}/readyz`, { ...tls, timeout: 2000 }, (res) => {
      res.resume();
      done(res.statusCode === 200);
    });
    req.on('error', () => done(false));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}

function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const s = createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolvePort(port));
    });
  });
}
