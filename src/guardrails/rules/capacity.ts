import type { Rule } from '../rule.js';

/** Replicas are sized by the load one replica serves: given, or derived from CPU history. */
export const capacity: Rule = {
  name: 'capacity',
  doc: 'the load one replica serves must be known: `capacity.perReplica`, or derived from the cpuTotal metric and the CPU request (`capacity.targetUtilization`)',
  facts: ({ capacity: c }) => (c && c.perReplica > 0 ? [] : [{ rule: 'capacity', effect: 'held' }]),
};
