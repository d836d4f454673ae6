// The incremental history against a source that answers any window of a fixed series, as
// Prometheus does (each step on its own), and records what it was asked: a kept series and a tail
// make the same series as a whole read, and anything unusual reads the whole window.
import { mkdtempSync, readFileSync, readdirSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { NoDataError, type MetricRef, type RangeWindow, type Series } from '../domain/series.js';
import type { MetricsSource } from '../domain/ports.js';
import { gridTimestamps, windowPoints } from './grid.js';
import { FULL_READ_EVERY, HistorySource, HistoryStore, REREAD_SECONDS } from './history.js';

const STEP = 300;
const HISTORY = 14 * 86_400;
const T0 = 1_790_000_000 - (1_790_000_000 % STEP);
const silent = { warn: () => {} };

/** The value at t: a daily wave, a gap of an hour, nothing before `from`. */
function valueAt(t: number, from = -Infinity): number {
  if (t < from || (t % 86_400 >= 7200 && t % 86_400 < 10_800)) return NaN;
  return 10 + 5 * Math.sin((2 * Math.PI * t) / 86_400) + (t % 7);
}

class Fake implements MetricsSource {
  asked: RangeWindow[] = [];
  noData?: (w: RangeWindow) => boolean;
  constructor(private readonly value: (ref: MetricRef, t: number) => number = (_r, t) => valueAt(t)) {}
  async range(ref: MetricRef, window: RangeWindow): Promise<Series> {
    this.asked.push(window);
    const timestamps = gridTimestamps(window, windowPoints(window));
    if (this.noData?.(window)) throw new NoDataError('no data: none in the window', ref);
    return { timestamps, values: timestamps.map((t) => this.value(ref, t)), stepSeconds: window.stepSeconds };
  }
}

const windowAt = (end: number, history = HISTORY): RangeWindow => ({ start: end - history + STEP, end, stepSeconds: STEP });
const preset = (container?: string): MetricRef => ({
  promql: `sum(rate(x{namespace="shop", pod=~"web-.*"${container ? `, container="${container}"` : ''}}[5m]))`,
  preset: { metric: 'cpu', preset: 'cadvisor', namespace: 'shop', kind: 'Deployment', name: 'web', ...(container ? { container } : {}) },
});

/** A store in a fresh directory and a way to open it again, as the next process would. */
function setup() {
  const dir = join(mkdtempSync(join(tmpdir(), 'augur-history-')), 'history'); // made by the first write
  const source = new Fake();
  return { dir, source, open: () => new HistoryStore(dir, silent) };
}

async function cycle(store: HistoryStore, source: MetricsSource, ref: MetricRef, window: RangeWindow): Promise<Series> {
  const s = await new HistorySource(source, store).range(ref, window);
  await store.save();
  return s;
}

const same = (a: Series, b: Series) => {
  expect(a.timestamps).toEqual(b.timestamps);
  expect(a.values.map(String)).toEqual(b.values.map(String)); // NaN where NaN
};

describe('HistorySource', () => {
  it('reads the whole window once, then only the tail, and makes the series a whole read makes', async () => {
    const { dir, source, open } = setup();
    const ref = preset('app');
    same(await cycle(open(), source, ref, windowAt(T0)), await new Fake().range(ref, windowAt(T0)));
    expect(source.asked).toEqual([windowAt(T0)]);

    let kept = T0;
    for (const later of [T0 + 3600, T0 + 3 * 3600, T0 + 5 * 3600]) {
      source.asked = [];
      const store = open();
      same(await cycle(store, source, ref, windowAt(later)), await new Fake().range(ref, windowAt(later)));
      // From the last kept point less REREAD_SECONDS, to the window's end.
      expect(source.asked).toEqual([{ start: kept - REREAD_SECONDS + STEP, end: later, stepSeconds: STEP }]);
      expect(store.counts).toEqual({ full: 0, tail: 1, points: windowPoints(source.asked[0]!) });
      kept = later;
    }
    // Each tail was written over the file's end: one point per step from the first window's start.
    const [bin] = readdirSync(dir).filter((f) => f.endsWith('.bin'));
    expect(statSync(join(dir, bin!)).size).toBe(32 + 8 * ((kept - windowAt(T0).start) / STEP + 1));
  });

  it('a process that died before saving the index: the next reads the tail from the index, or the whole window once a file was rewritten', async () => {
    const { dir, source, open } = setup();
    const ref = preset('app');
    await cycle(open(), source, ref, windowAt(T0));
    const index = readFileSync(join(dir, 'index.json'));
    // Tails written, the index not saved: the file holds more than the index says.
    await new HistorySource(source, open()).range(ref, windowAt(T0 + 3600));
    source.asked = [];
    same(await cycle(open(), source, ref, windowAt(T0 + 7200)), await new Fake().range(ref, windowAt(T0 + 7200)));
    expect(source.asked).toEqual([{ start: T0 - REREAD_SECONDS + STEP, end: T0 + 7200, stepSeconds: STEP }]);
    // A full read rewrote the file from a later start; the index saved before it says otherwise.
    writeFileSync(join(dir, 'index.json'), index);
    const full = windowAt(T0 + FULL_READ_EVERY);
    await new HistorySource(source, open()).range(ref, full);
    writeFileSync(join(dir, 'index.json'), index);
    source.asked = [];
    same(await cycle(open(), source, ref, windowAt(T0 + 3600)), await new Fake().range(ref, windowAt(T0 + 3600)));
    expect(source.asked.at(-1)).toEqual(windowAt(T0 + 3600));
  });

  it('asks the plan the window it will read, from the index as the cycle started, whatever the container', async () => {
    const { source, open } = setup();
    await cycle(open(), source, preset('app'), windowAt(T0));
    const store = open();
    const planned = store.windowFor(preset(), windowAt(T0 + 3600));
    expect(planned.start).toBe(T0 - REREAD_SECONDS + STEP);
    await new HistorySource(source, store).range(preset('app'), windowAt(T0 + 3600));
    // The read does not move the plan: the index it plans from is the cycle's first.
    expect(store.windowFor(preset('app'), windowAt(T0 + 3600))).toEqual(planned);
  });

  it('reads the whole window when the query changed, the step or the window grew, the clock went back, or a full read is due', async () => {
    const cases: [string, MetricRef, RangeWindow][] = [
      ['another container', preset('sidecar'), windowAt(T0 + 3600)],
      ['a longer history', preset('app'), windowAt(T0 + 3600, HISTORY + 86_400)],
      ['the clock went back', preset('app'), windowAt(T0 - 3600)],
      ['a full read is due', preset('app'), windowAt(T0 + FULL_READ_EVERY)],
    ];
    for (const [why, ref, window] of cases) {
      const { source, open } = setup();
      await cycle(open(), source, preset('app'), windowAt(T0));
      source.asked = [];
      const got = await cycle(open(), source, ref, window);
      expect(source.asked.at(-1), why).toEqual(window);
      same(got, await new Fake().range(ref, window));
    }
    // Another step: another key, nothing kept for it.
    const { source, open } = setup();
    await cycle(open(), source, preset('app'), windowAt(T0));
    const minute = { start: T0 - 86_400 + 60, end: T0 + 3600, stepSeconds: 60 };
    expect(open().windowFor(preset('app'), minute)).toBe(minute);
  });

  it('reads the whole window when the kept file is gone or damaged, or the index is', async () => {
    for (const damage of ['file', 'truncated', 'index'] as const) {
      const { dir, source, open } = setup();
      await cycle(open(), source, preset('app'), windowAt(T0));
      for (const f of readdirSync(dir)) {
        if (damage === 'file' && f.endsWith('.bin')) writeFileSync(join(dir, f), 'not a series');
        // A full write cut short: the first part of the file.
        if (damage === 'truncated' && f.endsWith('.bin')) writeFileSync(join(dir, f), readFileSync(join(dir, f)).subarray(0, 20_000));
        if (damage === 'index' && f === 'index.json') writeFileSync(join(dir, f), '{"version":1,"entries":');
      }
      source.asked = [];
      const got = await cycle(open(), source, preset('app'), windowAt(T0 + 3600));
      expect(source.asked.at(-1), damage).toEqual(windowAt(T0 + 3600));
      same(got, await new Fake().range(preset('app'), windowAt(T0 + 3600)));
      // And the next cycle reads a tail again.
      source.asked = [];
      await cycle(open(), source, preset('app'), windowAt(T0 + 7200));
      expect(source.asked).toHaveLength(1);
      expect(source.asked[0]!.start).toBeGreaterThan(T0);
    }
  });

  it('a tail with no sample reads the whole window, which keeps the older samples (a workload that stopped reporting)', async () => {
    const { source, open } = setup();
    await cycle(open(), source, preset('app'), windowAt(T0));
    source.noData = (w) => w.start > T0 - 86_400;
    source.asked = [];
    await cycle(open(), source, preset('app'), windowAt(T0 + 3600));
    expect(source.asked.map((w) => w.start)).toEqual([T0 - REREAD_SECONDS + STEP, windowAt(T0 + 3600).start]);
  });

  it('deletes what no cycle read for two days', async () => {
    const { dir, source, open } = setup();
    await cycle(open(), source, { promql: 'up' }, windowAt(T0));
    const store = open();
    await cycle(store, source, preset('app'), windowAt(T0 + 3 * 86_400));
    expect(readdirSync(dir).filter((f) => f.endsWith('.bin'))).toHaveLength(1);
    expect(open().windowFor({ promql: 'up' }, windowAt(T0 + 3 * 86_400))).toEqual(windowAt(T0 + 3 * 86_400));
  });

  it('deletes the files no index lists once nothing has written them for two days: an earlier format\'s, a crashed cycle\'s', async () => {
    const { dir, source, open } = setup();
    await cycle(open(), source, preset('app'), windowAt(T0));
    const [kept] = readdirSync(dir).filter((f) => f.endsWith('.bin'));
    const threeDaysAgo = Date.now() / 1000 - 3 * 86_400;
    const stray = (name: string, old: boolean) => {
      writeFileSync(join(dir, name), 'x');
      if (old) utimesSync(join(dir, name), threeDaysAgo, threeDaysAgo);
    };
    stray('0123456789abcdef0123456789abcdef.bin', true); // a series of a target removed before the index's format changed
    stray('fedcba9876543210fedcba9876543210.bin', false); // written just now by another process, not yet in its index
    stray('notes.txt', true); // not a store's file
    stray(`index.json.1.0.tmp`, true); // a write of the index cut short
    stray(`index.json.${process.pid}.0.tmp`, false); // one another process is writing
    utimesSync(join(dir, kept!), threeDaysAgo, threeDaysAgo); // listed: stays however old
    open();
    expect(readdirSync(dir).sort()).toEqual([kept, 'fedcba9876543210fedcba9876543210.bin', 'index.json', `index.json.${process.pid}.0.tmp`, 'notes.txt'].sort());
  });

  it('keeps nothing of one Prometheus for another', async () => {
    const { dir, source } = setup();
    await cycle(new HistoryStore(dir, silent, 'http://a:9090'), source, preset('app'), windowAt(T0));
    expect(new HistoryStore(dir, silent, 'http://a:9090').windowFor(preset('app'), windowAt(T0 + 3600))).not.toEqual(windowAt(T0 + 3600));
    expect(new HistoryStore(dir, silent, 'http://b:9090').windowFor(preset('app'), windowAt(T0 + 3600))).toEqual(windowAt(T0 + 3600));
  });

  it('passes file reads through', async () => {
    const { source, open } = setup();
    await cycle(open(), source, { file: 'load.csv' }, windowAt(T0));
    source.asked = [];
    await cycle(open(), source, { file: 'load.csv' }, windowAt(T0 + 3600));
    expect(source.asked).toEqual([windowAt(T0 + 3600)]);
  });
});
