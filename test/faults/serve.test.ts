// `augur serve` under a forge that hangs, as a real process: every cycle past its deadline is
// abandoned and counted, /healthz fails so that Kubernetes restarts the pod, and recovers when the
// fault clears; a changed guardrails file is reloaded, a bad one refused with the old one kept;
// SIGTERM during a hung cycle says so and exits 1. Real git, the OpenAPI-checked GitHub server
// behind a fault proxy. Each assertion failed before issue 15.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { listenAddresses } from '../../src/cli/serve.js';
import { DEMO_ASSETS } from '../../src/cli/demo.js';
import { makeRemote } from '../support/git.js';
import { startFakeGitHub } from '../support/github-api.js';
import { startFaultProxy } from '../support/fault-proxy.js';
import { freePort } from '../support/prometheus.js';

const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
});

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number, output: () => string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`${what} not seen in ${timeoutMs} ms:\n${output()}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('listen addresses', () => {
  it('default to loopback and the pod IP from the downward API; --host replaces them', () => {
    expect(listenAddresses(undefined, {})).toEqual(['127.0.0.1']);
    expect(listenAddresses(undefined, { POD_IP: '10.1.2.3' })).toEqual(['127.0.0.1', '10.1.2.3']);
    expect(listenAddresses('0.0.0.0', { POD_IP: '10.1.2.3' })).toEqual(['0.0.0.0']);
    expect(listenAddresses('127.0.0.1, ::1', {})).toEqual(['127.0.0.1', '::1']);
  });
});

describe('serve with a forge that hangs', () => {
  it('abandons overrun cycles, fails /healthz until a cycle finishes, reloads its config, and exits 1 on SIGTERM mid-cycle', async () => {
    const bare = makeRemote(join(DEMO_ASSETS, 'manifests'));
    const github = await startFakeGitHub({ owner: 'acme', repo: 'manifests', bareRepo: bare, token: 'serve-token' });
    const proxy = await startFaultProxy(github.url);
    const root = mkdtempSync(join(tmpdir(), 'augur-serve-faults-'));
    const file = join(root, 'augur.yaml');
    const config = (over: Record<string, unknown> = {}) => ({
      prometheus: { url: `http://127.0.0.1:${9}`, timeout: '1s' },
      git: { url: bare, workdir: join(root, 'checkout') },
      forge: { type: 'github', owner: 'acme', repo: 'manifests', apiUrl: proxy.url, token: { env: 'AUGUR_SERVE_TOKEN' }, timeout: '60s' },
      cluster: { enabled: false },
      schedule: { cron: '*/2 * * * * *', cycleTimeout: '3s', unhealthyAfter: 1 },
      retries: { budget: 0 },
      targets: [{ namespace: 'shop', name: 'web', manifest: { format: 'plain', path: 'apps/web/deployment.yaml' }, metrics: { load: { query: 'up' } }, capacity: { perReplica: 450 } }],
      ...over,
    });
    writeFileSync(file, stringify(config()));
    const hang = proxy.add({ method: 'GET', path: /\/pulls$/, fault: { kind: 'hang' } });
    const port = await freePort();
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'serve', '-c', file, '--port', String(port), '--host', '127.0.0.1', '--shutdown-timeout', '1', '--reload-interval', '1'], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, AUGUR_LOG_LEVEL: 'info', AUGUR_SERVE_TOKEN: 'serve-token' },
    });
    children.push(child);
    let output = '';
    child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    const out = () => output;
    const url = `http://127.0.0.1:${port}`;
    const status = async (path: string) => (await fetch(`${url}${path}`)).status;
    const metrics = async () => (await fetch(`${url}/metrics`)).text();
    try {
      await until('/healthz 200 at start', async () => ((await status('/healthz')) === 200 ? true : undefined), 30_000, out);
      // Every cycle hangs on GitHub's list: abandoned at 3 s, counted, and /healthz turns 503.
      const unhealthy = await until('/healthz 503', async () => {
        const res = await fetch(`${url}/healthz`);
        return res.status === 503 ? res.text() : undefined;
      }, 30_000, out);
      expect(unhealthy).toMatch(/^unhealthy: no cycle has finished in 1 scheduled run\(s\) plus schedule\.cycleTimeout/);
      expect(await metrics()).toMatch(/augur_cycles_total\{result="abandoned"\} [1-9]/);
      expect(output).toMatch(/"msg":"cycle abandoned"/);
      expect(output).toContain('it ran past schedule.cycleTimeout (3 s)');
      // The fault clears: the next cycle finishes (the target is held: Prometheus is not there) and /healthz recovers.
      proxy.clear();
      expect(proxy.hits.get(hang)).toBeGreaterThan(0);
      await until('/healthz 200 again', async () => ((await status('/healthz')) === 200 ? true : undefined), 30_000, out);
      await until('a finished cycle', async () => (/augur_cycles_total\{result="ok"\} [1-9]/.test(await metrics()) ? true : undefined), 30_000, out);
      // A changed file is reloaded; a bad one is refused and the old one kept.
      writeFileSync(file, stringify(config({ limits: { maxOpenPRs: 3 } })));
      await until('reload', async () => (output.includes('guardrails file changed: reloaded') ? true : undefined), 10_000, out);
      writeFileSync(file, stringify(config({ schedule: { cron: '*/2 * * * * *', cycleTimeout: '0s' } })));
      await until('refusal', async () => (output.includes('guardrails file changed but is not valid: keeping the previous one') ? true : undefined), 10_000, out);
      expect(output).toContain('schedule.cycleTimeout: found \\"0s\\"; must be more than 0');
      expect(await metrics()).toMatch(/augur_config_reloads_total\{result="rejected"\} 1/);
      // SIGTERM while a cycle hangs: said, and exit 1.
      let inFlight = false;
      proxy.add({ method: 'GET', path: /\/pulls$/, fault: { kind: 'hang' }, onMatch: () => (inFlight = true) });
      await until('a hung cycle', async () => (inFlight ? true : undefined), 10_000, out);
      const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
      child.kill('SIGTERM');
      expect(await exited, output).toBe(1);
      expect(output).toContain('a cycle was still running at shutdown: it is abandoned');
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      await proxy.close();
      await github.close();
    }
  }, 150_000);
});
