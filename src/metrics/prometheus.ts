// Reads history from Prometheus (and its API-compatibles) with range queries.
//
// One PromQL expression must yield exactly one series over the window. Long windows are split in
// chunks of at most 11,000 points (Prometheus' limit), aligned on the requested grid; chunks from
// every range() call of one instance share a small semaphore so the server never sees more than
// maxConcurrentQueries requests from us at a time. Network errors, timeouts, HTTP 5xx and 429 are
// retried with exponential backoff; query errors (HTTP 4xx) fail at once with Prometheus' message.
//
// No partial answers: Thanos Query (a sidecar or store gateway that did not answer) and
// VictoriaMetrics cluster (a vmstorage node down) answer HTTP 200 with what the others had, and a
// partial sum reads low, which is a scale-down. Every query asks for none (NO_PARTIAL_RESPONSE), so
// those answer with an error instead, classified as any other; an answer that comes with a warning
// or "isPartial": true anyway fails the read (partialAnswer).

import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import type { Dispatcher } from 'undici';
import { MetricsError, NoDataError, type LabelledColumns, type MetricRef, type RangeWindow, type Series } from '../domain/series.js';
import { MatrixFormatError, decodeMatrix, type AnswerNotes, type MatrixSink } from './matrix.js';
import { type MetricsSource } from '../domain/ports.js';
import {
  PROMETHEUS_MAX_POINTS,
  describeWindow,
  sharedGrid,
  splitWindow,
  windowPoints,
  type Chunk,
} from './grid.js';
import { Semaphore, abortReason } from './semaphore.js';
import type { RetryBudget } from '../domain/budget.js';
import { USER_AGENT } from '../util/version.js';
import { numbersOf } from '../util/numbers.js';

export interface PrometheusSourceOptions {
  /** Base URL of the Prometheus server, e.g. "http://prometheus:9090" (without /api/v1). */
  url: string;
  /** Extra request headers, e.g. an Authorization header built by the caller. */
  headers?: Record<string, string>;
  /** Time limit of one HTTP request, in milliseconds (also sent to Prometheus as its query timeout). */
  timeoutMs: number;
  /** Requests in flight at most, across every range() call of this instance. */
  maxConcurrentQueries: number;
  /** Retries of one request after a network error, a timeout, HTTP 5xx or 429. Default 3. */
  retries?: number;
  /** First backoff delay in milliseconds, doubled on each retry (with jitter, capped at 10 s). Default 250. */
  retryBaseDelayMs?: number;
  /**
   * Ask for gzipped answers ('gzip') or plain ones ('none', the default): measured at 1,000 workloads,
   * gzip made Prometheus spend 6x the CPU on a cycle's reads, for a quarter of the bytes.
   */
  compression?: 'none' | 'gzip';
  /** Points per request at most. Default 11,000 (Prometheus' limit); lower it for stricter backends. */
  maxPointsPerRequest?: number;
  /**
   * The cycle's retries (shared with the forge and git), its longest wait for a Retry-After and its
   * deadline. Without it: `retries` per request and waits of at most 30 s.
   */
  budget?: RetryBudget;
}

const DEFAULT_RETRIES = 3;
const DEFAULT_RETRY_BASE_MS = 250;
const MAX_BACKOFF_MS = 10_000;
/** A Retry-After longer than this is not waited for; the request fails instead. */
const MAX_RETRY_AFTER_MS = 30_000;
const MAX_LABEL_SETS_SHOWN = 5;

/** A failed request, as requestBody throws it (a plain object, not an Error): what classify() words. */
interface RequestError {
  status: 'error';
  errorType: 'timeout_error' | 'network_error' | 'ssl_error' | 'http_error';
  error: string;
  code?: string;
  httpStatus?: number;
  prometheus?: { errorType?: string; error?: string; augurRetryAfterMs?: number };
}

/** A failed attempt, classified. */
interface Failure {
  retryable: boolean;
  /** What happened, for the final message. */
  message: string;
  /** What to do about it, appended after the attempt count. */
  hint?: string;
  retryAfterMs?: number;
  /**
   * The query is too heavy as asked: Prometheus refused it (HTTP 400 or 422: bad data, too many
   * samples) or did not finish it in time (its query timeout, or ours); not the request or the server.
   */
  rejected?: boolean;
  /** No HTTP answer came at all (connection refused or reset, DNS, a proxy in the way). */
  unreachable?: boolean;
}

/** A query too heavy as asked (refused with HTTP 400 or 422, or timed out), e.g. a batched read of too many samples. */
export class QueryRejectedError extends MetricsError {}

/** No HTTP answer to a query at all (connection refused or reset, DNS, TLS). */
export class QueryUnreachableError extends MetricsError {}

/**
 * The HTTP client of every Prometheus read: undici (Node's own fetch is built on it), through
 * HTTP_PROXY / HTTPS_PROXY / NO_PROXY when they are set, as the agent's other clients honour them.
 * Loaded when a PrometheusSource is made, not when the CLI starts: its 130 ms of loading then
 * overlap the cycle's wait for git, which comes before the first read.
 */
let undici: Promise<typeof import('undici')> | undefined;
const loadUndici = () => (undici ??= import('undici'));
let dispatcher: Dispatcher | undefined;
async function httpClient(): Promise<{ request: (typeof import('undici'))['request']; dispatcher: Dispatcher }> {
  const { request, EnvHttpProxyAgent } = await loadUndici();
  return { request, dispatcher: (dispatcher ??= new EnvHttpProxyAgent()) };
}

/**
 * Closes every connection the reads opened (the CLI calls it when a command is done): a proxy that
 * never answered a CONNECT would otherwise keep its socket, and the process, alive.
 */
export async function closePrometheusConnections(): Promise<void> {
  const d = dispatcher;
  dispatcher = undefined;
  await d?.destroy();
}

const gunzipAsync = promisify(gunzip);

export class PrometheusSource implements MetricsSource {
  private readonly url: string;
  private readonly retries: number;
  private readonly retryBaseMs: number;
  private readonly maxPoints: number;
  private readonly semaphore: Semaphore;

  constructor(private readonly opts: PrometheusSourceOptions) {
    loadUndici().catch(() => undefined); // a failure is the first read's
    const url = opts.url.trim().replace(/\/+$/, '');
    if (!/^https?:\/\/[^/]/.test(url)) {
      throw new MetricsError(`Prometheus url must start with http:// or https:// (got ${JSON.stringify(opts.url)})`);
    }
    if (/\/api\/v1$/.test(url)) {
      throw new MetricsError(`Prometheus url ${JSON.stringify(opts.url)} must be the server's base URL, without /api/v1`);
    }
    if (!Number.isFinite(opts.timeoutMs) || opts.timeoutMs <= 0) {
      throw new MetricsError(`timeoutMs must be a positive number of milliseconds (got ${opts.timeoutMs})`);
    }
    if (!Number.isInteger(opts.maxConcurrentQueries) || opts.maxConcurrentQueries < 1) {
      throw new MetricsError(`maxConcurrentQueries must be a positive integer (got ${opts.maxConcurrentQueries})`);
    }
    this.url = url;
    this.retries = Math.max(0, Math.floor(opts.retries ?? DEFAULT_RETRIES));
    this.retryBaseMs = Math.max(0, opts.retryBaseDelayMs ?? DEFAULT_RETRY_BASE_MS);
    this.maxPoints = Math.min(PROMETHEUS_MAX_POINTS, Math.max(1, Math.floor(opts.maxPointsPerRequest ?? PROMETHEUS_MAX_POINTS)));
    this.semaphore = new Semaphore(opts.maxConcurrentQueries);
  }

  async range(ref: MetricRef, window: RangeWindow, signal?: AbortSignal): Promise<Series> {
    if (!('promql' in ref) || typeof ref.promql !== 'string' || ref.promql.trim() === '') {
      throw new MetricsError(
        `PrometheusSource reads PromQL refs ({ promql: "..." }); got ${JSON.stringify(ref)}. Use FileSource for { file } refs.`,
        ref,
      );
    }
    const query = ref.promql;
    const n = windowPoints(window, ref);
    const step = window.stepSeconds;
    const chunks = splitWindow(window, this.maxPoints);
    const seen = new Map<string, Float64Array>(); // label set -> its column
    let chunksDone = 0;
    const column = (labels: Record<string, string>): Float64Array => {
      const key = displayLabels(labels);
      let c = seen.get(key);
      if (!c) seen.set(key, (c = new Float64Array(n).fill(NaN)));
      return c;
    };
    await this.eachChunk(ref, chunks, signal, async (chunk, chunkSignal) => {
      const body = await this.fetchChunk(ref, query, chunk, step, chunkSignal);
      this.decode(ref, query, body, { start: chunk.start, stepSeconds: step, points: chunk.points, firstIndex: chunk.firstIndex, column });
      chunksDone++;
      if (seen.size > 1) throw this.tooManySeries(ref, window, seen, chunksDone < chunks.length);
    });

    const values = seen.values().next().value;
    if (values === undefined) {
      throw new NoDataError(
        `no data: Prometheus at ${this.url} returned no series for query ${JSON.stringify(query)} ` +
          `over ${describeWindow(window)}. Check the metric name and label matchers (run the query in the ` +
          'Prometheus UI), and that Prometheus keeps data that far back (retention).',
        ref,
      );
    }
    return { timestamps: this.grid(window, n), values: numbersOf(values), stepSeconds: step };
  }

  /**
   * A query whose many series are wanted (a batched read, `sum by (pod, container) (...)`), as
   * columns on the window's grid: the same chunks, semaphore, retries, decoding and errors as range().
   */
  async rangeBy(query: string, window: RangeWindow, signal?: AbortSignal): Promise<LabelledColumns> {
    const ref: MetricRef = { promql: query };
    const n = windowPoints(window, ref);
    const step = window.stepSeconds;
    const columns = new Map<string, { labels: Record<string, string>; values: Float64Array }>();
    const column = (labels: Record<string, string>): Float64Array => {
      const key = labelSet(undefined, labels);
      let c = columns.get(key);
      if (!c) columns.set(key, (c = { labels, values: new Float64Array(n).fill(NaN) }));
      return c.values;
    };
    await this.eachChunk(ref, splitWindow(window, this.maxPoints), signal, async (chunk, chunkSignal) => {
      const body = await this.fetchChunk(ref, query, chunk, step, chunkSignal);
      this.decode(ref, query, body, { start: chunk.start, stepSeconds: step, points: chunk.points, firstIndex: chunk.firstIndex, column });
    });
    return { stepSeconds: step, timestamps: this.grid(window, n), series: [...columns.values()] };
  }

  /**
   * A chunk's answer into the sink (metrics/matrix.ts: scanned once into Float64Arrays, with no
   * object per sample, which is what JSON.parse and prometheus-query's Date per sample cost at
   * thousands of series). An answer that is not Prometheus' JSON at all (a UI's login page behind
   * the url) says so with its start.
   */
  private decode(ref: MetricRef, query: string, body: Buffer, sink: MatrixSink): void {
    const notes: AnswerNotes = { warnings: [], isPartial: false };
    const where = `the answer of Prometheus at ${this.url} to query ${JSON.stringify(query)}`;
    try {
      decodeMatrix(body, sink, notes);
    } catch (err) {
      if (!(err instanceof MatrixFormatError)) throw err;
      const text = body.toString('utf8', 0, 400);
      if (!/^\s*\{\s*"(status|data|warnings|infos)"/.test(text)) {
        throw new MetricsError(
          `${where} is not a Prometheus API response (it starts with ${JSON.stringify(text.replace(/\s+/g, ' ').trim().slice(0, 80))}); is the url the Prometheus base URL?`,
          ref,
        );
      }
      throw new MetricsError(`${where} is not a Prometheus matrix: ${err.message}`, ref);
    }
    const partial = partialAnswer(notes);
    if (partial) {
      // Not retried: the answer came, and it says what is wrong with it (as a decoding error is not).
      throw new MetricsError(`${where} ${partial}`, ref);
    }
  }

  /**
   * Runs `each` on every chunk of a read at once, under one controller for the call: a failing
   * chunk cancels its siblings, the caller's signal cancels all (and is what the error then says).
   */
  private async eachChunk<C>(ref: MetricRef, chunks: readonly C[], signal: AbortSignal | undefined, each: (chunk: C, signal: AbortSignal) => Promise<void>): Promise<void> {
    if (signal?.aborted) throw this.abortedError(ref, signal);
    const ac = new AbortController();
    const onCallerAbort = () => ac.abort(abortReason(signal));
    signal?.addEventListener('abort', onCallerAbort, { once: true });
    try {
      await Promise.all(
        chunks.map(async (chunk) => {
          try {
            await each(chunk, ac.signal);
          } catch (err) {
            ac.abort(err);
            throw err;
          }
        }),
      );
    } catch (err) {
      if (signal?.aborted) throw this.abortedError(ref, signal);
      throw err;
    } finally {
      signal?.removeEventListener('abort', onCallerAbort);
    }
  }

  /** The window's timestamps, one array for every series read over the same window (sharedGrid). */
  private readonly grid = sharedGrid();

  /** One chunk: waits for a slot per attempt, retries transient failures with backoff. */
  private async fetchChunk(ref: MetricRef, query: string, chunk: Chunk, step: number, signal: AbortSignal): Promise<Buffer> {
    for (let attempt = 0; ; attempt++) {
      const release = await this.semaphore.acquire(signal);
      let failure: Failure;
      try {
        return await this.requestBody(query, chunk, step, signal);
      } catch (err) {
        if (signal.aborted) throw signal.reason;
        failure = this.classify(err, query);
      } finally {
        release();
      }
      if (!failure.retryable || attempt >= this.retries) {
        const tries = attempt + 1;
        const after = failure.retryable ? ` after ${tries} attempt${tries === 1 ? '' : 's'}` : '';
        const message = `${failure.message}${after}${failure.hint ? `; ${failure.hint}` : ''}`;
        throw failure.rejected ? new QueryRejectedError(message, ref) : failure.unreachable ? new QueryUnreachableError(message, ref) : new MetricsError(message, ref);
      }
      const backoff = this.retryBaseMs * 2 ** attempt;
      let delay = Math.min(MAX_BACKOFF_MS, backoff / 2 + (Math.random() * backoff) / 2);
      if (failure.retryAfterMs !== undefined) delay = Math.max(delay, failure.retryAfterMs);
      const refusal = this.opts.budget
        ? this.opts.budget.refusal(delay, `Prometheus ${JSON.stringify(query)}`)
        : delay > MAX_RETRY_AFTER_MS
          ? `asked to wait ${Math.round(delay / 1000)} s, giving up`
          : undefined;
      if (refusal) throw new MetricsError(`${failure.message}; ${refusal}`, ref);
      await sleep(delay, signal);
    }
  }

  /**
   * One HTTP range query, its body as bytes (decodeMatrix reads them as they are): POST (a long
   * pod regex never meets a URL length limit), asking for no partial response; a gzipped answer
   * (compression: 'gzip', or a proxy that compresses anyway) is inflated off the event loop.
   * Failures are thrown as RequestError for classify().
   */
  private async requestBody(query: string, chunk: Chunk, step: number, signal: AbortSignal): Promise<Buffer> {
    // The client first: loading it (once per process) is not the query's time.
    const http = await httpClient();
    const timeout = new AbortController();
    const timer = setTimeout(() => timeout.abort(new Error(`timed out after ${this.opts.timeoutMs} ms`)), this.opts.timeoutMs);
    const body = new URLSearchParams({
      query,
      start: String(chunk.start),
      end: String(chunk.end),
      step: String(step),
      timeout: `${Math.max(1, Math.ceil(this.opts.timeoutMs / 1000))}s`,
      ...NO_PARTIAL_RESPONSE,
    }).toString();
    const requestSignal = AbortSignal.any([signal, timeout.signal]);
    let status = 0;
    try {
      // Raced with the signal: undici does not cancel a proxy's CONNECT that never answers.
      const res = await abortable(
        http.request(`${this.url}/api/v1/query_range`, {
          method: 'POST',
          headers: { 'user-agent': USER_AGENT, 'content-type': 'application/x-www-form-urlencoded', 'accept-encoding': this.opts.compression === 'gzip' ? 'gzip' : 'identity', ...lowerKeys(this.opts.headers) },
          body,
          signal: requestSignal,
          dispatcher: http.dispatcher,
        }),
        requestSignal,
      );
      status = res.statusCode;
      let bytes = Buffer.from(await abortable(res.body.arrayBuffer(), requestSignal));
      if (String(res.headers['content-encoding'] ?? '').toLowerCase() === 'gzip') bytes = await gunzipAsync(bytes);
      if (status >= 200 && status < 300) return bytes;
      const text = bytes.toString('utf8');
      const retryAfterMs = parseRetryAfter(res.headers['retry-after']);
      let prom: { errorType?: string; error?: string } = {};
      try {
        prom = JSON.parse(text) as typeof prom;
      } catch {
        // Not Prometheus' JSON (a proxy's page): its start is the message.
      }
      const reason = STATUS_TEXT[status] ?? 'error';
      const error = typeof prom.error === 'string' ? prom.error : `${reason}${text ? ` - ${text.replace(/\s+/g, ' ').trim().slice(0, 200)}` : ''}`;
      throw {
        status: 'error',
        errorType: 'http_error',
        error,
        httpStatus: status,
        prometheus: { ...(prom.errorType ? { errorType: prom.errorType } : {}), error, ...(retryAfterMs !== undefined ? { augurRetryAfterMs: retryAfterMs } : {}) },
      } satisfies RequestError;
    } catch (err) {
      if (isRequestError(err)) throw err;
      if (timeout.signal.aborted && !signal.aborted) throw { status: 'error', errorType: 'timeout_error', error: `no answer within ${this.opts.timeoutMs} ms` } satisfies RequestError;
      if (signal.aborted) throw err;
      const e = err as { code?: string; message?: string; cause?: { code?: string; message?: string } };
      const code = e.code && e.code !== 'UND_ERR_SOCKET' ? e.code : (e.cause?.code ?? e.code);
      const message = e.cause?.message ?? e.message ?? String(err);
      // The status line came and the body broke off: nothing was rejected, and it is not "unreachable".
      if (status >= 200 && status < 300) throw { status: 'error', errorType: 'http_error', error: message, httpStatus: status } satisfies RequestError;
      const tls = code !== undefined && /CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO_(VERIFY|GET)/.test(code);
      throw { status: 'error', errorType: tls ? 'ssl_error' : 'network_error', error: message, ...(code ? { code } : {}) } satisfies RequestError;
    } finally {
      clearTimeout(timer);
    }
  }

  private classify(thrown: unknown, query: string): Failure {
    const where = `Prometheus at ${this.url}`;
    if (!isRequestError(thrown)) {
      const msg = thrown instanceof Error ? thrown.message : String(thrown);
      return { retryable: false, message: `unexpected answer from ${where} to query ${JSON.stringify(query)}: ${msg}` };
    }
    const err = thrown;
    switch (err.errorType) {
      case 'timeout_error':
        return {
          retryable: true,
          message: `${where} did not answer query ${JSON.stringify(query)} within ${this.opts.timeoutMs} ms (timeoutMs)`,
          hint: 'make the query cheaper, the window shorter or timeoutMs longer',
          rejected: true,
        };
      case 'network_error': {
        const code = err.code ? ` (${err.code})` : '';
        return {
          retryable: true,
          message: `cannot reach ${where}: ${err.error}${code}`,
          hint: 'check the url and that the server is up and reachable from here',
          unreachable: true,
        };
      }
      case 'ssl_error':
        return { retryable: false, message: `TLS error talking to ${where}: ${err.error}${err.code ? ` (${err.code})` : ''}`, hint: 'check the url and the CA (NODE_EXTRA_CA_CERTS)', unreachable: true };
      case 'http_error': {
        const status = err.httpStatus ?? 0;
        const promType = err.prometheus?.errorType ? ` ${err.prometheus.errorType}` : '';
        const detail = `HTTP ${status}${promType}: ${err.error}`;
        const retryAfterMs = err.prometheus?.augurRetryAfterMs;
        if (status < 400) {
          // A 2xx whose body broke off (connection reset, stream error): nothing was rejected.
          return { retryable: true, message: `the answer of ${where} to query ${JSON.stringify(query)} was cut off after HTTP ${status} (${err.error})`, hint: 'check the network path to Prometheus (proxies, load balancers)' };
        }
        if (status === 429 || status >= 500) {
          return {
            retryable: true,
            message: `${where} failed query ${JSON.stringify(query)} (${detail})`,
            // Prometheus' own query timeout (503, errorType "timeout"): the query is too heavy, not the server down.
            ...(err.prometheus?.errorType === 'timeout' ? { rejected: true } : {}),
            ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
          };
        }
        if (status === 401 || status === 403) {
          return { retryable: false, message: `${where} refused the request (${detail}); check the credentials/auth header` };
        }
        if (status === 404) {
          return {
            retryable: false,
            message: `${where} has no query API here (${detail}); the url must be the server's base URL (the API is read from <url>/api/v1)`,
          };
        }
        return { retryable: false, message: `${where} rejected query ${JSON.stringify(query)}: ${err.error} (HTTP ${status}${promType})`, rejected: status === 400 || status === 422 };
      }
      default:
        return { retryable: false, message: `${where} failed query ${JSON.stringify(query)}: ${err.error}` };
    }
  }

  private tooManySeries(ref: MetricRef, window: RangeWindow, seen: Map<string, unknown>, partial: boolean): MetricsError {
    const sets = [...seen.keys()];
    const shown = sets.slice(0, MAX_LABEL_SETS_SHOWN).join(', ');
    const more = sets.length > MAX_LABEL_SETS_SHOWN ? `, and ${sets.length - MAX_LABEL_SETS_SHOWN} more` : '';
    const q = 'promql' in ref ? ref.promql : '';
    return new MetricsError(
      `query ${JSON.stringify(q)} returned ${partial ? 'at least ' : ''}${sets.length} series over ${describeWindow(window)}; ` +
        `Augur needs exactly one. Series: ${shown}${more}. Fix: aggregate them, e.g. sum(${q}), ` +
        'or add label matchers that select a single series.',
      ref,
    );
  }

  private abortedError(ref: MetricRef, signal: AbortSignal): MetricsError {
    const reason = signal.reason instanceof Error ? signal.reason.message : String(signal.reason ?? 'aborted');
    const err = new MetricsError(`query to Prometheus at ${this.url} was cancelled: ${reason}`, ref);
    (err as Error).cause = signal.reason;
    return err;
  }
}

/**
 * Form parameters of every query: an error rather than a partial answer, from Thanos Query
 * (`partial_response`, whose default is its --query.partial-response flag, on unless turned off)
 * and from VictoriaMetrics cluster's vmselect (`deny_partial_response`). Prometheus ignores
 * parameters it does not know (test/integration/prometheus.test.ts reads a real one with them).
 */
const NO_PARTIAL_RESPONSE = { partial_response: 'false', deny_partial_response: '1' } as const;

/**
 * Why an answer (HTTP 200) cannot be used, and what to check, in words that follow "the answer ...
 * to query q"; undefined when it can be used.
 *
 * Conservative: every warning fails the read except Prometheus' info-level PromQL annotations
 * ("PromQL info: metric might not be a counter ...", "PromQL info: input to histogram_quantile
 * needed to be fixed for monotonicity"). Prometheus 2.46 to 2.53 put them in `warnings` with the
 * rest; 2.54 and later put them in `infos` (which decodeMatrix skips). They flag a query that may
 * be unusual, over data that was all there. Everything else is taken to mean missing data: a
 * Thanos store or a remote-read endpoint that did not answer, "No StoreAPIs matched for this
 * query", and PromQL warning annotations as well ("PromQL warning: encountered a mix of histograms
 * and floats ...", a malformed bucket label, a quantile out of range): the engine dropped or could
 * not compute some series or points, and a sum over the rest reads low just as a partial answer
 * does. "N more (warning) annotations omitted" may stand for warnings, so it counts as one.
 * VictoriaMetrics' "isPartial": true (which deny_partial_response=1 should rule out) fails too.
 */
function partialAnswer(notes: AnswerNotes): string | undefined {
  const serious = notes.warnings.filter((w) => !/^PromQL info: /.test(w));
  if (serious.length > 0) {
    const first = serious[0] as string;
    const more = serious.length > 1 ? ` (and ${serious.length - 1} more warning${serious.length > 2 ? 's' : ''})` : '';
    const fix = /^PromQL warning: /.test(first) ? 'fix the query or the series it reads' : 'check that every store behind the query API answers';
    return `came with the warning ${JSON.stringify(first)}${more}, so its data may be partial (a sum over part of the series reads low); Augur does not use it: ${fix}`;
  }
  if (notes.isPartial) {
    return 'is marked "isPartial": true, so its data may be partial (a sum over part of the series reads low); Augur does not use it: check that every vmstorage node answers';
  }
  return undefined;
}

function isRequestError(err: unknown): err is RequestError {
  return typeof err === 'object' && err !== null && (err as { status?: unknown }).status === 'error' && typeof (err as { errorType?: unknown }).errorType === 'string';
}

/** `p`, or the signal's reason as soon as it aborts (whatever `p` then does is ignored). */
function abortable<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    p.catch(() => undefined);
    return Promise.reject(signal.reason);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(err);
      },
    );
  });
}

function lowerKeys(headers: Record<string, string> | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
}

/** Reason phrases of the statuses a Prometheus or a proxy in front of it answers with (HTTP/1.1 sends them, HTTP/2 does not). */
const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  413: 'Payload Too Large',
  422: 'Unprocessable Entity',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

/** A series' labels as Prometheus shows them: `name{a="1", b="2"}`. */
function displayLabels(labels: Record<string, string>): string {
  const { __name__: name, ...rest } = labels;
  return labelSet(name, rest);
}

export function labelSet(name: string | undefined, labels: Record<string, string> | undefined): string {
  const inner = Object.keys(labels ?? {})
    .sort()
    .map((k) => `${k}=${JSON.stringify(labels?.[k] ?? '')}`)
    .join(', ');
  return `${name ?? ''}{${inner}}`;
}

export function parseRetryAfter(v: unknown): number | undefined {
  if (typeof v !== 'string' || v.trim() === '') return undefined;
  const s = v.trim();
  if (/^\d+(\.\d+)?$/.test(s)) return Number(s) * 1000;
  const at = Date.parse(s);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(t);
      reject(signal.reason);
    };
    const t = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
