// Helpers for the forecast tests only: a tiny CSV reader, a resampler and a seeded PRNG.
// (The production CSV reader lives elsewhere; the tests do not depend on it.)
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Forecast, ForecastOptions, Forecaster } from '../domain/forecast.js';
import type { Series } from '../domain/series.js';
import { prng } from '../util/prng.js';

// Real traces the tests ship with (copied from the shared collection; see its README).
export const TRACES_DIR = fileURLToPath(new URL('../../test/fixtures/traces/', import.meta.url));

/** Rows of a `timestamp,value` CSV with ISO-8601 timestamps, as Unix seconds and numbers. */
export function readTraceCsv(path: string): { t: number[]; v: number[] } {
  const lines = readFileSync(path, 'utf8').split(/\r?\n/);
  const t: number[] = [];
  const v: number[] = [];
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i] as string;
    if (line.trim() === '') continue;
    const comma = line.indexOf(',');
    const ts = Date.parse(line.slice(0, comma)) / 1000;
    const val = Number(line.slice(comma + 1));
    if (!Number.isFinite(ts)) continue;
    t.push(ts);
    v.push(val);
  }
  return { t, v };
}

/** Resample onto a regular grid aligned to multiples of the step: last value per bucket, NaN when empty. */
export function resample(rows: { t: number[]; v: number[] }, stepSeconds: number): Series {
  const first = rows.t[0];
  const last = rows.t[rows.t.length - 1];
  if (first === undefined || last === undefined) return { timestamps: [], values: [], stepSeconds };
  const start = Math.floor(first / stepSeconds) * stepSeconds;
  const n = Math.floor((last - start) / stepSeconds) + 1;
  const values = new Array<number>(n).fill(Number.NaN);
  for (let i = 0; i < rows.t.length; i++) {
    const k = Math.floor(((rows.t[i] as number) - start) / stepSeconds);
    values[k] = rows.v[i] as number;
  }
  return { timestamps: Array.from({ length: n }, (_, i) => start + i * stepSeconds), values, stepSeconds };
}

export function loadTrace(name: string, stepSeconds: number): Series {
  return resample(readTraceCsv(`${TRACES_DIR}/${name}.csv`), stepSeconds);
}

/** mulberry32 (src/util/prng.ts), for the tests and benches that import it from here. */
export { prng };

/** Standard normal draws from a seeded PRNG (Box-Muller). */
export function gaussian(seed: number): () => number {
  const u = prng(seed);
  return () => {
    const u1 = Math.max(u(), 1e-12);
    const u2 = u();
    return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  };
}

/** A regular series from values, starting at `start` (Unix seconds). */
export function makeSeries(values: number[], stepSeconds = 300, start = 1_700_000_000): Series {
  return { timestamps: values.map((_, i) => start + i * stepSeconds), values, stepSeconds };
}

/** Daily sine around `level` with `amplitude`, plus Gaussian noise of `noise` SD. */
export function dailySine(opts: { days: number; stepSeconds?: number; level?: number; amplitude?: number; noise?: number; seed?: number }): Series {
  const step = opts.stepSeconds ?? 300;
  const perDay = Math.round(86400 / step);
  const n = opts.days * perDay;
  const g = gaussian(opts.seed ?? 1);
  const level = opts.level ?? 100;
  const amp = opts.amplitude ?? 40;
  const noise = opts.noise ?? 5;
  const values = Array.from({ length: n }, (_, i) => level + amp * Math.sin((2 * Math.PI * i) / perDay) + noise * g());
  return makeSeries(values, step);
}

/**
 * A model that forecasts the last day (`season` steps) repeated plus `offset`, every quantile
 * alike. Its "parameters" say which model and history made them, so a test can see whose come back.
 */
export function offsetNaive(name: string, offset: number, season = 288): Forecaster {
  return {
    name,
    minHistorySteps: () => season,
    forecast(h: Series, o: ForecastOptions): Forecast {
      const n = h.values.length;
      const v = Array.from({ length: o.horizonSteps }, (_, i) => h.values[n - season + (i % season)]! + offset);
      const t0 = h.timestamps.at(-1)!;
      const quantiles: Record<string, number[]> = {};
      for (const q of o.quantiles) quantiles[String(q)] = v;
      return {
        model: name,
        stepSeconds: h.stepSeconds,
        timestamps: Array.from({ length: o.horizonSteps }, (_, i) => t0 + (i + 1) * h.stepSeconds),
        quantiles,
        warmStart: { model: name, steps: h.values.length },
      };
    },
  };
}
