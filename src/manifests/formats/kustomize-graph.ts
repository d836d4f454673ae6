// Which kustomizations of the repository build from a file: every kustomization (kustomization.yaml,
// .yml or Kustomization in any directory), what it lists (resources, bases, components, patch
// files) and, through the directories it lists, everything it builds. An edit to a file changes
// the render of every kustomization that reaches it; the target's own build is left out.
import { isMap } from 'yaml';
import type { YAMLMap } from 'yaml';
import type { Ctx } from '../yaml-util.js';
import { getKey, parseText, str, strAt } from '../yaml-util.js';
import { joinPath, normPath } from '../paths.js';
import { KUSTOMIZATION_NAMES, entries, isRemote } from './kustomize-walk.js';

/** More entries than this and the listing is given up as incomplete. */
const MAX_ENTRIES = 200000;
const SKIPPED_DIRS = new Set(['.git', 'node_modules']);

interface Node {
  dir: string;
  /** kind: Component: never rendered alone. */
  component: boolean;
  /** Files it names directly (its own file, resource files, patch files). */
  files: string[];
  /** Kustomization directories it builds from (resources, bases, components). */
  dirs: string[];
}

/** Kustomizations whose render an edit of a file would change, or 'unknown' when the repository could not be listed. */
export type Sharers = string[] | 'unknown';

export interface KustomizeGraph {
  /** False when the repository listing did not show the target's own kustomization (a view that lists no directories). */
  complete: boolean;
  /** Kustomizations outside the target's build (and not components) whose build reaches `file`, sorted. */
  sharers(file: string): Sharers;
}

const outside = (p: string) => p === '..' || p.startsWith('../') || p.startsWith('/');

/** Every kustomization file in the repository, by directory (a file lists nothing, so it is not descended into). */
function kustomizationFiles(ctx: Ctx): { files: Map<string, string>; truncated: boolean } {
  const files = new Map<string, string>();
  const queue = [''];
  for (let seen = 0; queue.length > 0; seen++) {
    if (seen > MAX_ENTRIES) return { files, truncated: true };
    const dir = queue.pop() as string;
    for (const entry of ctx.repo.list(dir).map(normPath)) {
      const name = entry.slice(entry.lastIndexOf('/') + 1);
      if (KUSTOMIZATION_NAMES.includes(name) && ctx.peek(entry) !== undefined) {
        const had = files.get(dir);
        const rank = (p: string) => KUSTOMIZATION_NAMES.indexOf(p.slice(p.lastIndexOf('/') + 1));
        if (had === undefined || rank(entry) < rank(had)) files.set(dir, entry);
      } else if (!SKIPPED_DIRS.has(name)) queue.push(entry);
    }
  }
  return { files, truncated: false };
}

function patchFiles(dir: string, root: YAMLMap): string[] {
  const out: string[] = [];
  for (const e of entries(getKey(root, 'patchesStrategicMerge'))) {
    const s = str(e);
    if (s !== undefined && !/\n/.test(s) && !/^\s*(apiVersion|kind)\s*:/.test(s)) out.push(joinPath(dir, s));
  }
  for (const key of ['patches', 'patchesJson6902']) {
    for (const e of entries(getKey(root, key))) {
      const p = strAt(e, 'path');
      if (p !== undefined) out.push(joinPath(dir, p));
    }
  }
  return out;
}

function readNode(ctx: Ctx, dir: string, path: string, kdirs: Map<string, string>, broken: string[]): Node {
  const node: Node = { dir, component: false, files: [path], dirs: [] };
  const parsed = parseText(path, ctx.peek(path) ?? '');
  const root = parsed.docs[0]?.contents;
  if (parsed.errors.length > 0 || !isMap(root)) {
    broken.push(path);
    return node;
  }
  node.component = strAt(root, 'kind') === 'Component';
  for (const key of ['resources', 'bases', 'components']) {
    for (const e of entries(getKey(root, key))) {
      const rel = str(e);
      if (rel === undefined || isRemote(rel)) continue;
      const p = joinPath(dir, rel);
      if (outside(p)) continue;
      if (kdirs.has(p)) node.dirs.push(p);
      else node.files.push(p);
    }
  }
  node.files.push(...patchFiles(dir, root).filter((p) => !outside(p)));
  return node;
}

/** Directories and files a kustomization's build reaches, itself included. */
function closure(nodes: Map<string, Node>, start: string): { dirs: Set<string>; files: Set<string> } {
  const dirs = new Set<string>();
  const files = new Set<string>();
  const stack = [start];
  while (stack.length > 0) {
    const d = stack.pop() as string;
    if (dirs.has(d)) continue;
    dirs.add(d);
    const n = nodes.get(d);
    if (!n) continue;
    for (const f of n.files) files.add(f);
    stack.push(...n.dirs);
  }
  return { dirs, files };
}

/** The graph of the repository's kustomizations, seen from the target's kustomization directory. */
export function kustomizeGraph(ctx: Ctx, targetDir: string): KustomizeGraph {
  const { files: kdirs, truncated } = kustomizationFiles(ctx);
  const broken: string[] = [];
  const nodes = new Map<string, Node>();
  for (const [dir, path] of kdirs) nodes.set(dir, readNode(ctx, dir, path, kdirs, broken));
  if (broken.length > 0) {
    ctx.note(`kustomizations Augur could not read when looking for overlays that share files: ${broken.join(', ')}; overlays building through them are not listed`);
  }
  const complete = !truncated && nodes.has(targetDir);
  const own = closure(nodes, targetDir).dirs;
  const reach = new Map<string, Set<string>>();
  const reached = (dir: string) => {
    let r = reach.get(dir);
    if (!r) reach.set(dir, (r = closure(nodes, dir).files));
    return r;
  };
  return {
    complete,
    sharers(file: string): Sharers {
      if (!complete) return 'unknown';
      const f = normPath(file);
      return [...nodes.values()]
        .filter((n) => !n.component && !own.has(n.dir) && reached(n.dir).has(f))
        .map((n) => n.dir)
        .sort();
    },
  };
}
