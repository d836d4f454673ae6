// Every call to GitHub goes through here: a time limit per request (the body included), retries
// drawn from the cycle's budget (network errors, timeouts and 5xx on calls that are safe to repeat;
// rate limits on any call, since GitHub did not perform it), waits capped at retries.maxWait, the
// cycle's deadline, a User-Agent naming Augur, and errors that say they came from GitHub.
import { throttling } from '@octokit/plugin-throttling';
import { Octokit } from '@octokit/rest';
import { RetryBudget, sleep } from '../../domain/budget.js';
import { USER_AGENT } from '../../util/version.js';

const AugurOctokit = Octokit.plugin(throttling);
export type GitHubOctokit = InstanceType<typeof AugurOctokit>;

/** Attempts of one call at most, whatever the budget. */
const MAX_ATTEMPTS = 4;
/** GitHub's advice for a secondary rate limit without Retry-After: wait a minute. */
const SECONDARY_FALLBACK_S = 60;

export interface GitHubHttpOptions {
  apiUrl: string;
  token: string;
  /** Time limit of one request, the body included, in milliseconds. */
  timeoutMs: number;
  budget: RetryBudget;
  warn: (msg: string) => void;
  /** First backoff in milliseconds (doubled each retry); tests lower it. */
  backoffMs?: number;
}

/** An error from GitHub (or on the way to it), saying which call failed and why. */
export class GitHubError extends Error {
  constructor(
    message: string,
    readonly status?: number,
    readonly data?: unknown,
  ) {
    super(message);
    this.name = 'GitHubError';
  }
}

export function createOctokit(opts: GitHubHttpOptions): GitHubOctokit {
  const octokit = new AugurOctokit({
    auth: opts.token,
    baseUrl: opts.apiUrl.replace(/\/$/, ''),
    userAgent: USER_AGENT,
    request: { fetch: timedFetch(opts.timeoutMs, opts.budget.signal) },
    // Writes stay serialised and spaced as GitHub asks; the waits themselves are decided below.
    throttle: { onRateLimit: () => false, onSecondaryRateLimit: () => false },
    log: { debug: () => {}, info: () => {}, warn: opts.warn, error: opts.warn },
  });
  octokit.hook.wrap('request', (request, options) => withRetries(async (o) => request(o as typeof options), options as unknown as CallOptions, opts));
  return octokit;
}

type CallOptions = { method: string; url: string; request?: Record<string, unknown> } & Record<string, unknown>;

async function withRetries<T>(request: (o: CallOptions) => Promise<T>, options: CallOptions, opts: GitHubHttpOptions): Promise<T> {
  const call = `${options.method} ${pathOf(expand(options))}`;
  for (let attempt = 1; ; attempt++) {
    try {
      return await request(options);
    } catch (err) {
      const failure = classify(err, options.method, expand(options), opts, (opts.backoffMs ?? 1000) * 2 ** (attempt - 1));
      // fetch quotes a header value it refuses (a token with a newline inside): the token never prints.
      if (opts.token) failure.message = failure.message.split(opts.token).join('(redacted)');
      if (!failure.retry || attempt >= MAX_ATTEMPTS) throw gitHubError(call, failure.message, err, failure.retry ? `after ${attempt} attempts` : undefined);
      const refusal = opts.budget.refusal(failure.waitMs, `GitHub ${call}`);
      if (refusal) throw gitHubError(call, failure.message, err, refusal);
      opts.warn(`GitHub ${call}: ${failure.message}; retry ${attempt} of ${MAX_ATTEMPTS - 1} in ${Math.ceil(failure.waitMs / 1000)} s (retries left this cycle: ${opts.budget.left})`);
      await sleep(failure.waitMs, opts.budget.signal).catch(() => {
        throw gitHubError(call, failure.message, err, "the cycle's deadline passed while waiting to retry");
      });
    }
  }
}

interface Failure {
  retry: boolean;
  waitMs: number;
  message: string;
}

interface ErrorLike {
  name?: string;
  message?: string;
  status?: number;
  response?: { status: number; headers?: Record<string, string | undefined>; data?: unknown };
  cause?: unknown;
}

function classify(err: unknown, method: string, url: string, opts: GitHubHttpOptions, backoff: number): Failure {
  const e = (err ?? {}) as ErrorLike;
  const repeatable = safeToRepeat(method, url);
  if (opts.budget.signal?.aborted) return { retry: false, waitMs: 0, message: "cancelled: the cycle's deadline passed" };
  const res = e.response;
  if (!res) {
    // No answer: a network error or our time limit. Whether GitHub acted on a write is unknown.
    const timedOut = e.name === 'TimeoutError' || /timed out|timeout/i.test(String(e.message)) || (e.cause as ErrorLike | undefined)?.name === 'TimeoutError';
    const message = timedOut ? `no answer within ${opts.timeoutMs / 1000} s (forge.timeout)` : `cannot reach GitHub at ${opts.apiUrl}: ${e.message ?? String(err)}`;
    return { retry: repeatable, waitMs: backoff, message };
  }
  const headers = res.headers ?? {};
  const detail = `HTTP ${res.status}: ${describeData(res.data, e.message)}`;
  const rate = rateLimitWait(res.status, headers, detail);
  if (rate) return { retry: true, waitMs: rate.waitMs, message: `${rate.kind} (${detail})` };
  if (res.status >= 500) {
    const after = retryAfterMs(headers['retry-after']);
    return { retry: repeatable, waitMs: Math.max(backoff, after ?? 0), message: detail };
  }
  return { retry: false, waitMs: 0, message: detail };
}

/** A primary or secondary rate limit: GitHub did not act on the request, so any call may be repeated after the wait. */
function rateLimitWait(status: number, headers: Record<string, string | undefined>, detail: string): { kind: string; waitMs: number } | undefined {
  if (status !== 403 && status !== 429) return undefined;
  const after = retryAfterMs(headers['retry-after']);
  if (/secondary rate limit/i.test(detail) || (after !== undefined && status === 403)) {
    return { kind: 'secondary rate limit', waitMs: after ?? SECONDARY_FALLBACK_S * 1000 };
  }
  if (headers['x-ratelimit-remaining'] === '0') {
    const reset = Number(headers['x-ratelimit-reset']) * 1000;
    return { kind: 'rate limit exhausted until its reset', waitMs: Number.isFinite(reset) ? Math.max(0, reset - Date.now()) + 1000 : SECONDARY_FALLBACK_S * 1000 };
  }
  if (status === 429) return { kind: 'too many requests', waitMs: after ?? SECONDARY_FALLBACK_S * 1000 };
  return undefined;
}

/**
 * Calls that may be sent twice without doing twice: reads, updates, label and reviewer requests.
 * A create (PR, issue, comment, label) is not repeated after an unknown outcome; the caller reads
 * back what exists instead.
 */
function safeToRepeat(method: string, url: string): boolean {
  if (method !== 'POST') return true;
  return /\/issues\/\d+\/labels$|\/pulls\/\d+\/requested_reviewers$/.test(pathOf(url));
}

export function retryAfterMs(v: string | undefined): number | undefined {
  if (v === undefined || v.trim() === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(v.trim())) return Number(v) * 1000;
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

function describeData(data: unknown, fallback: string | undefined): string {
  if (data && typeof data === 'object' && typeof (data as { message?: unknown }).message === 'string') {
    const d = data as { message: string; errors?: unknown[] };
    const errors = Array.isArray(d.errors) ? d.errors.map((x) => (typeof x === 'object' && x && 'message' in x ? String((x as { message: unknown }).message) : JSON.stringify(x))).join('; ') : '';
    return `${d.message}${errors ? ` (${errors})` : ''}`;
  }
  if (typeof data === 'string' && data.trim() !== '') return `a body that is not GitHub's JSON: ${JSON.stringify(data.replace(/\s+/g, ' ').slice(0, 80))}`;
  return fallback ?? 'no message';
}

function gitHubError(call: string, message: string, err: unknown, why?: string): GitHubError {
  const e = (err ?? {}) as ErrorLike;
  return new GitHubError(`GitHub API ${call} failed: ${message}${why ? `; ${why}` : ''}`, e.response?.status ?? e.status, e.response?.data);
}

/** The URL of a call with its {placeholders} filled in from its parameters. */
function expand(options: CallOptions): string {
  return options.url.replace(/\{(\w+)\}/g, (m, k: string) => (options[k] === undefined ? m : encodeURIComponent(String(options[k]))));
}

export function pathOf(url: string): string {
  try {
    return new URL(url, 'http://github.invalid').pathname;
  } catch {
    return url;
  }
}

/**
 * fetch with a time limit over the whole exchange: the body is read inside it too, so an answer
 * that stops halfway fails as a timeout rather than reaching Octokit as half a page.
 */
function timedFetch(timeoutMs: number, cycle: AbortSignal | undefined): typeof fetch {
  return async (input, init) => {
    const signals = [AbortSignal.timeout(timeoutMs), ...(init?.signal ? [init.signal] : []), ...(cycle ? [cycle] : [])];
    const signal = AbortSignal.any(signals);
    try {
      const res = await fetch(input, { ...init, signal });
      const body = res.status === 204 || res.status === 205 || res.status === 304 ? null : await res.arrayBuffer();
      return new Response(body, { status: res.status, statusText: res.statusText, headers: res.headers });
    } catch (err) {
      if (signals[0]!.aborted) throw Object.assign(new Error(`timed out after ${timeoutMs} ms`), { name: 'TimeoutError' });
      throw err;
    }
  };
}
