// What the cycle commands share: loading the guardrails file (every problem at once, exit 1),
// one cycle on the wired adapters, and printing its report.
import { cycleDeadline, runCycle, type CycleReport } from '../agent/cycle.js';
import { RetryBudget } from '../domain/budget.js';
import { buildClusterDeps, buildForge, buildLogger, buildMetrics, buildWorkspace } from '../agent/wire.js';
import { ConfigError, loadConfig, type LoadedConfig } from '../config/load.js';
import { pathProblems } from '../config/paths.js';
import { SelectionCache } from '../forecast/registry.js';
import type { Logger } from '../domain/ports.js';
import { decisionsTable, jsonOutcome } from './format.js';
import { needsAttention } from '../forge/reasons.js';
import { historyDir, openSelections, saveSelections, selectionsDir } from './state.js';
import { HistoryStore } from '../metrics/history.js';
import { SelectionPool } from '../agent/selectionPool.js';

/** Fewer targets than this select on the event loop: starting workers costs about a second. */
const POOL_MIN_TARGETS = 16;

/** The file's config with its paths checked, or the problems printed and exit 1; `parsed`: the file already read by loadConfig. */
export function load(file: string, parsed?: LoadedConfig): LoadedConfig {
  try {
    const loaded = parsed ?? loadConfig(file);
    const missing = pathProblems(loaded);
    if (missing.length > 0) throw new ConfigError(missing);
    return loaded;
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
  stop?: AbortSignal,
): Promise<CycleReport> {
  const at = now ?? Math.floor(Date.now() / 1000);
  // One deadline and one retry budget for every call of the cycle: Prometheus, the forge, git.
  const signal = cycleDeadline(loaded.config.schedule.cycleTimeout, stop);
  const budget = new RetryBudget(loaded.config.retries.budget, loaded.config.retries.maxWait * 1000, signal);
  const cluster = await buildClusterDeps(loaded, log);
  const logRetries = () => {
    if (budget.used > 0) log.warn({ retries: budget.used, budget: budget.limit, for: [...new Set(budget.spentOn)].slice(0, 10) }, 'calls were retried this cycle (retries.budget)');
  };
  // With state.dir, the choices of earlier runs (a CronJob's, or serve's before a restart) are read and kept.
  const stateDir = selectionsDir(loaded);
  const large = loaded.config.targets.length >= POOL_MIN_TARGETS;
  const cache = selections ?? (stateDir ? openSelections(stateDir, log) : large ? new SelectionCache() : undefined);
  const before = cache ? { ...cache.counts } : undefined;
  // Selections on worker threads, one per CPU, for fleets where they pay for the workers' start-up.
  const pool = cache && large ? new SelectionPool() : undefined;
  const historyAt = historyDir(loaded);
  const history = historyAt && loaded.config.prometheus ? new HistoryStore(historyAt, log, loaded.config.prometheus.url) : undefined;
  const finish = async () => {
    logRetries();
    await history?.save();
    if (!cache || !before) return;
    log.info({ selected: cache.counts.selected - before.selected, refitted: cache.counts.refitted - before.refitted, kept: cache.size }, 'model selection this cycle');
    if (stateDir) await saveSelections(cache, loaded, at);
  };
  return runCycle({
    config: loaded.config,
    metrics: buildMetrics(loaded, at, budget),
    workspace: buildWorkspace(loaded, log, budget),
    forge: buildForge(loaded, log, budget),
    signal,
    now: at,
    log,
    dryRun,
    ...(only ? { only } : {}),
    ...(shard ? { shard } : {}),
    ...(cache ? { selections: cache } : {}),
    ...(pool ? { selectionPool: pool } : {}),
    ...(history ? { history } : {}),
    ...cluster,
  }).finally(async () => {
    await pool?.close();
    await finish();
  });
}

export async function print(report: CycleReport, json?: boolean, out: Pick<NodeJS.WritableStream, 'write' | 'once'> = process.stdout): Promise<void> {
  if (json) return writeJSONReport(report, out);
  out.write(`${decisionsTable(report)}\n`);
  if (report.dashboard) out.write(`\ndashboard: ${report.dashboard}\n`);
}

/** The text of the JSON report (`--json`) is written in pieces of about this many characters. */
const JSON_PIECE = 1 << 20;

/**
 * The report as JSON, indented by 2, one outcome at a time: the same text as JSON.stringify of the
 * whole report, without holding it. At 5,000 workloads that text is 25 MB, and building it (every
 * outcome copied with its messages, the string, its bytes for stdout) took the heap from 93 to
 * 159 MB and the RSS from 226 to 336 MiB at the very end of a steady cycle: its peak. A piece
 * waits for the one before to drain: stdout to a pipe is asynchronous, and pieces written without
 * waiting would all be held in its queue until the reader took them.
 */
async function writeJSONReport(report: CycleReport, out: Pick<NodeJS.WritableStream, 'write' | 'once'>): Promise<void> {
  const send = async (text: string) => {
    if (!out.write(Buffer.from(text))) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
  };
  const whole = JSON.stringify({ at: report.at, baseSha: report.baseSha, outcomes: [], closed: report.closed, dashboard: report.dashboard }, null, 2);
  // The key comes before any value that could hold the same text, and a string value escapes its quotes.
  const at = whole.indexOf('"outcomes": []') + '"outcomes": ['.length;
  let piece = whole.slice(0, at);
  for (const [i, o] of report.outcomes.entries()) {
    piece += `${i > 0 ? ',' : ''}\n    ${JSON.stringify(jsonOutcome(o), null, 2).replaceAll('\n', '\n    ')}`;
    if (piece.length < JSON_PIECE) continue;
    await send(piece);
    piece = '';
  }
  await send(`${piece}${report.outcomes.length > 0 ? '\n  ' : ''}${whole.slice(at)}\n`);
}

/**
 * The exit code of `plan` and `run`, for a CronJob or CI to act on: 0 all went through; 2 a target
 * or a PR failed (Prometheus, git, the forge; with cluster.required, the API server); 3 a target is
 * misconfigured and held until someone fixes it (see needsAttention). 1 is a guardrails file that
 * does not validate.
 */
export function exitCodeOf(report: CycleReport): number {
  // A proposal held because the cluster could not be checked (cluster.required) failed like a target: a CronJob must notice.
  if (report.outcomes.some((o) => o.error || o.decision?.notes.some((n) => n.rule === 'cluster.required' && n.effect === 'held'))) return 2;
  return report.outcomes.some((o) => needsAttention(o.decision).length > 0) ? 3 : 0;
}
