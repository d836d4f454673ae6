// TensorFlow.js for the neural model, from one place, imported only where the model is used, so
// commands that do not use it never load it (about 1.5 s and 100 MB at start). The umbrella
// package, not tfjs-core + tfjs-layers: in Node, tfjs-core's CommonJS bundle registers neither the
// chained ops (x.reshape()) nor the gradients that training needs; the umbrella's bundle does, and
// tfjs-core's ES module files cannot be imported by Node (directory imports).
export * from '@tensorflow/tfjs';
