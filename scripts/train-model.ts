// Trains the neural quantile model shipped in models/augur-quantile-v1 and writes its model card.
//   npm run train            (same as: npx tsx scripts/train-model.ts)
// Options: --out DIR (default models/augur-quantile-v1), --epochs N, --seed N.
import { readdirSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { backtest } from '../src/forecast/backtest.js';
import { initBackend, tf } from '../src/forecast/neural/backend.js';
import { HORIZON_HOURS, INPUT_SIZE, LEVELS, WINDOW_HOURS } from '../src/forecast/neural/features.js';
import { fineTune, forecasterFromModel } from '../src/forecast/neural/index.js';
import { modelFiles } from '../src/forecast/neural/io.js';
import { loadCsvSeries, writeModelFiles } from '../src/models/files.js';
import { HIDDEN } from '../src/forecast/neural/net.js';
import { DEFAULT_TRAIN_OPTIONS, trainModel, TRAIN_STEP_SECONDS, validate, VALIDATION_DAYS, type NamedSeries, type ValidationRow } from '../src/forecast/neural/train.js';
import { loadTrace } from '../src/forecast/test-support.js';
import type { Accuracy } from '../src/domain/forecast.js';
import { readGlobalExperiment, renderGlobalExperiment, withGlobalSection } from './global-experiment.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2);
const arg = (name: string): string | undefined => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const out = arg('--out') ?? join(root, 'models/augur-quantile-v1');
const opts = {
  ...DEFAULT_TRAIN_OPTIONS,
  epochs: Number(arg('--epochs') ?? DEFAULT_TRAIN_OPTIONS.epochs),
  seed: Number(arg('--seed') ?? DEFAULT_TRAIN_OPTIONS.seed),
  log: (m: string) => console.log(m),
};
/** The trace and settings of the regression test in src/forecast/neural/neural.test.ts. */
export const REGRESSION = { trace: 'isp_uk_traffic', stepSeconds: 300, horizonSteps: 288, origins: 3 };

const backend = await initBackend((m) => console.log(m));
const dirs = [join(root, 'test/fixtures/traces'), join(root, 'config/demo/traces')];
const files = dirs.flatMap((d) => readdirSync(d).filter((f) => f.endsWith('.csv')).sort().map((f) => join(d, f)));
// The demo traces are the last 28 days of fixture traces: a trace whose last day (timestamps and
// values) equals one already loaded is skipped, so no window is trained or scored twice.
const data: NamedSeries[] = [];
const duplicates: string[] = [];
for (const f of files) {
  const s = loadCsvSeries(f, TRAIN_STEP_SECONDS);
  const tail = (x: NamedSeries): string => JSON.stringify([x.series.timestamps.slice(-288), x.series.values.slice(-288)]);
  const dup = data.find((d) => tail(d) === tail(s));
  if (dup) duplicates.push(`\`${s.name}\` (= the end of \`${dup.name}\`)`);
  else data.push(s);
}
console.log(`training on ${data.length} traces (${backend} backend)`);
const result = await trainModel(data, opts);
console.log(`trained in ${result.seconds.toFixed(1)} s on ${result.samples} windows`);

const rows = validate(result.model, result.meta, data);
writeModelFiles(out, await modelFiles(result.model, { ...result.meta, backend }));

const neural = forecasterFromModel(result.model, result.meta);
const reg = backtest(neural, loadTrace(REGRESSION.trace, REGRESSION.stepSeconds), {
  horizonSteps: REGRESSION.horizonSteps,
  quantiles: [...LEVELS],
  origins: REGRESSION.origins,
}) as Accuracy;
const t0 = performance.now();
const hist = loadTrace(REGRESSION.trace, REGRESSION.stepSeconds);
for (let i = 0; i < 20; i++) neural.forecast(hist, { horizonSteps: 288, quantiles: [...LEVELS] });
const inferMs = (performance.now() - t0) / 20;

// Fine-tuning (default options) on each trace's history before the validation days, scored on them.
const tuneRows: { name: string; ms: number; ratio: number[] }[] = [];
for (const d of data) {
  const r = rows.find((x) => x.name === d.name);
  if (!r) continue;
  const cut = d.series.values.length - Math.round((VALIDATION_DAYS * 86400) / d.series.stepSeconds);
  const before = { timestamps: d.series.timestamps.slice(0, cut), values: d.series.values.slice(0, cut), stepSeconds: d.series.stepSeconds };
  const t = performance.now();
  const tuned = await fineTune(neural, before);
  const ms = performance.now() - t;
  const day = Math.round(86400 / d.series.stepSeconds);
  const acc = backtest(tuned, d.series, { horizonSteps: day, quantiles: [...LEVELS], origins: VALIDATION_DAYS }) as Accuracy;
  tuneRows.push({ name: d.name, ms, ratio: LEVELS.map((q) => (acc.pinball[String(q)] as number) / (r.neural.pinball[String(q)] as number)) });
}

const f = (x: number, d = 3): string => (Number.isFinite(x) ? x.toFixed(d) : 'n/a');
const rel = (r: ValidationRow, a: Accuracy, q: string): number => (a.pinball[q] as number) / r.level;
const mean = (xs: number[]): number => xs.reduce((s, v) => s + v, 0) / Math.max(1, xs.length);
const keys = LEVELS.map(String);
const summary = (pick: (r: ValidationRow) => Accuracy): string =>
  keys.map((q) => f(mean(rows.map((r) => rel(r, pick(r), q))), 4)).join(' | ') +
  ' | ' +
  keys.map((q) => f(mean(rows.map((r) => pick(r).coverage[q] as number)), 3)).join(' | ');
const weightsBytes = statSync(join(out, 'weights.bin')).size;
const cmd = `npm run train${out === join(root, 'models/augur-quantile-v1') ? '' : ` -- --out ${relative(root, out)}`}`;

const card = `# augur-quantile-v1

A small neural quantile forecaster for Augur (\`src/forecast/neural/\`): from the last
${WINDOW_HOURS} hours of a load series and the calendar of the forecast origin it predicts the
p50, p90 and p99 of the load for each of the next ${HORIZON_HOURS} hours. Generated by
\`scripts/train-model.ts\`; do not edit by hand (rerun the command below).

## Reproduce

\`\`\`sh
${cmd}
\`\`\`

Seed ${opts.seed}; ${opts.epochs} epochs; batch ${opts.batchSize}; Adam, learning rate ${opts.learningRate} with cosine decay;
at most ${opts.maxSamplesPerSeries} training windows per trace. Trained on the \`${backend}\` backend in
${f(result.seconds, 1)} s (${result.samples} windows; final training loss ${f(result.finalTrainLoss, 4)} in scaled units).
Same backend, same seed: same weights. Other backends (tfjs-node) load the same files; their
float rounding may differ in the last digits.

## Data

Every \`.csv\` trace in \`test/fixtures/traces/\` and \`config/demo/traces/\` (licenses and sources in
the READMEs there), resampled to ${TRAIN_STEP_SECONDS / 60}-minute steps (mean per step; empty steps
linearly interpolated, so the 30-minute NYC taxi trace becomes a smooth 5-minute one):
${data.map((d) => `\`${d.name}\` (${d.series.values.length} steps)`).join(', ')}.
${duplicates.length > 0 ? `Skipped as copies of a fixture trace's last weeks: ${duplicates.join(', ')}.\n` : ''}
The last ${VALIDATION_DAYS} days of every trace are held out: no training target falls in them.
Training origins are every step before that (thinned evenly to the per-trace cap), each with a
full window before it and a full horizon after it.

## Architecture

- Inputs (${INPUT_SIZE}): the ${WINDOW_HOURS} hourly means before the origin, divided by the median of the
  window's samples (robust scale) and clipped to ±20; the last value, the standard deviation of
  the last hour and the mean absolute step-to-step change (all scaled); hour-of-day and weekday
  of the origin as sin/cos (UTC unless a timezone is given).
- Network: dense ${INPUT_SIZE} → ${HIDDEN} (relu) → ${HIDDEN} (relu) → ${HORIZON_HOURS}×3 (linear); seeded Glorot
  initialisers; tfjs layers format (\`model.json\` + \`weights.bin\`, ${(weightsBytes / 1024).toFixed(1)} KiB).
- Head (in code, \`net.ts\`): p50 = the hourly mean 24 h earlier (seasonal naive) + output 0;
  p90 = p50 + softplus(output 1); p99 = p90 + softplus(output 2), so quantiles never cross.
  Values are multiplied back by the scale; a non-negative history clamps them at 0.
- Loss: pinball (quantile) loss averaged over the three levels, against every 5-minute value
  under each hourly forecast, so the hourly p90 is a p90 of 5-minute load.
- Inference: each forecast step takes the value of its lead hour; leads beyond ${HORIZON_HOURS} h
  repeat the last forecast day. Other quantile levels are interpolated in normal z-score.

## Validation (held-out last ${VALIDATION_DAYS} days, ${VALIDATION_DAYS} one-day origins per trace)

Rolling-origin backtest (\`src/forecast/backtest.ts\`), 288 steps ahead, against seasonal naive
(daily season, with its empirical quantiles) on the same windows. Pinball loss is divided by the
trace's mean level so traces compare; coverage is the share of actuals at or below the quantile.

| model | pinball p50 | p90 | p99 | coverage p50 | p90 | p99 |
|---|---|---|---|---|---|---|
| augur-quantile-v1 | ${summary((r) => r.neural)} |
| seasonal naive (daily) | ${summary((r) => r.seasonalNaive)} |

Per trace (pinball in the unit of the trace):

| trace | model | pinball p50 | p90 | p99 | coverage p50 | p90 | p99 |
|---|---|---|---|---|---|---|---|
${rows
  .map((r) =>
    [
      ['augur-quantile-v1', r.neural],
      ['seasonal naive', r.seasonalNaive],
    ]
      .map(([n, a]) => {
        const acc = a as Accuracy;
        return `| ${r.name} | ${n as string} | ${keys.map((q) => f(acc.pinball[q] as number)).join(' | ')} | ${keys.map((q) => f(acc.coverage[q] as number, 3)).join(' | ')} |`;
      })
      .join('\n'),
  )
  .join('\n')}

## Fine-tuning

\`fineTune(forecaster, history)\` with its defaults (output layer only, Adam 1e-4, 20 epochs over up
to 96 hourly windows, ≤ 2 s) on each trace's history before the validation days, then scored on
them. Pinball of the tuned copy divided by the shipped model's (below 1 = better):

| trace | time (ms) | p50 | p90 | p99 |
|---|---|---|---|---|
${tuneRows.map((t) => `| ${t.name} | ${f(t.ms, 0)} | ${t.ratio.map((x) => f(x, 3)).join(' | ')} |`).join('\n')}

## Regression figure

\`src/forecast/neural/neural.test.ts\` backtests the shipped model on \`${REGRESSION.trace}\` (test
fixture loader, ${REGRESSION.stepSeconds} s, ${REGRESSION.origins} origins × ${REGRESSION.horizonSteps} steps):
p90 pinball **${f(reg.pinball['0.9'] as number, 4)}**, coverage p90 ${f(reg.coverage['0.9'] as number, 3)}, p50 pinball ${f(reg.pinball['0.5'] as number, 4)}, WAPE ${f(reg.wape, 4)}.

Inference: ${f(inferMs, 2)} ms per forecast (288 steps, 3 quantiles) on \`${backend}\`.
`;
// The global-model experiment's section (scripts/global-experiment.ts) survives a retrain.
const experiment = readGlobalExperiment();
writeFileSync(join(out, 'MODEL_CARD.md'), experiment ? withGlobalSection(card, renderGlobalExperiment(experiment, '##')) : card);
writeFileSync(join(out, 'regression.json'), `${JSON.stringify({ ...REGRESSION, p90Pinball: reg.pinball['0.9'], p90Coverage: reg.coverage['0.9'], backend }, null, 2)}\n`);
console.log(card);
tf.disposeVariables();
