import { describe, expect, it } from 'vitest';
import type { ForecastOptions, Forecaster } from '../domain/forecast.js';
import type { Series } from '../domain/series.js';
import { holtWinters } from './holtWinters.js';
import { PRUNE_KEEP, PRUNE_REGRESSION, SelectionCache, selectAugur, selectPruned, type Selection, type SelectionEntry } from './registry.js';
import { seasonalNaive } from './seasonalNaive.js';
import { dailySine, offsetNaive } from './test-support.js';

const DAY = 288;
const opts = { horizonSteps: DAY, quantiles: [0.5, 0.9] };

/** Counts forecast() calls of each wrapped candidate. */
function counting(fs: Forecaster[]): { pool: Forecaster[]; calls: Map<string, number> } {
  const calls = new Map<string, number>();
  const pool = fs.map((f) => ({
    ...f,
    name: f.name,
    minHistorySteps: f.minHistorySteps.bind(f),
    forecast: (h: Series, o: Parameters<Forecaster['forecast']>[1]) => {
      calls.set(f.name, (calls.get(f.name) ?? 0) + 1);
      return f.forecast(h, o);
    },
  }));
  return { pool, calls };
}

const extend = (s: Series, steps: number): Series => {
  const more = dailySine({ days: Math.ceil((s.values.length + steps) / DAY) + 1, seed: 3 });
  const n = s.values.length + steps;
  return { stepSeconds: s.stepSeconds, values: more.values.slice(0, n), timestamps: more.timestamps.slice(0, n) };
};

describe('SelectionCache', () => {
  const history = dailySine({ days: 6, seed: 3 });

  it('selects once, then only refits the chosen model until the entry is too old', () => {
    const { pool, calls } = counting([seasonalNaive(DAY, 'seasonal-naive(daily)'), seasonalNaive(1, 'naive')]);
    const cache = new SelectionCache();
    const age = { maxAgeSeconds: 86_400 };
    const first = cache.forecast('web', history, { ...opts, candidates: pool }, { ...age, now: 1000 });
    const backtestCalls = [...calls.values()].reduce((a, b) => a + b, 0);
    expect(backtestCalls).toBeGreaterThan(2); // every candidate at every origin, then the refit
    expect(first.selectedAt).toBeUndefined();

    calls.clear();
    const later = extend(history, 72);
    const second = cache.forecast('web', later, { ...opts, candidates: pool }, { ...age, now: 1000 + 6 * 3600 });
    expect([...calls.entries()]).toEqual([[first.model, 1]]); // one refit, no backtest
    expect(second.model).toBe(first.model);
    expect(second.accuracy).toEqual(first.accuracy);
    expect(second.selectedAt).toBe(1000);
    expect(second.timestamps[0]).toBe(later.timestamps.at(-1)! + later.stepSeconds);
    expect(second).toEqual({ ...selectAugur(later, { ...opts, candidates: [pool.find((p) => p.name === first.model)!] }), accuracy: first.accuracy, candidates: first.candidates, selectedAt: 1000 });

    calls.clear();
    cache.forecast('web', later, { ...opts, candidates: pool }, { ...age, now: 1000 + 86_400 });
    expect([...calls.values()].reduce((a, b) => a + b, 0)).toBeGreaterThan(2); // selected again
  });

  it('selects again when the options change, and keeps workloads apart', () => {
    const { pool, calls } = counting([seasonalNaive(DAY, 'seasonal-naive(daily)'), seasonalNaive(1, 'naive')]);
    const cache = new SelectionCache();
    const at = { now: 60, maxAgeSeconds: 86_400 };
    cache.forecast('web', history, { ...opts, candidates: pool }, { ...at, now: 0 });
    calls.clear();
    cache.forecast('web', history, { ...opts, quantiles: [0.5, 0.99], candidates: pool }, at);
    expect([...calls.values()].reduce((a, b) => a + b, 0)).toBeGreaterThan(2);
    calls.clear();
    cache.forecast('api', history, { ...opts, candidates: pool }, at);
    expect([...calls.values()].reduce((a, b) => a + b, 0)).toBeGreaterThan(2);
  });

  it('with maxAge 0 it selects every time', () => {
    const { pool, calls } = counting([seasonalNaive(DAY, 'seasonal-naive(daily)'), seasonalNaive(1, 'naive')]);
    const cache = new SelectionCache();
    cache.forecast('web', history, { ...opts, candidates: pool }, { now: 0, maxAgeSeconds: 0 });
    calls.clear();
    cache.forecast('web', history, { ...opts, candidates: pool }, { now: 0, maxAgeSeconds: 0 });
    expect([...calls.values()].reduce((a, b) => a + b, 0)).toBeGreaterThan(2);
  });
});

/** Wraps candidates to record the warmStart each forecast() call was given (undefined: none). */
function recording(fs: Forecaster[]): { pool: Forecaster[]; given: { model: string; warmStart: unknown }[] } {
  const given: { model: string; warmStart: unknown }[] = [];
  const pool = fs.map((f) => ({
    name: f.name,
    minHistorySteps: f.minHistorySteps.bind(f),
    forecast: (h: Series, o: ForecastOptions) => {
      given.push({ model: f.name, warmStart: o.warmStart });
      return f.forecast(h, o);
    },
  }));
  return { pool, given };
}

describe('SelectionCache warm starts', () => {
  const history = dailySine({ days: 6, seed: 3 });
  const age = { maxAgeSeconds: 86_400 };

  it('a hit refits with the parameters the model fitted before; a new selection searches and keeps its own', () => {
    const hw = holtWinters({ seasonSteps: DAY, mode: 'additive', name: 'holt-winters-additive(daily)' });
    const { pool, given } = recording([hw]);
    const cache = new SelectionCache();
    // A warmStart in the caller's options never reaches the selection.
    const stray = { alpha: 0.33, beta: 0.01, gamma: 0.2, phi: 0.85 };
    const first = cache.forecast('web', history, { ...opts, candidates: pool, warmStart: stray }, { ...age, now: 0 });
    expect(first.model).toBe(hw.name);
    expect(given.length).toBeGreaterThan(1); // backtests and the refit
    expect(given.every((g) => g.warmStart === undefined)).toBe(true);
    const params = first.warmStart;
    expect(params).toBeDefined();

    // First hit: the selection's own fit's parameters (a single model's are kept at selection).
    given.length = 0;
    const later = extend(history, 72);
    const second = cache.forecast('web', later, { ...opts, candidates: pool }, { ...age, now: 3600 });
    expect(given).toEqual([{ model: hw.name, warmStart: params }]);
    expect(second).toEqual({ ...hw.forecast(later, { ...opts, warmStart: params }), accuracy: first.accuracy, candidates: first.candidates, selectedAt: 0 });
    expect(second.warmStart).toEqual(params);

    // Later hits: what the last refit returned.
    given.length = 0;
    const later2 = extend(history, 144);
    const third = cache.forecast('web', later2, { ...opts, candidates: pool }, { ...age, now: 7200 });
    expect(given).toEqual([{ model: hw.name, warmStart: second.warmStart }]);
    expect(third.quantiles).toEqual(hw.forecast(later2, { ...opts, warmStart: params }).quantiles);

    // Too old: selected again, every fit searching; the stored parameters are the new selection's.
    given.length = 0;
    const other = dailySine({ days: 7, seed: 9, amplitude: 10, noise: 12 });
    const reselected = cache.forecast('web', other, { ...opts, candidates: pool }, { ...age, now: 86_400 });
    expect(reselected.selectedAt).toBeUndefined();
    expect(given.length).toBeGreaterThan(1);
    expect(given.every((g) => g.warmStart === undefined)).toBe(true);
    expect(reselected).toEqual({ ...hw.forecast(other, opts), accuracy: reselected.accuracy, candidates: reselected.candidates });
    expect(reselected.warmStart).not.toEqual(params);
    given.length = 0;
    cache.forecast('web', other, { ...opts, candidates: pool }, { ...age, now: 86_400 + 60 });
    expect(given).toEqual([{ model: hw.name, warmStart: reselected.warmStart }]);
  });

  it('a refit stores the entry again only when its parameters changed', () => {
    const writes: string[] = [];
    class Store extends Map<string, SelectionEntry> {
      override set(key: string, e: SelectionEntry): this {
        writes.push(key);
        return super.set(key, e);
      }
    }
    // Holt-Winters gives back the parameters it was given; `drifting` returns new ones on every fit.
    const hw = holtWinters({ seasonSteps: DAY, mode: 'additive', name: 'holt-winters-additive(daily)' });
    let fits = 0;
    const naive = seasonalNaive(DAY, 'drifting');
    const drifting: Forecaster = { ...naive, name: 'drifting', minHistorySteps: naive.minHistorySteps.bind(naive), forecast: (h, o) => ({ ...naive.forecast(h, o), warmStart: { fits: ++fits } }) };
    const cache = new SelectionCache(new Store());
    for (const [key, f] of [['hw', hw], ['drifting', drifting]] as const) {
      cache.forecast(key, history, { ...opts, candidates: [f] }, { ...age, now: 0 });
      expect(writes).toEqual([key]); // the selection
      writes.length = 0;
      cache.forecast(key, extend(history, 12), { ...opts, candidates: [f] }, { ...age, now: 3600 });
      cache.forecast(key, extend(history, 24), { ...opts, candidates: [f] }, { ...age, now: 7200 });
      expect(writes).toEqual(f === hw ? [] : [key, key]);
      writes.length = 0;
    }
    expect(cache.counts).toEqual({ selected: 2, refitted: 4 });
  });

  it("an ensemble keeps each member's parameters apart and carries none itself", () => {
    // Over- and under-forecasts: their average beats each of them, so the ensemble is chosen.
    const members = [offsetNaive('over', 30), offsetNaive('under', -30), offsetNaive('over-more', 34)];
    const { pool, given } = recording(members);
    const cache = new SelectionCache();
    const first = cache.forecast('web', history, { ...opts, candidates: pool }, { ...age, now: 0 });
    expect(first.members).toEqual(['over', 'over-more', 'under']); // by backtest loss
    const chosen = first.members!;
    expect('warmStart' in first).toBe(false); // selectAndForecast's ensemble spreads its first member's
    expect('memberWarmStarts' in first).toBe(false); // kept by the cache, not handed on
    expect(given.every((g) => g.warmStart === undefined)).toBe(true);

    // First hit: each member gets the parameters of its fit in the selection (none searches again).
    given.length = 0;
    const later = extend(history, 72);
    const second = cache.forecast('web', later, { ...opts, candidates: pool }, { ...age, now: 60 });
    expect(given).toEqual(chosen.map((m) => ({ model: m, warmStart: { model: m, steps: history.values.length } })));
    expect('warmStart' in second).toBe(false);
    expect(second.members).toEqual(first.members);

    // Second hit: each member gets back its own.
    given.length = 0;
    const later2 = extend(history, 144);
    const third = cache.forecast('web', later2, { ...opts, candidates: pool }, { ...age, now: 120 });
    expect(given).toEqual(chosen.map((m) => ({ model: m, warmStart: { model: m, steps: later.values.length } })));
    expect('warmStart' in third).toBe(false);

    // Selected again (too old): the old parameters are gone, the new selection's fits are kept.
    given.length = 0;
    cache.forecast('web', later2, { ...opts, candidates: pool }, { ...age, now: 86_400 });
    expect(given.every((g) => g.warmStart === undefined)).toBe(true);
    given.length = 0;
    cache.forecast('web', later2, { ...opts, candidates: pool }, { ...age, now: 86_400 + 60 });
    expect(given).toEqual(chosen.map((m) => ({ model: m, warmStart: { model: m, steps: later2.values.length } })));
  });
});

describe('SelectionCache keep', () => {
  it('stores what keep.apply makes of a selection, returns it on a hit, and selects again when keep.id changes', () => {
    const history = dailySine({ days: 6, seed: 3 });
    const pool = [seasonalNaive(DAY, 'seasonal-naive(daily)')];
    const keep = (id: string) => ({ id, apply: (sel: Selection) => ({ ...sel, candidates: [] }) });
    const cache = new SelectionCache();
    const at = { now: 0, maxAgeSeconds: 86_400, keep: keep('a') };
    const first = cache.forecast('web', history, { ...opts, candidates: pool }, at);
    expect(first.candidates?.length).toBe(1); // the selection itself is handed on whole
    expect(JSON.parse(cache.toJSON()).entries.web.selected.candidates).toEqual([]);
    expect(cache.forecast('web', history, { ...opts, candidates: pool }, { ...at, now: 60 }).candidates).toEqual([]);
    expect(cache.nextStep('web', history, { ...opts, candidates: pool }, { ...at, now: 60 })).toEqual({ refit: true });
    expect(cache.nextStep('web', history, { ...opts, candidates: pool }, { ...at, now: 60, keep: keep('b') })).toEqual({ refit: false });
  });
});

describe('SelectionCache across processes (toJSON / fromJSON)', () => {
  const history = dailySine({ days: 6, seed: 3 });
  const age = { maxAgeSeconds: 86_400 };

  it('a cache read back refits with the kept parameters and returns what the selection measured, exactly', () => {
    const hw = holtWinters({ seasonSteps: DAY, mode: 'additive', name: 'holt-winters-additive(daily)' });
    const { pool, given } = recording([hw, seasonalNaive(DAY, 'seasonal-naive(daily)')]);
    const cache = new SelectionCache();
    const first = cache.forecast('web', history, { ...opts, candidates: pool }, { ...age, now: 0 });
    const text = cache.toJSON();
    const restored = SelectionCache.fromJSON(text);
    expect(restored.size).toBe(1);

    given.length = 0;
    const later = extend(history, 72);
    const fromDisk = restored.forecast('web', later, { ...opts, candidates: pool }, { ...age, now: 3600 });
    const inMemory = cache.forecast('web', later, { ...opts, candidates: pool }, { ...age, now: 3600 });
    expect(given.map((g) => g.model)).toEqual([first.model, first.model]); // one refit each, no backtest
    expect(given[0]!.warmStart).toEqual(given[1]!.warmStart);
    expect(fromDisk).toEqual(inMemory);
    expect(fromDisk.accuracy).toEqual(first.accuracy);
    expect(restored.counts).toEqual({ selected: 0, refitted: 1 });
  });

  it('keeps long number arrays exact but compact, and drops entries older than the maximum age', () => {
    const { pool } = counting([seasonalNaive(DAY, 'seasonal-naive(daily)'), seasonalNaive(1, 'naive')]);
    const cache = new SelectionCache();
    cache.forecast('old', history, { ...opts, candidates: pool }, { ...age, now: 0 });
    cache.forecast('new', history, { ...opts, candidates: pool }, { ...age, now: 80_000 });
    const text = cache.toJSON(90_000, 86_400);
    expect(Object.keys((JSON.parse(text) as { entries: object }).entries)).toEqual(['new']);
    // Forecast values are not kept: they are made again by each refit.
    expect(text).not.toContain('"quantiles"');
    // Whatever else a selection returns (e.g. backtest rows for calibration) comes back exactly.
    const rows = [0.1, 1 / 3, -2e-300, 5e300, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, Math.PI];
    const withRows = SelectionCache.fromJSON(text.replace('"selected":{', `"selected":{"extra":${JSON.stringify(rows)},`));
    expect(withRows.size).toBe(1);
    const again = withRows.toJSON();
    expect(again).toContain('"f64"');
    expect(again).not.toContain('0.3333333333333333');
    const hit = SelectionCache.fromJSON(again).forecast('new', history, { ...opts, candidates: pool }, { ...age, now: 80_060 }) as unknown as { extra: number[]; selectedAt: number };
    expect(hit.extra).toEqual(rows);
    expect(hit.selectedAt).toBe(80_000);
  });

  it('an unreadable entry or another version is left out, so that workload selects again', () => {
    expect(SelectionCache.fromJSON('{"version": 99, "entries": {"web": {}}}').size).toBe(0);
    expect(SelectionCache.fromJSON('{"version": 1, "entries": {"web": {"at": "x"}}}').size).toBe(0);
  });

  it('spreads the next selection of each workload over the second half of the maximum age', () => {
    const { pool, calls } = counting([seasonalNaive(DAY, 'seasonal-naive(daily)'), seasonalNaive(1, 'naive')]);
    const cache = new SelectionCache();
    const keys = Array.from({ length: 200 }, (_, i) => `Deployment/team/svc-${i}`);
    for (const k of keys) cache.forecast(k, history, { ...opts, candidates: pool }, { ...age, now: 0 });
    const dues = Object.values((JSON.parse(cache.toJSON()) as { entries: Record<string, { due: number }> }).entries).map((e) => e.due);
    expect(Math.min(...dues)).toBeGreaterThanOrEqual(43_200);
    expect(Math.max(...dues)).toBeLessThanOrEqual(86_400);
    // Hourly cycles over the 12 hours: no hour selects more than a fifth of the fleet again.
    const perHour = Array.from({ length: 12 }, (_, h) => dues.filter((d) => d >= 43_200 + h * 3600 && d < 43_200 + (h + 1) * 3600).length);
    expect(Math.max(...perHour)).toBeLessThan(40);
    calls.clear();
    const before = cache.counts.selected;
    for (const k of keys) cache.forecast(k, history, { ...opts, candidates: pool }, { ...age, now: 43_200 + 3600 });
    expect(cache.counts.selected - before).toBe(perHour[0]);
  });
});

describe('SelectionCache reselection among the best of the last full selection', () => {
  const history = dailySine({ days: 6, seed: 3 });
  const DAY_S = 86_400;
  const age = { maxAgeSeconds: DAY_S };
  // Seven candidates that the backtest tells apart (by how far each is off).
  const offsets = [3, 0, 6, 1, 5, 2, 4];
  const models = () => offsets.map((o) => offsetNaive(`o${o}`, o * 5));
  const backtested = (calls: Map<string, number>) => [...calls.keys()].sort();

  it('backtests only the PRUNE_KEEP best again, names the others, and backtests every model once the full selection is fullEverySeconds old', () => {
    const { pool, calls } = counting(models());
    const cache = new SelectionCache();
    const first = cache.forecast('web', history, { ...opts, candidates: pool }, { ...age, now: 0 });
    expect(backtested(calls)).toHaveLength(7);
    expect(first.notScored).toBeUndefined();
    const ranked = first.candidates!.map((c) => c.model);
    expect(ranked).toHaveLength(7);
    const best = ranked.slice(0, PRUNE_KEEP);
    const rest = pool.map((c) => c.name).filter((n) => !best.includes(n)); // in the pool's order

    calls.clear();
    const next = cache.nextStep('web', history, { ...opts, candidates: pool }, { ...age, now: DAY_S });
    expect(next).toEqual({ refit: false, prune: { only: best, skipped: rest, since: 0, bestLoss: first.candidates![0]!.selectionLoss } });
    const pruned = cache.forecast('web', history, { ...opts, candidates: pool }, { ...age, now: DAY_S });
    expect(backtested(calls)).toEqual([...best].sort());
    expect(pruned.notScored).toEqual({ models: rest, since: 0 });
    expect(pruned.selectedAt).toBeUndefined();
    // The same selection as among those five alone, with the others named.
    const alone = selectAugur(history, { ...opts, candidates: pool.filter((c) => best.includes(c.name)) });
    expect(pruned).toEqual({ ...alone, notScored: { models: rest, since: 0 } });
    // A refit carries the note on: the choice still stands on that selection.
    expect(cache.forecast('web', history, { ...opts, candidates: pool }, { ...age, now: DAY_S + 60 }).notScored).toEqual(pruned.notScored);
    // The next reselection still leaves out what the full one ranked below the best, though the last one did not rank it.
    expect(cache.nextStep('web', history, { ...opts, candidates: pool }, { ...age, now: 2 * DAY_S })).toMatchObject({ prune: { only: best, skipped: rest, since: 0 } });

    // Still counted from the full selection at 0, not from the pruned one: at 7 days every model again.
    calls.clear();
    const full = cache.forecast('web', history, { ...opts, candidates: pool }, { ...age, now: 7 * DAY_S, fullEverySeconds: 7 * DAY_S });
    expect(backtested(calls)).toHaveLength(7);
    expect(full.notScored).toBeUndefined();
    expect(cache.nextStep('web', history, { ...opts, candidates: pool }, { ...age, now: 8 * DAY_S })).toMatchObject({ refit: false, prune: { only: best, since: 7 * DAY_S } });
  });

  it('backtests every model when fullEverySeconds is 0, after a change of options, and for an entry written before fullAt was kept', () => {
    const { pool, calls } = counting(models());
    const cache = new SelectionCache();
    cache.forecast('web', history, { ...opts, candidates: pool }, { ...age, now: 0 });
    expect(cache.nextStep('web', history, { ...opts, candidates: pool }, { ...age, now: DAY_S, fullEverySeconds: 0 })).toEqual({ refit: false });
    expect(cache.nextStep('web', history, { ...opts, quantiles: [0.5, 0.99], candidates: pool }, { ...age, now: DAY_S })).toEqual({ refit: false });
    const text = cache.toJSON();
    expect(JSON.parse(text).entries.web.fullAt).toBe(0);
    expect(SelectionCache.fromJSON(text).nextStep('web', history, { ...opts, candidates: pool }, { ...age, now: DAY_S })).toMatchObject({ prune: { since: 0 } });
    const older = SelectionCache.fromJSON(text.replace('"fullAt":0', '"x":0'));
    calls.clear();
    older.forecast('web', history, { ...opts, candidates: pool }, { ...age, now: DAY_S });
    expect(backtested(calls)).toHaveLength(7);
  });

  it('selects among every model when none of the kept best can forecast the history any more', () => {
    const best = new Set<string>(); // from the first selection on, these need 100 days of history
    const { pool, calls } = counting(models().map((m) => ({ ...m, minHistorySteps: () => (best.has(m.name) ? 100 * DAY : DAY) })));
    const cache = new SelectionCache();
    const first = cache.forecast('web', history, { ...opts, candidates: pool }, { ...age, now: 0 });
    for (const c of first.candidates!.slice(0, PRUNE_KEEP)) best.add(c.model);
    calls.clear();
    const fc = cache.forecast('web', history, { ...opts, candidates: pool }, { ...age, now: DAY_S });
    expect(backtested(calls)).toEqual(first.candidates!.slice(PRUNE_KEEP).map((c) => c.model).sort());
    expect(fc.notScored).toBeUndefined();
    expect(cache.nextStep('web', history, { ...opts, candidates: pool }, { ...age, now: 2 * DAY_S })).toEqual({ refit: false }); // two ranked: no pruning
  });
});

describe('selectPruned', () => {
  const history = dailySine({ days: 6, seed: 3 });
  const pool = [holtWinters({ seasonSteps: DAY, mode: 'additive', name: 'hw' }), seasonalNaive(DAY, 'sn'), seasonalNaive(1, 'naive'), offsetNaive('over', 30)];
  const o = { ...opts, candidates: pool };

  it('selects among the kept best while the best of them scores within PRUNE_REGRESSION times its last loss', () => {
    const full = selectAugur(history, o);
    const only = ['sn', 'naive', 'over'];
    const among = selectAugur(history, { ...o, candidates: pool.slice(1) });
    const best = among.candidates![0]!.selectionLoss;
    const prune = { only, skipped: ['hw'], since: 5 };
    expect(selectPruned(history, o, { ...prune, bestLoss: best / PRUNE_REGRESSION })).toEqual({ ...among, notScored: { models: ['hw'], since: 5 } });
    // The workload changed (here: it scored 0 before, a flat series on which every model was exact): every model again.
    expect(selectPruned(history, o, { ...prune, bestLoss: best / PRUNE_REGRESSION / 1.01 })).toEqual(full);
    expect(selectPruned(history, o, { ...prune, bestLoss: 0 })).toEqual(full);
  });
});
