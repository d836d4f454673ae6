// What a guardrail is: a name from the guardrails file, one line of documentation, and a check
// for the stage of the cycle it judges. RULES (rules/index.ts) lists them in the order they run.
//
//   facts    before any forecast: what was read about the target (Git, cluster, metrics)
//   draft    the recommendation, change by change: clamp, drop, hold
//   edit     the final draft written into the manifests
//   cluster  the proposed objects against the cluster (quota, LimitRange, admission)
//   fleet    across targets: what the namespace and the forge can take
//
// A check never mutates what it is given: it returns the draft it lets through and its notes.
import type { Policy } from '../config/schema.js';
import type { Headroom, ContainerLimits, DryRunResult } from '../domain/cluster.js';
import type { CapacitySource, Change, Recommendation, ScheduleChange } from '../domain/decision.js';
import type { Facts } from '../domain/facts.js';
import type { Accuracy } from '../domain/forecast.js';
import type { CostDelta } from '../domain/money.js';
import type { Note } from '../domain/reasons.js';
import type { Series } from '../domain/series.js';
import type { BlockEdit, FieldKey } from '../domain/workload.js';
import type { MemoryTrend } from '../recommend/memory.js';

/** What is proposed so far: the changes and the schedule that have passed the rules before. */
export interface Draft {
  readonly changes: readonly Change[];
  readonly schedule?: ScheduleChange | undefined;
}

/** What a check lets through, and what it says about it. */
export interface Step {
  draft: Draft;
  notes: Note[];
}

import type { PodRequests } from '../domain/proposal.js';

/** The facts, and what decide() worked out from them before forecasting. */
export interface FactsContext {
  facts: Facts;
  policy: Policy;
  /** The values written in Git, in natural units (replicas the cluster's autoscaler owns left out). */
  current: Partial<Record<FieldKey, number>>;
  /** The load as forecast: a counter turned into its rate. Undefined when it was not read. */
  load?: Series;
  /** Per-replica capacity, when it is given or could be derived. */
  capacity?: { perReplica: number; source: CapacitySource };
}

/** Everything a draft rule may consult besides the draft. */
export interface DraftContext {
  recommendation: Recommendation;
  policy: Policy;
  accuracy?: Accuracy;
  /** Seconds of usable history behind the forecast. */
  historySeconds: number;
  now: number;
  timezone: string;
  /** When the last Augur PR for this workload was merged (Unix seconds). */
  lastMergedAt?: number;
  /** The last Augur PR for this workload that a reviewer closed without merging. */
  lastRejected?: { number: number; closedAt: number; values: Partial<Record<FieldKey, number>> };
  /** Current per-pod requests, to cost replica changes. */
  podRequests: PodRequests;
  /** The replicas running now: spec.replicas in Git, or the live count when an autoscaler owns it. */
  currentReplicas?: number;
  /** The working set's shape over the history, when memory was read. */
  memoryTrend?: MemoryTrend;
}

/** The final draft and how to write its schedule: a block edit, nothing to write, or why it cannot be written. */
export interface EditContext {
  scheduleEdit?: (schedule: ScheduleChange) => { edit?: BlockEdit } | { problem: string };
  cost: (draft: Draft) => CostDelta;
}

/** What the cluster said about a proposal; each part is absent when it was not asked, or the error. */
export interface ClusterContext {
  /** Requests the proposal adds at its new peak over what runs now (cores, bytes). */
  added: { cores: number; bytes: number };
  quota?: Headroom | { error: string } | undefined;
  clusterRoom?: Headroom | undefined;
  limits?: ContainerLimits | { error: string };
  dryRun?: DryRunResult | { error: string };
  /** cluster.required: a check that could not run holds the proposal. */
  required?: boolean;
  /** Why no cluster check could run at all (no cluster access, the live state not read). */
  unavailable?: string;
}

/** What Augur already has open or merged in the forge, and what this cycle has let through so far. */
export interface Ledger {
  open: number;
  openedLastHour: number;
  /** Cost per namespace within its budget period: open and merged Augur PRs, and this cycle's proposals. */
  namespaceCost: Record<string, CostDelta>;
}

export interface FleetContext {
  ledger: Ledger;
  limits: { maxOpenPRs: number; maxPRsPerHour: number };
  /** The namespace budget of the decision's namespace. */
  namespaceBudget?: Policy['budget']['perNamespace'];
  /** The decision opens a new PR (rather than updating an open one). */
  isNew: boolean;
  /** What the open PR this decision updates adds now: an update replaces that cost, it does not add to it. */
  replaces?: CostDelta;
  cost: CostDelta;
  namespace: string;
}

export interface Rule {
  /** The name in the guardrails file and in every note, e.g. "maxStepPercent". */
  readonly name: string;
  /** One line for the README's list of guardrails (generated from RULES). */
  readonly doc: string;
  facts?(ctx: FactsContext): Note[];
  draft?(draft: Draft, ctx: DraftContext): Step;
  edit?(draft: Draft, ctx: EditContext): Step;
  cluster?(draft: Draft, ctx: ClusterContext): Note[];
  fleet?(draft: Draft, ctx: FleetContext): Note[];
}

export type Stage = 'facts' | 'draft' | 'edit' | 'cluster' | 'fleet';
export const STAGES: readonly Stage[] = ['facts', 'draft', 'edit', 'cluster', 'fleet'];

/** The stages a rule checks, in cycle order. */
export const stagesOf = (r: Rule): Stage[] => STAGES.filter((s) => typeof r[s] === 'function');

export const held = (notes: readonly Note[]): boolean => notes.some((n) => n.effect === 'held');
