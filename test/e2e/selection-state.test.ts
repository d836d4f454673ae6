// Selection that persists (state.dir): `plan` and `run --once` are one process per cycle (a
// CronJob), so the model chosen per workload must survive on disk for the next run to refit it
// instead of backtesting every candidate again. Real demo world: bundled traces, real git.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { once } from '../../src/cli/cycle.js';
import { prepareDemo } from '../../src/cli/demo.js';
import { loadConfig } from '../../src/config/load.js';
import { SelectionCache } from '../../src/forecast/registry.js';
import { readChecked } from '../../src/util/files.js';

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
  return { dir, file, stateDir: join(dir, 'state', 'selections'), index: join(dir, 'state', 'selections', 'index.json') };
}

/** The entries on disk: the index, and each workload's file. */
function entriesOnDisk(stateDir: string): Record<string, { at: number; due: number; members: string[] }> {
  const index = JSON.parse(readFileSync(join(stateDir, 'index.json'), 'utf8')) as { version: number; entries: Record<string, { file: string; at: number }> };
  return Object.fromEntries(
    Object.entries(index.entries).map(([key, i]) => {
      expect(i.file).toMatch(/\.sel$/);
      const f = JSON.parse(readChecked(join(stateDir, i.file))!.toString('utf8')) as { key: string; entry: { at: number; due: number; members: string[] } };
      expect(f.key).toBe(key);
      expect(f.entry.at).toBe(i.at);
      return [key, f.entry];
    }),
  );
}

it('plan keeps each workload\'s selection in state.dir: the next run refits, and selects again once due', async () => {
  const d = await demoWithState();
  const r1 = recorder();
  const first = await once(loadConfig(d.file), NOW, true, r1.log);
  const forecasted = first.outcomes.filter((o) => o.decision && !o.error).length;
  expect(r1.selection()).toEqual([{ selected: expect.any(Number), refitted: 0, kept: expect.any(Number) }]);
  const selected = r1.selection()[0]!.selected as number;
  expect(selected).toBeGreaterThan(2);
  expect(existsSync(d.index)).toBe(true);
  const entries = entriesOnDisk(d.stateDir);
  expect(Object.keys(entries)).toHaveLength(selected);
  for (const e of Object.values(entries)) {
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

it('a damaged index is an empty state: every workload selects, and the index is rewritten', async () => {
  const d = await demoWithState();
  await once(loadConfig(d.file), NOW, true, recorder().log);
  writeFileSync(d.index, '{"version": 1, "entries": {"broken');
  const r = recorder();
  const report = await once(loadConfig(d.file), NOW + 3600, true, r.log);
  expect(report.outcomes.some((o) => o.error)).toBe(false);
  expect(r.lines.some((l) => l.msg?.includes('not valid JSON'))).toBe(true);
  expect(r.selection()[0]!.refitted).toBe(0);
  expect((r.selection()[0]!.selected as number) > 0).toBe(true);
  expect(Object.keys(entriesOnDisk(d.stateDir))).toHaveLength(r.selection()[0]!.selected as number);
}, 120_000);

it('a damaged workload file selects that workload again, and only it', async () => {
  const d = await demoWithState();
  const r1 = recorder();
  await once(loadConfig(d.file), NOW, true, r1.log);
  const selected = r1.selection()[0]!.selected as number;
  const index = JSON.parse(readFileSync(d.index, 'utf8')) as { entries: Record<string, { file: string }> };
  const [one, two] = Object.values(index.entries).map((i) => join(d.stateDir, i.file));
  writeFileSync(one!, '{"key": "not this');
  // A write cut short: the start of the file written again, its end (and length) the old one's.
  const text = readFileSync(two!);
  text.write('{"key":"x","entry":{}}      ', 0);
  writeFileSync(two!, text);
  const r2 = recorder();
  await once(loadConfig(d.file), NOW + 3600, true, r2.log);
  expect(r2.selection()).toEqual([{ selected: 2, refitted: selected - 2, kept: selected }]);
}, 120_000);

it("the previous version's unchecked workload files are read, then replaced by checked ones", async () => {
  const d = await demoWithState();
  const r1 = recorder();
  await once(loadConfig(d.file), NOW, true, r1.log);
  const selected = r1.selection()[0]!.selected as number;
  // What the previous version wrote: <hash>.json files without a check.
  const index = JSON.parse(readFileSync(d.index, 'utf8')) as { version: number; entries: Record<string, { file: string; at: number }> };
  for (const i of Object.values(index.entries)) {
    const json = i.file.replace(/\.sel$/, '.json');
    writeFileSync(join(d.stateDir, json), readChecked(join(d.stateDir, i.file))!);
    rmSync(join(d.stateDir, i.file));
    i.file = json;
  }
  writeFileSync(d.index, JSON.stringify(index));
  const r2 = recorder();
  await once(loadConfig(d.file), NOW + 3600, true, r2.log);
  expect(r2.selection()).toEqual([{ selected: 0, refitted: selected, kept: selected }]);
  expect(Object.keys(entriesOnDisk(d.stateDir))).toHaveLength(selected);
  expect(readdirSync(d.stateDir).filter((f) => f.endsWith('.json'))).toEqual(['index.json']);
}, 120_000);

it("an earlier version's selections.json is taken in once: the next run refits, and the file is gone", async () => {
  const d = await demoWithState();
  const r1 = recorder();
  const cache = new SelectionCache();
  await once(loadConfig(d.file), NOW, true, r1.log, undefined, undefined, cache);
  const selected = cache.size;
  // What an earlier version wrote: every entry in one file, beside where the directory now goes.
  const old = join(d.stateDir, '..', 'selections.json');
  rmSync(d.stateDir, { recursive: true, force: true });
  mkdirSync(join(d.stateDir, '..'), { recursive: true });
  writeFileSync(old, cache.toJSON());
  const r2 = recorder();
  await once(loadConfig(d.file), NOW + 3600, true, r2.log);
  expect(r2.selection()).toEqual([{ selected: 0, refitted: selected, kept: selected }]);
  expect(existsSync(old)).toBe(false);
  expect(Object.keys(entriesOnDisk(d.stateDir))).toHaveLength(selected);
}, 120_000);
