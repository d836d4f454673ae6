// A regularly sampled time series and where one comes from: the words of the metrics stage.

/** A regularly sampled time series. Timestamps are Unix seconds, ascending, one per step. */
export interface Series {
  /** Unix seconds of each sample. */
  timestamps: number[];
  /** Values; NaN marks a missing sample. */
  values: number[];
  /** Sampling interval in seconds. */
  stepSeconds: number;
}

/**
 * Where a metric comes from: a PromQL expression or a CSV file of `timestamp,value` rows. A
 * preset's expression also says what it reads, so a cycle can read many workloads' presets in one
 * query (metrics/batch.ts); `promql` stays the exact per-target query.
 */
export type MetricRef = { promql: string; preset?: PresetRead } | { file: string };

/** What a preset query reads: one metric of one workload's pods, from an exporter. */
export interface PresetRead {
  metric: string;
  preset: 'cadvisor' | 'kube-state-metrics';
  namespace: string;
  kind: 'Deployment' | 'StatefulSet';
  name: string;
  /** The container read; every container of the pod without it. */
  container?: string;
  /** The environment's label matchers, e.g. cluster="prod-eu". */
  extra?: string;
}

/**
 * Series of one query keyed by their labels, as columns on the window's grid (NaN where a series
 * has no sample): what a grouped read (`sum by (pod, container) (...)`) returns.
 */
export interface LabelledColumns {
  stepSeconds: number;
  timestamps: number[];
  series: { labels: Record<string, string>; values: Float64Array }[];
}

export interface RangeWindow {
  /** Unix seconds, inclusive. */
  start: number;
  /** Unix seconds, inclusive. */
  end: number;
  stepSeconds: number;
}

export class MetricsError extends Error {
  constructor(message: string, readonly ref?: MetricRef) {
    super(message);
    this.name = 'MetricsError';
  }
}

/** The query answered, with no series at all over the window. */
export class NoDataError extends MetricsError {}
