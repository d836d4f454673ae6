import type { Change } from '../../domain/decision.js';
import type { Note } from '../../domain/reasons.js';
import type { Rule } from '../rule.js';

/**
 * What the rules before may have left inconsistent: a request above its limit (whether the limit
 * changes with it or stays in the manifest), an HPA's maxReplicas below its minReplicas.
 */
export const consistency: Rule = {
  name: 'consistency',
  doc: 'a request never ends above its limit, whether the limit changes with it or stays in the manifest; an HPA maxReplicas never below its minReplicas',
  draft(draft, { recommendation }) {
    const notes: Note[] = [];
    const changes: Change[] = draft.changes.map((c) => ({ ...c }));
    const find = (f: Change['field']) => changes.find((c) => c.field === f);
    for (const [req, lim] of [['cpu.request', 'cpu.limit'], ['memory.request', 'memory.limit']] as const) {
      const r = find(req);
      const l = find(lim);
      if (r && l && l.proposed < r.proposed) l.proposed = r.proposed;
      const currentLimit = recommendation.changes.find((c) => c.field === lim)?.current;
      if (r && !l && currentLimit !== undefined && r.proposed > currentLimit) {
        notes.push({ rule: 'consistency', effect: 'clamped', limit: 'request below limit', field: req, from: r.proposed, to: currentLimit });
        r.proposed = currentLimit;
      }
    }
    const hMin = find('hpa.minReplicas');
    const hMax = find('hpa.maxReplicas');
    if (hMin && hMax && hMax.proposed < hMin.proposed) hMax.proposed = hMin.proposed;
    return { draft: { ...draft, changes }, notes };
  },
};
