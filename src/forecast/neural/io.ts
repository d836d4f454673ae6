// Saving and loading the model as tfjs layers files (model.json + weights.bin) with node:fs:
// plain @tensorflow/tfjs has no file:// handler. The same files load on every backend.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tf } from './backend.js';

export const MODEL_JSON = 'model.json';
export const WEIGHTS_BIN = 'weights.bin';

/** Everything Augur needs beside the graph, stored under "augur" in model.json. */
export interface AugurModelMeta {
  version: string;
  windowHours: number;
  horizonHours: number;
  levels: number[];
  inputSize: number;
  seed: number;
  [key: string]: unknown;
}

export async function saveModel(model: tf.LayersModel, dir: string, meta: AugurModelMeta): Promise<void> {
  mkdirSync(dir, { recursive: true });
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const data = artifacts.weightData;
      const buf = data === undefined ? new ArrayBuffer(0) : Array.isArray(data) ? tf.io.concatenateArrayBuffers(data) : data;
      writeFileSync(join(dir, WEIGHTS_BIN), Buffer.from(buf));
      const json = {
        format: 'layers-model',
        generatedBy: `TensorFlow.js tfjs-layers v${tf.version_layers}`,
        convertedBy: null,
        modelTopology: artifacts.modelTopology,
        weightsManifest: [{ paths: [`./${WEIGHTS_BIN}`], weights: artifacts.weightSpecs ?? [] }],
        augur: meta,
      };
      writeFileSync(join(dir, MODEL_JSON), `${JSON.stringify(json)}\n`);
      return { modelArtifactsInfo: { dateSaved: new Date(0), modelTopologyType: 'JSON', weightDataBytes: buf.byteLength } };
    }),
  );
}

export type LoadResult = { model: tf.LayersModel; meta: AugurModelMeta } | { reason: string };

export async function loadModel(dir: string): Promise<LoadResult> {
  const jsonPath = join(dir, MODEL_JSON);
  const binPath = join(dir, WEIGHTS_BIN);
  if (!existsSync(jsonPath)) return { reason: `no ${MODEL_JSON} in ${dir}` };
  if (!existsSync(binPath)) return { reason: `no ${WEIGHTS_BIN} in ${dir}` };
  let parsed: { modelTopology?: object; weightsManifest?: { weights: tf.io.WeightsManifestEntry[] }[]; augur?: AugurModelMeta };
  try {
    parsed = JSON.parse(readFileSync(jsonPath, 'utf8')) as typeof parsed;
  } catch (e) {
    return { reason: `${jsonPath} is not valid JSON: ${e instanceof Error ? e.message : String(e)}` };
  }
  if (!parsed.modelTopology || !parsed.weightsManifest || !parsed.augur) {
    return { reason: `${jsonPath} lacks modelTopology, weightsManifest or the augur metadata` };
  }
  const bin = readFileSync(binPath);
  const weightData = bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength) as ArrayBuffer;
  const weightSpecs = parsed.weightsManifest.flatMap((g) => g.weights);
  const model = await tf.loadLayersModel(tf.io.fromMemory({ modelTopology: parsed.modelTopology, weightSpecs, weightData }));
  return { model, meta: parsed.augur };
}

/** A copy of a model with its own weights (same topology), for fine-tuning. */
export async function cloneModel(model: tf.LayersModel): Promise<tf.LayersModel> {
  let artifacts: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      artifacts = a;
      return { modelArtifactsInfo: { dateSaved: new Date(0), modelTopologyType: 'JSON' } };
    }),
  );
  if (!artifacts) throw new Error('cloneModel: the model could not be serialised');
  return tf.loadLayersModel(tf.io.fromMemory(artifacts));
}
