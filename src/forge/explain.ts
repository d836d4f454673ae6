// What a reviewer reads first: the decision box (the problem with the one number that shows it,
// the sizing arithmetic with units, the cost on average and at peak, the red flags), and the
// English of each change's arithmetic, each red flag and the data behind the forecast. Pure.
import type { Basis, Change } from '../domain/decision.js';
import { money } from '../domain/money.js';
import type { ProposalItem } from '../domain/proposal.js';
import type { RedFlag } from '../domain/reasons.js';
import { hourLabel, largestRise, scheduleHours, WEEK_HOURS } from '../domain/schedule.js';
import { fmt, fmtBytes, show } from '../domain/units.js';
import type { FieldKey } from '../domain/workload.js';
import { isoMinutes } from '../util/zoned.js';

/** A load with its unit: "1209 req/s", or the bare number when the unit is not known. */
export const withUnit = (v: number, unit: string | undefined): string => (unit ? `${fmt(v)} ${unit}` : fmt(v));
const q = (x: number) => `p${Math.round(x * 100)}`;
const times = (h: number) => `× ${h.toFixed(2)} headroom`;

/** The arithmetic behind a change's raw number, with units on both sides. */
export function describeBasis(b: Basis, unit: string | undefined, raw: number, field: FieldKey): string {
  const u = (v: number) => withUnit(v, unit);
  const per = (cap: number) => `${u(cap)} per replica`;
  switch (b.kind) {
    case 'peak':
      return `⌈${u(b.load)} (${q(b.quantile)} forecast peak) ${times(b.headroom)} ÷ ${per(b.perReplica)}⌉ = ${raw} replicas`;
    case 'burst':
      return `⌈${u(b.load)} (${q(b.quantile)} forecast peak) ÷ ${per(b.perReplica)}⌉ = ${raw} replicas, more than the ${q(b.sized.quantile)} ${u(b.sized.load)} ${times(b.sized.headroom)} needs: bursts`;
    case 'calibrated':
      return `⌈${u(b.load)} ÷ ${per(b.perReplica)}⌉ = ${raw} replicas: ${calibratedWhy(b, u)}`;
    case 'trough':
      return `⌈${u(b.load)} (the forecast median's trough) ${times(b.headroom)} ÷ ${per(b.perReplica)}⌉ = ${raw} replicas, so the HPA starts each ramp from there`;
    case 'ceiling':
      return `⌈${u(b.load)} (${q(b.quantile)} forecast peak) ${times(b.headroom)} ÷ ${per(b.perReplica)}⌉ = ${raw} replicas`;
    case 'cpuPercentile':
      return `p${b.percentile} of the busiest pod's CPU ${fmt(b.usage)} cores + ${b.marginPercent}% = ${show(field, raw)}`;
    case 'memoryPeak':
      return `peak working set ${fmtBytes(b.peak)} + ${b.marginPercent}% = ${show(field, raw)}`;
    case 'oomBump':
      return `${b.ooms} OOM kill${b.ooms === 1 ? '' : 's'}: the current request + ${b.bumpPercent}% = ${show(field, raw)} (peak working set ${fmtBytes(b.peak)})`;
    case 'limitRatio':
      return `the request × ${b.ratio.toFixed(2)}, the limit/request ratio kept = ${show(field, raw)}`;
  }
}

/** Why the backtest-sized load: which quantile it amounts to, the expected share short, and the burst guard when it set the size. */
export function calibratedWhy(b: Extract<Basis, { kind: 'calibrated' }>, u: (v: number) => string): string {
  const sign = b.margin >= 0 ? '+' : '−';
  const pctText = (x: number) => `${Math.round(x * 1000) / 10}%`;
  const eq = b.equivalentQuantile !== undefined && b.equivalentQuantile !== b.quantile ? `, at or above the ${q(b.equivalentQuantile)} forecast peak` : '';
  // The arithmetic first, then where the margin comes from, so the row reads in one breath.
  const base =
    `the ${q(b.quantile)} forecast peak ${u(b.peak)} ${sign} ${pctText(Math.abs(b.margin))}${eq}, ` +
    `the margin this workload's backtest needed to run short at most ${pctText(b.target)} of the time ` +
    `(${(b.expected * 100).toFixed(2)}% expected over ${b.residuals} held-out steps, ${b.buckets} lead-time bucket${b.buckets === 1 ? '' : 's'})`;
  if (!b.burst) return base;
  return `${base}; raised by the burst guard: on ${b.burst.days} of ${b.burst.of} backtest days the actual peak went above the ${q(b.burst.quantile)} forecast's, by ×${b.burst.ratio.toFixed(2)} (median), so ${u(b.burst.load)} = the ${q(b.burst.quantile)} peak × ${b.burst.ratio.toFixed(2)}`;
}

/** An OOM kill count as the query gave it, which may be fractional (increase() extrapolates): rounded, or two digits under a half. */
function oomCount(n: number): string {
  return n >= 0.5 ? String(Math.round(n)) : n.toPrecision(2);
}

/** A ratio as a reader takes it in: "3.2×", and past a million (a peak next to one of about 0) not as 1e+300× or Infinity×. */
function ratioText(r: number): string {
  return Number.isFinite(r) && r < 1e6 ? `${r.toFixed(1)}×` : 'over 1,000,000×';
}

/** The change a decision box explains: the replica count or HPA bound first, then requests, then limits. */
export function primaryChange(item: ProposalItem): Change | undefined {
  const order: FieldKey[] = ['replicas', 'hpa.maxReplicas', 'hpa.minReplicas', 'cpu.request', 'memory.request', 'cpu.limit', 'memory.limit'];
  return order.map((f) => item.decision.changes.find((c) => c.field === f)).find((c) => c !== undefined);
}

/** The decision box: four lines (problem, sizing, cost, red flags) a reviewer decides from. */
export function decisionBox(item: ProposalItem): string[] {
  const c = primaryChange(item);
  const rows: [string, string][] = [
    ['Problem', c ? problem(item, c) : scheduleProblem(item)],
    ['Sizing', c ? sizing(item, c) : scheduleSizing(item)],
    ['Cost', costLine(item)],
    ['Red flags', redFlagsText(item)],
  ];
  return ['| | |', '|---|---|', ...rows.map(([k, v]) => `| **${k}** | ${v.replace(/\|/g, '\\|')} |`), ''];
}

/** The red flags in words, with what only the whole item shows: an HPA left with its floor above its ceiling. */
function redFlagsText(item: ProposalItem): string {
  const flags = item.flags.map((f) => describeFlag(f, item.unit));
  const after = (f: FieldKey) => item.decision.changes.find((c) => c.field === f)?.proposed ?? item.current[f];
  const [min, max] = [after('hpa.minReplicas'), after('hpa.maxReplicas')];
  const bound = item.decision.changes.some((c) => c.field === 'hpa.minReplicas' || c.field === 'hpa.maxReplicas');
  if (bound && min !== undefined && max !== undefined && min > max) flags.unshift(`after this change the HPA's minReplicas (${min}) is above its maxReplicas (${max}): the API server rejects the HPA`);
  return flags.length === 0 ? 'none' : `⚠️ ${flags.join('; ')}`;
}

/** The one number that shows what this change fixes (or, for a decrease, what each pod carries afterwards). */
function problem(item: ProposalItem, c: Change): string {
  const e = item.recommendation.evidence;
  const u = (v: number) => withUnit(v, item.unit);
  const cap = e.capacityPerReplica;
  switch (c.field) {
    case 'replicas': {
      // The peak that sized it: the sized quantile's, or the high quantile's when bursts need more.
      if (c.basis.kind === 'calibrated') {
        const need = c.basis.load;
        return c.proposed >= c.current
          ? `the next ${hours(e.horizonSeconds)} need ${u(need)} to stay short at most ${Math.round(c.basis.target * 1000) / 10}% of the time, against ${u(c.current * cap)} that ${c.current === 1 ? '1 replica serves' : `${c.current} replicas serve`} today`
          : `after the change, ${c.proposed === 1 ? '1 replica carries' : `${c.proposed} replicas carry`} ${u(need)} (short at most ${Math.round(c.basis.target * 1000) / 10}% of the time): ${u(need / c.proposed)} each, ${pctOf(need / c.proposed, cap)} of the ${u(cap)} one serves`;
      }
      const [peak, level] = c.basis.kind === 'burst' ? [c.basis.load, c.basis.quantile] : [e.forecastPeak, e.quantile];
      return c.proposed >= c.current
        ? `${q(level)} forecast peak ${u(peak)} (next ${hours(e.horizonSeconds)}) against ${u(c.current * cap)} that ${c.current === 1 ? '1 replica serves' : `${c.current} replicas serve`} today`
        : `after the change, ${c.proposed === 1 ? '1 replica carries' : `${c.proposed} replicas carry`} the ${q(level)} forecast peak ${u(peak)}: ${u(peak / c.proposed)} each, ${pctOf(peak / c.proposed, cap)} of the ${u(cap)} one serves`;
    }
    case 'hpa.maxReplicas': {
      const today = `${q(e.maxQuantile)} forecast peak ${u(e.highPeak)} against ${u(c.current * cap)} at today's ceiling of ${c.current} replicas`;
      // A lower ceiling: what it serves, so one below the peak shows.
      return c.proposed >= c.current ? today : `${today}; the proposed ceiling of ${c.proposed} serves ${u(c.proposed * cap)}`;
    }
    case 'hpa.minReplicas': {
      // What the trough needs is the recommendation; the guardrails may have moved the floor proposed (Sizing says so).
      const need = item.recommendation.changes.find((x) => x.field === c.field)?.proposed ?? c.proposed;
      return `the forecast median's trough needs ${need} replicas; the HPA's floor is ${c.current} today`;
    }
    case 'cpu.request':
    case 'memory.request': {
      const usage = c.basis.kind === 'cpuPercentile' ? c.basis.usage : c.basis.kind === 'memoryPeak' || c.basis.kind === 'oomBump' ? c.basis.peak : undefined;
      if (usage === undefined) return `${c.field} ${show(c.field, c.current)} → ${show(c.field, c.proposed)}`;
      const what = c.field === 'cpu.request' ? "the busiest pod's CPU" : 'the peak working set';
      return `${what} ${show(c.field, usage)} is ${pctOf(usage, c.current)} of today's request ${show(c.field, c.current)}; after the change, ${pctOf(usage, c.proposed)} of ${show(c.field, c.proposed)}`;
    }
    default:
      return `${c.field} ${show(c.field, c.current)} → ${show(c.field, c.proposed)}`;
  }
}

function scheduleProblem(item: ProposalItem): string {
  const s = item.decision.schedule;
  if (!s) return 'no change';
  const now = scheduleHours(s).before;
  // The need before the guardrails: what the forecast asks for, not what this PR gives.
  const need = item.recommendation.schedule?.hourlyNeed ?? s.hourlyNeed;
  const h = largestRise(now, need);
  return `at ${hourLabel(h, need.length)} ${s.timezone} the forecast needs ${need[h]} replicas; ${now[h]} run then today`;
}

/** "3 windows", or "3 windows per day type (weekdays, weekends)" when weekdays and weekends get windows of their own. */
function windows(s: ProposalItem['decision']['schedule']): string {
  const n = `${s?.maxWindows ?? '?'} windows`;
  return s?.weekSets ? `${n} per day type (weekdays, weekends)` : n;
}

function scheduleSizing(item: ProposalItem): string {
  const e = item.recommendation.evidence;
  const s = item.decision.schedule;
  const u = (v: number) => withUnit(v, item.unit);
  if (e.calibrated)
    return `each local hour: ⌈the smallest load whose expected share of that hour's intervals above it is at most ${Math.round(e.calibrated.target * 1000) / 10}%, from the residuals of the ${q(e.quantile)} forecast on this workload's backtest ÷ ${u(e.capacityPerReplica)} per replica⌉, cut into at most ${windows(s)} above the floor of ${s?.floor ?? '?'}`;
  return `each local hour: ⌈the ${q(e.quantile)} forecast × ${(1 + e.headroomPercent / 100).toFixed(2)} headroom (at least the ${q(e.maxQuantile)}) ÷ ${u(e.capacityPerReplica)} per replica⌉, cut into at most ${windows(s)} above the floor of ${s?.floor ?? '?'}`;
}

/** The primary change's arithmetic, and what the guardrails made of it. */
function sizing(item: ProposalItem, c: Change): string {
  const raw = item.recommendation.changes.find((x) => x.field === c.field)?.proposed ?? c.proposed;
  const arithmetic = `\`${c.field}\` = ${describeBasis(c.basis, item.unit, raw, c.field)}`;
  return raw === c.proposed ? arithmetic : `${arithmetic}, **${show(c.field, c.proposed)}** after the guardrails`;
}

function costLine(item: ProposalItem): string {
  const d = item.decision;
  const s = d.schedule;
  const dayMean = (r: number[]) => r.reduce((a, b) => a + b, 0) / r.length;
  const hours = s ? scheduleHours(s) : undefined;
  const [now, next] = hours ? [dayMean(hours.before), dayMean(hours.after)] : [item.expectedReplicasNow, item.expectedReplicas];
  const over = s && s.hourlyNeed.length === WEEK_HOURS ? 'over the week' : 'over the day';
  const basis = !s ? 'expected' : s.running ? `${over}, each hour the most of the cron windows, the floor and what the workload runs then today` : `${over}, from the cron windows and the floor: costed against the floor (no replica history)`;
  const avg = `${money(d.cost)}/month on average (${fmt(now)} → ${fmt(next)} replicas ${basis})`;
  return d.peakCost ? `${avg}, ${money(d.peakCost)}/month at peak` : avg;
}

export function describeFlag(f: RedFlag, unit?: string): string {
  const u = (v: number) => withUnit(v, unit);
  switch (f.flag) {
    case 'shortHistory':
      return `only ${f.days.toFixed(1)} days of history (under 14): the weekly shape is barely known`;
    case 'dataFilled':
      return `${pctOf(f.filled + f.excluded, f.steps)} of the history was not observed (${f.filled} samples filled, ${f.excluded} excluded)`;
    case 'incidents':
      return `${f.count} incident${f.count === 1 ? '' : 's'} excluded from training`;
    case 'inaccurate':
      return f.mase > 1 ? `the model forecast worse than "the same as last week" (MASE ${f.mase.toFixed(2)})` : `its ${q(f.quantile)} covered only ${pctOf(f.coverage ?? 0, 1)} of the backtest`;
    case 'bursty':
      return `the high quantile's forecast peak is ${ratioText(f.ratio)} the sized one: bursts set the size`;
    case 'oneHour':
      // Other days that peaked at 0 (or below) make no finite ratio: said in words.
      return `one hour (${isoMinutes(f.start)}) peaked at ${u(f.peak)}, ${f.otherDays > 0 ? `${ratioText(f.peak / f.otherDays)} any other day's peak (${u(f.otherDays)})` : `while no other day's peak rose above ${u(Math.max(0, f.otherDays))}`}: one event sets the size`;
    case 'belowObserved':
      return (
        `the same hours a week ago peaked at ${u(f.observedPeak)}, above the ${u(f.capacity)} that ${f.replicas} replicas serve: ` +
        (f.recommended > f.replicas ? `the guardrails held it to ${f.replicas} this PR (${f.recommended} recommended)` : 'the forecast expects that peak not to return')
      );
    case 'clamped':
      return `${f.field}: the recommendation was ${show(f.field, f.raw)}, the guardrails made it ${show(f.field, f.proposed)}: the raw number says something is off`;
    case 'oomKills':
      return f.count >= 0.5 ? `${oomCount(f.count)} OOM kill${oomCount(f.count) === '1' ? '' : 's'} in the history` : `a fraction of an OOM kill (${oomCount(f.count)}) in the history: check the oomKills query`;
    case 'leak':
      return `the working set grows about ${fmtBytes(f.growthPerDay)} a day between restarts: looks like a leak, more memory only postpones the OOM`;
    case 'memoryAtLimit':
      return `the working set reached ${fmtBytes(f.peak)} of its ${fmtBytes(f.limit)} limit`;
    case 'hpaResource':
      return `the HPA scales on ${f.resource} utilization: a request ${f.factor.toFixed(2)}× makes it see ${(1 / f.factor).toFixed(2)}× the utilization, so it scales ${f.factor > 1 ? 'in' : 'out'} at the same load`;
    case 'sharedBase':
      return `the edit lands in ${f.files.map((x) => `\`${x}\``).join(', ')}, which other environments also build from`;
    case 'scaleDown': {
      const w = f.weekPeak;
      const peak = w ? `: the last ${w.days} days peaked at ${u(w.observedPeak)}, above the ${u(w.capacity)} that ${w.replicas} replica${w.replicas === 1 ? '' : 's'} serve${w.replicas === 1 ? 's' : ''}` : '';
      return `scale-down of ${f.fields.join(', ')}${peak}`;
    }
    case 'cpuOverRequest':
      return `with ${f.after} replicas instead of ${f.before}, each pod would use about ${fmt(f.perPod)} cores at p95, above its ${fmt(f.request)}-core request: the node may not have that CPU to give`;
    case 'critical':
      return 'the workload is marked critical (policy.critical): give it a second look';
  }
}

/** The data behind the forecast and the sizes, only what applies: history, its gaps and incidents, memory, OOM kills. */
export function dataLines(item: ProposalItem): string[] {
  const h = item.history;
  const days = item.historySeconds / 86_400;
  const step = h.stepSeconds % 60 === 0 ? `${h.stepSeconds / 60} min` : `${h.stepSeconds} s`;
  const out = [`Load: ${days.toFixed(1)} days of history at ${step} (${h.values.length} samples); observed peak of the last ${Math.round(item.recommendation.evidence.observedSeconds / 86_400)} days ${withUnit(item.recommendation.evidence.observedPeak, item.unit)}.`];
  for (const f of item.findings) {
    if (f.kind === 'history') {
      if (f.filled > 0) out.push(`Missing samples filled: ${f.filled} (${pctOf(f.filled, f.steps)}).`);
      if (f.incidents.length > 0) out.push(`Incidents excluded from training: ${f.incidents.length} (${f.excluded} samples, ${pctOf(f.excluded, f.steps)}): ${f.incidents.slice(0, 3).map(([a, b]) => `${isoMinutes(a)}..${isoMinutes(b)}`).join(', ')}${f.incidents.length > 3 ? ', …' : ''}.`);
      if (f.outliers > 0) out.push(`Extreme samples kept: ${f.outliers} (a spike may be real load).`);
    }
    if (f.kind === 'counter') out.push(`The load only rises (a counter, ${f.resets} reset${f.resets === 1 ? '' : 's'}): its per-second rate was forecast.`);
    if (f.kind === 'metricUnavailable') out.push(`${f.metric} could not be read, so ${f.metric === 'replicas' ? 'the schedule is costed against the floor' : 'its changes are left out'}: ${f.error}`);
  }
  out.push(...memoryLines(item));
  return out.map((l) => `- ${l}`);
}

function memoryLines(item: ProposalItem): string[] {
  const t = item.memoryTrend;
  const out: string[] = [];
  if (t) {
    const req = item.current['memory.request'];
    const lim = item.current['memory.limit'];
    out.push(`Memory: peak working set ${fmtBytes(t.peak)}${req !== undefined ? ` (${pctOf(t.peak, req)} of the request ${fmtBytes(req)}` : ''}${lim !== undefined ? `${req !== undefined ? ', ' : ' ('}${pctOf(t.peak, lim)} of the limit ${fmtBytes(lim)}` : ''}${req !== undefined || lim !== undefined ? ')' : ''}; ${t.segments - 1} restart${t.segments === 2 ? '' : 's'} seen.${t.leak ? ` It grows about ${fmtBytes(t.growthPerDay)} a day between restarts: looks like a leak.` : ''}`);
  }
  const ooms = item.recommendation.evidence.oomKills;
  if (ooms !== undefined && ooms > 0) out.push(`OOM kills: ${oomCount(ooms)}${item.container ? ` (container ${item.container})` : ''}${oomTimes(item)}.`);
  return out;
}

/** When the OOM-kill count rose, from the series. */
function oomTimes(item: ProposalItem): string {
  const s = item.oomKills;
  if (!s) return '';
  const at: string[] = [];
  for (let i = 1; i < s.values.length; i++) if ((s.values[i] as number) > (s.values[i - 1] as number)) at.push(isoMinutes(s.timestamps[i] as number));
  return at.length > 0 ? `, first seen ${at.slice(0, 3).join(', ')}${at.length > 3 ? ', …' : ''}` : '';
}

// A share above 0 that rounds to 0% (18 samples of 4032) reads "<1%".
const pctOf = (a: number, b: number) => (b > 0 ? (a > 0 && a / b < 0.005 ? '<1%' : `${Math.round((a / b) * 100)}%`) : 'n/a');
const hours = (s: number) => (s % 86_400 === 0 ? `${s / 86_400 === 1 ? '24 h' : `${s / 86_400} d`}` : `${Math.round(s / 3600)} h`);
