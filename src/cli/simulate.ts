// `augur simulate`: replay traces through every scaling policy under the PR cadence and report
// under-provisioning, replica-hours against the oracles, and PRs. A thin shell over src/sim.

import { availableParallelism } from 'node:os';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { parseDuration } from '../config/duration.js';
import { DEFAULT_SIM_OPTIONS, renderJson, renderMarkdown, simulateFiles, traceFiles, type SimOptions } from '../sim/index.js';

const positive = (what: string) => (v: string): number => {
  const n = Number(v);
  if (!(Number.isFinite(n) && n > 0)) throw new InvalidArgumentError(`${what} must be a positive number, got "${v}"`);
  return n;
};
const nonNegative = (what: string) => (v: string): number => {
  const n = Number(v);
  if (!(Number.isFinite(n) && n >= 0)) throw new InvalidArgumentError(`${what} must be a number ≥ 0, got "${v}"`);
  return n;
};
const duration = (v: string): number => {
  try {
    return parseDuration(v);
  } catch {
    throw new InvalidArgumentError(`"${v}" is not a duration; e.g. 4h, 90m, 1d`);
  }
};
const hour = (v: string): number => {
  const n = Number(v);
  if (!(Number.isInteger(n) && n >= 0 && n <= 23)) throw new InvalidArgumentError(`proposal hour must be 0..23, got "${v}"`);
  return n;
};

interface SimulateFlags {
  input: string;
  format: string;
  capacity?: number;
  reviewDelay: number;
  proposalHour: number;
  maxStepUp: number;
  maxStepDown: number;
  headroom: number;
  targetUnder: number;
  warmupDays?: number;
  maxWindows: number;
  quiet?: boolean;
  jobs: number;
}

export function registerSimulate(program: Command): void {
  program
    .command('simulate')
    .description('replay traces through each scaling policy under the PR cadence (daily counts, HPA floors, KEDA schedules)')
    .requiredOption('--input <path>', 'a trace CSV (timestamp,value) or a directory of them')
    .option('--format <format>', 'json or markdown', 'markdown')
    .option('--capacity <load>', 'load one replica serves (default: each trace\'s peak / 20)', positive('capacity'))
    .addOption(new Option('--review-delay <duration>', 'time from proposal to merge, e.g. 4h').argParser(duration).default(DEFAULT_SIM_OPTIONS.reviewDelaySeconds, `${DEFAULT_SIM_OPTIONS.reviewDelaySeconds / 3600}h`))
    .option('--proposal-hour <hour>', 'UTC hour of the daily proposal', hour, DEFAULT_SIM_OPTIONS.proposalHour)
    .option('--max-step-up <percent>', 'max increase per proposal', nonNegative('max-step-up'), DEFAULT_SIM_OPTIONS.stepLimits.up)
    .option('--max-step-down <percent>', 'max decrease per proposal', nonNegative('max-step-down'), DEFAULT_SIM_OPTIONS.stepLimits.down)
    .option('--headroom <fraction>', 'extra capacity on top of forecasts', nonNegative('headroom'), DEFAULT_SIM_OPTIONS.headroom)
    .option('--target-under <share>', "Augur's sizing.targetUnderProvisioned: the share of intervals it sizes to be short at most", positive('target-under'), DEFAULT_SIM_OPTIONS.targetUnderProvisioned)
    .option('--warmup-days <days>', 'days of history before the first proposal (default: half the trace, 3..14)', positive('warmup-days'))
    .option('--max-windows <n>', 'most schedule windows per day', positive('max-windows'), DEFAULT_SIM_OPTIONS.maxWindows)
    .option('--jobs <n>', 'traces replayed in parallel (worker threads)', positive('jobs'), Math.min(2, availableParallelism()))
    .option('--quiet', 'no progress on stderr')
    .action(async (flags: SimulateFlags) => {
      if (flags.format !== 'json' && flags.format !== 'markdown') throw new InvalidArgumentError(`--format must be json or markdown, got "${flags.format}"`);
      if (flags.maxStepDown > 100) throw new InvalidArgumentError('--max-step-down must be at most 100');
      const files = await traceFiles(flags.input);
      if (files.length === 0) throw new Error(`no .csv files in ${flags.input}`);
      const options: Partial<SimOptions> = {
        reviewDelaySeconds: flags.reviewDelay,
        proposalHour: flags.proposalHour,
        stepLimits: { up: flags.maxStepUp, down: flags.maxStepDown },
        headroom: flags.headroom,
        targetUnderProvisioned: flags.targetUnder,
        maxWindows: Math.floor(flags.maxWindows),
        ...(flags.capacity !== undefined ? { capacity: flags.capacity } : {}),
        ...(flags.warmupDays !== undefined ? { warmupDays: flags.warmupDays } : {}),
      };
      const started = performance.now();
      const report = await simulateFiles(files, options, {
        jobs: Math.floor(flags.jobs),
        onTrace: flags.quiet ? undefined : (name, s) => process.stderr.write(`simulate: ${name} ${s.toFixed(1)} s\n`),
      });
      const seconds = (performance.now() - started) / 1000;
      console.log(flags.format === 'json' ? renderJson(report) : renderMarkdown(report));
      if (!flags.quiet) process.stderr.write(`simulate: ${files.length} trace(s) in ${seconds.toFixed(1)} s\n`);
    });
}
