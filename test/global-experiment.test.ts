// The global-model experiment's section: rendered from its committed record, replaced in place.
import { describe, expect, it } from 'vitest';
import { readGlobalExperiment, renderGlobalExperiment, withGlobalSection } from '../scripts/global-experiment.js';

describe('global experiment section', () => {
  const e = readGlobalExperiment();

  it('is recorded, with the split by machine (no machine on both sides) and both evaluation sets', () => {
    expect(e).toBeDefined();
    if (!e) return;
    expect(e.split.train.filter((v) => e.split.heldOut.includes(v))).toEqual([]);
    for (const v of e.split.excludedFromTraining) expect(e.split.heldOut).toContain(v);
    expect(Object.keys(e.sets).sort()).toEqual(['heldout', 'traces']);
  });

  it('replaces its block between the markers and is idempotent', () => {
    if (!e) return;
    const lines = renderGlobalExperiment(e, '##');
    const once = withGlobalSection('# card\n\ntext\n', lines);
    expect(once.startsWith('# card\n\ntext\n\n<!-- global-experiment')).toBe(true);
    expect(withGlobalSection(once, lines)).toBe(once);
    const changed = withGlobalSection(once, ['new']);
    expect(changed).toContain('\nnew\n');
    expect(changed).not.toContain(lines[0]);
  });
});
