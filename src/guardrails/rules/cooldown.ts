import type { Rule } from '../rule.js';

export const cooldown: Rule = {
  name: 'cooldown',
  doc: 'after an Augur PR for the workload merges, nothing more is proposed for it for this long',
  draft(draft, { policy, now, lastMergedAt }) {
    const ago = lastMergedAt === undefined ? undefined : now - lastMergedAt;
    const effect = ago !== undefined && ago < policy.cooldown ? 'held' : 'passed';
    return { draft, notes: [{ rule: 'cooldown', effect, ...(ago !== undefined ? { mergedAgo: ago } : {}), cooldown: policy.cooldown }] };
  },
};
