// Guardrails: every policy of the guardrails file as one small rule (rules/), applied in the order
// of RULES by the runners (run.ts). guard() judges one recommendation; applyLimits() the limits
// that span targets. Both return new decisions; nothing they are given is changed.
import type { Policy } from '../config/schema.js';
import { verdictOf, type Decision } from '../domain/decision.js';
import type { CostDelta } from '../domain/money.js';
import type { Note } from '../domain/reasons.js';
import type { WorkloadId } from '../domain/workload.js';
import { draftCost } from './cost.js';
import type { Draft, DraftContext, Ledger } from './rule.js';
import { checkDraft, checkFleet, commit } from './run.js';

export { RULES } from './rules/index.js';
export type { Draft, DraftContext, Rule, Stage } from './rule.js';

export type GuardInput = DraftContext;

/** A recommendation judged by every draft rule: the changes and schedule they let through, their notes, the cost. */
export function guard(input: GuardInput): Decision {
  const { recommendation: r } = input;
  const { draft, notes } = checkDraft({ changes: r.changes, schedule: r.schedule }, input);
  return decisionOf(r.target, draft, notes, draftCost(draft, r.evidence, input.podRequests, input.policy.prices));
}

export function decisionOf(target: WorkloadId, draft: Draft, notes: Note[], cost: CostDelta): Decision {
  return {
    target,
    verdict: verdictOf(notes, draft.changes, draft.schedule),
    changes: [...draft.changes],
    ...(draft.schedule ? { schedule: draft.schedule } : {}),
    notes,
    cost,
  };
}

/** What Augur has already proposed, read back from the forge. */
export interface ForgeLoad {
  openPRs: number;
  /** PRs opened in the last hour. */
  openedLastHour: number;
  /** Cost already added per namespace within its budget period (open and merged Augur PRs). */
  namespaceCost: Record<string, CostDelta>;
  /** Grouping keys that already have an open PR (updating it does not open a new one). */
  withOpenPR: Set<string>;
  /** What each open PR adds now, by its key: an update replaces that cost, it does not add to it. */
  openCost: Record<string, CostDelta>;
}

/**
 * The limits that span targets. Decisions are taken in order (the config's target order), so the
 * same input always holds the same ones; a decision that passes is counted before the next one.
 */
export function applyLimits(
  decisions: readonly Decision[],
  load: ForgeLoad,
  limits: { maxOpenPRs: number; maxPRsPerHour: number },
  namespaceBudget: (namespace: string) => Policy['budget']['perNamespace'],
  key: (d: Decision) => string,
): Decision[] {
  return decisions.map(fleetLimiter(load, limits, namespaceBudget, key));
}

/**
 * applyLimits one decision at a time, in order, for a cycle that takes its decisions as they come
 * (and lets go of a held proposal's evidence at once): each call judges the next decision against
 * the ledger of those that passed before it.
 */
export function fleetLimiter(
  load: ForgeLoad,
  limits: { maxOpenPRs: number; maxPRsPerHour: number },
  namespaceBudget: (namespace: string) => Policy['budget']['perNamespace'],
  key: (d: Decision) => string,
): (d: Decision) => Decision {
  let ledger: Ledger = { open: load.openPRs, openedLastHour: load.openedLastHour, namespaceCost: load.namespaceCost };
  return (d) => {
    if (d.verdict !== 'propose') return d;
    const replaces = load.openCost[key(d)];
    const namespaceBudgetOf = namespaceBudget(d.target.namespace);
    const ctx = {
      ledger,
      limits,
      isNew: !load.withOpenPR.has(key(d)),
      cost: d.cost,
      namespace: d.target.namespace,
      ...(namespaceBudgetOf ? { namespaceBudget: namespaceBudgetOf } : {}),
      ...(replaces ? { replaces } : {}),
    };
    const notes = checkFleet(d, ctx);
    const all = [...d.notes, ...notes];
    if (!notes.some((n) => n.effect === 'held')) ledger = commit(ledger, ctx, notes);
    return { ...d, notes: all, verdict: verdictOf(all, d.changes, d.schedule) };
  };
}
