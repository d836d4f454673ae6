// Chart values wherever they are written (a values file, a Flux HelmRelease's spec.values, an Argo
// CD Application's helm values): key paths, the walk that follows one from a root node, and the
// rules every format that edits chart values shares (the chart's HPA switch owns replicas).
// formats/helm.ts, helmrelease.ts and argocd-application.ts each say where the values are; this
// file says what a key path means there.
import { isAlias, isMap, isScalar, isSeq } from 'yaml';
import type { Alias, YAMLMap } from 'yaml';
import type { FieldKey, WorkloadId, WorkloadManifest } from '../../domain/workload.js';
import { ManifestError } from '../../domain/errors.js';
import type { Ctx, Lookup, ParsedFile } from '../yaml-util.js';
import { NONE, describeNode, fileAt, insertionInMap, lineOf, scalarAt } from '../yaml-util.js';
import { CONTAINER_FIELDS, HPA_FIELDS, assemble } from '../workload.js';
import { anchorCheck } from './anchors.js';

export type HelmKey = FieldKey | 'hpa.enabled';

export const HELM_DEFAULTS: Readonly<Record<HelmKey, string>> = {
  replicas: 'replicaCount',
  'hpa.enabled': 'autoscaling.enabled',
  'hpa.minReplicas': 'autoscaling.minReplicas',
  'hpa.maxReplicas': 'autoscaling.maxReplicas',
  'cpu.request': 'resources.requests.cpu',
  'cpu.limit': 'resources.limits.cpu',
  'memory.request': 'resources.requests.memory',
  'memory.limit': 'resources.limits.memory',
};

export type Seg = string | number;

/** "a.b[0].c" -> ["a", "b", 0, "c"]. */
export function parseKeyPath(keyPath: string): Seg[] {
  const out: Seg[] = [];
  for (const part of keyPath.split('.')) {
    const m = /^([^[\]]*)((?:\[\d+\])*)$/.exec(part);
    if (!m || (m[1] === '' && !m[2])) throw new ManifestError(`helm key path ${JSON.stringify(keyPath)} is not a dot path such as resources.requests.cpu`);
    if (m[1]) out.push(m[1]);
    for (const idx of (m[2] ?? '').matchAll(/\[(\d+)\]/g)) out.push(Number(idx[1]));
  }
  return out;
}

export function formatPath(segs: readonly Seg[]): string {
  return segs.map((s, i) => (typeof s === 'number' ? `[${s}]` : i === 0 ? s : `.${s}`)).join('');
}

/** Where a values tree starts: the first document of a values file, a HelmRelease's spec.values, ... */
export interface ValuesRoot {
  file: ParsedFile;
  docIndex: number;
  /** The values map; null or undefined when there are none. */
  node: unknown;
  /** Written before key paths in messages: '' for a values file, 'spec.values.' for a HelmRelease. */
  prefix: string;
  /** The reason when the root itself is empty, e.g. "the values file is empty". */
  emptyWhy: string;
  /** The root in shape errors, e.g. "the document". */
  rootName: string;
}

export type Walk =
  /** `ancestors`: the nodes passed on the way, root first, to check for shared anchors. */
  | { kind: 'node'; node: unknown; ancestors: unknown[] }
  /** `parent`: when only the last key is absent, the map it would go in (the last of `ancestors`). */
  | { kind: 'missing'; why: string; parent?: { map: YAMLMap; key: string; ancestors: unknown[] } }
  /** An alias on the way (not the value itself): following it would edit the anchor's place. */
  | { kind: 'alias'; at: string; alias: Alias };

/** Follows a key path from a root node; missing keys and empty parents are 'missing', a scalar where a map should be is a ManifestError. */
export function walkKeyPath(root: ValuesRoot, key: HelmKey, keyPath: string): Walk {
  const segs = parseKeyPath(keyPath);
  let node: unknown = root.node;
  const ancestors: unknown[] = [];
  const shown = (n: number) => (n === 0 ? '' : `${root.prefix}${formatPath(segs.slice(0, n))}`);
  for (let i = 0; i < segs.length; i++) {
    const seg = segs[i] as Seg;
    const here = shown(i);
    if (isAlias(node)) return { kind: 'alias', at: here, alias: node };
    ancestors.push(node);
    let next: unknown;
    if (typeof seg === 'number') {
      if (!isSeq(node)) {
        if (isScalar(node) && node.value === null) return { kind: 'missing', why: `${here} is empty` };
        throw shapeError(root, node, here, 'a list', key, keyPath);
      }
      next = node.items[seg];
    } else {
      if (!isMap(node)) {
        if (node === null || node === undefined || (isScalar(node) && node.value === null)) {
          return { kind: 'missing', why: here ? `${here} is empty` : root.emptyWhy };
        }
        throw shapeError(root, node, here, 'a map', key, keyPath);
      }
      next = undefined;
      for (const pair of node.items) {
        if (isScalar(pair.key) && String(pair.key.value) === seg) next = pair.value ?? null;
      }
    }
    if (next === undefined) {
      const why = `${shown(i + 1)} is not set`;
      return i === segs.length - 1 && isMap(node) && typeof seg === 'string' ? { kind: 'missing', why, parent: { map: node, key: seg, ancestors } } : { kind: 'missing', why };
    }
    node = next;
  }
  return { kind: 'node', node, ancestors };
}

function shapeError(root: ValuesRoot, node: unknown, here: string, want: string, key: HelmKey, keyPath: string): ManifestError {
  const range = node && typeof node === 'object' && 'range' in node && Array.isArray(node.range) ? Number(node.range[0]) : undefined;
  const at = range === undefined ? root.file.path : `${root.file.path}:${lineOf(root.file.text, range)}`;
  return new ManifestError(
    `${at}: ${here || root.rootName} is ${describeNode(node)}, not ${want}, so the key path ${keyPath} (${key}) cannot be followed; ` +
      `set helm.${key} in the target to the chart's key path`,
  );
}

/** Where a key path's scalar was found. */
export interface ValueSite {
  /** The file holding it; for values written as a YAML string, the string parsed (same path, the file's line numbers). */
  file: ParsedFile;
  docIndex: number;
  yamlPath: string;
  /** For values inside a YAML string: the file offsets of a range of `file.text`, undefined when it cannot be mapped. */
  toFile?: (range: [number, number]) => [number, number] | undefined;
  /** The scalar's anchor (if any) is used by no alias. */
  anchorFree?: boolean;
}

/** Where an absent key would be added: the map that holds its siblings. */
export interface InsertAt {
  map: YAMLMap;
  key: string;
  /** The key's own path (yamlPath) in the file. */
  site: ValueSite;
}

export type KeyFind =
  /** `also`: notes for when this value is used, e.g. other places that set the key and are overridden. */
  | { kind: 'node'; node: unknown; site: ValueSite; also?: string[] }
  /**
   * The key is not set. `insert`: the map it can be added to; `noInsert`: why it must not be
   * added here (another source Augur does not read may set it), with the fix.
   */
  | { kind: 'missing'; why: string; insert?: InsertAt; noInsert?: string }
  | { kind: 'blocked'; note: string };

/** Where a format finds chart values. */
export interface ValuesSource {
  /** The values in notes: the values file, or e.g. "apps/web/hr.yaml (document 2) HelmRelease/web". */
  where: string;
  /** A key path as notes show it: as written for a values file, under spec.values for a HelmRelease. */
  show(keyPath: string): string;
  /** The start of a `why` that means the values themselves are empty (not the chart's own "unset"). */
  emptyWhy: string;
  find(key: HelmKey, keyPath: string): KeyFind;
  /** Why no absent key may be added to these values (e.g. values files Augur does not read apply too), with the fix. */
  noInsert?: string;
}

type Configured = Partial<Record<HelmKey, string>> | undefined;

/** The fix to add to a "not found" note. Only a key that is not there at all suggests a wrong key path; an empty one is the chart's own "unset". */
function fixFor(src: ValuesSource, configured: Configured, k: HelmKey, why: string): string {
  if (/is empty$/.test(why) && !why.startsWith(src.emptyWhy)) return '';
  return configured?.[k] !== undefined ? `; fix helm.${k} in the target` : `; if the chart uses another key, set helm.${k} in the target`;
}

interface Found {
  res: Lookup;
  also: string[];
  /** A note whatever the result, e.g. that a configured limit key path is not there. */
  note?: string;
}

/** What locateHelmValues knows when it looks a field up. */
interface Lookups {
  src: ValuesSource;
  configured: Configured;
  keys: Record<HelmKey, string>;
  /** The chart's HPA switch is written in the values (true or false). */
  switchFound: boolean;
  /** The target's name, to suggest key paths of a chart shape Augur recognises. */
  name: string;
}

function lookupField(l: Lookups, field: FieldKey): Found {
  const { src } = l;
  const keyPath = l.keys[field];
  const f = src.find(field, keyPath);
  if (f.kind === 'missing') return missingField(l, field, f);
  if (f.kind === 'blocked') return { res: f, also: [] };
  const { site } = f;
  const res = scalarAt(
    {
      field,
      file: site.file,
      docIndex: site.docIndex,
      yamlPath: site.yamlPath,
      strictShape: true,
      fix: `set helm.${field} in the target to the key path of the scalar itself`,
      retarget: `point helm.${field} at another key`,
      ...(site.anchorFree ? { anchorFree: true } : {}),
    },
    f.node,
  );
  if (res.kind !== 'found' || !site.toFile) return { res, also: f.also ?? [] };
  const range = site.toFile(res.loc.range);
  if (!range) return { res: { kind: 'blocked', note: `${field}: ${fileAt(site.file, site.docIndex)}: ${site.yamlPath} could not be mapped to its bytes in the file, so Augur does not edit it; edit it by hand` }, also: [] };
  return { res: { kind: 'found', loc: { ...res.loc, range } }, also: f.also ?? [] };
}

const WHAT: Record<FieldKey, string> = {
  replicas: 'its replica count',
  'hpa.minReplicas': "its HPA's minReplicas",
  'hpa.maxReplicas': "its HPA's maxReplicas",
  'cpu.request': "the container's CPU request",
  'cpu.limit': "the container's CPU limit",
  'memory.request': "the container's memory request",
  'memory.limit': "the container's memory limit",
};

/**
 * A key path that is not set: added to the map that would hold it when there is one; otherwise
 * blocked, saying what to set. An absent limit is no limit: nothing to change, nothing invented.
 * No replica key and no HPA switch: the chart may hard-code replicas in its template.
 */
function missingField(l: Lookups, field: FieldKey, f: Extract<KeyFind, { kind: 'missing' }>): Found {
  const { src, configured, keys } = l;
  const keyPath = keys[field];
  const looked = `${field}: ${src.where}: key path ${src.show(keyPath)} not found (${f.why})`;
  const blocked = (note: string): Found => ({ res: { kind: 'blocked', note }, also: [] });
  if (field.endsWith('.limit')) {
    const note = configured?.[field] !== undefined ? `${looked}: no limit is set there, so Augur proposes none; fix helm.${field} in the target if the chart reads it elsewhere` : undefined;
    return { res: NONE, also: [], ...(note ? { note } : {}) };
  }
  const suggestion = appTemplateKey(src, field, l.name);
  if (field === 'replicas' && configured?.replicas === undefined && !l.switchFound) {
    return blocked(
      `replicas: ${src.where}: neither ${src.show(keyPath)} nor the HPA switch ${src.show(keys['hpa.enabled'])} is in the values (${f.why}), ` +
        `so the chart may hard-code replicas in its template, where Augur cannot change them. If the chart reads its replica count from a key, ` +
        `add \`helm.replicas: ${suggestion ?? '<key path>'}\` to the target's manifest, the key path where this chart reads its replica count`,
    );
  }
  const noInsert = f.noInsert ?? src.noInsert;
  if (noInsert) return blocked(`${looked}; ${noInsert}`);
  if (f.insert && !f.insert.site.toFile) {
    const site = f.insert.site;
    return { res: insertionInMap({ field, file: site.file, docIndex: site.docIndex, yamlPath: site.yamlPath }, f.insert.map, f.insert.key), also: [] };
  }
  const parent = keyPath.includes('.') ? src.show(keyPath.slice(0, keyPath.lastIndexOf('.'))) : undefined;
  const addParent = parent ? `; or add ${parent} to the values, where Augur can then add the key` : '';
  const hint = suggestion ? ` (this looks like the bjw-s app-template: \`helm.${field}: ${suggestion}\`)` : '';
  if (configured?.[field] !== undefined) {
    return blocked(`${looked}, and Augur adds a key only to a map that exists; fix helm.${field} in the target's manifest: the key path where this chart reads ${WHAT[field]}${hint}${addParent}`);
  }
  return blocked(
    `${looked}, and Augur adds a key only to a map that exists; add \`helm.${field}: ${suggestion ?? '<key path>'}\` to the target's manifest, ` +
      `the key path where this chart reads ${WHAT[field]}${addParent}`,
  );
}

/**
 * The key path of a field in the bjw-s app-template (`controllers.<name>.replicas`,
 * `controllers.<name>.containers.<c>.resources...`), when the values have its controllers: the
 * controller named like the target, else `main`, else the only one; its container `app`, else the only one.
 */
function appTemplateKey(src: ValuesSource, field: FieldKey, name: string): string | undefined {
  const found = src.find('hpa.enabled', 'controllers');
  const controllers = found.kind === 'node' && isMap(found.node) ? found.node : undefined;
  const names = (controllers?.items ?? []).map((p) => (isScalar(p.key) ? String(p.key.value) : ''));
  const pick = (list: string[], ...wanted: string[]) => wanted.find((w) => list.includes(w)) ?? (list.length === 1 ? list[0] : undefined);
  const controller = pick(names, name, 'main');
  if (!controller || !controllers) return undefined;
  if (field === 'replicas') return `controllers.${controller}.replicas`;
  if (field.startsWith('hpa.')) return undefined;
  const containers = controllers.items.find((p) => isScalar(p.key) && String(p.key.value) === controller)?.value;
  const cmap = isMap(containers) ? containersOf(containers) : [];
  const container = pick(cmap, 'app', name, 'main');
  if (!container) return undefined;
  const kind = field.endsWith('.limit') ? 'limits' : 'requests';
  return `controllers.${controller}.containers.${container}.resources.${kind}.${field.startsWith('cpu.') ? 'cpu' : 'memory'}`;
}

function containersOf(controller: YAMLMap): string[] {
  const c = controller.items.find((p) => isScalar(p.key) && p.key.value === 'containers')?.value;
  return isMap(c) ? c.items.map((p) => (isScalar(p.key) ? String(p.key.value) : '')) : [];
}

/** Reads the chart's HPA switch: on or off, and whether it is written at all; a ManifestError when it is neither true nor false. */
function readHpaSwitch(ctx: Ctx, src: ValuesSource, configured: Configured, keys: Record<HelmKey, string>): { on: boolean; found: boolean } {
  const enabledPath = keys['hpa.enabled'];
  const we = src.find('hpa.enabled', enabledPath);
  if (we.kind === 'missing') {
    ctx.note(
      `hpa.enabled: ${src.where}: key path ${src.show(enabledPath)} not found (${we.why}), so Augur assumes the chart renders no HPA${fixFor(src, configured, 'hpa.enabled', we.why)}`,
    );
    return { on: false, found: false };
  }
  if (we.kind === 'blocked') {
    ctx.note(`${we.note}; Augur assumes the chart renders no HPA`);
    return { on: false, found: false };
  }
  const n = we.node;
  const v = isScalar(n) ? n.value : undefined;
  const line = isScalar(n) && n.range ? `:${lineOf(we.site.file.text, n.range[0])}` : '';
  if (v === true || v === 'true') return { on: true, found: true };
  if (v === false || v === 'false' || v === null) return { on: false, found: true };
  throw new ManifestError(
    `${we.site.file.path}${line}: ${we.site.yamlPath} is ${describeNode(n)}, not true or false, so Augur cannot tell whether an HPA owns replicas; ` +
      `write true or false there, or set helm.hpa.enabled to the chart's switch`,
  );
}

/**
 * The workload's fields in chart values: replicas, or the HPA bounds when the chart's HPA switch is
 * on, and the container resources, each at its key path (`configured` over HELM_DEFAULTS). An
 * absent key is added where its map exists, or blocked with the fix (see missingField).
 */
export function locateHelmValues(ctx: Ctx, id: WorkloadId, configured: Configured, src: ValuesSource): WorkloadManifest {
  const keys: Record<HelmKey, string> = { ...HELM_DEFAULTS, ...(configured ?? {}) };
  const enabledPath = keys['hpa.enabled'];
  const hpaSwitch = readHpaSwitch(ctx, src, configured, keys);
  const hpaEnabled = hpaSwitch.on;
  const l: Lookups = { src, configured, keys, switchFound: hpaSwitch.found, name: id.name };
  const lookup = (field: FieldKey) => lookupField(l, field);
  const written = (f: Found) => f.res.kind === 'found' && !f.res.loc.insert;
  const results = new Map<FieldKey, Lookup>();
  const use = (field: FieldKey, f: Found) => {
    results.set(field, f.res);
    if (f.note) ctx.note(f.note);
    if (f.res.kind === 'found') for (const n of f.also) ctx.note(n);
  };
  const replicas = lookup('replicas');
  if (hpaEnabled) {
    if (replicas.res.kind === 'found' && written(replicas) && keys.replicas !== keys['hpa.minReplicas']) {
      const loc = replicas.res.loc;
      ctx.note(
        `${src.where}: ${src.show(enabledPath)} is true, so the chart's HPA owns replicas; ${src.show(keys.replicas)} ` +
          `(${loc.file}:${lineOf(ctx.parsed(loc.file)?.text ?? '', loc.range[0])}: ${loc.raw}) is not edited`,
      );
    }
    for (const f of HPA_FIELDS) use(f, lookup(f));
  } else {
    use('replicas', replicas);
    const present = HPA_FIELDS.filter((f) => written(lookup(f))).map((f) => `${f} (${keys[f]})`);
    if (present.length) {
      ctx.note(`${src.where}: ${src.show(enabledPath)} is not true, so the chart renders no HPA; ${present.join(', ')} not returned`);
    }
  }
  for (const f of CONTAINER_FIELDS) use(f, lookup(f));
  const resources = hpaEnabled ? chartHpaResources(src, enabledPath) : [];
  const info = hpaEnabled ? { label: `the chart's HPA (${src.where}: ${src.show(enabledPath)}: true)`, type: 'hpa' as const, ...(resources.length > 0 ? { resources } : {}) } : undefined;
  return assemble(ctx, id, results, info, undefined);
}

/** The resources a chart's HPA scales on, by the usual keys beside its switch (targetCPUUtilizationPercentage...). */
function chartHpaResources(src: ValuesSource, enabledPath: string): string[] {
  const parent = enabledPath.includes('.') ? `${enabledPath.slice(0, enabledPath.lastIndexOf('.'))}.` : '';
  const set = (key: string) => {
    const w = src.find('hpa.enabled', `${parent}${key}`);
    return w.kind === 'node' && isScalar(w.node) && w.node.value !== null && w.node.value !== '';
  };
  return [...(set('targetCPUUtilizationPercentage') ? ['cpu'] : []), ...(set('targetMemoryUtilizationPercentage') ? ['memory'] : [])];
}

/**
 * A key in a values tree, as a value Augur may edit: aliases and shared anchors on the way are
 * blocked with the fix; an absent key says which map it would be added to.
 */
export function fromValues(root: ValuesRoot, key: HelmKey, keyPath: string): KeyFind {
  const w = walkKeyPath(root, key, keyPath);
  const yamlPath = `${root.prefix}${keyPath}`;
  const site = { file: root.file, docIndex: root.docIndex, yamlPath };
  const retarget = key === 'hpa.enabled' ? undefined : `point helm.${key} at another key`;
  if (w.kind === 'missing') {
    if (!w.parent || key === 'hpa.enabled') return { kind: 'missing', why: w.why };
    const a = anchorCheck({ field: key, ...site }, undefined, w.parent.ancestors);
    if (a.blocked) return { kind: 'blocked', note: a.blocked };
    return { kind: 'missing', why: w.why, insert: { map: w.parent.map, key: w.parent.key, site } };
  }
  if (w.kind === 'alias') {
    return {
      kind: 'blocked',
      note:
        `${key}: ${fileAt(root.file, root.docIndex, w.alias.range?.[0])}: ${yamlPath} goes through ${w.at || root.rootName}, the alias *${w.alias.source}, which Augur does not follow: ` +
        `editing the anchor &${w.alias.source} would change every place that uses it. Write the values out in place of the alias to let Augur edit them here, or change them by hand${retarget ? `, or ${retarget}` : ''}`,
    };
  }
  if (key === 'hpa.enabled') return { kind: 'node', node: w.node, site };
  const a = anchorCheck({ field: key, ...site, ...(retarget ? { retarget } : {}) }, w.node, w.ancestors);
  if (a.blocked) return { kind: 'blocked', note: a.blocked };
  return { kind: 'node', node: w.node, site: { ...site, anchorFree: a.anchorFree } };
}
