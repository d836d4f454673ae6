// The runners: each walks RULES in order for one stage of the cycle. Facts and fleet checks stop
// at the first hold (nothing after it can be judged: no manifest, no load; no room for a PR);
// draft, edit and cluster checks all run, so a reviewer sees every rule that shaped the numbers.
import type { Note } from '../domain/reasons.js';
import { RULES } from './rules/index.js';
import { held, type ClusterContext, type Draft, type DraftContext, type EditContext, type FactsContext, type FleetContext, type Ledger, type Step } from './rule.js';

export function checkFacts(ctx: FactsContext): Note[] {
  const notes: Note[] = [];
  for (const r of RULES) {
    if (!r.facts) continue;
    notes.push(...r.facts(ctx));
    if (held(notes)) break;
  }
  return notes;
}

export function checkDraft(draft: Draft, ctx: DraftContext): Step {
  return thread(draft, (r, d) => r.draft?.(d, ctx));
}

export function checkEdit(draft: Draft, ctx: EditContext): Step {
  return thread(draft, (r, d) => r.edit?.(d, ctx));
}

export function checkCluster(draft: Draft, ctx: ClusterContext): Note[] {
  return RULES.flatMap((r) => r.cluster?.(draft, ctx) ?? []);
}

export function checkFleet(draft: Draft, ctx: FleetContext): Note[] {
  const notes: Note[] = [];
  for (const r of RULES) {
    if (!r.fleet) continue;
    notes.push(...r.fleet(draft, ctx));
    if (held(notes)) break;
  }
  return notes;
}

/** The ledger after a decision that passed the fleet rules: a new PR counts, its cost joins its namespace's. */
export function commit(ledger: Ledger, ctx: FleetContext, notes: readonly Note[]): Ledger {
  const budget = notes.find((n) => n.rule === 'budget.perNamespace');
  return {
    open: ledger.open + (ctx.isNew ? 1 : 0),
    openedLastHour: ledger.openedLastHour + (ctx.isNew ? 1 : 0),
    namespaceCost: budget && 'total' in budget ? { ...ledger.namespaceCost, [ctx.namespace]: budget.total } : ledger.namespaceCost,
  };
}

function thread(draft: Draft, check: (r: (typeof RULES)[number], d: Draft) => Step | undefined): Step {
  let current = draft;
  const notes: Note[] = [];
  for (const r of RULES) {
    const step = check(r, current);
    if (!step) continue;
    current = step.draft;
    notes.push(...step.notes);
  }
  return { draft: current, notes };
}
