// Replaying a trace through scaling policies under the PR cadence.
//
// Cadence. Once a day at `proposalHour` (UTC) each policy proposes, seeing only the history
// before that moment (at most the last `historyDays`). A reviewer merges it `reviewDelay` later;
// from then on it holds for 24 hours (the "applied day"), until the next proposal lands. The
// max-step guardrail clamps each proposal against the value in place (oracles skip it); a policy
// with proposeGuarded (Augur: the product's recommend() and guard()) applies its own guardrails
// and the replay takes its numbers as they are. The first
// applied day sets the starting values: not clamped, not counted as a PR. After that a proposal
// that changes what is in place is one PR; a proposal equal to it, or none at all (a model that
// cannot forecast), is no PR and leaves the values in place.
//
// Scenarios. What a PR can change:
//   daily     one replica count for the applied day (the highest hourly need);
//   hpa       the HPA's minReplicas for the applied day (the same number); the HPA (hpa.ts) adds
//             replicas above the floor as the load asks, with its lag;
//   schedule  a floor plus at most `maxWindows` windows with their own counts (windows.ts), as
//             KEDA cron triggers apply them; the guardrail clamps each hour against the same hour
//             of the schedule in place before the windows are cut.
//
// Figures, over the evaluated steps that have a load sample: the share of steps where
// load > replicas × capacity, replica-hours relative to the daily oracle (each applied day at
// ceil(day's peak / capacity)) and to the hourly oracle (each hour at ceil(hour's peak /
// capacity)), both computed without cadence or guardrail, and the PRs.

import type { Series } from '../domain/series.js';
import { POLICY_DEFAULTS, SIZING_DEFAULTS } from '../config/schema.js';
import { clampStep } from '../guardrails/steps.js';
import { DEFAULT_HPA, hpaReplicas, type HpaOptions } from './hpa.js';
import { hourlyPeaks, indexRange, replicasFor, type GuardedProposal, type Policy, type StepLimits } from './policies.js';
import { buildSchedule, DEFAULT_MAX_WINDOWS, expandSchedule } from '../recommend/windows.js';

export const SCENARIOS = ['daily', 'hpa', 'schedule'] as const;
export type Scenario = (typeof SCENARIOS)[number];

export interface SimOptions {
  /** Load one replica serves; default: the trace's peak / `peakReplicas`. */
  capacity?: number;
  /** The trace's peak needs this many replicas when capacity is not given (20). */
  peakReplicas: number;
  proposalHour: number;
  reviewDelaySeconds: number;
  stepLimits: StepLimits;
  headroom: number;
  quantile: number;
  /** Augur's sizing.targetUnderProvisioned (the share of intervals it sizes to be short at most). */
  targetUnderProvisioned: number;
  historyDays: number;
  /** Warm-up days; default: half the trace, at least 3 and at most 14. */
  warmupDays?: number;
  maxWindows: number;
  hpa: HpaOptions;
}

export const DEFAULT_SIM_OPTIONS: SimOptions = {
  peakReplicas: 20,
  proposalHour: 6,
  reviewDelaySeconds: 4 * 3600,
  stepLimits: POLICY_DEFAULTS.maxStepPercent,
  headroom: 0.1,
  quantile: 0.9,
  targetUnderProvisioned: SIZING_DEFAULTS.targetUnderProvisioned,
  historyDays: 14,
  maxWindows: DEFAULT_MAX_WINDOWS,
  hpa: DEFAULT_HPA,
};

export interface ScenarioResult {
  /** Share of evaluated steps with load above replicas × capacity. */
  underProvisioned: number;
  replicaHours: number;
  /** replicaHours / the daily oracle's. */
  vsDailyOracle: number;
  /** replicaHours / the hourly oracle's. */
  vsHourlyOracle: number;
  prs: number;
}

export interface PolicyResult {
  policy: string;
  kind: Policy['kind'];
  /** Proposals the policy could not make (values in place kept). */
  missedProposals: number;
  scenarios: Record<Scenario, ScenarioResult>;
}

export interface TraceResult {
  trace: string;
  stepSeconds: number;
  peak: number;
  capacity: number;
  warmupDays: number;
  evaluatedDays: number;
  /** ISO times of the first and last evaluated instants. */
  from: string;
  to: string;
  oracleReplicaHours: { daily: number; hourly: number };
  policies: PolicyResult[];
}

export class SimError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SimError';
  }
}

const DAY = 86400;
const HOUR = 3600;

/** Warm-up days for a trace of this many days: half of it, at least 3, at most 14. */
export function defaultWarmupDays(spanDays: number): number {
  return Math.min(14, Math.max(3, Math.floor(spanDays / 2)));
}

/** Replays one trace through every policy. Throws SimError when the trace is too short or empty. */
export function simulateTrace(name: string, series: Series, policies: readonly Policy[], options: Partial<SimOptions> = {}): TraceResult {
  const o: SimOptions = { ...DEFAULT_SIM_OPTIONS, ...options };
  const plan = planReplay(name, series, o);
  const refs = oracleReplicaHours(series, plan);
  // The HPA's own count, over the whole trace so it has warmed up by the first evaluated step.
  const hpa = hpaReplicas(series.values, plan.capacity, series.stepSeconds, o.hpa).slice(plan.lo, plan.hi);
  return {
    trace: name,
    stepSeconds: series.stepSeconds,
    peak: plan.peak,
    capacity: plan.capacity,
    warmupDays: plan.warmupDays,
    evaluatedDays: plan.proposals.length,
    from: new Date(plan.evalStart * 1000).toISOString(),
    to: new Date(plan.evalEnd * 1000).toISOString(),
    oracleReplicaHours: refs,
    policies: policies.map((policy) => replayPolicy(policy, series, plan, o, hpa, refs)),
  };
}

/** When the replay proposes and what it evaluates: the trace's peak and capacity, the proposal times, the evaluated steps [lo, hi). */
interface ReplayPlan {
  peak: number;
  capacity: number;
  warmupDays: number;
  proposals: number[];
  evalStart: number;
  evalEnd: number;
  lo: number;
  hi: number;
  /** Day and hour of the applied day of each evaluated step (relative to lo). */
  dayOf: (i: number) => number;
  hourOf: (i: number) => number;
}

function planReplay(name: string, series: Series, o: SimOptions): ReplayPlan {
  const { timestamps: ts, values, stepSeconds: step } = series;
  const first = ts[0];
  const last = ts[ts.length - 1];
  if (first === undefined || last === undefined) throw new SimError(`${name}: no samples`);
  let peak = Number.NEGATIVE_INFINITY;
  for (const v of values) if (Number.isFinite(v) && v > peak) peak = v;
  if (!(peak > 0)) throw new SimError(`${name}: no positive load sample`);
  const capacity = o.capacity ?? peak / o.peakReplicas;
  if (!(capacity > 0)) throw new SimError(`${name}: capacity must be positive`);
  const spanDays = (last + step - first) / DAY;
  const warmupDays = o.warmupDays ?? defaultWarmupDays(spanDays);
  if (warmupDays < 3) throw new SimError(`${name}: warm-up must be at least 3 days of history`);
  // Proposal times: every day at proposalHour, the first after the warm-up.
  const dayStart = (t: number): number => Math.floor(t / DAY) * DAY;
  let p0 = dayStart(first + warmupDays * DAY) + o.proposalHour * HOUR;
  if (p0 < first + warmupDays * DAY) p0 += DAY;
  const proposals: number[] = [];
  for (let p = p0; p + o.reviewDelaySeconds + DAY <= last + step; p += DAY) proposals.push(p);
  if (proposals.length < 2) {
    throw new SimError(`${name}: ${spanDays.toFixed(1)} days of samples leave fewer than 2 full days after a ${warmupDays}-day warm-up`);
  }
  const evalStart = (proposals[0] as number) + o.reviewDelaySeconds;
  const evalEnd = (proposals[proposals.length - 1] as number) + o.reviewDelaySeconds + DAY;
  const [lo, hi] = indexRange(series, evalStart, evalEnd);
  const at = (i: number) => ((ts[lo + i] as number) - evalStart);
  return { peak, capacity, warmupDays, proposals, evalStart, evalEnd, lo, hi, dayOf: (i) => Math.floor(at(i) / DAY), hourOf: (i) => Math.floor((at(i) % DAY) / HOUR) };
}

/** The references: the daily and hourly oracles' replica-hours, without cadence or guardrail. */
function oracleReplicaHours(series: Series, plan: ReplayPlan): { daily: number; hourly: number } {
  const { timestamps: ts, values, stepSeconds: step } = series;
  const dailyRef: number[] = [];
  const hourlyRef: number[][] = [];
  for (let d = 0; d < plan.proposals.length; d++) {
    const ws = plan.evalStart + d * DAY;
    const [a, b] = indexRange(series, ws, ws + DAY);
    const peaks = hourlyPeaks(ts.slice(a, b), values.slice(a, b), ws);
    const finite = peaks.filter(Number.isFinite);
    dailyRef.push(replicasFor(finite.length > 0 ? Math.max(...finite) : 0, plan.capacity));
    hourlyRef.push(peaks.map((p) => replicasFor(p, plan.capacity)));
  }
  let daily = 0;
  let hourly = 0;
  for (let i = 0; i < plan.hi - plan.lo; i++) {
    if (!Number.isFinite(values[plan.lo + i] as number)) continue;
    daily += (dailyRef[plan.dayOf(i)] as number) * (step / HOUR);
    hourly += ((hourlyRef[plan.dayOf(i)] as number[])[plan.hourOf(i)] as number) * (step / HOUR);
  }
  return { daily, hourly };
}

/** One policy's proposals at every proposal time, then what they ran against the load of each evaluated step. */
function replayPolicy(policy: Policy, series: Series, plan: ReplayPlan, o: SimOptions, hpa: number[], refs: { daily: number; hourly: number }): PolicyResult {
  const run = proposeDaily(policy, series, plan, o);
  const acc = { daily: new Acc(), hpa: new Acc(), schedule: new Acc() };
  const stepHours = series.stepSeconds / HOUR;
  for (let i = 0; i < plan.hi - plan.lo; i++) {
    const v = series.values[plan.lo + i] as number;
    if (!Number.isFinite(v)) continue;
    const d = plan.dayOf(i);
    const floor = run.daily[d] as number;
    acc.daily.add(v, floor, plan.capacity, stepHours);
    acc.hpa.add(v, Math.max(floor, hpa[i] as number), plan.capacity, stepHours);
    acc.schedule.add(v, (run.schedules[d] as number[])[plan.hourOf(i)] as number, plan.capacity, stepHours);
  }
  return {
    policy: policy.name,
    kind: policy.kind,
    missedProposals: run.missed,
    scenarios: {
      daily: acc.daily.result(refs.daily, refs.hourly, run.prDaily),
      hpa: acc.hpa.result(refs.daily, refs.hourly, run.prDaily),
      schedule: acc.schedule.result(refs.daily, refs.hourly, run.prSchedule),
    },
  };
}

/** What a policy keeps in place each applied day (its guarded proposal, or the values before), and the PRs that took. */
function proposeDaily(policy: Policy, series: Series, plan: ReplayPlan, o: SimOptions) {
  const { timestamps: ts, values, stepSeconds: step } = series;
  const historySteps = Math.round((o.historyDays * DAY) / step);
  const out = { daily: [] as number[], schedules: [] as number[][], missed: 0, prDaily: 0, prSchedule: 0 };
  let state: unknown;
  for (let d = 0; d < plan.proposals.length; d++) {
    const p = plan.proposals[d] as number;
    const [, hEnd] = indexRange(series, p - historySteps * step, p);
    const hStart = Math.max(0, hEnd - historySteps);
    const history: Series = { timestamps: ts.slice(hStart, hEnd), values: values.slice(hStart, hEnd), stepSeconds: step };
    const ctx = { series, history, proposalTime: p, windowStart: p + o.reviewDelaySeconds, capacity: plan.capacity, headroom: o.headroom, quantile: o.quantile, targetUnderProvisioned: o.targetUnderProvisioned, stepLimits: o.stepLimits, maxWindows: o.maxWindows };
    const prevDaily = out.daily[d - 1];
    const prevSchedule = out.schedules[d - 1];
    const g = policy.proposeGuarded
      ? policy.proposeGuarded(ctx, { ...(prevDaily !== undefined ? { daily: prevDaily } : {}), ...(prevSchedule ? { schedule: prevSchedule } : {}), state })
      : replayGuard(policy.propose?.(ctx), prevDaily, prevSchedule, policy.guarded ? o.stepLimits : undefined, o.maxWindows);
    if (!g) {
      out.missed++;
      out.daily.push(prevDaily ?? 1);
      out.schedules.push(prevSchedule ?? new Array<number>(24).fill(1));
      continue;
    }
    if (prevDaily !== undefined && g.daily !== prevDaily) out.prDaily++;
    if (prevSchedule && g.schedule.some((r, h) => r !== prevSchedule[h])) out.prSchedule++;
    out.daily.push(g.daily);
    out.schedules.push(g.schedule);
    state = g.state;
  }
  return out;
}

/**
 * The replay's own guardrail for a policy that proposes hourly needs: one count for the day (the
 * highest hour; daily and hpa scenarios) and a schedule, each clamped by the max step against
 * what is in place (`limits` undefined: not guarded), the schedule's windows cut after the clamp.
 * The step is the product's (guardrails/steps.ts); a count in the replay never goes below 1.
 */
function replayGuard(need: number[] | undefined, prevDaily: number | undefined, prevSchedule: number[] | undefined, limits: StepLimits | undefined, maxWindows: number): GuardedProposal | undefined {
  if (!need) return undefined;
  const step = (current: number, proposed: number) => (limits ? Math.max(1, clampStep('replicas', current, proposed, limits)) : proposed);
  const count = Math.max(...need);
  const clamped = need.map((r, h) => (prevSchedule ? step(prevSchedule[h] as number, r) : r));
  return {
    daily: prevDaily !== undefined ? step(prevDaily, count) : count,
    schedule: expandSchedule(buildSchedule(clamped, maxWindows)),
  };
}

class Acc {
  private steps = 0;
  private under = 0;
  private replicaHours = 0;
  add(load: number, replicas: number, capacity: number, stepHours: number): void {
    this.steps++;
    if (load > replicas * capacity * (1 + 1e-12)) this.under++;
    this.replicaHours += replicas * stepHours;
  }
  result(refDaily: number, refHourly: number, prs: number): ScenarioResult {
    return {
      underProvisioned: this.steps > 0 ? this.under / this.steps : 0,
      replicaHours: this.replicaHours,
      vsDailyOracle: refDaily > 0 ? this.replicaHours / refDaily : Number.NaN,
      vsHourlyOracle: refHourly > 0 ? this.replicaHours / refHourly : Number.NaN,
      prs,
    };
  }
}

export interface PolicySummary {
  policy: string;
  kind: Policy['kind'];
  traces: number;
  /** Medians across traces. */
  underProvisioned: number;
  vsDailyOracle: number;
  vsHourlyOracle: number;
  prsPerWeek: number;
}

/** Per scenario and policy (in the order first seen): medians across traces. */
export function summarise(traces: readonly TraceResult[]): Record<Scenario, PolicySummary[]> {
  const out = { daily: [], hpa: [], schedule: [] } as Record<Scenario, PolicySummary[]>;
  const names: { policy: string; kind: Policy['kind'] }[] = [];
  for (const t of traces) for (const p of t.policies) if (!names.some((n) => n.policy === p.policy)) names.push({ policy: p.policy, kind: p.kind });
  for (const s of SCENARIOS) {
    for (const { policy, kind } of names) {
      const rows = traces.flatMap((t) => {
        const p = t.policies.find((x) => x.policy === policy);
        return p ? [{ r: p.scenarios[s], days: t.evaluatedDays }] : [];
      });
      out[s].push({
        policy,
        kind,
        traces: rows.length,
        underProvisioned: median(rows.map((x) => x.r.underProvisioned)),
        vsDailyOracle: median(rows.map((x) => x.r.vsDailyOracle)),
        vsHourlyOracle: median(rows.map((x) => x.r.vsHourlyOracle)),
        prsPerWeek: median(rows.map((x) => (x.r.prs * 7) / x.days)),
      });
    }
  }
  return out;
}

export function median(xs: readonly number[]): number {
  const a = xs.filter(Number.isFinite).sort((x, y) => x - y);
  if (a.length === 0) return Number.NaN;
  const h = a.length >> 1;
  return a.length % 2 === 1 ? (a[h] as number) : ((a[h - 1] as number) + (a[h] as number)) / 2;
}
