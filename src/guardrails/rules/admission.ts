import type { Rule } from '../rule.js';

/**
 * The API server's server-side dry run of the proposed change (cluster.dryRun): admission
 * policies, webhooks (Kyverno, Gatekeeper) and quotas judge it before a reviewer does. A refusal
 * holds the proposal with who refused and why; a dry run that could not run is no verdict: it is
 * said (and, with cluster.required, the clusterRequired rule holds the proposal).
 */
export const admission: Rule = {
  name: 'admission',
  doc: 'a server-side dry run (dryRun=All) of the proposed fields on the live workload, HPA and ScaledObject (or of a renamed copy, cluster.dryRun: copy); a refusal by an admission policy, a webhook or a quota holds the proposal, naming who refused',
  cluster(_draft, { dryRun, required }) {
    if (!dryRun) return [];
    if ('error' in dryRun) return required ? [] : [{ rule: 'admission', effect: 'passed', notRun: dryRun.error }];
    return dryRun.ok
      ? [{ rule: 'admission', effect: 'passed', mode: dryRun.mode, unchecked: dryRun.unchecked }]
      : [{ rule: 'admission', effect: 'held', mode: dryRun.mode, object: dryRun.object, denial: dryRun.denial }];
  },
};
