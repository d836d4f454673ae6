import type { Note } from '../../domain/reasons.js';
import type { Rule } from '../rule.js';

export const maxPerPod: Rule = {
  name: 'maxCpuPerPod/maxMemoryPerPod',
  doc: 'clamps CPU and memory requests per container',
  draft(draft, { policy }) {
    const notes: Note[] = [];
    const changes = draft.changes.map((c) => {
      const cap = c.field === 'cpu.request' ? policy.maxCpuPerPod : c.field === 'memory.request' ? policy.maxMemoryPerPod : undefined;
      if (cap === undefined || c.proposed <= cap) return c;
      notes.push({ rule: c.field === 'cpu.request' ? 'maxCpuPerPod' : 'maxMemoryPerPod', effect: 'clamped', field: c.field, from: c.proposed, to: cap });
      return { ...c, proposed: cap };
    });
    if (notes.length === 0) notes.push({ rule: 'maxCpuPerPod/maxMemoryPerPod', effect: 'passed', cpu: policy.maxCpuPerPod, memory: policy.maxMemoryPerPod });
    return { draft: { ...draft, changes }, notes };
  },
};
