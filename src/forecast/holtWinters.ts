import type { Forecaster } from '../domain/forecast.js';
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
 * The fitted parameters come back as Forecast.warmStart; given back as ForecastOptions.warmStart
 * (see warmParams) they replace the search: one run, the same forecast as a search that lands on them.
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
    fit: (values, ctx) => fitExponentialSmoothing(values, m, mode === 'multiplicative', leadsOf(opts.criterion, ctx.horizonSteps), ctx.warm),
    fitPrefixes: (values, lengths, ctx) => fitExponentialSmoothingPrefixes(values, lengths, m, mode === 'multiplicative', leadsOf(opts.criterion, ctx.horizonSteps)),
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
    fit: (values, ctx) => fitExponentialSmoothing(values, 0, false, leadsOf(criterion, ctx.horizonSteps), ctx.warm),
    fitPrefixes: (values, lengths, ctx) => fitExponentialSmoothingPrefixes(values, lengths, 0, false, leadsOf(criterion, ctx.horizonSteps)),
  });
}

function leadsOf(criterion: FitCriterion | undefined, horizonSteps: number): number[] {
  return criterion === 'one-step' ? [1] : fitLeads(horizonSteps);
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
 * What every run of one fit shares: the history, the initial state, the leads the criterion
 * sums over with their seasonal look-backs, scratch for the damping sums, and the run loop.
 */
interface Problem {
  y: Float64Array;
  m: number;
  init: Init;
  /** The criterion's leads. */
  lead: Int32Array;
  /** back[i]: how far back from the target step the seasonal index of lead[i] was last updated. */
  back: Int32Array;
  /** Scratch: damping sum phi + ... + phi^h per lead, refilled by every run. */
  damp: Float64Array;
  /** run's loop for this shape and these leads. */
  kernel: Kernel;
  /** runPrefixes' loop, the same with cuts. */
  prefixKernel: () => PrefixKernel;
}

function problem(y: Float64Array, m: number, mult: boolean, init: Init, leads: readonly number[]): Problem {
  const K = leads.length;
  const lead = Int32Array.from(leads);
  const back = new Int32Array(K);
  for (let i = 0; i < K; i++) back[i] = m * Math.ceil((lead[i] as number) / Math.max(m, 1));
  const shape: Shape = m === 0 ? 'trend' : mult ? 'multiplicative' : 'additive';
  const withinSeason = m > 0 && back.every((k) => k === m);
  return { y, m, init, lead, back, damp: new Float64Array(K), kernel: kernel(shape, K, withinSeason), prefixKernel: () => kernel(shape, K, withinSeason, true) };
}

/** The same problem on the prefix y[0, n): the same initial state, leads and loops. */
function prefixProblem(pr: Problem, n: number): Problem {
  return { ...pr, y: pr.y.subarray(0, n), damp: new Float64Array(pr.lead.length) };
}

/**
 * Run the recursions with one parameter set, storing the states, and return the sum over the
 * leads of the squared errors of the lead-h forecasts (made at t - h, for t) over the history.
 * Gives up (returning Infinity) once the sum exceeds `bound`.
 */
function run(pr: Problem, p: Params, bound: number, st: States): number {
  const { y, m, init, lead, back, damp } = pr;
  const phi = p.phi;
  fillDamp(lead, damp, phi);
  // Only numbers and arrays: optimised code that reads objects' fields is discarded when V8
  // revises their shapes (the search writes Params fields), and run loops that read pr, p and st
  // were seen to stay about 3 times slower after that.
  return pr.kernel(y, st.L, st.B, st.S, lead, back, damp, m, init.start, init.level, init.trend, p.alpha, p.beta, p.gamma, phi, bound);
}

/**
 * run for every prefix y[0, cuts[c]) at once: out[c] is what run(prefix c, p, bound c) returns,
 * with bounds[c] the bound of prefix c. One pass over y instead of one per prefix.
 */
function runPrefixes(pr: Problem, p: Params, cuts: Int32Array, bounds: Float64Array, out: Float64Array, st: States): void {
  const { y, m, init, lead, back, damp } = pr;
  fillDamp(lead, damp, p.phi);
  // A prefix's sum only grows with more steps: the pass stops once it is over every bound still ahead.
  const ahead = Float64Array.from(bounds);
  for (let c = ahead.length - 2; c >= 0; c--) ahead[c] = Math.max(ahead[c] as number, ahead[c + 1] as number);
  pr.prefixKernel()(y, st.L, st.B, st.S, lead, back, damp, m, init.start, init.level, init.trend, p.alpha, p.beta, p.gamma, p.phi, cuts, ahead, out);
}

/** Damping sum phi + ... + phi^h for each lead. */
function fillDamp(lead: Int32Array, damp: Float64Array, phi: number): void {
  for (let i = 0; i < lead.length; i++) {
    const h = lead[i] as number;
    damp[i] = phi === 1 ? h : (phi * (1 - Math.pow(phi, h))) / (1 - phi);
  }
}

type Shape = 'trend' | 'additive' | 'multiplicative';

/** run's loop for one shape and lead count (see kernel); its parameters are KERNEL_PARAMS. */
type Kernel = (
  y: Float64Array, L: Float64Array, B: Float64Array, S: Float64Array, lead: Int32Array, back: Int32Array, damp: Float64Array,
  m: number, start: number, level: number, trend: number, alpha: number, beta: number, gamma: number, phi: number, bound: number,
) => number;
const KERNEL_PARAMS = ['y', 'L', 'B', 'S', 'lead', 'back', 'damp', 'm', 'start', 'level', 'trend', 'alpha', 'beta', 'gamma', 'phi', 'bound'];

/**
 * runPrefixes' loop: the same recursion over y, writing into out[c] the sum run would return for
 * the prefix y[0, cuts[c]) with bound bounds[c] (cuts ascending, each past `start`, the last
 * y.length; bounds[c] already the largest bound of the cuts from c on, so the run stops only once
 * every prefix still open is over its own).
 */
type PrefixKernel = (
  y: Float64Array, L: Float64Array, B: Float64Array, S: Float64Array, lead: Int32Array, back: Int32Array, damp: Float64Array,
  m: number, start: number, level: number, trend: number, alpha: number, beta: number, gamma: number, phi: number,
  cuts: Int32Array, bounds: Float64Array, out: Float64Array,
) => void;
const PREFIX_KERNEL_PARAMS = [...KERNEL_PARAMS.slice(0, -1), 'cuts', 'bounds', 'out'];

const kernels = new Map<string, Kernel | PrefixKernel>();

/**
 * The run loop for a shape, a lead count and whether every lead is within a season, compiled
 * from kernelSource on first use and kept. It is the fit's inner loop (about 150 runs per fit,
 * each over the whole history), and its lead errors must be unrolled: V8 does not unroll loops,
 * and as a loop over lead arrays they make a run 2 to 3 times slower (unrolled, each lead keeps
 * its lead and damping in registers). Generating the unrolled source keeps one copy of it.
 */
function kernel(shape: Shape, leads: number, withinSeason: boolean): Kernel;
function kernel(shape: Shape, leads: number, withinSeason: boolean, prefixes: true): PrefixKernel;
function kernel(shape: Shape, leads: number, withinSeason: boolean, prefixes = false): Kernel | PrefixKernel {
  const key = `${shape} ${leads} ${withinSeason}${prefixes ? ' prefixes' : ''}`;
  let k = kernels.get(key);
  if (k === undefined) {
    k = new Function(...(prefixes ? PREFIX_KERNEL_PARAMS : KERNEL_PARAMS), kernelSource(shape, leads, withinSeason, prefixes)) as Kernel | PrefixKernel;
    Object.defineProperty(k, 'name', { value: `holtWintersRun ${key}` }); // for profiles
    kernels.set(key, k);
  }
  return k;
}

/** One step of each shape, from yt, l, b (and so = S[t - m], then updated into S[t]) to the new level nl. */
const STEP: Record<Shape, string> = {
  trend: 'const nl = alpha * yt + a1 * (l + phi * b);',
  additive: `const so = S[t - m];
      const nl = alpha * (yt - so) + a1 * (l + phi * b);
      S[t] = gamma * (yt - nl) + g1 * so;`,
  multiplicative: `const so = S[t - m];
      let nl = alpha * (yt / so) + a1 * (l + phi * b);
      if (nl < ${TINY}) nl = ${TINY};
      const s = gamma * (yt / nl) + g1 * so;
      S[t] = s < 0.01 ? 0.01 : s > 100 ? 100 : s;`,
};

/** Lead i's error at t: yt less the forecast made at t - h_i, with seasonal index `s`. */
const ERROR: Record<Shape, (i: number, s: string) => string> = {
  trend: (i) => `yt - (L[t - h${i}] + d${i} * B[t - h${i}])`,
  additive: (i, s) => `yt - (L[t - h${i}] + d${i} * B[t - h${i}] + ${s})`,
  multiplicative: (i, s) => `yt - (L[t - h${i}] + d${i} * B[t - h${i}]) * ${s}`,
};

/**
 * A Kernel's body: the plain recursions, with lead i's error added once its origin t - h_i has
 * a state (t >= t_i). The arithmetic and its order are the plain recursion's (the sum adds step
 * by step, each step's leads in order), so the sum is the same to the last bit. A PrefixKernel's
 * body runs the same steps once and writes the sum as it passes each cut: the sum a run over that
 * prefix returns, as the steps before it are the same steps.
 */
function kernelSource(shape: Shape, leads: number, withinSeason: boolean, prefixes: boolean): string {
  const ids = Array.from({ length: leads }, (_, i) => i);
  // Within a season every lead's seasonal index is S[t - m], which the step has just read (so).
  const season = (i: number) => (withinSeason ? 'so' : `S[t - k${i}]`);
  const step = `const yt = y[t];
      ${STEP[shape]}
      b = beta * (nl - l) + bp * b;
      l = nl;
      L[t] = l;
      B[t] = b;
      ${ids.map((i) => `if (t >= t${i}) { e = ${ERROR[shape](i, season(i))}; total += e * e; }`).join('\n      ')}`;
  // One loop, as run's, that breaks out to stop early: a loop that stopped with a return inside its
  // body had its numbers boxed (8.7 MB of heap numbers per grid, against 0.1 MB this way).
  const loop = prefixes
    ? `let c = 0;
    let end = cuts[0];
    let bound = bounds[0];
    for (let t = start; t < n; t++) {
      ${step}
      if (total > bound) break;
      if (t + 1 === end) {
        out[c] = total;
        c++;
        if (c === cuts.length) return;
        end = cuts[c];
        bound = bounds[c];
      }
    }
    // Stopped early: every cut not reached is over its bound.
    for (let j = c; j < cuts.length; j++) out[j] = Infinity;`
    : `for (let t = start; t < n; t++) {
      ${step}
      if (total > bound) return Infinity;
    }
    return total;`;
  return `
    'use strict';
    const n = y.length;
    const first = start - 1;
    const a1 = 1 - alpha, g1 = 1 - gamma, bp = (1 - beta) * phi;
    ${ids.map((i) => `const h${i} = lead[${i}], d${i} = damp[${i}], k${i} = back[${i}], t${i} = first + h${i};`).join('\n    ')}
    let l = level;
    let b = trend;
    L[first] = l;
    B[first] = b;
    let total = 0;
    let e;
    ${loop}`;
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

function newStates(n: number, init: Init): States {
  const S = new Float64Array(Math.max(n, init.season.length));
  S.set(init.season);
  return { L: new Float64Array(n), B: new Float64Array(n), S };
}

function sameParams(a: Params, b: Params): boolean {
  return Object.is(a.alpha, b.alpha) && Object.is(a.beta, b.beta) && Object.is(a.gamma, b.gamma) && Object.is(a.phi, b.phi);
}

/** The grid's parameter sets that pass `valid`, in the order the search runs them. */
function gridParams(m: number): Params[] {
  const out: Params[] = [];
  const gammas = m === 0 ? [0] : GRID.gamma;
  for (const alpha of GRID.alpha)
    for (const beta of GRID.beta)
      for (const gamma of gammas)
        for (const phi of GRID.phi) {
          const p = { alpha, beta, gamma, phi };
          if (valid(p)) out.push(p);
        }
  return out;
}

/** The parameters the search starts from, and keeps when no run beats Infinity. */
function defaultParams(m: number): Params {
  return { alpha: 0.2, beta: 0, gamma: m === 0 ? 0 : 0.1, phi: 0.9 };
}

/** One fit's search: the best parameters so far and their sum, every set run, and the states of the best run. */
interface Search {
  pr: Problem;
  best: Params;
  bestSse: number;
  tried: Params[];
  st: States;
  spare: States;
  /** Whether st holds the states of a run with `best`. */
  haveStates: boolean;
}

function newSearch(pr: Problem, best = defaultParams(pr.m), bestSse = Number.POSITIVE_INFINITY, tried: Params[] = []): Search {
  const n = pr.y.length;
  return { pr, best, bestSse, tried, st: newStates(n, pr.init), spare: newStates(n, pr.init), haveStates: false };
}

/** Runs p into the spare states; true when it becomes the best (its states are then kept). */
function tryParams(s: Search, p: Params): boolean {
  s.tried.push(p);
  const sse = run(s.pr, p, s.bestSse, s.spare);
  if (!(sse < s.bestSse)) return false;
  s.bestSse = sse;
  s.best = p;
  const t = s.st;
  s.st = s.spare;
  s.spare = t;
  s.haveStates = true;
  return true;
}

/**
 * The fitted parameters, and the states of a full run with them: the grid, then refine.
 *
 * Two things make this cheaper than running every candidate and then the winner once more, without
 * changing the result. The states of the best run so far are kept (runs go to a spare set of
 * arrays, swapped in when a run becomes the best), so the winner is not run again. And the
 * pattern search often proposes a point it has already run (the step back after a move, or a
 * grid point): such a point cannot beat the best (its sum was no better than the best at the
 * time, and the best only improves), so it is not run again, though it still counts towards
 * MAX_REFINE_EVALS.
 */
function fitParams(pr: Problem): { p: Params; st: States } {
  const s = newSearch(pr);
  for (const p of gridParams(pr.m)) tryParams(s, p);
  return refine(s);
}

/**
 * Pattern search around the best point so far: try +-step on each parameter, halve the steps
 * when nothing improves. Deterministic, with a bounded number of evaluations. Returns the best
 * parameters with the states of a full run with them.
 */
function refine(s: Search): { p: Params; st: States } {
  const keys: (keyof Params)[] = s.pr.m === 0 ? ['alpha', 'beta', 'phi'] : ['alpha', 'gamma', 'beta', 'phi'];
  const step: Params = { alpha: 0.05, beta: 0.01, gamma: 0.05, phi: 0.02 };
  let evals = 0;
  for (let round = 0; round < 4 && evals < MAX_REFINE_EVALS; round++) {
    let improved = true;
    while (improved && evals < MAX_REFINE_EVALS) {
      improved = false;
      for (const key of keys) {
        for (const dir of [1, -1]) {
          const best = s.best;
          // Written out (not spread) so every Params has the same shape for the run loops.
          const p: Params = { alpha: best.alpha, beta: best.beta, gamma: best.gamma, phi: best.phi };
          p[key] = best[key] + dir * step[key];
          if (!valid(p)) continue;
          evals++;
          if (s.tried.some((q) => sameParams(q, p))) continue;
          if (tryParams(s, p)) {
            improved = true;
            break;
          }
        }
      }
    }
    for (const key of keys) step[key] /= 2;
  }
  // The best run's states were not kept (a grid run over several prefixes), or no run beat
  // Infinity (every sum overflowed or was NaN: the default parameters): one run without a bound.
  // A best run never stopped early, so this run's states are the ones it had.
  if (!s.haveStates) run(s.pr, s.best, Number.POSITIVE_INFINITY, s.st);
  return { p: s.best, st: s.st };
}

/**
 * `warm` as parameters for a model with season `m` (0: damped trend), or undefined when it is not a
 * set the search could have landed on: an object with numbers alpha, beta, gamma and phi that
 * pass `valid` (so finite, within the search bounds), and gamma 0 without a season (the search
 * never moves it there). Anything else, including an object whose properties throw, is ignored.
 * Written out in Params' order so the run loops see the shape the search's parameters have.
 */
function warmParams(warm: unknown, m: number): Params | undefined {
  if (typeof warm !== 'object' || warm === null) return undefined;
  try {
    const { alpha, beta, gamma, phi } = warm as Record<string, unknown>;
    if (typeof alpha !== 'number' || typeof beta !== 'number' || typeof gamma !== 'number' || typeof phi !== 'number') return undefined;
    if (!(Number.isFinite(alpha) && Number.isFinite(beta) && Number.isFinite(gamma) && Number.isFinite(phi))) return undefined;
    if (m === 0 && gamma !== 0) return undefined;
    const p: Params = { alpha, beta, gamma, phi };
    return valid(p) ? p : undefined;
  } catch {
    return undefined;
  }
}

/** The states of one full run with `p` (no bound: it never stops early). */
function runWith(pr: Problem, p: Params): States {
  const st = newStates(pr.y.length, pr.init);
  run(pr, p, Number.POSITIVE_INFINITY, st);
  return st;
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

/**
 * Fit, then keep the states at every step for forecasts from the end and from past origins.
 * With `warm` a valid parameter set (see warmParams) there is no search: one run with it, whose
 * states are those the search keeps when it lands on the same parameters (the same arithmetic;
 * the search's bound only decides when a run stops early, and the winner's never did), so the
 * forecast is the same to the last bit. The parameters used come back as `params`.
 */
export function fitExponentialSmoothing(values: Float64Array, m: number, mult: boolean, leads: readonly number[], warm?: unknown): FittedModel {
  const shift = mult ? positiveShift(values) : 0;
  const y = shift > 0 ? values.map((v) => v + shift) : values;
  const pr = problem(y, m, mult, initialise(y, m, mult), leads);
  const given = warm === undefined ? undefined : warmParams(warm, m);
  const { p, st } = given ? { p: given, st: runWith(pr, given) } : fitParams(pr);
  return fittedModel(pr, mult, shift, p, st);
}

/**
 * fitExponentialSmoothing(values.subarray(0, n), m, mult, leads) for each n of `lengths`
 * (ascending), the same to the last bit, with the grid shared: each grid point runs once over the
 * longest prefix, its sum read at every length on the way (runPrefixes), and only the pattern
 * search runs per prefix. A backtest fits one model to nested prefixes of one history (each origin,
 * then the end), and the grid is about 70% of a search's runs. The grid runs when the first fit
 * is asked for, a prefix's pattern search when its own is; undefined when the prefixes are not
 * one problem (a multiplicative model whose prefixes need different shifts towards zero).
 */
export function fitExponentialSmoothingPrefixes(values: Float64Array, lengths: readonly number[], m: number, mult: boolean, leads: readonly number[]): ((index: number) => FittedModel) | undefined {
  const longest = lengths[lengths.length - 1] as number;
  const shift = mult ? positiveShift(values.subarray(0, longest)) : 0;
  if (mult && lengths.some((n) => positiveShift(values.subarray(0, n)) !== shift)) return undefined;
  const y = shift > 0 ? values.subarray(0, longest).map((v) => v + shift) : values.subarray(0, longest);
  const pr = problem(y, m, mult, initialise(y, m, mult), leads);
  let grid: GridResult[] | undefined;
  // Nothing of a prefix's search is kept after its fit: each call searches again from the grid's
  // result (the same search, so the same fit), and the states die with the fitted model.
  return (index) => {
    grid ??= gridPrefixes(pr, lengths);
    const g = grid[index] as GridResult;
    const s = newSearch(prefixProblem(pr, lengths[index] as number), g.best, g.bestSse, [...g.tried]);
    const { p, st } = refine(s);
    return fittedModel(s.pr, mult, shift, p, st);
  };
}

/** What a prefix's own grid would have left: the best point and its sum, and every point run. */
interface GridResult {
  best: Params;
  bestSse: number;
  tried: readonly Params[];
}

/** The grid run once over pr.y for every prefix length (runPrefixes): each prefix's GridResult. */
function gridPrefixes(pr: Problem, lengths: readonly number[]): GridResult[] {
  const cuts = Int32Array.from(lengths);
  const points = gridParams(pr.m);
  const out = lengths.map(() => ({ best: defaultParams(pr.m), bestSse: Number.POSITIVE_INFINITY, tried: points }));
  const bounds = new Float64Array(cuts.length);
  const sums = new Float64Array(cuts.length);
  const st = newStates(pr.y.length, pr.init);
  for (const p of points) {
    for (let c = 0; c < out.length; c++) bounds[c] = (out[c] as GridResult).bestSse;
    runPrefixes(pr, p, cuts, bounds, sums, st);
    for (let c = 0; c < out.length; c++) {
      const g = out[c] as GridResult;
      if ((sums[c] as number) < g.bestSse) {
        g.bestSse = sums[c] as number;
        g.best = p;
      }
    }
  }
  return out;
}

/** The model fitted with `p`, from the states of a full run with it: forecasts from the end and from past origins. */
function fittedModel(pr: Problem, mult: boolean, shift: number, p: Params, st: States): FittedModel {
  const { m, init } = pr;
  const n = pr.y.length;
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
    params: { alpha: p.alpha, beta: p.beta, gamma: p.gamma, phi: p.phi },
    forecast(h: number): Float64Array {
      const out = new Float64Array(h);
      for (let i = 1; i <= h; i++) out[i - 1] = predict(n - 1, i);
      return out;
    },
    inSample(origin, leads, out) {
      for (let j = 0; j < leads.length; j++) out[j] = origin >= init.start - 1 ? predict(origin, leads[j] as number) : Number.NaN;
    },
  };
}
