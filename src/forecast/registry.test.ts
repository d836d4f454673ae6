import { describe, expect, it } from 'vitest';
import type { Forecaster, Series } from '../types.js';
import { SelectionCache, selectAugur } from './registry.js';
import { seasonalNaive } from './seasonalNaive.js';
import { dailySine } from './test-support.js';

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
