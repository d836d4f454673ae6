// Fixtures of the PR-body tests (body.test.ts, body-edges.test.ts): a load history and a forecast with its accuracy.
import type { Forecast } from '../domain/forecast.js';
import type { Series } from '../domain/series.js';

export const STEP = 300;
export const T0 = Date.parse('2026-06-01T00:00:00Z') / 1000;
export const NOW = T0 + 2 * 86_400;

export function history(steps: number, v: (i: number) => number = (i) => 200 + (i % 288)): Series {
  return { timestamps: Array.from({ length: steps }, (_, i) => T0 + i * STEP), values: Array.from({ length: steps }, (_, i) => v(i)), stepSeconds: STEP };
}

export function forecastOf(steps = 288): Forecast {
  const p50 = Array.from({ length: steps }, (_, i) => 300 + (i % 100));
  return {
    model: 'holt-winters-additive(daily)',
    stepSeconds: STEP,
    timestamps: Array.from({ length: steps }, (_, i) => NOW + (i + 1) * STEP),
    quantiles: { '0.5': p50, '0.9': p50.map((v) => v + 140) },
    accuracy: {
      origins: 6,
      horizonSeconds: 86_400,
      mase: 0.823,
      wape: 0.12,
      pinball: { '0.9': 3.5 },
      coverage: { '0.9': 0.87 },
      selectionLoss: 1.2,
      reference: { model: 'seasonal-naive(daily)', pinball: { '0.9': 5 } },
    },
    candidates: [
      { model: 'holt-winters-additive(daily)', selectionLoss: 1.2 },
      { model: 'seasonal-naive(daily)', selectionLoss: 1.5 },
    ],
  };
}
