import type { Rule } from '../rule.js';
import { draftCost, overBudget } from '../cost.js';

export const budgetPerPR: Rule = {
  name: 'budget.perPR',
  doc: 'holds a PR that adds more cores, GiB or money per month than allowed',
  draft(draft, { policy, recommendation, podRequests }) {
    const budget = policy.budget.perPR;
    if (!budget) return { draft, notes: [] };
    const cost = draftCost(draft, recommendation.evidence, podRequests, policy.prices);
    return { draft, notes: [{ rule: 'budget.perPR', effect: overBudget(cost, budget) ? 'held' : 'passed', cost, budget }] };
  },
};
