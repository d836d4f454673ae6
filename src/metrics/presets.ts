// The usual queries for a workload, from the standard exporters (cAdvisor via the kubelet, and
// kube-state-metrics), so most targets need no PromQL at all.
//
// Every preset is a shape: a per-container expression over the workload's pods, summed per pod,
// then combined across pods (the busiest pod, or all of them). The per-target query is built from
// the shape, and so is the batched read (metrics/batch.ts): one query for many workloads of a
// namespace, `sum by (pod, container)` of the same expression, combined per workload on our side.
// A preset with a shape is batched with no other code; one without (a ratio) is read per target.
import type { TargetConfig } from '../config/schema.js';
import type { MetricRef, PresetRead } from '../domain/series.js';

import type { MetricName } from '../domain/facts.js';

/** How a preset's series combine into the workload's one series. */
export interface PresetShape {
  /** The per-container (or per-pod) expression, given the label matchers. */
  series: (sel: string) => string;
  /** Across the workload's pods, after summing each pod's containers: the busiest pod, or all. */
  across: 'max' | 'sum';
  /** `or vector(0)`: no series means 0, not "no data". */
  orZero?: boolean;
}

/** Pod name regex (RE2 and JavaScript alike) of a workload's pods: Deployments add a ReplicaSet hash and a suffix, StatefulSets an ordinal. */
export function podRegex(t: Pick<TargetConfig, 'kind' | 'name'>): string {
  const name = t.name.replace(/\./g, '\\.');
  return t.kind === 'StatefulSet' ? `${name}-[0-9]+` : `${name}-[a-z0-9]+-[a-z0-9]{5}`;
}

/** podRegex as it appears inside a PromQL double-quoted string (backslashes doubled). */
export function podPattern(t: Pick<TargetConfig, 'kind' | 'name'>): string {
  return promString(podRegex(t));
}

/** The inside of a PromQL double-quoted string literal (Go's escapes, which JSON's match for these characters). */
export function promString(s: string): string {
  return JSON.stringify(s).slice(1, -1);
}

/** Label matchers of the containers a read covers: the target's container, or every real one. */
export function containerMatchers(container: string | undefined): string {
  return container ? `container="${promString(container)}"` : 'container!="", container!="POD"';
}

/** `extra`: label matchers of the target's environment (environments.<name>.selector), e.g. cluster="prod-eu". */
export function presetQuery(metric: MetricName, preset: 'cadvisor' | 'kube-state-metrics', t: TargetConfig, container: string | undefined, extra?: string): string {
  // One series per workload object, not per pod: no shape, always read per target.
  if (metric === 'replicas') return replicasQuery(preset, t, extra);
  const sel = `namespace="${t.namespace}", pod=~"${podPattern(t)}", ${containerMatchers(container)}${extra ? `, ${extra}` : ''}`;
  if (preset === 'cadvisor' && metric === 'throttling') {
    // A ratio of two sums: no per-pod shape, so it is always read per target.
    return `sum(rate(container_cpu_cfs_throttled_periods_total{${sel}}[5m])) / sum(rate(container_cpu_cfs_periods_total{${sel}}[5m]))`;
  }
  const shape = presetShape(metric, preset);
  // A sum across pods is written `sum(series)`: the same value as `sum(sum by (pod) (series))`.
  const combined = shape.across === 'max' ? `max(sum by (pod) (${shape.series(sel)}))` : `sum(${shape.series(sel)})`;
  return shape.orZero ? `${combined} or vector(0)` : combined;
}

/** The shape of a preset metric; throws for a metric the preset's exporter does not export. */
export function presetShape(metric: MetricName, preset: 'cadvisor' | 'kube-state-metrics'): PresetShape {
  return preset === 'cadvisor' ? cadvisorShape(metric) : kubeStateMetricsShape(metric);
}

/** The shape of a preset metric that has one (a batchable read); undefined for a ratio or an unknown pair. */
export function batchShape(read: PresetRead): PresetShape | undefined {
  if ((read.preset === 'cadvisor' && read.metric === 'throttling') || read.metric === 'replicas') return undefined;
  try {
    return presetShape(read.metric as MetricName, read.preset);
  } catch {
    return undefined;
  }
}

/** cAdvisor (the kubelet's /metrics/cadvisor): what the containers use. */
function cadvisorShape(metric: MetricName): PresetShape {
  switch (metric) {
    case 'cpu':
      // The busiest pod at each instant: requests are per pod.
      return { series: (sel) => `rate(container_cpu_usage_seconds_total{${sel}}[5m])`, across: 'max' };
    case 'cpuTotal':
      return { series: (sel) => `rate(container_cpu_usage_seconds_total{${sel}}[5m])`, across: 'sum' };
    case 'memory':
      return { series: (sel) => `container_memory_working_set_bytes{${sel}}`, across: 'max' };
    case 'oomKills':
      // OOM kills cAdvisor saw in the containers over the last 10 minutes; 0 when none.
      return { series: (sel) => `increase(container_oom_events_total{${sel}}[10m])`, across: 'sum', orZero: true };
    case 'load':
      // Without an application metric, CPU used by all pods is the load.
      return { series: (sel) => `rate(container_cpu_usage_seconds_total{${sel}}[5m])`, across: 'sum' };
  }
  throw new Error(`the cadvisor preset has no query for ${String(metric)}`);
}

/** kube-state-metrics: the objects' state (terminations, restarts), not what the containers use. */
function kubeStateMetricsShape(metric: MetricName): PresetShape {
  if (metric === 'oomKills') {
    // Containers whose last termination was an OOM kill; 0 when none.
    return { series: (sel) => `kube_pod_container_status_last_terminated_reason{${sel}, reason="OOMKilled"}`, across: 'sum', orZero: true };
  }
  throw new Error(`kube-state-metrics exports no ${metric === 'memory' ? 'memory' : 'CPU'} usage for ${metric}: use { preset: cadvisor } or a { query } for it`);
}

/**
 * The replicas the workload runs, from kube-state-metrics' object state (the controller's count of
 * its pods, whoever scaled it): the object is named by its own label (deployment= or statefulset=),
 * not by a pod pattern. max() folds the series of several kube-state-metrics replicas into one.
 */
function replicasQuery(preset: 'cadvisor' | 'kube-state-metrics', t: TargetConfig, extra: string | undefined): string {
  if (preset !== 'kube-state-metrics') throw new Error('cAdvisor exports no replica count: use { preset: kube-state-metrics } or a { query } for replicas');
  const [metric, label] = t.kind === 'StatefulSet' ? ['kube_statefulset_status_replicas', 'statefulset'] : ['kube_deployment_status_replicas', 'deployment'];
  return `max(${metric}{namespace="${t.namespace}", ${label}="${t.name}"${extra ? `, ${extra}` : ''}})`;
}

/** Resolves a configured metric to what a MetricsSource reads. */
export function metricRef(
  metric: MetricName,
  ref: NonNullable<TargetConfig['metrics'][MetricName]>,
  t: TargetConfig,
  container: string | undefined,
  extra?: string,
): MetricRef {
  if ('query' in ref) return { promql: ref.query };
  if ('file' in ref) return { file: ref.file };
  const preset: PresetRead = { metric, preset: ref.preset, namespace: t.namespace, kind: t.kind, name: t.name, ...(container ? { container } : {}), ...(extra ? { extra } : {}) };
  return { promql: presetQuery(metric, ref.preset, t, container, extra), preset };
}
