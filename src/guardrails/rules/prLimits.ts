import type { Rule } from '../rule.js';

/** New PRs wait when too many are open; updating an open PR never counts. */
export const maxOpenPRs: Rule = {
  name: 'limits.maxOpenPRs',
  doc: 'new PRs wait while this many Augur PRs are open; updating an open PR never counts',
  fleet: (_draft, { ledger, limits, isNew }) =>
    isNew && ledger.open >= limits.maxOpenPRs ? [{ rule: 'limits.maxOpenPRs', effect: 'held', open: ledger.open, limit: limits.maxOpenPRs }] : [],
};

export const maxPRsPerHour: Rule = {
  name: 'limits.maxPRsPerHour',
  doc: 'new PRs wait for the next cycle once this many were opened in the last hour',
  fleet: (_draft, { ledger, limits, isNew }) =>
    isNew && ledger.openedLastHour >= limits.maxPRsPerHour ? [{ rule: 'limits.maxPRsPerHour', effect: 'held', opened: ledger.openedLastHour, limit: limits.maxPRsPerHour }] : [],
};
