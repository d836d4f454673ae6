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
import { fileOf, readChecked, readIndex, writeChecked, writeIndex } from '../util/files.js';

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

/** The entries as files in `dir`: read on get, written on set, the index written on flush. */
class SelectionFiles implements SelectionStore {
  private readonly index: Map<string, Indexed>;
  /** A file to delete once the directory holds what it held. */
  private retired?: string;
  /** The entry read or written last. */
  private last?: { key: string; entry: SelectionEntry | undefined };

  constructor(
    private readonly dir: string,
    private readonly log: Logger,
  ) {
    const ok = (i: Indexed) => typeof i.at === 'number';
    this.index = readIndex(dir, INDEX_VERSION, FILE, ok, log, { name: 'selection index', otherwise: 'every workload selects again' });
  }

  get(key: string): SelectionEntry | undefined {
    // A target asks twice in a row (whether it must select, then its forecast): read the file once.
    if (this.last?.key === key) return this.last.entry;
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
    } catch (err) {
      this.index.delete(key);
      this.last = undefined;
      this.log.warn({ dir: this.dir, err: String(err) }, "could not write a workload's selection; it selects again next run");
    }
  }

  get size(): number {
    return this.index.size;
  }

  *entries(): Iterable<[string, SelectionEntry]> {
    for (const key of this.index.keys()) {
      const e = this.get(key);
      if (e) yield [key, e];
    }
  }

  retire(file: string): void {
    this.retired = file;
  }

  async flush(now: number, maxAgeSeconds: number): Promise<void> {
    try {
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
