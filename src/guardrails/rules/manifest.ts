import type { Note } from '../../domain/reasons.js';
import type { Rule } from '../rule.js';

/**
 * The workload must be where the target says, with its fields readable; at the end, the draft
 * must be writable in place. A schedule whose triggers are in a shape Augur does not edit is
 * dropped, and holds the decision when nothing else is left to propose (an open PR stays open).
 */
export const manifest: Rule = {
  name: 'manifest',
  doc: 'the workload and its fields are found where the target says; a KEDA schedule whose triggers cannot be written in place is dropped, and holds the target when nothing else is left',
  facts: ({ facts }) => ('problem' in facts.manifest ? [{ rule: 'manifest', effect: 'held', problem: facts.manifest.problem }] : []),
  edit(draft, ctx) {
    const s = draft.schedule;
    if (!s || !ctx.scheduleEdit) return { draft, notes: [] };
    const written = ctx.scheduleEdit(s);
    if ('edit' in written && written.edit) return { draft, notes: [] };
    const rest = { changes: draft.changes };
    // Nothing to write: the triggers are already the proposed ones.
    if (!('problem' in written)) return { draft: rest, notes: [] };
    const notes: Note[] = [{ rule: 'manifest', effect: 'dropped', schedule: true, problem: written.problem }];
    if (draft.changes.length === 0) notes.push({ rule: 'manifest', effect: 'held', schedule: true, problem: written.problem });
    return { draft: rest, notes };
  },
};
