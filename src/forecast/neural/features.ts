// Feature extraction for the neural quantile model: pure JS, no tfjs, so training and inference
// build exactly the same inputs.
//
// The model works at an hourly resolution whatever the series' step: the input is the last
// WINDOW_HOURS hourly block means before the forecast origin (block k covers
// (t0 - (k+1) h, t0 - k h]), divided by a robust scale (the median of the window's samples), plus
// a few summary features and the calendar of the origin. The output is HORIZON_HOURS hourly
// values per quantile, held constant over the steps of each hour (the loss is trained on the
// 5-minute targets under each hourly value, so the hourly p90 is a p90 of 5-minute load).

/** Hours of history the model reads. */
export const WINDOW_HOURS = 72;
/** Hours the model forecasts (longer horizons repeat the last day, see leadHour). */
export const HORIZON_HOURS = 24;
/** Quantile levels the model predicts, in order. */
export const LEVELS = [0.5, 0.9, 0.99] as const;
/** Summary features after the hourly blocks: last value, last-hour spread, window spread. */
export const SUMMARY_FEATURES = 3;
/** Calendar features: hour-of-day sin/cos, weekday sin/cos. */
export const CALENDAR_FEATURES = 4;
export const INPUT_SIZE = WINDOW_HOURS + SUMMARY_FEATURES + CALENDAR_FEATURES;
/** Scaled inputs are clipped to this range so one spike cannot saturate the network. */
export const CLIP = 20;

const HOUR = 3600;

/** Robust scale of a window: its median, else its mean absolute value, else 1. */
export function robustScale(values: ArrayLike<number>): number {
  const finite: number[] = [];
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    if (Number.isFinite(v)) finite.push(Math.abs(v));
  }
  if (finite.length === 0) return 1;
  finite.sort((a, b) => a - b);
  const med = finite[Math.floor(finite.length / 2)] as number;
  if (med > 0) return med;
  const mean = finite.reduce((s, v) => s + v, 0) / finite.length;
  return mean > 0 ? mean : 1;
}

/** Local hour-of-day (fractional) and weekday (0 = Sunday) of a Unix time, in UTC or a IANA zone. */
export function calendarOf(t: number, timezone?: string): { hour: number; weekday: number } {
  if (!timezone || timezone === 'UTC') {
    const d = new Date(t * 1000);
    return { hour: d.getUTCHours() + d.getUTCMinutes() / 60, weekday: d.getUTCDay() };
  }
  const parts = zoneFormat(timezone).formatToParts(new Date(t * 1000));
  const get = (type: string): string => parts.find((p) => p.type === type)?.value ?? '0';
  const wd = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'].indexOf(get('weekday'));
  return { hour: (Number(get('hour')) % 24) + Number(get('minute')) / 60, weekday: Math.max(0, wd) };
}

const formats = new Map<string, Intl.DateTimeFormat>();
function zoneFormat(timezone: string): Intl.DateTimeFormat {
  let f = formats.get(timezone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone: timezone, hour12: false, hour: '2-digit', minute: '2-digit', weekday: 'short' });
    formats.set(timezone, f);
  }
  return f;
}

/**
 * Hourly block means ending at t0 (oldest first): block i (0..nBlocks-1) covers
 * (t0 - (nBlocks - i) h, t0 - (nBlocks - i - 1) h]. A block with no finite sample takes the
 * linear interpolation of the samples at its centre (coarse steps), else the nearest block's mean.
 * Timestamps ascending. Returns undefined when there are no finite samples at all.
 */
export function hourlyBlocks(timestamps: ArrayLike<number>, values: ArrayLike<number>, t0: number, nBlocks: number): Float64Array | undefined {
  const sum = new Float64Array(nBlocks);
  const cnt = new Float64Array(nBlocks);
  const start = t0 - nBlocks * HOUR;
  let lo = lowerBound(timestamps, start);
  for (let i = lo; i < timestamps.length; i++) {
    const t = timestamps[i] as number;
    if (t > t0) break;
    if (t <= start) continue;
    const v = values[i] as number;
    if (!Number.isFinite(v)) continue;
    const b = Math.min(nBlocks - 1, Math.floor((t - start - 1e-9) / HOUR));
    sum[b] = (sum[b] as number) + v;
    cnt[b] = (cnt[b] as number) + 1;
  }
  const out = new Float64Array(nBlocks).fill(Number.NaN);
  let any = false;
  for (let b = 0; b < nBlocks; b++) {
    if ((cnt[b] as number) > 0) {
      out[b] = (sum[b] as number) / (cnt[b] as number);
      any = true;
    }
  }
  // Empty blocks: interpolate the raw samples at the block centre (series coarser than an hour).
  lo = Math.max(0, lo - 1);
  for (let b = 0; b < nBlocks; b++) {
    if (Number.isFinite(out[b] as number)) continue;
    const c = start + (b + 0.5) * HOUR;
    const v = interpolateAt(timestamps, values, c);
    if (v !== undefined) {
      out[b] = v;
      any = true;
    }
  }
  if (!any) return undefined;
  // Still empty (before the first sample): nearest filled block.
  let last = Number.NaN;
  for (let b = 0; b < nBlocks; b++) {
    if (Number.isFinite(out[b] as number)) last = out[b] as number;
    else if (Number.isFinite(last)) out[b] = last;
  }
  let next = Number.NaN;
  for (let b = nBlocks - 1; b >= 0; b--) {
    if (Number.isFinite(out[b] as number)) next = out[b] as number;
    else out[b] = next;
  }
  return out;
}

function lowerBound(a: ArrayLike<number>, x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((a[mid] as number) < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function interpolateAt(ts: ArrayLike<number>, vs: ArrayLike<number>, t: number): number | undefined {
  const i = lowerBound(ts, t);
  let a = i - 1;
  while (a >= 0 && !Number.isFinite(vs[a] as number)) a--;
  let b = i;
  while (b < ts.length && !Number.isFinite(vs[b] as number)) b++;
  if (a < 0 && b >= ts.length) return undefined;
  if (a < 0) return vs[b] as number;
  if (b >= ts.length) return vs[a] as number;
  const ta = ts[a] as number;
  const tb = ts[b] as number;
  if (tb === ta) return vs[a] as number;
  const w = (t - ta) / (tb - ta);
  return (vs[a] as number) * (1 - w) + (vs[b] as number) * w;
}

export interface ModelInput {
  /** INPUT_SIZE features. */
  features: Float32Array;
  /** Divide by this to normalise, multiply to restore. */
  scale: number;
}

/**
 * Features for a forecast from origin t0 (the last history timestamp), from the samples in
 * [from, to) of the arrays (the caller passes the window; anything older is ignored).
 */
export function buildInput(
  timestamps: ArrayLike<number>,
  values: ArrayLike<number>,
  t0: number,
  timezone?: string,
): ModelInput | undefined {
  const blocks = hourlyBlocks(timestamps, values, t0, WINDOW_HOURS);
  if (!blocks) return undefined;
  const windowStart = t0 - WINDOW_HOURS * HOUR;
  const from = lowerBound(timestamps, windowStart + 1e-9);
  const inWindow: number[] = [];
  let lastValue = Number.NaN;
  const lastHour: number[] = [];
  let absDiff = 0;
  let diffs = 0;
  let prev = Number.NaN;
  for (let i = from; i < timestamps.length; i++) {
    const t = timestamps[i] as number;
    if (t > t0) break;
    const v = values[i] as number;
    if (!Number.isFinite(v)) continue;
    inWindow.push(v);
    lastValue = v;
    if (t > t0 - HOUR) lastHour.push(v);
    if (Number.isFinite(prev)) {
      absDiff += Math.abs(v - prev);
      diffs++;
    }
    prev = v;
  }
  const scale = robustScale(inWindow.length > 0 ? inWindow : Array.from(blocks));
  const f = new Float32Array(INPUT_SIZE);
  const clip = (x: number): number => Math.max(-CLIP, Math.min(CLIP, x));
  for (let b = 0; b < WINDOW_HOURS; b++) f[b] = clip((blocks[b] as number) / scale);
  const lastBlock = blocks[WINDOW_HOURS - 1] as number;
  f[WINDOW_HOURS] = clip((Number.isFinite(lastValue) ? lastValue : lastBlock) / scale);
  f[WINDOW_HOURS + 1] = clip(spread(lastHour) / scale);
  f[WINDOW_HOURS + 2] = clip((diffs > 0 ? absDiff / diffs : 0) / scale);
  const cal = calendarOf(t0, timezone);
  const k = WINDOW_HOURS + SUMMARY_FEATURES;
  f[k] = Math.sin((2 * Math.PI * cal.hour) / 24);
  f[k + 1] = Math.cos((2 * Math.PI * cal.hour) / 24);
  f[k + 2] = Math.sin((2 * Math.PI * cal.weekday) / 7);
  f[k + 3] = Math.cos((2 * Math.PI * cal.weekday) / 7);
  return { features: f, scale };
}

function spread(xs: number[]): number {
  if (xs.length < 2) return 0;
  const m = xs.reduce((s, v) => s + v, 0) / xs.length;
  let ss = 0;
  for (const x of xs) ss += (x - m) * (x - m);
  return Math.sqrt(ss / xs.length);
}

/** Scaled seasonal-naive baseline per lead hour: the block mean 24 hours earlier. The model predicts p50 as this plus a residual. */
export function baselineIndex(leadHour: number): number {
  return WINDOW_HOURS - 24 + (leadHour % 24);
}

/**
 * The output hour (0..HORIZON_HOURS-1) that serves a step `leadSeconds` after the origin
 * (leadSeconds > 0): hour floor((lead - 1) / 3600); past the model's horizon, the same hour of
 * the last forecast day.
 */
export function leadHour(leadSeconds: number): number {
  const h = Math.floor((leadSeconds - 1e-9) / HOUR);
  if (h < HORIZON_HOURS) return Math.max(0, h);
  return HORIZON_HOURS - 24 + (h % 24);
}

/** Fine targets under each hourly forecast: one slot per step of the hour. */
export function slotsPerHour(stepSeconds: number): number {
  return Math.max(1, Math.round(HOUR / stepSeconds));
}

export interface Sample extends ModelInput {
  /** HORIZON_HOURS x slots scaled targets (0 where masked). */
  target: Float32Array;
  /** 1 where target holds a finite actual. */
  mask: Float32Array;
}

/**
 * A training sample from origin index `o` of a regular series (t0 = timestamps[o]): the inputs
 * from samples at or before t0, the targets from the HORIZON_HOURS hours after it. Undefined
 * when the window before or the horizon after is not covered by the series.
 */
export function makeSample(timestamps: ArrayLike<number>, values: ArrayLike<number>, o: number, stepSeconds: number, timezone?: string): Sample | undefined {
  const t0 = timestamps[o] as number;
  const first = timestamps[0] as number;
  const last = timestamps[timestamps.length - 1] as number;
  if (t0 - first < WINDOW_HOURS * HOUR - stepSeconds || last - t0 < HORIZON_HOURS * HOUR) return undefined;
  const input = buildInput(timestamps, values, t0, timezone);
  if (!input) return undefined;
  const slots = slotsPerHour(stepSeconds);
  const target = new Float32Array(HORIZON_HOURS * slots);
  const mask = new Float32Array(HORIZON_HOURS * slots);
  let filled = 0;
  for (let i = o + 1; i < timestamps.length; i++) {
    const lead = (timestamps[i] as number) - t0;
    if (lead > HORIZON_HOURS * HOUR) break;
    const v = values[i] as number;
    if (!Number.isFinite(v)) continue;
    const h = Math.floor((lead - 1e-9) / HOUR);
    const s = Math.min(slots - 1, Math.floor(((lead - 1e-9) - h * HOUR) / stepSeconds));
    const k = h * slots + s;
    target[k] = Math.max(-CLIP * 2, Math.min(CLIP * 2, v / input.scale));
    mask[k] = 1;
    filled++;
  }
  if (filled === 0) return undefined;
  return { ...input, target, mask };
}
