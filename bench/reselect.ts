// The "Reselection among the best (issue 12)" section of BENCHMARKS.md: what a workload's daily
// reselection costs and loses when it backtests only the PRUNE_KEEP candidates that ranked best
// at its last full selection (SelectionCache, sizing.fullSelectionEvery a week), against one that
// backtests every candidate every day. Replaces only that section; `npm run bench` carries it over.
//
//   node --import tsx bench/reselect.ts          # about a minute
//
// Each trace of ../shared/traces is read with parseTraceCsv (resampled onto 5 minutes, the last
// sample in the 15 minutes before each point, when its step does not divide a day), cleaned as
// the cycle does (prepareHistory), and replayed day by
// day: on each day a selection on the 14 days before it (7 for a trace of two weeks), its p90
// forecast scored on the day after by pinball loss. Two SelectionCaches, one per arm, asked on
// the same histories in alternating order; the CPU time of each ask is the arm's.
import { readdirSync, readFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseTraceCsv, resampleLast } from '../src/metrics/file.js';
import { prepareHistory } from '../src/forecast/clean.js';
import { pinballLoss } from '../src/forecast/loss.js';
import { PRUNE_KEEP, PRUNE_REGRESSION, SelectionCache } from '../src/forecast/registry.js';
import type { Forecast } from '../src/domain/forecast.js';
import { bytes, markedSection, ROOT, writeMarkedSection } from './lib.js';

const START = '<!-- reselect:start (bench/reselect.ts) -->';
const END = '<!-- reselect:end -->';
const TRACES = join(ROOT, '..', 'shared', 'traces');
const DAY = 86_400;
/** Daily reselections per trace with 25 days or more. */
const DAYS = 10;
const FULL_EVERY = 7 * DAY;
const QUANTILES = [0.5, 0.9, 0.99];

/** The section as it stands in BENCHMARKS.md, markers included, or undefined. */
export function currentReselectSection(): string | undefined {
  return markedSection(START, END);
}

interface Arm {
  cache: SelectionCache;
  cpuMs: number;
  loss: number;
}

interface TraceRow {
  trace: string;
  days: number;
  /** Mean next-day p90 pinball of the pruned arm ÷ the full arm's. */
  ratio: number;
  same: number;
  pruned: number;
  /** Full selections because the kept best regressed or could not forecast (not the first or weekly one). */
  regressed: number;
  /** CPU milliseconds of each arm's selections. */
  cpuMs: { full: number; pruned: number };
}

function replay(file: string): TraceRow | undefined {
  const data = parseTraceCsv(readFileSync(join(TRACES, file), 'utf8'), file);
  let ts = data.timestamps.map(Number);
  let vs = data.values.map(Number);
  let step = Math.round(((ts.at(-1) as number) - (ts[0] as number)) / (ts.length - 1));
  if (DAY % step !== 0) {
    step = 300;
    const grid: number[] = [];
    for (let t = Math.ceil((ts[0] as number) / step) * step; t <= (ts.at(-1) as number); t += step) grid.push(t);
    vs = resampleLast(data, grid, 3 * step).values;
    ts = grid;
  }
  const H = DAY / step;
  const long = ts.length >= (14 + DAYS + 1) * H;
  const W = (long ? 14 : 7) * H;
  const days = long ? DAYS : Math.floor(ts.length / H) - 8;
  if (days < 3) return undefined;
  const opts = { horizonSteps: H, quantiles: QUANTILES };
  const arms: Record<'full' | 'pruned', Arm> = { full: { cache: new SelectionCache(), cpuMs: 0, loss: 0 }, pruned: { cache: new SelectionCache(), cpuMs: 0, loss: 0 } };
  const start = ts.length - W - (days + 1) * H;
  let same = 0;
  let pruned = 0;
  let regressed = 0;
  for (let day = 0; day < days; day++) {
    const end = start + W + day * H;
    const history = prepareHistory({ stepSeconds: step, timestamps: ts.slice(end - W, end), values: vs.slice(end - W, end) }).series;
    const actual = vs.slice(end, end + H);
    const chosen: Partial<Record<keyof typeof arms, Forecast>> = {};
    for (const name of day % 2 === 0 ? (['full', 'pruned'] as const) : (['pruned', 'full'] as const)) {
      const arm = arms[name];
      const t = process.cpuUsage();
      const fc = arm.cache.forecast(file, history, opts, { now: day * DAY, maxAgeSeconds: DAY, fullEverySeconds: name === 'full' ? 0 : FULL_EVERY });
      const u = process.cpuUsage(t);
      arm.cpuMs += (u.user + u.system) / 1000;
      arm.loss += pinballLoss(actual, fc.quantiles['0.9'] as number[], 0.9) / days;
      chosen[name] = fc;
    }
    if (chosen.full?.model === chosen.pruned?.model) same++;
    if (chosen.pruned?.notScored) pruned++;
    else if ((day * DAY) % FULL_EVERY !== 0) regressed++;
  }
  return { trace: file, days, ratio: arms.pruned.loss / arms.full.loss, same, pruned, regressed, cpuMs: { full: arms.full.cpuMs, pruned: arms.pruned.cpuMs } };
}

function median(xs: number[]): number {
  const a = [...xs].sort((x, y) => x - y);
  const h = a.length >> 1;
  return a.length % 2 ? (a[h] as number) : ((a[h - 1] as number) + (a[h] as number)) / 2;
}

const f3 = (x: number) => x.toFixed(3);

export function renderReselect(rows: TraceRow[], skipped: string[], meta: { date: string; machine: string; load: string; seconds: number }): string {
  const n = rows.reduce((s, r) => s + r.days, 0);
  const same = rows.reduce((s, r) => s + r.same, 0);
  const pruned = rows.reduce((s, r) => s + r.pruned, 0);
  const regressed = rows.reduce((s, r) => s + r.regressed, 0);
  const totals = { full: rows.reduce((s, r) => s + r.cpuMs.full, 0), pruned: rows.reduce((s, r) => s + r.cpuMs.pruned, 0) };
  const ratios = rows.map((r) => r.ratio).filter(Number.isFinite);
  const mean = ratios.reduce((s, r) => s + r, 0) / ratios.length;
  const out: string[] = [START, '## 8. Reselection among the best (issue 12)', ''];
  out.push(
    `Written by \`node --import tsx bench/reselect.ts\` (\`npm run bench\` carries it over). **Date:** ${meta.date}. **Machine:** ${meta.machine}; load average ${meta.load}. **Run time:** ${meta.seconds.toFixed(0)} s.`,
    '',
    `When a workload's selection is due again (\`sizing.reselectEvery\`, a day), the agent backtests only the ${PRUNE_KEEP} candidates that ranked best at its last full selection, and every candidate once that one is \`sizing.fullSelectionEvery\` old (a week), or when the best kept one scores over ${PRUNE_REGRESSION}× its last loss. ` +
      `Here each of ${rows.length} traces of \`../shared/traces\` is replayed over ${n} daily reselections (${DAYS} days per trace, fewer for the two-week ones), against an arm that backtests every candidate every day; each day's p90 forecast is scored on the next day.`,
    '',
    '| | figure | what it means |',
    '|---|---:|---|',
    `| selection CPU, pruned ÷ full | **${f3(totals.pruned / totals.full)}×** | ${(totals.pruned / 1000).toFixed(1)} against ${(totals.full / 1000).toFixed(1)} CPU-seconds over the same reselections (the full selections of day 0 and day 7 included) |`,
    `| reselections among the best | ${pruned} of ${n} | the rest backtested every candidate: ${n - pruned - regressed} first or weekly, ${regressed} because the best kept one had regressed |`,
    `| the same model chosen | ${same} of ${n} | what a different choice cost is the next line |`,
    `| next-day p90 pinball, pruned ÷ full, per trace | median **${f3(median(ratios))}×**, mean ${f3(mean)}×, from ${f3(Math.min(...ratios))}× to ${f3(Math.max(...ratios))}× | below 1: the pruned arm's forecasts were closer |`,
    '',
  );
  const off = rows.filter((r) => Math.abs(r.ratio - 1) > 0.01);
  if (off.length > 0) out.push(`Traces where the two differ by more than 1%: ${off.map((r) => `\`${r.trace}\` ${f3(r.ratio)}×`).join(', ')}.`, '');
  if (skipped.length > 0) out.push(`Skipped (under 10 days of data): ${skipped.map((s) => `\`${s}\``).join(', ')}.`, '');
  out.push(END);
  return out.join('\n');
}

async function main(): Promise<void> {
  const started = performance.now();
  const loadStart = loadavg()[0] ?? 0;
  const rows: TraceRow[] = [];
  const skipped: string[] = [];
  for (const file of readdirSync(TRACES).filter((f) => f.endsWith('.csv')).sort()) {
    const row = replay(file);
    if (row) rows.push(row);
    else skipped.push(file);
    process.stderr.write(`  ${file}: ${row ? `${row.days} days, ratio ${f3(row.ratio)}` : 'skipped'}\n`);
  }
  const c = cpus();
  const section = renderReselect(rows, skipped, {
    date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    machine: `${c[0]?.model ?? 'unknown'} × ${c.length} logical CPUs, ${bytes(totalmem())} RAM`,
    load: `${loadStart.toFixed(2)} / ${(loadavg()[0] ?? 0).toFixed(2)} at start / end`,
    seconds: (performance.now() - started) / 1000,
  });
  process.stdout.write(`${section}\n`);
  writeMarkedSection(START, END, section);
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
