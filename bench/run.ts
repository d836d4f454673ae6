// `npm run bench`: the benchmarks, reported as ratios against baselines measured in the same run.
// Rewrites BENCHMARKS.md from its own measurements and prints the same tables.
//
//   node --expose-gc --import tsx bench/run.ts            full run, writes BENCHMARKS.md
//   node --expose-gc --import tsx bench/run.ts --quick    fewer repetitions, no section 5
//                                                          (the backtest and simulate runs), prints only
//   npm run bench -- --scale                               only the scale scenario (bench/scale.ts: a real
//                                                          Prometheus, 100 to 5,000 workloads; BENCH_SCALE=100,1000
//                                                          picks sizes); replaces only the "Scale" section
//   node --import tsx bench/reselect.ts                    only the reselection replay (bench/reselect.ts); replaces
//                                                          only the "Reselection among the best" section
//   npm run bench -- --peers                               only the peer benchmark (bench/peers/: R's forecast
//                                                          package and Prophet through Rscript against Augur on
//                                                          ../shared/traces; installs R when missing); replaces
//                                                          only the "Peers" section
//
// Sections: 1. forecast throughput (bench/forecast.ts), 2. whole cycles on the demo
// (bench/cycle.ts, in a child process so its peak RSS is its own), 3. memory per
// selectAndForecast call (bench/forecast.ts), 4. the neural model on the wasm and cpu backends
// (bench/neural.ts, one child process per backend), 5. the targets of the forecasting issue
// (bench/targets.ts: `augur backtest` and `augur simulate` as child processes, and
// bench/neural-backtest.ts). Progress goes to stderr, the report to stdout.
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import * as os from 'node:os';
import { join } from 'node:path';
import type { CycleRep, CycleResult } from './cycle.js';
import { BASELINE, CACHED, fitThroughput, memory, SELECT, throughput, unrolledFit, UNROLLED_COMMIT, WARMUP_PASSES, type FitImpl, type FitRow, type MemoryResult, type ThroughputResult } from './forecast.js';
import { fitExponentialSmoothing } from '../src/forecast/holtWinters.js';
import { renderNeural, runNeural, type NeuralRuns } from './neural-report.js';
import { renderTargets, runTargets, TARGETS, type TargetRuns } from './targets.js';
import { runScale, scaleSizes } from './scale.js';
import { currentScaleSection, renderScale, writeScaleSection } from './scale-report.js';
import { currentSizingSection } from './sizing.js';
import { currentPeersSection } from './peers/report.js';
import { currentReselectSection } from './reselect.js';
import { BENCHMARKS_FILE, bytes, hasGc, HISTORY_STEPS, HORIZON_STEPS, loadPool, num, QUANTILES, ROOT, spread, summarize, table, TRACE_DIRS, type Pool, type Summary } from './lib.js';

const COMMAND = 'npm run bench   # = node --expose-gc --import tsx bench/run.ts';
/** The inference target of a later issue. */
const TARGET_SERIES_PER_SECOND = TARGETS.seriesPerSecond;

const quick = process.argv.includes('--quick');
const REPS = quick ? 3 : 11;
const CYCLE_REPS = quick ? 2 : 9;
const NEURAL_REPS = quick ? 3 : 11;

const log = (msg: string) => process.stderr.write(`${msg}\n`);

async function runCycles(now: number): Promise<CycleResult> {
  const child = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', join('bench', 'cycle.ts'), String(now), String(CYCLE_REPS)], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let stdout = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (d: string) => (stdout += d));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', resolve);
  });
  const line = stdout.split('\n').find((l) => l.startsWith('BENCH_JSON '));
  if (code !== 0 || !line) throw new Error(`bench/cycle.ts failed (exit ${code}); output:\n${stdout}`);
  return JSON.parse(line.slice('BENCH_JSON '.length)) as CycleResult;
}

async function scaleOnly(): Promise<void> {
  const started = performance.now();
  const loadStart = os.loadavg();
  log(`augur bench --scale: sizes ${scaleSizes().join(', ')}`);
  const res = await runScale();
  const section = renderScale(res, {
    date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    command: `${Object.entries(process.env).filter(([k]) => k.startsWith('BENCH_SCALE')).map(([k, v]) => `${k}=${v} `).join('')}npm run bench -- --scale`,
    seconds: (performance.now() - started) / 1000,
    loadStart,
    loadEnd: os.loadavg(),
  });
  process.stdout.write(`${section}\n`);
  writeScaleSection(section);
  log(`wrote the Scale section of ${BENCHMARKS_FILE}`);
}

async function main(): Promise<void> {
  if (process.argv.includes('--scale')) return scaleOnly();
  if (process.argv.includes('--peers')) return (await import('./peers/run.js')).runPeers(process.argv);
  const started = performance.now();
  const loadStart = os.loadavg();
  log(`augur bench${quick ? ' (quick: fewer repetitions, BENCHMARKS.md not written)' : ''}`);
  if (!hasGc) log('  note: global.gc is not available (run node with --expose-gc); the memory section is skipped');

  const pool = loadPool();
  log(`series pool: ${pool.series.length} windows of ${HISTORY_STEPS} points from ${TRACE_DIRS.join(', ')}`);

  log('1. forecast throughput');
  const tp = throughput(pool.series, log, REPS);

  log('1b. Holt-Winters fits: the generated run loop against the unrolled one it replaced');
  const unrolled = await unrolledFit(log);
  const impls: FitImpl[] = [{ name: 'src', fit: fitExponentialSmoothing }, ...(unrolled ? [unrolled] : [])];
  const fits = fitThroughput(pool.series, log, REPS, impls);

  log('2. whole cycles on the demo (child process)');
  const now = Math.floor(Date.now() / 1000);
  const cycles = await runCycles(now);

  log('3. memory per call');
  const mem = memory(pool.series);

  const neural = await runNeural(NEURAL_REPS);

  let targets: TargetRuns | undefined;
  if (quick) log('5. targets: skipped (--quick)');
  else targets = await runTargets(true);

  const loadEnd = os.loadavg();
  const seconds = (performance.now() - started) / 1000;
  const md = render({ pool, tp, fits, cycles, mem, neural, targets, loadStart, loadEnd, seconds });
  process.stdout.write(`${md}\n`);
  if (!quick) {
    // The Scale section takes its own run (--scale); a full run carries the last one over.
    const scale = currentScaleSection();
    // So does the sizing section (bench/sizing.ts: two simulate runs of its own).
    const sizing = currentSizingSection();
    // And the peers section (bench/peers/: R and Prophet fits, a run of their own).
    const peers = currentPeersSection();
    // And the reselection section (bench/reselect.ts: daily reselections replayed on the traces).
    const reselect = currentReselectSection();
    const kept = [sizing, peers, reselect, scale].filter((s): s is string => s !== undefined);
    writeFileSync(BENCHMARKS_FILE, `${md}\n${kept.map((s) => `\n${s.trimEnd()}\n`).join('')}`);
    log(`wrote ${BENCHMARKS_FILE} (${seconds.toFixed(0)} s)`);
  }
}

// ---------------------------------------------------------------------------------------------
// The report

interface Inputs {
  pool: Pool;
  tp: ThroughputResult;
  fits: FitRow[];
  cycles: CycleResult;
  mem: MemoryResult;
  neural: NeuralRuns;
  targets: TargetRuns | undefined;
  loadStart: number[];
  loadEnd: number[];
  seconds: number;
}

const ms = (x: number) => num(x, 3);
const x = (r: Summary) => `${num(r.median)}×`;
const xs = (r: Summary) => `${num(r.p10)}–${num(r.p90)}×`;

function render({ pool, tp, fits, cycles, mem, neural, targets, loadStart, loadEnd, seconds }: Inputs): string {
  const cpus = os.cpus();
  const model = cpus[0]?.model ?? 'unknown';
  const out: string[] = [];
  const base = tp.rows.find((r) => r.name === BASELINE)!;
  const sel = tp.rows.find((r) => r.name === SELECT)!;
  const hit = tp.rows.find((r) => r.name === CACHED)!;
  const selPerMin = sel.seriesPerSecond.median * 60;

  out.push('# Benchmarks');
  out.push('');
  out.push(
    'Written by `npm run bench` (`bench/run.ts`) from the measurements of one run: do not edit by hand, rerun it. ' +
      'Speed and memory are reported as **ratios against a baseline measured in the same run**, with the absolute figures beside them; ' +
      'absolute figures move with the machine and its load, the ratios much less.',
  );
  out.push('');
  out.push(`- **Date:** ${new Date().toISOString().replace(/\.\d+Z$/, 'Z')}`);
  out.push(`- **Machine:** ${model} × ${cpus.length} logical CPUs, ${bytes(os.totalmem())} RAM, ${os.type()} ${os.release()} ${os.arch()}`);
  out.push(`- **Node:** ${process.version} (V8 ${process.versions.v8})`);
  out.push(`- **Load average (1 min) at start / end:** ${loadStart[0]?.toFixed(2)} / ${loadEnd[0]?.toFixed(2)} (the machine runs other work; the spreads below include it)`);
  out.push(`- **Command:** \`${COMMAND}\``);
  out.push(`- **Run time:** ${seconds.toFixed(0)} s`);
  out.push('');
  out.push('Every timed figure is the median over repetitions, with the 10th–90th percentile spread. A ratio is taken within each repetition (method ÷ baseline in the same repetition) and then summarised, so load that hits a whole repetition cancels out.');
  out.push('');

  // --- data
  out.push('## Data');
  out.push('');
  out.push(
    `${pool.series.length} real traces from \`${TRACE_DIRS.join('`, `')}\`, read with \`parseTraceCsv\` and resampled onto a 5-minute grid as \`FileSource\` does ` +
      `(last sample in (t − lookback, t]; lookback = the trace's own sampling interval when longer than 5 minutes, so the 30-minute NYC taxi trace is held like a gauge scraped every 30 minutes). ` +
      `Each is 14 days × 5 minutes = ${HISTORY_STEPS} points, cleaned with \`cleanHistory\` as the cycle does; up to two 14-day windows per file (the last 14 days, the 14 before). ` +
      `Forecast: horizon ${HORIZON_STEPS} steps (24 h), quantiles ${QUANTILES.join(' / ')}.`,
  );
  out.push('');
  out.push(table(['series (file, window)', 'missing points filled', 'selectAndForecast chose', 'its backtest WAPE'], pool.series.map((p, i) => {
    const c = tp.chosen[i];
    return [p.label, String(p.missing), `\`${c?.model ?? '?'}\``, c?.wape !== undefined ? `${(c.wape * 100).toFixed(1)}%` : '–'];
  }), ['l', 'r', 'l', 'r']));
  out.push('');
  if (pool.duplicates.length) out.push(`Not counted twice (identical to a window above: the demo traces are the tails of the fixture traces): ${pool.duplicates.map((d) => `\`${d}\``).join(', ')}.`);
  if (pool.skipped.length) out.push(`Skipped (the window does not start with a sample): ${pool.skipped.map((d) => `\`${d}\``).join(', ')}.`);
  out.push('');

  // --- 1. throughput
  out.push('## 1. Forecast throughput');
  out.push('');
  out.push(
    `One series = one workload's load history. **Baseline: \`${BASELINE}\`'s \`forecast()\`.** Each repetition runs every method over the whole pool ` +
      `(repeated until a sample lasts ≥ 250 ms), in an order rotated every repetition, after ${WARMUP_PASSES} untimed passes per method (JIT warm-up). ${base.seriesPerSecond.n} repetitions. ` +
      `Single models are \`defaultForecasters(300)\`, each \`forecast()\` once (fit on all history, extrapolate, quantiles from its own in-sample errors). ` +
      `\`selectAndForecast\` is what a cycle runs per workload when it selects: it backtests every applicable candidate from 3 origins and refits the winner (or the top-3 ensemble). ` +
      `Between selections (the agent keeps a workload's choice for \`sizing.reselectEvery\`, a day by default) a cycle only refits the chosen model or ensemble: the \`SelectionCache\` row.`,
  );
  out.push('');
  const order = [base, ...tp.rows.filter((r) => r !== base && r !== sel && r !== hit), sel, hit];
  out.push(
    table(
      ['method', 'series/s (median)', 'series/s p10–p90', 'ms per series (median)', `× ${BASELINE} (time, median)`, '× p10–p90'],
      order.map((r) => [
        r.baseline ? `**\`${r.name}\`** (baseline)` : r === sel || r === hit ? `**${r.name}**` : `\`${r.name}\``,
        num(r.seriesPerSecond.median),
        spread(r.seriesPerSecond),
        ms(r.msPerSeries.median),
        r.baseline ? '1×' : x(r.ratio),
        r.baseline ? '–' : xs(r.ratio),
      ]),
    ),
  );
  out.push('');
  const meets = sel.seriesPerSecond.median >= TARGET_SERIES_PER_SECOND;
  const fastModels = order.filter((r) => r !== sel && r !== hit && r.seriesPerSecond.median >= TARGET_SERIES_PER_SECOND).map((r) => `\`${r.name}\``);
  out.push(
    `- **\`selectAndForecast\` costs ${num(sel.ratio.median)}× \`${BASELINE}\`** (p10–p90 ${xs(sel.ratio)}): ` +
      `${num(sel.seriesPerSecond.median)} series/s against ${num(base.seriesPerSecond.median)} series/s, on one core.`,
  );
  out.push(
    `- **Target of a later issue: ≥ ${TARGET_SERIES_PER_SECOND} series/s inference.** Full selection ${meets ? 'meets' : `does **not** meet`} it ` +
      `(${num(sel.seriesPerSecond.median)} series/s = ${num((sel.seriesPerSecond.median / TARGET_SERIES_PER_SECOND) * 100)}% of the target). ` +
      `Single models at or above it: ${fastModels.length ? fastModels.join(', ') : 'none'}. ` +
      `A cycle between selections (a \`SelectionCache\` hit) runs at ${num(hit.seriesPerSecond.median)} series/s (${num(hit.ratio.median)}× the baseline's time), ${hit.seriesPerSecond.median >= TARGET_SERIES_PER_SECOND ? 'meeting' : 'missing'} it.`,
  );
  out.push('');

  // --- 2. cycles
  const reps = cycles.reps;
  out.push(...renderFits(fits));
  const first = cycleParts(reps, 'first');
  const again = cycleParts(reps, 'repeat');
  const r0 = reps[0];
  out.push('## 2. A whole cycle on the demo');
  out.push('');
  out.push(
    `\`prepareDemo\` into a fresh temp dir (untimed), then \`runCycle\` with the local forge, a file metrics source, no cluster (Git alone, as the demo runs) and a silent logger, ` +
      `${cycles.targets} workloads (the demo's real traces, 14 days at 5 minutes, horizon 24 h, quantiles 0.5 / 0.9 / 0.99). ` +
      `${reps.length} repetitions after ${cycles.warmup} untimed warm-up ones, each on a fresh demo, in a child process (\`bench/cycle.ts\`). ` +
      `The **first cycle** clones the manifest repository, forecasts, pushes ${r0?.first.publishes ?? '?'} branches and opens ${r0?.first.opened ?? '?'} PRs, and writes the dashboard; ` +
      `the **repeat cycle** runs again on the same checkout: it fetches, forecasts, finds ${r0?.repeat.unchanged ?? '?'} PRs already proposing these values, and rewrites the dashboard. ` +
      `**Baseline: the same cycle's forecast part alone** (\`cleanHistory\` + \`selectAndForecast\` on the very series the cycle read, same horizon and quantiles; it chose ${r0 ? r0.models.map((m) => `\`${m}\``).join(', ') : '?'}), timed right after it. ` +
      `Git and forge time are measured by wrapping the \`Workspace\` and \`Forge\` ports; the metrics read is a cold read of the three CSVs through a fresh \`FileSource\`; ` +
      `"the rest" is the cycle minus all of these (manifests, recommend, guardrails, PR and dashboard rendering, event-loop scheduling).`,
  );
  out.push('');
  for (const [title, parts] of [['First cycle (clone, push, open PRs)', first], ['Repeat cycle (fetch, PRs unchanged)', again]] as const) {
    out.push(`**${title}**`);
    out.push('');
    out.push(
      table(
        ['part', 'ms (median)', 'ms p10–p90', 'share of the cycle (median)', '× forecast part (median)', '× p10–p90'],
        parts.map((p) => [p.name, ms(p.ms.median), spread(p.ms, ms), `${num(p.share.median * 100)}%`, p.name.startsWith('forecast') ? '1× (baseline)' : x(p.ratio), p.name.startsWith('forecast') ? '–' : xs(p.ratio)]),
      ),
    );
    out.push('');
  }
  const heapBefore = summarize(reps.map((r) => r.heapBefore));
  const heapPeak = summarize(reps.map((r) => r.heapPeak - r.heapBefore));
  const heapSeries = reps.map((r) => r.heapBefore);
  const slope = leastSquaresSlope(heapSeries);
  const half = Math.ceil(heapSeries.length / 2);
  const slopeEarly = leastSquaresSlope(heapSeries.slice(0, half));
  const slopeLate = leastSquaresSlope(heapSeries.slice(heapSeries.length - half));
  const signed = (b: number) => `${b >= 0 ? '+' : ''}${bytes(b)}`;
  out.push('**Memory during the cycles** (the child process: its own RSS, not the git subprocesses\')');
  out.push('');
  out.push(
    table(
      ['figure', 'value'],
      [
        ['peak RSS of the process (`resourceUsage().maxRSS`, over preparation and all cycles)', bytes(cycles.peakRss)],
        ['RSS after loading the modules, before the first cycle', bytes(cycles.startRss)],
        ['highest RSS sampled during the timed repetitions', bytes(cycles.sampledPeakRss)],
        ['highest heap used sampled during the timed repetitions', bytes(cycles.sampledPeakHeap)],
        ['heap used before a first cycle, after full GC (median)', `${bytes(heapBefore.median)} (p10–p90 ${bytes(heapBefore.p10)}–${bytes(heapBefore.p90)})`],
        ['heap growth to its sampled peak within a first cycle (median)', `${bytes(heapPeak.median)} (p10–p90 ${bytes(heapPeak.p10)}–${bytes(heapPeak.p90)})`],
        [`heap after full GC: before the first timed cycle → after all ${reps.length * 2} timed cycles`, `${bytes(cycles.heapAfterGcStart)} → ${bytes(cycles.heapAfterGcEnd)}`],
        [
          'trend of the heap after full GC across repetitions (least-squares slope; one repetition = a fresh demo + 2 cycles): all / first half / second half',
          `${signed(slope)} / ${signed(slopeEarly)} / ${signed(slopeLate)} per repetition`,
        ],
      ],
    ),
  );
  out.push('');
  out.push('Heap and RSS are sampled at every port call and every 5 ms the event loop is free; a forecast runs synchronously, so a peak inside one `selectAndForecast` call can be missed (section 3 measures those calls directly).');
  out.push('');

  // --- 3. memory
  out.push('## 3. Memory per `selectAndForecast` call');
  out.push('');
  if (!mem.gc) {
    out.push(`Not measured: ${mem.note}.`);
  } else {
    const mb = mem.rows.find((r) => r.name === BASELINE);
    const ms3 = mem.rows.find((r) => r.name === SELECT);
    out.push(
      `Each method on each pool series, ${ms3?.calls ?? '?'} calls per method after a warm-up pass. ` +
        '**Allocated** = growth of the used V8 heap plus what every GC during the call freed (`v8.GCProfiler`); typed-array backing stores, which live outside the V8 heap, are counted the same way from V8\'s external memory, with concurrent sweeping turned off for this section so every GC reports final figures. ' +
        '**Retained** = heap + array buffers held by the results: after a full GC (`global.gc`, `--expose-gc`) with every result kept, minus after one with them dropped, ÷ calls. ' +
        '**Left after GC** = after the results are dropped minus before the first call, ÷ calls: what accumulates (≈ 0 when nothing leaks). ' +
        'Bytecode flushing is off for this section, so recompiled functions are not counted as allocation. The ratio uses means: allocation adds up over calls, and it depends on the series (not on noise), so a median would jump between series. ' +
        `**Baseline: \`${BASELINE}\`'s \`forecast()\`.**`,
    );
    out.push('');
    out.push(
      table(
        ['call', 'V8 heap allocated (median)', 'p10–p90', 'array buffers allocated (median)', 'p10–p90', 'total allocated (mean)', '× baseline (mean total)', 'retained per result', 'left after GC per call'],
        mem.rows.map((r) => [
          r.name === BASELINE ? `**\`${r.name}\`** (baseline)` : `**${r.name}**`,
          bytes(r.heapAllocated.median),
          `${bytes(r.heapAllocated.p10)}–${bytes(r.heapAllocated.p90)}`,
          bytes(r.bufferAllocated.median),
          `${bytes(r.bufferAllocated.p10)}–${bytes(r.bufferAllocated.p90)}`,
          bytes(r.heapAllocated.mean + r.bufferAllocated.mean),
          r.name === BASELINE ? '1×' : `${num(r.ratio)}×`,
          bytes(r.retained),
          r.leftover < 1024 ? `≈ 0 (${bytes(r.leftover)})` : bytes(r.leftover),
        ]),
      ),
    );
    out.push('');
    if (mb && ms3) {
      const total = ms3.heapAllocated.mean + ms3.bufferAllocated.mean;
      out.push(
        `One \`selectAndForecast\` call allocates about ${bytes(total)} in all (${num(ms3.ratio)}× the baseline), almost all of it garbage by the end of the call: ` +
          `a result keeps ${bytes(ms3.retained)}, and ${ms3.leftover < 1024 ? 'nothing measurable' : bytes(ms3.leftover)} per call remains after GC.`,
      );
      out.push('');
    }
  }

  // --- what this means
  const cycleFc = summarize(reps.map((r) => r.forecastMs / cycles.targets));
  const share = first.find((p) => p.name.startsWith('forecast'))!.share.median;
  const shareAgain = again.find((p) => p.name.startsWith('forecast'))!.share.median;
  // --- 4. neural, 5. targets
  out.push(...renderNeural(neural, { seriesPerSecond: TARGETS.seriesPerSecond, fineTuneSeconds: TARGETS.fineTuneSeconds }));
  if (targets) {
    out.push(...renderTargets(targets, tp, neural, { name: 'selectAndForecast', seriesPerSecond: sel.seriesPerSecond.median }, { name: 'SelectionCache hit', seriesPerSecond: hit.seriesPerSecond.median }));
  } else {
    out.push('## 5. Targets of the forecasting issue');
    out.push('');
    out.push('Not measured in this run (`--quick` skips the `augur backtest` and `augur simulate` runs).');
    out.push('');
  }

  out.push('## What this means');
  out.push('');
  out.push(
    `- **Workloads per cycle minute:** selecting (once a day per workload) at ${num(sel.seriesPerSecond.median)} series/s, one core fits about **${num(selPerMin)} workloads per minute of forecasting** ` +
      `(${num(sel.msPerSeries.median)} ms each); between selections (\`serve\` keeps the choice for \`sizing.reselectEvery\`) a cycle refits at ${num(hit.seriesPerSecond.median)} series/s, about **${num(hit.seriesPerSecond.median * 60)} per minute**. ` +
      `Inside the demo cycle (one \`run\`, which selects every time) a workload's forecast took ${num(cycleFc.median)} ms (p10–p90 ${num(cycleFc.p10)}–${num(cycleFc.p90)}). ` +
      `Forecasting runs on the event loop one target after the other, so a second core does not help until it moves to worker threads.`,
  );
  const perPublish = summarize(reps.filter((r) => r.first.publishes > 0).map((r) => r.first.gitPublishMs / r.first.publishes));
  const perWorkloadWithPr = sel.msPerSeries.median + perPublish.median;
  out.push(
    `- **With git:** pushing one proposal branch took ${num(perPublish.median)} ms (p10–p90 ${num(perPublish.p10)}–${num(perPublish.p90)}) in the first cycles, ` +
      `so a cycle in which every workload gets a new or changed PR handles about ${num(60000 / perWorkloadWithPr)} workloads per minute (forecast + push, on the local bare remote; a push to GitHub takes longer); ` +
      `a cycle that changes nothing pays the forecasts plus one fetch (${num(again.find((p) => p.name.startsWith('git sync'))!.ms.median)} ms here).`,
  );
  out.push(
    `- **Against the ≥ ${TARGET_SERIES_PER_SECOND} series/s target:** a selection cache hit runs at ${num(hit.seriesPerSecond.median)} series/s (${hit.seriesPerSecond.median >= TARGET_SERIES_PER_SECOND ? 'meeting it' : `${num(TARGET_SERIES_PER_SECOND / hit.seriesPerSecond.median)}× short`}), full selection at ${num(sel.seriesPerSecond.median)} series/s. ` +
      `Each model's refit alone: ${order.filter((r) => r !== sel && r !== hit).map((r) => `\`${r.name}\` ${num(r.seriesPerSecond.median)}/s`).join(', ')}; ` +
      'these are full refits (a Holt-Winters fit searches its smoothing parameters: grid + pattern search, about two thirds of its time); a hit reuses the parameters found earlier (`Forecast.warmStart`) and only runs the recursion, which is why it is faster than one Holt-Winters refit even when it refits an ensemble\'s three members.',
  );

  out.push(
    `- **Where a cycle's time goes:** forecasting is ${num(share * 100)}% of a first cycle and ${num(shareAgain * 100)}% of a repeat cycle on the demo's ${cycles.targets} workloads; ` +
      `git (clone or fetch, and one push per PR) is most of the rest. Git cost grows with PRs, forecasting with workloads, so forecasting dominates once a repository holds more than a handful of targets.`,
  );
  const growth = cycles.heapAfterGcEnd - cycles.heapAfterGcStart;
  const selMem = mem.rows.find((r) => r.name === SELECT);
  out.push(
    `- **Memory:** the cycle process peaks at ${bytes(cycles.peakRss)} RSS, of which ${bytes(cycles.startRss)} is there before the first cycle (Node, tsx and the modules); ` +
      `a cycle's heap rises by about ${bytes(heapPeak.median)} and falls back. After full GC the heap went from ${bytes(cycles.heapAfterGcStart)} to ${bytes(cycles.heapAfterGcEnd)} ` +
      `over ${reps.length * 2} cycles (${signed(growth)}); per repetition of 2 cycles it grew ${signed(slopeEarly)} in the first half and ${signed(slopeLate)} in the second` +
      (Math.abs(slopeLate) < 16 * 1024
        ? ', so it has levelled off. '
        : slopeLate < slopeEarly / 2
          ? ': slowing, so mostly warm-up (JIT code, caches); a longer run is needed to rule out a small leak. '
          : ': not slowing, so watch this for a leak. ') +
      (selMem ? `One \`selectAndForecast\` call allocates ${bytes(selMem.heapAllocated.mean + selMem.bufferAllocated.mean)} of short-lived objects and keeps ${bytes(selMem.retained)}, so with more workloads the allocation rate grows, not the live heap.` : ''),
  );
  out.push('');

  if (targets) {
    out.push(
      `- **The forecasting issue's targets** (section 5, on \`${targets.traces.shown}\`): \`augur backtest\` took ${num(targets.backtest.ms / 1000)} s and \`augur simulate\` ${num(targets.simulate.ms / 1000)} s with ${targets.jobs} worker threads each; the verdicts, with by how much and why, are in the table there.`,
    );
    out.push('');
  }
  out.push('## What is not measured yet');
  out.push('');
  out.push(
    '- the `tensorflow` backend (tfjs-node): not installed here and not installable in this environment; an image built with `TFJS_NODE=true` adds it, so a run inside that image would show it;',
  );
  out.push('- the neural model inside `augur backtest` and `augur simulate` themselves (the commands score the statistical selection; section 5 backtests the neural model separately under the same protocol, but does not replay it through `simulate`);');
  out.push('- the full 30-epoch training in this run (section 4 times a 1-epoch run on a subset and projects; the full figure quoted is the MODEL_CARD\'s);');
  out.push('- the child processes\' own peak memory for `augur backtest` and `augur simulate`, and Prometheus range queries (network, the 11,000-point split), the GitHub forge\'s API latency and rate limits, the git subprocesses\' own CPU and memory, and cycles over many workloads (the demo has three).');
  return out.join('\n');
}

/** Least-squares slope of ys against their index. */
/** Section 1b: the Holt-Winters fit of src/ against the hand-unrolled one it replaced, in the same run. */
function renderFits(fits: FitRow[]): string[] {
  const old = fits.filter((r) => r.impl !== 'src');
  const out = ['### 1b. Holt-Winters fits: one generated run loop against the hand-unrolled copies it replaced', ''];
  out.push(
    `\`fitExponentialSmoothing\` alone (the grid and pattern search of the smoothing parameters, and the states of the winner; no quantiles) on every pool series, with the leads of a ${HORIZON_STEPS}-step forecast. ` +
      (old.length > 0
        ? `**Baseline: today's fit (\`src\`)**; beside it the fit of commit \`${UNROLLED_COMMIT}\`, whose three run loops were hand-unrolled (456 near-identical lines), read from git history and timed in the same repetitions, back to back, in rotating order. The two give bit-identical results (431 fits of real traces compared when the kernel was replaced).`
        : `The unrolled fit of \`${UNROLLED_COMMIT}\` was not in this clone's history, so only today's is shown.`),
    '',
    '| fit | model | fits/s (median) | fits/s p10–p90 | time × `src` (median) | × p10–p90 |',
    '| --- | --- | ---: | ---: | ---: | ---: |',
    ...fits.map((r) => `| ${r.impl === 'src' ? '**`src`** (baseline)' : `\`${r.impl}\``} | \`${r.model}\` | ${num(r.fitsPerSecond.median)} | ${spread(r.fitsPerSecond)} | ${r.impl === 'src' ? '1×' : x(r.ratio)} | ${r.impl === 'src' ? '–' : xs(r.ratio)} |`),
    '',
  );
  if (old.length > 0) {
    const slower = old.filter((r) => r.ratio.median < 1).map((r) => `\`${r.model}\``);
    out.push(
      `- A ratio above 1× means the unrolled loops took longer than today's kernel for the same fits. ${slower.length === 0 ? 'The generated kernel is at least as fast on every model.' : `The unrolled loops were faster on ${slower.join(', ')}.`}`,
      '',
    );
  }
  return out;
}

function leastSquaresSlope(ys: number[]): number {
  const n = ys.length;
  if (n < 2) return 0;
  const mx = (n - 1) / 2;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let sxy = 0;
  let sxx = 0;
  ys.forEach((y, i) => {
    sxy += (i - mx) * (y - my);
    sxx += (i - mx) ** 2;
  });
  return sxy / sxx;
}

interface Part {
  name: string;
  ms: Summary;
  share: Summary;
  ratio: Summary;
}

function cycleParts(reps: CycleRep[], which: 'first' | 'repeat'): Part[] {
  const total = (r: CycleRep) => (which === 'first' ? r.firstMs : r.repeatMs);
  const g = (r: CycleRep) => r[which];
  const rows: [string, (r: CycleRep) => number][] = [
    [`whole ${which} cycle`, total],
    ['forecast part (3 × cleanHistory + selectAndForecast)', (r) => r.forecastMs],
    [which === 'first' ? 'git sync (clone, checkout)' : 'git sync (fetch, checkout)', (r) => g(r).gitSyncMs],
    [`git publish (${reps[0] ? g(reps[0]).publishes : '?'} branches: commit, push)`, (r) => g(r).gitPublishMs],
    ['forge (local: list PRs, open PRs, dashboard)', (r) => g(r).forgeMs],
    ['metrics read (3 CSVs, cold FileSource)', (r) => r.metricsReadMs],
    ['the rest', (r) => total(r) - r.forecastMs - g(r).gitSyncMs - g(r).gitPublishMs - g(r).forgeMs - r.metricsReadMs],
  ];
  return rows.filter(([, f]) => reps.some((r) => f(r) !== 0)).map(([name, f]) => ({
    name,
    ms: summarize(reps.map(f)),
    share: summarize(reps.map((r) => f(r) / total(r))),
    ratio: summarize(reps.map((r) => f(r) / r.forecastMs)),
  }));
}

await main();
