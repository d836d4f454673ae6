// Selection that persists (state.dir): `plan` and `run --once` are one process per cycle (a
// CronJob), so the model chosen per workload must survive on disk for the next run to refit it
// instead of backtesting every candidate again. Real demo world: bundled traces, real git.
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { once } from '../../src/cli/cycle.js';
import { prepareDemo } from '../../src/cli/demo.js';
import { loadConfig } from '../../src/config/load.js';

const NOW = Math.floor(Date.parse('2026-12-05T06:00:00Z') / 1000);

function recorder() {
  const lines: { obj: Record<string, unknown>; msg?: string }[] = [];
  const rec = (obj: object, msg?: string) => void lines.push({ obj: obj as Record<string, unknown>, ...(msg ? { msg } : {}) });
  const selection = () => lines.filter((l) => l.msg === 'model selection this cycle').map((l) => l.obj);
  return { log: { info: rec, warn: rec, error: rec }, lines, selection };
}

async function demoWithState() {
  const dir = join(mkdtempSync(join(tmpdir(), 'augur-state-')), 'demo');
  const { config: file } = await prepareDemo(dir);
  const raw = parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  raw.state = { dir: 'state' };
  writeFileSync(file, stringify(raw));
  return { dir, file, stateFile: join(dir, 'state', 'selections.json') };
}

it('plan keeps each workload\'s selection in state.dir: the next run refits, and selects again once due', async () => {
  const d = await demoWithState();
  const r1 = recorder();
  const first = await once(loadConfig(d.file), NOW, true, r1.log);
  const forecasted = first.outcomes.filter((o) => o.decision && !o.error).length;
  expect(r1.selection()).toEqual([{ selected: expect.any(Number), refitted: 0, kept: expect.any(Number) }]);
  const selected = r1.selection()[0]!.selected as number;
  expect(selected).toBeGreaterThan(2);
  expect(existsSync(d.stateFile)).toBe(true);
  const state = JSON.parse(readFileSync(d.stateFile, 'utf8')) as { version: number; entries: Record<string, { at: number; due: number; members: string[] }> };
  expect(Object.keys(state.entries)).toHaveLength(selected);
  for (const e of Object.values(state.entries)) {
    expect(e.at).toBe(NOW);
    // Due between half a day and a day (sizing.reselectEvery) later: spread, not all at once.
    expect(e.due).toBeGreaterThanOrEqual(NOW + 43_200);
    expect(e.due).toBeLessThanOrEqual(NOW + 86_400);
  }
  expect(forecasted).toBeGreaterThan(0);

  // A new process an hour later (a fresh config load, a fresh cache): every choice is refitted.
  const r2 = recorder();
  const second = await once(loadConfig(d.file), NOW + 3600, true, r2.log);
  expect(r2.selection()).toEqual([{ selected: 0, refitted: selected, kept: selected }]);
  expect(second.outcomes.map((o) => o.decision?.verdict)).toEqual(first.outcomes.map((o) => o.decision?.verdict));

  // A day later every entry is due again.
  const r3 = recorder();
  await once(loadConfig(d.file), NOW + 86_400, true, r3.log);
  expect(r3.selection()).toEqual([{ selected, refitted: 0, kept: selected }]);
}, 120_000);

it('a damaged state file is an empty state: every workload selects, and the file is rewritten', async () => {
  const d = await demoWithState();
  await once(loadConfig(d.file), NOW, true, recorder().log);
  writeFileSync(d.stateFile, '{"version": 1, "entries": {"broken');
  const r = recorder();
  const report = await once(loadConfig(d.file), NOW + 3600, true, r.log);
  expect(report.outcomes.some((o) => o.error)).toBe(false);
  expect(r.lines.some((l) => l.msg?.includes('not valid JSON'))).toBe(true);
  expect(r.selection()[0]!.refitted).toBe(0);
  expect((r.selection()[0]!.selected as number) > 0).toBe(true);
  expect(() => JSON.parse(readFileSync(d.stateFile, 'utf8'))).not.toThrow();
}, 120_000);
