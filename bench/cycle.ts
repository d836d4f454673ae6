// Section 2: whole cycles on the demo. Runs in its own process (bench/run.ts starts it) so its
// peak RSS is the cycles' own, not the forecast benchmarks'. Prints one line "BENCH_JSON {...}".
//
//   node --expose-gc --import tsx bench/cycle.ts <now unix seconds> <repetitions>
//
// Each repetition prepares a fresh demo (untimed: bare remote, seeded manifests, traces), then
// times:
//   - a first cycle: clone, three forecasts, three branches pushed, three PRs opened, dashboard;
//   - a repeat cycle on the same checkout: fetch, three forecasts, PRs found unchanged, dashboard;
//   - the pieces of a cycle on their own: the forecast part (cleanHistory + selectAndForecast on
//     the very series the cycle read, with the targets' horizon and quantiles), and a cold read of
//     the three traces through FileSource.
// Git and forge calls inside the cycles are timed through thin wrappers of the ports.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCycle } from '../src/agent/cycle.js';
import { type Logger, type Workspace } from '../src/domain/ports.js';
import { buildForge, buildMetrics, buildWorkspace } from '../src/agent/wire.js';
import { prepareDemo } from '../src/cli/demo.js';
import { loadConfig, type LoadedConfig } from '../src/config/load.js';
import { effectiveSettings } from '../src/config/schema.js';
import { cleanHistory, selectAndForecast } from '../src/forecast/index.js';
import type { Forge } from '../src/domain/forge.js';
import type { MetricRef, RangeWindow, Series } from '../src/domain/series.js';
import type { MetricsSource } from '../src/domain/ports.js';
import { fullGc } from './lib.js';

export interface CycleRep {
  firstMs: number;
  repeatMs: number;
  /** Git and forge time inside the first and the repeat cycle. */
  first: { gitSyncMs: number; gitPublishMs: number; forgeMs: number; publishes: number; opened: number };
  repeat: { gitSyncMs: number; gitPublishMs: number; forgeMs: number; publishes: number; unchanged: number };
  forecastMs: number;
  metricsReadMs: number;
  /** Heap used after a full GC before the first cycle, and the highest heap used seen during it. */
  heapBefore: number;
  heapPeak: number;
  models: string[];
}

export interface CycleResult {
  reps: CycleRep[];
  warmup: number;
  targets: number;
  /** process.resourceUsage().maxRSS of this process, bytes: its peak over everything it did. */
  peakRss: number;
  /** RSS once the modules are loaded, before the first demo is prepared. */
  startRss: number;
  /** Highest RSS and heap used sampled during the timed cycles. */
  sampledPeakRss: number;
  sampledPeakHeap: number;
  heapAfterGcStart: number;
  heapAfterGcEnd: number;
}

const silent: Logger = { info() {}, warn() {}, error() {} };

class Meter {
  ms = new Map<string, number>();
  count = new Map<string, number>();
  async time<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const t0 = performance.now();
    try {
      return await fn();
    } finally {
      this.ms.set(key, (this.ms.get(key) ?? 0) + performance.now() - t0);
      this.count.set(key, (this.count.get(key) ?? 0) + 1);
      sample();
    }
  }
  get(key: string): number {
    return this.ms.get(key) ?? 0;
  }
}

/** Highest RSS and heap used seen by sample(): over the timed repetitions, and within the current first cycle. */
const peaks = { rss: 0, heap: 0, cycleHeap: 0 };
function sample(): void {
  const m = process.memoryUsage();
  peaks.rss = Math.max(peaks.rss, m.rss);
  peaks.heap = Math.max(peaks.heap, m.heapUsed);
  peaks.cycleHeap = Math.max(peaks.cycleHeap, m.heapUsed);
}

/** sync and publish timed as git.sync and git.publish; anything else passes through (a Proxy, so it follows changes to the port). */
function timedWorkspace(w: Workspace, meter: Meter): Workspace {
  return new Proxy(w, {
    get(target, prop, receiver) {
      const v = Reflect.get(target, prop, receiver) as unknown;
      if (typeof v !== 'function') return v;
      const fn = v as (...a: unknown[]) => unknown;
      if (prop === 'sync' || prop === 'publish') return (...args: unknown[]) => meter.time(`git.${prop}`, () => fn.apply(target, args) as Promise<unknown>);
      return (...args: unknown[]) => fn.apply(target, args);
    },
  });
}

/** Every method of the forge, timed under "forge" (a Proxy, so it follows changes to the Forge port). */
function timedForge(f: Forge, meter: Meter): Forge {
  return new Proxy(f, {
    get(target, prop, receiver) {
      const v = Reflect.get(target, prop, receiver) as unknown;
      if (typeof v !== 'function') return v;
      return (...args: unknown[]) => meter.time('forge', () => (v as (...a: unknown[]) => Promise<unknown>).apply(target, args));
    },
  });
}

/** Passes reads through and keeps each load series, so the forecast part can be re-run on exactly what the cycle saw. */
function capturingMetrics(source: MetricsSource, seen: Map<string, Series>): MetricsSource {
  return {
    async range(ref: MetricRef, window: RangeWindow, signal?: AbortSignal) {
      const s = await source.range(ref, window, signal);
      seen.set(JSON.stringify(ref), s);
      sample();
      return s;
    },
  };
}

function loadOf(loaded: LoadedConfig) {
  return loaded.config.targets.map((t) => {
    const { sizing } = effectiveSettings(loaded.config, t);
    const ref = t.metrics.load;
    if (!ref || !('file' in ref)) throw new Error(`bench: demo target ${t.name} should read its load from a file`);
    return { target: t, ref: { file: ref.file } as MetricRef, sizing };
  });
}

async function main(): Promise<void> {
  const now = Number(process.argv[2] ?? Math.floor(Date.now() / 1000));
  const reps = Number(process.argv[3] ?? 7);
  const warmup = 2;
  const startRss = process.memoryUsage().rss;
  const root = mkdtempSync(join(tmpdir(), 'augur-bench-'));
  const out: CycleRep[] = [];
  let targets = 0;
  let heapAfterGcStart = 0;
  const timer = setInterval(sample, 5);
  try {
    for (let r = 0; r < warmup + reps; r++) {
      const dir = join(root, `rep-${r}`);
      const { config: configPath } = await prepareDemo(dir);
      const loaded = loadConfig(configPath);
      loaded.config.git.workdir = join(dir, 'checkout');
      targets = loaded.config.targets.length;
      const wanted = loadOf(loaded);

      // First cycle.
      const m1 = new Meter();
      const seen = new Map<string, Series>();
      const ws = buildWorkspace(loaded);
      fullGc();
      const heapBefore = process.memoryUsage().heapUsed;
      if (r === warmup) {
        // The sampled peaks cover the timed repetitions only.
        peaks.rss = 0;
        peaks.heap = 0;
        heapAfterGcStart = heapBefore;
      }
      peaks.cycleHeap = heapBefore;
      let t0 = performance.now();
      const first = await runCycle({
        config: loaded.config,
        metrics: capturingMetrics(buildMetrics(loaded, now), seen),
        workspace: timedWorkspace(ws, m1),
        forge: timedForge(buildForge(loaded, silent), m1),
        now,
        log: silent,
      });
      const firstMs = performance.now() - t0;
      sample();
      const heapPeak = peaks.cycleHeap;

      // Repeat cycle: same checkout, the PRs are open and already propose these values.
      const m2 = new Meter();
      t0 = performance.now();
      const again = await runCycle({
        config: loaded.config,
        metrics: buildMetrics(loaded, now),
        workspace: timedWorkspace(ws, m2),
        forge: timedForge(buildForge(loaded, silent), m2),
        now,
        log: silent,
      });
      const repeatMs = performance.now() - t0;
      sample();

      // The forecast part alone, on the series the first cycle read.
      t0 = performance.now();
      const models: string[] = [];
      for (const w of wanted) {
        const series = seen.get(JSON.stringify(w.ref));
        if (!series) throw new Error(`bench: the cycle did not read ${JSON.stringify(w.ref)}`);
        const cleaned = cleanHistory(series);
        const horizonSteps = Math.round(w.sizing.horizon / cleaned.series.stepSeconds);
        const quantiles = [...new Set([0.5, w.sizing.quantile, w.sizing.maxQuantile])].sort((a, b) => a - b);
        models.push(selectAndForecast(cleaned.series, { horizonSteps, quantiles }).model);
      }
      const forecastMs = performance.now() - t0;

      // A cold read of the same traces (a fresh FileSource: parse + resample).
      const fresh = buildMetrics(loaded, now);
      const step = loaded.config.metrics.file?.step ?? 300;
      const history = loaded.config.metrics.file?.history ?? 14 * 86400;
      const end = Math.floor(now / step) * step;
      t0 = performance.now();
      await Promise.all(wanted.map((w) => fresh.range(w.ref, { start: end - history + step, end, stepSeconds: step })));
      const metricsReadMs = performance.now() - t0;

      const verdicts = first.outcomes.map((o) => o.decision?.verdict ?? o.error ?? '?');
      if (r === 0) process.stderr.write(`  demo verdicts: ${verdicts.join(', ')}; PRs: ${first.proposals.map((p) => p.action).join(', ')}; repeat: ${again.proposals.map((p) => p.action).join(', ')}\n`);
      if (r >= warmup) {
        out.push({
          firstMs,
          repeatMs,
          first: {
            gitSyncMs: m1.get('git.sync'),
            gitPublishMs: m1.get('git.publish'),
            forgeMs: m1.get('forge'),
            publishes: m1.count.get('git.publish') ?? 0,
            opened: first.proposals.filter((p) => p.action === 'opened').length,
          },
          repeat: {
            gitSyncMs: m2.get('git.sync'),
            gitPublishMs: m2.get('git.publish'),
            forgeMs: m2.get('forge'),
            publishes: m2.count.get('git.publish') ?? 0,
            unchanged: again.proposals.filter((p) => p.action === 'unchanged').length,
          },
          forecastMs,
          metricsReadMs,
          heapBefore,
          heapPeak,
          models,
        });
      }
      process.stderr.write(`  cycle repetition ${r + 1}/${warmup + reps}${r < warmup ? ' (warm-up)' : ''}: first ${firstMs.toFixed(0)} ms, repeat ${repeatMs.toFixed(0)} ms, forecast part ${forecastMs.toFixed(0)} ms\n`);
      rmSync(dir, { recursive: true, force: true });
    }
  } finally {
    clearInterval(timer);
    rmSync(root, { recursive: true, force: true });
  }
  fullGc();
  const result: CycleResult = {
    reps: out,
    warmup,
    targets,
    peakRss: process.resourceUsage().maxRSS * 1024,
    startRss,
    sampledPeakRss: peaks.rss,
    sampledPeakHeap: peaks.heap,
    heapAfterGcStart,
    heapAfterGcEnd: process.memoryUsage().heapUsed,
  };
  process.stdout.write(`BENCH_JSON ${JSON.stringify(result)}\n`);
}

await main();
