// Registers the shipped neural model as an extra Augur candidate (src/forecast/registry.ts).
// Loading is asynchronous (tfjs backend, model files), so it cannot happen inside the registry's
// synchronous factories: call `await registerNeuralCandidate()` once at startup (CLI, agent),
// before the first selection. Idempotent; without the model files it logs why and adds nothing.
import type { Forecaster } from '../../domain/forecast.js';
import { extraCandidates, registeredExtras } from '../registry.js';
import { DEFAULT_MODEL_DIR, forStep, loadNeuralForecaster, type NeuralOptions } from './index.js';

/** Steps the model serves: it reads and predicts hourly blocks, so the series must be hourly or finer. */
export const MAX_STEP_SECONDS = 3600;

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
