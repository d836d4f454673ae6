// The "Scale" section of BENCHMARKS.md, from bench/scale.ts's result, and how `npm run bench`
// keeps it: `npm run bench -- --scale` measures it and replaces only that section; a full run
// rewrites the rest and carries the last measured Scale section over.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import { BENCHMARKS_FILE, num, table } from './lib.js';
import { DEFAULT_BASELINE_REF, type CycleRun, type ScaleResult, type ScaleRow } from './scale.js';

export const SCALE_HEADING = '## Scale';

/** The issue's targets (issue 12), on a 2-core machine. */
export const SCALE_TARGETS = { size: 5000, firstWallSeconds: 120, steadyWallSeconds: 30, peakRssMiB: 512 };

const mib = (x: number) => `${num(x)} MiB`;
const ratio = (a: number, b: number | undefined) => (b === undefined || b === 0 ? '–' : `${num(a / b)}×`);

function rowCells(size: number, which: string, r: CycleRun, base: CycleRun | undefined): string[] {
  return [
    String(size),
    which,
    num(r.wallSeconds),
    ratio(r.wallSeconds, base?.wallSeconds),
    num(r.cpuSeconds),
    ratio(r.cpuSeconds, base?.cpuSeconds),
    num((r.cpuSeconds / size) * 1000),
    mib(r.peakRssMiB),
    ratio(r.peakRssMiB, base?.peakRssMiB),
    r.liveHeapMiB === undefined ? '–' : mib(r.liveHeapMiB),
    `${r.prom.requests.toLocaleString('en-US')} (${r.prom.repeated} repeated)`,
    mib(r.prom.bytesIn / 2 ** 20),
    num(r.prom.promCpuSeconds),
    r.selected === undefined ? 'all (no state)' : `${r.selected.toLocaleString('en-US')} of ${(r.kept ?? 0).toLocaleString('en-US')}`,
    Object.entries(r.outcomes)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ') + (r.errors ? `; ${r.errors} errors` : ''),
  ];
}

export function renderScale(res: ScaleResult, meta: { date: string; command: string; seconds: number; loadStart: number[]; loadEnd: number[]; startup?: { result: ScaleResult; command: string }; note?: string; baseline?: string }): string {
  const out: string[] = [SCALE_HEADING, ''];
  const cpus = os.cpus();
  out.push(
    `Written by \`${meta.command}\` (\`bench/scale.ts\`, \`bench/scale-data.ts\`, \`bench/scale-report.ts\`); the rest of this file is left as the last full run wrote it.`,
    '',
    `- **Date:** ${meta.date}`,
    `- **Machine:** ${cpus[0]?.model.trim() ?? 'unknown CPU'} × ${cpus.length} logical CPUs, ${num(os.totalmem() / 2 ** 30)} GiB RAM, ${os.type()} ${os.release()} ${os.arch()}; Node ${process.version}`,
    `- **Load average (1 min) at start / end:** ${Number.isFinite(meta.loadStart[0]) ? `${num(meta.loadStart[0] ?? 0)} / ${num(meta.loadEnd[0] ?? 0)}` : 'not recorded'} on ${cpus.length} CPUs. **The machine was shared** with other engineers' test runs while this ran: wall times (and, less, CPU seconds) are inflated by the wait for a core; ${meta.baseline ? 'compare the CPU-second ratios first: the baseline is an earlier run (below), not one in the same minutes' : 'compare the ratios, measured against a baseline run in the same minutes on the same data'}.`,
    `- **Code measured:** \`${res.currentRef.slice(0, 12)}\`${res.dirty ? ' plus uncommitted changes in src/ or bench/' : ''}; **baseline:** \`${res.baselineRef.slice(0, 12)}\` (${meta.baseline ?? `${DEFAULT_BASELINE_REF.startsWith(res.baselineRef) ? "main before issue 12's changes" : 'the commit BENCH_SCALE_BASELINE_REF named'}, extracted with \`git archive\`, built and run the same way`}).`,
    `- **Run time:** ${num(meta.seconds)} s`,
    ...(meta.note ? [`- **Note:** ${meta.note}`] : []),
    '',
    '**Scenario.** A real Prometheus (the Debian package, 2.42) backfilled with `promtool tsdb create-blocks-from openmetrics` with 14 days + 1 hour at 5-minute steps of three gauges per workload: load (requests/s), the busiest pod\'s CPU cores and its memory working set. Each workload takes one of the 37 real traces of `../shared/traces` (round robin), its own 14-day window into it (up to two weeks earlier), its own scale (mean load 5 to 2,000 log-uniform) and capacity per replica; CPU and memory follow the load per pod with ±5% noise. 50 workloads per namespace; one plain Deployment manifest per workload in a local git repository; the local forge; no cluster. `augur plan -c FILE --now T --json` (evaluates every target, writes nothing to Git, the forge or a cluster) runs as a child process under `/usr/bin/time -v`, through a counting HTTP proxy in front of Prometheus. Each target reads 4 series (load, CPU, memory from explicit queries; OOM kills from the kube-state-metrics preset, which answers `vector(0)` here), 4,032 points each; the presets of a namespace\'s workloads are read in batches (one query per 24 workloads, `src/metrics/batch.ts`), the explicit queries one per target and metric. The guardrails file has two freeze windows (a weekly cron window and a date range), checked on every target and active at neither clock.',
    '',
    '**First cycle**: at 2026-11-30T06:00Z with no selection state: every workload selects its model (every candidate backtested at 3 origins, then the winner refit). **Steady-state cycle**: one hour later, on the same data (the history moved by 12 points). The current code keeps its selections in `state.dir` (`selections/`, one file per workload), so its steady cycle refits, and the series it read (`history/`), so its steady cycle asks Prometheus only for the new hour and the 30 minutes before it; ' +
      (meta.baseline
        ? 'so did the baseline (an earlier run of code that keeps them too).'
        : res.rows.some((r) => r.baseline?.first.selected !== undefined)
          ? 'so does the baseline, which keeps them too (in its own state directory).'
          : 'the baseline keeps none between processes, so its steady cycle selects every workload again.'),
    '',
  );
  out.push('**What each figure means.** *wall s*: elapsed time of the `augur plan` process, start to exit (Node start-up, git clone, every read, every decision, the JSON report). *CPU s*: user + system seconds of that process and the git processes it waited for. *CPU ms / workload*: CPU s ÷ workloads. *peak RSS*: the largest resident set of that process or of any one of its children (`/usr/bin/time`\'s maximum resident set size; git\'s are far smaller). *live heap*: the largest heap the main thread still held just after a full collection (`bench/heap-probe.mjs`; – when none ran): what the cycle keeps, without the garbage V8 lets build up before it collects, which peak RSS also counts. *Prometheus requests*: HTTP requests the proxy forwarded during the cycle, and how many of the range queries had already been asked in the same cycle (same query, start, end, step). *MiB from Prometheus*: response bytes as sent (Prometheus compresses when asked). *Prometheus CPU s*: CPU seconds the Prometheus server used during the cycle (from /proc). *selected*: workloads that ran a full selection in the cycle (from the state file; the rest refitted their kept model). *× baseline*: the current code\'s figure ÷ the baseline\'s for the same cycle and size (for the steady cycle, the baseline\'s steady cycle where it ran, else its first cycle, which does the same work).');
  out.push('');
  const header = ['workloads', 'cycle', 'wall s', '× baseline', 'CPU s', '× baseline', 'CPU ms / workload', 'peak RSS', '× baseline', 'live heap', 'Prometheus requests', 'MiB from Prometheus', 'Prometheus CPU s', 'selected', 'outcomes'];
  const align: ('l' | 'r')[] = ['r', 'l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'l'];
  const rows: string[][] = [];
  for (const r of res.rows) {
    if (r.baseline) {
      rows.push(rowCells(r.size, 'first (baseline)', r.baseline.first, undefined));
      if (r.baseline.steady) rows.push(rowCells(r.size, 'steady (baseline)', r.baseline.steady, undefined));
    }
    rows.push(rowCells(r.size, '**first**', r.current.first, r.baseline?.first));
    rows.push(rowCells(r.size, '**steady**', r.current.steady, r.baseline?.steady ?? r.baseline?.first));
  }
  out.push(table(header, rows, align), '');
  out.push(...growth(res.rows), '');
  out.push(...costs(res.rows), '');
  const one = meta.startup?.result.rows.find((r) => r.size === 1);
  if (one && meta.startup) {
    out.push(`**One workload** (start-up; a separate run, \`${meta.startup.command}\`, code \`${meta.startup.result.currentRef.slice(0, 12)}\`${meta.startup.result.dirty ? ' plus uncommitted changes' : ''}):`, '');
    const rs: string[][] = [];
    if (one.baseline) rs.push(rowCells(1, 'first (baseline)', one.baseline.first, undefined));
    rs.push(rowCells(1, '**first**', one.current.first, one.baseline?.first), rowCells(1, '**steady**', one.current.steady, one.baseline?.steady ?? one.baseline?.first));
    out.push(table(header, rs, align), '');
  }
  out.push(...verdicts(res.rows, one ?? res.rows.find((r) => r.size === 1)), '');
  return out.join('\n');
}

/** How each figure grows from the smallest to the largest size measured. */
function growth(rows: ScaleRow[]): string[] {
  if (rows.length < 2) return [];
  const a = rows[0] as ScaleRow;
  const b = rows[rows.length - 1] as ScaleRow;
  const k = b.size / a.size;
  const g = (f: (r: ScaleRow) => number) => `${num(f(b) / f(a))}×`;
  return [
    `**Growth from ${a.size.toLocaleString('en-US')} to ${b.size.toLocaleString('en-US')} workloads (${num(k)}× the fleet):**`,
    '',
    `- first cycle: wall ${g((r) => r.current.first.wallSeconds)}, CPU ${g((r) => r.current.first.cpuSeconds)}, peak RSS ${g((r) => r.current.first.peakRssMiB)}, Prometheus requests ${g((r) => r.current.first.prom.requests)}, bytes ${g((r) => r.current.first.prom.bytesIn)};`,
    `- steady cycle: wall ${g((r) => r.current.steady.wallSeconds)}, CPU ${g((r) => r.current.steady.cpuSeconds)}, peak RSS ${g((r) => r.current.steady.peakRssMiB)}, Prometheus requests ${g((r) => r.current.steady.prom.requests)}, bytes ${g((r) => r.current.steady.prom.bytesIn)}.`,
    `- Peak RSS per added workload (first cycle): ${num(((b.current.first.peakRssMiB - a.current.first.peakRssMiB) / (b.size - a.size)) * 1024)} KiB; the baseline: ${a.baseline && b.baseline ? `${num(((b.baseline.first.peakRssMiB - a.baseline.first.peakRssMiB) / (b.size - a.size)) * 1024)} KiB` : 'not measured at both sizes'}.`,
  ];
}

/** What the figures say about where the cost is, per workload. */
function costs(rows: ScaleRow[]): string[] {
  const out = ['**Per workload:**', ''];
  for (const r of rows) {
    const c = r.current;
    const perSel = c.first.selected && c.first.selected > 0 ? ((c.first.cpuSeconds - c.steady.cpuSeconds) / c.first.selected) * 1000 : undefined;
    out.push(
      `- ${r.size.toLocaleString('en-US')} workloads: a steady cycle that selected ${c.steady.selected ?? 'every'} workload${c.steady.selected === 1 ? '' : 's'} still used ${num((c.steady.cpuSeconds / r.size) * 1000)} ms of CPU per workload (reading 4 series, cleaning, the manifests, recommending, the guardrails, the report), ` +
        `${perSel === undefined ? '' : `and a selection adds about ${num(perSel)} ms (first − steady, per workload selected); `}` +
        `peak RSS is ${num((c.first.peakRssMiB / r.size) * 1024)} KiB per workload in the first cycle${r.baseline ? ` (baseline ${num((r.baseline.first.peakRssMiB / r.size) * 1024)} KiB)` : ''}.`,
    );
  }
  return out;
}

function verdicts(rows: ScaleRow[], one?: ScaleRow): string[] {
  const t = SCALE_TARGETS;
  const at = rows.find((r) => r.size === t.size);
  const out = [`**Targets of issue 12** (${t.size.toLocaleString('en-US')} workloads on 2 cores: first cycle ≤ ${t.firstWallSeconds} s wall, steady ≤ ${t.steadyWallSeconds} s wall, peak RSS ≤ ${t.peakRssMiB} MiB in both, memory flat from 1,000 to 5,000; 1 workload ≤ 1.5 s; no series read twice):`, ''];
  if (!at) {
    out.push(`- ${t.size.toLocaleString('en-US')} workloads: **not measured in this run** (sizes run: ${rows.map((r) => r.size.toLocaleString('en-US')).join(', ')}); no verdict on the wall-time and memory targets.`);
    const big = rows[rows.length - 1];
    if (big) {
      const k = t.size / big.size;
      const c = big.current;
      out.push(
        `  Scaled linearly from ${big.size.toLocaleString('en-US')} workloads (an extrapolation, not a measurement; the growth above was close to linear): a first cycle would need about ${num(c.first.cpuSeconds * k)} CPU s (${num((c.first.cpuSeconds * k) / 2)} s wall at best on 2 cores, against ${t.firstWallSeconds} s), a steady cycle about ${num(c.steady.cpuSeconds * k)} CPU s (against ${t.steadyWallSeconds} s wall), and ${num((c.first.peakRssMiB / big.size) * t.size)} MiB at the per-workload RSS measured (against ${t.peakRssMiB} MiB): all three would be missed by far.`,
      );
    }
  } else {
    const c = at.current;
    const v = (ok: boolean, got: number, lim: number, unit: string) => (ok ? `**met** (${num(got)} ${unit} against ${lim})` : `**missed** by ${num(got - lim)} ${unit} (${num(got)} against ${lim}, ${num(got / lim)}×)`);
    out.push(`- first cycle wall: ${v(c.first.wallSeconds <= t.firstWallSeconds, c.first.wallSeconds, t.firstWallSeconds, 's')}`);
    out.push(`- steady cycle wall: ${v(c.steady.wallSeconds <= t.steadyWallSeconds, c.steady.wallSeconds, t.steadyWallSeconds, 's')}`);
    out.push(`- peak RSS: first ${v(c.first.peakRssMiB <= t.peakRssMiB, c.first.peakRssMiB, t.peakRssMiB, 'MiB')}; steady ${v(c.steady.peakRssMiB <= t.peakRssMiB, c.steady.peakRssMiB, t.peakRssMiB, 'MiB')}`);
    const k = rows.find((r) => r.size === 1000);
    if (k) {
      const g = c.first.peakRssMiB / k.current.first.peakRssMiB;
      const live = (r: CycleRun) => (r.liveHeapMiB === undefined ? '–' : num(r.liveHeapMiB));
      out.push(
        `- memory flat from 1,000 to 5,000 workloads: ${g <= 1.1 ? '**met**' : '**missed**'} (first-cycle peak RSS ${num(k.current.first.peakRssMiB)} → ${num(c.first.peakRssMiB)} MiB, ${num(g)}×; steady ${num(k.current.steady.peakRssMiB)} → ${num(c.steady.peakRssMiB)} MiB). ` +
          `Live heap after a full collection: first ${live(k.current.first)} → ${live(c.first)} MiB, steady ${live(k.current.steady)} → ${live(c.steady)} MiB.`,
      );
    }
  }
  const big = rows[rows.length - 1];
  if (big) {
    const c = big.current;
    const perSteady = (c.steady.cpuSeconds / big.size) * 1000;
    const perSelection = ((c.first.cpuSeconds - c.steady.cpuSeconds) / big.size) * 1000;
    const budget = (t.steadyWallSeconds * 2 * 1000) / t.size;
    out.push(
      `  Why (at ${big.size.toLocaleString('en-US')} workloads): a steady cycle that selects nothing still costs ${num(perSteady)} ms of CPU per workload, ${num(perSteady / budget)}× the ${num(budget)} ms that ${t.steadyWallSeconds} s for ${t.size.toLocaleString('en-US')} workloads leaves on 2 cores, and all of it (reading and decoding the answers, cleaning the history, refitting the kept model, recommending, the guardrails, the report) runs on the event loop, one core: the worker pool (one thread per CPU) takes only the selections (the whole decide on the workers was tried twice: copying each target's series to a worker and its decision back cost 15 to 25% more CPU and about 90 MiB more RSS at 1,000 workloads, for no gain in wall time while Prometheus took the second core, and about 5% once the kept history had freed it). A selection adds ${num(perSelection)} ms per workload (most of it Holt-Winters' parameter search at each backtest origin). Prometheus shares this machine: it used ${num(c.steady.prom.promCpuSeconds)} CPU s answering the steady cycle's reads (with state.dir/history each asks only the last cycle's hour and the 30 minutes before it), ${num(c.steady.prom.promCpuSeconds / (2 * t.steadyWallSeconds))}× what 2 cores give in ${t.steadyWallSeconds} s. Peak RSS is measured with the heap ceiling ${process.env.BENCH_SCALE_HEAP ? `set to ${process.env.BENCH_SCALE_HEAP} MiB (BENCH_SCALE_HEAP)` : "V8 picks from this host's 23.5 GiB (about 4 GiB), so it collects lazily and the figure holds garbage as well as what a cycle keeps; in a container Node sizes the heap from the memory limit (about half of it); BENCH_SCALE_HEAP=256 measures that"}.`,
    );
  }
  const repeated = rows.reduce((n, r) => n + r.current.first.prom.repeated + r.current.steady.prom.repeated, 0);
  out.push(`- no series read twice in a cycle: ${repeated === 0 ? '**met** at every size measured (0 repeated range queries)' : `**missed**: ${repeated} range queries repeated`}.`);
  if (one) {
    const w = one.current.first.wallSeconds;
    const how = process.env.BENCH_SCALE_RUNNER === 'tsx' ? 'through tsx (TypeScript compiled at start-up)' : 'the compiled CLI, as the image runs it';
    out.push(`- 1 workload, \`augur plan\` start to finish ≤ 1.5 s: ${w <= 1.5 ? `**met** (${num(w)} s first, ${num(one.current.steady.wallSeconds)} s steady; ${how})` : `**missed** by ${num(w - 1.5)} s (${num(w)} s wall; steady ${num(one.current.steady.wallSeconds)} s; ${how})`}.`);
  } else out.push('- 1 workload ≤ 1.5 s: not measured in this run.');
  return out;
}

/** Replaces (or appends) the Scale section of BENCHMARKS.md. */
export function writeScaleSection(section: string): void {
  const file = BENCHMARKS_FILE;
  const text = existsSync(file) ? readFileSync(file, 'utf8') : '# Benchmarks\n';
  writeFileSync(file, `${spliceScale(text, section).trimEnd()}\n`);
}

/** `text` with its Scale section (from its heading to the next "## " heading or the end) replaced by `section`, or `section` appended. */
export function spliceScale(text: string, section: string): string {
  const start = text.indexOf(`\n${SCALE_HEADING}\n`);
  if (start < 0) return `${text.trimEnd()}\n\n${section.trimEnd()}\n`;
  const next = text.indexOf('\n## ', start + SCALE_HEADING.length + 2);
  return `${text.slice(0, start + 1)}${section.trimEnd()}\n${next < 0 ? '' : text.slice(next)}`;
}

/** The Scale section currently in BENCHMARKS.md, to carry over a full run that did not measure it. */
export function currentScaleSection(): string | undefined {
  const file = BENCHMARKS_FILE;
  if (!existsSync(file)) return undefined;
  const text = readFileSync(file, 'utf8');
  const start = text.indexOf(`\n${SCALE_HEADING}\n`);
  if (start < 0) return undefined;
  const next = text.indexOf('\n## ', start + SCALE_HEADING.length + 2);
  return text.slice(start + 1, next < 0 ? undefined : next);
}

// Standalone: node --import tsx bench/scale-report.ts RESULT.json [STARTUP.json]  renders saved
// results of bench/scale.ts (its JSON output) into BENCHMARKS.md's Scale section. Environment:
// SCALE_DATE, SCALE_COMMAND, SCALE_SECONDS, SCALE_LOAD (start,end), SCALE_STARTUP_COMMAND,
// SCALE_REF (the commit whose src/ was measured, when the run's own record says uncommitted).
if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  const [file, startupFile] = process.argv.slice(2);
  if (!file) throw new Error('usage: bench/scale-report.ts RESULT.json [STARTUP.json]');
  const res = JSON.parse(readFileSync(file, 'utf8')) as ScaleResult;
  // More results (e.g. a larger size run separately) join the table: SCALE_MORE=a.json,b.json.
  for (const more of (process.env.SCALE_MORE ?? '').split(',').filter(Boolean)) res.rows.push(...(JSON.parse(readFileSync(more, 'utf8')) as ScaleResult).rows);
  if (process.env.SCALE_REF) Object.assign(res, { currentRef: process.env.SCALE_REF, dirty: false });
  // An earlier run as the baseline (SCALE_BEFORE=file.json, SCALE_BEFORE_NOTE=what it was): its
  // current code's rows, size by size, stand where a baseline run of this one would.
  if (process.env.SCALE_BEFORE) {
    const before = JSON.parse(readFileSync(process.env.SCALE_BEFORE, 'utf8')) as ScaleResult;
    for (const r of res.rows) {
      const b = before.rows.find((x) => x.size === r.size);
      if (b) r.baseline = b.current;
      else delete r.baseline;
    }
    res.baselineRef = before.currentRef;
  }
  const load = (process.env.SCALE_LOAD ?? '').split(',').filter(Boolean).map(Number);
  const section = renderScale(res, {
    date: process.env.SCALE_DATE ?? new Date().toISOString(),
    command: process.env.SCALE_COMMAND ?? 'npm run bench -- --scale',
    seconds: Number(process.env.SCALE_SECONDS ?? NaN),
    loadStart: [load[0] ?? NaN],
    loadEnd: [load[1] ?? NaN],
    ...(process.env.SCALE_NOTE ? { note: process.env.SCALE_NOTE } : {}),
    ...(process.env.SCALE_BEFORE_NOTE ? { baseline: process.env.SCALE_BEFORE_NOTE } : {}),
    ...(startupFile ? { startup: { result: JSON.parse(readFileSync(startupFile, 'utf8')) as ScaleResult, command: process.env.SCALE_STARTUP_COMMAND ?? 'BENCH_SCALE=1 npm run bench -- --scale' } } : {}),
  });
  writeScaleSection(section);
  process.stdout.write(`${section}\n`);
}
