#!/usr/bin/env node
// The `augur` command. Each subcommand is a thin shell over the agent: parse flags, load the
// guardrails file, wire the adapters, run, print.
import { Command, InvalidArgumentError } from 'commander';
import { buildLogger } from '../agent/wire.js';
import { exitCodeOf, load, once, print } from './cycle.js';
import { redactText } from '../config/redact.js';
import { runDemo } from './demo.js';
import { registerForecast } from './forecast.js';
import { registerBacktest } from './backtest.js';
import { registerServe } from './serve.js';
import { registerSimulate } from './simulate.js';
import { loadConfig, type LoadedConfig } from '../config/load.js';
import { effectiveSettings } from '../config/schema.js';
import { VERSION } from '../util/version.js';
import { closePrometheusConnections } from '../metrics/prometheus.js';

const DEFAULT_CONFIG = process.env.AUGUR_CONFIG ?? 'augur.yaml';

const parseTime = (v: string): number => {
  const t = Date.parse(v);
  if (Number.isNaN(t)) throw new InvalidArgumentError(`"${v}" is not an ISO time; e.g. 2026-11-22T06:00:00Z`);
  return Math.floor(t / 1000);
};

const program = new Command()
  .name('augur')
  .description('Predictive scaling for GitOps: forecast load, propose replica and resource changes as pull requests.')
  .version(VERSION, '-V, --version', 'print the version and exit')
  .showHelpAfterError();

program
  .command('validate')
  .description('check a guardrails file and list every problem at once')
  .argument('[file]', 'guardrails YAML file (or -c, as the other commands take it)')
  .option('-c, --config <file>', 'guardrails YAML file', DEFAULT_CONFIG)
  .action((positional: string | undefined, opts: { config: string }) => {
    const file = positional ?? opts.config;
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
    const report = await cycleOrExit(() => once(load(opts.config, parsedFor(opts.config)), opts.now, true));
    await print(report, opts.json);
    process.exitCode = exitCodeOf(report);
  });

program
  .command('run')
  .description('run one cycle: open, update or close PRs and rewrite the dashboard')
  .option('-c, --config <file>', 'guardrails YAML file', DEFAULT_CONFIG)
  .option('--once', 'run one cycle and exit (the only mode of run; serve runs on a schedule)')
  .option('--now <iso>', 'evaluate as of this time (default: now)', parseTime)
  .option('--json', 'print the report as JSON')
  .action(async (opts: { config: string; now?: number; json?: boolean }) => {
    const report = await cycleOrExit(() => once(load(opts.config, parsedFor(opts.config)), opts.now, false));
    await print(report, opts.json);
    process.exitCode = exitCodeOf(report);
  });

registerServe(program, DEFAULT_CONFIG);

program
  .command('demo')
  .description('one real cycle on a bundled trace and a generated local manifest repo: no cluster, no token')
  .option('--dir <dir>', 'where to build the demo repository and forge', '.augur-demo')
  .action(async (opts: { dir: string }) => {
    await runDemo(opts.dir);
  });

registerForecast(program);
registerBacktest(program);
registerSimulate(program);
// The shipped neural model joins the candidates only where it is used: `backtest` scores it, and
// the agent selects it for targets with sizing.neural. Elsewhere TensorFlow.js is never loaded
// (importing and starting it costs about 0.5-0.9 s and 70 MB of RSS).
program.hook('preAction', async (_root, command) => {
  if (usesNeural(command.name(), (command.opts() as { config?: string }).config)) {
    const { registerNeuralCandidate } = await import('../models/neural.js');
    const log = buildLogger({ level: process.env.AUGUR_LOG_LEVEL ?? (command.name() === 'serve' ? 'info' : 'warn') });
    await registerNeuralCandidate(undefined, { log: (m) => log.info({}, m) });
  }
});
/** Configs usesNeural read, so plan and run do not parse the file a second time (about 1 ms per target). */
const parsed = new Map<string, LoadedConfig>();
const parsedFor = (file: string) => parsed.get(file);

/** Whether a command runs the neural model: backtest always; plan, run and serve when a target opts in (sizing.neural). */
function usesNeural(name: string, configFile: string | undefined): boolean {
  if (name === 'backtest') return true;
  if (!['plan', 'run', 'serve'].includes(name) || !configFile) return false;
  try {
    const loaded = loadConfig(configFile);
    parsed.set(configFile, loaded);
    const { config } = loaded;
    return config.targets.some((t) => effectiveSettings(config, t).sizing.neural);
  } catch {
    return false; // the command reports the bad file itself
  }
}

program
  .parseAsync(process.argv)
  // Once a command is done, nothing of the reads may keep the process alive (a proxy's stalled CONNECT).
  .then(() => closePrometheusConnections())
  .catch((err: unknown) => {
    console.error(`augur: ${redactText(err instanceof Error ? err.message : String(err))}`);
    process.exit(1);
  });

/**
 * A cycle that fails as a whole (the forge's list is incomplete, the checkout cannot sync, the
 * deadline passed) wrote nothing after the failure: exit 2, as for a target that failed.
 */
async function cycleOrExit<T>(cycle: () => Promise<T>): Promise<T> {
  try {
    return await cycle();
  } catch (err) {
    console.error(`augur: cycle failed: ${redactText(err instanceof Error ? err.message : String(err))}`);
    process.exit(2);
  }
}
