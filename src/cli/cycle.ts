// What the cycle commands share: loading the guardrails file (every problem at once, exit 1),
// one cycle on the wired adapters, and printing its report.
import { runCycle, type CycleReport } from '../agent/cycle.js';
import { buildCluster, buildForge, buildLogger, buildMetrics, buildWorkspace } from '../agent/wire.js';
import { ConfigError, loadConfig, type LoadedConfig } from '../config/load.js';
import type { SelectionCache } from '../forecast/registry.js';
import type { Logger } from '../domain/ports.js';
import { decisionsTable, jsonOutcome } from './format.js';
import { needsAttention } from '../forge/reasons.js';

export function load(file: string): LoadedConfig {
  try {
    return loadConfig(file);
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`${file}: ${err.problems.length} problem${err.problems.length === 1 ? '' : 's'}:\n${err.message}`);
      process.exit(1);
    }
    throw err;
  }
}

/** One cycle over the configured targets (or `only` some), as of `now`; `dryRun` writes nothing. */
export async function once(
  loaded: LoadedConfig,
  now: number | undefined,
  dryRun: boolean,
  log: Logger = buildLogger({ level: process.env.AUGUR_LOG_LEVEL ?? 'warn' }),
  only?: string[],
  shard?: { index: number; count: number },
  selections?: SelectionCache,
): Promise<CycleReport> {
  const at = now ?? Math.floor(Date.now() / 1000);
  const cluster = await buildCluster(loaded, log);
  return runCycle({
    config: loaded.config,
    metrics: buildMetrics(loaded, at),
    workspace: buildWorkspace(loaded),
    forge: buildForge(loaded, log),
    now: at,
    log,
    dryRun,
    ...(only ? { only } : {}),
    ...(shard ? { shard } : {}),
    ...(selections ? { selections } : {}),
    ...(cluster ? { cluster, clusterOptions: { dryRun: loaded.config.cluster.dryRun, events: loaded.config.cluster.events } } : {}),
  });
}

export function print(report: CycleReport, json?: boolean): void {
  if (json) {
    console.log(JSON.stringify({ at: report.at, baseSha: report.baseSha, outcomes: report.outcomes.map(jsonOutcome), closed: report.closed, dashboard: report.dashboard }, null, 2));
    return;
  }
  console.log(decisionsTable(report));
  if (report.dashboard) console.log(`\ndashboard: ${report.dashboard}`);
}

/**
 * The exit code of `plan` and `run`, for a CronJob or CI to act on: 0 all went through; 2 a target
 * or a PR failed (Prometheus, git, the forge); 3 a target is misconfigured and held until someone
 * fixes it (see needsAttention). 1 is a guardrails file that does not validate.
 */
export function exitCodeOf(report: CycleReport): number {
  if (report.outcomes.some((o) => o.error)) return 2;
  return report.outcomes.some((o) => needsAttention(o.decision).length > 0) ? 3 : 0;
}
