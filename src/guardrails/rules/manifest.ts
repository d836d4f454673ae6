import { isRead, type Facts } from '../../domain/facts.js';
import type { Note } from '../../domain/reasons.js';
import type { FieldKey, WorkloadManifest } from '../../domain/workload.js';
import type { Rule } from '../rule.js';

/**
 * The workload must be where the target says, with its fields readable; at the end, the draft
 * must be writable in place. A schedule whose triggers are in a shape Augur does not edit is
 * dropped, and holds the decision when nothing else is left to propose (an open PR stays open).
 */
/**
 * The fields this cycle would size: the replica count nobody else owns, the HPA's bounds, the
 * requests whose usage was read, and their limits (a request raised past a limit left in place is
 * refused by the API server). One of them blocked is a hold, never a silent "no change".
 */
function wanted(site: WorkloadManifest, facts: Facts): FieldKey[] {
  const out: FieldKey[] = [];
  if (site.autoscaler === 'hpa') out.push('hpa.minReplicas', 'hpa.maxReplicas');
  else if (!site.scaledObject) out.push('replicas');
  if (isRead(facts.metrics.cpu)) out.push('cpu.request', 'cpu.limit');
  if (isRead(facts.metrics.memory)) out.push('memory.request', 'memory.limit');
  return out;
}

export const manifest: Rule = {
  name: 'manifest',
  doc: 'the workload and its fields are found where the target says, and every field this cycle would size can be edited (an alias, a template, a deleted object or a missing key path holds the target with the fix); a KEDA schedule whose triggers cannot be written in place is dropped, and holds the target when nothing else is left',
  facts: ({ facts }) => {
    if ('problem' in facts.manifest) return [{ rule: 'manifest', effect: 'held', problem: facts.manifest.problem }];
    const { blocked, fields } = facts.manifest.site;
    const notes = wanted(facts.manifest.site, facts)
      .filter((f) => blocked?.[f] !== undefined)
      .map((field): Note => ({ rule: 'manifest', effect: 'held', field, problem: blocked![field]! }));
    // An HPA ceiling has no default: absent from Git and unread from the cluster, today's value is unknown.
    const max = fields['hpa.maxReplicas'];
    const live = facts.live && 'workload' in facts.live ? facts.live.workload?.fields['hpa.maxReplicas'] : undefined;
    if (max?.insert && max.inherits === undefined && live === undefined) {
      notes.push({ rule: 'manifest', effect: 'held', field: 'hpa.maxReplicas', problem: `hpa.maxReplicas: ${max.file}: ${max.yamlPath} is not set and the cluster was not read, so today's HPA ceiling is unknown; write it in ${max.file}, or give Augur read access to the cluster` });
    }
    return notes;
  },
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
