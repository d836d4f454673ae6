// Section 4 of BENCHMARKS.md: the neural quantile model on the wasm and cpu backends, from the
// two bench/neural.ts child processes.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { benchJson, runNode } from './child.js';
import type { NeuralResult } from './neural.js';
import { bytes, num, ROOT, spread, table, type Summary } from './lib.js';
import { readGlobalExperiment, renderGlobalExperiment } from '../scripts/global-experiment.js';

export interface NeuralRuns {
  wasm: NeuralResult;
  cpu: NeuralResult;
  /** Wall time of each child, ms. */
  wallMs: { wasm: number; cpu: number };
}

const log = (msg: string) => process.stderr.write(`${msg}\n`);

/** The two backends, one after the other, each in its own process. */
export async function runNeural(reps: number): Promise<NeuralRuns> {
  log('4a. neural model, wasm backend (child process)');
  const w = await runNode(['--expose-gc', '--import', 'tsx', join('bench', 'neural.ts'), String(reps)]);
  const wasm = benchJson<NeuralResult>(w, 'bench/neural.ts (wasm)');
  log('4b. neural model, cpu backend (child process; the wasm package hidden by bench/no-wasm.mjs)');
  const c = await runNode(['--expose-gc', '--import', './bench/no-wasm.mjs', '--import', 'tsx', join('bench', 'neural.ts'), String(reps)]);
  const cpu = benchJson<NeuralResult>(c, 'bench/neural.ts (cpu)');
  if (cpu.backend !== 'cpu') throw new Error(`bench/neural.ts with no-wasm.mjs ran on "${cpu.backend}", expected cpu`);
  return { wasm, cpu, wallMs: { wasm: w.ms, cpu: c.ms } };
}

/** The MODEL_CARD's own training figure (a previous run of `npm run train`, not this one). */
export function modelCardTraining(): { seconds: number; windows: number; backend: string } | undefined {
  try {
    const card = readFileSync(join(ROOT, 'models/augur-quantile-v1/MODEL_CARD.md'), 'utf8');
    const m = /Trained on the `(\w+)` backend in\s+([\d.]+) s \((\d+) windows/.exec(card);
    if (!m) return undefined;
    return { backend: m[1] as string, seconds: Number(m[2]), windows: Number(m[3]) };
  } catch {
    return undefined;
  }
}

const sp = (s: Summary) => spread(s);
const msf = (x: number) => num(x, 3);

export function renderNeural(n: NeuralRuns, target: { seriesPerSecond: number; fineTuneSeconds: number }): string[] {
  const out: string[] = [];
  const both = [n.wasm, n.cpu];
  const card = modelCardTraining();
  const tensorflowNote = n.wasm.backendLog.join(' ');
  out.push('## 4. The neural quantile model (tfjs)');
  out.push('');
  out.push(
    'The shipped model (`models/augur-quantile-v1`, `src/forecast/neural/`) on each tfjs backend, **each in its own child process** (`bench/neural.ts`): `initBackend` chooses once per process, and a loaded model does not move cleanly between backends. ' +
      'The **wasm** run is what the product picks here; the **cpu** run (plain JavaScript) hides `@tensorflow/tfjs-backend-wasm` from the module resolver (`bench/no-wasm.mjs`), so `initBackend` falls back exactly as on a machine without it. ' +
      '**tfjs-node (the `tensorflow` backend) is not measured: it is not installed here and cannot be installed in this environment** (it is an optional, native package; the Docker image adds it only when built with `TFJS_NODE=true`). ' +
      `What \`initBackend\` logged in the wasm run: “${tensorflowNote.replace(/\|/g, '\\|')}”. ` +
      `Every speed figure has a **baseline measured in the same process: \`seasonal-naive(daily)\`'s \`forecast()\`** on the same pool (section 1's 10 series, 14 days × 5 minutes, horizon 288 steps, quantiles 0.5 / 0.9 / 0.99), interleaved with the neural model in each of ${n.wasm.inference.reps} repetitions.`,
  );
  out.push('');

  out.push('**Inference and start-up, per backend**');
  out.push('');
  out.push(
    table(
      ['figure', 'wasm', 'cpu (plain JS)', 'wasm ÷ cpu (of the row\'s figure)'],
      [
        ['neural `forecast()`, series/s (median)', num(n.wasm.inference.neural.seriesPerSecond.median), num(n.cpu.inference.neural.seriesPerSecond.median), `${num(n.wasm.inference.neural.seriesPerSecond.median / n.cpu.inference.neural.seriesPerSecond.median)}× the series/s`],
        ['… p10–p90', sp(n.wasm.inference.neural.seriesPerSecond), sp(n.cpu.inference.neural.seriesPerSecond), '–'],
        ['… ms per series (median)', msf(n.wasm.inference.neural.msPerSeries.median), msf(n.cpu.inference.neural.msPerSeries.median), '–'],
        ['baseline `seasonal-naive(daily)` in the same process, series/s', num(n.wasm.inference.baseline.seriesPerSecond.median), num(n.cpu.inference.baseline.seriesPerSecond.median), '–'],
        [
          '**neural time per series × the baseline\'s** (median, p10–p90)',
          `**${num(n.wasm.inference.ratio.median)}×** (${num(n.wasm.inference.ratio.p10)}–${num(n.wasm.inference.ratio.p90)}×)`,
          `**${num(n.cpu.inference.ratio.median)}×** (${num(n.cpu.inference.ratio.p10)}–${num(n.cpu.inference.ratio.p90)}×)`,
          `${num(n.cpu.inference.ratio.median / n.wasm.inference.ratio.median)}× faster on wasm (baseline-normalised)`,
        ],
        [
          'selection with the neural candidate registered (`selectAugur`, every candidate backtested + refit, as the agent runs it), series/s',
          `${num(n.wasm.inference.selectWithNeural.seriesPerSecond.median)} (${sp(n.wasm.inference.selectWithNeural.seriesPerSecond)})`,
          `${num(n.cpu.inference.selectWithNeural.seriesPerSecond.median)} (${sp(n.cpu.inference.selectWithNeural.seriesPerSecond)})`,
          `${num(n.wasm.inference.selectWithNeural.seriesPerSecond.median / n.cpu.inference.selectWithNeural.seriesPerSecond.median)}×`,
        ],
        ['start-up: Node + tsx to the script', `${msf(n.wasm.startup.bootMs)} ms`, `${msf(n.cpu.startup.bootMs)} ms`, '–'],
        ['start-up: importing tfjs and the neural modules', `${msf(n.wasm.startup.tfImportMs)} ms`, `${msf(n.cpu.startup.tfImportMs)} ms`, `${num(n.wasm.startup.tfImportMs / n.cpu.startup.tfImportMs)}×`],
        ['start-up: `initBackend` (import the backend package, compile and instantiate it)', `${msf(n.wasm.startup.backendMs)} ms`, `${msf(n.cpu.startup.backendMs)} ms`, `${num(n.wasm.startup.backendMs / n.cpu.startup.backendMs)}×`],
        ['start-up: loading the model files', `${msf(n.wasm.startup.loadMs)} ms`, `${msf(n.cpu.startup.loadMs)} ms`, `${num(n.wasm.startup.loadMs / n.cpu.startup.loadMs)}×`],
        ['start-up: the first forecast (cold kernels)', `${msf(n.wasm.startup.firstForecastMs)} ms`, `${msf(n.cpu.startup.firstForecastMs)} ms`, `${num(n.wasm.startup.firstForecastMs / n.cpu.startup.firstForecastMs)}×`],
        ['**start-up total: process start → first forecast done**', `**${msf(n.wasm.startup.totalMs)} ms**`, `**${msf(n.cpu.startup.totalMs)} ms**`, `${num(n.wasm.startup.totalMs / n.cpu.startup.totalMs)}×`],
        ['RSS at the script\'s start (Node + tsx)', bytes(n.wasm.rss.start), bytes(n.cpu.rss.start), '–'],
        ['RSS after the backend and model are loaded', bytes(n.wasm.rss.afterLoad), bytes(n.cpu.rss.afterLoad), `${num(n.wasm.rss.afterLoad / n.cpu.rss.afterLoad)}×`],
        ['… of which the backend, modules and model (after load − start)', bytes(n.wasm.rss.afterLoad - n.wasm.rss.start), bytes(n.cpu.rss.afterLoad - n.cpu.rss.start), `${num((n.wasm.rss.afterLoad - n.wasm.rss.start) / (n.cpu.rss.afterLoad - n.cpu.rss.start))}×`],
        ['RSS after the inference and selection passes', bytes(n.wasm.rss.afterInference), bytes(n.cpu.rss.afterInference), '–'],
        ['peak RSS of the process (over everything it ran: inference, selection, fine-tune, training)', bytes(n.wasm.rss.peak), bytes(n.cpu.rss.peak), `${num(n.wasm.rss.peak / n.cpu.rss.peak)}×`],
      ],
    ),
  );
  out.push('');
  const chosen = Object.entries(n.wasm.inference.selectWithNeural.chosen).sort((a, b) => b[1] - a[1]).map(([m, c]) => `\`${m}\` ${c}`).join(', ');
  out.push(`With the neural candidate registered, selection on the pool chose (wasm run): ${chosen}.`);
  out.push('');

  out.push('**Fine-tune per workload** (`fineTune(model, series)` on each pool series: its defaults are the output layer only, Adam 1e-4, up to 20 epochs over up to 96 hourly windows, stopping at 90% of a 2 s bound; and the same 20 epochs with the bound lifted, to see the work itself)');
  out.push('');
  const est = (r: NeuralResult) => Math.min(20, (20 * r.fineTune.defaults.ms.median) / r.fineTune.unbounded.ms.median);
  out.push(
    table(
      ['figure', 'wasm', 'cpu (plain JS)', 'wasm ÷ cpu (of the row\'s figure)'],
      [
        ['fineTune with its defaults, ms per workload (median)', `**${msf(n.wasm.fineTune.defaults.ms.median)}**`, `**${msf(n.cpu.fineTune.defaults.ms.median)}**`, `${num(n.wasm.fineTune.defaults.ms.median / n.cpu.fineTune.defaults.ms.median)}×`],
        ['… p10–p90 (max)', `${sp(n.wasm.fineTune.defaults.ms)} (${msf(Math.max(...n.wasm.fineTune.defaults.perSeries.map((p) => p.ms)))})`, `${sp(n.cpu.fineTune.defaults.ms)} (${msf(Math.max(...n.cpu.fineTune.defaults.perSeries.map((p) => p.ms)))})`, '–'],
        ['the same 20 epochs without the 2 s bound, ms (median, p10–p90)', `${msf(n.wasm.fineTune.unbounded.ms.median)} (${sp(n.wasm.fineTune.unbounded.ms)})`, `${msf(n.cpu.fineTune.unbounded.ms.median)} (${sp(n.cpu.fineTune.unbounded.ms)})`, `${num(n.wasm.fineTune.unbounded.ms.median / n.cpu.fineTune.unbounded.ms.median)}×`],
        ['epochs the bounded run completes (≈ 20 × bounded ÷ unbounded time)', `≈ ${num(est(n.wasm), 2)} of 20`, `≈ ${num(est(n.cpu), 2)} of 20`, '–'],
        ['fine-tune time × one neural forecast in the same process', `${num(n.wasm.fineTune.ratioToForecast)}×`, `${num(n.cpu.fineTune.ratioToForecast)}×`, '–'],
        ['RSS growth over the fine-tune phase (2 × 10 fine-tunes + 1 warm-up)', bytes(n.wasm.fineTune.rssGrowth), bytes(n.cpu.fineTune.rssGrowth), '–'],
        ['growth of the process\'s peak RSS during the phase', bytes(n.wasm.fineTune.maxRssGrowth), bytes(n.cpu.fineTune.maxRssGrowth), '–'],
        ['tfjs memory held by one tuned copy (its weights)', bytes(n.wasm.fineTune.tunedModelBytes), bytes(n.cpu.fineTune.tunedModelBytes), '–'],
        ['tfjs tensors before → after the phase (tuned copies disposed)', `${n.wasm.fineTune.tensorsBefore} → ${n.wasm.fineTune.tensorsAfter}`, `${n.cpu.fineTune.tensorsBefore} → ${n.cpu.fineTune.tensorsAfter}`, '–'],
        ['tfjs bytes before → after the phase', `${bytes(n.wasm.fineTune.tfBytesBefore)} → ${bytes(n.wasm.fineTune.tfBytesAfter)}`, `${bytes(n.cpu.fineTune.tfBytesBefore)} → ${bytes(n.cpu.fineTune.tfBytesAfter)}`, '–'],
      ],
    ),
  );
  out.push('');

  const t = n.wasm.training;
  const tc = n.cpu.training;
  out.push(
    `**Training** (the shipped model's code, \`trainModel\` from \`src/forecast/neural/train.ts\`, with a short fixed budget: **1 epoch over ${t.windows} windows** — at most ${Math.round(t.windows / t.traces.length)} per trace of the ${t.traces.length} fixture traces, batch ${t.batchSize} — after an untimed tiny run; the time includes building the windows). ` +
      'The baseline is this run\'s own fine-tune, per window and epoch (fine-tuning moves only the output layer over 96 windows; training moves every layer).',
  );
  out.push('');
  out.push(
    table(
      ['figure', 'wasm', 'cpu (plain JS)', 'wasm ÷ cpu (of the row\'s figure)'],
      [
        [`1 epoch over ${t.windows} windows, s`, num(t.seconds), num(tc.seconds), `${num(t.seconds / tc.seconds)}×`],
        ['ms per window per epoch', num(t.msPerWindowEpoch), num(tc.msPerWindowEpoch), '–'],
        ['× a fine-tune\'s ms per window per epoch (same process)', `${num(t.ratioToFineTunePerWindowEpoch)}×`, `${num(tc.ratioToFineTunePerWindowEpoch)}×`, '–'],
        [
          'projected full training at this rate (30 epochs × 18,519 windows, the shipped budget; the rate includes building the windows), s',
          card ? `${num(t.projectedFullSeconds)} (${num(t.projectedFullSeconds / card.seconds)}× the MODEL_CARD figure below)` : num(t.projectedFullSeconds),
          num(tc.projectedFullSeconds),
          '–',
        ],
        [
          '*not from this run:* full training in MODEL_CARD.md (`npm run train`)',
          card ? `${num(card.seconds)} s on \`${card.backend}\` (${card.windows} windows)` : 'not found in MODEL_CARD.md',
          '–',
          '–',
        ],
      ],
    ),
  );
  out.push('');
  out.push(
    `- **Against the targets:** the neural model's own inference is ${num(n.wasm.inference.neural.seriesPerSecond.median)} series/s on wasm and ${num(n.cpu.inference.neural.seriesPerSecond.median)} on cpu (target ≥ ${target.seriesPerSecond}); ` +
      `fine-tune takes ${msf(n.wasm.fineTune.defaults.ms.median)} ms per workload on wasm (max ${msf(Math.max(...n.wasm.fineTune.defaults.perSeries.map((p) => p.ms)))}) and ${msf(n.cpu.fineTune.defaults.ms.median)} ms on cpu (target ≤ ${target.fineTuneSeconds} s). ` +
      `On cpu the 2 s bound is what holds it under the target: unbounded, its 20 epochs take ${msf(n.cpu.fineTune.unbounded.ms.median)} ms (≈ ${num(est(n.cpu), 2)} epochs fit the bound).`,
  );
  out.push(
    `- **wasm against cpu:** wasm forecasts ${num(n.cpu.inference.ratio.median / n.wasm.inference.ratio.median)}× faster relative to the same baseline, fine-tunes ${num(n.cpu.fineTune.unbounded.ms.median / n.wasm.fineTune.unbounded.ms.median)}× faster (unbounded) and trains ${num(tc.seconds / t.seconds)}× faster; ` +
      `it starts ${n.wasm.startup.totalMs <= n.cpu.startup.totalMs ? 'no slower' : `${msf(n.wasm.startup.totalMs - n.cpu.startup.totalMs)} ms slower`} (\`initBackend\` ${msf(n.wasm.startup.backendMs)} ms against ${msf(n.cpu.startup.backendMs)} ms) and its RSS after load is ${bytes(Math.abs(n.wasm.rss.afterLoad - n.cpu.rss.afterLoad))} ${n.wasm.rss.afterLoad >= n.cpu.rss.afterLoad ? 'higher' : 'lower'}.`,
  );
  out.push(`- Child wall times: wasm ${num(n.wallMs.wasm / 1000)} s, cpu ${num(n.wallMs.cpu / 1000)} s.`);
  out.push('');
  // Not from this run (training and scoring it take ~15 min on 2 cores): the committed record of
  // its own commands, with their date and machine.
  const experiment = readGlobalExperiment();
  if (experiment) out.push(...renderGlobalExperiment(experiment, '###'));
  return out;
}
