// The training corpus of the global model (scripts/train-global.ts, models/augur-quantile-v2-global):
// many series of many machines, split by machine so that no machine has a series on both sides.
// Pure: the index and the excluded machines come in as data; reading the files is
// src/models/files.ts's job.
import { prng } from '../../util/prng.js';

/** One entry of a corpus's index.json (the fields Augur reads). */
export interface CorpusEntry {
  file: string;
  vm: number;
  metric: string;
}

export interface CorpusSplit {
  /** Machines whose series the model trains on, ascending. */
  train: number[];
  /** Machines it never sees in training, ascending: the held-out validation set. */
  heldOut: number[];
}

/**
 * A deterministic split by machine: the machines (`exclude` removed) shuffled with `seed`
 * (Fisher-Yates over mulberry32, the training shuffle's generator), the first `trainCount` to
 * training, the rest held out. `exclude` are machines whose series are already in an evaluation
 * set elsewhere (../shared/traces, the test fixtures): they always land on the held-out side, so
 * "a series it never saw" stays true there too. Every metric of a machine goes where the machine
 * goes: its CPU, memory and network move together, and a model that saw one must not be scored
 * on another.
 */
export function splitByMachine(entries: readonly CorpusEntry[], seed: number, trainCount: number, exclude: readonly number[] = []): CorpusSplit {
  const excluded = new Set(exclude);
  const vms = [...new Set(entries.map((e) => e.vm))].sort((a, b) => a - b);
  const pool = vms.filter((v) => !excluded.has(v));
  const rand = prng(seed);
  for (let i = pool.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    const t = pool[i] as number;
    pool[i] = pool[j] as number;
    pool[j] = t;
  }
  const train = pool.slice(0, Math.min(trainCount, pool.length)).sort((a, b) => a - b);
  const inTrain = new Set(train);
  return { train, heldOut: vms.filter((v) => !inTrain.has(v)) };
}

/** Machine numbers named in trace file names like `bitbrains_vm384_cpu.csv`. */
export function machinesNamedIn(fileNames: readonly string[], prefix = 'bitbrains_vm'): number[] {
  const out = new Set<number>();
  for (const f of fileNames) {
    const m = new RegExp(`${prefix}(\\d+)_`).exec(f);
    if (m) out.add(Number(m[1]));
  }
  return [...out].sort((a, b) => a - b);
}
