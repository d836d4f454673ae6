import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import type { CycleReport } from '../agent/cycle.js';
import type { TargetOutcome } from '../forge/dashboard.js';
import { print } from './cycle.js';
import { jsonOutcome } from './format.js';

// A proposal, a hold and an unchanged target as the scale bench's `plan --json` printed them.
const REAL = JSON.parse(readFileSync(new URL('../../test/fixtures/outcomes/scale-bench.json', import.meta.url), 'utf8')) as TargetOutcome[];

function fleet(n: number): TargetOutcome[] {
  return Array.from({ length: n }, (_, i) => {
    const o = structuredClone(REAL[i % REAL.length]!);
    o.target = { ...o.target, name: `svc-${i}` };
    return i % 7 === 6 ? { target: o.target, findings: [], error: `Prometheus answered 503 "outcomes": [] for svc-${i}` } : o;
  });
}

const report = (outcomes: TargetOutcome[], extra: Partial<CycleReport> = {}): CycleReport => ({ at: 1_796_022_000, baseSha: 'a'.repeat(40), outcomes, proposals: [], closed: [], verified: [], ...extra });
/** What print wrote before it streamed: the whole report through JSON.stringify. */
const whole = (r: CycleReport) => `${JSON.stringify({ at: r.at, baseSha: r.baseSha, outcomes: r.outcomes.map(jsonOutcome), closed: r.closed, dashboard: r.dashboard }, null, 2)}\n`;

/** A pipe whose reader is slow: every write fills it, and it drains on the next turn. */
class SlowPipe {
  readonly pieces: string[] = [];
  private drained?: () => void;
  private full = false;
  write(chunk: Buffer | string): boolean {
    if (this.full) throw new Error('written before the last piece drained');
    this.pieces.push(chunk.toString());
    this.full = true;
    setImmediate(() => {
      this.full = false;
      this.drained?.();
    });
    return false;
  }
  once(event: string, listener: () => void): this {
    if (event === 'drain') this.drained = listener;
    return this;
  }
}

it.each([
  ['no target', report([])],
  ['one target', report(fleet(1))],
  ['3,000 targets, written in pieces', report(fleet(3_000), { closed: [{ number: 7, reason: 'superseded' }], dashboard: 'https://forge/issues/1 "outcomes": []' })],
])('--json: %s, the same text as the whole report through JSON.stringify, each piece after the last drained', async (_name, r) => {
  const pipe = new SlowPipe();
  await print(r, true, pipe as unknown as Parameters<typeof print>[2]);
  expect(pipe.pieces.join('')).toBe(whole(r));
  if (r.outcomes.length === 3_000) expect(pipe.pieces.length).toBeGreaterThan(1);
});
