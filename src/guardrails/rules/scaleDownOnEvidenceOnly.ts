import type { Note } from '../../domain/reasons.js';
import type { Rule } from '../rule.js';

/** A decrease goes only as far as observed history supports; with no observation behind it, nothing decreases. */
export const scaleDownOnEvidenceOnly: Rule = {
  name: 'scaleDownOnEvidenceOnly',
  doc: 'a decrease goes only as far as the last 7 days of observed load support; with no observation behind it, nothing decreases',
  draft(draft, { policy }) {
    const notes: Note[] = [];
    const changes = draft.changes.map((c) => {
      if (!policy.scaleDownOnEvidenceOnly || c.proposed >= c.current) return c;
      const supported = c.observed === undefined ? c.current : Math.min(c.current, c.observed);
      if (c.proposed >= supported) return c;
      notes.push({ rule: 'scaleDownOnEvidenceOnly', effect: 'clamped', field: c.field, forecast: c.proposed, supported });
      return { ...c, proposed: supported };
    });
    if (notes.length === 0) notes.push({ rule: 'scaleDownOnEvidenceOnly', effect: 'passed' });
    return { draft: { ...draft, changes }, notes };
  },
};
