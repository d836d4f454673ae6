import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Forecaster } from '../../domain/forecast.js';
import type { Series } from '../../domain/series.js';
import { backtest } from '../backtest.js';
import { ForecastError } from '../errors.js';
import { loadTrace, makeSeries } from '../test-support.js';
import { DEFAULT_MODEL_DIR } from '../../models/files.js';
import { lastLoadFailure, loadNeuralForecaster } from '../../models/neural.js';
import { backendName, fineTune, modelOf, windowSteps } from './index.js';

const QS = [0.5, 0.9, 0.99];
const logs: string[] = [];
let neural: Forecaster;
let isp: Series;

beforeAll(async () => {
  const f = await loadNeuralForecaster(DEFAULT_MODEL_DIR, { log: (m) => logs.push(m) });
  if (!f) throw new Error(`shipped model did not load: ${lastLoadFailure}`);
  neural = f;
  isp = loadTrace('isp_uk_traffic', 300);
});

function weightsOf(f: Forecaster): Float32Array[] {
  const m = modelOf(f);
  if (!m) throw new Error('not a neural forecaster');
  return m.getWeights().map((w) => w.dataSync() as Float32Array).map((a) => Float32Array.from(a));
}

describe('neural quantile forecaster', () => {
  it('selects the wasm backend here (tfjs-node is not installed) and logs it once', () => {
    expect(backendName()).toBe('wasm');
    const backendLogs = logs.filter((l) => l.includes('tfjs backend'));
    expect(backendLogs).toHaveLength(1);
    expect(backendLogs[0]).toContain('"wasm"');
  });

  it('loads the shipped model files, small enough to commit', () => {
    expect(neural.name).toBe('neural-quantile-mlp(v1)');
    expect(readFileSync(join(DEFAULT_MODEL_DIR, 'weights.bin')).byteLength).toBeLessThan(2 * 1024 * 1024);
    expect(neural.minHistorySteps({ horizonSteps: 288, quantiles: QS })).toBe(windowSteps(300));
    expect(windowSteps(300)).toBe(864);
  });

  it('returns undefined and a reason when the files are missing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'augur-neural-'));
    try {
      const seen: string[] = [];
      expect(await loadNeuralForecaster(dir, { log: (m) => seen.push(m) })).toBeUndefined();
      expect(lastLoadFailure).toMatch(/no model\.json/);
      writeFileSync(join(dir, 'model.json'), '{}');
      expect(await loadNeuralForecaster(dir, { log: (m) => seen.push(m) })).toBeUndefined();
      expect(lastLoadFailure).toMatch(/no weights\.bin/);
      expect(seen.some((m) => m.includes('not available'))).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('forecasts every step and quantile, monotone and non-negative', () => {
    const fc = neural.forecast(isp, { horizonSteps: 288, quantiles: QS });
    expect(fc.model).toBe('neural-quantile-mlp(v1)');
    expect(fc.timestamps).toHaveLength(288);
    expect(fc.timestamps[0]).toBe((isp.timestamps[isp.timestamps.length - 1] as number) + 300);
    expect(Object.keys(fc.quantiles).sort()).toEqual(['0.5', '0.9', '0.99']);
    const [p50, p90, p99] = ['0.5', '0.9', '0.99'].map((k) => fc.quantiles[k] as number[]) as [number[], number[], number[]];
    for (let h = 0; h < 288; h++) {
      expect(Number.isFinite(p50[h])).toBe(true);
      expect(p50[h]).toBeGreaterThanOrEqual(0);
      expect(p90[h]).toBeGreaterThanOrEqual(p50[h] as number);
      expect(p99[h]).toBeGreaterThanOrEqual(p90[h] as number);
    }
    // Levels the model does not predict are interpolated, still in order; longer horizons repeat the last day.
    const wide = neural.forecast(isp, { horizonSteps: 400, quantiles: [0.1, 0.5, 0.95, 0.99] });
    const q95 = wide.quantiles['0.95'] as number[];
    for (let h = 0; h < 400; h++) {
      expect(wide.quantiles['0.1']?.[h]).toBeLessThanOrEqual(wide.quantiles['0.5']?.[h] as number);
      expect(q95[h]).toBeLessThanOrEqual(wide.quantiles['0.99']?.[h] as number);
    }
    expect(wide.quantiles['0.5']?.slice(0, 288)).toEqual(p50);
  });

  it('is deterministic', () => {
    const a = neural.forecast(isp, { horizonSteps: 288, quantiles: QS });
    const b = neural.forecast(loadTrace('isp_uk_traffic', 300), { horizonSteps: 288, quantiles: QS });
    expect(b).toEqual(a);
  });

  it("reads the calendar in the workload's time zone when the options give one", () => {
    const utc = neural.forecast(isp, { horizonSteps: 288, quantiles: QS });
    expect(neural.forecast(isp, { horizonSteps: 288, quantiles: QS, timezone: 'UTC' })).toEqual(utc);
    // Nine hours east: the same samples fall on other hours of the day, so the features differ.
    expect(neural.forecast(isp, { horizonSteps: 288, quantiles: QS, timezone: 'Asia/Tokyo' }).quantiles['0.5']).not.toEqual(utc.quantiles['0.5']);
  });

  it('refuses a history shorter than its window', () => {
    const short = makeSeries(Array.from({ length: 500 }, (_, i) => 100 + (i % 50)));
    expect(() => neural.forecast(short, { horizonSteps: 288, quantiles: QS })).toThrow(ForecastError);
  });

  it('keeps its recorded backtest score on a fixture trace (regression)', () => {
    const recorded = JSON.parse(readFileSync(join(DEFAULT_MODEL_DIR, 'regression.json'), 'utf8')) as {
      trace: string;
      p90Pinball: number;
    };
    expect(recorded.trace).toBe('isp_uk_traffic');
    const acc = backtest(neural, isp, { horizonSteps: 288, quantiles: QS, origins: 3 });
    expect(acc).toBeDefined();
    const p90 = acc?.pinball['0.9'] as number;
    // Same figure as MODEL_CARD.md (exact on wasm; the band allows other backends' rounding).
    expect(p90).toBeGreaterThan(recorded.p90Pinball * 0.95);
    expect(p90).toBeLessThan(recorded.p90Pinball * 1.05);
    expect(acc?.coverage['0.9']).toBeGreaterThanOrEqual(0.7);
    expect(acc?.coverage['0.9']).toBeLessThanOrEqual(0.99);
  });

  it('fine-tunes a copy within its time bound and leaves the shipped weights untouched', async () => {
    const before = weightsOf(neural);
    const fcBefore = neural.forecast(isp, { horizonSteps: 288, quantiles: QS });
    const history = loadTrace('nab_elb_request_count_8c0756', 300);
    const started = performance.now();
    const tuned = await fineTune(neural, history, { epochs: 20, seconds: 2 });
    const ms = performance.now() - started;
    expect(ms).toBeLessThan(2000);
    expect(tuned).not.toBe(neural);
    expect(tuned.name).toBe('neural-quantile-mlp(v1)+fine-tuned');
    const after = weightsOf(neural);
    expect(after).toEqual(before);
    const changed = weightsOf(tuned).some((w, i) => w.some((v, j) => v !== (before[i] as Float32Array)[j]));
    expect(changed).toBe(true);
    const fc = tuned.forecast(history, { horizonSteps: 288, quantiles: QS });
    expect(fc.quantiles['0.99']).toHaveLength(288);
    // The original still forecasts exactly as before.
    expect(neural.forecast(isp, { horizonSteps: 288, quantiles: QS })).toEqual(fcBefore);
  });
});

describe('registration', () => {
  it('adds the neural model to the extra models, candidates on request, for steps up to an hour', async () => {
    const { registerNeuralCandidate } = await import('../../models/neural.js');
    const { augurCandidates } = await import('../registry.js');
    const f = await registerNeuralCandidate(DEFAULT_MODEL_DIR, { log: () => {} });
    expect(f).toBeDefined();
    expect(await registerNeuralCandidate()).toBe(f); // idempotent
    const at5m = augurCandidates(300, undefined, true).filter((c) => c.name === 'neural-quantile-mlp(v1)');
    expect(at5m).toHaveLength(1);
    expect(at5m[0]?.minHistorySteps({ horizonSteps: 24, quantiles: QS })).toBe(864);
    expect(augurCandidates(60, undefined, true).find((c) => c.name === 'neural-quantile-mlp(v1)')?.minHistorySteps({ horizonSteps: 24, quantiles: QS })).toBe(4320);
    expect(augurCandidates(86400, undefined, true).some((c) => c.name === 'neural-quantile-mlp(v1)')).toBe(false);
  });
});
