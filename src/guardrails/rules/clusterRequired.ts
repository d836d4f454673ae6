import type { Rule } from '../rule.js';

/**
 * Fail closed when asked (cluster.required): a proposal whose cluster checks could not run (no
 * cluster access, the live state, the quota, the LimitRanges or the dry run unanswered) is held
 * with why. Without it Augur proposes from what it could check and says what it could not.
 */
export const clusterRequired: Rule = {
  name: 'cluster.required',
  doc: 'with `cluster.required: true`, a proposal whose cluster checks (live state, quota, LimitRanges, dry run) could not run is held with the reason; it is never worded as a rejection',
  cluster(_draft, { required, unavailable, quota, limits, dryRun }) {
    if (!required) return [];
    const failed: { check: string; error: string }[] = [];
    if (unavailable !== undefined) failed.push({ check: 'live state', error: unavailable });
    if (quota && 'error' in quota) failed.push({ check: 'namespace quota', error: quota.error });
    if (limits && 'error' in limits) failed.push({ check: 'LimitRanges', error: limits.error });
    if (dryRun && 'error' in dryRun) failed.push({ check: 'dry run', error: dryRun.error });
    return failed.length > 0 ? [{ rule: 'cluster.required', effect: 'held', failed }] : [];
  },
};
