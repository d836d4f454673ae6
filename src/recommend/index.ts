// From a forecast and history to proposed values, with the reasons and the numbers behind them.
// One function per kind of change, krr-style: history (and forecast) in, a Change out.
import type { Sizing } from '../config/schema.js';
import type { CapacitySource, Change, Recommendation } from '../domain/decision.js';
import type { FieldKey, ScaledObjectSite, WorkloadId } from '../domain/workload.js';
import type { Forecast } from '../domain/forecast.js';
import type { Series } from '../domain/series.js';
import { recommendSchedule } from './schedule.js';
import type { ScheduleResult } from './schedule.js';
import { max, mean, min, percentile, tail } from './stats.js';
import { calibratedSize, calibrationOf, type CalibratedSize, type Calibration } from './sizing.js';

export interface RecommendInput {
  target: WorkloadId;
  sizing: Sizing;
  /** Whether an HPA owns the replica count (then its bounds are sized, never spec.replicas). */
  autoscaler: 'hpa' | 'none';
  /** Current values of the fields found in the manifests, in natural units. */
  current: Partial<Record<FieldKey, number>>;
  load: Series;
  forecast: Forecast;
  capacityPerReplica: number;
  capacitySource: CapacitySource;
  cpu?: Series;
  memory?: Series;
  oomKills?: Series;
  /** Replicas the workload ran over the history (the replicas metric): a schedule is costed above them. */
  replicas?: Series;
  /** The KEDA ScaledObject of the workload, for schedules (sizing.schedule). */
  scaledObject?: ScaledObjectSite;
  /** Time zone of schedule windows when sizing.schedule.timezone is not set (the config's schedule.timezone). */
  timezone?: string;
  /** Requests never proposed below these (cores, bytes): policy.minCpuPerPod and minMemoryPerPod. */
  floors?: { cpu: number; memory: number };
}

/** Window of observed history that a decrease must be supported by. */
const EVIDENCE_SECONDS = 7 * 86_400;

/** What every strategy reads: the input, the forecast's bands and the replica arithmetic. */
interface Basis {
  input: RecommendInput;
  sizing: Sizing;
  forecast: Forecast;
  /** Load one replica serves. */
  cap: number;
  /** The forecast quantile replicas are sized for (sizing.quantile). */
  band: number[];
  /** Key of the high quantile (sizing.maxQuantile): what bursts need, and the HPA's ceiling. */
  qMax: string;
  headroom: number;
  /** Replicas needed for a load, with the headroom. */
  replicasFor: (load: number) => number;
  horizonSeconds: number;
  /** The last EVIDENCE_SECONDS of observed load. */
  evidence: number[];
  observedPeak: number;
  /** Peak of the forecast band. */
  peak: number;
  /** The backtest's residuals of the sized quantile (cost-aware sizing), when the forecast carries a backtest. */
  calibration?: Calibration;
  /** The day's capacity from them. */
  sized?: CalibratedSize;
}

/** The replica count's changes from the strategy that owns it, with what it expects to run. */
interface ReplicaPlan {
  changes: Change[];
  /** Replicas expected on average over the horizon. */
  expectedReplicas: number;
}

/** The composition: the strategy that owns the replica count, then requests and limits, then the schedule. */
export function recommend(input: RecommendInput): Recommendation {
  const b = basisOf(input);
  const replicas = input.autoscaler === 'none' ? replicasWithoutAutoscaler(b) : hpaBounds(b);
  const changes = [...replicas.changes, ...resourceChanges(input)];
  const sched = scheduleFor(b);
  return {
    target: input.target,
    changes,
    ...(sched && 'schedule' in sched ? { schedule: sched.schedule } : {}),
    ...(sched && 'skipped' in sched ? { scheduleSkipped: sched.skipped } : {}),
    evidence: evidenceOf(b, replicas.expectedReplicas),
  };
}

/** The forecast band, headroom and observed history every strategy sizes from. Throws when the forecast lacks the sized quantile. */
function basisOf(input: RecommendInput): Basis {
  const { sizing, forecast, capacityPerReplica: cap } = input;
  const q = String(sizing.quantile);
  const band = forecast.quantiles[q];
  if (!band) throw new Error(`forecast has no ${q} quantile (has ${Object.keys(forecast.quantiles).join(', ')})`);
  const headroom = 1 + sizing.headroomPercent / 100;
  // The epsilon keeps float noise (3000 × 1.1 ÷ 100 = 33.000000000000004) from adding a replica.
  const replicasFor = (load: number) => Math.max(1, Math.ceil((load * headroom) / cap - 1e-9));
  const evidence = tail(input.load.values, Math.round(EVIDENCE_SECONDS / input.load.stepSeconds));
  const calibration = calibrationOf(forecast.accuracy, sizing.quantile, sizing.maxQuantile);
  const sized = calibration ? calibratedSize(forecast, calibration, sizing.targetUnderProvisioned) : undefined;
  return {
    ...(calibration ? { calibration } : {}),
    ...(sized ? { sized } : {}),
    input,
    sizing,
    forecast,
    cap,
    band,
    qMax: String(sizing.maxQuantile),
    headroom,
    replicasFor,
    horizonSeconds: forecast.timestamps.length * forecast.stepSeconds,
    evidence,
    observedPeak: max(evidence),
    peak: max(band),
  };
}

/**
 * spec.replicas when no autoscaler owns it. From the workload's own backtest when the forecast
 * carries one (recommend/sizing.ts: the smallest capacity within sizing.targetUnderProvisioned,
 * with the burst guard the data earned); otherwise the quantile's peak plus headroom, or the high
 * quantile's peak when that needs more.
 */
function replicasWithoutAutoscaler(b: Basis): ReplicaPlan {
  if (b.sized) return calibratedReplicas(b, b.sized);
  const { sizing, cap, headroom, peak, replicasFor } = b;
  // The quantile plus headroom, and never less than the high quantile itself: a bursty
  // workload's p99 is far above its p90, and its bursts need those replicas.
  const high = b.forecast.quantiles[b.qMax];
  const burst = high ? max(high) : Number.NEGATIVE_INFINITY;
  const proposed = Math.max(replicasFor(peak), Number.isFinite(burst) ? replicasFor(burst / headroom) : 1);
  const byBurst = proposed > replicasFor(peak);
  const current = b.input.current.replicas;
  const change: Change | undefined =
    current === undefined
      ? undefined
      : {
          field: 'replicas',
          current,
          proposed,
          observed: replicasFor(b.observedPeak),
          basis: byBurst
            ? { kind: 'burst', load: burst, quantile: sizing.maxQuantile, perReplica: cap, sized: { load: peak, quantile: sizing.quantile, headroom } }
            : { kind: 'peak', load: peak, quantile: sizing.quantile, headroom, perReplica: cap },
        };
  return { changes: change ? [change] : [], expectedReplicas: proposed };
}

/** spec.replicas from the backtest: ⌈the calibrated load ÷ capacity⌉; a decrease is supported by the last 7 days at the same target. */
function calibratedReplicas(b: Basis, sized: CalibratedSize): ReplicaPlan {
  const proposed = Math.max(1, Math.ceil(sized.load / b.cap - 1e-9));
  const current = b.input.current.replicas;
  if (current === undefined) return { changes: [], expectedReplicas: proposed };
  const { load, quantile, peak, margin, target, expected, equivalentQuantile, residuals, buckets, burst } = sized;
  return {
    changes: [
      {
        field: 'replicas',
        current,
        proposed,
        observed: observedAtTarget(b),
        basis: { kind: 'calibrated', load, quantile, peak, margin, target, expected, ...(equivalentQuantile !== undefined ? { equivalentQuantile } : {}), residuals, buckets, ...(burst ? { burst } : {}), perReplica: b.cap },
      },
    ],
    expectedReplicas: proposed,
  };
}

/**
 * What the last 7 days of load support at the sizing target: the replicas that would have kept
 * them within sizing.targetUnderProvisioned (their (1 − target) quantile), so a decrease goes only
 * as far as observed load allows at the same standard the forecast is held to.
 */
function observedAtTarget(b: Basis): number {
  // observedPeak is the evidence's largest finite value: -Infinity when it has none. percentile skips what is not finite.
  if (b.observedPeak === Number.NEGATIVE_INFINITY) return b.replicasFor(b.observedPeak);
  const load = percentile(b.evidence, 100 * (1 - b.sizing.targetUnderProvisioned));
  return Math.max(1, Math.ceil(load / b.cap - 1e-9));
}

/** What the HPA bounds are sized from. */
interface HpaSizing {
  /** The forecast median (the sized band when the forecast has no median). */
  median: number[];
  trough: number;
  minProposed: number;
  /** Peak of the high quantile (the sized band when the forecast has none). */
  highPeak: number;
  maxProposed: number;
  /** The highest of the recent days' troughs; -Infinity when there is no history. */
  observedTrough: number;
}

/** HPA minReplicas and maxReplicas when an HPA (or KEDA) owns the replica count; spec.replicas is left alone. */
function hpaBounds(b: Basis): ReplicaPlan {
  const h = hpaSizing(b);
  const changes = [hpaMinReplicas(b, h), hpaMaxReplicas(b, h)].filter((c): c is Change => c !== undefined);
  return { changes, expectedReplicas: hpaExpectedReplicas(b, h) };
}

/** The bounds' figures: the median's trough, the high quantile's peak and the recent days' troughs. */
function hpaSizing(b: Basis): HpaSizing {
  const median = b.forecast.quantiles['0.5'] ?? b.band;
  const trough = min(median);
  // The floor may only drop as far as every recent day's trough allows.
  const daySteps = Math.round(86_400 / b.input.load.stepSeconds);
  let observedTrough = -Infinity;
  for (let i = 0; i < b.evidence.length; i += daySteps) observedTrough = Math.max(observedTrough, min(b.evidence.slice(i, i + daySteps)));
  const highPeak = max(b.forecast.quantiles[b.qMax] ?? b.band);
  return { median, trough, minProposed: b.replicasFor(trough), highPeak, maxProposed: b.replicasFor(highPeak), observedTrough };
}

/** The floor: the forecast median's trough. */
function hpaMinReplicas(b: Basis, h: HpaSizing): Change | undefined {
  const current = b.input.current['hpa.minReplicas'];
  if (current === undefined) return undefined;
  return {
    field: 'hpa.minReplicas',
    current,
    proposed: h.minProposed,
    observed: Number.isFinite(h.observedTrough) ? b.replicasFor(h.observedTrough) : h.minProposed,
    basis: { kind: 'trough', load: h.trough, headroom: b.headroom, perReplica: b.cap },
  };
}

/** The ceiling: the high quantile's peak, and never below the floor. */
function hpaMaxReplicas(b: Basis, h: HpaSizing): Change | undefined {
  const current = b.input.current['hpa.maxReplicas'];
  if (current === undefined) return undefined;
  return {
    field: 'hpa.maxReplicas',
    current,
    proposed: Math.max(h.maxProposed, h.minProposed),
    observed: b.replicasFor(b.observedPeak),
    basis: { kind: 'ceiling', load: h.highPeak, quantile: b.sizing.maxQuantile, headroom: b.headroom, perReplica: b.cap },
  };
}

/** Replicas the HPA runs on average over the forecast median, within its current bounds (the proposed ones where unset). */
function hpaExpectedReplicas(b: Basis, h: HpaSizing): number {
  const lo = b.input.current['hpa.minReplicas'] ?? h.minProposed;
  const hi = Math.max(b.input.current['hpa.maxReplicas'] ?? h.maxProposed, lo);
  return mean(h.median.map((v) => Math.min(hi, Math.max(lo, b.replicasFor(v)))));
}

/** KEDA cron windows, for targets that opt in (sizing.schedule); undefined otherwise. */
function scheduleFor(b: Basis): ScheduleResult | undefined {
  const { sizing, input } = b;
  if (!sizing.schedule.enabled) return undefined;
  return recommendSchedule({
    forecast: b.forecast,
    load: input.load,
    quantile: sizing.quantile,
    maxQuantile: sizing.maxQuantile,
    headroomPercent: sizing.headroomPercent,
    capacityPerReplica: b.cap,
    site: input.scaledObject,
    timezone: sizing.schedule.timezone ?? input.timezone ?? 'UTC',
    maxWindows: sizing.schedule.maxWindows,
    ...(b.calibration ? { sizeSteps: sizeStepsWith(b.forecast, b.calibration, sizing.targetUnderProvisioned) } : {}),
    ...(input.replicas ? { running: input.replicas } : {}),
  });
}

/** Each hour of a schedule sized as the day is: the smallest load within the target over that hour's steps. */
function sizeStepsWith(forecast: Forecast, cal: Calibration, target: number): (steps: number[]) => number | undefined {
  return (steps) => calibratedSize(forecast, cal, target, steps)?.load;
}

/** The figures the PR body and guardrails use. */
function evidenceOf(b: Basis, expectedReplicas: number): Recommendation['evidence'] {
  const { input } = b;
  const oomKills = input.oomKills ? max(input.oomKills.values) : undefined;
  const median = b.forecast.quantiles['0.5'] ?? b.band;
  return {
    forecastPeak: b.peak,
    highPeak: max(b.forecast.quantiles[b.qMax] ?? b.band),
    quantile: b.sizing.quantile,
    maxQuantile: b.sizing.maxQuantile,
    headroomPercent: b.sizing.headroomPercent,
    horizonSeconds: b.horizonSeconds,
    model: b.forecast.model,
    observedPeak: b.observedPeak,
    observedSeconds: b.evidence.length * input.load.stepSeconds,
    capacityPerReplica: b.cap,
    capacitySource: input.capacitySource,
    owner: ownerOf(input),
    expectedReplicas,
    demand: median.map((v) => b.replicasFor(v)),
    historySteps: input.load.values.length,
    ...(oomKills !== undefined && Number.isFinite(oomKills) ? { oomKills } : {}),
    ...(b.sized ? { calibrated: b.sized } : {}),
  };
}

function ownerOf(input: RecommendInput): Recommendation['evidence']['owner'] {
  if (input.autoscaler === 'none') return { kind: 'none' };
  if (input.scaledObject) return { kind: 'keda', label: input.scaledObject.label };
  const min = input.current['hpa.minReplicas'];
  const max = input.current['hpa.maxReplicas'];
  return { kind: 'hpa', ...(min !== undefined ? { minReplicas: min } : {}), ...(max !== undefined ? { maxReplicas: max } : {}) };
}

/** CPU and memory requests (and limits where the workload has them) from usage history. */
function resourceChanges(input: RecommendInput): Change[] {
  const { sizing, current } = input;
  const out: Change[] = [];
  if (input.cpu && current['cpu.request'] !== undefined) {
    const p = percentile(input.cpu.values, sizing.cpuPercentile);
    if (Number.isFinite(p)) {
      const proposed = Math.max(roundCpu(input.floors?.cpu ?? 0), roundCpu(p * (1 + sizing.cpuMarginPercent / 100)));
      out.push({
        field: 'cpu.request',
        current: current['cpu.request'],
        proposed,
        observed: proposed,
        basis: { kind: 'cpuPercentile', percentile: sizing.cpuPercentile, usage: p, marginPercent: sizing.cpuMarginPercent },
      });
      const limit = current['cpu.limit'];
      // A request added where there was none keeps the limit as it is: no ratio to keep.
      if (limit !== undefined && current['cpu.request'] > 0) {
        const ratio = limit / current['cpu.request'];
        out.push({ field: 'cpu.limit', current: limit, proposed: roundCpu(proposed * ratio), observed: roundCpu(proposed * ratio), basis: { kind: 'limitRatio', ratio } });
      }
    }
  }
  if (input.memory && current['memory.request'] !== undefined) {
    const peak = max(input.memory.values);
    if (Number.isFinite(peak)) {
      let proposed = Math.max(roundMemory(input.floors?.memory ?? 0), roundMemory(peak * (1 + sizing.memoryMarginPercent / 100)));
      let basis: Change['basis'] = { kind: 'memoryPeak', peak, marginPercent: sizing.memoryMarginPercent };
      const ooms = input.oomKills ? max(input.oomKills.values) : 0;
      if (ooms > 0) {
        const bumped = roundMemory(current['memory.request'] * (1 + sizing.oomBumpPercent / 100));
        if (bumped > proposed) {
          proposed = bumped;
          basis = { kind: 'oomBump', ooms, bumpPercent: sizing.oomBumpPercent, peak };
        }
      }
      out.push({ field: 'memory.request', current: current['memory.request'], proposed, observed: proposed, basis });
      const limit = current['memory.limit'];
      if (limit !== undefined && current['memory.request'] > 0) {
        const ratio = Math.max(1, limit / current['memory.request']);
        const proposedLimit = roundMemory(proposed * ratio);
        out.push({ field: 'memory.limit', current: limit, proposed: proposedLimit, observed: proposedLimit, basis: { kind: 'limitRatio', ratio } });
      }
    }
  }
  return out;
}

/**
 * Per-replica capacity derived from history: load served per CPU core used, times the cores one
 * replica requests, times the target utilization. The median ratio resists bursts and gaps.
 */
export function deriveCapacity(load: Series, cpuTotal: Series, cpuRequestCores: number, targetUtilization: number): { perReplica: number; source: CapacitySource } | undefined {
  const ratios: number[] = [];
  const n = Math.min(load.values.length, cpuTotal.values.length);
  for (let i = 0; i < n; i++) {
    const l = load.values[load.values.length - n + i]!;
    const c = cpuTotal.values[cpuTotal.values.length - n + i]!;
    if (Number.isFinite(l) && Number.isFinite(c) && c > 0 && l > 0) ratios.push(l / c);
  }
  if (ratios.length < 12) return undefined;
  const perCore = percentile(ratios, 50);
  const perReplica = perCore * cpuRequestCores * targetUtilization;
  return { perReplica, source: { kind: 'derived', perCore, cpuRequest: cpuRequestCores, targetUtilization } };
}

/** CPU cores rounded up to whole millicores, as they will be written. */
export function roundCpu(cores: number): number {
  return Math.ceil(cores * 1000 - 1e-9) / 1000;
}

/** Bytes rounded up to whole MiB, as they will be written. */
export function roundMemory(bytes: number): number {
  return Math.ceil(bytes / 2 ** 20 - 1e-9) * 2 ** 20;
}

