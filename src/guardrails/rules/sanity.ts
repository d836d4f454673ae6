import type { Rule } from '../rule.js';

/** Never let a non-finite or negative number through, whatever produced it. */
export const sanity: Rule = {
  name: 'sanity',
  doc: 'a non-finite or negative number is held, whatever produced it',
  draft(draft) {
    const insane = draft.changes.filter((c) => !Number.isFinite(c.proposed) || c.proposed < 0 || !Number.isFinite(c.current));
    if (insane.length === 0) return { draft, notes: [{ rule: 'sanity', effect: 'passed' }] };
    return { draft, notes: [{ rule: 'sanity', effect: 'held', values: insane.map((c) => ({ field: c.field, value: c.proposed })) }] };
  },
};
