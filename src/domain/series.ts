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

/** Where a metric comes from: a PromQL expression or a CSV file of `timestamp,value` rows. */
export type MetricRef = { promql: string } | { file: string };

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
