// Used by bench/run.ts for the cpu-backend run of bench/neural.ts: makes
// '@tensorflow/tfjs-backend-wasm' fail to import, so initBackend falls back to the plain-JS cpu
// backend exactly as on a machine without the wasm package (tfjs cannot switch a loaded model
// cleanly between backends in one process, and initBackend chooses once per process).
import { register } from 'node:module';

const hook = `export async function resolve(specifier, context, next) {
  if (specifier === '@tensorflow/tfjs-backend-wasm' || specifier.startsWith('@tensorflow/tfjs-backend-wasm/')) {
    const e = new Error('Cannot find package @tensorflow/tfjs-backend-wasm (hidden by bench/no-wasm.mjs)');
    e.code = 'ERR_MODULE_NOT_FOUND';
    throw e;
  }
  return next(specifier, context);
}`;
register(`data:text/javascript,${encodeURIComponent(hook)}`);
