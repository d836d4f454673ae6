// Every forecaster Augur knows, by role: the candidates Augur's selection chooses among, and the
// baselines (src/forecast/baselines.ts: what krr, VPA, Crane and Tortoise would forecast) it is
// compared with in `augur backtest`.
import type { Forecast, Forecaster } from '../domain/forecast.js';
import type { Series } from '../domain/series.js';
import { baselineForecasters } from './baselines.js';
import { prepareHistory } from './clean.js';
import { ForecastError } from './errors.js';
import { spreadOf } from '../util/spread.js';
import { averageForecasts, defaultForecasters, ENSEMBLE_SIZE, selectAndForecast, type SelectOptions } from './select.js';
import { numbersOf } from '../util/numbers.js';

/** 'model': a registered extra model (the neural one), scored in backtests, selected only on request. */
export type ForecasterKind = 'augur-candidate' | 'model' | 'baseline';

/**
 * More models (e.g. the neural one): each factory is called with the series' step. Their
 * forecasters are scored in allForecasters (`augur backtest`) and join Augur's candidates when a
 * selection asks for them (augurCandidates(..., true); the agent: sizing.neural). Push a factory
 * here at module load.
 */
export const extraCandidates: ((stepSeconds: number) => Forecaster[])[] = [];

/**
 * What registered extra candidates, by name ("neural"), so worker threads of backtest and
 * simulate can register the same ones before they score (a registry is per thread).
 */
export const registeredExtras = new Set<string>();


/** The candidates Augur selects among for a step: defaultForecasters, then the extra models when `withExtras`. */
export function augurCandidates(stepSeconds: number, seasonSteps?: readonly number[], withExtras = false): Forecaster[] {
  return [...defaultForecasters(stepSeconds, seasonSteps), ...(withExtras ? extraCandidates.flatMap((f) => f(stepSeconds)) : [])];
}

/** Every forecaster for a step: Augur's candidates, the extra models, then the baselines. */
export function allForecasters(stepSeconds: number): { model: Forecaster; kind: ForecasterKind }[] {
  return [
    ...augurCandidates(stepSeconds).map((model) => ({ model, kind: 'augur-candidate' as const })),
    ...extraCandidates.flatMap((f) => f(stepSeconds)).map((model) => ({ model, kind: 'model' as const })),
    ...baselineForecasters(stepSeconds).map((model) => ({ model, kind: 'baseline' as const })),
  ];
}

/** Augur's own forecast: per-series selection among the candidates (selectAndForecast). */
export function selectAugur(history: Series, opts: SelectOptions): Forecast {
  // No warm start: the backtests must search on each origin's own data, and one model's
  // parameters mean nothing to the others.
  const { warmStart: _ignored, ...rest } = opts;
  return selectAndForecast(history, { ...rest, candidates: opts.candidates ?? augurCandidates(history.stepSeconds, opts.seasonSteps) });
}

/**
 * Augur's per-workload selection as a Forecaster, for backtests: at each origin it selects among
 * the candidates on the data before it, and records the model it picked in `picked`.
 */
export function augurForecaster(stepSeconds: number, picked: string[], name = 'augur', withExtras = false): Forecaster {
  const candidates = augurCandidates(stepSeconds, undefined, withExtras);
  return {
    name,
    minHistorySteps: (opts) => Math.min(...candidates.map((c) => c.minHistorySteps(opts))),
    forecast(history, opts) {
      // As the cycle does (prepareHistory): a counter's rate, gaps filled and incidents excluded before the selection.
      const fc = selectAugur(prepareHistory(history).series, { ...opts, candidates });
      picked.push(fc.model);
      return fc;
    },
  };
}

/**
 * Selection is the expensive part of a forecast (every candidate backtested at every origin);
 * the chosen model changes slowly. The cache keeps each workload's choice (the model, or the
 * ensemble's members) with what its selection measured (the accuracy, the candidates' ranking and
 * any other field of the selection's result, but not the forecast values), and until the entry is
 * due a forecast only refits those models on the new history. It selects again when the entry is
 * due, when the forecast options (the candidates among them) or the step changed, or when a
 * chosen model can no longer forecast the history.
 *
 * An entry is due at most `maxAgeSeconds` (sizing.reselectEvery) after its selection, and at the
 * earliest half of that: each workload's own point in that span (a stable hash of its key), so
 * after a first cycle that selects the whole fleet the next selections fall a slice per cycle
 * across the day rather than all in one cycle.
 *
 * A selection when an entry is due reuses what the last one measured: only the PRUNE_KEEP
 * candidates that ranked best at the workload's last full selection are backtested again (the
 * others are named in Forecast.notScored), and every candidate again once that full selection is
 * `fullEverySeconds` old (sizing.fullSelectionEvery, a week by default), when the options changed,
 * or when the kept ones no longer do (selectPruned). Replayed daily on the shared traces, that is
 * about a fifth less selection CPU for the same next-day p90 loss (BENCHMARKS.md section 8,
 * bench/reselect.ts): a candidate that ranked below the five best seldom wins a day later.
 *
 * A refit also reuses each member's fitted parameters (Forecast.warmStart, kept per member name
 * and replaced by what each refit returns), so a model with a parameter search (Holt-Winters,
 * damped trend) only runs its recursion. They are kept from the selection itself (an ensemble's
 * from its memberWarmStarts). A new selection starts with no parameters, and the selection itself
 * (its backtests, its refit) never gets any.
 *
 * The entries live in a SelectionStore: a Map (in memory, for one process), or files in state.dir
 * (src/cli/state.ts), read when a workload's forecast needs its entry and written when it changes,
 * so they survive a restart or a CronJob's next run and a fleet's entries are never all in memory.
 */
export class SelectionCache {
  /** Selections (full backtests) and refits done through this cache since it was made. */
  readonly counts = { selected: 0, refitted: 0 };

  constructor(private readonly entries: SelectionStore = new Map<string, SelectionEntry>()) {}

  /**
   * The forecast for a workload: a refit of its kept choice while that is fresh, else a selection.
   * `selected`: the result of selectPruned(history, opts, prune) computed elsewhere (a worker
   * thread), used instead of selecting here when one is needed (see nextStep).
   */
  forecast(key: string, history: Series, opts: SelectOptions, at: CacheClock, selected?: Forecast): Forecast {
    const { now, maxAgeSeconds } = at;
    const { warmStart: _ignored, ...base } = opts;
    const signature = signatureOf(history, opts, at.keep);
    const e = this.entries.get(key);
    const step = this.next(e, signature, history, opts, at);
    if (step.refit && e) {
      const refit = this.refit(e.members, e.warm, history, base);
      if (refit) {
        this.counts.refitted++;
        // Stored again only when a refit's parameters replaced kept ones: a warm-started refit gives
        // back the parameters it was given, and rewriting every workload's entry each cycle (a file
        // in state.dir) would change nothing in it.
        if (refit.changed) this.entries.set(key, e);
        const { model: _m, stepSeconds: _s, members: _mm, firstLead: _f, selectedAt: _a, ...kept } = e.selected;
        return { ...refit.forecast, ...kept, selectedAt: e.at };
      }
    }
    const fc = selected ?? selectPruned(history, base, step.refit ? undefined : step.prune);
    this.counts.selected++;
    const warm = new Map<string, unknown>();
    if (!fc.members && fc.warmStart !== undefined) warm.set(fc.model, fc.warmStart);
    for (const [member, w] of Object.entries(fc.memberWarmStarts ?? {})) warm.set(member, w);
    const selection = selectionOf(fc);
    this.entries.set(key, {
      at: now,
      due: now + maxAgeSeconds * (1 - 0.5 * spreadOf(key)),
      signature,
      members: fc.members ?? [fc.model],
      selected: at.keep ? at.keep.apply(selection) : selection,
      warm,
      fullAt: fc.notScored?.since ?? now,
    });
    return fc.members ? withoutWarmStart(fc) : fc;
  }

  /**
   * What forecast() will do for these options: refit the kept choice (`refit: true`), or select
   * (selectPruned with `prune`: among the candidates that ranked best at the last full selection,
   * or, without it, among all). A kept choice whose models can no longer forecast the history is
   * only found out by the refit, which then selects in place.
   */
  nextStep(key: string, history: Series, opts: SelectOptions, at: CacheClock): NextStep {
    return this.next(this.entries.get(key), signatureOf(history, opts, at.keep), history, opts, at);
  }

  private next(e: SelectionEntry | undefined, signature: string, history: Series, opts: SelectOptions, at: CacheClock): NextStep {
    if (!e || e.signature !== signature) return { refit: false };
    // A selection made more than the maximum age after now (a clock that was ahead, then put right)
    // is due, not fresh until its own time comes round again.
    const ahead = e.at - at.now > at.maxAgeSeconds;
    if (at.now < Math.min(e.due, e.at + at.maxAgeSeconds) && !ahead) return { refit: true };
    const fullEvery = at.fullEverySeconds ?? DEFAULT_FULL_SELECTION_EVERY;
    if (e.fullAt === undefined || at.now - e.fullAt >= fullEvery || ahead) return { refit: false };
    const names = pool(history, opts).map((c) => c.name);
    const ranked = (e.selected.candidates ?? []).filter((c) => Number.isFinite(c.selectionLoss) && names.includes(c.model));
    // Fewer than an ensemble's worth cannot stand in for a full selection.
    if (ranked.length < ENSEMBLE_SIZE) return { refit: false };
    const only = ranked.slice(0, PRUNE_KEEP).map((c) => c.model);
    // Left out: those ranked below them now, and those a pruned selection since the full one left out.
    const below = new Set([...ranked.slice(PRUNE_KEEP).map((c) => c.model), ...(e.selected.notScored?.models ?? [])]);
    const skipped = names.filter((n) => below.has(n) && !only.includes(n));
    // Keeping every candidate ranked would be a full selection.
    if (skipped.length === 0) return { refit: false };
    return { refit: false, prune: { only, skipped, since: e.fullAt, bestLoss: (ranked[0] as { selectionLoss: number }).selectionLoss } };
  }

  /** How many workloads have an entry. */
  get size(): number {
    return this.entries.size;
  }

  /** Lets the store finish a cycle: a store of files deletes entries older than `maxAgeSeconds` at `now` and writes its index. */
  async flush(now: number, maxAgeSeconds: number): Promise<void> {
    await this.entries.flush?.(now, maxAgeSeconds);
  }

  /** The entries as JSON text (fromJSON reads it back), without those older than `maxAgeSeconds` at `now`. */
  toJSON(now?: number, maxAgeSeconds?: number): string {
    const parts: string[] = [];
    for (const [key, e] of this.entries.entries()) {
      if (now !== undefined && maxAgeSeconds !== undefined && now - e.at >= maxAgeSeconds) continue;
      parts.push(`${JSON.stringify(key)}:${entryToJSON(e)}`);
    }
    return `{"version":${SELECTION_STATE_VERSION},"entries":{${parts.join(',')}}}`;
  }

  /** A cache (in memory) holding the entries of toJSON's text; entries it cannot read are left out (they are selected again). */
  static fromJSON(text: string): SelectionCache {
    return new SelectionCache(SelectionCache.entriesFromJSON(text));
  }

  /** The entries of toJSON's text (an older version's selections.json is that text). */
  static entriesFromJSON(text: string): Map<string, SelectionEntry> {
    const entries = new Map<string, SelectionEntry>();
    const parsed = parsePacked(text) as { version?: unknown; entries?: Record<string, unknown> };
    if (parsed.version === SELECTION_STATE_VERSION && typeof parsed.entries === 'object' && parsed.entries !== null) {
      for (const [key, e] of Object.entries(parsed.entries)) {
        const entry = entryFrom(e);
        if (entry) entries.set(key, entry);
      }
    }
    return entries;
  }

  /** The refitted forecast, and whether any member's kept parameters changed (as they are stored: their JSON). */
  private refit(members: string[], warm: Map<string, unknown>, history: Series, opts: SelectOptions): { forecast: Forecast; changed: boolean } | undefined {
    const candidates = pool(history, opts);
    const models = members.map((m) => candidates.find((c) => c.name === m));
    if (models.some((m) => m === undefined)) return undefined;
    try {
      let changed = false;
      const fcs = (models as Forecaster[]).map((m) => {
        const w = warm.get(m.name);
        const fc = m.forecast(history, w === undefined ? opts : { ...opts, warmStart: w });
        if (JSON.stringify(fc.warmStart) !== JSON.stringify(w)) changed = true;
        if (fc.warmStart !== undefined) warm.set(m.name, fc.warmStart);
        else warm.delete(m.name);
        return fc;
      });
      // An ensemble's forecast carries no member's parameters (averageForecasts keeps the first's fields).
      const forecast = fcs.length === 1 ? (fcs[0] as Forecast) : { ...withoutWarmStart(averageForecasts(fcs)), members };
      return { forecast, changed };
    } catch (err) {
      if (err instanceof ForecastError) return undefined;
      throw err;
    }
  }
}

/**
 * When a cache lookup happens, how long a selection lasts and, optionally, what of a selection is
 * kept: `keep.apply` shrinks it as it is stored (the agent keeps only what its sizing reads of the
 * backtest's calibration), and `keep.id` names that choice, so a change of it selects again.
 */
export interface CacheClock {
  now: number;
  maxAgeSeconds: number;
  /** How often a selection backtests every candidate, not only the best of the last full one (default DEFAULT_FULL_SELECTION_EVERY; 0: always). */
  fullEverySeconds?: number;
  keep?: { id: string; apply: (selection: Selection) => Selection };
}

/** What a selection found, kept between cycles: its result without the forecast values and without a model's parameters. */
export type Selection = Omit<Forecast, 'timestamps' | 'quantiles' | 'warmStart' | 'memberWarmStarts'>;

/** Where a cache keeps its entries: a Map, or a store of files that also writes them out (flush). */
export interface SelectionStore {
  get(key: string): SelectionEntry | undefined;
  set(key: string, entry: SelectionEntry): void;
  readonly size: number;
  entries(): Iterable<[string, SelectionEntry]>;
  flush?(now: number, maxAgeSeconds: number): Promise<void>;
}

export interface SelectionEntry {
  at: number;
  /** When it is selected again (see spreadOf). */
  due: number;
  signature: string;
  members: string[];
  selected: Selection;
  warm: Map<string, unknown>;
  /** When every candidate was last backtested (undefined: unknown, so the next selection is a full one). */
  fullAt?: number;
}

interface PersistedEntry {
  at: number;
  due: number;
  signature: string;
  members: string[];
  selected: Selection;
  warm?: Record<string, unknown>;
  fullAt?: number;
}

/** One entry as JSON text: long arrays of numbers as base64 float64 (exact, a third of the text). */
export function entryToJSON(e: SelectionEntry): string {
  const entry: PersistedEntry = { at: e.at, due: e.due, signature: e.signature, members: e.members, selected: e.selected, warm: Object.fromEntries(e.warm), ...(e.fullAt !== undefined ? { fullAt: e.fullAt } : {}) };
  return JSON.stringify(entry, packNumbers);
}

/** JSON text written with entryToJSON's packing, parsed with the numbers unpacked. */
export function parsePacked(text: string): unknown {
  return JSON.parse(text, unpackNumbers);
}

/** A parsed entryToJSON as an entry again; undefined when it is not one (it is selected again). */
export function entryFrom(value: unknown): SelectionEntry | undefined {
  const e = value as Partial<PersistedEntry> | null;
  if (typeof e?.at !== 'number' || typeof e.due !== 'number' || typeof e.signature !== 'string' || !Array.isArray(e.members) || typeof e.selected?.model !== 'string') return undefined;
  return {
    at: e.at,
    due: e.due,
    signature: e.signature,
    members: e.members.map(String),
    selected: e.selected,
    warm: new Map(Object.entries(e.warm ?? {})),
    ...(typeof e.fullAt === 'number' ? { fullAt: e.fullAt } : {}),
  };
}

/** Bump when the persisted shape changes: older files are then ignored (every workload selects once more). */
export const SELECTION_STATE_VERSION = 1;

/** Candidates a reselection backtests again between full selections: the best of the last full one. */
export const PRUNE_KEEP = 5;

/** How much worse than at the last selection the best kept candidate may score before a pruned reselection backtests every candidate. */
export const PRUNE_REGRESSION = 2;

/** How often a selection backtests every candidate by default (sizing.fullSelectionEvery): a week. */
export const DEFAULT_FULL_SELECTION_EVERY = 7 * 86_400;

/** The candidates a selection with these options chooses among. */
function pool(history: Series, opts: SelectOptions): Forecaster[] {
  return opts.candidates ?? augurCandidates(history.stepSeconds, opts.seasonSteps);
}

/** What SelectionCache.forecast does next (nextStep). */
export type NextStep = { refit: true } | { refit: false; prune?: Prune };

/**
 * A reselection among the candidates `only` (the best at the full selection of `since`, unix
 * seconds), leaving out `skipped` (those that ranked below them), `bestLoss` the selection loss of
 * the best of them at the last selection.
 */
export interface Prune {
  only: string[];
  skipped: string[];
  since: number;
  bestLoss: number;
}

/**
 * selectAugur, among `prune.only` when given (in the pool's order, which breaks ties), the
 * other candidates then named in Forecast.notScored. A full selection instead when none of `only`
 * can forecast the history, or when the best of them now scores more than PRUNE_REGRESSION times
 * its loss at the last selection: the workload changed, and a model the kept ranking left out may
 * now be the one that follows it (a series flat at the full selection, every model tied, that
 * then starts to move).
 */
export function selectPruned(history: Series, opts: SelectOptions, prune?: Prune): Forecast {
  if (prune) {
    const candidates = pool(history, opts);
    try {
      const fc = selectAugur(history, { ...opts, candidates: candidates.filter((c) => prune.only.includes(c.name)) });
      const best = fc.candidates?.[0]?.selectionLoss ?? Number.NaN;
      if (best <= prune.bestLoss * PRUNE_REGRESSION) {
        return { ...fc, notScored: { models: prune.skipped, since: prune.since } };
      }
    } catch (err) {
      if (!(err instanceof ForecastError)) throw err;
    }
  }
  return selectAugur(history, opts);
}

/** defaultForecasters' names for a step and seasons, made once (asked for twice per target and cycle). */
const defaultNamesBy = new Map<string, readonly string[]>();
function defaultNames(stepSeconds: number, seasonSteps?: readonly number[]): readonly string[] {
  const key = JSON.stringify([stepSeconds, seasonSteps ?? null]);
  let names = defaultNamesBy.get(key);
  if (!names) defaultNamesBy.set(key, (names = defaultForecasters(stepSeconds, seasonSteps).map((c) => c.name)));
  return names;
}

/** Whether a selection with these options chooses among Augur's default candidates only (no extra model, e.g. the neural one). */
export function defaultCandidatesOnly(history: Series, opts: SelectOptions): boolean {
  if (!opts.candidates) return true;
  const defaults = defaultNames(history.stepSeconds, opts.seasonSteps);
  return opts.candidates.length === defaults.length && opts.candidates.every((c, i) => c.name === defaults[i]);
}

function signatureOf(history: Series, opts: SelectOptions, keep?: { id: string }): string {
  // The candidates' names when they are not the default ones (sizing.neural adds one), so a
  // candidate that joins or leaves selects again; entries kept with the default ones still match.
  const candidates = defaultCandidatesOnly(history, opts) ? [] : [pool(history, opts).map((c) => c.name)];
  return JSON.stringify([history.stepSeconds, opts.horizonSteps, [...opts.quantiles].sort(), opts.seasonSteps ?? null, opts.origins ?? null, opts.timezone ?? null, ...(keep ? [keep.id] : []), ...candidates]);
}

function selectionOf(fc: Forecast): Selection {
  const { timestamps: _t, quantiles: _q, warmStart: _w, memberWarmStarts: _mw, ...rest } = fc;
  return rest;
}

/** JSON replacer: long arrays of numbers (backtest calibration rows and the like) as base64 float64, exact and a third of the text. */
function packNumbers(_key: string, value: unknown): unknown {
  if (Array.isArray(value) && value.length >= 16 && value.every((v) => typeof v === 'number')) {
    return { f64: Buffer.from(new Float64Array(value as number[]).buffer).toString('base64') };
  }
  return value;
}

function unpackNumbers(_key: string, value: unknown): unknown {
  if (value && typeof value === 'object' && !Array.isArray(value) && Object.keys(value).length === 1 && typeof (value as { f64?: unknown }).f64 === 'string') {
    const bytes = new Uint8Array(Buffer.from((value as { f64: string }).f64, 'base64')); // a copy: aligned for Float64Array
    return numbersOf(new Float64Array(bytes.buffer, 0, Math.floor(bytes.byteLength / 8)));
  }
  return value;
}

function withoutWarmStart(fc: Forecast): Forecast {
  if (!('warmStart' in fc) && !('memberWarmStarts' in fc)) return fc;
  const { warmStart: _dropped, memberWarmStarts: _members, ...rest } = fc;
  return rest;
}
