// Section 1 (forecast throughput) and section 3 (memory per selectAndForecast call).
import { fitExponentialSmoothing, fitLeads } from '../src/forecast/holtWinters.js';
import { defaultForecasters, selectAndForecast } from '../src/forecast/index.js';
import { SelectionCache } from '../src/forecast/registry.js';
import type { Forecast, ForecastOptions } from '../src/domain/forecast.js';
import type { Series } from '../src/domain/series.js';
import { allocatedDuring, fullGc, hasGc, exactAllocationAccounting, HORIZON_STEPS, QUANTILES, ROOT, STEP, summarize, type PoolSeries, type Summary } from './lib.js';

export const OPTS: ForecastOptions = { horizonSteps: HORIZON_STEPS, quantiles: QUANTILES };
export const BASELINE = 'seasonal-naive(daily)';
export const SELECT = 'selectAndForecast (every candidate backtested, 3 origins, then refit)';
export const CACHED = 'SelectionCache hit (the choice is under a day old: refit the chosen model or ensemble only)';

/** Untimed passes per method before the first timed one (JIT warm-up). */
export const WARMUP_PASSES = 2;
/** A timed sample lasts at least this long, so timer resolution and one-off pauses matter less. */
const MIN_SAMPLE_MS = 250;

let nextId = 0;

interface Method {
  name: string;
  run: (s: Series) => Forecast;
}

export function methods(): Method[] {
  const models = defaultForecasters(STEP);
  const out: Method[] = models.map((m) => ({ name: m.name, run: (s: Series) => m.forecast(s, OPTS) }));
  out.push({ name: SELECT, run: (s: Series) => selectAndForecast(s, OPTS) });
  // What a cycle runs between selections: the first (warm-up) pass selects, every later pass hits.
  const cache = new SelectionCache();
  const ids = new WeakMap<Series, string>();
  out.push({
    name: CACHED,
    run: (s: Series) => {
      let id = ids.get(s);
      if (id === undefined) ids.set(s, (id = `series-${ids.has(s) ? 0 : nextId++}`));
      return cache.forecast(id, s, OPTS, { now: 0, maxAgeSeconds: Number.POSITIVE_INFINITY });
    },
  });
  return out;
}

export interface ThroughputRow {
  name: string;
  baseline: boolean;
  /** Series per second, over the repetitions. */
  seriesPerSecond: Summary;
  /** Milliseconds per series. */
  msPerSeries: Summary;
  /** Time per series ÷ the baseline's time per series in the same repetition. */
  ratio: Summary;
  /** Passes over the pool per timed sample. */
  passes: number;
}

export interface ThroughputResult {
  rows: ThroughputRow[];
  /** Which model selectAndForecast chose, per series label. */
  chosen: { label: string; model: string; wape?: number }[];
  seconds: number;
}

function pass(m: Method, pool: PoolSeries[]): number {
  let sink = 0;
  for (const p of pool) {
    const f = m.run(p.series);
    const q = f.quantiles['0.99'];
    if (!q || q.length !== HORIZON_STEPS || !Number.isFinite(q[HORIZON_STEPS - 1] as number)) {
      throw new Error(`${m.name} on ${p.label}: bad forecast (p99 has ${q?.length} steps, last ${q?.[HORIZON_STEPS - 1]})`);
    }
    sink += q[0] as number;
  }
  return sink;
}

/**
 * Throughput of each method over the pool. Each repetition times every method once, in an order
 * rotated by one each repetition, so load from other processes on the machine lands on all
 * methods alike and the ratio to the baseline (taken within the repetition) stays stable.
 */
export function throughput(pool: PoolSeries[], log: (msg: string) => void, reps: number): ThroughputResult {
  const started = performance.now();
  const ms = methods();
  const passes = new Map<string, number>();
  for (const m of ms) {
    for (let i = 0; i < WARMUP_PASSES; i++) pass(m, pool);
    const t0 = performance.now();
    pass(m, pool);
    const one = performance.now() - t0;
    passes.set(m.name, Math.max(1, Math.ceil(MIN_SAMPLE_MS / Math.max(one, 0.01))));
    log(`  warm-up ${m.name}: ${(one / pool.length).toFixed(2)} ms/series`);
  }
  const perSeries = new Map<string, number[]>(ms.map((m) => [m.name, []]));
  for (let r = 0; r < reps; r++) {
    const order = ms.map((_, i) => ms[(i + r) % ms.length] as Method);
    for (const m of order) {
      const k = passes.get(m.name) as number;
      const t0 = performance.now();
      for (let i = 0; i < k; i++) pass(m, pool);
      const elapsed = performance.now() - t0;
      (perSeries.get(m.name) as number[]).push(elapsed / (k * pool.length));
    }
    log(`  repetition ${r + 1}/${reps} done`);
  }
  const base = perSeries.get(BASELINE) as number[];
  const rows = ms.map((m): ThroughputRow => {
    const t = perSeries.get(m.name) as number[];
    return {
      name: m.name,
      baseline: m.name === BASELINE,
      seriesPerSecond: summarize(t.map((x) => 1000 / x)),
      msPerSeries: summarize(t),
      ratio: summarize(t.map((x, i) => x / (base[i] as number))),
      passes: passes.get(m.name) as number,
    };
  });
  const chosen = pool.map((p) => {
    const f = selectAndForecast(p.series, OPTS);
    return { label: p.label, model: f.model, ...(f.accuracy ? { wape: f.accuracy.wape } : {}) };
  });
  return { rows, chosen, seconds: (performance.now() - started) / 1000 };
}

// ---------------------------------------------------------------------------------------------
// Holt-Winters fits

/** The fits fitThroughput times: name, season steps at 5 minutes (0: no season), multiplicative. */
export const HW_FITS: readonly { name: string; m: number; mult: boolean }[] = [
  { name: 'holt-winters-additive(daily)', m: 288, mult: false },
  { name: 'holt-winters-multiplicative(daily)', m: 288, mult: true },
  { name: 'holt-winters-additive(weekly)', m: 2016, mult: false },
  { name: 'damped-trend', m: 0, mult: false },
];

/** The commit whose Holt-Winters run loops were unrolled by hand (three 150-180-line copies), before the generated kernel. */
export const UNROLLED_COMMIT = 'd994002';

/**
 * The fit as it was at UNROLLED_COMMIT, read from git history into bench/.baseline-holtWinters.ts
 * (git-ignored) so the bench can time it beside today's in the same run; undefined, with the reason
 * logged, when the history is not there (a shallow clone).
 */
export async function unrolledFit(log: (msg: string) => void): Promise<FitImpl | undefined> {
  const { execFileSync } = await import('node:child_process');
  const { writeFileSync } = await import('node:fs');
  const { join } = await import('node:path');
  let text: string;
  try {
    text = execFileSync('git', ['show', `${UNROLLED_COMMIT}:src/forecast/holtWinters.ts`], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    log(`  the unrolled Holt-Winters of ${UNROLLED_COMMIT} is not in this clone's history, so it is not compared: ${(err as Error).message.split('\n')[0]}`);
    return undefined;
  }
  const file = join(ROOT, 'bench', '.baseline-holtWinters.ts');
  writeFileSync(file, text.replace("from './model.js'", "from '../src/forecast/model.js'").replace("from '../domain/forecast.js'", "from '../src/domain/forecast.js'"));
  const mod = (await import(file)) as { fitExponentialSmoothing: typeof fitExponentialSmoothing };
  return { name: `unrolled (${UNROLLED_COMMIT})`, fit: mod.fitExponentialSmoothing };
}

/** An implementation of the fit (fitExponentialSmoothing, or another version of it to compare against). */
export interface FitImpl {
  name: string;
  fit: typeof fitExponentialSmoothing;
}

export interface FitRow {
  impl: string;
  model: string;
  /** Fits (parameter search plus the states of the winner) per second, over the repetitions. */
  fitsPerSecond: Summary;
  /** Time per fit ÷ the first implementation's time per fit for the same model in the same repetition. */
  ratio: Summary;
  passes: number;
}

/**
 * Fits per second of the Holt-Winters models alone (fitExponentialSmoothing on the pool's
 * values, with the leads of a HORIZON_STEPS forecast; no quantiles), for each of `impls`. Every
 * repetition times each model with every implementation back to back (models and
 * implementations in an order rotated each repetition), so the ratio between implementations is
 * taken between neighbouring samples and load from other processes mostly cancels out.
 */
export function fitThroughput(pool: PoolSeries[], log: (msg: string) => void, reps: number, impls: readonly FitImpl[] = [{ name: 'src', fit: fitExponentialSmoothing }]): FitRow[] {
  const values = pool.map((p) => Float64Array.from(p.series.values));
  const leads = fitLeads(HORIZON_STEPS);
  const key = (impl: FitImpl, model: (typeof HW_FITS)[number]) => `${impl.name} ${model.name}`;
  const fitPass = (impl: FitImpl, model: (typeof HW_FITS)[number]): number => {
    let sink = 0;
    for (const v of values) sink += impl.fit(v, model.m, model.mult, leads).forecast(1)[0] as number;
    return sink;
  };
  const passes = new Map<string, number>();
  for (const model of HW_FITS) {
    for (const impl of impls) {
      for (let i = 0; i < WARMUP_PASSES; i++) fitPass(impl, model);
      const t0 = performance.now();
      fitPass(impl, model);
      const one = performance.now() - t0;
      passes.set(key(impl, model), Math.max(1, Math.ceil(MIN_SAMPLE_MS / Math.max(one, 0.01))));
      log(`  warm-up ${key(impl, model)}: ${(one / values.length).toFixed(2)} ms/fit`);
    }
  }
  const perFit = new Map<string, number[]>();
  for (let r = 0; r < reps; r++) {
    for (let j = 0; j < HW_FITS.length; j++) {
      const model = HW_FITS[(j + r) % HW_FITS.length] as (typeof HW_FITS)[number];
      for (let i = 0; i < impls.length; i++) {
        const impl = impls[(i + r) % impls.length] as FitImpl;
        const k = passes.get(key(impl, model)) as number;
        const t0 = performance.now();
        for (let p = 0; p < k; p++) fitPass(impl, model);
        const samples = perFit.get(key(impl, model)) ?? [];
        samples.push((performance.now() - t0) / (k * values.length));
        perFit.set(key(impl, model), samples);
      }
    }
    log(`  repetition ${r + 1}/${reps} done`);
  }
  return impls.flatMap((impl) =>
    HW_FITS.map((model): FitRow => {
      const t = perFit.get(key(impl, model)) as number[];
      const base = perFit.get(key(impls[0] as FitImpl, model)) as number[];
      return {
        impl: impl.name,
        model: model.name,
        fitsPerSecond: summarize(t.map((x) => 1000 / x)),
        ratio: summarize(t.map((x, i) => x / (base[i] as number))),
        passes: passes.get(key(impl, model)) as number,
      };
    }),
  );
}

// ---------------------------------------------------------------------------------------------
// Memory

export interface MemoryRow {
  name: string;
  /** V8 heap bytes allocated per call (JS objects, arrays, numbers), over the calls. */
  heapAllocated: Summary;
  /** Typed-array backing stores allocated per call (outside the V8 heap). */
  bufferAllocated: Summary;
  /** Mean heap + buffer allocation per call ÷ the baseline's (means: allocation adds up, and per series it is deterministic, so a median would jump between series). */
  ratio: number;
  /** Bytes a kept result holds (heap + array buffers after a full GC), per call. */
  retained: number;
  /** Heap + array buffers left after many calls whose results were dropped, per call (a leak shows here). */
  leftover: number;
  calls: number;
}

export interface MemoryResult {
  rows: MemoryRow[];
  gc: boolean;
  note?: string;
}

/** Calls per method in the memory section: the pool this many times. */
export const MEMORY_POOL_PASSES = 3;

/**
 * Heap bytes per call. Allocation: the used V8 heap's growth plus what each GC during the call
 * freed (v8.GCProfiler); array buffers the same way, with concurrent sweeping turned off so a
 * GC's "after" figures already reflect what it freed (set here, after the timed sections, since
 * it moves that work onto the main thread). Retained and leftover:
 * process.memoryUsage() after full GCs (needs --expose-gc).
 */
export function memory(pool: PoolSeries[]): MemoryResult {
  if (!hasGc) return { rows: [], gc: false, note: 'global.gc is not available: run node with --expose-gc (npm run bench does)' };
  exactAllocationAccounting();
  const ms = methods().filter((m) => m.name === BASELINE || m.name === SELECT);
  const rows: MemoryRow[] = [];
  for (const m of ms) {
    pass(m, pool); // warm
    const heap: number[] = [];
    const buffers: number[] = [];
    for (let k = 0; k < MEMORY_POOL_PASSES; k++) {
      for (const p of pool) {
        // No full GC before each call: a major GC flushes the bytecode of functions it deems
        // old, and recompiling them would be counted as the call's allocation (up to +1.7 MiB,
        // every other call). GCs that happen during a call are accounted for by allocatedDuring.
        const a = allocatedDuring(() => m.run(p.series));
        heap.push(a.heap);
        buffers.push(a.buffers);
      }
    }
    const calls = MEMORY_POOL_PASSES * pool.length;

    // Retained and leftover, after full GCs: before any call (r0), with every result of the
    // calls kept (r1), and after dropping them (r2). Retained = r1 - r2 (the same moment of the
    // program but for the results); leftover = r2 - r0 (what the calls left behind).
    fullGc();
    const r0 = heapAndBuffers();
    const kept: Forecast[] = [];
    for (let k = 0; k < MEMORY_POOL_PASSES; k++) for (const p of pool) kept.push(m.run(p.series));
    fullGc();
    const r1 = heapAndBuffers();
    kept.length = 0;
    fullGc();
    const r2 = heapAndBuffers();
    const retained = (r1 - r2) / calls;
    const leftover = (r2 - r0) / calls;

    rows.push({ name: m.name, heapAllocated: summarize(heap), bufferAllocated: summarize(buffers), ratio: 1, retained, leftover, calls });
  }
  const base = rows.find((r) => r.name === BASELINE);
  if (base) {
    const b = base.heapAllocated.mean + base.bufferAllocated.mean;
    for (const r of rows) r.ratio = (r.heapAllocated.mean + r.bufferAllocated.mean) / b;
  }
  return { rows, gc: true };
}

function heapAndBuffers(): number {
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}
