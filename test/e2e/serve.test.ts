// `augur serve` as a process: it runs a cycle at start, answers /healthz, /readyz and /metrics,
// and stops cleanly on SIGTERM. Runs on the demo's embedded default (files, local forge, git).
import { spawn } from 'node:child_process';
import { appendFileSync, existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { prepareDemo } from '../../src/cli/demo.js';
import { freePort } from '../support/prometheus.js';

async function waitFor(url: string, ok: (status: number) => boolean, timeoutMs: number): Promise<Response> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const res = await fetch(url);
      if (ok(res.status)) return res;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) throw new Error(`${url} not ready in ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

it('serves health, readiness after the first cycle, metrics, and stops on SIGTERM', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'augur-serve-'));
  const { config } = await prepareDemo(dir);
  appendFileSync(config, '\nwebhooks:\n  alertmanager:\n    token: { env: AUGUR_TEST_AM_TOKEN }\n');
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'serve', '-c', config, '--port', String(port), '--host', '127.0.0.1'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, AUGUR_LOG_LEVEL: 'info', AUGUR_TEST_AM_TOKEN: 'am-secret' },
  });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  try {
    const health = await waitFor(`http://127.0.0.1:${port}/healthz`, (s) => s === 200, 30_000);
    expect(await health.text()).toBe('ok\n');
    const ready = await waitFor(`http://127.0.0.1:${port}/readyz`, (s) => s === 200, 60_000);
    expect(await ready.text()).toMatch(/^ready: 1 cycles run/);
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    expect(metrics).toMatch(/augur_cycles_total\{result="ok"\} 1/);
    expect(metrics).toMatch(/augur_decisions\{verdict="(propose|hold|unchanged)"\} \d/);
    expect(metrics).toMatch(/augur_pull_requests_total\{action="opened"\} \d/);
    // A firing alert that names a workload re-evaluates it now, in a partial cycle.
    const alert = { version: '4', status: 'firing', alerts: [{ status: 'firing', labels: { alertname: 'HighLatency', namespace: 'shop', deployment: 'api' }, annotations: {}, startsAt: new Date().toISOString() }] };
    const denied = await fetch(`http://127.0.0.1:${port}/webhooks/alertmanager`, { method: 'POST', body: JSON.stringify(alert), headers: { authorization: 'Bearer wrong' } });
    expect(denied.status).toBe(401);
    const accepted = await fetch(`http://127.0.0.1:${port}/webhooks/alertmanager`, { method: 'POST', body: JSON.stringify(alert), headers: { authorization: 'Bearer am-secret', 'content-type': 'application/json' } });
    expect(accepted.status).toBe(202);
    expect(await accepted.json()).toMatchObject({ queued: ['Deployment/shop/api'] });
    const deadline = Date.now() + 20_000;
    while (!/augur_cycles_total\{result="ok"\} 2/.test(await (await fetch(`http://127.0.0.1:${port}/metrics`)).text())) {
      if (Date.now() > deadline) throw new Error(`no partial cycle after the alert:\n${output}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(output).toMatch(/"reason":"webhook: alertmanager: HighLatency","targets":1,"msg":"cycle starting"/);
    // The first cycle really ran: the local forge has the dashboard.
    expect(existsSync(join(dir, 'forge', 'dashboard.md'))).toBe(true);
    expect(readFileSync(join(dir, 'forge', 'dashboard.md'), 'utf8')).toContain('shop/web');
  } finally {
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    child.kill('SIGTERM');
    const code = await exited;
    expect(code, output).toBe(0);
  }
  expect(output).toContain('"msg":"stopping"');
}, 90_000);
