// Running the simulation over trace files: list, load, replay, summarise. The only I/O of the
// simulation core (reading CSV files); everything it returns is deterministic.

import { readdir, stat } from 'node:fs/promises';
import * as path from 'node:path';
import { registeredExtras } from '../forecast/registry.js';
import { runOnWorkers, startModuleWorker } from '../util/workers.js';
import { defaultPolicies, type Policy } from './policies.js';
import { DEFAULT_SIM_OPTIONS, SimError, simulateTrace, summarise, type PolicySummary, type Scenario, type SimOptions, type TraceResult } from './replay.js';
import { loadTraceSeries } from './trace.js';

export interface SimReport {
  settings: {
    capacity: string;
    proposalHourUtc: number;
    reviewDelayHours: number;
    maxStepPercent: { up: number; down: number };
    quantile: number;
    headroom: number;
    targetUnderProvisioned: number;
    historyDays: number;
    warmup: string;
    maxWindows: number;
    hpa: { targetUtilization: number; stabilizationSeconds: number; scaleUpLagSteps: number };
  };
  traces: TraceResult[];
  skipped: { trace: string; reason: string }[];
  summary: Record<Scenario, PolicySummary[]>;
}

/** The CSV files an --input names: the file itself, or every *.csv directly inside a directory, sorted. */
export async function traceFiles(input: string): Promise<string[]> {
  const s = await stat(input);
  if (!s.isDirectory()) return [input];
  const names = (await readdir(input)).filter((n) => n.toLowerCase().endsWith('.csv')).sort();
  return names.map((n) => path.join(input, n));
}

export type FileOutcome = { seconds: number; name: string } & ({ result: TraceResult } | { skipped: string });

/** Loads and replays one trace file through the default policies. */
export async function replayFile(file: string, o: SimOptions): Promise<FileOutcome> {
  const name = path.basename(file).replace(/\.csv$/i, '');
  const started = performance.now();
  const series = await loadTraceSeries(file);
  const policies = await defaultPolicies(series.stepSeconds);
  const seconds = () => (performance.now() - started) / 1000;
  try {
    const result = simulateTrace(name, series, policies, o);
    return { name, seconds: seconds(), result };
  } catch (err) {
    if (!(err instanceof SimError)) throw err;
    return { name, seconds: seconds(), skipped: err.message };
  }
}

/** Replays the files on `jobs` worker threads; outcomes in file order. */
async function replayParallel(files: readonly string[], o: SimOptions, jobs: number, onTrace?: (name: string, seconds: number) => void): Promise<FileOutcome[]> {
  const worker = new URL(import.meta.url.endsWith('.ts') ? './worker.ts' : './worker.js', import.meta.url).href;
  const outcomes = new Array<FileOutcome | undefined>(files.length);
  await runOnWorkers<{ file: string; options: SimOptions }, FileOutcome>(
    () => startModuleWorker(worker, { extras: [...registeredExtras] }),
    files.map((file) => ({ file, options: o })),
    { jobs },
    (index, outcome) => {
      outcomes[index] = outcome;
      onTrace?.(outcome.name, outcome.seconds);
    },
  );
  return outcomes.map((x) => x as FileOutcome);
}

/**
 * Replays every file through the default policies (or `opts.policies`), sequentially or on
 * `opts.jobs` worker threads (default policies only); the report is the same either way.
 */
export async function simulateFiles(
  files: readonly string[],
  options: Partial<SimOptions> = {},
  opts: { policies?: (stepSeconds: number) => Promise<Policy[]>; onTrace?: (name: string, seconds: number) => void; jobs?: number } = {},
): Promise<SimReport> {
  const o: SimOptions = { ...DEFAULT_SIM_OPTIONS, ...options };
  const traces: TraceResult[] = [];
  const skipped: { trace: string; reason: string }[] = [];
  let outcomes: FileOutcome[];
  if ((opts.jobs ?? 1) > 1 && !opts.policies && files.length > 1) {
    outcomes = await replayParallel(files, o, opts.jobs ?? 1, opts.onTrace);
  } else {
    outcomes = [];
    for (const file of files) {
      let outcome: FileOutcome;
      if (opts.policies) {
        const name = path.basename(file).replace(/\.csv$/i, '');
        const started = performance.now();
        const series = await loadTraceSeries(file);
        const policies = await opts.policies(series.stepSeconds);
        try {
          outcome = { name, seconds: 0, result: simulateTrace(name, series, policies, o) };
        } catch (err) {
          if (!(err instanceof SimError)) throw err;
          outcome = { name, seconds: 0, skipped: err.message };
        }
        outcome.seconds = (performance.now() - started) / 1000;
      } else {
        outcome = await replayFile(file, o);
      }
      opts.onTrace?.(outcome.name, outcome.seconds);
      outcomes.push(outcome);
    }
  }
  for (const x of outcomes) {
    if ('result' in x) traces.push(x.result);
    else skipped.push({ trace: x.name, reason: x.skipped });
  }
  return {
    settings: {
      capacity: o.capacity !== undefined ? String(o.capacity) : `peak / ${o.peakReplicas} per trace`,
      proposalHourUtc: o.proposalHour,
      reviewDelayHours: o.reviewDelaySeconds / 3600,
      maxStepPercent: { ...o.stepLimits },
      quantile: o.quantile,
      headroom: o.headroom,
      targetUnderProvisioned: o.targetUnderProvisioned,
      historyDays: o.historyDays,
      warmup: o.warmupDays !== undefined ? `${o.warmupDays} days` : 'half the trace, at least 3 and at most 14 days',
      maxWindows: o.maxWindows,
      hpa: { targetUtilization: o.hpa.targetUtilization, stabilizationSeconds: o.hpa.stabilizationSeconds, scaleUpLagSteps: 1 },
    },
    traces,
    skipped,
    summary: summarise(traces),
  };
}
