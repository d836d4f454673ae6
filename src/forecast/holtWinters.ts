import type { Forecaster } from '../types.js';
import { MIN_HISTORY_STEPS, pointForecaster, seasonLabel, type FittedModel } from './model.js';

export type SeasonalMode = 'additive' | 'multiplicative';

export interface HoltWintersOptions {
  /** Steps per season (>= 2). */
  seasonSteps: number;
  mode: SeasonalMode;
  name?: string;
  /**
   * What the smoothing parameters minimise. 'horizon' (default): the summed squared errors at
   * leads 1, 4, 16, 64, ... and the horizon (see fitLeads). 'one-step': the classic one-step SSE,
   * which on real traces picks a level that chases noise (alpha ~0.75 on NYC taxi) and
   * forecasts a day ahead worse.
   */
  criterion?: FitCriterion;
}

export type FitCriterion = 'horizon' | 'one-step';

interface Params {
  alpha: number;
  beta: number;
  gamma: number;
  phi: number;
}

/**
 * Holt-Winters exponential smoothing with a damped additive trend and additive or
 * multiplicative seasonality. Smoothing weights (alpha, beta, gamma) and the damping factor phi
 * are fitted by least squares (see HoltWintersOptions.criterion): a small grid (120 points), then
 * a bounded pattern search (at most 60 more runs) from the best grid point; each run stops early
 * once it is worse than the best so far. Damping is bounded to phi <= 0.98, so a trend adds at
 * most 49 steps' worth of slope to any forecast, however long the horizon. Needs two full seasons
 * (the first two initialise level, trend and seasonal indices). A multiplicative model shifts a
 * series that comes near zero up (to at least 10% of its mean level) and back down afterwards.
 */
export function holtWinters(opts: HoltWintersOptions): Forecaster {
  const m = opts.seasonSteps;
  if (!Number.isInteger(m) || m < 2) {
    throw new RangeError(`holtWinters: seasonSteps must be an integer >= 2, got ${m}`);
  }
  const mode = opts.mode;
  return pointForecaster({
    name: opts.name ?? `holt-winters-${mode}(${seasonLabel(m)})`,
    minHistorySteps: () => Math.max(2 * m, MIN_HISTORY_STEPS),
    fit: (values, ctx) =>
      fitExponentialSmoothing(values, m, mode === 'multiplicative', opts.criterion === 'one-step' ? [1] : fitLeads(ctx.horizonSteps)),
  });
}

/**
 * Holt's linear method with a damped trend and no season: a level that follows the recent
 * past, for series without a cycle or too short for one. Needs 12 steps.
 */
export function dampedTrend(name?: string, criterion: FitCriterion = 'horizon'): Forecaster {
  return pointForecaster({
    name: name ?? 'damped-trend',
    minHistorySteps: () => MIN_HISTORY_STEPS,
    fit: (values, ctx) => fitExponentialSmoothing(values, 0, false, criterion === 'one-step' ? [1] : fitLeads(ctx.horizonSteps)),
  });
}

const GRID = {
  alpha: [0.05, 0.1, 0.2, 0.4, 0.7],
  beta: [0, 0.02, 0.1],
  gamma: [0.02, 0.1, 0.25, 0.5],
  phi: [0.9, 0.98],
};
const BOUNDS = { phiMin: 0.8, phiMax: 0.98 };
const MAX_REFINE_EVALS = 60;

/** Initial state shared by every parameter set: level and trend at `start - 1`, first season. */
interface Init {
  level: number;
  trend: number;
  season: Float64Array; // length m, phase i = index i
  start: number;
}

function initialise(y: Float64Array, m: number, mult: boolean): Init {
  if (m === 0) return { level: y[0] as number, trend: 0, season: new Float64Array(0), start: 1 };
  let s1 = 0;
  let s2 = 0;
  for (let i = 0; i < m; i++) {
    s1 += y[i] as number;
    s2 += y[i + m] as number;
  }
  const mean1 = s1 / m;
  const mean2 = s2 / m;
  const trend = (mean2 - mean1) / m;
  const season = new Float64Array(m);
  let sum = 0;
  for (let i = 0; i < m; i++) {
    const a = y[i] as number;
    const b = y[i + m] as number;
    const v = mult ? (a / mean1 + b / mean2) / 2 : (a - mean1 + (b - mean2)) / 2;
    season[i] = v;
    sum += v;
  }
  // Normalise: additive indices sum to 0, multiplicative ones average 1.
  for (let i = 0; i < m; i++) season[i] = mult ? ((season[i] as number) * m) / sum : (season[i] as number) - sum / m;
  return { level: mean1 + (trend * (m - 1)) / 2, trend, season, start: m };
}

const TINY = 1e-9;

/** Working arrays for one fit: level, trend and seasonal index at every step. */
interface States {
  L: Float64Array;
  B: Float64Array;
  /** S[t]: seasonal index of phase t mod m as updated at t; S[0..m) is the initial season. */
  S: Float64Array;
}

/**
 * Run the recursions with one parameter set, storing the states, and return the sum over
 * `leads` of the squared errors of the lead-h forecasts (made at t - h, for t) over the history.
 * Gives up (returning Infinity) once the sum exceeds `bound`.
 */
function run(y: Float64Array, m: number, mult: boolean, init: Init, p: Params, leads: readonly number[], bound: number, st: States): number {
  const { alpha, beta, gamma, phi } = p;
  const { L, B, S } = st;
  const n = y.length;
  const first = init.start - 1;
  const damp = new Float64Array(leads.length);
  const back = new Int32Array(leads.length);
  for (let i = 0; i < leads.length; i++) {
    const h = leads[i] as number;
    damp[i] = phi === 1 ? h : (phi * (1 - Math.pow(phi, h))) / (1 - phi);
    back[i] = m * Math.ceil(h / Math.max(m, 1));
  }
  let l = init.level;
  let b = init.trend;
  L[first] = l;
  B[first] = b;
  let total = 0;
  for (let t = init.start; t < n; t++) {
    const yt = y[t] as number;
    const fl = l + phi * b;
    let nl: number;
    if (m === 0) {
      nl = alpha * yt + (1 - alpha) * fl;
    } else {
      const so = S[t - m] as number;
      if (mult) {
        nl = alpha * (yt / so) + (1 - alpha) * fl;
        if (nl < TINY) nl = TINY;
        S[t] = clampSeason(gamma * (yt / nl) + (1 - gamma) * so);
      } else {
        nl = alpha * (yt - so) + (1 - alpha) * fl;
        S[t] = gamma * (yt - nl) + (1 - gamma) * so;
      }
    }
    b = beta * (nl - l) + (1 - beta) * phi * b;
    l = nl;
    L[t] = l;
    B[t] = b;
    for (let i = 0; i < leads.length; i++) {
      const o = t - (leads[i] as number);
      if (o < first) continue;
      const trendLevel = (L[o] as number) + (damp[i] as number) * (B[o] as number);
      const f = m === 0 ? trendLevel : mult ? trendLevel * (S[t - (back[i] as number)] as number) : trendLevel + (S[t - (back[i] as number)] as number);
      const e = yt - f;
      total += e * e;
    }
    if (total > bound) return Number.POSITIVE_INFINITY;
  }
  return total;
}

/**
 * Leads whose squared errors the fit minimises: 1, then every fourth power of two below the
 * horizon, then the horizon itself (1, 4, 16, 64, 256, 288 for a day at 5 min). One-step error
 * alone rewards a level that chases noise, which is the wrong model 24 hours out.
 */
export function fitLeads(horizonSteps: number): number[] {
  const out = [1];
  for (let h = 4; h < horizonSteps; h *= 4) out.push(h);
  if (horizonSteps > 1) out.push(horizonSteps);
  return out;
}

function clampSeason(s: number): number {
  return s < 0.01 ? 0.01 : s > 100 ? 100 : s;
}

function valid(p: Params): boolean {
  return (
    p.alpha > 0 &&
    p.alpha < 1 &&
    p.beta >= 0 &&
    p.beta <= p.alpha &&
    p.gamma >= 0 &&
    p.gamma <= 1 - p.alpha &&
    p.phi >= BOUNDS.phiMin &&
    p.phi <= BOUNDS.phiMax
  );
}

function fitParams(y: Float64Array, m: number, mult: boolean, init: Init, leads: readonly number[], st: States): Params {
  let best: Params = { alpha: 0.2, beta: 0, gamma: m === 0 ? 0 : 0.1, phi: 0.9 };
  let bestSse = Number.POSITIVE_INFINITY;
  const gammas = m === 0 ? [0] : GRID.gamma;
  for (const alpha of GRID.alpha)
    for (const beta of GRID.beta)
      for (const gamma of gammas)
        for (const phi of GRID.phi) {
          const p = { alpha, beta, gamma, phi };
          if (!valid(p)) continue;
          const s = run(y, m, mult, init, p, leads, bestSse, st);
          if (s < bestSse) {
            bestSse = s;
            best = p;
          }
        }
  // Pattern search around the best grid point: try +-step on each parameter, halve the steps
  // when nothing improves. Deterministic, with a bounded number of evaluations.
  const keys: (keyof Params)[] = m === 0 ? ['alpha', 'beta', 'phi'] : ['alpha', 'gamma', 'beta', 'phi'];
  const step: Params = { alpha: 0.05, beta: 0.01, gamma: 0.05, phi: 0.02 };
  let evals = 0;
  for (let round = 0; round < 4 && evals < MAX_REFINE_EVALS; round++) {
    let improved = true;
    while (improved && evals < MAX_REFINE_EVALS) {
      improved = false;
      for (const key of keys) {
        for (const dir of [1, -1]) {
          const p = { ...best, [key]: best[key] + dir * step[key] };
          if (!valid(p)) continue;
          evals++;
          const s = run(y, m, mult, init, p, leads, bestSse, st);
          if (s < bestSse) {
            bestSse = s;
            best = p;
            improved = true;
            break;
          }
        }
      }
    }
    for (const key of keys) step[key] /= 2;
  }
  return best;
}

/** Shift that makes a series safe for multiplicative seasons (all values at least 10% of the mean level). */
function positiveShift(values: Float64Array): number {
  let min = Number.POSITIVE_INFINITY;
  let sumAbs = 0;
  for (const v of values) {
    if (v < min) min = v;
    sumAbs += Math.abs(v);
  }
  const meanAbs = sumAbs / values.length;
  return meanAbs > 0 ? Math.max(0, 0.1 * meanAbs - min) : 1;
}

/** Fit, then keep the states at every step for forecasts from the end and from past origins. */
export function fitExponentialSmoothing(values: Float64Array, m: number, mult: boolean, leads: readonly number[]): FittedModel {
  const shift = mult ? positiveShift(values) : 0;
  const y = shift > 0 ? values.map((v) => v + shift) : values;
  const n = y.length;
  const init = initialise(y, m, mult);
  const st: States = { L: new Float64Array(n), B: new Float64Array(n), S: new Float64Array(Math.max(n, m)) };
  st.S.set(init.season);
  const p = fitParams(y, m, mult, init, leads, st);
  run(y, m, mult, init, p, leads, Number.POSITIVE_INFINITY, st);
  const { L, B, S } = st;
  const phi = p.phi;
  // Cumulative damping: damp[h] = phi + phi^2 + ... + phi^h.
  const damp: number[] = [0];
  const dampAt = (h: number): number => {
    for (let i = damp.length; i <= h; i++) damp.push((damp[i - 1] as number) + Math.pow(phi, i));
    return damp[h] as number;
  };
  const predict = (t: number, h: number): number => {
    const fl = (L[t] as number) + dampAt(h) * (B[t] as number);
    if (m === 0) return fl;
    const s = S[t + h - m * Math.ceil(h / m)] as number;
    return mult ? fl * s - shift : fl + s;
  };
  const firstOrigin = m === 0 ? Math.min(n - 1, init.start + 10) : Math.min(n - 1, 2 * m - 1);
  return {
    firstOrigin,
    forecast(h: number): Float64Array {
      const out = new Float64Array(h);
      for (let i = 1; i <= h; i++) out[i - 1] = predict(n - 1, i);
      return out;
    },
    inSample: (origin, lead) => (origin >= init.start - 1 ? predict(origin, lead) : Number.NaN),
  };
}
