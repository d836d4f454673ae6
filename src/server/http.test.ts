// /healthz, /readyz and /metrics as a scraper and the kubelet see them: metric names by
// Prometheus's rules (checked by promtool), the Node client's default names, build info, the
// leader gauge, holds at 0 rather than absent, and HEAD answered like GET.
import { execFile } from 'node:child_process';
import type { Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CycleReport } from '../agent/cycle.js';
import { REVISION, VERSION, readRevision } from '../util/version.js';
import { AgentMetrics, startServer } from './http.js';

const metrics = new AgentMetrics();
let server: Server;
let base: string;
let leading = false;

beforeAll(async () => {
  metrics.watchLeader(() => leading);
  server = await startServer(0, '127.0.0.1', metrics, { ready: () => true, detail: () => '1 cycles run' });
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const scrape = async () => (await fetch(`${base}/metrics`)).text();
/** The value of one series, or undefined when it is absent. */
const sample = (text: string, series: string): number | undefined => {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
};

/** A report with one held target (drift) and one proposal. */
function report(): CycleReport {
  const outcome = (verdict: string, notes: unknown[]) => ({ target: {}, decision: { verdict, notes } });
  return {
    at: 0,
    baseSha: 'x',
    outcomes: [outcome('hold', [{ rule: 'drift', effect: 'held', differences: [] }]), outcome('propose', [{ rule: 'sanity', effect: 'passed' }])],
    proposals: [{ action: 'opened' }],
    closed: [],
    verified: [],
  } as unknown as CycleReport;
}

describe('/metrics', () => {
  it('passes promtool check metrics (Prometheus naming rules: units, _total on counters only, no camelCase)', async () => {
    const text = await scrape();
    const child = execFile('promtool', ['check', 'metrics']);
    const out: string[] = [];
    child.stdout?.on('data', (d: Buffer) => out.push(String(d)));
    child.stderr?.on('data', (d: Buffer) => out.push(String(d)));
    child.stdin?.end(text);
    const code = await new Promise<number | null>((r) => child.on('close', r));
    // The only findings are three of the Node client's own default names, kept as they are because
    // the standard Node.js dashboards query them by those names.
    const findings = out.join('').split('\n').filter(Boolean);
    expect(findings).toEqual(['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'].map((n) => `${n} non-counter metrics should not have "_total" suffix`));
    expect(code).toBe(findings.length ? 3 : 0);
  });

  it("keeps the Node client's default names, with no augur_ prefix doubled onto them", async () => {
    const text = await scrape();
    expect(text).toMatch(/^process_cpu_user_seconds_total \d/m);
    expect(text).toMatch(/^nodejs_heap_size_used_bytes \d/m);
    expect(text).not.toContain('augur_process_');
    const names = [...text.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]!);
    expect(names.filter((n) => n.startsWith('augur_augur_') || /^augur_(process|nodejs)_/.test(n))).toEqual([]);
  });

  it('has augur_build_info{version,revision} = 1', async () => {
    expect(VERSION).toMatch(/^\d+\.\d+\.\d+/);
    expect(sample(await scrape(), `augur_build_info{version="${VERSION}",revision="${REVISION}"}`)).toBe(1);
  });

  it('has augur_leader, 1 while this replica leads and 0 while another does, read at each scrape', async () => {
    leading = false;
    expect(sample(await scrape(), 'augur_leader')).toBe(0);
    leading = true;
    expect(sample(await scrape(), 'augur_leader')).toBe(1);
  });

  it('shows every holding rule and verdict at 0 before a cycle, and 0 again once the hold is gone', async () => {
    const before = await scrape();
    for (const rule of ['drift', 'manifest', 'metrics', 'freezeWindows', 'cluster.required', 'limits.maxOpenPRs']) expect(sample(before, `augur_holds{rule="${rule}"}`), rule).toBe(0);
    for (const verdict of ['propose', 'hold', 'unchanged', 'error']) expect(sample(before, `augur_decisions{verdict="${verdict}"}`), verdict).toBe(0);

    metrics.record(report(), 2);
    const held = await scrape();
    expect(sample(held, 'augur_holds{rule="drift"}')).toBe(1);
    expect(sample(held, 'augur_holds{rule="cooldown"}')).toBe(0);
    expect(sample(held, 'augur_decisions{verdict="hold"}')).toBe(1);
    expect(sample(held, 'augur_decisions{verdict="unchanged"}')).toBe(0);
    expect(sample(held, 'augur_pull_requests_total{action="opened"}')).toBe(1);

    metrics.record({ ...report(), outcomes: [], proposals: [] }, 1);
    const after = await scrape();
    expect(sample(after, 'augur_holds{rule="drift"}')).toBe(0);
    expect(sample(after, 'augur_decisions{verdict="hold"}')).toBe(0);
  });
});

describe('the probes', () => {
  it.each(['/healthz', '/readyz', '/metrics'])('HEAD %s answers as GET does, without a body', async (path) => {
    const get = await fetch(base + path);
    const head = await fetch(base + path, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.status).toBe(get.status);
    expect(head.headers.get('content-type')).toBe(get.headers.get('content-type'));
    expect(await head.text()).toBe('');
    expect((await get.text()).length).toBeGreaterThan(0);
    // On the wire, not as fetch reports it: the headers and nothing after them.
    const raw = await new Promise<string>((done, fail) => {
      const socket = connect((server.address() as AddressInfo).port, '127.0.0.1', () => socket.end(`HEAD ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`));
      let text = '';
      socket.on('data', (d: Buffer) => (text += String(d)));
      socket.on('end', () => done(text));
      socket.on('error', fail);
    });
    expect(raw).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(raw.endsWith('\r\n\r\n')).toBe(true);
  });

  it('refuses other methods with 405 and says which are allowed', async () => {
    const r = await fetch(`${base}/healthz`, { method: 'POST' });
    expect(r.status).toBe(405);
    expect(r.headers.get('allow')).toBe('GET, HEAD');
  });
});

describe('the revision', () => {
  it('is $AUGUR_REVISION when set, else the checkout HEAD, else unknown', () => {
    expect(readRevision({ AUGUR_REVISION: 'abc123' })).toBe('abc123');
    expect(readRevision({}, new URL('file:///nonexistent/.git/'))).toBe('unknown');
    expect(readRevision({})).toMatch(/^[0-9a-f]{40}$/);
  });
});
