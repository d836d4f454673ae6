// The persisted selection state (state.dir/selections) under what deployments do to it: two
// processes on one directory, a directory that cannot be written, a cycle that died before its
// index, a clock set back, a candidate that joins the selection.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import type { Logger } from '../domain/ports.js';
import type { Series } from '../domain/series.js';
import { SelectionCache } from '../forecast/registry.js';
import { seasonalNaive } from '../forecast/seasonalNaive.js';
import { dailySine, offsetNaive } from '../forecast/test-support.js';
import { openSelections } from './state.js';

const DAY = 288;
const DAY_S = 86_400;
const history: Series = dailySine({ days: 6, seed: 3 });
const opts = () => ({ horizonSteps: DAY, quantiles: [0.5, 0.9], candidates: [seasonalNaive(DAY, 'seasonal-naive(daily)'), seasonalNaive(1, 'naive')] });

function recorder() {
  const warnings: string[] = [];
  const log = { info: () => {}, debug: () => {}, error: () => {}, warn: (_o: object, msg?: string) => void warnings.push(msg ?? '') } as unknown as Logger;
  return { log, warnings };
}

const silent = recorder().log;

function stateDir(): string {
  return join(mkdtempSync(join(tmpdir(), 'augur-state-shared-')), 'selections');
}

/** Forecasts `key` through `cache` at `now`; whether it selected (true) or refitted (false). */
function selects(cache: SelectionCache, key: string, now: number, maxAgeSeconds = DAY_S): boolean {
  const before = cache.counts.selected;
  cache.forecast(key, history, opts(), { now, maxAgeSeconds });
  return cache.counts.selected > before;
}

it('two processes on one state dir (two shards, or serve and a CronJob) keep each other\'s selections', async () => {
  const dir = stateDir();
  const t0 = 1_000_000;
  const shard0 = openSelections(dir, silent);
  const shard1 = openSelections(dir, silent);
  expect(selects(shard0, 'prod/shop/web', t0)).toBe(true);
  expect(selects(shard1, 'prod/shop/api', t0)).toBe(true);
  await shard0.flush(t0, DAY_S);
  await shard1.flush(t0, DAY_S);

  // The next run of each shard refits its own workload.
  const next0 = openSelections(dir, silent);
  const next1 = openSelections(dir, silent);
  expect(selects(next0, 'prod/shop/web', t0 + 3600)).toBe(false);
  expect(selects(next1, 'prod/shop/api', t0 + 3600)).toBe(false);
});

it("a long-running process does not delete a selection another process made since it read the index", async () => {
  const dir = stateDir();
  const t0 = 1_000_000;
  const first = openSelections(dir, silent);
  selects(first, 'prod/shop/api', t0);
  await first.flush(t0, DAY_S);

  // serve reads the index, and runs cycles over its own workloads only.
  const serve = openSelections(dir, silent);
  // A CronJob (or the other shard) selects prod/shop/api again once it is due.
  const cron = openSelections(dir, silent);
  expect(selects(cron, 'prod/shop/api', t0 + DAY_S)).toBe(true);
  await cron.flush(t0 + DAY_S, DAY_S);
  // serve's next flush: its index still says prod/shop/api was selected at t0.
  selects(serve, 'prod/shop/web', t0 + DAY_S + 60);
  await serve.flush(t0 + DAY_S + 60, DAY_S);

  expect(selects(openSelections(dir, silent), 'prod/shop/api', t0 + DAY_S + 3600)).toBe(false);
});

it('a state dir that cannot be written warns, and the process keeps its selections in memory', async () => {
  const dir = stateDir();
  // Where the selections go is not a writable directory (a read-only or full volume fails alike).
  writeFileSync(dir, 'not a directory');
  const { log, warnings } = recorder();
  const serve = openSelections(dir, log);
  expect(selects(serve, 'prod/shop/web', 0)).toBe(true);
  await serve.flush(0, DAY_S); // does not throw
  expect(warnings.length).toBeGreaterThan(0);
  // serve's next cycle an hour later: the choice made in this process is refitted, not selected again.
  expect(selects(serve, 'prod/shop/web', 3600)).toBe(false);
  expect(serve.size).toBe(1);
});

it('a run that died before writing its index does not make the next run delete a fresh selection', async () => {
  const dir = stateDir();
  const t0 = 1_000_000;
  const first = openSelections(dir, silent);
  selects(first, 'prod/shop/web', t0);
  await first.flush(t0, DAY_S);
  const index = readFileSync(join(dir, 'index.json'), 'utf8');

  // A day later the entry is due: this run selects again, writes the workload's file, then is killed (no flush).
  const killed = openSelections(dir, silent);
  expect(selects(killed, 'prod/shop/web', t0 + DAY_S)).toBe(true);
  expect(readFileSync(join(dir, 'index.json'), 'utf8')).toBe(index);

  // The next run refits the fresh selection and writes its index.
  const next = openSelections(dir, silent);
  expect(selects(next, 'prod/shop/web', t0 + DAY_S + 3600)).toBe(false);
  await next.flush(t0 + DAY_S + 3600, DAY_S);
  // So the one after refits it too: the selection is two hours old.
  expect(selects(openSelections(dir, silent), 'prod/shop/web', t0 + DAY_S + 7200)).toBe(false);
});

it('a selection made while the clock was far ahead is selected again once the clock is put right', async () => {
  const dir = stateDir();
  const now = 1_800_000_000;
  const ahead = now + 365 * DAY_S; // the node's clock was a year ahead
  const wrong = openSelections(dir, silent);
  selects(wrong, 'prod/shop/web', ahead);
  await wrong.flush(ahead, DAY_S);

  const cache = openSelections(dir, silent);
  const fc = cache.forecast('prod/shop/web', history, opts(), { now, maxAgeSeconds: DAY_S });
  // Not a refit of a selection "made" a year from now, kept for another year.
  expect(fc.selectedAt).toBeUndefined();
  expect(cache.counts.selected).toBe(1);
});

it('a model that joins the candidates (sizing.neural turned on) competes at the next selection, or is named as not backtested', () => {
  const cache = new SelectionCache();
  const seven = [3, 6, 1, 5, 2, 4, 7].map((o) => offsetNaive(`o${o}`, o * 5));
  const first = cache.forecast('prod/shop/web', history, { ...opts(), candidates: seven }, { now: 0, maxAgeSeconds: DAY_S });
  expect(first.model).toBe('o1');
  // The config now lets another model compete: the one that follows this workload exactly.
  const withNew = [...seven, offsetNaive('neural', 0)];
  const later = cache.forecast('prod/shop/web', history, { ...opts(), candidates: withNew }, { now: DAY_S, maxAgeSeconds: DAY_S });
  const scored = (later.candidates ?? []).map((c) => c.model);
  expect(scored.includes('neural') || (later.notScored?.models ?? []).includes('neural')).toBe(true);
});
