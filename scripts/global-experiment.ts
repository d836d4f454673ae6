// The global-model experiment (issue 13), as text: one renderer for the section in
// models/augur-quantile-v1/MODEL_CARD.md (scripts/train-model.ts writes it) and in BENCHMARKS.md
// section 4 (bench/neural-report.ts), both from models/augur-quantile-v1/global-experiment.json,
// which `bench/global-eval.ts --summarize` writes. The model itself is not shipped (see the text).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const GLOBAL_EXPERIMENT_JSON = fileURLToPath(new URL('../models/augur-quantile-v1/global-experiment.json', import.meta.url));

export interface GlobalExperiment {
  date: string;
  machine: string;
  node: string;
  commands: string[];
  training: { backend: string; seconds: number; samples: number; series: number; finalTrainLoss: number; epochs: number; batchSize: number; learningRate: number; windowsPerSeries: number; seed: number };
  split: { corpus: string; seed: number; excludedFromTraining: number[]; train: number[]; heldOut: number[] };
  regression: { trace: string; p90Pinball: number; p90Coverage: number };
  /** Per evaluation set (heldout, traces): the medians and counts of bench/global-eval.ts. */
  sets: Record<string, Record<string, number | string>>;
  /** The same training with more windows per series, scored alone (bench/global-eval.ts --no-select). */
  largerBudget?: { note: string; commands: string[]; samples: number; seconds: number; finalTrainLoss: number; heldout: Record<string, number>; traces: Record<string, number> };
}

export function readGlobalExperiment(path = GLOBAL_EXPERIMENT_JSON): GlobalExperiment | undefined {
  return existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as GlobalExperiment) : undefined;
}

const x = (v: unknown): string => (typeof v === 'number' ? `${v.toFixed(3)}×` : String(v));
const n = (v: unknown): string => String(v);
const pct = (v: unknown): string => (typeof v === 'number' ? `${(v * 100).toFixed(1)}%` : String(v));

/** Markdown lines; `heading` is the heading's prefix ('##' in the card, '###' in BENCHMARKS.md). */
export function renderGlobalExperiment(e: GlobalExperiment, heading: string): string[] {
  const h = e.sets.heldout ?? {};
  const t = e.sets.traces ?? {};
  const row = (label: string, key: string, f: (v: unknown) => string = x) => `| ${label} | ${f(h[key])} | ${f(t[key])} |`;
  /** A cell of several figures of one set, joined by " / ". */
  const many = (set: Record<string, number | string>, keys: string[], f: (v: unknown) => string) => keys.map((k) => f(set[k])).join(' / ');
  const rowOf = (label: string, keys: string[], f: (v: unknown) => string = n) => `| ${label} | ${many(h, keys, f)} | ${many(t, keys, f)} |`;
  return [
    `${heading} A global model on the Bitbrains corpus (issue 13): measured, not shipped`,
    '',
    `The v1 architecture, features and training code (\`trainModel\`) trained across many machines at once, as N-BEATS and DeepAR train one model over a corpus: ${e.training.series} series (CPU, memory, network in) of ${e.split.train.length} Bitbrains VMs from \`../shared/corpus/bitbrains\` (5-minute, three months, BSD-2-Clause), ${e.training.windowsPerSeries} windows per series (${e.training.samples} in all), ${e.training.epochs} epochs, batch ${e.training.batchSize}, Adam ${e.training.learningRate} with cosine decay, seed ${e.training.seed}; ${e.training.seconds.toFixed(0)} s on \`${e.training.backend}\`, final training loss ${e.training.finalTrainLoss.toFixed(4)} (scaled units).`,
    '',
    `**Split by machine**, never by series: the VMs shuffled with mulberry32(seed ${e.split.seed}) (\`splitByMachine\`, \`src/forecast/neural/corpus.ts\`), the first ${e.split.train.length} train, the other ${e.split.heldOut.length} are held out with all three of their metrics; VMs ${e.split.excludedFromTraining.join(', ')} are traces of \`../shared/traces\` or the test fixtures and are always held out. Held out: ${e.split.heldOut.join(', ')}.`,
    '',
    `**Date:** ${e.date}. **Machine:** ${e.machine}, Node ${e.node}, shared with other work. **Commands:**`,
    '',
    '```sh',
    ...e.commands,
    '```',
    '',
    `Rolling-origin backtest, 3 origins × one day ahead, every model on the same origins. "held out" = the ${n(h.series)} series of the held-out VMs, their last 28 days each; "traces" = the ${n(t.series)} traces of \`../shared/traces\` whole, read as \`augur backtest\` reads them. A ratio is the model's pinball loss ÷ the better (per series and level) of seasonal naive daily and weekly, median over series; "augur" is the statistical per-workload selection (the default), "augur + global" the same selection with the global model as a candidate (what \`sizing.neural\` does with a model).`,
    '',
    '| figure | held out VMs | ../shared/traces |',
    '| --- | ---: | ---: |',
    row('global model alone, p50 ÷ better seasonal naive', 'global p50 ÷ better seasonal naive (median)'),
    row('global model alone, p90 ÷ better seasonal naive', 'global p90 ÷ better seasonal naive (median)'),
    row('v1 (shipped, 6 traces) alone, p90 ÷ better seasonal naive', 'v1 p90 ÷ better seasonal naive (median)'),
    row('**augur** (statistical selection), p90 ÷ better seasonal naive', 'augur p90 ÷ better seasonal naive (median)'),
    row('**augur + global**, p90 ÷ better seasonal naive', 'augur+global p90 ÷ better seasonal naive (median)'),
    row('augur, p50 ÷ better seasonal naive', 'augur p50 ÷ better seasonal naive (median)'),
    row('augur + global, p50 ÷ better seasonal naive', 'augur+global p50 ÷ better seasonal naive (median)'),
    row('global alone ÷ augur, p90 (median over series)', 'global p90 ÷ augur (median)'),
    rowOf('… series where the global model alone beats augur at p90 / loses', ['global p90 better than augur (series)', 'global p90 worse than augur (series)']),
    rowOf('series where augur + global beats augur at p90 / loses (the rest tie)', ['augur+global p90 better than augur (series)', 'augur+global p90 worse than augur (series)']),
    row('series above 1.1× the better seasonal naive at p90: augur', 'augur p90 worse than 1.1× better seasonal naive (series)', n),
    row('… augur + global', 'augur+global p90 worse than 1.1× better seasonal naive (series)', n),
    row('… global alone', 'global p90 worse than 1.1× better seasonal naive (series)', n),
    rowOf('p90 coverage (median): global / augur / augur + global', ['global p90 coverage (median)', 'augur p90 coverage (median)', 'augur+global p90 coverage (median)'], pct),
    row('origins where the selection took the global model (alone or in an ensemble)', 'origins where the selection with the global model chose it (alone or in an ensemble)', n),
    '',
    ...(e.largerBudget
      ? [
          `**More data does not close it.** ${e.largerBudget.note} (${e.largerBudget.samples} windows, ${e.largerBudget.seconds.toFixed(0)} s, final loss ${e.largerBudget.finalTrainLoss.toFixed(4)}; \`${e.largerBudget.commands.join('`; `')}\`): p50 / p90 ÷ better seasonal naive ${x(e.largerBudget.heldout['global p50 ÷ better seasonal naive (median)'])} / ${x(e.largerBudget.heldout['global p90 ÷ better seasonal naive (median)'])} on the held-out VMs and ${x(e.largerBudget.traces['global p50 ÷ better seasonal naive (median)'])} / ${x(e.largerBudget.traces['global p90 ÷ better seasonal naive (median)'])} on \`../shared/traces\`: a sharper median, a p90 no closer to the selection's.`,
          '',
        ]
      : []),
    `**Verdict: it does not beat the statistical selection, so it is not shipped and \`sizing.neural\` stays off (and keeps loading v1).** Trained on ${e.split.train.length} machines, the global model generalises to machines it never saw better than v1 does (held out p90 ${x(h['global p90 ÷ better seasonal naive (median)'])} against v1's ${x(h['v1 p90 ÷ better seasonal naive (median)'])} the better seasonal naive), but not as well as Augur's per-workload statistical selection (${x(h['augur p90 ÷ better seasonal naive (median)'])}); on \`../shared/traces\` ${x(t['global p90 ÷ better seasonal naive (median)'])} against v1's ${x(t['v1 p90 ÷ better seasonal naive (median)'])} and augur's ${x(t['augur p90 ÷ better seasonal naive (median)'])}. As a candidate, the selection's 3-origin backtest takes it where it happened to win the days before the origin, and on the held-out VMs that loses more series than it wins (${n(h['augur+global p90 better than augur (series)'])} better, ${n(h['augur+global p90 worse than augur (series)'])} worse; median ${x(h['augur+global p90 ÷ augur (median)'])} because most series tie). Regression figure of this model on \`${e.regression.trace}\` (never trained on): p90 pinball ${e.regression.p90Pinball.toFixed(2)} (coverage ${pct(e.regression.p90Coverage)}).`,
    '',
  ];
}

/** The experiment's section in a Markdown file, between its markers (added at the end the first time). */
export function withGlobalSection(text: string, lines: string[]): string {
  const begin = '<!-- global-experiment: written by bench/global-eval.ts --summarize from models/augur-quantile-v1/global-experiment.json -->';
  const end = '<!-- /global-experiment -->';
  const block = [begin, ...lines, end].join('\n');
  const i = text.indexOf(begin);
  const j = text.indexOf(end);
  if (i >= 0 && j > i) return text.slice(0, i) + block + text.slice(j + end.length);
  return `${text.trimEnd()}\n\n${block}\n`;
}

export const GLOBAL_DOCS = { card: join(fileURLToPath(new URL('..', import.meta.url)), 'models/augur-quantile-v1/MODEL_CARD.md') };

