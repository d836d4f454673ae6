import type { Note } from '../../domain/reasons.js';
import { changeKindOf } from '../../domain/workload.js';
import type { Rule } from '../rule.js';

export const allowedChanges: Rule = {
  name: 'allowedChanges',
  doc: 'drops change kinds not allowed (`replicas`, `hpa`, `requests`, `limits`, `schedule`)',
  draft(draft, { policy }) {
    const allowed = policy.allowedChanges;
    const disallowed = draft.changes.filter((c) => !allowed.includes(changeKindOf(c.field)));
    const notes: Note[] = [
      disallowed.length > 0 ? { rule: 'allowedChanges', effect: 'dropped', fields: disallowed.map((c) => c.field), allowed } : { rule: 'allowedChanges', effect: 'passed', allowed },
    ];
    const dropSchedule = draft.schedule !== undefined && !allowed.includes('schedule');
    if (dropSchedule) notes.push({ rule: 'allowedChanges', effect: 'dropped', schedule: true, allowed });
    return {
      draft: { changes: draft.changes.filter((c) => !disallowed.includes(c)), schedule: dropSchedule ? undefined : draft.schedule },
      notes,
    };
  },
};
