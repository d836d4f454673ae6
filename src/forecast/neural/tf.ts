// TensorFlow.js for the neural model, from one place, imported only where the model is used, so
// commands that do not use it never load it. What the umbrella @tensorflow/tfjs's index exports
// for us (core + layers), without its webgl backend, converter, data API and core-js (about 200 MB
// installed that Augur never runs).
//
// In Node these resolve to each package's CommonJS bundle: tfjs-layers' bundle registers the
// gradients that training needs, but nothing registers the chained ops (x.reshape(), t.add(u)):
// use the functional forms (tf.reshape(x, ...), tf.add(t, u)); the types have no chained ops
// either, so tsc rejects one. (tfjs-core's ES module files, which would register them, cannot be
// imported by Node: directory imports.)
//
// The plain-JS cpu backend is registered here: it is initBackend's last fallback
// (src/forecast/neural/backend.ts) when neither tfjs-node nor the wasm backend loads, and the
// wasm package depends on it anyway, so it costs nothing installed. The wasm backend registers
// itself when backend.ts imports it; tfjs-node is an optional image build option.
import '@tensorflow/tfjs-backend-cpu';

export * from '@tensorflow/tfjs-core';
export * from '@tensorflow/tfjs-layers';
