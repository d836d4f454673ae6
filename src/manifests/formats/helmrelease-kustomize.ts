// The kustomization side of the helmrelease format: which resources a kustomization builds
// (resources and bases, recursively, and components) and which of its patches may apply to a
// HelmRelease, highest priority first (what kustomize applies last wins). Only what a HelmRelease
// needs: no replicas entries (they do not apply to custom resources), and strategic-merge patches
// are kept apart from JSON 6902 patches, which Augur reads but never edits.
import { isMap, isScalar, isSeq } from 'yaml';
import type { YAMLMap, YAMLSeq } from 'yaml';
import { ManifestError } from '../../domain/errors.js';
import { joinPath } from '../paths.js';
import type { Ctx, ParsedFile } from '../yaml-util.js';
import { asSeq, getKey, lineOf, parseText, str, strAt } from '../yaml-util.js';
import type { ResourceDoc } from '../workload.js';
import { resourceDocs } from '../workload.js';
import type { Embedded } from './embedded-yaml.js';
import { embeddedYaml } from './embedded-yaml.js';

const KUSTOMIZATION_NAMES = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'];

export interface Target {
  group?: string;
  version?: string;
  kind?: string;
  name?: string;
  namespace?: string;
  labelSelector?: string;
  annotationSelector?: string;
}

/**
 * One patch document. An inline patch is parsed from its string: `embedded` maps it back to the
 * kustomization's bytes (whose document `outerDocIndex` holds it, at `yamlPrefix`); `unmapped`
 * says why it cannot be (a folded or quoted string).
 */
export type Patch =
  | { t: 'smp'; file: ParsedFile; docIndex: number; root: YAMLMap; target?: Target; where: string; embedded?: Embedded; unmapped?: string; outerDocIndex?: number; yamlPrefix?: string }
  | { t: 'json'; file: ParsedFile; docIndex: number; ops: YAMLSeq; target: Target; where: string };

export interface Level {
  dir: string;
  file: string;
  kfile: ParsedFile;
  depth: number;
  namespace?: string;
  prefix: string;
  suffix: string;
  /** Highest priority first. */
  patches: Patch[];
}

export interface Occ {
  doc: ResourceDoc;
  /** Kustomizations from the target's (index 0) down to the one listing the resource. */
  chain: Level[];
}

export interface Build {
  occs: Occ[];
  skipped: string[];
}

export function findKustomization(ctx: Ctx, dir: string): string | undefined {
  return KUSTOMIZATION_NAMES.map((n) => joinPath(dir, n)).find((p) => ctx.exists(p));
}

function isRemote(entry: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(entry) || /^git@/.test(entry) || /^(github\.com|gitlab\.com|bitbucket\.org)\//.test(entry) || entry.includes('?ref=');
}

function entries(node: unknown): unknown[] {
  return asSeq(node)?.items ?? [];
}

function readTarget(node: unknown): Target | undefined {
  if (!isMap(node)) return undefined;
  const t: Target = {};
  for (const k of ['group', 'version', 'kind', 'name', 'namespace', 'labelSelector', 'annotationSelector'] as const) {
    const v = strAt(node, k);
    if (v !== undefined) t[k] = v;
  }
  return t;
}

type PatchOrigin = { embedded?: Embedded; unmapped?: string; outerDocIndex?: number; yamlPrefix?: string };

function patchesOf(ctx: Ctx, file: ParsedFile, target: Target | undefined, where: string, origin: PatchOrigin): Patch[] {
  if (file.errors.length > 0) {
    ctx.note(`${where}: could not be read (${file.errors[0]}); if it patches the HelmRelease, edits elsewhere may not take effect`);
    return [];
  }
  const out: Patch[] = [];
  file.docs.forEach((d, docIndex) => {
    const c = d.contents;
    if (isMap(c)) out.push({ t: 'smp', file, docIndex, root: c, where, ...(target ? { target } : {}), ...origin });
    else if (isSeq(c) && target) out.push({ t: 'json', file, docIndex, ops: c, target, where });
  });
  return out;
}

/** An inline patch: its string parsed and, when it is a literal block, mapped back to the kustomization. */
function inlinePatches(ctx: Ctx, kfile: ParsedFile, node: unknown, target: Target | undefined, label: string, yamlPrefix: string): Patch[] {
  const line = isScalar(node) && node.range ? lineOf(kfile.text, node.range[0]) : 0;
  const where = `inline patch at ${kfile.path}:${line} (${label})`;
  const e = embeddedYaml(kfile, node);
  if (e.kind === 'ok') return patchesOf(ctx, e.embedded.inner, target, where, { embedded: e.embedded, outerDocIndex: 0, yamlPrefix });
  return patchesOf(ctx, parseText(kfile.path, e.value ?? ''), target, where, { unmapped: e.why });
}

function levelPatches(ctx: Ctx, dir: string, kfile: ParsedFile, k: YAMLMap): Patch[] {
  const fromPath = (rel: string, target: Target | undefined, label: string): Patch[] => {
    const p = joinPath(dir, rel);
    const f = ctx.parsed(p);
    if (!f) {
      ctx.note(`${kfile.path}: ${label} names ${p}, which does not exist; kustomize would fail`);
      return [];
    }
    return patchesOf(ctx, f, target, `patch ${p} (${kfile.path} ${label})`, {});
  };
  // Kustomize applies patchesStrategicMerge, then patches, then patchesJson6902.
  const applied: Patch[] = [];
  entries(getKey(k, 'patchesStrategicMerge')).forEach((e, i) => {
    const s = str(e);
    const label = `patchesStrategicMerge[${i}]`;
    if (s === undefined) return;
    if (/\n/.test(s) || /^\s*(apiVersion|kind)\s*:/.test(s)) applied.push(...inlinePatches(ctx, kfile, e, undefined, label, `${label}.`));
    else applied.push(...fromPath(s, undefined, label));
  });
  for (const key of ['patches', 'patchesJson6902'] as const) {
    entries(getKey(k, key)).forEach((e, i) => {
      const target = readTarget(getKey(e, 'target'));
      const label = `${key}[${i}]`;
      const p = strAt(e, 'path');
      if (p !== undefined) applied.push(...fromPath(p, target, label));
      else if (getKey(e, 'patch') !== undefined) applied.push(...inlinePatches(ctx, kfile, getKey(e, 'patch'), target, label, `${label}.patch.`));
    });
  }
  return applied.reverse();
}

function loadLevel(ctx: Ctx, dir: string, kpath: string, depth: number): { level: Level; root: YAMLMap } {
  const kfile = ctx.parsedStrict(kpath, 'a kustomization');
  const root = kfile?.docs[0]?.contents;
  if (!kfile || !isMap(root)) {
    throw new ManifestError(`${kpath}: not a kustomization (expected a map with resources:, patches:, ...); fix the file or point path: elsewhere`);
  }
  const level: Level = { dir, file: kpath, kfile, depth, prefix: strAt(root, 'namePrefix') ?? '', suffix: strAt(root, 'nameSuffix') ?? '', patches: levelPatches(ctx, dir, kfile, root) };
  const ns = strAt(root, 'namespace');
  if (ns !== undefined) level.namespace = ns;
  return { level, root };
}

/** Walks the kustomization in `dir` and everything it builds. */
export function buildKustomization(ctx: Ctx, dir: string): Build {
  const b: Build = { occs: [], skipped: [] };
  walk(ctx, dir, [], b, []);
  return b;
}

function walk(ctx: Ctx, dir: string, chain: Level[], b: Build, stack: string[]): void {
  const kpath = findKustomization(ctx, dir);
  if (!kpath) throw new ManifestError(`${dir || '(repository root)'}: no kustomization.yaml; point path: at a kustomization directory, or at the HelmRelease's file`);
  if (stack.includes(dir)) throw new ManifestError(`${kpath}: kustomizations include each other in a cycle (${[...stack, dir].join(' -> ')}); fix resources:`);
  const { level, root } = loadLevel(ctx, dir, kpath, chain.length);
  const here = [...chain, level];
  // Components: their patches apply to this kustomization's resources, before its own patches
  // (and a later component's after an earlier one's).
  const fromComponents: Patch[][] = [];
  for (const e of entries(getKey(root, 'components'))) {
    const rel = str(e);
    if (rel === undefined) continue;
    const cdir = joinPath(dir, rel);
    const cpath = isRemote(rel) ? undefined : findKustomization(ctx, cdir);
    if (!cpath) {
      b.skipped.push(`${rel} (component in ${kpath}: remote, or no kustomization.yaml)`);
      continue;
    }
    const c = loadLevel(ctx, cdir, cpath, chain.length);
    fromComponents.push(c.level.patches);
    addResources(ctx, cdir, cpath, c.root, here, b, [...stack, dir]);
  }
  for (const p of fromComponents.reverse()) level.patches.push(...p);
  addResources(ctx, dir, kpath, root, here, b, [...stack, dir]);
}

function addResources(ctx: Ctx, dir: string, kpath: string, root: YAMLMap, chain: Level[], b: Build, stack: string[]): void {
  for (const e of [...entries(getKey(root, 'resources')), ...entries(getKey(root, 'bases'))]) {
    const rel = str(e);
    if (rel === undefined) continue;
    const p = joinPath(dir, rel);
    if (isRemote(rel)) b.skipped.push(`${rel} (remote resource in ${kpath})`);
    else if (ctx.exists(p)) {
      const f = ctx.parsedStrict(p, `a resource of ${kpath}`);
      if (f) for (const doc of resourceDocs(f)) b.occs.push({ doc, chain });
    } else if (findKustomization(ctx, p)) walk(ctx, p, chain, b, stack);
    else b.skipped.push(`${p} (listed in ${kpath}, but neither a file nor a directory with a kustomization)`);
  }
}

/** Names a resource has had, from its own to the one after the outermost namePrefix/nameSuffix. */
export function namesOf(o: Occ): string[] {
  const out = [o.doc.name];
  let n = o.doc.name;
  for (let i = o.chain.length - 1; i >= 0; i--) {
    const l = o.chain[i] as Level;
    n = `${l.prefix}${n}${l.suffix}`;
    out.push(n);
  }
  return out;
}

export function finalName(o: Occ): string {
  return namesOf(o)[o.chain.length] ?? o.doc.name;
}

/** metadata.namespace after the kustomizations (the outermost namespace: wins). */
export function finalNamespace(o: Occ): string | undefined {
  for (const l of o.chain) if (l.namespace !== undefined) return l.namespace;
  return o.doc.namespace;
}

function regexMatch(pattern: string, value: string): boolean {
  try {
    return new RegExp(`^(?:${pattern})$`).test(value);
  } catch {
    return pattern === value;
  }
}

/** Whether a patch applies to the resource: 'maybe' when its target selects by labels or annotations, which Augur does not evaluate. */
export function patchMatches(p: Patch, o: Occ): 'yes' | 'no' | 'maybe' {
  const doc = o.doc;
  const names = namesOf(o);
  if (!p.target) {
    if (p.t === 'json') return 'no';
    const name = strAt(p.root, 'metadata', 'name');
    return strAt(p.root, 'kind') === doc.kind && name !== undefined && names.includes(name) ? 'yes' : 'no';
  }
  const t = p.target;
  if (t.kind !== undefined && !regexMatch(t.kind, doc.kind)) return 'no';
  if (t.name !== undefined && !names.some((n) => regexMatch(t.name as string, n))) return 'no';
  if (t.namespace !== undefined) {
    const options = [doc.namespace, finalNamespace(o)];
    if (!options.some((n) => n !== undefined && regexMatch(t.namespace as string, n))) return 'no';
  }
  const slash = doc.apiVersion.indexOf('/');
  if (t.group !== undefined && t.group !== (slash < 0 ? '' : doc.apiVersion.slice(0, slash))) return 'no';
  if (t.version !== undefined && t.version !== doc.apiVersion.slice(slash + 1)) return 'no';
  return t.labelSelector !== undefined || t.annotationSelector !== undefined ? 'maybe' : 'yes';
}
