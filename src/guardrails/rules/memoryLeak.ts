import type { Rule } from '../rule.js';

/** A working set that climbs between restarts is a leak: more memory only postpones the next OOM kill. */
export const memoryLeak: Rule = {
  name: 'memoryLeak',
  doc: 'holds a memory raise when the working set grows steadily between restarts (a leak: the raise only postpones the OOM kill), unless `raiseMemoryOnLeak`',
  draft(draft, { policy, memoryTrend }) {
    const raises = draft.changes.some((c) => c.field.startsWith('memory.') && c.proposed > c.current);
    if (!raises || !memoryTrend?.leak || policy.raiseMemoryOnLeak) return { draft, notes: [{ rule: 'memoryLeak', effect: 'passed' }] };
    return { draft, notes: [{ rule: 'memoryLeak', effect: 'held', growthPerDay: memoryTrend.growthPerDay, segments: memoryTrend.segments }] };
  },
};
