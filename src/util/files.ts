// The state Augur keeps in state.dir (the kept series, the selections): an index written whole or
// not at all, and one file per series or workload written in place.
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

let temporaries = 0;

/**
 * Writes `data` to `path` whole or not at all: a temporary file beside it, then a rename. For the
 * indexes; the per-workload files are written in place (writeInPlace), since a rename cost 0.3 to
 * 0.5 ms on this machine's ext4, ten times the write, and there are thousands of them a cycle.
 */
export async function writeWhole(path: string, data: string | Uint8Array): Promise<void> {
  const tmp = `${path}.${process.pid}.${temporaries++}.tmp`;
  try {
    await mkdir(dirname(path), { recursive: true });
    await writeFile(tmp, data);
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

/** Leftover temporary files of a process that died while writing into `dir`. */
export function removeTemporaries(dir: string): void {
  try {
    for (const f of readdirSync(dir)) if (f.endsWith('.tmp')) rmSync(join(dir, f), { force: true });
  } catch {
    // no directory yet
  }
}

/**
 * Writes `data` over `path` (created with its directory when missing). A write cut short leaves a
 * truncated file, so its reader must refuse one that does not parse whole (JSON, v8.deserialize).
 */
export function writeInPlace(path: string, data: string | Uint8Array): void {
  try {
    writeFileSync(path, data);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, data);
  }
}
