// The usual queries for a workload, from the standard exporters (cAdvisor via the kubelet, and
// kube-state-metrics), so most targets need no PromQL at all.
import type { TargetConfig } from '../config/schema.js';
import type { MetricRef } from '../domain/series.js';

import type { MetricName } from '../domain/facts.js';

/** Pod name pattern of a workload's pods: Deployments add a ReplicaSet hash and a suffix, StatefulSets an ordinal. */
export function podPattern(t: Pick<TargetConfig, 'kind' | 'name'>): string {
  const name = t.name.replace(/\./g, '\\\\.');
  return t.kind === 'StatefulSet' ? `${name}-[0-9]+` : `${name}-[a-z0-9]+-[a-z0-9]{5}`;
}

/** `extra`: label matchers of the target's environment (environments.<name>.selector), e.g. cluster="prod-eu". */
export function presetQuery(metric: MetricName, preset: 'cadvisor' | 'kube-state-metrics', t: TargetConfig, container: string | undefined, extra?: string): string {
  if (metric === 'replicas') return replicasQuery(preset, t, extra);
  const sel = `namespace="${t.namespace}", pod=~"${podPattern(t)}"${container ? `, container="${container}"` : ', container!="", container!="POD"'}${extra ? `, ${extra}` : ''}`;
  return preset === 'cadvisor' ? cadvisorQuery(metric, sel) : kubeStateMetricsQuery(metric, sel);
}

/** cAdvisor (the kubelet's /metrics/cadvisor): what the containers use. */
function cadvisorQuery(metric: MetricName, sel: string): string {
  switch (metric) {
    case 'cpu':
      // The busiest pod at each instant: requests are per pod.
      return `max(sum by (pod) (rate(container_cpu_usage_seconds_total{${sel}}[5m])))`;
    case 'cpuTotal':
      return `sum(rate(container_cpu_usage_seconds_total{${sel}}[5m]))`;
    case 'memory':
      return `max(sum by (pod) (container_memory_working_set_bytes{${sel}}))`;
    case 'oomKills':
      // OOM kills cAdvisor saw in the containers over the last 10 minutes; 0 when none.
      return `sum(increase(container_oom_events_total{${sel}}[10m])) or vector(0)`;
    case 'throttling':
      return `sum(rate(container_cpu_cfs_throttled_periods_total{${sel}}[5m])) / sum(rate(container_cpu_cfs_periods_total{${sel}}[5m]))`;
    case 'load':
      // Without an application metric, CPU used by all pods is the load.
      return `sum(rate(container_cpu_usage_seconds_total{${sel}}[5m]))`;
  }
  throw new Error(`the cadvisor preset has no query for ${String(metric)}`);
}

/** kube-state-metrics: the objects' state (terminations, restarts), not what the containers use. */
function kubeStateMetricsQuery(metric: MetricName, sel: string): string {
  if (metric === 'oomKills') {
    // Containers whose last termination was an OOM kill; 0 when none.
    return `sum(kube_pod_container_status_last_terminated_reason{${sel}, reason="OOMKilled"}) or vector(0)`;
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
  return { promql: presetQuery(metric, ref.preset, t, container, extra) };
}
