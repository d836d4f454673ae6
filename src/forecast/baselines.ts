// Baselines: the published algorithms of the tools teams use today, re-implemented from their
// documentation as Forecasters, so Augur's forecasts can be compared with what a team would get
// without Augur. Every function here is pure and deterministic (no clock, no randomness).
//
//   krr-percentile   robusta-dev/krr "simple" strategy: CPU request = p95 of the last 14 days;
//                    memory = max of the last 14 days + 15 %. A flat forecast for every step.
//   vpa-histogram    Kubernetes VPA recommender: an exponential-bucket histogram (first bucket
//                    1/1000 of the history's median level, each bucket 5 % wider than the last),
//                    sample weights halving every 24 h back from the last sample, the last 8 days
//                    (VPA's default history length); target = p90 of the histogram + 15 % safety
//                    margin. Flat.
//   crane-fft        gocrane/crane DSP predictor: find the dominant period among the daily and
//                    weekly candidates by FFT (a clear spectral peak at that frequency) and
//                    autocorrelation (high enough at that lag); forecast by repeating the average
//                    of that period's past cycles (the last 8 weeks at most). With no clear period,
//                    flat at the mean of the last day.
//   tortoise-max     same weekday and hour: each future step is the maximum of every past sample
//                    that fell on the same UTC weekday and hour (falling back to the same hour on
//                    any day, then to the overall maximum, when the history has no such slot).
//
// Quantiles. These are point methods: every requested quantile gets the same point value, except
// vpa-histogram, whose histogram is a distribution: its q-quantile is the histogram's q-th
// percentile times the safety margin (as VPA does for its lowerBound p50, target p90 and
// upperBound p95), so its 0.9 quantile is exactly VPA's target.
//
// Every baseline first fills gaps as the other models do (fillGaps: leading gaps dropped, short
// gaps interpolated, long ones from the day before) and forecasts from the last history sample.
import type { Forecast, ForecastOptions, Forecaster } from '../domain/forecast.js';
import type { Series } from '../domain/series.js';
import { fillGaps } from './clean.js';
import { describeSteps, ForecastError } from './errors.js';
import { quantileKey, quantileSorted } from './loss.js';
import { maxFitSteps, MIN_HISTORY_STEPS, validateOptions } from './model.js';

const DAY = 86400;
const WEEK = 7 * DAY;

/** Clean history (gap-filled) or a ForecastError naming the model. */
function prepare(name: string, history: Series, opts: ForecastOptions, need: number): { values: number[]; timestamps: number[] } {
  validateOptions(opts, history.stepSeconds);
  const clean = fillGaps(history).series;
  if (clean.values.length < need) {
    throw new ForecastError(
      `${name} needs ${describeSteps(need, history.stepSeconds)} of history; ${describeSteps(clean.values.length, history.stepSeconds)} usable`,
      clean.values.length,
      need,
    );
  }
  return { values: clean.values, timestamps: clean.timestamps };
}

function futureTimestamps(history: Series, H: number): number[] {
  const t0 = history.timestamps[history.timestamps.length - 1] as number;
  return Array.from({ length: H }, (_, i) => t0 + (i + 1) * history.stepSeconds);
}

/** Every requested quantile gets the same point path (point methods). */
function pointForecast(name: string, history: Series, opts: ForecastOptions, point: number[]): Forecast {
  const quantiles: Record<string, number[]> = {};
  for (const q of opts.quantiles) quantiles[quantileKey(q)] = point.slice();
  return { model: name, stepSeconds: history.stepSeconds, timestamps: futureTimestamps(history, opts.horizonSteps), quantiles };
}

function lastSteps(values: readonly number[], steps: number): number[] {
  return values.length > steps ? values.slice(values.length - steps) : values.slice();
}

// ---------------------------------------------------------------------------------------------
// krr

export interface KrrOptions {
  /** 'percentile' (krr's CPU rule) or 'max' (krr's memory rule). Default 'percentile'. */
  mode?: 'percentile' | 'max';
  /** Percentile for mode 'percentile', 0..100. Default 95. */
  percentile?: number;
  /** Margin added on top, in percent. Default 0 for 'percentile', 15 for 'max'. */
  marginPercent?: number;
  /** History window in seconds. Default 14 days. */
  windowSeconds?: number;
  name?: string;
}

/** krr-style flat forecast: a percentile (or the maximum, plus a margin) of the last 14 days. */
export function krrPercentile(stepSeconds: number, o: KrrOptions = {}): Forecaster {
  const mode = o.mode ?? 'percentile';
  const pct = o.percentile ?? 95;
  const margin = o.marginPercent ?? (mode === 'max' ? 15 : 0);
  if (!(pct >= 0 && pct <= 100)) throw new RangeError(`krrPercentile: percentile must be in 0..100, got ${pct}`);
  const window = Math.max(1, Math.round((o.windowSeconds ?? 14 * DAY) / stepSeconds));
  const name = o.name ?? (mode === 'max' ? `krr-memory(max+${margin}%)` : `krr-cpu(p${pct}${margin ? `+${margin}%` : ''})`);
  return {
    name,
    minHistorySteps: () => MIN_HISTORY_STEPS,
    forecast(history, opts) {
      const { values } = prepare(name, history, opts, MIN_HISTORY_STEPS);
      const recent = Float64Array.from(lastSteps(values, window)).sort();
      const base = mode === 'max' ? (recent[recent.length - 1] as number) : percentileOf(recent, pct / 100);
      const v = base * (1 + margin / 100);
      return pointForecast(name, history, opts, new Array<number>(opts.horizonSteps).fill(v));
    },
  };
}

/**
 * The p-quantile of an ascending array as krr computes it (numpy.percentile's default, linear
 * interpolation between order statistics): the same as quantileSorted.
 */
function percentileOf(sorted: Float64Array, p: number): number {
  return quantileSorted(sorted, p);
}

// ---------------------------------------------------------------------------------------------
// VPA

export interface VpaOptions {
  /** Weight half-life in seconds. Default 24 h (VPA's CPU histogram decay half-life). */
  halfLifeSeconds?: number;
  /** Target percentile 0..1, for the name (the forecast's quantile at this level is VPA's target). Default 0.9. */
  targetPercentile?: number;
  /** Safety margin fraction. Default 0.15. */
  safetyMargin?: number;
  /** History kept, in seconds. Default 8 days (VPA's default history length). */
  historySeconds?: number;
  /** Bucket growth ratio. Default 1.05 (VPA's). */
  bucketRatio?: number;
  name?: string;
}

/**
 * A VPA-style decaying histogram. Buckets: bucket 0 covers [0, s), bucket i covers
 * [s * (r^i - 1)/(r - 1), s * (r^(i+1) - 1)/(r - 1)) with r = 1.05 (VPA's exponential histogram),
 * where s is 1/1000 of the median level of the window (VPA uses 0.01 core or 10 MB; Augur's series
 * have any unit). A sample's weight is 2^((t - t_last) / halfLife). The q-th percentile is the end
 * of the first bucket where the cumulative weight reaches q of the total (VPA returns bucket ends).
 * Negative samples count in bucket 0.
 */
export function vpaHistogram(stepSeconds: number, o: VpaOptions = {}): Forecaster {
  const halfLife = o.halfLifeSeconds ?? DAY;
  const target = o.targetPercentile ?? 0.9;
  const margin = o.safetyMargin ?? 0.15;
  const ratio = o.bucketRatio ?? 1.05;
  const window = Math.max(1, Math.round((o.historySeconds ?? 8 * DAY) / stepSeconds));
  const name = o.name ?? `vpa-histogram(p${Math.round(target * 100)}+${Math.round(margin * 100)}%)`;
  return {
    name,
    minHistorySteps: () => MIN_HISTORY_STEPS,
    forecast(history, opts) {
      const { values, timestamps } = prepare(name, history, opts, MIN_HISTORY_STEPS);
      const vs = lastSteps(values, window);
      const ts = lastSteps(timestamps, window);
      const hist = decayingHistogram(vs, ts, halfLife, ratio);
      const quantiles: Record<string, number[]> = {};
      for (const q of opts.quantiles) {
        quantiles[quantileKey(q)] = new Array<number>(opts.horizonSteps).fill(hist.percentile(q) * (1 + margin));
      }
      return { model: name, stepSeconds: history.stepSeconds, timestamps: futureTimestamps(history, opts.horizonSteps), quantiles };
    },
  };
}

/** The VPA recommender's histogram, exposed for tests. */
export function decayingHistogram(
  values: readonly number[],
  timestamps: readonly number[],
  halfLifeSeconds: number,
  ratio = 1.05,
): { percentile(q: number): number; bucketEnd(i: number): number } {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  const med = sorted.length > 0 ? Math.abs(quantileSorted(sorted, 0.5)) : 0;
  const max = sorted.length > 0 ? Math.abs(sorted[sorted.length - 1] as number) : 0;
  const first = med > 0 ? med / 1000 : max > 0 ? max / 1000 : 1;
  const bucketStart = (i: number): number => (first * (Math.pow(ratio, i) - 1)) / (ratio - 1);
  const bucketOf = (v: number): number => {
    if (!(v > 0)) return 0;
    const i = Math.floor(Math.log(1 + (v * (ratio - 1)) / first) / Math.log(ratio));
    // guard floating error at bucket edges
    if (bucketStart(i + 1) <= v) return i + 1;
    if (bucketStart(i) > v) return Math.max(0, i - 1);
    return i;
  };
  const ref = timestamps[timestamps.length - 1] ?? 0;
  const weights = new Map<number, number>();
  let total = 0;
  for (let k = 0; k < values.length; k++) {
    const v = values[k] as number;
    if (!Number.isFinite(v)) continue;
    const w = Math.pow(2, ((timestamps[k] as number) - ref) / halfLifeSeconds);
    const b = bucketOf(v);
    weights.set(b, (weights.get(b) ?? 0) + w);
    total += w;
  }
  const buckets = [...weights.keys()].sort((a, b) => a - b);
  return {
    bucketEnd: (i) => bucketStart(i + 1),
    percentile(q: number): number {
      if (total <= 0 || buckets.length === 0) return 0;
      const threshold = q * total;
      let acc = 0;
      for (const b of buckets) {
        acc += weights.get(b) as number;
        if (acc >= threshold * (1 - 1e-12)) return bucketStart(b + 1);
      }
      return bucketStart((buckets[buckets.length - 1] as number) + 1);
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Crane

export interface CraneOptions {
  /** Candidate periods in seconds. Default one day and one week. */
  periodsSeconds?: number[];
  /** Minimum autocorrelation at the period's lag for it to count. Default 0.3. */
  minAutocorrelation?: number;
  /**
   * Minimum ratio of the spectral power at the period's frequency to the median power of the
   * frequencies from half to twice it (a local peak, not trend leakage). Default 4.
   */
  minPeakRatio?: number;
  name?: string;
}

export interface PeriodDetection {
  /** Chosen period in steps, or undefined when no candidate is clear. */
  period?: number;
  /** Each candidate's figures (candidates the history cannot hold twice are left out). */
  scores: { period: number; autocorrelation: number; peakRatio: number; clear: boolean }[];
}

/**
 * Find the dominant period among candidates (in steps) by FFT and autocorrelation: the series
 * (mean removed) is zero-padded to a power of two at least twice its length; its power spectrum
 * gives the peak ratio at each candidate's frequency (the strongest of the nearest bins divided by
 * the median power of the frequencies from half to twice it: a local spectral peak), the inverse FFT of the power gives the autocorrelation. A candidate is clear
 * when both pass their thresholds and the history holds two cycles; the clear one with the highest
 * autocorrelation wins.
 */
export function detectPeriod(values: readonly number[], candidates: readonly number[], minAcf = 0.3, minPeakRatio = 4): PeriodDetection {
  const n = values.length;
  const scores: PeriodDetection['scores'] = [];
  const usable = candidates.filter((p) => Number.isInteger(p) && p >= 2 && n >= 2 * p);
  if (usable.length === 0 || n < 4) return { scores };
  let mean = 0;
  for (const v of values) mean += v;
  mean /= n;
  let M = 1;
  while (M < 2 * n) M *= 2;
  const re = new Float64Array(M);
  const im = new Float64Array(M);
  for (let i = 0; i < n; i++) re[i] = (values[i] as number) - mean;
  fft(re, im, false);
  const power = new Float64Array(M);
  for (let k = 0; k < M; k++) power[k] = (re[k] as number) ** 2 + (im[k] as number) ** 2;
  // Autocorrelation: inverse FFT of the power spectrum (linear, thanks to the padding).
  const are = Float64Array.from(power);
  const aim = new Float64Array(M);
  fft(are, aim, true);
  const acf0 = are[0] as number;
  for (const p of usable) {
    const f = M / p;
    const lo = Math.max(1, Math.floor(f) - 1);
    const hi = Math.min(M / 2, Math.ceil(f) + 1);
    let peak = 0;
    for (let k = lo; k <= hi; k++) peak = Math.max(peak, power[k] as number);
    // The neighbourhood: frequencies from half to twice the candidate's, without the peak's bins.
    const around: number[] = [];
    for (let k = Math.max(1, Math.floor(f / 2)); k <= Math.min(M / 2, Math.ceil(2 * f)); k++) if (k < lo - 1 || k > hi + 1) around.push(power[k] as number);
    around.sort((a, b) => a - b);
    const base = around.length > 0 ? quantileSorted(around, 0.5) : 0;
    const peakRatio = base > 0 ? peak / base : peak > 0 ? Number.POSITIVE_INFINITY : 0;
    // Biased estimator divided by acf0, rescaled to the pairs that overlap at this lag.
    const autocorrelation = acf0 > 0 ? ((are[p] as number) / acf0) * (n / (n - p)) : 0;
    scores.push({ period: p, autocorrelation, peakRatio, clear: autocorrelation >= minAcf && peakRatio >= minPeakRatio });
  }
  let best: (typeof scores)[number] | undefined;
  for (const s of scores) if (s.clear && (!best || s.autocorrelation > best.autocorrelation)) best = s;
  return best ? { period: best.period, scores } : { scores };
}

/** In-place iterative radix-2 FFT (length a power of two); inverse divides by the length. */
function fft(re: Float64Array, im: Float64Array, inverse: boolean): void {
  const n = re.length;
  for (let i = 1, j = 0; i < n; i++) {
    let bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) {
      const tr = re[i] as number;
      re[i] = re[j] as number;
      re[j] = tr;
      const ti = im[i] as number;
      im[i] = im[j] as number;
      im[j] = ti;
    }
  }
  for (let len = 2; len <= n; len <<= 1) {
    const ang = ((inverse ? 2 : -2) * Math.PI) / len;
    const wr = Math.cos(ang);
    const wi = Math.sin(ang);
    for (let i = 0; i < n; i += len) {
      let cr = 1;
      let ci = 0;
      for (let j = 0; j < len / 2; j++) {
        const a = i + j;
        const b = a + len / 2;
        const xr = (re[b] as number) * cr - (im[b] as number) * ci;
        const xi = (re[b] as number) * ci + (im[b] as number) * cr;
        re[b] = (re[a] as number) - xr;
        im[b] = (im[a] as number) - xi;
        re[a] = (re[a] as number) + xr;
        im[a] = (im[a] as number) + xi;
        const nr = cr * wr - ci * wi;
        ci = cr * wi + ci * wr;
        cr = nr;
      }
    }
  }
  if (inverse) for (let i = 0; i < n; i++) {
    re[i] = (re[i] as number) / n;
    im[i] = (im[i] as number) / n;
  }
}

/** Crane-style DSP forecast: the dominant daily/weekly period's average cycle, repeated; flat when none. */
export function craneFft(stepSeconds: number, o: CraneOptions = {}): Forecaster {
  const periods = [...new Set((o.periodsSeconds ?? [DAY, WEEK]).map((s) => Math.round(s / stepSeconds)).filter((p) => p >= 2))];
  const minAcf = o.minAutocorrelation ?? 0.3;
  const minPeak = o.minPeakRatio ?? 4;
  const name = o.name ?? 'crane-fft';
  const day = Math.max(1, Math.round(DAY / stepSeconds));
  return {
    name,
    minHistorySteps: () => MIN_HISTORY_STEPS,
    forecast(history, opts) {
      const { values: all } = prepare(name, history, opts, MIN_HISTORY_STEPS);
      const values = lastSteps(all, maxFitSteps(stepSeconds));
      const n = values.length;
      const H = opts.horizonSteps;
      const { period } = detectPeriod(values, periods, minAcf, minPeak);
      const point = new Array<number>(H);
      if (period === undefined) {
        const recent = lastSteps(values, day);
        const flat = recent.reduce((a, b) => a + b, 0) / recent.length;
        point.fill(flat);
      } else {
        // Average cycle over the complete past cycles, aligned so phase 0 is n - cycles * period.
        const cycles = Math.floor(n / period);
        const start = n - cycles * period;
        const avg = new Float64Array(period);
        for (let c = 0; c < cycles; c++) for (let j = 0; j < period; j++) avg[j] = (avg[j] as number) + (values[start + c * period + j] as number);
        for (let j = 0; j < period; j++) avg[j] = (avg[j] as number) / cycles;
        for (let h = 0; h < H; h++) point[h] = avg[h % period] as number;
      }
      return pointForecast(`${name}${period === undefined ? '(flat)' : `(${period} steps)`}`, history, opts, point);
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Tortoise

/**
 * Tortoise-style: each future step is the maximum of the past samples on the same UTC weekday and
 * hour (168 slots). Slots the history never saw take the maximum of the same hour on any day, then
 * the overall maximum.
 */
export function tortoiseMax(name = 'tortoise-max(weekday-hour)'): Forecaster {
  return {
    name,
    minHistorySteps: () => MIN_HISTORY_STEPS,
    forecast(history, opts) {
      const { values, timestamps } = prepare(name, history, opts, MIN_HISTORY_STEPS);
      const slot = new Float64Array(168).fill(Number.NEGATIVE_INFINITY);
      const hour = new Float64Array(24).fill(Number.NEGATIVE_INFINITY);
      let overall = Number.NEGATIVE_INFINITY;
      for (let i = 0; i < values.length; i++) {
        const v = values[i] as number;
        const s = weekHour(timestamps[i] as number);
        if (v > (slot[s] as number)) slot[s] = v;
        if (v > (hour[s % 24] as number)) hour[s % 24] = v;
        if (v > overall) overall = v;
      }
      const future = futureTimestamps(history, opts.horizonSteps);
      const point = future.map((t) => {
        const s = weekHour(t);
        const a = slot[s] as number;
        if (a > Number.NEGATIVE_INFINITY) return a;
        const b = hour[s % 24] as number;
        return b > Number.NEGATIVE_INFINITY ? b : overall;
      });
      return pointForecast(name, history, opts, point);
    },
  };
}

/** 0..167: UTC weekday (0 = Sunday) * 24 + UTC hour. */
export function weekHour(unixSeconds: number): number {
  const d = new Date(unixSeconds * 1000);
  return d.getUTCDay() * 24 + d.getUTCHours();
}

// ---------------------------------------------------------------------------------------------

/** Every baseline for a step, in a fixed order. */
export function baselineForecasters(stepSeconds: number): Forecaster[] {
  return [
    krrPercentile(stepSeconds),
    krrPercentile(stepSeconds, { mode: 'max' }),
    vpaHistogram(stepSeconds),
    craneFft(stepSeconds),
    tortoiseMax(),
  ];
}
