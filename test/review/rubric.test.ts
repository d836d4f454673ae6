// The reviewer's rubric: for every scenario (test/review/scenarios.ts) Augur either holds with the
// right reason, or opens a PR whose decision box shows the red flag a reviewer needs; a sound
// change is proposed. The PR body is rendered as the forge would, and the flag is looked for in
// the box itself, in the words a reviewer reads.
import { describe, expect, it } from 'vitest';
import { decide } from '../../src/agent/decide.js';
import { heldBy } from '../../src/domain/decision.js';
import { selectAugur } from '../../src/forecast/registry.js';
import { buildProposal, renderBody } from '../../src/forge/body.js';
import { describeFlag } from '../../src/forge/explain.js';
import { describeNote } from '../../src/forge/reasons.js';
import { scenarios } from './scenarios.js';

const forecast = (_key: string, ...args: Parameters<typeof selectAugur>) => selectAugur(...args);

describe('a reviewer decides from the PR: every bad change is held or flagged, every sound one proposed', () => {
  const all = scenarios();

  it('has at least ten scenarios of bad inputs, and sound ones', () => {
    expect(all.filter((s) => !s.sound).length).toBeGreaterThanOrEqual(10);
    expect(all.filter((s) => s.sound).length).toBeGreaterThanOrEqual(2);
  });

  for (const s of all) {
    it(s.name, () => {
      const d = decide(s.facts, s.settings, forecast);
      const held = heldBy(d.decision);
      if ('hold' in s.expect) {
        expect(held?.rule, held ? describeNote(held) : `proposed: ${JSON.stringify(d.decision.changes)}`).toBe(s.expect.hold);
        return;
      }
      expect(held, held ? `${held.rule}: ${describeNote(held)}` : '').toBeUndefined();
      expect(d.decision.verdict).toBe('propose');
      const body = renderBody(buildProposal('shop/web', 'augur/shop/web', [{ target: s.facts.id, decision: d.decision, ...d.evidence! }], s.facts.now), { baseBranch: 'main' });
      const box = body.slice(body.indexOf('| **Problem** |'), body.indexOf('| Field |'));
      const redFlags = box.split('\n').find((l) => l.startsWith('| **Red flags** |')) ?? '';
      if ('flag' in s.expect) {
        const wanted = s.expect.flag;
        const flag = d.evidence!.flags.find((f) => f.flag === wanted);
        expect(flag, `flags: ${JSON.stringify(d.evidence!.flags.map((f) => f.flag))}`).toBeDefined();
        expect(redFlags).toContain(describeFlag(flag!, d.evidence!.unit).replace(/\|/g, '\\|'));
      } else {
        expect(redFlags).toBe('| **Red flags** | none |');
      }
    }, 30_000);
  }
});
