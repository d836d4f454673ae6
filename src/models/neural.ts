// The shipped neural model, loaded from its files and registered as an extra Augur candidate
// (src/forecast/registry.ts). Loading is asynchronous (tfjs backend, model files), so it cannot
// happen inside the registry's synchronous factories: call `await registerNeuralCandidate()` once
// at startup (CLI, agent), before the first selection. Idempotent; without the model files it
// logs why and adds nothing.
import { join } from 'node:path';
import type { Forecaster } from '../domain/forecast.js';
import { forStep, neuralForecaster, type NeuralOptions } from '../forecast/neural/index.js';
import { MODEL_JSON } from '../forecast/neural/io.js';
import { extraCandidates, registeredExtras } from '../forecast/registry.js';
import { DEFAULT_MODEL_DIR, readModelFiles } from './files.js';

/** Steps the model serves: it reads and predicts hourly blocks, so the series must be hourly or finer. */
export const MAX_STEP_SECONDS = 3600;

/** Why the last loadNeuralForecaster returned undefined. */
export let lastLoadFailure: string | undefined;

/**
 * Load the shipped (or another) model and wrap it as a Forecaster. Undefined, with the reason
 * logged and kept in lastLoadFailure, when the files are missing or do not fit this code.
 */
export async function loadNeuralForecaster(dir: string = DEFAULT_MODEL_DIR, opts: NeuralOptions = {}): Promise<Forecaster | undefined> {
  const log = opts.log ?? ((m: string) => console.info(m));
  const files = readModelFiles(dir);
  const f = 'reason' in files ? files : await neuralForecaster(files, join(dir, MODEL_JSON), { ...opts, log });
  if ('reason' in f) {
    lastLoadFailure = f.reason;
    log(`augur neural forecaster not available: ${f.reason}`);
    return undefined;
  }
  lastLoadFailure = undefined;
  return f;
}

let registered: Promise<Forecaster | undefined> | undefined;

export function registerNeuralCandidate(dir: string = DEFAULT_MODEL_DIR, opts: NeuralOptions = {}): Promise<Forecaster | undefined> {
  registered ??= (async () => {
    const f = await loadNeuralForecaster(dir, opts);
    if (f) {
      extraCandidates.push((stepSeconds) => (stepSeconds <= MAX_STEP_SECONDS ? [forStep(f, stepSeconds)] : []));
      registeredExtras.add('neural');
    }
    return f;
  })();
  return registered;
}

/** Registers in this (worker) thread the extra candidates the parent thread had. */
export async function registerExtras(names: readonly string[] | undefined): Promise<void> {
  // Silent: the parent thread has already said which backend it uses, and stdout may be a report.
  if (names?.includes('neural')) await registerNeuralCandidate(undefined, { log: () => undefined });
}
