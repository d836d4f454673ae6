import type { Rule } from '../rule.js';

export const protectedRule: Rule = {
  name: 'protected',
  doc: 'a protected workload is reported, never changed',
  draft: (draft, { policy }) => ({ draft, notes: [{ rule: 'protected', effect: policy.protected ? 'held' : 'passed' }] }),
};
