// The kustomize format's view of one build: the kustomization at the target's path, everything it
// builds (resources and bases, recursively, and components, recursively), and every replicas entry
// and patch that may set a field, in the order kustomize applies them.
// The helmrelease format reads a Kustomize directory that builds a HelmRelease with the same walk
// (formats/helmrelease-kustomize.ts).
import { isMap, isScalar, isSeq } from 'yaml';
import type { YAMLMap, YAMLSeq } from 'yaml';
import type { FieldKey } from '../../domain/workload.js';
import { ManifestError } from '../../domain/errors.js';
import { joinPath } from '../paths.js';
import type { Ctx, ParsedFile } from '../yaml-util.js';
import { asSeq, getKey, lineOf, parseText, str, strAt } from '../yaml-util.js';
import type { ResourceDoc } from '../workload.js';
import { resourceDocs } from '../workload.js';
import type { Embedded } from './embedded-yaml.js';
import { embeddedYaml } from './embedded-yaml.js';

export const KUSTOMIZATION_NAMES = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'];
const REPLICATED_KINDS = new Set(['Deployment', 'StatefulSet', 'ReplicaSet', 'ReplicationController']);

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
 * Where an inline patch (a string in a kustomization) came from. `embedded` maps the parsed string
 * back to the kustomization's bytes; without it (a folded or quoted string) `unmapped` says why.
 */
export interface Inline {
  /** The kustomization holding the string. */
  kpath: string;
  /** Its key path in the kustomization, e.g. "patches[1].patch". */
  yamlPrefix: string;
  embedded?: Embedded;
  unmapped?: string;
}

/** Something in a kustomization that may set a field: a replicas entry or one patch document. */
export type Source =
  | { t: 'replicas'; file: ParsedFile; name: string; node: unknown; yamlPath: string; where: string }
  | { t: 'smp'; file: ParsedFile; docIndex: number; root: YAMLMap; target?: Target; where: string; inline?: Inline }
  | { t: 'json'; file: ParsedFile; docIndex: number; ops: YAMLSeq; target: Target; where: string; inline?: Inline };

export type PatchSource = Exclude<Source, { t: 'replicas' }>;

export interface Level {
  dir: string;
  file: string;
  /** The kustomization at `file`, parsed. */
  kfile: ParsedFile;
  depth: number;
  namespace?: string;
  prefix: string;
  suffix: string;
  /** Highest priority first: what kustomize applies last wins. */
  sources: Source[];
}

export interface Occ {
  doc: ResourceDoc;
  /** Kustomizations from the target's (index 0) down to the one listing the resource. */
  chain: Level[];
}

export interface Walk {
  occs: Occ[];
  skipped: string[];
  stack: string[];
}

export function findKustomization(ctx: Ctx, dir: string): string | undefined {
  for (const n of KUSTOMIZATION_NAMES) {
    const p = joinPath(dir, n);
    if (ctx.exists(p)) return p;
  }
  return undefined;
}

export function loadKustomization(ctx: Ctx, path: string): { file: ParsedFile; root: YAMLMap } {
  const file = ctx.parsedStrict(path, 'a kustomization');
  const root = file?.docs[0]?.contents;
  if (!file || !isMap(root)) {
    throw new ManifestError(`${path}: not a kustomization (expected a map with resources:, patches:, ...); fix the file or point path: elsewhere`);
  }
  return { file, root };
}

export function isRemote(entry: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(entry) || /^git@/.test(entry) || /^(github\.com|gitlab\.com|bitbucket\.org)\//.test(entry) || entry.includes('?ref=');
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

export function entries(node: unknown): unknown[] {
  return asSeq(node)?.items ?? [];
}

/** Sources of one patch file or inline patch body. */
function patchSources(ctx: Ctx, file: ParsedFile, target: Target | undefined, whereText: string, inline: Inline | undefined, allowJson: boolean): Source[] {
  if (file.errors.length > 0) {
    ctx.note(`${whereText}: could not be read (${file.errors[0]}); if it sets fields of this workload, edits elsewhere may not take effect`);
    return [];
  }
  const extra = { ...(target ? { target } : {}), ...(inline ? { inline } : {}) };
  const out: Source[] = [];
  file.docs.forEach((d, docIndex) => {
    const c = d.contents;
    if (isMap(c)) out.push({ t: 'smp', file, docIndex, root: c, where: whereText, ...extra });
    else if (isSeq(c)) {
      if (allowJson && target) out.push({ t: 'json', file, docIndex, ops: c, target, where: whereText, ...(inline ? { inline } : {}) });
      else ctx.note(`${whereText}: a JSON 6902 patch without a target is ignored by kustomize and by Augur`);
    }
  });
  return out;
}

/** An inline patch: its string parsed and, when it is a literal block, mapped back to the kustomization. */
function inlineSources(ctx: Ctx, kfile: ParsedFile, node: unknown, target: Target | undefined, label: string, yamlPrefix: string): Source[] {
  const line = isScalar(node) && node.range ? lineOf(kfile.text, node.range[0]) : 0;
  const where = `inline patch at ${kfile.path}:${line} (${label})`;
  const e = embeddedYaml(kfile, node);
  if (e.kind === 'ok') return patchSources(ctx, e.embedded.inner, target, where, { kpath: kfile.path, yamlPrefix, embedded: e.embedded }, true);
  return patchSources(ctx, parseText(where, e.value ?? str(node) ?? ''), target, where, { kpath: kfile.path, yamlPrefix, unmapped: e.why }, true);
}

function levelSources(ctx: Ctx, dir: string, kfile: ParsedFile, k: YAMLMap): Source[] {
  const kpath = kfile.path;
  const fromPath = (rel: string, target: Target | undefined, label: string, allowJson: boolean): Source[] => {
    const p = joinPath(dir, rel);
    const f = ctx.parsed(p);
    if (!f) {
      ctx.note(`${kpath}: ${label} names ${p}, which does not exist; kustomize would fail`);
      return [];
    }
    return patchSources(ctx, f, target, `patch ${p} (${kpath} ${label})`, undefined, allowJson);
  };

  // Kustomize applies patchesStrategicMerge, then patches, then patchesJson6902, then replicas.
  const applied: Source[] = [];
  entries(getKey(k, 'patchesStrategicMerge')).forEach((e, i) => {
    const s = str(e);
    if (s === undefined) return;
    const label = `patchesStrategicMerge[${i}]`;
    if (/\n/.test(s) || /^\s*(apiVersion|kind)\s*:/.test(s)) applied.push(...inlineSources(ctx, kfile, e, undefined, label, label));
    else applied.push(...fromPath(s, undefined, label, false));
  });
  for (const key of ['patches', 'patchesJson6902'] as const) {
    entries(getKey(k, key)).forEach((e, i) => {
      const target = readTarget(getKey(e, 'target'));
      const label = `${key}[${i}]`;
      const p = strAt(e, 'path');
      if (p !== undefined) applied.push(...fromPath(p, target, label, true));
      else if (strAt(e, 'patch') !== undefined) applied.push(...inlineSources(ctx, kfile, getKey(e, 'patch'), target, label, `${label}.patch`));
    });
  }
  entries(getKey(k, 'replicas')).forEach((e, i) => {
    const name = strAt(e, 'name');
    if (name === undefined || !isMap(e)) return;
    applied.push({ t: 'replicas', file: kfile, name, node: getKey(e, 'count'), yamlPath: `replicas[${i}].count`, where: `${kpath} replicas[${i}]` });
  });
  return applied.reverse();
}

/** Walks the kustomization in `dir` and everything it builds into `w`. */
export function walk(ctx: Ctx, dir: string, chain: Level[], w: Walk): void {
  const kpath = findKustomization(ctx, dir);
  if (!kpath) throw new ManifestError(`${dir || '(repository root)'}: no kustomization.yaml; point path: at a kustomization directory or use format: plain`);
  if (w.stack.includes(dir)) throw new ManifestError(`${kpath}: kustomizations include each other in a cycle (${[...w.stack, dir].join(' -> ')}); fix resources:`);
  w.stack.push(dir);
  const { file, root } = loadKustomization(ctx, kpath);
  const level: Level = {
    dir,
    file: kpath,
    kfile: file,
    depth: chain.length,
    prefix: strAt(root, 'namePrefix') ?? '',
    suffix: strAt(root, 'nameSuffix') ?? '',
    sources: levelSources(ctx, dir, file, root),
  };
  const ns = strAt(root, 'namespace');
  if (ns !== undefined) level.namespace = ns;
  const here = [...chain, level];
  // Components: their patches apply to this kustomization's resources, before its own patches.
  level.sources.push(...componentSources(ctx, dir, kpath, root, here, w));
  addResources(ctx, dir, kpath, root, here, w);
  w.stack.pop();
}

/**
 * The sources of the components a kustomization (or component) lists, highest priority first (a
 * later component's after an earlier one's), each before the components it lists in turn; their
 * resources join the build.
 */
function componentSources(ctx: Ctx, dir: string, kpath: string, root: YAMLMap, here: Level[], w: Walk): Source[] {
  const perComponent: Source[][] = [];
  entries(getKey(root, 'components')).forEach((e) => {
    const rel = str(e);
    if (rel === undefined) return;
    if (isRemote(rel)) {
      w.skipped.push(`${rel} (remote component in ${kpath})`);
      return;
    }
    const cdir = joinPath(dir, rel);
    const cpath = findKustomization(ctx, cdir);
    if (!cpath) {
      w.skipped.push(`${cdir} (component without kustomization.yaml, in ${kpath})`);
      return;
    }
    if (w.stack.includes(cdir)) throw new ManifestError(`${cpath}: kustomizations include each other in a cycle (${[...w.stack, cdir].join(' -> ')}); fix components:`);
    w.stack.push(cdir);
    const c = loadKustomization(ctx, cpath);
    const own = levelSources(ctx, cdir, c.file, c.root);
    perComponent.push([...own, ...componentSources(ctx, cdir, cpath, c.root, here, w)]);
    addResources(ctx, cdir, cpath, c.root, here, w);
    w.stack.pop();
  });
  return perComponent.reverse().flat();
}

function addResources(ctx: Ctx, dir: string, kpath: string, root: YAMLMap, chain: Level[], w: Walk): void {
  const list = [...entries(getKey(root, 'resources')), ...entries(getKey(root, 'bases'))];
  for (const e of list) {
    const rel = str(e);
    if (rel === undefined) continue;
    if (isRemote(rel)) {
      w.skipped.push(`${rel} (remote resource in ${kpath})`);
      continue;
    }
    const p = joinPath(dir, rel);
    if (ctx.exists(p)) {
      const f = ctx.parsedStrict(p, `a resource of ${kpath}`);
      if (f) for (const doc of resourceDocs(f)) w.occs.push({ doc, chain });
    } else if (findKustomization(ctx, p)) {
      walk(ctx, p, chain, w);
    } else {
      w.skipped.push(`${p} (listed in ${kpath}, but neither a file nor a directory with a kustomization)`);
    }
  }
}

/** Names a resource has had, from its own to the one after the outermost namePrefix/nameSuffix. */
export function names(o: Occ): string[] {
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
  return names(o)[o.chain.length] ?? o.doc.name;
}

/** Namespace after the kustomizations from `from` down: the outermost namespace: wins. */
export function namespaceFrom(o: Occ, from: number): string | undefined {
  for (let i = from; i < o.chain.length; i++) {
    const ns = o.chain[i]?.namespace;
    if (ns !== undefined) return ns;
  }
  return o.doc.namespace;
}

function regexMatch(pattern: string, value: string): boolean {
  try {
    return new RegExp(`^(?:${pattern})$`).test(value);
  } catch {
    return pattern === value;
  }
}

/** Simple equality selectors ("a=b,c!=d,e,!f") against the labels written in the document. */
function selectorMatches(selector: string, labels: unknown): boolean | undefined {
  let all = true;
  for (const term of selector.split(',').map((s) => s.trim()).filter(Boolean)) {
    let m: RegExpExecArray | null;
    if ((m = /^([^=!\s]+)\s*(==|=|!=)\s*(\S*)$/.exec(term))) {
      const v = strAt(labels, m[1] ?? '');
      const eq = v === m[3];
      if (m[2] === '!=' ? eq : !eq) all = false;
    } else if ((m = /^!([^=!\s]+)$/.exec(term))) {
      if (getKey(labels, m[1] ?? '') !== undefined) all = false;
    } else if (/^[^=!\s(),]+$/.test(term)) {
      if (getKey(labels, term) === undefined) all = false;
    } else return undefined;
  }
  return all;
}

export type Match = 'yes' | 'no' | 'maybe';

/**
 * How a target's labelSelector and annotationSelector count: 'evaluate' checks simple selectors
 * against the labels and annotations written in the document (a miss is 'maybe'); 'maybe' does
 * not evaluate them, so a target that has one may match at best.
 */
export type Selectors = 'evaluate' | 'maybe';

function targetMatch(t: Target, o: Occ, depth: number, selectors: Selectors): Match {
  const doc = o.doc;
  if (t.kind !== undefined && !regexMatch(t.kind, doc.kind)) return 'no';
  if (t.name !== undefined && !names(o).some((n) => regexMatch(t.name as string, n))) return 'no';
  if (t.namespace !== undefined) {
    const options = [doc.namespace, namespaceFrom(o, depth), namespaceFrom(o, 0)];
    if (!options.some((n) => n !== undefined && regexMatch(t.namespace as string, n))) return 'no';
  }
  const slash = doc.apiVersion.indexOf('/');
  const group = slash < 0 ? '' : doc.apiVersion.slice(0, slash);
  const version = slash < 0 ? doc.apiVersion : doc.apiVersion.slice(slash + 1);
  if (t.group !== undefined && t.group !== group) return 'no';
  if (t.version !== undefined && t.version !== version) return 'no';
  if (selectors === 'maybe') return t.labelSelector !== undefined || t.annotationSelector !== undefined ? 'maybe' : 'yes';
  let result: 'yes' | 'maybe' = 'yes';
  for (const [sel, key] of [
    [t.labelSelector, 'labels'],
    [t.annotationSelector, 'annotations'],
  ] as const) {
    if (sel === undefined) continue;
    const ok = selectorMatches(sel, getKey(getKey(doc.root, 'metadata'), key));
    // Kustomize may add labels on the way (commonLabels), so a miss here is not a sure "no".
    if (ok !== true) result = 'maybe';
  }
  return result;
}

/** Whether a source applies to the resource (at the chain depth of the kustomization holding it). */
export function sourceMatch(s: Source, o: Occ, depth: number, field: FieldKey): Match {
  if (s.t === 'replicas') {
    return field === 'replicas' && REPLICATED_KINDS.has(o.doc.kind) && names(o).includes(s.name) ? 'yes' : 'no';
  }
  return patchMatch(s, o, depth);
}

/**
 * Whether a patch applies to the resource: by its target (a namespace as the resource's own, or as
 * the kustomizations from `depth` or from the target's down leave it), else by the kind and name
 * a strategic-merge patch names (a JSON 6902 patch without a target applies to nothing).
 */
export function patchMatch(s: PatchSource, o: Occ, depth: number, selectors: Selectors = 'evaluate'): Match {
  if (s.target) return targetMatch(s.target, o, depth, selectors);
  if (s.t === 'json') return 'no';
  const kind = strAt(s.root, 'kind');
  const name = strAt(s.root, 'metadata', 'name');
  return kind === o.doc.kind && name !== undefined && names(o).includes(name) ? 'yes' : 'no';
}

/** The strategic-merge patch that deletes the resource ($patch: delete at its top), if one applies to it for sure. */
export function deletingPatch(o: Occ): Extract<Source, { t: 'smp' }> | undefined {
  for (let depth = 0; depth < o.chain.length; depth++) {
    for (const s of (o.chain[depth] as Level).sources) {
      if (s.t === 'smp' && strAt(s.root, '$patch') === 'delete' && sourceMatch(s, o, depth, 'cpu.request') === 'yes') return s;
    }
  }
  return undefined;
}
