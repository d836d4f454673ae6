// How Prometheus answers are read and batched, on answers real backends give: each test failed on the code before its fix.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TargetConfig } from '../config/schema.js';
import type { MetricsSource } from '../domain/ports.js';
import { MetricsError, type MetricRef, type RangeWindow } from '../domain/series.js';
import { BatchedReads } from './batch.js';
import { decodeMatrix, type MatrixSink } from './matrix.js';
import { metricRef } from './presets.js';
import { PrometheusSource } from './prometheus.js';

const T0 = 1_700_000_000;

/** A matrix answer of one series over [start, end] every `every` seconds, each sample's value its timestamp. */
function answer(start: number, end: number, every: number, metric: Record<string, string> = {}): string {
  const values: [number, string][] = [];
  for (let t = start; t <= end; t += every) values.push([t, String(t)]);
  return JSON.stringify({ status: 'success', data: { resultType: 'matrix', result: [{ metric, values }] } });
}

describe('an answer on a finer grid than the one asked for', () => {
  it('decodeMatrix keeps at each grid point the sample taken at that point, not a later one rounded onto it', () => {
    let col: Float64Array | undefined;
    const sink: MatrixSink = { start: T0, stepSeconds: 300, points: 4, firstIndex: 0, column: () => (col ??= new Float64Array(4).fill(NaN)) };
    // Asked at 300 s, answered at 60 s (a backend or proxy with its own step): T0+60 and T0+120 round to index 0.
    decodeMatrix(Buffer.from(answer(T0, T0 + 900, 60)), sink);
    expect([...col!]).toEqual([T0, T0 + 300, T0 + 600, T0 + 900]);
  });

  describe('through PrometheusSource', () => {
    let server: Server;
    let url: string;
    beforeAll(async () => {
      server = createServer(async (req, res) => {
        let body = '';
        for await (const chunk of req) body += String(chunk);
        const p = new URLSearchParams(body);
        // Whatever step was asked, the answer is every 60 s.
        res.writeHead(200, { 'content-type': 'application/json' }).end(answer(Number(p.get('start')), Number(p.get('end')), 60));
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    afterAll(async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    });

    it('range() gives each timestamp its own value', async () => {
      const src = new PrometheusSource({ url, timeoutMs: 2000, maxConcurrentQueries: 2, retries: 0 });
      const s = await src.range({ promql: 'up' }, { start: T0, end: T0 + 1200, stepSeconds: 300 });
      expect(s.timestamps).toEqual([T0, T0 + 300, T0 + 600, T0 + 900, T0 + 1200]);
      expect(s.values).toEqual(s.timestamps);
    });
  });
});

describe('BatchedReads planning', () => {
  const target = (name: string) =>
    ({ kind: 'Deployment', namespace: 'shop', name, manifest: { format: 'plain', path: `${name}.yaml` }, metrics: { load: { query: 'up' } }, capacity: { perReplica: 1 } }) as unknown as TargetConfig;
  const mem = (name: string): MetricRef => metricRef('memory', { preset: 'cadvisor' }, target(name), undefined);

  it('a window that cannot be read is each target\'s own error, not a throw from the plan (which would fail the whole cycle)', async () => {
    // history shorter than the step: start after end. Without batching each read fails alone.
    const bad: RangeWindow = { start: T0 + 300, end: T0, stepSeconds: 300 };
    const source: MetricsSource = {
      range: (ref) => Promise.reject(new MetricsError('invalid window', ref)),
      rangeBy: () => Promise.reject(new Error('no batch expected')),
    };
    const make = () => new BatchedReads(source, ['web', 'api'].map((n) => ({ ref: mem(n), window: bad })), { info() {}, warn() {} });
    expect(make).not.toThrow();
    await expect(make().range(mem('web'), bad)).rejects.toThrow(/invalid window/);
  });
});
