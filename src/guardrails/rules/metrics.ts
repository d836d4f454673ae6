import type { Series } from '../../domain/series.js';
import type { Rule } from '../rule.js';

/**
 * The load must be read, hold usable samples, and be fresh: stale data is not "no load", so a
 * series whose newest samples are missing is held rather than forecast from a filled-in tail.
 */
export const metrics: Rule = {
  name: 'metrics',
  doc: 'the load must be read and hold usable samples, the newest no older than 15 minutes (or three steps): stale data is held, not forecast from a filled-in tail',
  facts({ facts, load }) {
    const read = facts.metrics.load;
    if (read && 'error' in read) return [{ rule: 'metrics', effect: 'held', metric: 'load', cause: 'read', error: read.error }];
    if (!read || !load) return [{ rule: 'metrics', effect: 'held', metric: 'load', cause: 'read', error: 'not read' }];
    if (!load.values.some(Number.isFinite)) return [{ rule: 'metrics', effect: 'held', metric: 'load', cause: 'empty', steps: load.values.length }];
    const age = trailingMissingSeconds(load);
    if (age > Math.max(3 * load.stepSeconds, 900)) return [{ rule: 'metrics', effect: 'held', metric: 'load', cause: 'stale', ageSeconds: age, windowEnd: facts.now }];
    return [];
  },
};

function trailingMissingSeconds(s: Series): number {
  let i = s.values.length - 1;
  while (i >= 0 && !Number.isFinite(s.values[i])) i--;
  return (s.values.length - 1 - i) * s.stepSeconds;
}
