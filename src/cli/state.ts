// The selection state on disk (state.dir/selections/): each workload's chosen model and its fitted
// parameters, so a restart or the next CronJob run refits instead of selecting again. One JSON file
// per workload (.sel: written over in place with a check, util/files.ts; .json: the unchecked
// files of the previous version, written again as .sel when first read), read when its forecast
// needs it and written when it changes, and an
// index of what each file holds (written whole, then renamed), so a fleet's selections are never
// all in memory: at 5,000 workloads they were about 50 MB of text and several times that as
// objects, held for the whole cycle. A missing, unreadable or older-format file is no entry (the
// workload selects once more), never an error that stops a cycle.
import { readFileSync, rmSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { resolveFrom, type LoadedConfig } from '../config/load.js';
import { SelectionCache, entryFrom, entryToJSON, parsePacked, type SelectionEntry, type SelectionStore } from '../forecast/registry.js';
import { effectiveSettings } from '../config/schema.js';
import type { Logger } from '../domain/ports.js';
import { fileOf, indexOnDisk, readChecked, readIndex, writeChecked, writeIndex } from '../util/files.js';

const SELECTIONS_DIR = 'selections';
/** The single file earlier versions kept every selection in; read once into the directory. */
const OLD_FILE = 'selections.json';
const INDEX_VERSION = 1;
/** A workload's selection file (fileOf): its key's hash; .json for the previous version's. */
const FILE = /^[0-9a-f]{32}\.(sel|json)$/;

/** The directory of the selection state, when the config sets state.dir. */
export function selectionsDir(loaded: LoadedConfig): string | undefined {
  const dir = loaded.config.state?.dir;
  return dir ? join(resolveFrom(loaded, dir), SELECTIONS_DIR) : undefined;
}

/** The directory of the kept Prometheus series (metrics/history.ts), when the config sets state.dir and keeps them. */
export function historyDir(loaded: LoadedConfig): string | undefined {
  const state = loaded.config.state;
  return state?.dir && state.history ? join(resolveFrom(loaded, state.dir), 'history') : undefined;
}

/** The selection cache over the files in `dir` (taking in an older version's selections.json beside it, once). */
export function openSelections(dir: string, log: Logger): SelectionCache {
  const files = new SelectionFiles(dir, log);
  const old = join(dir, '..', OLD_FILE);
  if (files.size === 0) {
    let text: string | undefined;
    try {
      text = readFileSync(old, 'utf8');
    } catch {
      // none: nothing to take in
    }
    if (text !== undefined) {
      try {
        for (const [key, e] of SelectionCache.entriesFromJSON(text)) files.set(key, e);
      } catch (err) {
        log.warn({ file: old, err: String(err) }, 'the selection state of an earlier version is not valid JSON; every workload selects again');
      }
      files.retire(old);
    }
  }
  return new SelectionCache(files);
}

/** Writes what the cycle changed and the index, without entries older than the longest sizing.reselectEvery; a failure is logged, not thrown. */
export async function saveSelections(cache: SelectionCache, loaded: LoadedConfig, now: number): Promise<void> {
  const maxAge = Math.max(0, ...loaded.config.targets.map((t) => effectiveSettings(loaded.config, t).sizing.reselectEvery));
  await cache.flush(now, maxAge);
}

interface Indexed {
  file: string;
  at: number;
}

/** What an index entry must hold besides its file (readIndex checks the file's name). */
const indexedOk = (i: Indexed) => typeof i.at === 'number';

/**
 * The entries as files in `dir`: read on get, written on set, the index written on flush (with
 * what other processes on the directory listed since, the newer of each key's). An entry whose
 * file cannot be written (a read-only or full volume) is kept in memory instead, for this
 * process's next cycles.
 */
class SelectionFiles implements SelectionStore {
  private readonly index: Map<string, Indexed>;
  /** Entries whose file could not be written: what they are, while this process runs. */
  private readonly unsaved = new Map<string, SelectionEntry>();
  /** A file to delete once the directory holds what it held. */
  private retired?: string;
  /** The entry read or written last. */
  private last?: { key: string; entry: SelectionEntry | undefined };

  constructor(
    private readonly dir: string,
    private readonly log: Logger,
  ) {
    this.index = readIndex(dir, INDEX_VERSION, FILE, indexedOk, log, { name: 'selection index', otherwise: 'every workload selects again' });
  }

  get(key: string): SelectionEntry | undefined {
    // A target asks twice in a row (whether it must select, then its forecast): read the file once.
    if (this.last?.key === key) return this.last.entry;
    const kept = this.unsaved.get(key);
    if (kept) return kept;
    const i = this.index.get(key);
    if (!i) return undefined;
    let entry: SelectionEntry | undefined;
    try {
      const path = join(this.dir, i.file);
      const text = i.file.endsWith('.json') ? readFileSync(path, 'utf8') : readChecked(path)?.toString('utf8');
      const parsed = text === undefined ? undefined : (parsePacked(text) as { key?: unknown; entry?: unknown });
      entry = parsed?.key === key ? entryFrom(parsed.entry) : undefined;
    } catch {
      entry = undefined; // gone or damaged: the workload selects again
    }
    // The previous version's unchecked file is written again as a checked one as soon as it is read:
    // a refit writes its entry only when the parameters change, which may not be for a day.
    if (entry && i.file.endsWith('.json')) this.set(key, entry);
    // An index written before a run that selected again died (its file written, its index not):
    // the entry's own time, or the flush would delete a fresh selection as old.
    else if (entry && entry.at !== i.at) this.index.set(key, { file: i.file, at: entry.at });
    this.last = { key, entry };
    return entry;
  }

  set(key: string, entry: SelectionEntry): void {
    const file = fileOf(key, 'sel');
    this.last = { key, entry };
    try {
      // A write cut short fails its check, and the workload selects again.
      writeChecked(join(this.dir, file), `{"key":${JSON.stringify(key)},"entry":${entryToJSON(entry)}}`);
      const before = this.index.get(key)?.file;
      if (before !== undefined && before !== file) rmSync(join(this.dir, before), { force: true });
      this.index.set(key, { file, at: entry.at });
      this.unsaved.delete(key);
    } catch (err) {
      this.index.delete(key);
      this.unsaved.set(key, entry);
      this.log.warn({ dir: this.dir, err: String(err) }, "could not write a workload's selection; kept in memory, it selects again next run");
    }
  }

  get size(): number {
    let size = this.index.size;
    for (const key of this.unsaved.keys()) if (!this.index.has(key)) size++;
    return size;
  }

  *entries(): Iterable<[string, SelectionEntry]> {
    yield* this.unsaved;
    for (const key of this.index.keys()) {
      if (this.unsaved.has(key)) continue;
      const e = this.get(key);
      if (e) yield [key, e];
    }
  }

  retire(file: string): void {
    this.retired = file;
  }

  async flush(now: number, maxAgeSeconds: number): Promise<void> {
    for (const [key, e] of this.unsaved) if (now - e.at >= maxAgeSeconds) this.unsaved.delete(key);
    try {
      // What another process listed since this one read the index: its keys, and its newer entries of ours.
      for (const [key, d] of indexOnDisk(this.dir, INDEX_VERSION, FILE, indexedOk)) {
        const mine = this.unsaved.get(key)?.at ?? this.index.get(key)?.at;
        if (mine !== undefined && d.at <= mine) {
          if (!this.index.has(key)) this.index.set(key, d);
          continue;
        }
        this.index.set(key, d);
        this.unsaved.delete(key);
        if (this.last?.key === key) this.last = undefined;
      }
      for (const [key, i] of this.index) {
        if (now - i.at < maxAgeSeconds) continue;
        this.index.delete(key);
        await rm(join(this.dir, i.file), { force: true });
      }
      await writeIndex(this.dir, INDEX_VERSION, this.index);
      if (this.retired) await rm(this.retired, { force: true });
    } catch (err) {
      this.log.warn({ dir: this.dir, err: String(err) }, 'could not write the selection index; the next run selects again');
    }
  }
}
