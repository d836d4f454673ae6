// The ports: what the core asks of the edges. One interface each; adapters implement them.
import type { MetricRef, RangeWindow, Series } from './series.js';
import type { RepoView } from './workload.js';

/**
 * A source of history. One adapter per backend (Prometheus and its compatibles, CSV files).
 * Must throw MetricsError with a message a person can act on; must never return a Series with
 * a different stepSeconds than asked for.
 */
export interface MetricsSource {
  range(ref: MetricRef, window: RangeWindow, signal?: AbortSignal): Promise<Series>;
}

export interface Logger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/** What the cycle needs of the git checkout (GitWorkspace implements it). */
export interface Workspace {
  sync(): Promise<string>;
  view(): RepoView;
  publish(branch: string, files: Map<string, string>, message: string): Promise<string>;
}
