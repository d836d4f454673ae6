// `augur serve`: cycles on the schedule (never two at once), /healthz, /readyz, /metrics and the
// webhooks; with cluster access, only the leader of a Lease runs cycles.
import type { Command } from 'commander';
import { startScheduler, type Scheduler } from '../agent/scheduler.js';
import { buildLogger, readSecret } from '../agent/wire.js';
import { branchPrefixOf } from '../agent/targets.js';
import { resolveFrom, type LoadedConfig } from '../config/load.js';
import type { Logger } from '../domain/ports.js';
import { targetId } from '../domain/workload.js';
import { SelectionCache } from '../forecast/registry.js';
import { forgeModule } from '../forge/registry.js';
import { AgentMetrics, startServer } from '../server/http.js';
import { createWebhookHandler, type WebhookHandler } from '../server/webhooks.js';
import { load, once } from './cycle.js';

export function registerServe(program: Command, defaultConfig: string): void {
  program
    .command('serve')
    .description('run cycles on the schedule, with /healthz, /readyz and /metrics')
    .option('-c, --config <file>', 'guardrails YAML file', defaultConfig)
    .option('--port <port>', 'HTTP port', (v) => Number(v), 8080)
    .option('--host <host>', 'HTTP listen address', '0.0.0.0')
    .action((opts: { config: string; port: number; host: string }) => serve(load(opts.config), opts.port, opts.host));
}

async function serve(loaded: LoadedConfig, port: number, host: string): Promise<void> {
  const log = buildLogger();
  const metrics = new AgentMetrics();
  const state = { cycles: 0, lastError: '' };
  const { elector, shard } = await leadership(loaded, log);
  const leader = await keepLeading(elector, loaded, log);
  // The models chosen per workload, kept between cycles (sizing.reselectEvery).
  const selections = new SelectionCache();
  const scheduler = startScheduler({
    cron: loaded.config.schedule.cron,
    timezone: loaded.config.schedule.timezone,
    log,
    cycle: async (only) => {
      if (!leader.leading) {
        log.info({}, 'not the leader: cycle skipped');
        state.cycles = Math.max(state.cycles, 1);
        return;
      }
      const started = performance.now();
      try {
        metrics.record(await once(loaded, undefined, false, log, only, shard, selections), (performance.now() - started) / 1000);
        state.lastError = '';
      } catch (err) {
        metrics.cycles.inc({ result: 'error' });
        state.lastError = err instanceof Error ? err.message : String(err);
        throw err;
      } finally {
        state.cycles++;
      }
    },
  });
  const health = {
    ready: () => state.cycles > 0,
    detail: () => (state.cycles === 0 ? 'first cycle not finished' : state.lastError ? `last cycle failed: ${state.lastError}` : `${state.cycles} cycles run`),
  };
  const server = await startServer(port, host, metrics, health, webhooks(loaded, scheduler, log));
  log.info({ port, webhooks: Object.keys(loaded.config.webhooks ?? {}).filter((k) => k !== 'perTargetInterval') }, 'listening');
  void scheduler.trigger('startup');
  const shutdown = async (signal: string) => {
    log.info({ signal }, 'stopping');
    await scheduler.stop(60_000);
    leader.stop();
    await elector?.release().catch(() => undefined);
    server.close();
    process.exit(0);
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
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
