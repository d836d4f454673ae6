// PrometheusSource against a real Prometheus (started by test/support/prometheus.ts, backfilled
// with two real traces moved by whole weeks so they end just before now).
// Needs `prometheus` and `promtool` on PATH: run scripts/ensure-test-deps.sh.

import { readFile } from 'node:fs/promises';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileSource, parseTraceCsv, type TraceData } from '../../src/metrics/file.js';
import { PrometheusSource } from '../../src/metrics/prometheus.js';
import { MetricsError } from '../../src/domain/series.js';
import { freePort, startPrometheus, type RunningPrometheus } from '../support/prometheus.js';

const TRACES = fileURLToPath(new URL('../fixtures/traces/', import.meta.url));
const CPU_CSV = `${TRACES}nab_ec2_cpu_utilization_24ae8d.csv`;
const ELB_CSV = `${TRACES}nab_elb_request_count_8c0756.csv`;
const NOW = Math.floor(Date.now() / 1000);

/**
 * Counts the requests PrometheusSource makes and how many are in flight at once, optionally
 * delaying each answer. Forwards everything to the real Prometheus unchanged.
 */
class CountingProxy {
  requests: URL[] = [];
  inFlight = 0;
  maxInFlight = 0;
  delayMs = 0;
  private server: Server | undefined;
  url = '';

  constructor(private readonly target: string) {}

  async start(): Promise<void> {
    const target = new URL(this.target);
    this.server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', this.target);
      this.requests.push(url);
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      this.inFlight++;
      this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
      // 'finish' (answer handed to the OS) comes before the client can send its next request.
      let done = false;
      const leave = () => {
        if (done) return;
        done = true;
        this.inFlight--;
      };
      res.once('finish', leave);
      res.once('close', leave);
      const forward = () => {
        const up = request(
          { host: target.hostname, port: target.port, path: req.url, method: req.method, headers: { ...req.headers, host: target.host } },
          (upRes) => {
            res.writeHead(upRes.statusCode ?? 502, upRes.headers);
            upRes.pipe(res);
          },
        );
        up.once('error', (e) => res.destroy(e));
        up.end(Buffer.concat(chunks));
      };
      // The whole body first: a POSTed query's parameters are in its form body.
      req.on('end', () => {
        new URLSearchParams(Buffer.concat(chunks).toString('utf8')).forEach((v, k) => url.searchParams.set(k, v));
        if (this.delayMs > 0) setTimeout(forward, this.delayMs);
        else forward();
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  reset(): void {
    this.requests = [];
    this.maxInFlight = 0;
    this.delayMs = 0;
  }

  /** query_range requests as [start, end, step] in seconds, sorted by start. */
  ranges(): [number, number, number][] {
    return this.requests
      .filter((u) => u.pathname === '/api/v1/query_range')
      .map((u): [number, number, number] => [Number(u.searchParams.get('start')), Number(u.searchParams.get('end')), Number(u.searchParams.get('step'))])
      .sort((a, b) => a[0] - b[0]);
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((resolve) => this.server?.close(resolve));
  }
}

describe('PrometheusSource against a real Prometheus', () => {
  let prom: RunningPrometheus;
  let proxy: CountingProxy;
  let cpu: TraceData; // the CSV, shifted like the backfill
  let elb: TraceData;

  const shifted = (d: TraceData, by: number): TraceData => ({ timestamps: d.timestamps.map((t) => t + by), values: d.values });
  const source = (o: Partial<ConstructorParameters<typeof PrometheusSource>[0]> = {}) =>
    new PrometheusSource({ url: proxy.url, timeoutMs: 5000, maxConcurrentQueries: 4, retries: 3, retryBaseDelayMs: 50, ...o });

  beforeAll(async () => {
    const t = performance.now();
    prom = await startPrometheus({
      series: [
        { name: 'augur_it_load', labels: { trace: 'cpu', instance: 'i-24ae8d' }, csvPath: CPU_CSV, shiftToNow: NOW },
        { name: 'augur_it_load', labels: { trace: 'elb', instance: 'elb-8c0756' }, csvPath: ELB_CSV, shiftToNow: NOW },
      ],
    });
    console.log(`prometheus backfilled and ready in ${Math.round(performance.now() - t)} ms at ${prom.url}`);
    proxy = new CountingProxy(prom.url);
    await proxy.start();
    const [cpuShift, elbShift] = prom.series.map((s) => s.shiftSeconds);
    cpu = shifted(parseTraceCsv(await readFile(CPU_CSV, 'utf8'), CPU_CSV), cpuShift ?? 0);
    elb = shifted(parseTraceCsv(await readFile(ELB_CSV, 'utf8'), ELB_CSV), elbShift ?? 0);
  });

  afterAll(async () => {
    await proxy?.stop();
    await prom?.stop();
  });

  it('backfilled the traces by whole weeks, ending just before now', () => {
    for (const s of prom.series) {
      expect(s.shiftSeconds % (7 * 86400)).toBe(0);
      expect(s.last).toBeLessThanOrEqual(NOW);
      expect(NOW - s.last).toBeLessThan(7 * 86400);
      expect(s.samples).toBe(4032);
    }
  });

  it('returns exactly the CSV values on the trace grid', async () => {
    proxy.reset();
    const src = source();
    // Whole CPU trace on its own 300 s grid: every point equals its CSV row.
    const start = cpu.timestamps[0] ?? 0;
    const end = cpu.timestamps[cpu.timestamps.length - 1] ?? 0;
    const s = await src.range({ promql: 'augur_it_load{trace="cpu"}' }, { start, end, stepSeconds: 300 });
    expect(s.stepSeconds).toBe(300);
    expect(s.timestamps).toEqual(cpu.timestamps);
    expect(s.values).toEqual(cpu.values);

    // The ELB trace is on :04, :09, ... and has 8 gaps of 10 minutes; compare the 500 points
    // around the first gap where the CSV has a row.
    const gapAt = elb.timestamps.findIndex((t, i) => (elb.timestamps[i + 1] ?? t) - t === 600);
    const from = elb.timestamps[Math.max(0, gapAt - 250)] ?? 0;
    const e = await src.range({ promql: 'augur_it_load{trace="elb"}' }, { start: from, end: from + 499 * 300, stepSeconds: 300 });
    const byTime = new Map(elb.timestamps.map((t, i) => [t, elb.values[i]]));
    let compared = 0;
    e.timestamps.forEach((t, i) => {
      if (!byTime.has(t)) return;
      expect(e.values[i]).toBe(byTime.get(t));
      compared++;
    });
    expect(compared).toBeGreaterThanOrEqual(490);
    expect(proxy.ranges().length).toBe(2);
  });

  it('splits 14 days at 60 s (20,160 points) into aligned chunks and returns a regular series', async () => {
    proxy.reset();
    const start = cpu.timestamps[0] ?? 0;
    const window = { start, end: start + 20_159 * 60, stepSeconds: 60 };
    const t = performance.now();
    const s = await source().range({ promql: 'augur_it_load{trace="cpu"}' }, window);
    console.log(`14 days at 60 s: ${Math.round(performance.now() - t)} ms, ${proxy.ranges().length} requests`);

    expect(s.stepSeconds).toBe(60);
    expect(s.timestamps.length).toBe(20_160);
    s.timestamps.forEach((ts, i) => expect(ts).toBe(start + 60 * i));
    expect(proxy.ranges()).toEqual([
      [start, start + 10_999 * 60, 60],
      [start + 11_000 * 60, start + 20_159 * 60, 60],
    ]);
    // Every point has the last sample at or before it (Prometheus' 5-minute lookback over 300 s
    // data), so the series is complete and matches FileSource's resampling of the same CSV,
    // including the points either side of the chunk border.
    expect(s.values.filter(Number.isNaN).length).toBe(0);
    // Replay with the clock at the backfilled trace's end, so both are shifted by the same weeks.
    const file = await new FileSource({ baseDir: TRACES, shiftToNow: { now: prom.series[0]!.last } }).range({ file: 'nab_ec2_cpu_utilization_24ae8d.csv' }, window);
    expect(s.values).toEqual(file.values);
    for (const i of [10_998, 10_999, 11_000, 11_001]) {
      const ts = start + 60 * i;
      const k = cpu.timestamps.findLastIndex((c) => c <= ts);
      expect(s.values[i]).toBe(cpu.values[k]);
    }
  });

  it('fails fast on bad PromQL with Prometheus’ message, without retrying', async () => {
    proxy.reset();
    const t = performance.now();
    const err = await source({ retries: 5, retryBaseDelayMs: 2000 })
      .range({ promql: 'sum(rate(augur_it_load[5m])' }, { start: NOW - 86400, end: NOW, stepSeconds: 60 })
      .catch((e: unknown) => e);
    const took = performance.now() - t;
    expect(err).toBeInstanceOf(MetricsError);
    expect((err as Error).message).toMatch(
      /^Prometheus at http:\/\/127\.0\.0\.1:\d+ rejected query "sum\(rate\(augur_it_load\[5m\]\)": 1:\d+: parse error: unclosed left parenthesis \(HTTP 400 bad_data\)$/,
    );
    expect(proxy.requests.length).toBe(1);
    expect(took).toBeLessThan(1000); // a single retry would have waited at least 1000 ms first
  });

  it('rejects a query that returns two series, listing their label sets', async () => {
    // A day where both traces have data (each was shifted to end before now on its own weekday).
    const end = Math.min(...prom.series.map((s) => s.last));
    const day = { start: end - 86400, end, stepSeconds: 300 };
    const err = await source()
      .range({ promql: 'augur_it_load' }, day)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MetricsError);
    const msg = (err as Error).message;
    expect(msg).toMatch(/^query "augur_it_load" returned 2 series over /);
    expect(msg).toContain('augur_it_load{instance="i-24ae8d", trace="cpu"}');
    expect(msg).toContain('augur_it_load{instance="elb-8c0756", trace="elb"}');
    expect(msg).toContain('Fix: aggregate them, e.g. sum(augur_it_load), or add label matchers');
    // and the suggested fix works
    const ok = await source().range({ promql: 'sum(augur_it_load)' }, day);
    expect(ok.values.length).toBe(289);
    expect(ok.values.filter(Number.isNaN).length).toBe(0);
  });

  it('says "no data" for a query that matches nothing', async () => {
    await expect(
      source().range({ promql: 'augur_it_load{trace="none"}' }, { start: NOW - 86400, end: NOW, stepSeconds: 300 }),
    ).rejects.toThrow(/^no data: Prometheus at .* returned no series for query "augur_it_load\{trace=\\"none\\"\}" over /);
  });

  it('fails with the url and the cause when nothing listens', async () => {
    const port = await freePort(); // bound and released: closed now
    const url = `http://127.0.0.1:${port}`;
    const t = performance.now();
    const err = await new PrometheusSource({ url, timeoutMs: 1000, maxConcurrentQueries: 2, retries: 2, retryBaseDelayMs: 20 })
      .range({ promql: 'up' }, { start: NOW - 3600, end: NOW, stepSeconds: 60 })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MetricsError);
    expect((err as Error).message).toBe(
      `cannot reach Prometheus at ${url}: connect ECONNREFUSED 127.0.0.1:${port} (ECONNREFUSED) after 3 attempts; check the url and that the server is up and reachable from here`,
    );
    expect(performance.now() - t).toBeLessThan(2000);
  });

  it('keeps at most maxConcurrentQueries requests in flight across concurrent calls', async () => {
    proxy.reset();
    proxy.delayMs = 40; // so requests overlap
    const src = source({ maxConcurrentQueries: 3, maxPointsPerRequest: 1_000 });
    const start = cpu.timestamps[0] ?? 0;
    const window = { start, end: start + 7_999 * 60, stepSeconds: 60 }; // 8 chunks per call
    const t = performance.now();
    const [a, b, c] = await Promise.all([
      src.range({ promql: 'augur_it_load{trace="cpu"}' }, window),
      src.range({ promql: 'augur_it_load{trace="elb"}' }, window),
      src.range({ promql: 'sum(augur_it_load)' }, window),
    ]);
    console.log(`3 calls x 8 chunks through a 40 ms proxy at concurrency 3: ${Math.round(performance.now() - t)} ms`);
    expect(proxy.requests.length).toBe(24);
    expect(proxy.maxInFlight).toBe(3);
    for (const s of [a, b, c]) expect(s?.timestamps.length).toBe(8_000);
    // chunking did not change the answer
    proxy.delayMs = 0;
    const whole = await source().range({ promql: 'augur_it_load{trace="cpu"}' }, window);
    expect(a?.values).toEqual(whole.values);
  });
});
