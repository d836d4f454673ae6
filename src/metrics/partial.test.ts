// Partial answers: Thanos Query (a store that did not answer), VictoriaMetrics cluster (a vmstorage
// node down) and the like answer HTTP 200 with part of the data and a warning unless told not to.
// A partial sum reads low, and a low read is a scale-down: every read asks for no partial response,
// an error answer for one is the target's error, and an answer that still carries a warning fails
// the read. Against a small HTTP server answering as Thanos Query / vmselect do.
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { TargetConfig } from '../config/schema.js';
import { MetricsError, type MetricRef, type RangeWindow } from '../domain/series.js';
import { BatchedReads } from './batch.js';
import { decodeMatrix, type AnswerNotes, type MatrixSink } from './matrix.js';
import { metricRef } from './presets.js';
import { PrometheusSource, type PrometheusSourceOptions } from './prometheus.js';

const T0 = 1_700_000_000;
const STEP = 300;
const WINDOW: RangeWindow = { start: T0, end: T0 + 12 * STEP, stepSeconds: STEP };

/** One request as the server read it: every form parameter of the POST body. */
type Form = URLSearchParams;
type Handler = (form: Form, res: ServerResponse, n: number) => unknown;

let server: Server;
let url: string;
let handler: Handler;
let forms: Form[] = [];

beforeAll(async () => {
  server = createServer(async (req, res) => {
    let body = '';
    for await (const chunk of req) body += String(chunk);
    const form = req.method === 'POST' ? new URLSearchParams(body) : new URL(req.url ?? '/', 'http://x').searchParams;
    forms.push(form);
    void handler(form, res, forms.length);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterEach(() => {
  forms = [];
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
}

/** A matrix answer on the request's grid, each series at a constant value; `extra` adds top-level fields (warnings, infos, isPartial). */
function matrix(form: Form, series: { metric: Record<string, string>; value: number }[], extra: Record<string, unknown> = {}) {
  const start = Number(form.get('start'));
  const end = Number(form.get('end'));
  const step = Number(form.get('step'));
  return {
    status: 'success',
    data: {
      resultType: 'matrix',
      result: series.map((s) => {
        const values: [number, string][] = [];
        for (let t = start; t <= end; t += step) values.push([t, String(s.value)]);
        return { metric: s.metric, values };
      }),
    },
    ...extra,
  };
}

const source = (o: Partial<PrometheusSourceOptions> = {}) => new PrometheusSource({ url, timeoutMs: 2000, maxConcurrentQueries: 2, retryBaseDelayMs: 1, retries: 0, ...o });

/** What a store that did not answer leaves in a Thanos warning (the querier's wording varies by version). */
const STORE_DOWN =
  'receive series from Addr: 10.0.3.7:10901 LabelSets: {prometheus="monitoring/k8s", prometheus_replica="prometheus-k8s-1"}: rpc error: code = Unavailable desc = connection error';

/**
 * Thanos Query with one of its two stores down: with partial_response=false the query fails (HTTP
 * 422, as Prometheus' API words an execution error), otherwise HTTP 200 with half the load and a warning.
 */
const thanosWithAStoreDown: Handler = (form, res) => {
  if (form.get('partial_response') === 'false') {
    return json(res, 422, { status: 'error', errorType: 'execution', error: `${STORE_DOWN}; partial response is disabled (partial_response=false)` });
  }
  json(res, 200, matrix(form, [{ metric: {}, value: 50 }], { warnings: [STORE_DOWN] }));
};

describe('every read asks for no partial response', () => {
  it('sends partial_response=false (Thanos) and deny_partial_response=1 (VictoriaMetrics) in the form body of every range query, batched or not', async () => {
    handler = (form, res) => json(res, 200, matrix(form, [{ metric: { pod: 'web-1' }, value: 1 }]));
    // Three chunks for range(), one for rangeBy().
    await source({ maxPointsPerRequest: 5 }).range({ promql: 'up' }, WINDOW);
    await source().rangeBy('sum by (pod) (up)', WINDOW);
    expect(forms).toHaveLength(4);
    for (const form of forms) {
      expect(form.get('partial_response')).toBe('false');
      expect(form.get('deny_partial_response')).toBe('1');
      expect(form.getAll('partial_response')).toHaveLength(1);
    }
    // The query itself is untouched.
    expect(forms.map((f) => f.get('query'))).toEqual(['up', 'up', 'up', 'sum by (pod) (up)']);
  });
});

describe('an error answer for a partial response', () => {
  it('Thanos (HTTP 422): the target\'s error names the query and quotes Thanos; not retried, as any 422', async () => {
    handler = thanosWithAStoreDown;
    const ref: MetricRef = { promql: 'sum(rate(http_requests_total{job="web"}[5m]))' };
    const err = await source({ retries: 3 }).range(ref, WINDOW).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MetricsError);
    const message = (err as MetricsError).message;
    expect(message).toContain(`query ${JSON.stringify(ref.promql)}`);
    expect(message).toContain(STORE_DOWN);
    expect(message).toContain('partial response is disabled');
    expect(message).toContain('HTTP 422 execution');
    expect((err as MetricsError).ref).toBe(ref);
    expect(forms).toHaveLength(1);
  });

  it('VictoriaMetrics (HTTP 503): retried as any 5xx, then the target\'s error names the query and quotes vmselect', async () => {
    const error = 'cannot fetch query results from vmstorage nodes: cannot obtain data from vmstorage vmstorage-2:8401: connection refused; pass deny_partial_response=0 to allow partial responses';
    handler = (form, res) =>
      form.get('deny_partial_response') === '1'
        ? json(res, 503, { status: 'error', errorType: 'unavailable', error })
        : json(res, 200, matrix(form, [{ metric: {}, value: 50 }], { isPartial: true }));
    const err = await source({ retries: 2 }).range({ promql: 'sum(up)' }, WINDOW).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MetricsError);
    expect((err as Error).message).toBe(`Prometheus at ${url} failed query "sum(up)" (HTTP 503 unavailable: ${error}) after 3 attempts`);
    expect(forms).toHaveLength(3);
  });

  it('a 5xx partial-response error that clears on retry gives the complete data', async () => {
    handler = (form, res, n) =>
      n === 1
        ? json(res, 503, { status: 'error', errorType: 'unavailable', error: 'partial response: store gateway did not answer' })
        : form.get('partial_response') === 'false'
          ? json(res, 200, matrix(form, [{ metric: {}, value: 100 }]))
          : json(res, 200, matrix(form, [{ metric: {}, value: 50 }], { warnings: [STORE_DOWN] }));
    const s = await source({ retries: 2 }).range({ promql: 'sum(up)' }, WINDOW);
    expect(new Set(s.values)).toEqual(new Set([100]));
    expect(forms).toHaveLength(2);
  });
});

describe('an answer (HTTP 200) that still carries warnings', () => {
  it('fails the read, quoting the first warning and saying the data may be partial', async () => {
    // A Thanos that ignores the parameter (an older one, or a proxy in front of it that rebuilds the request).
    handler = (form, res) => json(res, 200, matrix(form, [{ metric: {}, value: 50 }], { warnings: [STORE_DOWN, 'No StoreAPIs matched for this query'] }));
    const ref: MetricRef = { promql: 'sum(rate(http_requests_total{job="web"}[5m]))' };
    const err = await source({ retries: 3 }).range(ref, WINDOW).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MetricsError);
    const message = (err as MetricsError).message;
    expect(message).toContain(`query ${JSON.stringify(ref.promql)}`);
    expect(message).toContain(JSON.stringify(STORE_DOWN));
    expect(message).toMatch(/may be partial/);
    expect(message).toMatch(/and 1 more warning/);
    expect((err as MetricsError).ref).toBe(ref);
    // Not retried: the answer came, and what it says is the error.
    expect(forms).toHaveLength(1);
  });

  it('fails a read whose answer has a warning in only one of its chunks', async () => {
    handler = (form, res) =>
      json(res, 200, matrix(form, [{ metric: {}, value: 1 }], Number(form.get('start')) > T0 ? { warnings: [STORE_DOWN] } : {}));
    await expect(source({ maxPointsPerRequest: 5 }).range({ promql: 'up' }, WINDOW)).rejects.toThrow(/may be partial/);
  });

  it('fails rangeBy() too', async () => {
    handler = (form, res) => json(res, 200, matrix(form, [{ metric: { pod: 'a' }, value: 1 }], { warnings: [STORE_DOWN] }));
    await expect(source().rangeBy('sum by (pod) (up)', WINDOW)).rejects.toThrow(/may be partial/);
  });

  it('fails on a PromQL warning annotation (the engine dropped samples: a sum over what is left reads low)', async () => {
    const warning = 'PromQL warning: encountered a mix of histograms and floats for metric name "http_request_duration_seconds" (1:10)';
    handler = (form, res) => json(res, 200, matrix(form, [{ metric: {}, value: 1 }], { warnings: [warning] }));
    await expect(source().range({ promql: 'sum(rate(http_request_duration_seconds[5m]))' }, WINDOW)).rejects.toThrow(JSON.stringify(warning));
  });

  it('fails on VictoriaMetrics\' "isPartial": true without a warning', async () => {
    handler = (form, res) => json(res, 200, matrix(form, [{ metric: {}, value: 50 }], { isPartial: true }));
    await expect(source().range({ promql: 'sum(up)' }, WINDOW)).rejects.toThrow(/"isPartial": true.*may be partial/);
  });

  it('reads an answer whose only notes are PromQL info annotations: in `infos`, or in `warnings` as Prometheus 2.46 to 2.53 put them', async () => {
    const info = 'PromQL info: metric might not be a counter, name does not end in _total/_sum/_count/_bucket: "queue_depth" (1:10)';
    handler = (form, res, n) =>
      json(res, 200, matrix(form, [{ metric: {}, value: 7 }], n === 1 ? { infos: [info] } : { warnings: [info], isPartial: false }));
    const a = await source().range({ promql: 'sum(rate(queue_depth[5m]))' }, WINDOW);
    const b = await source().range({ promql: 'sum(rate(queue_depth[5m]))' }, WINDOW);
    expect(new Set(a.values)).toEqual(new Set([7]));
    expect(b.values).toEqual(a.values);
  });

  it('fails when a PromQL info annotation comes with any other warning', async () => {
    const info = 'PromQL info: metric might not be a counter, name does not end in _total/_sum/_count/_bucket: "queue_depth" (1:10)';
    handler = (form, res) => json(res, 200, matrix(form, [{ metric: {}, value: 7 }], { warnings: [info, STORE_DOWN] }));
    const err = await source().range({ promql: 'sum(rate(queue_depth[5m]))' }, WINDOW).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MetricsError);
    // The warning quoted is the first that matters, not the info note before it.
    expect((err as Error).message).toContain(JSON.stringify(STORE_DOWN));
    expect((err as Error).message).not.toContain('queue_depth" (1:10)');
  });

  it('decodeMatrix collects the warnings (not the infos) and isPartial, and still decodes the samples', () => {
    let col: Float64Array | undefined;
    const sink: MatrixSink = { start: T0, stepSeconds: 60, points: 2, firstIndex: 0, column: () => (col ??= new Float64Array(2).fill(NaN)) };
    const notes: AnswerNotes = { warnings: [], isPartial: false };
    const text = JSON.stringify({
      status: 'success',
      isPartial: true,
      data: { resultType: 'matrix', result: [{ metric: {}, values: [[T0, '1'], [T0 + 60, '2']] }] },
      warnings: ['store "a" down', 'a [warning] with {brackets}'],
      infos: ['PromQL info: something'],
    });
    expect(decodeMatrix(Buffer.from(text), sink, notes)).toBe(1);
    expect([...col!]).toEqual([1, 2]);
    expect(notes).toEqual({ warnings: ['store "a" down', 'a [warning] with {brackets}'], isPartial: true });
    // Without notes, as before: warnings skipped.
    col = undefined;
    expect(decodeMatrix(Buffer.from(text), sink)).toBe(1);
  });
});

describe('a batched preset read whose answer carries a warning', () => {
  const target = (name: string) =>
    ({ kind: 'Deployment', namespace: 'shop', name, manifest: { format: 'plain', path: `${name}.yaml` }, metrics: { load: { query: 'up' } }, capacity: { perReplica: 1 } }) as unknown as TargetConfig;
  const mem = (name: string): MetricRef => metricRef('memory', { preset: 'cadvisor' }, target(name), undefined);

  it('fails each member with the warning and its own query, without reading them one by one', async () => {
    handler = (form, res) =>
      json(
        res,
        200,
        matrix(
          form,
          [
            { metric: { pod: 'web-7d9f8b6c5d-x7k2p', container: 'app' }, value: 2 ** 27 },
            { metric: { pod: 'api-5c6d7e8f9a-ab12c', container: 'app' }, value: 2 ** 28 },
          ],
          { warnings: [STORE_DOWN] },
        ),
      );
    const warned: string[] = [];
    const reads = new BatchedReads(
      source(),
      ['web', 'api'].map((n) => ({ ref: mem(n), window: WINDOW })),
      { info() {}, warn: (_o: object, msg?: string) => void warned.push(msg ?? '') },
    );
    for (const name of ['web', 'api']) {
      const ref = mem(name);
      const err = await reads.range(ref, WINDOW).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(MetricsError);
      const message = (err as MetricsError).message;
      expect((err as MetricsError).ref).toBe(ref);
      expect(message).toContain(JSON.stringify(STORE_DOWN));
      expect(message).toMatch(/may be partial/);
      expect(message).toContain(`query ${JSON.stringify('promql' in ref ? ref.promql : '')}`);
      expect(message).toContain('read in one query with other workloads of namespace shop');
    }
    // One batched query, no per-target fallback (each of those would read the same partial data).
    expect(forms).toHaveLength(1);
    expect(reads.counts).toEqual({ batched: 1, perTarget: 0 });
    expect(warned).toEqual([]);
  });
});
