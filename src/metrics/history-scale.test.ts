// The incremental history (history.ts) at fleet scale: a large fleet's index is saved, so the next cycle
// still asks only for tails.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { MetricRef, RangeWindow, Series } from '../domain/series.js';
import type { MetricsSource } from '../domain/ports.js';
import { gridTimestamps, windowPoints } from './grid.js';
import { HistorySource, HistoryStore, REREAD_SECONDS } from './history.js';

const STEP = 300;
const HISTORY = 14 * 86_400;
const T0 = 1_790_000_000 - (1_790_000_000 % STEP);

class Fake implements MetricsSource {
  asked: RangeWindow[] = [];
  async range(_ref: MetricRef, window: RangeWindow): Promise<Series> {
    this.asked.push(window);
    const timestamps = gridTimestamps(window, windowPoints(window));
    return { timestamps, values: timestamps.map((t) => 10 + 5 * Math.sin((2 * Math.PI * t) / 86_400) + (t % 7)), stepSeconds: window.stepSeconds };
  }
}

const windowAt = (end: number): RangeWindow => ({ start: end - HISTORY + STEP, end, stepSeconds: STEP });

describe('HistoryStore at fleet scale', () => {
  it('saves the index of a large fleet (200,000 kept series): the next cycle still reads only tails', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'augur-history-scale-')), 'history');
    const warned: string[] = [];
    const log = { warn: (_o: object, msg?: string) => void warned.push(msg ?? '') };
    const ref: MetricRef = { promql: 'up' };
    const source = new Fake();
    const first = new HistoryStore(dir, log);
    await new HistorySource(source, first).range(ref, windowAt(T0));
    await first.save();
    // 50,000 workloads of four metrics: the other series' entries, read by the same cycle.
    const index = JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8')) as { version: number; entries: Record<string, unknown> };
    const [kept] = Object.values(index.entries);
    for (let i = 0; i < 200_000; i++) index.entries[`other ${i}`] = { ...(kept as object), file: `${i.toString(16).padStart(32, '0')}.bin` };
    writeFileSync(join(dir, 'index.json'), JSON.stringify(index));

    const store = new HistoryStore(dir, log);
    await new HistorySource(source, store).range(ref, windowAt(T0 + 3600));
    await store.save();
    expect(warned).toEqual([]);
    const next = new HistoryStore(dir, log).windowFor(ref, windowAt(T0 + 7200));
    expect(next.start).toBe(T0 + 3600 - REREAD_SECONDS + STEP);
  }, 60_000);
});
