// `augur serve`: cycles on the schedule (never two at once), /healthz, /readyz, /metrics and the
// webhooks; with cluster access, only the leader of a Lease runs cycles.
import type { Command } from 'commander';
import { startScheduler, type Scheduler } from '../agent/scheduler.js';
import { buildLogger, readSecret } from '../agent/wire.js';
import { branchPrefixOf } from '../agent/targets.js';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { CycleAbandonedError } from '../agent/cycle.js';
import { ConfigError, formatProblem, parseConfig, resolveFrom, type LoadedConfig } from '../config/load.js';
import type { Logger } from '../domain/ports.js';
import { targetId } from '../domain/workload.js';
import { SelectionCache } from '../forecast/registry.js';
import { openSelections, selectionsDir } from './state.js';
import { forgeModule } from '../forge/registry.js';
import { AgentMetrics, startServer } from '../server/http.js';
import { createWebhookHandler, type WebhookHandler } from '../server/webhooks.js';
import { load, once } from './cycle.js';

export interface ServeOptions {
  config: string;
  port: number;
  host?: string;
  shutdownTimeout: number;
  reloadInterval: number;
}

export function registerServe(program: Command, defaultConfig: string): void {
  program
    .command('serve')
    .description('run cycles on the schedule, with /healthz, /readyz and /metrics')
    .option('-c, --config <file>', 'guardrails YAML file', defaultConfig)
    .option('--port <port>', 'HTTP port', (v) => Number(v), 8080)
    .option('--host <addresses>', 'listen addresses, comma-separated (default: 127.0.0.1, and $POD_IP when set: the pod IP from the downward API)')
    .option('--shutdown-timeout <seconds>', 'on SIGTERM, how long a running cycle may finish before it is abandoned (exit 1)', (v) => Number(v), 25)
    .option('--reload-interval <seconds>', 'how often the guardrails file is checked for changes', (v) => Number(v), 10)
    .action((opts: ServeOptions) => serve(load(opts.config), opts));
}

/** Where serve listens: --host, else loopback (probes from inside the pod, port-forward) and the pod IP (kubelet probes, Services). */
export function listenAddresses(host: string | undefined, env: NodeJS.ProcessEnv = process.env): string[] {
  if (host) return [...new Set(host.split(',').map((h) => h.trim()).filter(Boolean))];
  const pod = env.POD_IP?.trim();
  return ['127.0.0.1', ...(pod && pod !== '127.0.0.1' ? [pod] : [])];
}

/** What serve knows between cycles: the current config, the cycles run and when one last finished. */
interface ServeState {
  loaded: LoadedConfig;
  /** sha256 of the file the config was loaded from, to see it change. */
  digest: string;
  hooks: WebhookHandler | undefined;
  cycles: number;
  lastError: string;
  /** When /healthz starts failing unless a cycle finishes (ms). */
  staleAt: number;
}

async function serve(initial: LoadedConfig, opts: ServeOptions): Promise<void> {
  const log = buildLogger();
  const metrics = new AgentMetrics();
  const state: ServeState = { loaded: initial, digest: digestOf(readText(initial.file) ?? ''), hooks: undefined, cycles: 0, lastError: '', staleAt: Number.POSITIVE_INFINITY };
  const { elector, shard } = await leadership(initial, log);
  const leader = await keepLeading(elector, initial, log);
  metrics.watchLeader(() => leader.leading);
  // The models chosen per workload, kept between cycles (sizing.reselectEvery).
  // With state.dir the choices made before a restart are kept; once() writes them back after each cycle.
  const stateDir = selectionsDir(initial);
  const selections = stateDir ? openSelections(stateDir, log) : new SelectionCache();
  // Aborted when SIGTERM gives up waiting: the running cycle's calls are cancelled.
  const stopping = new AbortController();
  const scheduler = startScheduler({
    cron: initial.config.schedule.cron,
    timezone: initial.config.schedule.timezone,
    log,
    cycle: async (only) => {
      if (!leader.leading) {
        log.info({}, 'not the leader: cycle skipped');
        state.cycles = Math.max(state.cycles, 1);
        finished(state, scheduler);
        return;
      }
      await runOne(state, { metrics, log, shard, selections, stop: stopping.signal, only }, () => finished(state, scheduler));
    },
  });
  finished(state, scheduler, false);
  state.hooks = webhooks(state.loaded, scheduler, log);
  const health = {
    ready: () => state.cycles > 0,
    detail: () => (state.cycles === 0 ? 'first cycle not finished' : state.lastError ? `last cycle failed: ${state.lastError}` : `${state.cycles} cycles run`),
    live: () => liveness(state),
  };
  const hosts = listenAddresses(opts.host);
  const servers = await Promise.all(hosts.map((h) => startServer(opts.port, h, metrics, health, () => state.hooks)));
  log.info({ port: opts.port, hosts, webhooks: Object.keys(initial.config.webhooks ?? {}).filter((k) => !['perTargetInterval', 'maxBodyBytes', 'bodyTimeout', 'replayWindow'].includes(k)) }, 'listening');
  const reload = setInterval(() => void reloadIfChanged(state, scheduler, metrics, log), opts.reloadInterval * 1000);
  reload.unref();
  void scheduler.trigger('startup');
  const shutdown = async (signal: string) => {
    log.info({ signal }, 'stopping');
    clearInterval(reload);
    const done = await scheduler.stop(opts.shutdownTimeout * 1000);
    if (!done) {
      log.error({ waitedSeconds: opts.shutdownTimeout }, 'a cycle was still running at shutdown: it is abandoned (its calls cancelled, nothing more written); exiting with 1');
      stopping.abort(new Error(`the process stopped (${signal}) while the cycle ran`));
    }
    leader.stop();
    await elector?.release().catch(() => undefined);
    for (const server of servers) server.close();
    process.exit(done ? 0 : 1);
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
}

/** One leader cycle on the current config: counted ok, error or abandoned. */
async function runOne(
  state: ServeState,
  ctx: { metrics: AgentMetrics; log: Logger; shard: { index: number; count: number }; selections: SelectionCache; stop: AbortSignal; only: string[] | undefined },
  onFinished: () => void,
): Promise<void> {
  const started = performance.now();
  try {
    ctx.metrics.record(await once(state.loaded, undefined, false, ctx.log, ctx.only, ctx.shard, ctx.selections, ctx.stop), (performance.now() - started) / 1000);
    state.lastError = '';
    state.cycles++;
    onFinished();
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    state.lastError = msg;
    if (err instanceof CycleAbandonedError) {
      // Not finished: /healthz keeps counting from the last cycle that did.
      ctx.metrics.cycles.inc({ result: 'abandoned' });
      ctx.log.error({ err: msg, seconds: Math.round((performance.now() - started) / 1000) }, 'cycle abandoned');
      return;
    }
    ctx.metrics.cycles.inc({ result: 'error' });
    state.cycles++;
    onFinished();
    throw err;
  }
}

/** A cycle finished (or serve started): /healthz fails if none finishes again by the unhealthyAfter-th next run plus cycleTimeout. */
function finished(state: ServeState, scheduler: Scheduler, cycle = true): void {
  const { unhealthyAfter, cycleTimeout } = state.loaded.config.schedule;
  const runs = scheduler.nextRuns(unhealthyAfter);
  const last = runs[runs.length - 1]?.getTime() ?? Date.now();
  state.staleAt = last + cycleTimeout * 1000;
  if (cycle) state.cycles = Math.max(state.cycles, 1);
}

function liveness(state: ServeState): { ok: boolean; detail: string } {
  if (Date.now() <= state.staleAt) return { ok: true, detail: 'ok' };
  const { unhealthyAfter } = state.loaded.config.schedule;
  return { ok: false, detail: `no cycle has finished in ${unhealthyAfter} scheduled run(s) plus schedule.cycleTimeout (due by ${new Date(state.staleAt).toISOString()})${state.lastError ? `; last error: ${state.lastError}` : ''}` };
}

/** A changed guardrails file is validated, then used from the next cycle on; a bad one is logged and the old one kept. */
async function reloadIfChanged(state: ServeState, scheduler: Scheduler, metrics: AgentMetrics, log: Logger): Promise<void> {
  const file = state.loaded.file;
  const text = readText(file);
  // Unreadable for a moment (a ConfigMap update swaps a symlink): try again next time.
  if (text === undefined) return;
  const digest = digestOf(text);
  if (digest === state.digest || digest === rejectedDigest.get(file)) return;
  let next: LoadedConfig;
  try {
    next = parseConfig(text, file);
  } catch (err) {
    rejectedDigest.set(file, digest);
    return reject(err instanceof ConfigError ? err.problems.map(formatProblem).join('\n') : err instanceof Error ? err.message : String(err));
  }
  const before = state.loaded.config.schedule;
  state.loaded = next;
  state.digest = digest;
  state.hooks = webhooks(next, scheduler, log);
  if (before.cron !== next.config.schedule.cron || before.timezone !== next.config.schedule.timezone) await scheduler.reschedule(next.config.schedule.cron, next.config.schedule.timezone);
  finished(state, scheduler, false);
  metrics.configReloads.inc({ result: 'applied' });
  log.info({ file, targets: next.config.targets.length }, 'guardrails file changed: reloaded, used from the next cycle on (cluster.leaderElection and shards need a restart)');

  function reject(why: string): void {
    metrics.configReloads.inc({ result: 'rejected' });
    log.error({ file, problems: why }, 'guardrails file changed but is not valid: keeping the previous one until it is fixed');
  }
}
const rejectedDigest = new Map<string, string>();

const digestOf = (text: string) => createHash('sha256').update(text).digest('hex');

function readText(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

/** The webhook endpoints the config asks for: Alertmanager's, and the forge's own. */
function webhooks(loaded: LoadedConfig, scheduler: Scheduler, log: Logger): WebhookHandler | undefined {
  const hooks = loaded.config.webhooks;
  if (!hooks) return undefined;
  const { config } = loaded;
  const forge = forgeModule(config.forge.type);
  const forgeHook = (hooks as Record<string, { secret?: Parameters<typeof readSecret>[0] } | undefined>)[config.forge.type];
  return createWebhookHandler(
    {
      ...(hooks.alertmanager ? { alertmanagerToken: readSecret(hooks.alertmanager.token, 'webhooks.alertmanager.token') } : {}),
      ...(forge.webhook && forgeHook?.secret ? { forge: { type: forge.type, webhook: forge.webhook, secret: readSecret(forgeHook.secret, `webhooks.${forge.type}.secret`), branchPrefix: branchPrefixOf(config) } } : {}),
      targets: config.targets,
      perTargetInterval: hooks.perTargetInterval,
      replayWindow: hooks.replayWindow,
      maxBodyBytes: hooks.maxBodyBytes,
      bodyTimeoutMs: hooks.bodyTimeout * 1000,
      log,
    },
    {
      reevaluate: (ids, reason) => scheduler.trigger(`webhook: ${reason}`, ids),
      // The forge is the state: re-reading it starts the cooldown (merged) or the back-off (closed).
      pullRequestClosed: (e) => scheduler.trigger(`PR #${e.number} ${e.merged ? 'merged' : 'closed'}`, e.meta?.targets.filter((id) => config.targets.some((t) => targetId(t) === id)) ?? []),
    },
  );
}

type Elector = NonNullable<Awaited<ReturnType<typeof leadership>>['elector']>;

/** Whether this replica leads, renewed a few times per lease duration; always true without an elector. */
async function keepLeading(elector: Elector | undefined, loaded: LoadedConfig, log: Logger): Promise<{ readonly leading: boolean; stop(): void }> {
  const state = { leading: !elector };
  if (!elector) return { leading: true, stop: () => undefined };
  state.leading = await elector.tryAcquireOrRenew().catch(() => false);
  const renew = setInterval(() => {
    elector
      .tryAcquireOrRenew()
      .then((now) => {
        if (now !== state.leading) log.info({ leading: now }, now ? 'leading: cycles run here' : 'not leading: another replica runs the cycles');
        state.leading = now;
      })
      .catch((err: unknown) => {
        state.leading = false;
        log.error({ err: err instanceof Error ? err.message : String(err) }, 'leader election failed: no cycles here until it works (set cluster.leaderElection.enabled: false for a single replica without Lease rights)');
      });
  }, (loaded.config.cluster.leaderElection.leaseDuration * 1000) / 3);
  return {
    get leading() {
      return state.leading;
    },
    stop: () => clearInterval(renew),
  };
}

/** This replica's shard, and its leader elector when it has cluster access. */
async function leadership(loaded: LoadedConfig, log: Logger) {
  const c = loaded.config.cluster;
  const ordinal = /-(\d+)$/.exec(process.env.HOSTNAME ?? '')?.[1];
  const index = Number(process.env.AUGUR_SHARD ?? ordinal ?? 0) % c.shards;
  const shard = { index, count: c.shards };
  if (!c.enabled || !c.leaderElection.enabled) return { shard };
  const { loadKubeConfig } = await import('../cluster/kube.js');
  const { config } = loadKubeConfig({ ...(c.kubeconfig ? { kubeconfig: resolveFrom(loaded, c.kubeconfig) } : {}), ...(c.context ? { context: c.context } : {}) });
  if (!config) return { shard };
  const { LeaderElector } = await import('../cluster/lease.js');
  const identity = process.env.HOSTNAME ?? `augur-${process.pid}`;
  const name = c.shards > 1 ? `${c.leaderElection.leaseName}-${index}` : c.leaderElection.leaseName;
  const namespace = c.leaderElection.namespace ?? process.env.POD_NAMESPACE ?? 'augur';
  log.info({ lease: `${namespace}/${name}`, identity, shard: `${index + 1}/${c.shards}` }, 'leader election on');
  return { shard, elector: new LeaderElector(config, { namespace, name, identity, leaseDurationSeconds: c.leaderElection.leaseDuration }) };
}
