// Trains the global neural quantile model (issue 13; measured, not shipped: the section "A global
// model on the Bitbrains corpus" of models/augur-quantile-v1/MODEL_CARD.md says why): the v1 architecture,
// features and training code (src/forecast/neural/train.ts) on many machines' series at once, as
// N-BEATS and DeepAR train one model across a corpus, with whole machines held out for validation.
//   npx tsx scripts/train-global.ts [--corpus DIR] [--out DIR] [--epochs N] [--windows N] [--train-vms N]
// Defaults: the corpus ../shared/corpus/bitbrains, 100 training machines, GLOBAL_DEFAULTS below.
// Writes model.json, weights.bin, split.json (which machines on which side) and regression.json;
// bench/global-eval.ts scores it on the held-out machines and on ../shared/traces.
import { readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { backtest } from '../src/forecast/backtest.js';
import { initBackend, tf } from '../src/forecast/neural/backend.js';
import { machinesNamedIn, splitByMachine } from '../src/forecast/neural/corpus.js';
import { LEVELS } from '../src/forecast/neural/features.js';
import { forecasterFromModel } from '../src/forecast/neural/index.js';
import { modelFiles } from '../src/forecast/neural/io.js';
import { DEFAULT_TRAIN_OPTIONS, trainModel } from '../src/forecast/neural/train.js';
import { loadCorpusSeries, readCorpusIndex, writeModelFiles } from '../src/models/files.js';
import { loadTrace } from '../src/forecast/test-support.js';
import type { Accuracy } from '../src/domain/forecast.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2);
const arg = (name: string): string | undefined => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
/** The budget of the shipped global model (see its MODEL_CARD.md). */
export const GLOBAL_DEFAULTS = { trainMachines: 100, epochs: 20, windowsPerSeries: 150 };
const corpus = resolve(arg('--corpus') ?? join(root, '../shared/corpus/bitbrains'));
// Not under models/: a model Augur does not load is not shipped (build/ is not committed).
const out = resolve(arg('--out') ?? join(root, 'build/augur-quantile-v2-global'));
const trainMachines = Number(arg('--train-vms') ?? GLOBAL_DEFAULTS.trainMachines);
const opts = {
  ...DEFAULT_TRAIN_OPTIONS,
  epochs: Number(arg('--epochs') ?? GLOBAL_DEFAULTS.epochs),
  maxSamplesPerSeries: Number(arg('--windows') ?? GLOBAL_DEFAULTS.windowsPerSeries),
  log: (m: string) => console.log(m),
};
/** As v1's regression test (scripts/train-model.ts): a fixture trace the global model never trained on. */
const REGRESSION = { trace: 'isp_uk_traffic', stepSeconds: 300, horizonSteps: 288, origins: 3 };

const backend = await initBackend((m) => console.log(m));
const entries = readCorpusIndex(corpus);
// Machines whose series are evaluation traces elsewhere never train: ../shared/traces (the
// targets' traces) and the test fixtures (v1's regression and the demo) hold five bitbrains VMs.
const traceDirs = [join(root, '../shared/traces'), join(root, 'test/fixtures/traces'), join(root, 'config/demo/traces')];
const exclude = machinesNamedIn(traceDirs.flatMap((d) => readdirSync(d)));
const split = splitByMachine(entries, opts.seed, trainMachines, exclude);
console.log(`corpus ${corpus}: ${split.train.length} machines train, ${split.heldOut.length} held out (excluded from training: ${exclude.join(', ')})`);
const data = loadCorpusSeries(corpus, entries, split.train);
console.log(`training on ${data.length} series (${backend} backend)`);
const result = await trainModel(data, { ...opts, log: () => {} });
console.log(`trained in ${result.seconds.toFixed(1)} s on ${result.samples} windows, final loss ${result.finalTrainLoss.toFixed(4)}`);
const meta = { ...result.meta, version: 'v2-global', corpus: 'bitbrains', trainMachines: split.train.length, windowsPerSeries: opts.maxSamplesPerSeries };
writeModelFiles(out, await modelFiles(result.model, { ...meta, backend }));

const neural = forecasterFromModel(result.model, meta);
const reg = backtest(neural, loadTrace(REGRESSION.trace, REGRESSION.stepSeconds), {
  horizonSteps: REGRESSION.horizonSteps,
  quantiles: [...LEVELS],
  origins: REGRESSION.origins,
}) as Accuracy;
writeFileSync(
  join(out, 'split.json'),
  `${JSON.stringify({ corpus: 'bitbrains', seed: opts.seed, excludedFromTraining: exclude, train: split.train, heldOut: split.heldOut }, null, 1)}\n`,
);
writeFileSync(
  join(out, 'regression.json'),
  `${JSON.stringify({ ...REGRESSION, p90Pinball: reg.pinball['0.9'], p90Coverage: reg.coverage['0.9'], p50Pinball: reg.pinball['0.5'], backend }, null, 2)}\n`,
);
writeFileSync(
  join(out, 'training.json'),
  `${JSON.stringify({ backend, seconds: result.seconds, samples: result.samples, series: data.length, finalTrainLoss: result.finalTrainLoss, epochs: opts.epochs, batchSize: opts.batchSize, learningRate: opts.learningRate, windowsPerSeries: opts.maxSamplesPerSeries, seed: opts.seed }, null, 2)}\n`,
);
console.log(`regression (${REGRESSION.trace}): p90 pinball ${reg.pinball['0.9']}, coverage ${reg.coverage['0.9']}`);
tf.disposeVariables();
