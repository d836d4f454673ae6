// Loading a trace for the simulation: parse the CSV and resample it onto its own grid, the
// median sampling interval rounded to a whole minute (at least 60 s), taking each grid point's
// last sample like a Prometheus instant query (see src/metrics/file.ts). Gaps stay NaN.

import { readFile } from 'node:fs/promises';
import type { Series } from '../domain/series.js';
import { DEFAULT_LOOKBACK_SECONDS, nativeStepSeconds, parseTraceCsv, resampleLast, type TraceData } from '../metrics/file.js';

export { nativeStepSeconds };

/** The samples on a regular grid at `step` (aligned to multiples of the step), NaN where missing. */
export function toSeries(data: TraceData, step = nativeStepSeconds(data.timestamps)): Series {
  const first = data.timestamps[0];
  const last = data.timestamps[data.timestamps.length - 1];
  if (first === undefined || last === undefined) return { timestamps: [], values: [], stepSeconds: step };
  const start = Math.ceil(first / step) * step;
  const grid: number[] = [];
  for (let t = start; t <= last + step - 1; t += step) grid.push(t);
  const { values } = resampleLast(data, grid, Math.max(step, DEFAULT_LOOKBACK_SECONDS));
  return { timestamps: grid, values, stepSeconds: step };
}

export async function loadTraceSeries(file: string): Promise<Series> {
  return toSeries(parseTraceCsv(await readFile(file, 'utf8'), file));
}
