// The selection state on disk (state.dir/selections.json): each workload's chosen model and its
// fitted parameters, so a restart or the next CronJob run refits instead of selecting again.
// Written atomically (a temporary file, then rename); a missing, unreadable or older-format file
// is an empty state (every workload selects once more), never an error that stops a cycle.
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { resolveFrom, type LoadedConfig } from '../config/load.js';
import { SelectionCache } from '../forecast/registry.js';
import { effectiveSettings } from '../config/schema.js';
import type { Logger } from '../domain/ports.js';

export const SELECTIONS_FILE = 'selections.json';

/** The file of the selection state, when the config sets state.dir. */
export function selectionsFile(loaded: LoadedConfig): string | undefined {
  const dir = loaded.config.state?.dir;
  return dir ? join(resolveFrom(loaded, dir), SELECTIONS_FILE) : undefined;
}

/** The directory of the kept Prometheus series (metrics/history.ts), when the config sets state.dir and keeps them. */
export function historyDir(loaded: LoadedConfig): string | undefined {
  const state = loaded.config.state;
  return state?.dir && state.history ? join(resolveFrom(loaded, state.dir), 'history') : undefined;
}

export function loadSelections(file: string, log: Logger): SelectionCache {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') log.warn({ file, err: String(err) }, 'selection state unreadable; every workload selects again');
    return new SelectionCache();
  }
  try {
    return SelectionCache.fromJSON(text);
  } catch (err) {
    log.warn({ file, err: String(err) }, 'selection state is not valid JSON; every workload selects again');
    return new SelectionCache();
  }
}

/** Writes the cache (without entries older than the longest sizing.reselectEvery); a failure is logged, not thrown. */
export function saveSelections(file: string, cache: SelectionCache, loaded: LoadedConfig, now: number, log: Logger): void {
  const maxAge = Math.max(0, ...loaded.config.targets.map((t) => effectiveSettings(loaded.config, t).sizing.reselectEvery));
  try {
    mkdirSync(join(file, '..'), { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    const fd = openSync(tmp, 'w');
    try {
      // An entry at a time: the fleet's state is never one string in memory.
      cache.writeJSON((chunk) => writeAll(fd, chunk), now, maxAge);
      fsyncSync(fd);
    } catch (err) {
      rmSync(tmp, { force: true });
      throw err;
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, file);
  } catch (err) {
    log.warn({ file, err: String(err) }, 'could not write the selection state; the next run selects again');
  }
}

function writeAll(fd: number, chunk: string): void {
  const bytes = Buffer.from(chunk, 'utf8');
  for (let at = 0; at < bytes.length; ) at += writeSync(fd, bytes, at);
}
