// Paths in the checkout, never followed out of it. A committed symbolic link could point anywhere
// (/etc, another checkout, the service account token): Augur reads and writes only regular files
// and directories reached without passing a link. A link on a path Augur is asked for is an error
// that names it (the target is held with it); links met while listing a directory are left out.
import { closeSync, constants, lstatSync, mkdirSync, openSync, readdirSync, readFileSync, readlinkSync, writeSync } from 'node:fs';
import { join, posix } from 'node:path';
import type { RepoView } from '../domain/workload.js';

export class SymlinkError extends Error {
  constructor(
    readonly path: string,
    readonly link: string,
    target: string,
    action: 'read' | 'write',
  ) {
    super(
      `${link === path ? path : `${link} (on the path of ${path})`} is a symbolic link to ${JSON.stringify(target)}: Augur does not follow symbolic links in the manifest repository, ` +
        `so it ${action === 'read' ? 'cannot read' : 'will not write'} ${path}; commit the file itself there, or point the target's manifest.path at the file the link names`,
    );
    this.name = 'SymlinkError';
  }
}

/** The repository-relative path without "." and "..", or undefined when it leaves the repository. */
export function normalise(path: string): string | undefined {
  const p = posix.normalize(path.replace(/\\/g, '/')).replace(/\/$/, '');
  if (p.startsWith('/') || p === '..' || p.startsWith('../')) return undefined;
  return p === '.' ? '' : p.replace(/^\.\//, '');
}

/** Throws SymlinkError when any component of `path` (under `root`) is a symbolic link; returns whether it exists. */
function walk(root: string, path: string, action: 'read' | 'write'): boolean {
  const parts = path === '' ? [] : path.split('/');
  for (let i = 1; i <= parts.length; i++) {
    const rel = parts.slice(0, i).join('/');
    const full = join(root, rel);
    let isLink: boolean;
    try {
      isLink = lstatSync(full).isSymbolicLink();
    } catch {
      return false; // does not exist (yet)
    }
    if (isLink) throw new SymlinkError(path, rel, safeReadlink(full), action);
  }
  return true;
}

function safeReadlink(full: string): string {
  try {
    return readlinkSync(full);
  } catch {
    return '?';
  }
}

/** The files of a checkout, read without following a symbolic link. */
export function checkoutView(root: string): RepoView {
  return {
    read(path) {
      const p = normalise(path);
      if (p === undefined || p === '' || !walk(root, p, 'read')) return undefined;
      try {
        return lstatSync(join(root, p)).isFile() ? readFileSync(join(root, p), 'utf8') : undefined;
      } catch {
        return undefined;
      }
    },
    list(dir) {
      const d = normalise(dir);
      if (d === undefined || !walk(root, d, 'read')) return [];
      try {
        return readdirSync(join(root, d), { withFileTypes: true })
          .filter((e) => (e.isFile() || e.isDirectory()) && e.name !== '.git')
          .map((e) => posix.join(d, e.name))
          .sort();
      } catch {
        return [];
      }
    },
  };
}

/** Writes a file of the checkout; refuses a path that leaves it or passes a symbolic link (the last component included). */
export function writeInside(root: string, path: string, content: string): void {
  const p = normalise(path);
  if (p === undefined || p === '') throw new Error(`refusing to write ${JSON.stringify(path)}: not a path inside the repository`);
  walk(root, p, 'write');
  const parts = p.split('/');
  // Create missing directories one by one, each checked: nothing may appear as a link meanwhile.
  for (let i = 1; i < parts.length; i++) {
    const dir = join(root, ...parts.slice(0, i));
    try {
      mkdirSync(dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    if (lstatSync(dir).isSymbolicLink()) throw new SymlinkError(p, parts.slice(0, i).join('/'), safeReadlink(dir), 'write');
  }
  // O_NOFOLLOW: the file itself is never a link, whatever happened since the check.
  let fd: number;
  try {
    fd = openSync(join(root, p), constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW, 0o644);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ELOOP') throw new SymlinkError(p, p, safeReadlink(join(root, p)), 'write');
    throw err;
  }
  try {
    writeSync(fd, content);
  } finally {
    closeSync(fd);
  }
}
