import type { Rule } from '../rule.js';

/** The API server's server-side dry run of the proposed objects: Kyverno, Gatekeeper, quota and policies judge it before a reviewer does. */
export const admission: Rule = {
  name: 'admission',
  doc: 'a server-side dry run of the proposed workload and HPA; a rejection (Kyverno, Gatekeeper, quota, an admission policy) holds the proposal with the message',
  cluster(_draft, { dryRun }) {
    if (!dryRun) return [];
    if ('error' in dryRun) return [{ rule: 'admission', effect: 'held', message: `dry run failed: ${dryRun.error}` }];
    return dryRun.ok ? [{ rule: 'admission', effect: 'passed' }] : [{ rule: 'admission', effect: 'held', message: dryRun.message }];
  },
};
