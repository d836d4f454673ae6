// Scaling policies for the simulation. Each policy, once a day at proposal time, says how many
// replicas each hour of the next applied day needs (24 counts). The scenarios (replay.ts) turn
// those hourly needs into what they can express: one count for the day, an HPA floor, or a
// KEDA cron schedule.

import { POLICY_DEFAULTS, SIZING_DEFAULTS } from '../config/schema.js';
import { prepareHistory, usableSteps } from '../forecast/clean.js';
import { allForecasters, selectAugur } from '../forecast/registry.js';
import { guard } from '../guardrails/index.js';
import { recommend } from '../recommend/index.js';
import { hourlyFromTriggers, WEEK_HOURS } from '../domain/schedule.js';
import { scheduleTriggers } from '../recommend/schedule.js';
import type { CronWindowTrigger } from '../domain/workload.js';
import type { Forecast, Forecaster } from '../domain/forecast.js';
import type { Series } from '../domain/series.js';

/** The max-step guardrail's percentages: how far one proposal may move a count up and down. */
export type StepLimits = { up: number; down: number };

export type PolicyKind = 'augur' | 'baseline' | 'static' | 'oracle' | 'reference';

export interface ProposalContext {
  /** The whole trace on its grid (oracles read the future from it; nothing else may). */
  series: Series;
  /** History the policy may use: at most `historyDays` before the proposal time, on the same grid. */
  history: Series;
  proposalTime: number;
  /** The applied day: [windowStart, windowStart + 24 h). */
  windowStart: number;
  capacity: number;
  /** Extra capacity on top of Augur's forecast (0.1 = 10%). */
  headroom: number;
  /** The p-level forecasts are sized at (0.9). */
  quantile: number;
  /** Augur's sizing.targetUnderProvisioned. */
  targetUnderProvisioned: number;
  /** The max-step guardrail and the schedule's window limit of the replay. */
  stepLimits: StepLimits;
  maxWindows: number;
}

/** What is in place when a guarded policy proposes: the day's count, the schedule, and the policy's own state (e.g. its triggers). */
export interface InPlace {
  daily?: number;
  schedule?: number[];
  state?: unknown;
}

/** A proposal that has already been through the product's guardrails: the replay applies it as it is. */
export interface GuardedProposal {
  daily: number;
  /** 24 counts for the hours of the applied day. */
  schedule: number[];
  /** Handed back as InPlace.state at the next proposal. */
  state?: unknown;
}

export interface Policy {
  name: string;
  kind: PolicyKind;
  /** Guardrails (max step) apply to its proposals; oracles are references and skip them. */
  guarded: boolean;
  /** 24 replica counts (≥ 1) for the hours of the applied day, or undefined when it cannot propose (the values in place stay). */
  propose?(ctx: ProposalContext): number[] | undefined;
  /**
   * Instead of propose: the day's count and schedule after the policy's own guardrails, or
   * undefined when it proposes nothing (the values in place stay).
   */
  proposeGuarded?(ctx: ProposalContext, inPlace: InPlace): GuardedProposal | undefined;
}

const HOUR = 3600;
const DAY = 86400;

/** Replicas for a load: ceil(load / capacity), at least 1. */
export function replicasFor(load: number, capacity: number): number {
  if (!Number.isFinite(load) || load <= 0) return 1;
  return Math.max(1, Math.ceil(load / capacity - 1e-9));
}

/** The highest finite value in each hour of [start, start + 24 h); hours without one take the previous hour's (NaN before any). */
export function hourlyPeaks(timestamps: readonly number[], values: readonly number[], start: number): number[] {
  const peaks = new Array<number>(24).fill(Number.NaN);
  for (let i = 0; i < timestamps.length; i++) {
    const t = timestamps[i] as number;
    if (t < start || t >= start + DAY) continue;
    const v = values[i] as number;
    if (!Number.isFinite(v)) continue;
    const h = Math.floor((t - start) / HOUR);
    const p = peaks[h] as number;
    if (!(p >= v)) peaks[h] = v;
  }
  for (let h = 1; h < 24; h++) if (Number.isNaN(peaks[h] as number)) peaks[h] = peaks[h - 1] as number;
  return peaks;
}

/** Index range [lo, hi) of a series' timestamps within [from, to). */
export function indexRange(series: Series, from: number, to: number): [number, number] {
  const ts = series.timestamps;
  const step = series.stepSeconds;
  const t0 = ts[0] ?? 0;
  const lo = Math.min(ts.length, Math.max(0, Math.ceil((from - t0) / step - 1e-9)));
  const hi = Math.min(ts.length, Math.max(0, Math.ceil((to - t0) / step - 1e-9)));
  return [lo, hi];
}

/**
 * A Forecaster as a policy: forecast from the proposal time to the end of the applied day, take
 * the chosen quantile's peak in each hour, add the headroom when `withHeadroom` (Augur's sizing;
 * the baselines keep the margins their tools apply, e.g. VPA's 15%), divide by the capacity.
 */
export function forecasterPolicy(
  name: string,
  kind: PolicyKind,
  forecast: (history: Series, horizonSteps: number, quantile: number) => { timestamps: number[]; values: number[] },
  withHeadroom = false,
): Policy {
  return {
    name,
    kind,
    guarded: true,
    propose(ctx) {
      const step = ctx.history.stepSeconds;
      const lastHist = ctx.history.timestamps[ctx.history.timestamps.length - 1];
      if (lastHist === undefined) return undefined;
      const horizon = Math.ceil((ctx.windowStart + DAY - lastHist) / step);
      if (horizon < 1) return undefined;
      let fc: { timestamps: number[]; values: number[] };
      try {
        fc = forecast(ctx.history, horizon, ctx.quantile);
      } catch {
        return undefined; // not enough history, or the model failed: no proposal today
      }
      const peaks = hourlyPeaks(fc.timestamps, fc.values, ctx.windowStart);
      if (peaks.some((p) => !Number.isFinite(p))) return undefined;
      const extra = withHeadroom ? ctx.headroom : 0;
      return peaks.map((p) => replicasFor(p * (1 + extra), ctx.capacity));
    },
  };
}

function quantileValues(q: number, quantiles: Record<string, number[]>): number[] {
  const exact = quantiles[String(q)];
  if (exact) return exact;
  // The nearest level at or above q, else the highest there is.
  const levels = Object.keys(quantiles).map(Number).filter(Number.isFinite).sort((a, b) => a - b);
  const pick = levels.find((l) => l >= q) ?? levels[levels.length - 1];
  return pick === undefined ? [] : (quantiles[String(pick)] ?? []);
}

/** Any Forecaster as a policy. */
export function policyFromForecaster(f: Forecaster, kind: PolicyKind = 'baseline', name = f.name): Policy {
  return forecasterPolicy(name, kind, (history, horizonSteps, q) => {
    const fc = f.forecast(history, { horizonSteps, quantiles: [q] });
    return { timestamps: fc.timestamps, values: quantileValues(q, fc.quantiles) };
  });
}

/**
 * Augur as the agent runs it: selectAugur forecasts from the proposal time to the end of the
 * applied day; the product's recommend() sizes the day's replica count (the quantile's peak over
 * the applied day plus the headroom) and a KEDA schedule (recommendSchedule, for series with a
 * clear cycle; otherwise the day's count all day), and the product's guard() applies the
 * guardrails file's defaults to both: max step (the replay's limits), scale-down only as far as
 * the last 7 days of load support, minimum change, minimum accuracy and history. The cooldown
 * is off: the replay's daily cadence is the schedule. A hold keeps the values in place.
 */
export function augurPolicy(policyOverrides: Partial<typeof POLICY_DEFAULTS> = {}): Policy {
  return {
    name: 'augur',
    kind: 'augur',
    guarded: true,
    proposeGuarded(ctx, inPlace) {
      const step = ctx.history.stepSeconds;
      const lastHist = ctx.history.timestamps[ctx.history.timestamps.length - 1];
      if (lastHist === undefined) return undefined;
      const horizonSteps = Math.ceil((ctx.windowStart + DAY - lastHist) / step);
      if (horizonSteps < 1) return undefined;
      const history = prepareHistory(ctx.history).series; // as the cycle does: a counter's rate, gaps filled, incidents excluded
      let fc: Forecast;
      try {
        fc = selectAugur(history, { horizonSteps, quantiles: [...new Set([0.5, ctx.quantile, SIZING_DEFAULTS.maxQuantile])] });
      } catch {
        return undefined; // not enough history, or the model failed: no proposal today
      }
      const day = sliceForecast(fc, ctx.windowStart, ctx.windowStart + DAY);
      if (day.timestamps.length === 0) return undefined;
      const triggers = (inPlace.state as CronWindowTrigger[] | undefined) ?? [];
      const rec = recommend({
        target: SIM_TARGET,
        sizing: { ...SIZING_DEFAULTS, quantile: ctx.quantile, headroomPercent: ctx.headroom * 100, targetUnderProvisioned: ctx.targetUnderProvisioned, schedule: { enabled: true, maxWindows: ctx.maxWindows, timezone: 'UTC' } },
        autoscaler: 'none',
        current: { replicas: inPlace.daily ?? 1 },
        load: history,
        forecast: day,
        capacityPerReplica: ctx.capacity,
        capacitySource: { kind: 'given' },
        scaledObject: { file: 'replay', documentIndex: 0, label: 'ScaledObject/replay', minReplicaCount: 1, maxReplicaCount: 1_000_000, augurTriggers: triggers, otherTriggers: [] },
      });
      const proposedDaily = rec.changes.find((c) => c.field === 'replicas')?.proposed;
      if (proposedDaily === undefined) return undefined;
      // The applied day's 24 hours, from the schedule's hours of the week (daily triggers repeat every day).
      const start = new Date(ctx.windowStart * 1000);
      const startHour = start.getUTCDay() * 24 + start.getUTCHours();
      const toDay = (triggers: CronWindowTrigger[]) => {
        const week = hourlyFromTriggers(triggers, 1, WEEK_HOURS);
        return Array.from({ length: 24 }, (_, k) => week[(startHour + k) % WEEK_HOURS] as number);
      };
      // Without a clear cycle Augur writes no windows and sizes the count instead: in the
      // schedule scenario that is the day's count in every hour, kept as triggers so the next
      // schedule is guarded against what actually runs.
      const flat = (n: number) => scheduleTriggers(new Array<number>(24).fill(n), ctx.maxWindows, 1, 'UTC');
      if (inPlace.daily === undefined) {
        // The first applied day sets the starting values, unguarded.
        const first = rec.schedule?.proposed ?? flat(proposedDaily);
        return { daily: proposedDaily, schedule: toDay(first), state: first };
      }
      const decision = guard({
        recommendation: rec,
        // The replay's inputs agree by construction (capacity = peak ÷ 20): no unit or capacity can be wrong, so plausibility is off.
        policy: { ...POLICY_DEFAULTS, cooldown: 0, maxReplicas: 1_000_000, maxRawChangeFactor: Number.POSITIVE_INFINITY, maxStepPercent: { up: ctx.stepLimits.up, down: ctx.stepLimits.down }, ...policyOverrides },
        ...(fc.accuracy ? { accuracy: fc.accuracy } : {}),
        historySeconds: usableSteps(ctx.history) * step,
        now: ctx.proposalTime,
        timezone: 'UTC',
        podRequests: {},
      });
      if (decision.verdict === 'hold') return undefined;
      const daily = decision.changes.find((c) => c.field === 'replicas')?.proposed ?? inPlace.daily;
      const next = rec.schedule ? (decision.schedule?.proposed ?? triggers) : flat(daily);
      return { daily, schedule: toDay(next), state: next };
    },
  };
}

const SIM_TARGET = { kind: 'Deployment' as const, namespace: 'replay', name: 'replay' };

/** The steps of a forecast within [from, to). */
function sliceForecast(fc: Forecast, from: number, to: number): Forecast {
  const keep = fc.timestamps.map((t, i) => (t >= from && t < to ? i : -1)).filter((i) => i >= 0);
  const quantiles: Record<string, number[]> = {};
  for (const [k, v] of Object.entries(fc.quantiles)) quantiles[k] = keep.map((i) => v[i] as number);
  // The steps keep their lead: the sizing reads the backtest's residuals at the same lead.
  const firstLead = (fc.firstLead ?? 1) + (keep[0] ?? 0);
  return { ...fc, timestamps: keep.map((i) => fc.timestamps[i] as number), quantiles, firstLead };
}

/** The maximum of the history (at most the last `historyDays`), every hour. */
export function staticMaxPolicy(name = 'static-14d-max'): Policy {
  return {
    name,
    kind: 'static',
    guarded: true,
    propose(ctx) {
      let top = Number.NEGATIVE_INFINITY;
      for (const v of ctx.history.values) if (Number.isFinite(v) && v > top) top = v;
      if (top === Number.NEGATIVE_INFINITY) return undefined;
      return new Array<number>(24).fill(replicasFor(top, ctx.capacity));
    },
  };
}

/** Perfect knowledge of the applied day's peak: one count for the whole day. */
export function oracleDailyPolicy(): Policy {
  return {
    name: 'oracle-daily',
    kind: 'oracle',
    guarded: false,
    propose(ctx) {
      const peaks = futurePeaks(ctx);
      if (!peaks) return undefined;
      return new Array<number>(24).fill(replicasFor(Math.max(...peaks), ctx.capacity));
    },
  };
}

/** Perfect knowledge of each hour's peak of the applied day. */
export function oracleHourlyPolicy(): Policy {
  return {
    name: 'oracle-hourly',
    kind: 'oracle',
    guarded: false,
    propose(ctx) {
      const peaks = futurePeaks(ctx);
      return peaks?.map((p) => replicasFor(p, ctx.capacity));
    },
  };
}

/** One replica all day: with an HPA, the HPA alone (floor 1); the other scenarios show what no forecast costs. */
export function floorOnePolicy(): Policy {
  return { name: 'floor-1', kind: 'reference', guarded: false, propose: () => new Array<number>(24).fill(1) };
}

function futurePeaks(ctx: ProposalContext): number[] | undefined {
  const [lo, hi] = indexRange(ctx.series, ctx.windowStart, ctx.windowStart + DAY);
  const peaks = hourlyPeaks(ctx.series.timestamps.slice(lo, hi), ctx.series.values.slice(lo, hi), ctx.windowStart);
  // Leading hours without data take the first hour that has some.
  const firstKnown = peaks.find((p) => Number.isFinite(p));
  if (firstKnown === undefined) return undefined;
  return peaks.map((p) => (Number.isFinite(p) ? p : firstKnown));
}

/** The baselines of the forecast registry (krr, VPA, Crane, Tortoise: src/forecast/baselines.ts), each as a policy. */
export function baselinePolicies(stepSeconds: number): Policy[] {
  return allForecasters(stepSeconds)
    .filter((e) => e.kind === 'baseline')
    .map((e) => policyFromForecaster(e.model, 'baseline'));
}

/** Every policy, in report order. */
export async function defaultPolicies(stepSeconds: number): Promise<Policy[]> {
  return [augurPolicy(), ...baselinePolicies(stepSeconds), staticMaxPolicy(), floorOnePolicy(), oracleDailyPolicy(), oracleHourlyPolicy()];
}
