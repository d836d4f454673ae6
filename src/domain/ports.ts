// The ports: what the core asks of the edges. One interface each; adapters implement them.
import type { LabelledColumns, MetricRef, RangeWindow, Series } from './series.js';
import type { RepoView } from './workload.js';

/**
 * A source of history. One adapter per backend (Prometheus and its compatibles, CSV files).
 * Must throw MetricsError with a message a person can act on; must never return a Series with
 * a different stepSeconds than asked for.
 */
export interface MetricsSource {
  range(ref: MetricRef, window: RangeWindow, signal?: AbortSignal): Promise<Series>;
  /** Every series of one query, keyed by labels (what a batched read asks); sources that cannot leave it out. */
  rangeBy?(promql: string, window: RangeWindow, signal?: AbortSignal): Promise<LabelledColumns>;
}

export interface Logger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/** A branch as the remote had it when the cycle synced. */
export interface BranchState {
  sha: string;
  /** What Augur's head commit proposes (its Augur-Fingerprint trailer); absent on a commit made before trailers. */
  fingerprint?: string;
  /** Set when the head commit is not Augur's: someone else committed on the branch. */
  foreign?: { sha: string; author: string; subject: string };
}

/** What the cycle needs of the git checkout (GitWorkspace implements it). */
export interface Workspace {
  sync(): Promise<string>;
  view(): RepoView;
  /**
   * Pushes `files` as one commit on `branch`, rebuilt from the base. `expected` is the sha the push
   * may replace (null: the branch must not exist); without it, whatever the remote has now.
   */
  publish(branch: string, files: Map<string, string>, message: string, expected?: string | null): Promise<string>;
  /** The branch as of the last sync, or undefined when the remote has none. */
  branch(branch: string): Promise<BranchState | undefined>;
}
