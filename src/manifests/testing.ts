// RepoView helpers for tests and tools: an in-memory repository, a directory on disk, and an
// overlay of changed files on top of either.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { RepoView } from '../domain/workload.js';
import { normPath } from './paths.js';

/** A repository held in memory: path -> content. */
export function memRepo(files: Record<string, string>): RepoView {
  const map = new Map(Object.entries(files).map(([k, v]) => [normPath(k), v]));
  return {
    read: (p) => map.get(normPath(p)),
    list: (dir) => {
      const d = normPath(dir);
      const prefix = d === '' ? '' : `${d}/`;
      const out = new Set<string>();
      for (const k of map.keys()) {
        if (!k.startsWith(prefix)) continue;
        const rest = k.slice(prefix.length);
        const slash = rest.indexOf('/');
        out.add(prefix + (slash < 0 ? rest : rest.slice(0, slash)));
      }
      return [...out].sort();
    },
  };
}

/** A directory on disk as a repository. */
export function fsRepo(root: string): RepoView {
  return {
    read: (p) => {
      try {
        const full = join(root, normPath(p));
        return statSync(full).isFile() ? readFileSync(full, 'utf8') : undefined;
      } catch {
        return undefined;
      }
    },
    list: (dir) => {
      const d = normPath(dir);
      try {
        return readdirSync(join(root, d))
          .map((n) => (d === '' ? n : `${d}/${n}`))
          .sort();
      } catch {
        return [];
      }
    },
  };
}

/** `base` with some files replaced (e.g. by the output of applyEdits). */
export function overlayRepo(base: RepoView, changed: Map<string, string> | Record<string, string>): RepoView {
  const map = changed instanceof Map ? changed : new Map(Object.entries(changed));
  return {
    read: (p) => map.get(normPath(p)) ?? base.read(p),
    list: (dir) => base.list(dir),
  };
}
