// The kustomization side of the helmrelease format. The build (what a kustomization builds, its
// patches in the order kustomize applies them, names and namespaces after namePrefix: and
// namespace:) is formats/kustomize-walk.ts, the kustomize format's; here is what only a HelmRelease
// needs: the patches that may apply to it, highest priority first (what kustomize applies last
// wins), and how one of them sets a key path under spec.values. Replicas entries do not apply to
// custom resources; strategic-merge patches are edited where they set a key, JSON 6902 patches are
// read but never edited.
import { isAlias, isMap, isScalar, isSeq } from 'yaml';
import type { YAMLMap } from 'yaml';
import { describeNode, getKey, strAt } from '../yaml-util.js';
import { anchorCheck } from './anchors.js';
import { splitFix } from './embedded-yaml.js';
import type { HelmKey, KeyFind, Seg } from './helm-values.js';
import { formatPath, parseKeyPath } from './helm-values.js';
import type { Occ, PatchSource } from './kustomize-walk.js';
import { patchMatch } from './kustomize-walk.js';

export type { Occ } from './kustomize-walk.js';
export { findKustomization } from './kustomize-walk.js';

type Patch = PatchSource;

/** A patch that applies to the HelmRelease, or may ('maybe': its target selects by label or annotation). */
export interface Applying {
  p: Patch;
  m: 'yes' | 'maybe';
}

/**
 * The patches that apply to the HelmRelease, highest priority first. Label and annotation
 * selectors are not evaluated (a patch selecting by them may apply), and a target's namespace is
 * matched against the resource's own and the one the whole build gives it.
 */
export function patchesFor(o: Occ): Applying[] {
  const out: Applying[] = [];
  for (const level of o.chain) {
    for (const p of level.sources) {
      if (p.t === 'replicas') continue;
      const m = patchMatch(p, o, 0, 'maybe');
      if (m !== 'no') out.push({ p, m });
    }
  }
  return out;
}

type Smp = Extract<Patch, { t: 'smp' }>;

/** How a patch names itself in notes, with its document when its file has several. */
function patchAt(p: Patch): string {
  return p.t === 'smp' && !p.inline?.embedded && p.file.docs.length > 1 ? `${p.where} (document ${p.docIndex + 1})` : p.where;
}

/** How a patch sets the key: undefined when it does not; 'missing' with `insert` when it holds the map the key would go in. */
export function fromPatch(p: Patch, m: 'yes' | 'maybe', key: HelmKey, keyPath: string): KeyFind | undefined {
  const segs = parseKeyPath(keyPath);
  const shown = `spec.values.${keyPath}`;
  if (p.t === 'json') {
    const op = jsonTouch(p, segs);
    if (!op) return undefined;
    return {
      kind: 'blocked',
      note: `${key}: ${p.where} is a JSON 6902 patch whose ${op} changes ${shown} (or what holds it); Augur does not edit JSON patches, so it is not edited. Write that change as a strategic-merge patch of the HelmRelease to let Augur edit it`,
    };
  }
  const r = smpLookup(p, segs);
  // An inline patch mapped to its kustomization is edited there, at its key path in the kustomization.
  const embedded = p.inline?.embedded;
  const unmapped = p.inline?.unmapped;
  const yamlPath = `${embedded ? `${p.inline?.yamlPrefix}.` : ''}${shown}`;
  const site = { file: p.file, docIndex: p.docIndex, yamlPath };
  if (r.kind === 'none') {
    if (!r.parent || m !== 'yes' || embedded || unmapped !== undefined || key === 'hpa.enabled') return undefined;
    const a = anchorCheck({ field: key, ...site }, undefined, r.parent.ancestors);
    if (a.blocked) return { kind: 'blocked', note: a.blocked };
    return { kind: 'missing', why: `${shown} is not set`, insert: { map: r.parent.map, key: r.parent.key, site } };
  }
  const blocked = (why: string, fix: string): KeyFind => ({ kind: 'blocked', note: `${key}: ${patchAt(p)}: strategic-merge patch ${why}, so Augur does not edit ${shown}; ${fix}` });
  if (r.kind === 'blocked') return blocked(r.why, r.fix);
  if (m === 'maybe') {
    return blocked(`may set ${shown} (its target selects by label or annotation, which Augur does not evaluate)`, 'give the patch a target by kind and name, so Augur can tell whether it applies');
  }
  if (unmapped !== undefined) {
    const [why, fix] = splitFix(unmapped);
    return blocked(`sets ${shown}, but the inline patch ${why}`, `${fix}, or move the patch to a file of its own`);
  }
  if (key === 'hpa.enabled') return { kind: 'node', node: r.node, site };
  const a = anchorCheck({ field: key, ...site, retarget: `point helm.${key} at another key` }, r.node, r.ancestors);
  if (a.blocked) return { kind: 'blocked', note: a.blocked };
  const outer = embedded ? { docIndex: 0, toFile: embedded.toFile } : {};
  return { kind: 'node', node: r.node, site: { ...site, anchorFree: a.anchorFree, ...outer } };
}

type SmpResult =
  | { kind: 'none'; parent?: { map: YAMLMap; key: string; ancestors: unknown[] } }
  | { kind: 'blocked'; why: string; fix: string }
  | { kind: 'node'; node: unknown; ancestors: unknown[] };

/**
 * The value a strategic-merge patch gives spec.values.<segs>. Maps merge key by key; lists of a
 * custom resource have no merge key, so a list in the patch replaces the whole list; null removes.
 */
function smpLookup(p: Smp, segs: Seg[]): SmpResult {
  const full: Seg[] = ['spec', 'values', ...segs];
  let node: unknown = p.root;
  let path = '';
  let replaced = '';
  const ancestors: unknown[] = [];
  const fixPatch = 'fix the patch, or point the helm key path at the value the patch sets';
  for (const [i, seg] of full.entries()) {
    if (isAlias(node)) return { kind: 'blocked', why: `reaches ${path} through the alias *${node.source}, which Augur does not follow`, fix: 'write the values out in place of the alias, or change it by hand' };
    if (isMap(node)) {
      const directive = strAt(node, '$patch');
      if (directive === 'delete') return { kind: 'blocked', why: `deletes ${path || 'the HelmRelease'} ($patch: delete)`, fix: 'the build does not deploy it: remove the target, or point path: at a kustomization that keeps it' };
      if (directive === 'replace') replaced = path || 'the HelmRelease';
    }
    ancestors.push(node);
    const next = typeof seg === 'number' ? (isSeq(node) ? node.items[seg] : undefined) : isMap(node) ? getKey(node, seg) : undefined;
    const nextPath = typeof seg === 'number' ? `${path}[${seg}]` : path ? `${path}.${seg}` : seg;
    if (typeof seg === 'number' && !isSeq(node)) return { kind: 'blocked', why: `sets ${path} to ${describeNode(node)}, not a list`, fix: fixPatch };
    if (typeof seg === 'string' && !isMap(node)) return { kind: 'blocked', why: `sets ${path} to ${describeNode(node)}, replacing the map that held ${formatPath(full)}`, fix: fixPatch };
    if (next === undefined) {
      if (typeof seg === 'number') return { kind: 'blocked', why: `replaces the list ${path} (a custom resource's lists are replaced whole) with one that has no [${seg}]`, fix: `add item [${seg}] to the patch's list` };
      if (replaced) return { kind: 'blocked', why: `replaces ${replaced} without ${nextPath}`, fix: `add ${formatPath(full)} to the patch` };
      return i === full.length - 1 && isMap(node) ? { kind: 'none', parent: { map: node, key: seg, ancestors } } : { kind: 'none' };
    }
    if (next === null || (isScalar(next) && next.value === null)) return { kind: 'blocked', why: `removes ${nextPath} (null)`, fix: 'write the value in place of the null, or remove it from the patch' };
    if (typeof seg === 'number') replaced = path;
    path = nextPath;
    node = next;
  }
  return { kind: 'node', node, ancestors };
}

function decodePointer(p: string | undefined): string[] | undefined {
  if (p === undefined) return undefined;
  if (p === '') return [];
  if (!p.startsWith('/')) return undefined;
  return p.slice(1).split('/').map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** The operation of a JSON patch that changes the key, the map or list holding it, or (shifting indexes) a list on its path. */
function jsonTouch(p: Extract<Patch, { t: 'json' }>, segs: Seg[]): string | undefined {
  const target = ['spec', 'values', ...segs.map(String)];
  const listAt = segs.flatMap((s, i) => (typeof s === 'number' ? [i + 2] : []));
  const touches = (s: string[]) =>
    (s.length <= target.length && s.every((x, k) => x === target[k])) ||
    listAt.some((k) => s.length > k && s.slice(0, k).every((x, j) => x === target[j]));
  for (let i = p.ops.items.length - 1; i >= 0; i--) {
    const op = p.ops.items[i];
    const name = strAt(op, 'op');
    if (name === 'test') continue;
    for (const ptr of [strAt(op, 'path'), name === 'move' ? strAt(op, 'from') : undefined]) {
      const s = decodePointer(ptr);
      if (s && touches(s)) return `operation [${i}] (${name ?? '?'} ${ptr ?? ''})`;
    }
  }
  return undefined;
}
