import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { loadCorpusSeries, readCorpusIndex } from '../../models/files.js';
import { machinesNamedIn, splitByMachine, type CorpusEntry } from './corpus.js';

const METRICS = ['cpu', 'memory', 'net_in'];
const entries: CorpusEntry[] = Array.from({ length: 150 }, (_, i) => i * 3 + 1).flatMap((vm) =>
  METRICS.map((metric) => ({ file: `vm${String(vm).padStart(3, '0')}_${metric}.csv.gz`, vm, metric })),
);

describe('corpus split by machine', () => {
  it('is deterministic for a seed, and another seed gives another split', () => {
    const a = splitByMachine(entries, 20261122, 100);
    expect(splitByMachine(entries, 20261122, 100)).toEqual(a);
    expect(splitByMachine(entries, 7, 100).train).not.toEqual(a.train);
  });

  it('puts every machine on exactly one side, with all its metrics', () => {
    const { train, heldOut } = splitByMachine(entries, 20261122, 100);
    expect(train).toHaveLength(100);
    expect(heldOut).toHaveLength(50);
    expect(train.filter((v) => heldOut.includes(v))).toEqual([]);
    expect([...train, ...heldOut].sort((x, y) => x - y)).toEqual([...new Set(entries.map((e) => e.vm))]);
    // A series' side is its machine's: no metric of a held-out machine is in training.
    const trainFiles = entries.filter((e) => train.includes(e.vm));
    expect(trainFiles).toHaveLength(300);
    expect(trainFiles.some((e) => heldOut.includes(e.vm))).toBe(false);
  });

  it('never trains on excluded machines (the evaluation traces elsewhere)', () => {
    const exclude = machinesNamedIn(['bitbrains_vm4_cpu.csv', 'README.md', 'bitbrains_vm253_cpu.csv', 'nab_nyc_taxi.csv']);
    expect(exclude).toEqual([4, 253]);
    // Even when every other machine trains, the excluded ones stay held out.
    const { train, heldOut } = splitByMachine(entries, 20261122, 150, exclude);
    expect(train).toHaveLength(148);
    expect(heldOut).toEqual([4, 253]);
  });
});

describe('corpus loader', () => {
  it('reads index.json and the gzipped series of the chosen machines only, on the training grid', () => {
    const dir = mkdtempSync(join(tmpdir(), 'augur-corpus-'));
    try {
      const idx = [
        { file: 'vm001_cpu.csv.gz', vm: 1, metric: 'cpu' },
        { file: 'vm002_cpu.csv.gz', vm: 2, metric: 'cpu' },
      ];
      writeFileSync(join(dir, 'index.json'), JSON.stringify(idx));
      const csv = 'timestamp,value\n2013-06-30T22:03:24Z,10\n2013-06-30T22:08:24Z,20\n2013-06-30T22:18:24Z,40\n';
      for (const e of idx) writeFileSync(join(dir, e.file), gzipSync(csv));
      const read = readCorpusIndex(dir);
      expect(read.map((e) => e.vm)).toEqual([1, 2]);
      const series = loadCorpusSeries(dir, read, [2]);
      expect(series.map((s) => s.name)).toEqual(['vm002_cpu']);
      // 5-minute grid, the empty step between 22:10 and 22:15 interpolated.
      expect(series[0]?.series.values).toEqual([10, 20, 30, 40]);
      expect(series[0]?.series.stepSeconds).toBe(300);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
