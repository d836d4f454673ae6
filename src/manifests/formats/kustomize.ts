// Kustomize: a kustomization (overlay or base), its replicas entries, patches and resources, recursively.
import type { ManifestFormatModule } from '../format.js';
import { isMap, isScalar, isSeq } from 'yaml';
import type { YAMLMap, YAMLSeq } from 'yaml';
import type { FieldKey, ScaledObjectSite, WorkloadId, WorkloadManifest } from '../../domain/workload.js';
import { ManifestError } from '../../domain/errors.js';
import { scaledObjectSite, wholeNumber } from '../keda.js';
import { dirOf, isUnder, joinPath, normPath } from '../paths.js';
import type { ManifestSpec } from '../spec.js';
import type { Ctx, Lookup, ParsedFile } from '../yaml-util.js';
import { asSeq, describeNode, getKey, lineOf, parseText, scalarAt, str, strAt } from '../yaml-util.js';
import type { ContainerChoice, HpaFound, ResourceDoc } from '../workload.js';
import {
  CONTAINER_FIELDS,
  HPA_FIELDS,
  assemble,
  autoscalerInfo,
  chooseContainer,
  idText,
  mismatchedHpaNote,
  lookupJsonPatch,
  lookupResourceDoc,
  lookupSmp,
  resourceDocs,
  scalesWorkload,
  singleHpa,
  where,
} from '../workload.js';

const KUSTOMIZATION_NAMES = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'];
const REPLICATED_KINDS = new Set(['Deployment', 'StatefulSet', 'ReplicaSet', 'ReplicationController']);

interface Target {
  group?: string;
  version?: string;
  kind?: string;
  name?: string;
  namespace?: string;
  labelSelector?: string;
  annotationSelector?: string;
}

/** Something in a kustomization that may set a field: a replicas entry or one patch document. */
type Source =
  | { t: 'replicas'; file: ParsedFile; name: string; node: unknown; yamlPath: string; where: string }
  | { t: 'smp'; file: ParsedFile; docIndex: number; root: YAMLMap; target?: Target; where: string; inline: boolean }
  | { t: 'json'; file: ParsedFile; docIndex: number; ops: YAMLSeq; target: Target; where: string; inline: boolean };

interface Level {
  dir: string;
  file: string;
  depth: number;
  namespace?: string;
  prefix: string;
  suffix: string;
  /** Highest priority first: what kustomize applies last wins. */
  sources: Source[];
}

interface Occ {
  doc: ResourceDoc;
  /** Kustomizations from the target's (index 0) down to the one listing the resource. */
  chain: Level[];
}

interface Walk {
  occs: Occ[];
  skipped: string[];
  stack: string[];
}

function findKustomization(ctx: Ctx, dir: string): string | undefined {
  for (const n of KUSTOMIZATION_NAMES) {
    const p = joinPath(dir, n);
    if (ctx.exists(p)) return p;
  }
  return undefined;
}

function loadKustomization(ctx: Ctx, path: string): { file: ParsedFile; root: YAMLMap } {
  const file = ctx.parsedStrict(path, 'a kustomization');
  const root = file?.docs[0]?.contents;
  if (!file || !isMap(root)) {
    throw new ManifestError(`${path}: not a kustomization (expected a map with resources:, patches:, ...); fix the file or point path: elsewhere`);
  }
  return { file, root };
}

function isRemote(entry: string): boolean {
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

function entries(node: unknown): unknown[] {
  return asSeq(node)?.items ?? [];
}

/** Sources of one patch file or inline patch body. */
function patchSources(ctx: Ctx, file: ParsedFile, target: Target | undefined, whereText: string, inline: boolean, allowJson: boolean): Source[] {
  if (file.errors.length > 0) {
    ctx.note(`${whereText}: could not be read (${file.errors[0]}); if it sets fields of this workload, edits elsewhere may not take effect`);
    return [];
  }
  const out: Source[] = [];
  file.docs.forEach((d, docIndex) => {
    const c = d.contents;
    if (isMap(c)) out.push(target ? { t: 'smp', file, docIndex, root: c, target, where: whereText, inline } : { t: 'smp', file, docIndex, root: c, where: whereText, inline });
    else if (isSeq(c)) {
      if (allowJson && target) out.push({ t: 'json', file, docIndex, ops: c, target, where: whereText, inline });
      else ctx.note(`${whereText}: a JSON 6902 patch without a target is ignored by kustomize and by Augur`);
    }
  });
  return out;
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
    return patchSources(ctx, f, target, `patch ${p} (${kpath} ${label})`, false, allowJson);
  };
  const inline = (body: string, target: Target | undefined, label: string, node: unknown): Source[] => {
    const line = isScalar(node) && node.range ? lineOf(kfile.text, node.range[0]) : 0;
    const w = `inline patch at ${kpath}:${line} (${label})`;
    return patchSources(ctx, parseText(w, body), target, w, true, true);
  };

  // Kustomize applies patchesStrategicMerge, then patches, then patchesJson6902, then replicas.
  const applied: Source[] = [];
  entries(getKey(k, 'patchesStrategicMerge')).forEach((e, i) => {
    const s = str(e);
    if (s === undefined) return;
    const label = `patchesStrategicMerge[${i}]`;
    if (/\n/.test(s) || /^\s*(apiVersion|kind)\s*:/.test(s)) applied.push(...inline(s, undefined, label, e));
    else applied.push(...fromPath(s, undefined, label, false));
  });
  entries(getKey(k, 'patches')).forEach((e, i) => {
    const target = readTarget(getKey(e, 'target'));
    const label = `patches[${i}]`;
    const p = strAt(e, 'path');
    const body = strAt(e, 'patch');
    if (p !== undefined) applied.push(...fromPath(p, target, label, true));
    else if (body !== undefined) applied.push(...inline(body, target, label, getKey(e, 'patch')));
  });
  entries(getKey(k, 'patchesJson6902')).forEach((e, i) => {
    const target = readTarget(getKey(e, 'target'));
    const label = `patchesJson6902[${i}]`;
    const p = strAt(e, 'path');
    const body = strAt(e, 'patch');
    if (p !== undefined) applied.push(...fromPath(p, target, label, true));
    else if (body !== undefined) applied.push(...inline(body, target, label, getKey(e, 'patch')));
  });
  entries(getKey(k, 'replicas')).forEach((e, i) => {
    const name = strAt(e, 'name');
    if (name === undefined || !isMap(e)) return;
    applied.push({ t: 'replicas', file: kfile, name, node: getKey(e, 'count'), yamlPath: `replicas[${i}].count`, where: `${kpath} replicas[${i}]` });
  });
  return applied.reverse();
}

function walk(ctx: Ctx, dir: string, chain: Level[], w: Walk): void {
  const kpath = findKustomization(ctx, dir);
  if (!kpath) throw new ManifestError(`${dir || '(repository root)'}: no kustomization.yaml; point path: at a kustomization directory or use format: plain`);
  if (w.stack.includes(dir)) throw new ManifestError(`${kpath}: kustomizations include each other in a cycle (${[...w.stack, dir].join(' -> ')}); fix resources:`);
  w.stack.push(dir);
  const { file, root } = loadKustomization(ctx, kpath);
  const level: Level = {
    dir,
    file: kpath,
    depth: chain.length,
    prefix: strAt(root, 'namePrefix') ?? '',
    suffix: strAt(root, 'nameSuffix') ?? '',
    sources: levelSources(ctx, dir, file, root),
  };
  const ns = strAt(root, 'namespace');
  if (ns !== undefined) level.namespace = ns;
  const here = [...chain, level];

  // Components: their patches apply to this kustomization's resources, before its own patches.
  const compSources: Source[][] = [];
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
    const c = loadKustomization(ctx, cpath);
    compSources.push(levelSources(ctx, cdir, c.file, c.root));
    addResources(ctx, cdir, cpath, c.root, here, w);
  });
  for (const s of compSources.reverse()) level.sources.push(...s);

  addResources(ctx, dir, kpath, root, here, w);
  w.stack.pop();
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
function names(o: Occ): string[] {
  const out = [o.doc.name];
  let n = o.doc.name;
  for (let i = o.chain.length - 1; i >= 0; i--) {
    const l = o.chain[i] as Level;
    n = `${l.prefix}${n}${l.suffix}`;
    out.push(n);
  }
  return out;
}

function finalName(o: Occ): string {
  return names(o)[o.chain.length] ?? o.doc.name;
}

/** Namespace after the kustomizations from `from` down: the outermost namespace: wins. */
function namespaceFrom(o: Occ, from: number): string | undefined {
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

function targetMatch(t: Target, o: Occ, depth: number): 'yes' | 'no' | 'maybe' {
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

function sourceMatch(s: Source, o: Occ, depth: number, field: FieldKey): 'yes' | 'no' | 'maybe' {
  if (s.t === 'replicas') {
    return field === 'replicas' && REPLICATED_KINDS.has(o.doc.kind) && names(o).includes(s.name) ? 'yes' : 'no';
  }
  if (s.target) return targetMatch(s.target, o, depth);
  if (s.t === 'json') return 'no';
  const kind = strAt(s.root, 'kind');
  const name = strAt(s.root, 'metadata', 'name');
  return kind === o.doc.kind && name !== undefined && names(o).includes(name) ? 'yes' : 'no';
}

function sourceLookup(s: Source, field: FieldKey, container: ContainerChoice | undefined): Lookup {
  if (s.t === 'replicas') return scalarAt({ field, file: s.file, docIndex: 0, yamlPath: s.yamlPath }, s.node);
  if (s.t === 'smp') return lookupSmp(s.file, s.docIndex, s.root, field, container);
  return lookupJsonPatch(s.file, s.docIndex, s.ops, field, container);
}

interface Resolved {
  res: Lookup;
  level: Level;
}

function resolve(o: Occ, field: FieldKey, container: ContainerChoice | undefined): Resolved {
  for (let depth = 0; depth < o.chain.length; depth++) {
    const level = o.chain[depth] as Level;
    for (const s of level.sources) {
      const m = sourceMatch(s, o, depth, field);
      if (m === 'no') continue;
      const res = sourceLookup(s, field, container);
      if (res.kind === 'none') continue;
      if (m === 'maybe') {
        return {
          res: {
            kind: 'blocked',
            note: `${field}: ${s.where} may set it (its target selects by label/annotation selector, which Augur cannot evaluate here); not edited`,
          },
          level,
        };
      }
      if (s.t !== 'replicas' && s.inline && res.kind === 'found') {
        return {
          res: {
            kind: 'blocked',
            note: `${field}: set by ${s.where} (${res.loc.yamlPath}: ${res.loc.raw}); Augur does not edit inline patches: move it to a file (patches: - path:) or change it by hand`,
          },
          level,
        };
      }
      return { res, level };
    }
  }
  return { res: lookupResourceDoc(o.doc, field, container), level: o.chain[o.chain.length - 1] as Level };
}

/** The one resource of the kustomization that is the target, or an error that lists what is there. */
function theWorkload(ctx: Ctx, id: WorkloadId, dir: string, w: Walk): Occ {
  const matches = w.occs.filter((o) => {
    const ns = namespaceFrom(o, 0);
    return o.doc.kind === id.kind && finalName(o) === id.name && (ns === undefined || ns === id.namespace);
  });
  if (matches.length === 0) {
    const seen = w.occs
      .filter((o) => o.doc.kind === 'Deployment' || o.doc.kind === 'StatefulSet')
      .map((o) => `${o.doc.kind} ${namespaceFrom(o, 0) ?? '(no namespace)'}/${finalName(o)}`);
    throw new ManifestError(
      `${idText(id)} not found in the kustomization at ${dir || '(repository root)'}; files searched: ${ctx.filesRead.join(', ')}` +
        (seen.length ? `; workloads there: ${seen.join(', ')}` : '; no Deployment or StatefulSet there') +
        (w.skipped.length ? `; not searched: ${w.skipped.join('; ')}` : '') +
        `. Fix the target's kind/namespace/name or path:`,
    );
  }
  if (matches.length > 1) {
    throw new ManifestError(
      `${idText(id)} is ambiguous: ${matches.length} resources of the kustomization at ${dir} match (${matches.map((o) => where(o.doc)).join('; ')}). ` +
        `Kustomize would reject the duplicate too; remove one or point path: at a narrower kustomization`,
    );
  }
  return matches[0] as Occ;
}

export function locateKustomize(ctx: Ctx, id: WorkloadId, spec: ManifestSpec): WorkloadManifest {
  let dir = normPath(spec.path);
  const base = dir.split('/').pop() ?? '';
  if (KUSTOMIZATION_NAMES.includes(base) && ctx.exists(dir)) dir = dirOf(dir);
  const w: Walk = { occs: [], skipped: [], stack: [] };
  walk(ctx, dir, [], w);

  const wl = theWorkload(ctx, id, dir, w);
  for (const s of w.skipped) ctx.note(`not searched: ${s}`);

  const wlNames = new Set(names(wl));
  const wlNs = namespaceFrom(wl, 0) ?? id.namespace;
  const hpas: (HpaFound & { occ: Occ })[] = [];
  for (const o of w.occs) {
    const type = scalesWorkload(o.doc, id.kind, wlNames);
    const ns = namespaceFrom(o, 0);
    if (type && (ns === undefined || ns === wlNs)) hpas.push({ doc: o.doc, type, occ: o });
    else if (!type && (ns === undefined || ns === wlNs) && finalName(o) === id.name) mismatchedHpaNote(ctx, { ...id, name: o.doc.name }, o.doc);
  }
  const hpa = singleHpa(id, hpas) as (HpaFound & { occ: Occ }) | undefined;

  const container = chooseContainer(ctx, wl.doc, spec.container);
  const results = new Map<FieldKey, Lookup>();
  const shared = new Map<string, { fields: FieldKey[]; files: Set<string> }>();
  const record = (field: FieldKey, r: Resolved) => {
    results.set(field, r.res);
    if (r.res.kind !== 'found') return;
    const file = r.res.loc.file;
    if (r.level.depth > 0 || !isUnder(file, dir)) {
      const key = r.level.depth > 0 ? r.level.dir : dirOf(file);
      const entry = shared.get(key) ?? { fields: [], files: new Set<string>() };
      entry.fields.push(field);
      entry.files.add(file);
      shared.set(key, entry);
    }
  };
  const fieldOrder: FieldKey[] = ['replicas'];
  if (hpa?.type === 'hpa') fieldOrder.push(...HPA_FIELDS);
  fieldOrder.push(...CONTAINER_FIELDS);
  for (const field of fieldOrder) {
    const occ = field.startsWith('hpa.') && hpa ? hpa.occ : wl;
    record(field, resolve(occ, field, container));
  }
  let scaledObject: ScaledObjectSite | undefined;
  if (hpa?.type === 'keda') {
    ctx.note(`${hpa.doc.kind}/${hpa.doc.name} (${where(hpa.doc)}) is a KEDA ScaledObject; its minReplicaCount/maxReplicaCount are not edited`);
    scaledObject = kedaSite(ctx, hpa.occ, dir);
  }
  // An HPA owns replicas: the shared-base note for replicas would be noise.
  if (hpa) for (const e of shared.values()) e.fields = e.fields.filter((f) => f !== 'replicas');
  const sharedFiles: string[] = [];
  for (const [baseDir, e] of shared) {
    if (e.fields.length === 0) continue;
    ctx.note(`${e.fields.join(', ')}: edits base ${baseDir} (${[...e.files].join(', ')}), shared by other overlays`);
    sharedFiles.push(...e.files);
  }
  const out = assemble(ctx, id, results, autoscalerInfo(hpa), container);
  if (scaledObject) out.scaledObject = scaledObject;
  if (sharedFiles.length > 0) out.sharedFiles = sharedFiles;
  return out;
}

const TRIGGERS = ['spec', 'triggers'];

function decodePointerSegs(p: string): string[] | undefined {
  if (p === '') return [];
  if (!p.startsWith('/')) return undefined;
  return p
    .slice(1)
    .split('/')
    .map((x) => x.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** Whether one patch document may change spec.triggers (directly, or by replacing or deleting what holds it). */
function patchTouchesTriggers(s: Source): boolean {
  if (s.t === 'replicas') return false;
  if (s.t === 'smp') {
    const directive = (node: unknown) => strAt(node, '$patch');
    if (directive(s.root) === 'delete' || directive(s.root) === 'replace') return true;
    const spec = getKey(s.root, 'spec');
    if (spec === null) return true;
    if (directive(spec) === 'delete' || directive(spec) === 'replace') return true;
    return getKey(spec, 'triggers') !== undefined;
  }
  const touches = (pointer: string | undefined): boolean => {
    const segs = pointer === undefined ? undefined : decodePointerSegs(pointer);
    if (!segs) return false;
    const n = Math.min(segs.length, TRIGGERS.length);
    return segs.slice(0, n).every((seg, k) => seg === TRIGGERS[k]);
  };
  return s.ops.items.some((op) => {
    const name = strAt(op, 'op');
    if (name === 'test') return false;
    return touches(strAt(op, 'path')) || (name === 'move' && touches(strAt(op, 'from')));
  });
}

type CountKey = 'minReplicaCount' | 'maxReplicaCount';
type PatchedCount = { kind: 'set'; value: number } | { kind: 'removed' } | { kind: 'unreadable'; found: string };

/** spec.<key> as set by one patch document, if it sets it. */
function patchedCount(s: Source, key: CountKey): PatchedCount | undefined {
  if (s.t === 'replicas') return undefined;
  const read = (node: unknown): PatchedCount => {
    if (node === null || (isScalar(node) && node.value === null)) return { kind: 'removed' };
    const n = wholeNumber(node);
    return n === undefined ? { kind: 'unreadable', found: describeNode(node) } : { kind: 'set', value: n };
  };
  if (s.t === 'smp') {
    const node = getKey(getKey(s.root, 'spec'), key);
    return node === undefined ? undefined : read(node);
  }
  for (let i = s.ops.items.length - 1; i >= 0; i--) {
    const op = s.ops.items[i];
    const name = strAt(op, 'op');
    const path = strAt(op, 'path');
    if (path === `/spec/${key}`) {
      if (name === 'remove') return { kind: 'removed' };
      if (name === 'add' || name === 'replace') return read(getKey(op, 'value'));
    } else if (path === '/spec' && (name === 'add' || name === 'replace')) {
      const node = getKey(getKey(op, 'value'), key);
      return node === undefined ? { kind: 'removed' } : read(node);
    }
  }
  return undefined;
}

/**
 * The ScaledObject as the kustomization builds it: its site where it is written (a resource file),
 * minReplicaCount/maxReplicaCount after patches. Undefined, with a note, when a patch may change
 * its triggers: Augur edits triggers where they are written, never through patches.
 */
function kedaSite(ctx: Ctx, o: Occ, dir: string): ScaledObjectSite | undefined {
  const label = `${o.doc.kind}/${o.doc.name}`;
  const touching: string[] = [];
  const counts: Partial<Record<CountKey, PatchedCount & { where: string }>> = {};
  for (let depth = 0; depth < o.chain.length; depth++) {
    for (const s of (o.chain[depth] as Level).sources) {
      if (s.t === 'replicas') continue;
      const m = sourceMatch(s, o, depth, 'hpa.maxReplicas');
      if (m === 'no') continue;
      if (patchTouchesTriggers(s)) touching.push(m === 'maybe' ? `${s.where} (may apply: its target selects by label/annotation)` : s.where);
      for (const key of ['minReplicaCount', 'maxReplicaCount'] as const) {
        if (counts[key] !== undefined || m !== 'yes') continue;
        const c = patchedCount(s, key);
        if (c) counts[key] = { ...c, where: s.where };
      }
    }
  }
  if (touching.length > 0) {
    ctx.note(
      `${label} (${where(o.doc)}): spec.triggers is changed by ${touching.join('; ')}. Augur can't edit triggers through patches, ` +
        `so it leaves the ScaledObject's cron triggers alone; to let Augur manage them, write the triggers in ${o.doc.file.path} only`,
    );
    return undefined;
  }
  const site = scaledObjectSite(ctx, o.doc);
  if (!site) return undefined;
  for (const key of ['minReplicaCount', 'maxReplicaCount'] as const) {
    const c = counts[key];
    if (!c) continue;
    if (c.kind === 'set') site[key] = c.value;
    else {
      delete site[key];
      if (c.kind === 'unreadable') ctx.note(`${label}: ${c.where} sets spec.${key} to ${c.found}, not a whole number; ignored`);
    }
  }
  const level = o.chain[o.chain.length - 1] as Level;
  if (level.depth > 0 || !isUnder(site.file, dir)) {
    ctx.note(`KEDA cron triggers: edits base ${level.depth > 0 ? level.dir : dirOf(site.file)} (${site.file}), shared by other overlays`);
  }
  return site;
}

export const kustomize: ManifestFormatModule<'kustomize', Record<never, never>> = {
  format: 'kustomize',
  doc: 'Kustomize: `path` is the directory of the kustomization (an overlay or a base)',
  options: {},
  locate: locateKustomize,
};
