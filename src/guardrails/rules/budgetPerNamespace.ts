import { zeroCost, type CostDelta } from '../../domain/money.js';
import { overBudget } from '../cost.js';
import type { Rule } from '../rule.js';

/** Open and recently merged Augur PRs of a namespace, and this cycle's proposals, add up within the period. */
export const budgetPerNamespace: Rule = {
  name: 'budget.perNamespace',
  doc: 'open and recently merged Augur PRs of the namespace add up within the period',
  fleet(_draft, { ledger, namespace, namespaceBudget: budget, cost, replaces }) {
    if (!budget) return [];
    const counted = ledger.namespaceCost[namespace] ?? zeroCost(cost.currency);
    // Updating an open PR replaces its cost rather than adding to it.
    const spent = replaces ? minus(counted, replaces) : counted;
    const total = { cores: spent.cores + cost.cores, memoryGiB: spent.memoryGiB + cost.memoryGiB, monthly: spent.monthly + cost.monthly, currency: cost.currency };
    return [{ rule: 'budget.perNamespace', effect: overBudget(total, budget) ? 'held' : 'passed', namespace, total, budget }];
  },
};

const minus = (a: CostDelta, b: CostDelta): CostDelta => ({ ...a, cores: a.cores - b.cores, memoryGiB: a.memoryGiB - b.memoryGiB, monthly: a.monthly - b.monthly });
