// TensorFlow.js from its parts: tfjs-core, tfjs-layers and the wasm and cpu backends (tf.ts), not
// the umbrella @tensorflow/tfjs, which adds webgl, the converter, the data API and core-js that
// Augur never runs. Checked three ways: the manifests do not bring the umbrella back; the model
// trains, fine-tunes, saves, loads and predicts with only the parts loaded, without the chained
// ops (x.reshape()) that only the umbrella registers; and where the wasm backend cannot load,
// initBackend falls back to the cpu one that tf.ts registers.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { resolve, sep } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Forecaster } from '../../domain/forecast.js';
import { loadTrace } from '../test-support.js';
import { initBackend, tf } from './backend.js';
import { fineTune, forecasterFromModel, modelOf } from './index.js';
import { modelFiles, modelFromFiles } from './io.js';
import { buildNetwork } from './net.js';
import { trainModel, type NamedSeries, type TrainOptions } from './train.js';

const ROOT = resolve(import.meta.dirname, '../../..');
const pkg = JSON.parse(readFileSync(resolve(ROOT, 'package.json'), 'utf8')) as Record<string, Record<string, string> | undefined>;
const lock = JSON.parse(readFileSync(resolve(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, { version: string; dev?: boolean }> };
const PARTS = ['@tensorflow/tfjs-core', '@tensorflow/tfjs-layers', '@tensorflow/tfjs-backend-wasm', '@tensorflow/tfjs-backend-cpu'];
const QS = [0.5, 0.9, 0.99];

describe('the tfjs dependencies', () => {
  it('are the parts, at one version, and not the umbrella package', () => {
    for (const p of PARTS) expect(pkg.dependencies?.[p], p).toBeDefined();
    for (const section of ['dependencies', 'devDependencies', 'optionalDependencies', 'peerDependencies']) {
      expect(Object.keys(pkg[section] ?? {}), section).not.toContain('@tensorflow/tfjs');
    }
    // Nothing else pulls it in either (tfjs-node would: it is only an image build option).
    expect(Object.keys(lock.packages).filter((k) => k.endsWith('node_modules/@tensorflow/tfjs'))).toEqual([]);
    // The parts must move together: each declares tfjs-core at its own exact version as a peer.
    const versions = new Set(PARTS.map((p) => lock.packages[`node_modules/${p}`]?.version));
    expect(versions.size).toBe(1);
    expect([...versions][0]).toMatch(/^\d+\.\d+\.\d+$/);
  });
});

describe('the backends', () => {
  it('fall back to the plain-JS cpu backend, registered by tf.ts, where the wasm one cannot load', async () => {
    // A fresh process in which bench/no-wasm.mjs makes the wasm package unresolvable, as on a
    // machine without it; the model then loads and forecasts on cpu.
    const script = `
      const { loadNeuralForecaster } = await import('./src/models/neural.ts');
      const { DEFAULT_MODEL_DIR } = await import('./src/models/files.ts');
      const { loadTrace } = await import('./src/forecast/test-support.ts');
      const f = await loadNeuralForecaster(DEFAULT_MODEL_DIR, { log: (m) => console.log(m) });
      const fc = f.forecast(loadTrace('isp_uk_traffic', 300), { horizonSteps: 12, quantiles: [0.9] });
      console.log('p90=' + JSON.stringify(fc.quantiles['0.9']));`;
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', './bench/no-wasm.mjs', '--import', 'tsx', '--input-type=module', '-e', script], { cwd: ROOT });
    expect(stdout).toMatch(/tfjs backend "cpu"; not available: .*wasm \(Cannot find package @tensorflow\/tfjs-backend-wasm/);
    const p90 = JSON.parse(/p90=(.*)/.exec(stdout)?.[1] ?? '[]') as number[];
    expect(p90).toHaveLength(12);
    for (const v of p90) expect(Number.isFinite(v) && v > 0).toBe(true);
  }, 60_000);
});

describe('the neural model on tfjs-core + tfjs-layers', () => {
  const opts: TrainOptions = { seed: 7, epochs: 2, batchSize: 32, learningRate: 2e-3, maxSamplesPerSeries: 48 };
  let data: NamedSeries[];
  let trained: Awaited<ReturnType<typeof trainModel>>;

  beforeAll(async () => {
    await initBackend(() => {});
    data = [{ name: 'isp_uk_traffic', series: loadTrace('isp_uk_traffic', 300) }];
    trained = await trainModel(data, opts);
  }, 60_000);

  it('runs without the chained ops, so a call to one would fail here', () => {
    const t = tf.tensor1d([1, 2]);
    expect((t as unknown as Record<string, unknown>).reshape).toBeUndefined();
    t.dispose();
  });

  it('trains from scratch: the weights move, the loss is finite, and the same seed gives the same weights', async () => {
    expect(trained.samples).toBeGreaterThan(0);
    expect(Number.isFinite(trained.finalTrainLoss)).toBe(true);
    const fresh = buildNetwork(opts.seed);
    const init = fresh.getWeights().map((w) => Array.from(w.dataSync()));
    const after = trained.model.getWeights().map((w) => Array.from(w.dataSync()));
    fresh.dispose();
    expect(after).not.toEqual(init);
    const again = await trainModel(data, opts);
    expect(again.model.getWeights().map((w) => Array.from(w.dataSync()))).toEqual(after);
    again.model.dispose();
  }, 60_000);

  it('saves to its two files and loads back to the same forecasts, then fine-tunes a copy and predicts', async () => {
    const history = loadTrace('nab_elb_request_count_8c0756', 300);
    const direct = forecasterFromModel(trained.model, trained.meta);
    const files = await modelFiles(trained.model, trained.meta);
    const loaded = await modelFromFiles(files, 'in-memory files');
    if ('reason' in loaded) throw new Error(loaded.reason);
    const reloaded: Forecaster = forecasterFromModel(loaded.model, loaded.meta);
    const fc = reloaded.forecast(history, { horizonSteps: 288, quantiles: QS });
    expect(fc).toEqual(direct.forecast(history, { horizonSteps: 288, quantiles: QS }));

    const tuned = await fineTune(reloaded, history, { epochs: 3, seconds: 5 });
    expect(tuned.name).toBe('neural-quantile-mlp(v1)+fine-tuned');
    const tfc = tuned.forecast(history, { horizonSteps: 288, quantiles: QS });
    expect(tfc.quantiles['0.5']).not.toEqual(fc.quantiles['0.5']);
    const [p50, p90, p99] = ['0.5', '0.9', '0.99'].map((k) => tfc.quantiles[k] as number[]) as [number[], number[], number[]];
    for (let h = 0; h < 288; h++) {
      expect(Number.isFinite(p50[h])).toBe(true);
      expect(p90[h]).toBeGreaterThanOrEqual(p50[h] as number);
      expect(p99[h]).toBeGreaterThanOrEqual(p90[h] as number);
    }
    modelOf(tuned)?.dispose();
    loaded.model.dispose();
  }, 60_000);

  it('loaded no tfjs package but the parts', () => {
    // tfjs is CommonJS in Node, so every package it loaded is in the require cache.
    const loaded = new Set(
      Object.keys(createRequire(import.meta.url).cache)
        .map((k) => /[\\/]node_modules[\\/](@tensorflow[\\/][^\\/]+)[\\/]/.exec(k)?.[1]?.split(sep).join('/'))
        .filter((p): p is string => p !== undefined),
    );
    expect([...loaded].sort()).toEqual([...PARTS].sort());
  });
});
