// Red flags: what a reviewer needs to see to catch a change that is valid, deploys green, and is
// still wrong. Each flag is one small check over the decision and its evidence; a flag appears in
// the PR's decision box only when it fires. Pure.
import type { Decision, Recommendation } from '../domain/decision.js';
import type { Forecast } from '../domain/forecast.js';
import type { Finding, RedFlag } from '../domain/reasons.js';
import type { Series } from '../domain/series.js';
import type { FieldKey } from '../domain/workload.js';
import type { MemoryTrend } from '../recommend/memory.js';
import { sortedFinite } from '../recommend/stats.js';

/** What the flags look at. */
export interface ReviewInput {
  decision: Decision;
  recommendation: Recommendation;
  forecast: Forecast;
  /** The load history the forecast used (cleaned). */
  history: Series;
  historySeconds: number;
  findings: readonly Finding[];
  /** The values in Git now, in natural units. */
  current: Partial<Record<FieldKey, number>>;
  memoryTrend?: MemoryTrend | undefined;
  oomKills?: number | undefined;
  /** The resources the workload's HPA scales on (cpu, memory), when an HPA does. */
  hpaResources?: readonly string[] | undefined;
  /** Files the edits touch that other environments also build from. */
  sharedFiles?: readonly string[] | undefined;
  /** CPU cores of the busiest pod, when read. */
  cpu?: Series | undefined;
  critical: boolean;
}

const HISTORY_DAYS = 14;
const MAX_MASE = 1;
const COVERAGE_SLACK = 0.05;
const BURST_RATIO = 2;
/** The busiest hour must peak this far above every other day's peak to count as one event. */
const ONE_EVENT = 1.5;
const FILLED_SHARE = 0.05;
const CLAMP_FACTOR = 2;
const AT_LIMIT = 0.95;
/** The observed peak must exceed the proposed capacity by this much to flag (noise and headroom aside). */
const OBSERVED_MARGIN = 1.2;
const WEEK = 7 * 86_400;

type Check = (r: ReviewInput) => RedFlag | undefined;

/** The checks, in the order a reviewer reads them: the data, the model, the numbers, the blast radius. */
const CHECKS: readonly Check[] = [
  (r) => (r.historySeconds < HISTORY_DAYS * 86_400 ? { flag: 'shortHistory', days: r.historySeconds / 86_400 } : undefined),
  dataFilled,
  (r) => {
    const h = r.findings.find((f) => f.kind === 'history');
    return h && h.kind === 'history' && h.incidents.length > 0 ? { flag: 'incidents', count: h.incidents.length } : undefined;
  },
  inaccurate,
  (r) => {
    const { highPeak, forecastPeak } = r.recommendation.evidence;
    return forecastPeak > 0 && highPeak / forecastPeak > BURST_RATIO ? { flag: 'bursty', ratio: highPeak / forecastPeak } : undefined;
  },
  oneHour,
  belowObserved,
  clamped,
  (r) => (r.oomKills !== undefined && r.oomKills > 0 ? { flag: 'oomKills', count: r.oomKills } : undefined),
  (r) => (r.memoryTrend?.leak ? { flag: 'leak', growthPerDay: r.memoryTrend.growthPerDay } : undefined),
  (r) => {
    const limit = r.current['memory.limit'];
    const peak = r.memoryTrend?.peak;
    return limit !== undefined && peak !== undefined && peak >= AT_LIMIT * limit ? { flag: 'memoryAtLimit', peak, limit } : undefined;
  },
  hpaResource,
  (r) => (r.sharedFiles && r.sharedFiles.length > 0 ? { flag: 'sharedBase', files: [...r.sharedFiles] } : undefined),
  scaleDown,
  cpuOverRequest,
  (r) => (r.critical ? { flag: 'critical' } : undefined),
];

export function redFlags(r: ReviewInput): RedFlag[] {
  return CHECKS.flatMap((check) => check(r) ?? []);
}

function dataFilled(r: ReviewInput): RedFlag | undefined {
  const h = r.findings.find((f) => f.kind === 'history');
  if (!h || h.kind !== 'history' || h.steps === 0) return undefined;
  const share = (h.filled + h.excluded) / h.steps;
  return share > FILLED_SHARE ? { flag: 'dataFilled', share, filled: h.filled, excluded: h.excluded, steps: h.steps } : undefined;
}

function inaccurate(r: ReviewInput): RedFlag | undefined {
  const a = r.forecast.accuracy;
  if (!a) return undefined;
  const q = r.recommendation.evidence.quantile;
  const coverage = a.coverage[String(q)];
  // p90 should cover about 90%: under 85% it under-provisions; other quantiles get the same 5 points.
  if (a.mase > MAX_MASE || (coverage !== undefined && coverage < q - COVERAGE_SLACK)) return { flag: 'inaccurate', mase: a.mase, coverage, quantile: q };
  return undefined;
}

/**
 * The history's busiest hour, when it peaked far above every other day's peak and the size needs
 * more than those other days did: one event (a spike, an incident, a test) sets the size.
 */
function oneHour(r: ReviewInput): RedFlag | undefined {
  const { values, timestamps } = r.history;
  let top = -Infinity;
  let at = 0;
  // Indexed loops: forEach hands its callback each number boxed, an allocation per sample.
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    if (v > top) {
      top = v;
      at = timestamps[i] as number;
    }
  }
  if (!Number.isFinite(top) || top <= 0) return undefined;
  const hour = Math.floor(at / 3600) * 3600;
  const day = Math.floor(at / 86_400);
  let other = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    if (Math.floor((timestamps[i] as number) / 86_400) !== day && v > other) other = v;
  }
  // It sets the size only when the size needs more than any other day's peak did.
  const e = r.recommendation.evidence;
  const sized = e.calibrated ? e.calibrated.load : Math.max(e.forecastPeak * (1 + e.headroomPercent / 100), e.highPeak);
  return Number.isFinite(other) && top > ONE_EVENT * other && sized > other ? { flag: 'oneHour', start: hour, peak: top, otherDays: other } : undefined;
}

/**
 * The proposed replicas (or HPA ceiling) serve less than the same hours a week ago peaked at: the
 * forecast expects last week's peak not to return (a weekly cycle's quiet day is not flagged: the
 * same weekday is compared).
 */
function belowObserved(r: ReviewInput): RedFlag | undefined {
  const e = r.recommendation.evidence;
  const field = r.current['hpa.maxReplicas'] !== undefined ? 'hpa.maxReplicas' : 'replicas';
  const replicas = r.decision.changes.find((c) => c.field === field)?.proposed;
  const recommended = r.recommendation.changes.find((c) => c.field === field)?.proposed;
  const ts = r.forecast.timestamps;
  if (replicas === undefined || recommended === undefined || ts.length === 0) return undefined;
  const [from, to] = [(ts[0] as number) - WEEK, (ts[ts.length - 1] as number) - WEEK];
  let peak = -Infinity;
  const { values, timestamps } = r.history;
  for (let i = 0; i < values.length; i++) {
    const t = timestamps[i] as number;
    const v = values[i] as number;
    if (t >= from && t <= to && v > peak) peak = v;
  }
  const capacity = replicas * e.capacityPerReplica;
  if (!(peak > capacity * OBSERVED_MARGIN)) return undefined;
  return { flag: 'belowObserved', observedPeak: peak, capacity, replicas, days: 7, recommended };
}

/** Values that go down, with the last days' observed peak when the fewer replicas (or the lower ceiling) would not have served it. */
function scaleDown(r: ReviewInput): RedFlag | undefined {
  const fields = r.decision.changes.filter((c) => c.proposed < c.current).map((c) => c.field);
  if (fields.length === 0) return undefined;
  const e = r.recommendation.evidence;
  const c = r.decision.changes.find((x) => (x.field === 'replicas' || x.field === 'hpa.maxReplicas') && x.proposed < x.current);
  const capacity = c ? c.proposed * e.capacityPerReplica : undefined;
  if (!c || capacity === undefined || !(e.observedPeak > capacity) || belowObserved(r)) return { flag: 'scaleDown', fields };
  return { flag: 'scaleDown', fields, weekPeak: { observedPeak: e.observedPeak, capacity, replicas: c.proposed, days: Math.round(e.observedSeconds / 86_400) } };
}

/** A change the guardrails cut (or raised) by more than half from what was recommended. */
function clamped(r: ReviewInput): RedFlag | undefined {
  for (const c of r.decision.changes) {
    const raw = r.recommendation.changes.find((x) => x.field === c.field)?.proposed;
    if (raw === undefined || !(raw > 0) || !(c.proposed > 0)) continue;
    if (raw / c.proposed > CLAMP_FACTOR || c.proposed / raw > CLAMP_FACTOR) return { flag: 'clamped', field: c.field, raw, proposed: c.proposed };
  }
  return undefined;
}

/**
 * Fewer replicas carry the same load: each pod's CPU grows by replicas before ÷ after. Flagged when
 * the busiest pod's p95 today, so scaled, passes the pod's (new) CPU request.
 */
function cpuOverRequest(r: ReviewInput): RedFlag | undefined {
  const c = r.decision.changes.find((x) => x.field === 'replicas');
  const request = r.decision.changes.find((x) => x.field === 'cpu.request')?.proposed ?? r.current['cpu.request'];
  if (!c || !(c.proposed < c.current) || !(c.proposed > 0) || request === undefined || !(request > 0)) return undefined;
  const usage = r.cpu ? p95(r.cpu.values) : Number.NaN;
  if (!Number.isFinite(usage)) return undefined;
  const perPod = (usage * c.current) / c.proposed;
  return perPod > request ? { flag: 'cpuOverRequest', perPod, request, before: c.current, after: c.proposed } : undefined;
}

function p95(values: readonly number[]): number {
  const v = sortedFinite(values);
  return v.length === 0 ? Number.NaN : (v[Math.min(v.length - 1, Math.floor(0.95 * v.length))] as number);
}

/** A request change on the resource the HPA scales on: its utilization moves by the inverse factor. */
function hpaResource(r: ReviewInput): RedFlag | undefined {
  for (const resource of ['cpu', 'memory'] as const) {
    const c = r.decision.changes.find((x) => x.field === `${resource}.request`);
    if (c && c.current > 0 && r.hpaResources?.includes(resource)) return { flag: 'hpaResource', resource, factor: c.proposed / c.current };
  }
  return undefined;
}
