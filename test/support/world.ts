// A whole Augur deployment for end-to-end tests, from real parts: the demo manifests in a bare git
// repository, the OpenAPI-checked GitHub server, and a guardrails file written as YAML and loaded
// the way the CLI loads it. Prometheus is started once per test file by the caller.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { runCycle, type CycleReport } from '../../src/agent/cycle.js';
import { buildForge, buildMetrics, buildWorkspace } from '../../src/agent/wire.js';
import { DEMO_ASSETS } from '../../src/cli/demo.js';
import { parseConfig } from '../../src/config/load.js';
import { once } from '../../src/cli/cycle.js';
import { startFakeGitHub, type FakeGitHub } from './github-api.js';
import { makeRemote } from './git.js';
import { startPrometheus, type BackfillSeries, type RunningPrometheus } from './prometheus.js';

/**
 * A real Prometheus with the demo's web trace as shop/web and a copy 30% higher as shop/web-surge
 * ("new data" for the update cases), plus `extra` series, shifted to now; `now` is the last
 * 5-minute step where every series still has data.
 */
export async function startWebPrometheus(extra: Omit<BackfillSeries, 'shiftToNow'>[] = []): Promise<{ prom: RunningPrometheus; now: number }> {
  const traces = join(DEMO_ASSETS, 'traces');
  const surge = join(mkdtempSync(join(tmpdir(), 'augur-web-traces-')), 'surge.csv');
  const rows = readFileSync(join(traces, 'web-requests.csv'), 'utf8').trim().split('\n');
  writeFileSync(surge, [rows[0], ...rows.slice(1).map((r) => { const [t, v] = r.split(','); return `${t},${(Number(v) * 1.3).toFixed(2)}`; })].join('\n') + '\n');
  const realNow = Math.floor(Date.now() / 1000);
  const series: BackfillSeries[] = [
    { name: 'http_requests_per_second', labels: { namespace: 'shop', service: 'web' }, csvPath: join(traces, 'web-requests.csv') },
    { name: 'http_requests_per_second', labels: { namespace: 'shop', service: 'web-surge' }, csvPath: surge },
    ...extra,
  ].map((s) => ({ ...s, shiftToNow: realNow }));
  const prom = await startPrometheus({ series });
  return { prom, now: Math.floor(Math.min(...prom.series.map((s) => s.last)) / 300) * 300 };
}

export const TOKEN = 'e2e-token';
export const silent = { info() {}, warn() {}, error() {} };

export interface RunOptions {
  web?: string;
  cpu?: string;
  policy?: Record<string, unknown>;
  webPolicy?: Record<string, unknown>;
  /** Replaces fields of the web target (e.g. its name or manifest). */
  webTarget?: Record<string, unknown>;
  prometheusUrl?: string;
  /** Replaces keys of `forge:` (apiUrl through a fault proxy, timeout...). */
  forge?: Record<string, unknown>;
  /** More top-level keys (retries, schedule, git...). */
  top?: Record<string, unknown>;
}

export interface World {
  bare: string;
  github: FakeGitHub;
  workdir: string;
  /** Writes the guardrails file for these options and returns its path. */
  configFile: (opts?: RunOptions) => string;
  run: (opts?: RunOptions) => Promise<CycleReport>;
  /** One cycle the way `augur run --once` runs it: the cycle's deadline and retry budget included. */
  runOnce: (opts?: RunOptions) => Promise<CycleReport>;
}

export async function startWorld(prometheusUrl: string, now: number): Promise<World> {
  process.env.AUGUR_E2E_TOKEN = TOKEN;
  const bare = makeRemote(join(DEMO_ASSETS, 'manifests'));
  const github = await startFakeGitHub({ owner: 'acme', repo: 'manifests', bareRepo: bare, token: TOKEN });
  const root = mkdtempSync(join(tmpdir(), 'augur-e2e-'));
  const workdir = join(root, 'checkout');
  let n = 0;
  const configFile = (opts: RunOptions = {}) => {
    const config = {
      prometheus: { url: opts.prometheusUrl ?? prometheusUrl, step: '5m', history: '14d', timeout: '10s' },
      git: { url: bare, baseBranch: 'main', workdir },
      forge: { type: 'github', owner: 'acme', repo: 'manifests', apiUrl: github.url, token: { env: 'AUGUR_E2E_TOKEN' }, labels: ['augur'], reviewers: ['oncall'], ...opts.forge },
      limits: { maxOpenPRs: 5, maxPRsPerHour: 5 },
      policy: { maxStepPercent: { up: 50, down: 30 }, ...opts.policy },
      targets: [
        {
          kind: 'Deployment',
          namespace: 'shop',
          name: 'web',
          manifest: { format: 'plain', path: 'apps/web/deployment.yaml' },
          metrics: {
            load: { query: `http_requests_per_second{namespace="shop", service="${opts.web ?? 'web'}"}` },
            cpu: { query: opts.cpu ?? 'vector(0.2174)' }, // p95 × 1.15 ≈ the current 250m: no CPU change
            memory: { query: 'vector(200 * 1024 * 1024)' },
            oomKills: { query: 'vector(0)' },
          },
          capacity: { perReplica: 450 },
          ...(opts.webPolicy ? { policy: opts.webPolicy } : {}),
          ...opts.webTarget,
        },
      ],
      ...opts.top,
    };
    const file = join(root, `augur-${++n}.yaml`);
    writeFileSync(file, stringify(config));
    return file;
  };
  const run = async (opts: RunOptions = {}) => {
    const file = configFile(opts);
    const loaded = parseConfig(readFileSync(file, 'utf8'), file);
    return runCycle({
      config: loaded.config,
      metrics: buildMetrics(loaded, now),
      workspace: buildWorkspace(loaded),
      forge: buildForge(loaded, silent),
      now,
      log: silent,
    });
  };
  const runOnce = async (opts: RunOptions = {}) => {
    const file = configFile({ ...opts, top: { cluster: { enabled: false }, ...opts.top } });
    return once(parseConfig(readFileSync(file, 'utf8'), file), now, false, silent);
  };
  return { bare, github, workdir, configFile, run, runOnce };
}
