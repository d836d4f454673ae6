// What one cycle runs on: the configuration, the ports, the clock, and how much it may do.
import type { Config } from '../config/schema.js';
import type { Cluster, DryRunMode } from '../domain/cluster.js';
import type { Forge } from '../domain/forge.js';
import type { Logger, MetricsSource, Workspace } from '../domain/ports.js';
import type { SelectionCache } from '../forecast/registry.js';
import type { SelectionPool } from './selectionPool.js';
import type { HistoryStore } from '../metrics/history.js';

export interface CycleDeps {
  config: Config;
  metrics: MetricsSource;
  workspace: Workspace;
  forge: Forge;
  /** Unix seconds the cycle runs at (injected: tests and replays pin it). */
  now: number;
  log: Logger;
  /** Plan only: evaluate everything, write nothing (no branch, no PR, no dashboard, no Event). */
  dryRun?: boolean;
  /** Evaluate only these targets ("Kind/namespace/name"), e.g. after an alert; the dashboard is left for the next full cycle. */
  only?: string[];
  /** This replica's share of the targets (stable hash), for large fleets; its own dashboard. */
  shard?: { index: number; count: number };
  /** Live cluster state; without it Augur works from Git alone (unless clusterOptions.required). */
  cluster?: Cluster;
  /**
   * Server-side dry runs and Events (both need the cluster); `required` holds every proposal
   * whose cluster checks could not run (cluster.required), and `unavailable` says why there is
   * no cluster at all.
   */
  clusterOptions?: { dryRun: DryRunMode; events: boolean; required?: boolean; unavailable?: string };
  signal?: AbortSignal;
  /** Each workload's chosen model, kept across the cycles of a long-running process (serve); without it every cycle selects. */
  selections?: SelectionCache;
  /** The series earlier cycles read (state.dir/history): only what is new is asked of Prometheus. */
  history?: HistoryStore;
  /** Worker threads for the selections of a cycle (with `selections`); without it they run on the event loop. */
  selectionPool?: SelectionPool;
}

export const errorMessage = (err: unknown): string => (err instanceof Error ? err.message : String(err));
