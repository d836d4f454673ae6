// `augur serve` as a process: it runs a cycle at start, answers /healthz, /readyz and /metrics,
// and stops cleanly on SIGTERM. Runs on the demo's embedded default (files, local forge, git).
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
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
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'serve', '-c', config, '--port', String(port), '--host', '127.0.0.1'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, AUGUR_LOG_LEVEL: 'info' },
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
