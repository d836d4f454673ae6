// The "Peers" section of BENCHMARKS.md, from a run of bench/peers/run.ts (or a saved one): per
// model the p90 pinball against the better seasonal-naive baseline and the p90 coverage, failures
// counted, and Augur against the best peer per series, read against issue 13's target.
import { markedSection, num, quantile, table, writeMarkedSection } from '../lib.js';
import { PEER_LEVEL, PEER_MODELS, PROTOCOL_ORIGINS } from './exchange.js';

/** Issue 13: Augur's median p90 pinball at most this many times the best of the R and Prophet peers. */
export const PEER_TARGET = 0.75;
const START = '<!-- peers:start (bench/peers) -->';
const END = '<!-- peers:end -->';
const SN = ['seasonal-naive(daily)', 'seasonal-naive(weekly)'];

export interface ModelScore {
  /** p90 pinball over the held-out steps of every origin. */
  pinball?: number;
  /** Share of held-out steps at or below the p90. */
  coverage?: number;
  /** Fit time per origin, seconds (R's own clock for the peers; for Augur, its whole selection). */
  seconds?: number;
  /** Why it was not scored on this series. */
  error?: string;
  failed?: 'timeout' | 'error';
  /** Augur only: the model its selection chose at each origin. */
  selected?: string[];
}

export interface PeerSeries {
  name: string;
  nativeStep: number;
  step: number;
  points: number;
  models: Record<string, ModelScore>;
  skipped?: string;
}

export interface PeerRun {
  date: string;
  command: string;
  machine: string;
  load: [number, number] | number[];
  seconds: number;
  traces: string;
  step: number;
  horizonSeconds: number;
  origins: number;
  jobs: number;
  timeout: number;
  series: PeerSeries[];
  /** Only some traces (BENCH_PEERS_TRACES): printed, not written to BENCHMARKS.md. */
  partial?: boolean;
}

const ok = (s: ModelScore | undefined): s is ModelScore & { pinball: number } => !!s && s.error === undefined && typeof s.pinball === 'number' && Number.isFinite(s.pinball);
const median = (xs: number[]) => (xs.length ? quantile(xs, 0.5) : Number.NaN);
const pct = (x: number) => (Number.isFinite(x) ? `${Number((x * 100).toFixed(1))}%` : '–');
const times = (x: number) => (Number.isFinite(x) ? `${num(x)}×` : '–');

/** The better (lower) p90 pinball of the two seasonal-naive baselines on a series, or undefined. */
export function betterSeasonalNaive(s: PeerSeries): { name: string; pinball: number } | undefined {
  let best: { name: string; pinball: number } | undefined;
  for (const name of SN) {
    const m = s.models[name];
    if (ok(m) && (!best || m.pinball < best.pinball)) best = { name, pinball: m.pinball };
  }
  return best;
}

/** a ÷ b, or undefined where b's loss is 0 (no finite ratio: left out of the medians, as `augur backtest` does). */
function ratio(a: number, b: number): number | undefined {
  if (b > 0) return a / b;
  return a === 0 ? 1 : undefined;
}

export interface ModelSummary {
  model: string;
  scored: number;
  timeouts: number;
  errors: number;
  vsSn: number[];
  coverage: number[];
  seconds: number[];
}

export function summarizeModel(run: PeerRun, model: string): ModelSummary {
  const out: ModelSummary = { model, scored: 0, timeouts: 0, errors: 0, vsSn: [], coverage: [], seconds: [] };
  for (const s of run.series) {
    const m = s.models[model];
    if (!m) continue;
    if (!ok(m)) {
      if (m.failed === 'timeout') out.timeouts++;
      else out.errors++;
      continue;
    }
    out.scored++;
    const sn = betterSeasonalNaive(s);
    const r = sn && ratio(m.pinball, sn.pinball);
    if (r !== undefined) out.vsSn.push(r);
    if (typeof m.coverage === 'number') out.coverage.push(m.coverage);
    if (typeof m.seconds === 'number') out.seconds.push(m.seconds);
  }
  return out;
}

export interface VsPeers {
  /** Per series: Augur ÷ the best peer there (the peer with the lowest p90 pinball among those scored). */
  rows: { series: string; ratio: number; best: string; augurVsSn?: number; bestVsSn?: number }[];
  /** Augur ÷ each peer: median over the series both were scored on, and Augur's wins. */
  each: { model: string; median: number; series: number; augurBetter: number }[];
}

export function augurVsPeers(run: PeerRun): VsPeers {
  const rows: VsPeers['rows'] = [];
  for (const s of run.series) {
    const a = s.models.augur;
    if (!ok(a)) continue;
    let best: { name: string; pinball: number } | undefined;
    for (const p of PEER_MODELS) {
      const m = s.models[p];
      if (ok(m) && (!best || m.pinball < best.pinball)) best = { name: p, pinball: m.pinball };
    }
    const r = best && ratio(a.pinball, best.pinball);
    if (!best || r === undefined) continue;
    const sn = betterSeasonalNaive(s);
    rows.push({ series: s.name, ratio: r, best: best.name, ...(sn ? { augurVsSn: ratio(a.pinball, sn.pinball), bestVsSn: ratio(best.pinball, sn.pinball) } : {}) });
  }
  const each = PEER_MODELS.map((model) => {
    const rs: number[] = [];
    let wins = 0;
    for (const s of run.series) {
      const a = s.models.augur;
      const m = s.models[model];
      if (!ok(a) || !ok(m)) continue;
      const r = ratio(a.pinball, m.pinball);
      if (r === undefined) continue;
      rs.push(r);
      if (a.pinball < m.pinball) wins++;
    }
    return { model, median: median(rs), series: rs.length, augurBetter: wins };
  });
  return { rows, each };
}

export function renderPeers(run: PeerRun): string {
  const out: string[] = [];
  const scoredSeries = run.series.filter((s) => !s.skipped);
  const models = ['augur', ...PEER_MODELS, ...SN];
  const sums = models.map((m) => summarizeModel(run, m));
  const vs = augurVsPeers(run);
  const med = median(vs.rows.map((r) => r.ratio));
  const met = med <= PEER_TARGET;
  const hours = run.step / 3600;
  out.push(START);
  out.push('## 7. Peers: R forecast and Prophet (issue 13)');
  out.push('');
  out.push(
    `Written by \`npm run bench -- --peers\` (\`bench/peers/run.ts\` drives \`bench/peers/peers.R\` through \`Rscript\`, one process per trace, ${run.jobs} at a time; \`npm run bench\` carries the section over). ` +
      `**Date:** ${run.date}. **Machine:** ${run.machine}; load average (1 min) ${run.load.map((x) => x.toFixed(2)).join(' at the start, ')} at the end: **other helpers were using both cores during the run**, so the fit times are only indicative. ` +
      `**Command:** \`${run.command}\` (${num(run.seconds / 60)} min). **Traces:** \`${run.traces}\`, ${scoredSeries.length} of ${run.series.length} scored.`,
  );
  out.push('');
  out.push(
    `**Protocol.** Every trace as \`augur backtest\` reads it, averaged to ${hours === 1 ? 'one hour' : `${hours} h`} (R's tbats and auto.arima take minutes per fit on 5-minute data with weekly cycles), ${origins(run)}, horizon ${run.horizonSeconds / 3600} h (\`src/forecast/backtest.ts\`); at each origin every model trains on the same cleaned history before it (\`prepareHistory\`, at most 56 days back) and one scorer (\`backtest()\`) scores them all. ` +
      `Peers' p50 = the point forecast (Prophet's \`yhat\`), p90 = the upper bound of their ${PEER_LEVEL}% interval (Prophet \`interval.width = 0.8\`), clipped at 0 where the history never went below it; the baseline is the better, per series, of \`seasonal-naive(daily)\` and \`seasonal-naive(weekly)\` with Augur's empirical quantiles. Fits have ${run.timeout} s each; a model that errs or times out at any origin of a series is not scored there and is counted below.`,
  );
  out.push('');
  out.push(
    table(
      ['model', 'series scored', 'failed: error / timeout', 'p90 pinball ÷ better seasonal naive: median', 'worst', 'p90 coverage (median)', 'fit per origin (median)'],
      sums.map((s) => [
        s.model === 'augur' ? '**augur** (its selection)' : `\`${s.model}\``,
        String(s.scored),
        `${s.errors} / ${s.timeouts}`,
        times(median(s.vsSn)),
        times(s.vsSn.length ? Math.max(...s.vsSn) : Number.NaN),
        pct(median(s.coverage)),
        s.seconds.length ? `${num(median(s.seconds))} s` : '–',
      ]),
      ['l', 'r', 'r', 'r', 'r', 'r', 'r'],
    ),
  );
  out.push('');
  const worst = [...vs.rows].sort((a, b) => b.ratio - a.ratio);
  const best = countBy(vs.rows.map((r) => r.best));
  out.push(
    table(
      ['target (issue 13, on the same origins and scorer)', 'measured', 'verdict', 'by how much'],
      [
        [
          `Augur's p90 pinball ≤ ${PEER_TARGET}× the best of the R and Prophet peers (median over series; the best peer picked per series after the fact)`,
          `${times(med)} over ${vs.rows.length} series; Augur better on ${vs.rows.filter((r) => r.ratio < 1).length}; worst ${worst[0] ? `${times(worst[0].ratio)} (\`${worst[0].series}\`)` : '–'}`,
          met ? '**MET**' : '**MISSED**',
          met ? '–' : `${times(med / PEER_TARGET)} the target`,
        ],
      ],
      ['l', 'l', 'l', 'l'],
    ),
  );
  out.push('');
  out.push(`Augur ÷ each peer on its own (median over the series both were scored on): ${vs.each.map((e) => `\`${e.model}\` ${times(e.median)} (Augur better on ${e.augurBetter} of ${e.series})`).join(', ')}. The best peer per series was ${best}.`);
  out.push('');
  out.push(...why(run, sums, vs, med));
  out.push('');
  out.push('What the figures mean:');
  out.push('');
  out.push('- *p90 pinball ÷ better seasonal naive*: the model\'s mean p90 pinball loss over the held-out hours of all origins, divided by the lower of the two seasonal-naive baselines\' on the same series (below 1×: sharper and better placed than repeating yesterday or last week); median and worst over the series it was scored on.');
  out.push('- *p90 coverage*: the share of held-out hours at or below the model\'s p90 (90% is calibrated; below it the p90 is too low, above it too high).');
  out.push('- *fit per origin*: wall-clock seconds to fit and forecast one origin (for Augur: its whole selection, every candidate backtested), on a shared machine.');
  out.push(`- *Augur ÷ the best peer*: per series, Augur's p90 pinball divided by the lowest of the four peers' there; the target reads its median.`);
  out.push('');
  const failures = run.series.flatMap((s) => Object.entries(s.models).filter(([, m]) => !ok(m)).map(([model, m]) => `\`${model}\` on \`${s.name}\` (${m.failed ?? 'error'}: ${(m.error ?? '').replace(/\s+/g, ' ').slice(0, 160)})`));
  const skipped = run.series.filter((s) => s.skipped).map((s) => `\`${s.name}\` (${s.skipped})`);
  out.push(`**Failures** (not scored on that series, so not in its medians): ${failures.length ? failures.join('; ') : 'none'}.${skipped.length ? ` Traces skipped for every model: ${skipped.join('; ')}.` : ''}`);
  out.push('');
  out.push(`Per series, worst first (p90 pinball ratios):`);
  out.push('');
  out.push(
    table(
      ['series', 'Augur ÷ best peer', 'best peer', 'Augur ÷ better seasonal naive', 'best peer ÷ better seasonal naive', 'Augur p90 coverage'],
      worst.map((r) => {
        const s = run.series.find((x) => x.name === r.series);
        return [`\`${r.series}\``, times(r.ratio), `\`${r.best}\``, times(r.augurVsSn ?? Number.NaN), times(r.bestVsSn ?? Number.NaN), pct(s?.models.augur?.coverage ?? Number.NaN)];
      }),
      ['l', 'r', 'l', 'r', 'r', 'r'],
    ),
  );
  out.push('');
  out.push(END);
  return out.join('\n');
}

/** Why the target reads as it does, from this run's own figures. */
function why(run: PeerRun, sums: ModelSummary[], vs: VsPeers, med: number): string[] {
  const each = vs.each.filter((e) => Number.isFinite(e.median));
  const lo = Math.min(...each.map((e) => e.median));
  const hi = Math.max(...each.map((e) => e.median));
  const toughest = each.find((e) => e.median === hi);
  const far = vs.rows.filter((r) => r.ratio > 1.5);
  const augurCov = (name: string) => run.series.find((s) => s.name === name)?.models.augur?.coverage ?? Number.NaN;
  const under = far.filter((r) => augurCov(r.series) < 0.8);
  const wide = far.filter((r) => augurCov(r.series) >= 0.97);
  const cov = (m: string) => pct(median(sums.find((x) => x.model === m)?.coverage ?? []));
  const list = (rs: VsPeers['rows']) => rs.map((r) => `\`${r.series}\` ${times(r.ratio)} (Augur's p90 covered ${pct(augurCov(r.series))})`).join(', ');
  return [
    `**Why ${med <= PEER_TARGET ? 'it is met' : 'it is missed'}.** Against any one peer Augur's median ratio is ${times(lo)}–${times(hi)} (the toughest: \`${toughest?.model ?? '–'}\`), ` +
      `${hi <= PEER_TARGET ? 'within the target against each one' : lo <= PEER_TARGET ? 'within the target against some of them' : hi < 1 ? `so it is sharper than each peer alone, but not by the ${PEER_TARGET}× the target asks` : 'so not sharper than every peer alone'}; ` +
      `the target's reading takes, per series, the best of four peers chosen after the fact, and no peer is best everywhere, so against that oracle Augur's loss is ${times(med)} at the median. ` +
      `The series where Augur is more than 1.5× the best peer (${far.length} of ${vs.rows.length}): ` +
      `${under.length} where its p90 fell short of the held-out day (coverage below 80%: the level rose or a burst came after the origin, and a peer's band held more of it${under.length ? `: ${list(under)}` : ''}), ` +
      `${wide.length} where its band was wider than needed (coverage 97% or more${wide.length ? `: ${list(wide)}` : ''}), and ${far.length - under.length - wide.length} calibrated but less sharp than that series' best peer. ` +
      `Calibration differs as much as sharpness: median p90 coverage ${PEER_MODELS.map((m) => `\`${m}\` ${cov(m)}`).join(', ')}, Augur ${cov('augur')}. ` +
      (run.origins < PROTOCOL_ORIGINS ? `With one held-out day per series, a single day decides each ratio, so per-series figures move a lot between origins; the median over ${vs.rows.length} series much less. ` : '') +
      `All figures here are at the hourly step; section 5 scores Augur at each trace's native step, so its ratios are not the same numbers.`,
  ];
}

function origins(run: PeerRun): string {
  if (run.origins >= PROTOCOL_ORIGINS) return `${run.origins} rolling origins one horizon apart`;
  return (
    `**a subset: the last ${run.origins === 1 ? 'origin' : `${run.origins} origins`} of the protocol's ${PROTOCOL_ORIGINS}** (the same for every model, Augur included: all ${PROTOCOL_ORIGINS} would take over an hour on this shared 2-core machine, tbats most of it; ` +
    `\`BENCH_PEERS_ORIGINS=${PROTOCOL_ORIGINS}\` runs them all), so each series is judged on ${run.origins === 1 ? 'one held-out day' : `${run.origins} held-out days`}`
  );
}

function countBy(xs: string[]): string {
  const m = new Map<string, number>();
  for (const x of xs) m.set(x, (m.get(x) ?? 0) + 1);
  return [...m.entries()].sort((a, b) => b[1] - a[1]).map(([k, v]) => `\`${k}\` on ${v}`).join(', ');
}

/** The section as it stands in BENCHMARKS.md, markers included, or undefined (a full `npm run bench` carries it over). */
export function currentPeersSection(): string | undefined {
  return markedSection(START, END);
}

/** Replaces the section in BENCHMARKS.md, or puts it before the Scale section (at the end when there is none). */
export function writePeersSection(section: string): void {
  writeMarkedSection(START, END, section);
}
