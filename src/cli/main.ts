#!/usr/bin/env node
// The `augur` command. Each subcommand is a thin shell over the agent: parse flags, load the
// guardrails file, wire the adapters, run, print.
import { Command, InvalidArgumentError } from 'commander';
import { runCycle, type CycleReport } from '../agent/cycle.js';
import { SelectionCache } from '../forecast/registry.js';
import { startScheduler } from '../agent/scheduler.js';
import { buildCluster, buildForge, buildLogger, buildMetrics, buildWorkspace, readSecret } from '../agent/wire.js';
import { ConfigError, loadConfig, resolveFrom, type LoadedConfig } from '../config/load.js';
import { AgentMetrics, startServer } from '../server/http.js';
import { createWebhookHandler } from '../server/webhooks.js';
import { targetId } from '../domain/workload.js';
import { runDemo } from './demo.js';
import { decisionsTable, jsonOutcome } from './format.js';
import { registerForecast } from './forecast.js';
import { registerBacktest } from './backtest.js';
import { registerSimulate } from './simulate.js';

const DEFAULT_CONFIG = process.env.AUGUR_CONFIG ?? 'augur.yaml';

const parseTime = (v: string): number => {
  const t = Date.parse(v);
  if (Number.isNaN(t)) throw new InvalidArgumentError(`"${v}" is not an ISO time; e.g. 2026-11-22T06:00:00Z`);
  return Math.floor(t / 1000);
};

const program = new Command()
  .name('augur')
  .description('Predictive scaling for GitOps: forecast load, propose replica and resource changes as pull requests.')
  .showHelpAfterError();

program
  .command('validate')
  .description('check a guardrails file and list every problem at once')
  .argument('[file]', 'guardrails YAML file', DEFAULT_CONFIG)
  .action((file: string) => {
    const loaded = load(file);
    console.log(`${file}: valid (${loaded.config.targets.length} targets, forge ${loaded.config.forge.type}, metrics ${loaded.config.prometheus ? 'prometheus' : 'files'})`);
  });

program
  .command('plan')
  .description('evaluate every target and print the decisions; writes nothing')
  .option('-c, --config <file>', 'guardrails YAML file', DEFAULT_CONFIG)
  .option('--now <iso>', 'evaluate as of this time (default: now)', parseTime)
  .option('--json', 'print the report as JSON')
  .action(async (opts: { config: string; now?: number; json?: boolean }) => {
    const report = await once(load(opts.config), opts.now, true);
    print(report, opts.json);
  });

program
  .command('run')
  .description('run one cycle: open, update or close PRs and rewrite the dashboard')
  .option('-c, --config <file>', 'guardrails YAML file', DEFAULT_CONFIG)
  .option('--once', 'run one cycle and exit (the only mode of run; serve runs on a schedule)', true)
  .option('--now <iso>', 'evaluate as of this time (default: now)', parseTime)
  .option('--json', 'print the report as JSON')
  .action(async (opts: { config: string; now?: number; json?: boolean }) => {
    const report = await once(load(opts.config), opts.now, false);
    print(report, opts.json);
    if (report.outcomes.some((o) => o.error)) process.exitCode = 2;
  });

program
  .command('serve')
  .description('run cycles on the schedule, with /healthz, /readyz and /metrics')
  .option('-c, --config <file>', 'guardrails YAML file', DEFAULT_CONFIG)
  .option('--port <port>', 'HTTP port', (v) => Number(v), 8080)
  .option('--host <host>', 'HTTP listen address', '0.0.0.0')
  .action(async (opts: { config: string; port: number; host: string }) => {
    const loaded = load(opts.config);
    const log = buildLogger();
    const metrics = new AgentMetrics();
    let cycles = 0;
    let lastError = '';
    const { elector, shard } = await leadership(loaded, log);
    let leading = !elector;
    const renew = elector
      ? setInterval(() => {
          elector
            .tryAcquireOrRenew()
            .then((now) => {
              if (now !== leading) log.info({ leading: now }, now ? 'leading: cycles run here' : 'not leading: another replica runs the cycles');
              leading = now;
            })
            .catch((err: unknown) => {
              leading = false;
              log.error({ err: err instanceof Error ? err.message : String(err) }, 'leader election failed: no cycles here until it works (set cluster.leaderElection.enabled: false for a single replica without Lease rights)');
            });
        }, (loaded.config.cluster.leaderElection.leaseDuration * 1000) / 3)
      : undefined;
    if (elector) leading = await elector.tryAcquireOrRenew().catch(() => false);
    // The models chosen per workload, kept between cycles (sizing.reselectEvery).
    const selections = new SelectionCache();
    const scheduler = startScheduler({
      cron: loaded.config.schedule.cron,
      timezone: loaded.config.schedule.timezone,
      log,
      cycle: async (only) => {
        if (!leading) {
          log.info({}, 'not the leader: cycle skipped');
          cycles = Math.max(cycles, 1);
          return;
        }
        const started = performance.now();
        try {
          const report = await once(loaded, undefined, false, log, only, shard, selections);
          metrics.record(report, (performance.now() - started) / 1000);
          lastError = '';
        } catch (err) {
          metrics.cycles.inc({ result: 'error' });
          lastError = err instanceof Error ? err.message : String(err);
          throw err;
        } finally {
          cycles++;
        }
      },
    });
    const hooks = loaded.config.webhooks;
    const webhooks = hooks
      ? createWebhookHandler(
          {
            ...(hooks.alertmanager ? { alertmanagerToken: readSecret(hooks.alertmanager.token, 'webhooks.alertmanager.token') } : {}),
            ...(hooks.github ? { githubSecret: readSecret(hooks.github.secret, 'webhooks.github.secret') } : {}),
            targets: loaded.config.targets,
            perTargetInterval: hooks.perTargetInterval,
            log,
          },
          {
            reevaluate: (ids, reason) => scheduler.trigger(`webhook: ${reason}`, ids),
            // The forge is the state: re-reading it starts the cooldown (merged) or the back-off (closed).
            pullRequestClosed: (e) => scheduler.trigger(`PR #${e.number} ${e.merged ? 'merged' : 'closed'}`, e.meta?.targets.filter((id) => loaded.config.targets.some((t) => targetId(t) === id)) ?? []),
          },
        )
      : undefined;
    const server = await startServer(
      opts.port,
      opts.host,
      metrics,
      {
        ready: () => cycles > 0,
        detail: () => (cycles === 0 ? 'first cycle not finished' : lastError ? `last cycle failed: ${lastError}` : `${cycles} cycles run`),
      },
      webhooks,
    );
    log.info({ port: opts.port, webhooks: hooks ? Object.keys(hooks).filter((k) => k !== 'perTargetInterval') : [] }, 'listening');
    void scheduler.trigger('startup');
    const shutdown = async (signal: string) => {
      log.info({ signal }, 'stopping');
      await scheduler.stop(60_000);
      clearInterval(renew);
      await elector?.release().catch(() => undefined);
      server.close();
      process.exit(0);
    };
    process.once('SIGTERM', () => void shutdown('SIGTERM'));
    process.once('SIGINT', () => void shutdown('SIGINT'));
  });

program
  .command('demo')
  .description('one real cycle on a bundled trace and a generated local manifest repo: no cluster, no token')
  .option('--dir <dir>', 'where to build the demo repository and forge', '.augur-demo')
  .action(async (opts: { dir: string }) => {
    await runDemo(opts.dir);
  });

function load(file: string): LoadedConfig {
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

/** This replica's shard, and its leader elector when it has cluster access. */
async function leadership(loaded: LoadedConfig, log: ReturnType<typeof buildLogger>) {
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

async function once(
  loaded: LoadedConfig,
  now: number | undefined,
  dryRun: boolean,
  log = buildLogger({ level: process.env.AUGUR_LOG_LEVEL ?? 'warn' }),
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

function print(report: CycleReport, json?: boolean): void {
  if (json) {
    console.log(JSON.stringify({ at: report.at, baseSha: report.baseSha, outcomes: report.outcomes.map(jsonOutcome), closed: report.closed, dashboard: report.dashboard }, null, 2));
    return;
  }
  console.log(decisionsTable(report));
  if (report.dashboard) console.log(`\ndashboard: ${report.dashboard}`);
}

registerForecast(program);
registerBacktest(program);
registerSimulate(program);
// The shipped neural model joins Augur's candidates for every command that forecasts (backtest
// and simulate register it in their worker threads too), so they measure what the agent runs.
program.hook('preAction', async (_root, command) => {
  if (['plan', 'run', 'serve', 'demo', 'forecast', 'backtest', 'simulate'].includes(command.name())) {
    const { registerNeuralCandidate } = await import('../forecast/neural/register.js');
    const log = buildLogger({ level: process.env.AUGUR_LOG_LEVEL ?? (command.name() === 'serve' ? 'info' : 'warn') });
    await registerNeuralCandidate(undefined, { log: (m) => log.info({}, m) });
  }
});
program.parseAsync(process.argv).catch((err: unknown) => {
  console.error(`augur: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
