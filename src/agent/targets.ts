// What a target in the guardrails file means to the edges: where its manifests are, where its
// metrics come from (with the standard presets), and which branch its proposals go to.
import type { Config, TargetConfig } from '../config/schema.js';
import type { ManifestSpec } from '../manifests/index.js';
import { metricRef } from '../metrics/presets.js';
import { type MetricName } from '../domain/facts.js';
import type { MetricRef } from '../domain/series.js';
import type { WorkloadId } from '../domain/workload.js';

/** The workload a target names: (environment, kind, namespace, name). */
export const workloadIdOf = (t: Pick<TargetConfig, 'kind' | 'namespace' | 'name' | 'environment'>): WorkloadId => ({
  kind: t.kind,
  namespace: t.namespace,
  name: t.name,
  ...(t.environment ? { environment: t.environment } : {}),
});

/** What the manifest locator needs of a target: its manifest options as the format's schema parsed them. */
export function manifestSpecOf(t: TargetConfig): ManifestSpec {
  return t.manifest;
}

/**
 * Where a target's metric comes from, at which step and over how much history; undefined when
 * it has none. With Prometheus configured, CPU, memory, OOM kills and throttling come from the
 * standard exporters unless the target says otherwise.
 */
export function resolveMetric(config: Config, t: TargetConfig, name: MetricName, container: string | undefined): { ref: MetricRef; step: number; history: number } | undefined {
  const configured = t.metrics[name] ?? defaultPreset(name, config);
  if (!configured) return undefined;
  const ref = metricRef(name, configured, t, container, environmentSelector(config, t));
  if ('file' in ref && config.metrics.file) return { ref, step: config.metrics.file.step, history: config.metrics.file.history };
  return { ref, step: config.prometheus?.step ?? 300, history: config.prometheus?.history ?? 14 * 86_400 };
}

/** The label matchers of the target's environment, added to its preset queries. */
export function environmentSelector(config: Config, t: Pick<TargetConfig, 'environment'>): string | undefined {
  return t.environment !== undefined ? config.environments[t.environment]?.selector : undefined;
}

function defaultPreset(name: MetricName, config: Config): TargetConfig['metrics']['cpu'] {
  if (!config.prometheus || name === 'load') return undefined;
  return { preset: name === 'oomKills' || name === 'replicas' ? 'kube-state-metrics' : 'cadvisor' };
}

/** Grouping key of a target: per workload, per namespace, or per the target's group. */
export function groupKey(config: Config, t: Pick<TargetConfig, 'namespace' | 'name' | 'group' | 'environment'>): string {
  const env = t.environment ? `${t.environment}/` : '';
  if (config.forge.grouping === 'namespace') return `${env}namespace--${t.namespace}`;
  if (config.forge.grouping === 'group' && t.group) return `${env}group--${t.group}`;
  return `${env}${t.namespace}/${t.name}`;
}

/** The branch of a proposal: <git.branchPrefix>/<key>, e.g. augur/production/shop/web. */
export const branchFor = (config: Pick<Config, 'git'>, key: string) => `${branchPrefixOf(config)}${key}`;

/** git.branchPrefix with its trailing slash: what every branch of this instance starts with. */
export const branchPrefixOf = (config: Pick<Config, 'git'>) => `${config.git.branchPrefix}/`;
