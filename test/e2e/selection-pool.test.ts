// Selections on worker threads: the same decisions as on the event loop, the selections really
// made on the workers, and a cycle that only refits starts none.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { runCycle } from '../../src/agent/cycle.js';
import { SelectionPool } from '../../src/agent/selectionPool.js';
import { buildMetrics, buildWorkspace } from '../../src/agent/wire.js';
import { jsonOutcome } from '../../src/cli/format.js';
import { prepareDemo } from '../../src/cli/demo.js';
import { loadConfig } from '../../src/config/load.js';
import { SelectionCache, selectAugur, selectPruned } from '../../src/forecast/registry.js';
import { dailySine } from '../../src/forecast/test-support.js';
import { LocalForge } from '../../src/forge/local/forge.js';
import { silent } from '../support/world.js';

const NOW = Math.floor(Date.parse('2026-12-05T06:00:00Z') / 1000);

it('a cycle with the pool decides exactly as one without, selecting on the workers', async () => {
  const dir = join(mkdtempSync(join(tmpdir(), 'augur-pool-')), 'demo');
  const { config: file } = await prepareDemo(dir);
  const loaded = loadConfig(file);
  const cycle = (selections: SelectionCache, pool?: SelectionPool, now = NOW) =>
    runCycle({ config: loaded.config, metrics: buildMetrics(loaded, now), workspace: buildWorkspace(loaded), forge: new LocalForge(join(dir, 'forge'), () => now), now, log: silent, dryRun: true, selections, ...(pool ? { selectionPool: pool } : {}) });
  const pool = new SelectionPool(2);
  const viaPool = new SelectionCache();
  const inThread = new SelectionCache();
  try {
    const a = await cycle(viaPool, pool);
    const b = await cycle(inThread);
    expect(a.outcomes.map(jsonOutcome)).toEqual(b.outcomes.map(jsonOutcome));
    expect(viaPool.counts.selected).toBeGreaterThan(2);
    expect(pool.selections).toBe(viaPool.counts.selected);
    expect(JSON.parse(viaPool.toJSON())).toEqual(JSON.parse(inThread.toJSON()));
    // An hour later every choice is kept: refits only, nothing goes to the workers.
    const c = await cycle(viaPool, pool, NOW + 3600);
    expect(pool.selections).toBe(viaPool.counts.selected);
    expect(viaPool.counts.refitted).toBeGreaterThan(2);
    expect(c.outcomes.filter((o) => o.error)).toEqual([]);
    // A day later every workload selects again, among the best of its full selection, on the workers as here.
    const before = pool.selections;
    const d = await cycle(viaPool, pool, NOW + 86_400);
    const e = await cycle(inThread, undefined, NOW + 86_400);
    expect(pool.selections - before).toBeGreaterThan(2);
    expect(d.outcomes.map(jsonOutcome)).toEqual(e.outcomes.map(jsonOutcome));
    const entries = Object.values((JSON.parse(viaPool.toJSON()) as { entries: Record<string, { fullAt: number; selected: { notScored?: { since: number } } }> }).entries);
    expect(entries.filter((x) => x.selected.notScored?.since === NOW && x.fullAt === NOW).length).toBeGreaterThan(2);
    expect(JSON.parse(viaPool.toJSON())).toEqual(JSON.parse(inThread.toJSON()));
  } finally {
    await pool.close();
  }
}, 180_000);

it('a selection that fails on the workers holds its target, naming why, as a forecast failing on the event loop does', async () => {
  const dir = join(mkdtempSync(join(tmpdir(), 'augur-pool-')), 'demo');
  const { config: file } = await prepareDemo(dir);
  const loaded = loadConfig(file);
  const pool = new SelectionPool(1);
  await pool.close(); // every selection asked of it fails
  const report = await runCycle({ config: loaded.config, metrics: buildMetrics(loaded, NOW), workspace: buildWorkspace(loaded), forge: new LocalForge(join(dir, 'forge'), () => NOW), now: NOW, log: silent, dryRun: true, selections: new SelectionCache(), selectionPool: pool });
  const forecasted = report.outcomes.filter((o) => o.decision?.notes.some((n) => 'forecastError' in n));
  expect(forecasted.length).toBeGreaterThan(2);
  for (const o of forecasted) {
    expect(o.error).toBeUndefined();
    expect(o.decision?.verdict).toBe('hold');
    expect(o.decision?.notes.find((n) => 'forecastError' in n)).toMatchObject({ rule: 'minHistory', effect: 'held', forecastError: expect.stringMatching(/selection pool is closed/) });
  }
}, 120_000);

it('returns what selectAugur returns in the main thread, and fails what is pending when closed', async () => {
  const history = dailySine({ days: 6, seed: 5 });
  const opts = { horizonSteps: 288, quantiles: [0.5, 0.9] };
  const pool = new SelectionPool(1);
  try {
    expect(await pool.select(history, opts)).toEqual(selectAugur(history, opts));
    const prune = { only: ['seasonal-naive(daily)', 'naive', 'recent-quantiles(3d)'], skipped: ['holt-winters-additive(daily)'], since: 1, bestLoss: 10 };
    const pruned = await pool.select(history, opts, prune);
    expect(pruned).toEqual(selectPruned(history, opts, prune));
    expect(pruned.notScored?.models).toContain('holt-winters-additive(daily)');
    const pending = Promise.allSettled([pool.select(history, opts), pool.select(history, opts)]);
    await pool.close();
    expect((await pending).map((r) => (r.status === 'rejected' ? String(r.reason) : 'fulfilled'))).toEqual([expect.stringMatching(/closed/), expect.stringMatching(/closed/)]);
    await expect(pool.select(history, opts)).rejects.toThrow(/closed/);
  } finally {
    await pool.close();
  }
}, 120_000);
