// The Forge port: where proposals become pull requests and the dashboard lives. Augur keeps no
// database: what it has proposed is read back from here (branch names and a metadata block in
// each PR body), so a restart or a second replica never opens a duplicate.
import type { CostDelta } from './money.js';
import type { CronWindowTrigger, FieldKey, Insertion } from './workload.js';

/** A KEDA cron schedule a PR writes: Augur's triggers on one ScaledObject, before and after. */
export interface ScheduleMeta {
  /** "Kind/namespace/name" of the workload the ScaledObject scales. */
  target: string;
  /** Repository-relative path of the file holding the ScaledObject. */
  file: string;
  /** e.g. "ScaledObject/gateway". */
  scaledObject: string;
  /** Augur's cron triggers before the PR (empty for a first schedule). */
  from: CronWindowTrigger[];
  /** Augur's cron triggers the PR writes. */
  to: CronWindowTrigger[];
}

/** The machine-readable block hidden in every Augur PR body. */
export interface ProposalMeta {
  v: 1;
  /** Grouping key: "shop/frontend" per workload, "ns:shop" per namespace, "group:web" per group. */
  key: string;
  /** Workloads in the PR, as "Kind/namespace/name". */
  targets: string[];
  /** Hash of the proposed values: equal fingerprints mean the PR is already right. */
  fingerprint: string;
  /** `from` is '' and `insert` is set when the PR adds the key; `to` is '' when a revert removes it again. */
  changes: { target: string; field: FieldKey; file: string; from: string; to: string; insert?: Insertion }[];
  /**
   * KEDA cron schedules the PR writes (absent when it writes none). Part of the fingerprint, so an
   * unchanged schedule is not pushed again and a changed one updates the PR in place. A revert PR
   * restores `from`; the rejected-backoff read-back ignores schedules (see the cycle).
   */
  schedules?: ScheduleMeta[];
  cost: CostDelta;
  /** Unix seconds of the cycle that wrote the PR. */
  at: number;
  /** Set when Augur itself closed the PR (no longer needed): not a reviewer's rejection. */
  closedByAugur?: boolean;
  /** What the forecast promised, per target, to check against what happened after a merge. */
  forecast?: Record<string, { horizonSeconds: number; peak: number; quantile: number; capacityPerReplica: number; replicas?: number }>;
  /** Set once the post-merge check has commented on the PR. */
  verified?: boolean;
  /** A revert PR: the PR it reverts. */
  reverts?: number;
  /** The head commit of the branch by someone else that Augur said (in a comment) it will not touch. */
  foreignHead?: string;
}

export interface PullRequestInfo {
  number: number;
  branch: string;
  title: string;
  state: 'open' | 'closed';
  merged: boolean;
  url: string;
  createdAt: number;
  closedAt?: number;
  mergedAt?: number;
  /** Parsed from the body; undefined when the block is missing or unreadable. */
  meta?: ProposalMeta;
  body?: string;
  /** Labels and requested reviewers as the forge reports them (absent when it does not say). */
  labels?: string[];
  requestedReviewers?: string[];
  requestedTeams?: string[];
}

/** What every Augur PR carries besides its body. */
export interface PullRequestExtras {
  labels: string[];
  reviewers: string[];
  teamReviewers: string[];
}

export interface OpenPullRequest extends PullRequestExtras {
  branch: string;
  base: string;
  title: string;
  body: string;
  draft: boolean;
}

export interface Forge {
  /** Human-readable name for logs and the demo: "github acme/manifests", "local /tmp/x". */
  readonly name: string;
  /** How a reviewer reverts a merged PR in this forge's UI, for the PR body ("GitHub's **Revert** button"); absent when it has none. */
  readonly revertHint?: string;
  /** Augur's PRs (branch prefix "augur/"): all open ones and those closed within `closedSince`. */
  listPullRequests(closedSince: number): Promise<PullRequestInfo[]>;
  openPullRequest(pr: OpenPullRequest): Promise<PullRequestInfo>;
  updatePullRequest(number: number, update: { title: string; body: string }): Promise<void>;
  /** Adds a comment to a PR (open or merged) and rewrites its body (to update the metadata block). */
  commentOnPullRequest(number: number, comment: string, body: string): Promise<void>;
  /** Closes a PR with a comment saying why, and its body rewritten (to mark it closed by Augur). The branch is left for the reviewer to inspect. */
  closePullRequest(number: number, comment: string, body: string): Promise<void>;
  /**
   * Makes an open PR carry its labels and have its reviewers asked (a lost answer or a failed call
   * at create leaves a PR without them). Reviewers are asked again only when nobody is asked and
   * nobody has reviewed. Returns what it added, for the log.
   */
  ensurePullRequestExtras(pr: PullRequestInfo, want: PullRequestExtras): Promise<string[]>;
  /**
   * Creates or rewrites the one dashboard issue, found by a marker in its body before one is
   * created; duplicates (a create whose answer was lost) are closed. Returns where it is.
   */
  upsertDashboard(title: string, body: string): Promise<string>;
}

/** A closed Augur PR, as a forge's webhook reports it. */
export interface PullRequestClosedEvent {
  number: number;
  branch: string;
  merged: boolean;
  /** Unix seconds. */
  mergedAt?: number;
  /** Unix seconds. */
  closedAt?: number;
  /** The metadata block of the PR body; undefined when missing or unreadable. */
  meta?: ProposalMeta;
}
