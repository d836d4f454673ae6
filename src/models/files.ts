// The adapter for the model files in the repository's models/ folder (or a volume): reading and
// writing model.json and weights.bin. The neural forecaster itself (src/forecast/neural/) only
// sees their contents.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { MODEL_JSON, WEIGHTS_BIN, type ModelFiles } from '../forecast/neural/io.js';
import type { CorpusEntry } from '../forecast/neural/corpus.js';
import { csvSeries, TRAIN_STEP_SECONDS, type NamedSeries } from '../forecast/neural/train.js';

/** Where the shipped model lives (repository root /models/augur-quantile-v1). */
export const DEFAULT_MODEL_DIR = fileURLToPath(new URL('../../models/augur-quantile-v1/', import.meta.url));

export function readModelFiles(dir: string): ModelFiles | { reason: string } {
  const jsonPath = join(dir, MODEL_JSON);
  const binPath = join(dir, WEIGHTS_BIN);
  if (!existsSync(jsonPath)) return { reason: `no ${MODEL_JSON} in ${dir}` };
  if (!existsSync(binPath)) return { reason: `no ${WEIGHTS_BIN} in ${dir}` };
  const bin = readFileSync(binPath);
  return { json: readFileSync(jsonPath, 'utf8'), weights: bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength) as ArrayBuffer };
}

export function writeModelFiles(dir: string, files: ModelFiles): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, WEIGHTS_BIN), Buffer.from(files.weights));
  writeFileSync(join(dir, MODEL_JSON), files.json);
}

/** A training trace: a `timestamp,value` CSV file, named after the file, on the training grid. */
export function loadCsvSeries(path: string, stepSeconds = TRAIN_STEP_SECONDS): NamedSeries {
  return csvSeries(basename(path, '.csv'), readFileSync(path, 'utf8'), stepSeconds);
}

/** A corpus folder's index.json (one entry per series file; see ../shared/corpus/bitbrains). */
export function readCorpusIndex(dir: string): CorpusEntry[] {
  return JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8')) as CorpusEntry[];
}

/**
 * The corpus series of the given machines, in index order, each named `vmNNN_metric` and
 * resampled to the training grid as loadCsvSeries does (files may be gzipped).
 */
export function loadCorpusSeries(dir: string, entries: readonly CorpusEntry[], machines: readonly number[], stepSeconds = TRAIN_STEP_SECONDS): NamedSeries[] {
  const wanted = new Set(machines);
  return entries
    .filter((e) => wanted.has(e.vm))
    .map((e) => {
      const raw = readFileSync(join(dir, e.file));
      const text = e.file.endsWith('.gz') ? gunzipSync(raw).toString('utf8') : raw.toString('utf8');
      return csvSeries(e.file.replace(/\.csv(\.gz)?$/, ''), text, stepSeconds);
    });
}
