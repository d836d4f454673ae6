// The model as tfjs layers artifacts (model.json + weights.bin), in memory: built from the files'
// contents, and serialised back to them. Reading and writing the files is an adapter's job
// (src/models/files.ts); the same contents load on every backend.
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

/** The contents of a model's two files: model.json (text) and weights.bin (bytes). */
export interface ModelFiles {
  json: string;
  weights: ArrayBuffer;
}

/** The files' contents of a model and its metadata. */
export async function modelFiles(model: tf.LayersModel, meta: AugurModelMeta): Promise<ModelFiles> {
  let files: ModelFiles | undefined;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const data = artifacts.weightData;
      const weights = data === undefined ? new ArrayBuffer(0) : Array.isArray(data) ? tf.io.concatenateArrayBuffers(data) : data;
      const json = {
        format: 'layers-model',
        generatedBy: `TensorFlow.js tfjs-layers v${tf.version_layers}`,
        convertedBy: null,
        modelTopology: artifacts.modelTopology,
        weightsManifest: [{ paths: [`./${WEIGHTS_BIN}`], weights: artifacts.weightSpecs ?? [] }],
        augur: meta,
      };
      files = { json: `${JSON.stringify(json)}\n`, weights };
      return { modelArtifactsInfo: { dateSaved: new Date(0), modelTopologyType: 'JSON', weightDataBytes: weights.byteLength } };
    }),
  );
  if (!files) throw new Error('modelFiles: the model could not be serialised');
  return files;
}

export type LoadResult = { model: tf.LayersModel; meta: AugurModelMeta } | { reason: string };

/** The model in the files' contents; `where` names them in the reason when they do not hold one. */
export async function modelFromFiles(files: ModelFiles, where: string): Promise<LoadResult> {
  let parsed: { modelTopology?: object; weightsManifest?: { weights: tf.io.WeightsManifestEntry[] }[]; augur?: AugurModelMeta };
  try {
    parsed = JSON.parse(files.json) as typeof parsed;
  } catch (e) {
    return { reason: `${where} is not valid JSON: ${e instanceof Error ? e.message : String(e)}` };
  }
  if (!parsed.modelTopology || !parsed.weightsManifest || !parsed.augur) {
    return { reason: `${where} lacks modelTopology, weightsManifest or the augur metadata` };
  }
  const weightSpecs = parsed.weightsManifest.flatMap((g) => g.weights);
  const model = await tf.loadLayersModel(tf.io.fromMemory({ modelTopology: parsed.modelTopology, weightSpecs, weightData: files.weights }));
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
