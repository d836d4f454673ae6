// From a forecast and history to proposed values, with the reasons and the numbers behind them.
// One function per kind of change, krr-style: history (and forecast) in, a Change out.
import { fmt, fmtBytes } from '../domain/units.js';
import type { Sizing } from '../config/schema.js';
import type { Change, Recommendation } from '../domain/decision.js';
import type { FieldKey, ScaledObjectSite, WorkloadId } from '../domain/workload.js';
import type { Forecast } from '../domain/forecast.js';
import type { Series } from '../domain/series.js';
import { recommendSchedule } from './schedule.js';
import { max, mean, min, percentile, tail } from './stats.js';

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
  capacitySource: string;
  cpu?: Series;
  memory?: Series;
  oomKills?: Series;
  /** The KEDA ScaledObject of the workload, for schedules (sizing.schedule). */
  scaledObject?: ScaledObjectSite;
  /** Time zone of schedule windows when sizing.schedule.timezone is not set (the config's schedule.timezone). */
  timezone?: string;
}

/** Window of observed history that a decrease must be supported by. */
const EVIDENCE_SECONDS = 7 * 86_400;

export function recommend(input: RecommendInput): Recommendation {
  const { sizing, forecast, capacityPerReplica: cap } = input;
  const q = String(sizing.quantile);
  const qMax = String(sizing.maxQuantile);
  const qMedian = '0.5';
  const band = forecast.quantiles[q];
  if (!band) throw new Error(`forecast has no ${q} quantile (has ${Object.keys(forecast.quantiles).join(', ')})`);
  const headroom = 1 + sizing.headroomPercent / 100;
  // The epsilon keeps float noise (3000 × 1.1 ÷ 100 = 33.000000000000004) from adding a replica.
  const replicasFor = (load: number) => Math.max(1, Math.ceil((load * headroom) / cap - 1e-9));
  const horizonSeconds = forecast.timestamps.length * forecast.stepSeconds;
  const evidence = tail(input.load.values, Math.round(EVIDENCE_SECONDS / input.load.stepSeconds));
  const observedPeak = max(evidence);
  const peak = max(band);
  const changes: Change[] = [];
  const reasons: string[] = [
    `Forecast p${pct(sizing.quantile)} peak ${fmt(peak)} over the next ${hours(horizonSeconds)} (model ${forecast.model}); observed peak of the last ${days(evidence.length * input.load.stepSeconds)}: ${fmt(observedPeak)}.`,
    `One replica serves ${fmt(cap)} (${input.capacitySource}); sized with ${sizing.headroomPercent}% headroom, and never below the forecast p${pct(sizing.maxQuantile)}.`,
  ];
  let expectedReplicas: number;

  if (input.autoscaler === 'none') {
    // The quantile plus headroom, and never less than the high quantile itself: a bursty
    // workload's p99 is far above its p90, and its bursts need those replicas.
    const burst = forecast.quantiles[qMax] ? max(forecast.quantiles[qMax]) : Number.NEGATIVE_INFINITY;
    const proposed = Math.max(replicasFor(peak), Number.isFinite(burst) ? replicasFor(burst / headroom) : 1);
    const byBurst = proposed > replicasFor(peak);
    expectedReplicas = proposed;
    if (input.current.replicas !== undefined) {
      changes.push({
        field: 'replicas',
        current: input.current.replicas,
        proposed,
        observed: replicasFor(observedPeak),
        reason: byBurst
          ? `the forecast p${pct(sizing.maxQuantile)} peak ${fmt(burst)} ÷ ${fmt(cap)} per replica = ${fmt(burst / cap)} → ${proposed} (above p${pct(sizing.quantile)} ${fmt(peak)} × ${headroom.toFixed(2)} = ${fmt((peak * headroom) / cap)} replicas: bursts)`
          : `${fmt(peak)} × ${headroom.toFixed(2)} ÷ ${fmt(cap)} per replica = ${fmt((peak * headroom) / cap)} → ${proposed}`,
      });
    }
  } else {
    const median = forecast.quantiles[qMedian] ?? band;
    const trough = min(median);
    const minProposed = replicasFor(trough);
    // The floor may only drop as far as every recent day's trough allows.
    const daySteps = Math.round(86_400 / input.load.stepSeconds);
    let observedTroughs = -Infinity;
    for (let i = 0; i < evidence.length; i += daySteps) observedTroughs = Math.max(observedTroughs, min(evidence.slice(i, i + daySteps)));
    const high = forecast.quantiles[qMax] ?? band;
    const maxProposed = replicasFor(max(high));
    const currentMin = input.current['hpa.minReplicas'];
    const currentMax = input.current['hpa.maxReplicas'];
    if (currentMin !== undefined) {
      changes.push({
        field: 'hpa.minReplicas',
        current: currentMin,
        proposed: minProposed,
        observed: Number.isFinite(observedTroughs) ? replicasFor(observedTroughs) : minProposed,
        reason: `floor at the forecast median's trough ${fmt(trough)}, so the HPA starts each ramp from there`,
      });
    }
    if (currentMax !== undefined) {
      changes.push({
        field: 'hpa.maxReplicas',
        current: currentMax,
        proposed: Math.max(maxProposed, minProposed),
        observed: replicasFor(observedPeak),
        reason: `ceiling covers the forecast p${pct(sizing.maxQuantile)} peak ${fmt(max(high))}`,
      });
    }
    const lo = currentMin ?? minProposed;
    const hi = Math.max(currentMax ?? maxProposed, lo);
    expectedReplicas = mean(median.map((v) => Math.min(hi, Math.max(lo, replicasFor(v)))));
    reasons.push(
      input.scaledObject
        ? `${input.scaledObject.label} (KEDA) owns the replica count: Augur proposes its cron windows (sizing.schedule), never spec.replicas.`
        : `An HPA owns the replica count: Augur sizes its minReplicas and maxReplicas, never spec.replicas.`,
    );
  }

  changes.push(...resourceChanges(input));
  const oomKills = input.oomKills ? max(input.oomKills.values) : undefined;
  const sched = sizing.schedule.enabled
    ? recommendSchedule({
        forecast,
        load: input.load,
        quantile: sizing.quantile,
        maxQuantile: sizing.maxQuantile,
        headroomPercent: sizing.headroomPercent,
        capacityPerReplica: cap,
        site: input.scaledObject,
        timezone: sizing.schedule.timezone ?? input.timezone ?? 'UTC',
        maxWindows: sizing.schedule.maxWindows,
      })
    : undefined;
  if (sched && 'schedule' in sched) reasons.push(`Scaling schedule: ${sched.schedule.reason}.`);
  return {
    target: input.target,
    changes,
    ...(sched && 'schedule' in sched ? { schedule: sched.schedule } : {}),
    ...(sched && 'skipped' in sched ? { scheduleSkipped: sched.skipped } : {}),
    reasons,
    evidence: {
      forecastPeak: peak,
      quantile: sizing.quantile,
      horizonSeconds,
      capacityPerReplica: cap,
      capacitySource: input.capacitySource,
      expectedReplicas,
      historySteps: input.load.values.length,
      ...(oomKills !== undefined && Number.isFinite(oomKills) ? { oomKills } : {}),
    },
  };
}

/** CPU and memory requests (and limits where the workload has them) from usage history. */
function resourceChanges(input: RecommendInput): Change[] {
  const { sizing, current } = input;
  const out: Change[] = [];
  if (input.cpu && current['cpu.request'] !== undefined) {
    const p = percentile(input.cpu.values, sizing.cpuPercentile);
    if (Number.isFinite(p)) {
      const proposed = roundCpu(p * (1 + sizing.cpuMarginPercent / 100));
      out.push({
        field: 'cpu.request',
        current: current['cpu.request'],
        proposed,
        observed: proposed,
        reason: `p${sizing.cpuPercentile} of per-pod CPU ${fmt(p)} cores + ${sizing.cpuMarginPercent}%`,
      });
      const limit = current['cpu.limit'];
      if (limit !== undefined) {
        const ratio = limit / current['cpu.request'];
        out.push({ field: 'cpu.limit', current: limit, proposed: roundCpu(proposed * ratio), observed: roundCpu(proposed * ratio), reason: `keeps the limit/request ratio ${ratio.toFixed(2)}` });
      }
    }
  }
  if (input.memory && current['memory.request'] !== undefined) {
    const peak = max(input.memory.values);
    if (Number.isFinite(peak)) {
      let proposed = roundMemory(peak * (1 + sizing.memoryMarginPercent / 100));
      let reason = `peak working set ${fmtBytes(peak)} + ${sizing.memoryMarginPercent}%`;
      const ooms = input.oomKills ? max(input.oomKills.values) : 0;
      if (ooms > 0) {
        const bumped = roundMemory(current['memory.request'] * (1 + sizing.oomBumpPercent / 100));
        if (bumped > proposed) {
          proposed = bumped;
          reason = `OOM kills observed (${ooms}): at least ${sizing.oomBumpPercent}% over the current request; peak working set ${fmtBytes(peak)}`;
        }
      }
      out.push({ field: 'memory.request', current: current['memory.request'], proposed, observed: proposed, reason });
      const limit = current['memory.limit'];
      if (limit !== undefined) {
        const ratio = Math.max(1, limit / current['memory.request']);
        const proposedLimit = roundMemory(proposed * ratio);
        out.push({ field: 'memory.limit', current: limit, proposed: proposedLimit, observed: proposedLimit, reason: `keeps the limit/request ratio ${ratio.toFixed(2)} (a limit below the request is never proposed)` });
      }
    }
  }
  return out;
}

/**
 * Per-replica capacity derived from history: load served per CPU core used, times the cores one
 * replica requests, times the target utilization. The median ratio resists bursts and gaps.
 */
export function deriveCapacity(load: Series, cpuTotal: Series, cpuRequestCores: number, targetUtilization: number): { perReplica: number; source: string } | undefined {
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
  return {
    perReplica,
    source: `derived: median ${fmt(perCore)} load per core used × ${fmt(cpuRequestCores)} cores requested × ${Math.round(targetUtilization * 100)}% target utilization`,
  };
}

/** CPU cores rounded up to whole millicores, as they will be written. */
export function roundCpu(cores: number): number {
  return Math.ceil(cores * 1000 - 1e-9) / 1000;
}

/** Bytes rounded up to whole MiB, as they will be written. */
export function roundMemory(bytes: number): number {
  return Math.ceil(bytes / 2 ** 20 - 1e-9) * 2 ** 20;
}



const pct = (q: number) => Math.round(q * 100);
const hours = (s: number) => (s % 86_400 === 0 ? `${s / 86_400} d` : `${Math.round(s / 3600)} h`);
const days = (s: number) => `${(s / 86_400).toFixed(s % 86_400 === 0 ? 0 : 1)} days`;
