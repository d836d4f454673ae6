// Builds the adapters a cycle runs on from a loaded guardrails file. The one place that turns
// configuration into concrete edges (Prometheus or files, GitHub or local, the git checkout).
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { resolveFrom, type LoadedConfig } from '../config/load.js';
import { isLocalGitPath } from '../config/paths.js';
import type { ForgeContext } from '../forge/module.js';
import { forgeModule } from '../forge/registry.js';
import type { Forge } from '../domain/forge.js';
import { FileSource } from '../metrics/file.js';
import { PrometheusSource } from '../metrics/prometheus.js';
import { MetricsError, type MetricRef, type RangeWindow } from '../domain/series.js';
import { type MetricsSource } from '../domain/ports.js';
import type { RetryBudget } from '../domain/budget.js';
import { redactValue, rememberSecret } from '../config/redact.js';
import { GitWorkspace } from '../workspace/git.js';
import type { CycleDeps } from './deps.js';
import type { Logger } from '../domain/ports.js';

import type { SecretRef } from '../config/fields.js';

/** Reads a secret from the environment or a mounted file; the error says which and how to fix it. */
export function readSecret(ref: SecretRef, what: string, env: NodeJS.ProcessEnv = process.env): string {
  if ('env' in ref) {
    const v = env[ref.env];
    if (!v) throw new Error(`${what}: environment variable ${ref.env} is not set; set it, or point ${what} at a mounted file with { file: /path }`);
    return rememberSecret(v.trim());
  }
  try {
    return rememberSecret(readFileSync(ref.file, 'utf8').trim());
  } catch (err) {
    throw new Error(`${what}: cannot read ${ref.file} (${(err as Error).message}); mount the secret there or use { env: NAME }`);
  }
}

/** Routes each metric to its source: PromQL to Prometheus, files to the CSV reader. */
class RoutingSource implements MetricsSource {
  constructor(private readonly prometheus?: MetricsSource, private readonly files?: MetricsSource) {}
  range(ref: MetricRef, window: RangeWindow, signal?: AbortSignal) {
    const source = 'file' in ref ? this.files : this.prometheus;
    if (!source) throw new MetricsError(`no ${'file' in ref ? 'metrics.file' : 'prometheus'} section in the guardrails file for ${JSON.stringify(ref)}`, ref);
    return source.range(ref, window, signal);
  }
  /** Grouped reads (metrics/batch.ts) are Prometheus': a file source has none, and its refs never batch. */
  get rangeBy() {
    const p = this.prometheus;
    return p?.rangeBy ? (promql: string, window: RangeWindow, signal?: AbortSignal) => p.rangeBy!(promql, window, signal) : undefined;
  }
}

/** The metrics of one cycle; `budget` is the cycle's retries, longest wait and deadline. */
export function buildMetrics(loaded: LoadedConfig, now: number, budget?: RetryBudget): MetricsSource {
  const { config } = loaded;
  let prometheus: MetricsSource | undefined;
  if (config.prometheus) {
    const p = config.prometheus;
    const headers: Record<string, string> = {};
    if (p.auth && 'bearer' in p.auth) headers.Authorization = `Bearer ${readSecret(p.auth.bearer, 'prometheus.auth.bearer')}`;
    if (p.auth && 'basic' in p.auth) {
      const password = readSecret(p.auth.basic.password, 'prometheus.auth.basic.password');
      headers.Authorization = `Basic ${Buffer.from(`${p.auth.basic.username}:${password}`).toString('base64')}`;
    }
    prometheus = new PrometheusSource({ url: p.url, headers, timeoutMs: p.timeout * 1000, maxConcurrentQueries: p.maxConcurrentQueries, compression: p.compression, ...(budget ? { budget } : {}) });
  }
  const f = config.metrics.file;
  const files = f ? new FileSource({ baseDir: resolveFrom(loaded, f.dir), ...(f.shiftToNow ? { shiftToNow: { now } } : {}) }) : undefined;
  return new RoutingSource(prometheus, files);
}

/** What a forge module may ask of the loaded guardrails file. */
function forgeContext(loaded: LoadedConfig, log: Logger, budget?: RetryBudget): ForgeContext {
  return { resolve: (path) => resolveFrom(loaded, path), secret: (ref, what) => readSecret(ref, what), log, ...(budget ? { budget } : {}) };
}

export function buildForge(loaded: LoadedConfig, log: Logger, budget?: RetryBudget): Forge {
  const forge = loaded.config.forge;
  return forgeModule(forge.type).create(forge, forgeContext(loaded, log, budget));
}

export function buildWorkspace(loaded: LoadedConfig, log: Logger = silentLog, budget?: RetryBudget): GitWorkspace {
  const { git, forge } = loaded.config;
  const isLocalPath = isLocalGitPath(git.url);
  const url = isLocalPath ? resolveFrom(loaded, git.url) : git.url;
  const token = git.token ? readSecret(git.token, 'git.token') : undefined;
  // A local path needs no credentials unless git.token says otherwise.
  const auth = isLocalPath && !token ? undefined : forgeModule(forge.type).gitAuth(forge, forgeContext(loaded, log), token);
  return new GitWorkspace({
    url,
    dir: git.workdir ? resolveFrom(loaded, git.workdir) : join(tmpdir(), 'augur', safeName(url)),
    baseBranch: git.baseBranch,
    author: git.author,
    timeoutMs: git.timeout * 1000,
    ...(budget?.signal ? { signal: budget.signal } : {}),
    ...(auth ? { auth } : {}),
  });
}

const silentLog: Logger = { info() {}, warn() {}, error() {} };

/**
 * The cluster and what a cycle does with it (cluster.dryRun, events, required). Without cluster
 * access `unavailable` says why: with cluster.required every proposal is held for it.
 */
export async function buildClusterDeps(loaded: LoadedConfig, log: Logger): Promise<Pick<CycleDeps, 'cluster' | 'clusterOptions'>> {
  const c = loaded.config.cluster;
  const options = { dryRun: c.dryRun, events: c.events, required: c.required };
  if (!c.enabled) return c.required ? { clusterOptions: { ...options, unavailable: 'cluster.enabled is false' } } : {};
  // Loaded only when used: the Kubernetes client alone costs about 70 MiB of memory.
  const { KubeCluster, loadKubeConfig } = await import('../cluster/kube.js');
  const { config, why } = loadKubeConfig({ ...(c.kubeconfig ? { kubeconfig: resolveFrom(loaded, c.kubeconfig) } : {}), ...(c.context ? { context: c.context } : {}) });
  if (!config) {
    if (!warnedNoCluster) {
      if (c.required) log.error({ why }, 'no cluster access and cluster.required is true: every proposal is held until Augur can read the cluster');
      else log.warn({ why }, 'no cluster access: working from Git alone (no drift, headroom, dry-run or Event checks)');
    }
    warnedNoCluster = true;
    return c.required ? { clusterOptions: { ...options, unavailable: `no cluster access: ${why ?? 'no kubeconfig'}` } } : {};
  }
  const cluster = new KubeCluster({ kubeConfig: config, timeoutMs: c.timeout * 1000, ...(c.dryRun !== 'off' ? { dryRunMode: c.dryRun } : {}) });
  return { cluster, clusterOptions: options };
}
let warnedNoCluster = false;

/** JSON logs on stderr, so stdout carries only what a command prints (tables, JSON reports). */
export function buildLogger(opts: { level?: string } = {}): pino.Logger {
  return pino(
    {
      level: opts.level ?? process.env.AUGUR_LOG_LEVEL ?? 'info',
      base: { app: 'augur' },
      // No secret reaches a log line: remembered secret values, secret-shaped text, secret keys.
      hooks: {
        logMethod(args, method) {
          return method.apply(this, args.map((a) => redactValue(a)) as Parameters<typeof method>);
        },
      },
    },
    pino.destination(2),
  );
}

const safeName = (url: string) => url.replace(/[^a-zA-Z0-9._-]+/g, '_').slice(-80);

