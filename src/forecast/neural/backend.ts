// tfjs backend selection: @tensorflow/tfjs-node when it can be imported (the Docker image
// installs it), else the WebAssembly backend, else plain JS ("cpu"). Chosen once per process,
// logged once. The model files are the same on every backend.
import * as tf from './tf.js';

export type Logger = (message: string) => void;

let chosen: Promise<string> | undefined;
let name: string | undefined;

/** Choose and initialise the backend (once); resolves to its name ("tensorflow", "wasm" or "cpu"). */
export function initBackend(log: Logger = (m) => console.info(m)): Promise<string> {
  chosen ??= (async () => {
    const tried: string[] = [];
    try {
      // A variable specifier: the package is optional and absent from the dev install.
      const nodePkg = '@tensorflow/tfjs-node';
      await import(nodePkg);
      if (await tf.setBackend('tensorflow')) {
        await tf.ready();
        return done('tensorflow', log, tried);
      }
      tried.push('tensorflow (registered but failed to initialise)');
    } catch (e) {
      tried.push(`tensorflow (${firstLine(e)})`);
    }
    try {
      await import('@tensorflow/tfjs-backend-wasm');
      if (await tf.setBackend('wasm')) {
        await tf.ready();
        return done('wasm', log, tried);
      }
      tried.push('wasm (failed to initialise)');
    } catch (e) {
      tried.push(`wasm (${firstLine(e)})`);
    }
    await tf.setBackend('cpu');
    await tf.ready();
    return done('cpu', log, tried);
  })();
  return chosen;
}

function done(n: string, log: Logger, tried: string[]): string {
  name = n;
  log(`augur neural forecaster: tfjs backend "${n}"${tried.length > 0 ? `; not available: ${tried.join(', ')}` : ''}`);
  return n;
}

function firstLine(e: unknown): string {
  const m = e instanceof Error ? e.message : String(e);
  return (m.split('\n')[0] ?? '').slice(0, 120);
}

/** The backend chosen by initBackend, or undefined before it has run. */
export function backendName(): string | undefined {
  return name;
}

export { tf };
