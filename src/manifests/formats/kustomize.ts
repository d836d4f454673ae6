// Kustomize: a kustomization (overlay or base), its replicas entries, patches and resources, recursively.
// A field is edited where the build sets it, unless that file is shared with other overlays
// (kustomize-shared.ts): then the overlay gets an override, or sharedBase decides.
import { isScalar } from 'yaml';
import { z } from 'zod';
import type { ManifestFormatModule } from '../format.js';
import type { FieldKey, ScaledObjectSite, WorkloadId, WorkloadManifest } from '../../domain/workload.js';
import { ManifestError } from '../../domain/errors.js';
import { scaledObjectSite, wholeNumber } from '../keda.js';
import { dirOf, normPath } from '../paths.js';
import type { ManifestSpec } from '../spec.js';
import type { Ctx, Lookup } from '../yaml-util.js';
import { describeNode, getKey, scalarAt, strAt } from '../yaml-util.js';
import type { ContainerChoice, HpaFound } from '../workload.js';
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
  scalesWorkload,
  where,
} from '../workload.js';
import { kustomizeGraph } from './kustomize-graph.js';
import { inlineLookup } from './kustomize-inline.js';
import type { Resolved, ShareEnv } from './kustomize-shared.js';
import { mayEditFile, placeField, shareEnv, sharedSummary } from './kustomize-shared.js';
import type { Level, Occ, Source, Walk } from './kustomize-walk.js';
import { KUSTOMIZATION_NAMES, deletingPatch, finalName, names, namespaceFrom, sourceMatch, walk } from './kustomize-walk.js';

function sourceLookup(ctx: Ctx, s: Source, field: FieldKey, container: ContainerChoice | undefined): Lookup {
  if (s.t === 'replicas') return scalarAt({ field, file: s.file, docIndex: 0, yamlPath: s.yamlPath }, s.node);
  const res = s.t === 'smp' ? lookupSmp(s.file, s.docIndex, s.root, field, container) : lookupJsonPatch(s.file, s.docIndex, s.ops, field, container);
  return s.inline ? inlineLookup(res, s.inline, ctx.parsed(s.inline.kpath)?.text ?? '', s.where) : res;
}

function resolve(ctx: Ctx, o: Occ, field: FieldKey, container: ContainerChoice | undefined): Resolved {
  for (let depth = 0; depth < o.chain.length; depth++) {
    const level = o.chain[depth] as Level;
    for (const s of level.sources) {
      const m = sourceMatch(s, o, depth, field);
      if (m === 'no') continue;
      const res = sourceLookup(ctx, s, field, container);
      if (res.kind === 'none') continue;
      if (m === 'maybe') {
        return {
          res: {
            kind: 'blocked',
            note: `${field}: ${s.where} may set it (its target selects by label/annotation selector, which Augur cannot evaluate here); not edited`,
          },
          level,
          source: s,
        };
      }
      return { res, level, source: s };
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
  const wl = matches[0] as Occ;
  const del = deletingPatch(wl);
  if (del) {
    throw new ManifestError(
      `${idText(id)} is deleted by ${del.where} ($patch: delete of ${wl.doc.kind}/${strAt(del.root, 'metadata', 'name') ?? wl.doc.name}), ` +
        `so the kustomization at ${dir || '(repository root)'} does not deploy it (it is written in ${where(wl.doc)}). ` +
        `Point path: at a kustomization that deploys it, or remove that patch (or the component that holds it)`,
    );
  }
  return wl;
}

type Autoscaler = HpaFound & { occ: Occ };

/** The HPA or ScaledObject that scales the workload, among everything the kustomization builds (deleted ones aside). */
function theAutoscaler(ctx: Ctx, id: WorkloadId, wl: Occ, w: Walk): Autoscaler | undefined {
  const wlNames = new Set(names(wl));
  const wlNs = namespaceFrom(wl, 0) ?? id.namespace;
  const found: Autoscaler[] = [];
  for (const o of w.occs) {
    const type = scalesWorkload(o.doc, id.kind, wlNames);
    const ns = namespaceFrom(o, 0);
    if (ns !== undefined && ns !== wlNs) continue;
    if (type && !deletingPatch(o)) found.push({ doc: o.doc, type, occ: o });
    else if (!type && finalName(o) === id.name) mismatchedHpaNote(ctx, { ...id, name: o.doc.name }, o.doc);
  }
  if (found.length > 1) {
    throw new ManifestError(
      `${idText(id)} is the scaleTargetRef of ${found.length} autoscalers the kustomization builds: ` +
        `${found.map((h) => `${h.doc.kind}/${h.doc.name} in ${where(h.doc)}`).join('; ')}. ` +
        `Kubernetes cannot reconcile two autoscalers on one workload; remove one from the kustomization (or delete it in the overlay with a $patch: delete patch)`,
    );
  }
  return found[0];
}

function targetDir(ctx: Ctx, path: string): string {
  const dir = normPath(path);
  const base = dir.split('/').pop() ?? '';
  return KUSTOMIZATION_NAMES.includes(base) && ctx.exists(dir) ? dirOf(dir) : dir;
}

/** Every field, resolved and placed (kustomize-shared.ts). */
function locateFields(env: ShareEnv, wl: Occ, hpa: Autoscaler | undefined): Map<FieldKey, Lookup> {
  const fieldOrder: FieldKey[] = ['replicas'];
  if (hpa?.type === 'hpa') fieldOrder.push(...HPA_FIELDS);
  fieldOrder.push(...CONTAINER_FIELDS);
  const results = new Map<FieldKey, Lookup>();
  for (const field of fieldOrder) {
    const occ = field.startsWith('hpa.') && hpa ? hpa.occ : wl;
    results.set(field, placeField(env, field, resolve(env.ctx, occ, field, env.container), occ));
  }
  return results;
}

export function locateKustomize(ctx: Ctx, id: WorkloadId, spec: ManifestSpec): WorkloadManifest {
  const dir = targetDir(ctx, spec.path);
  const w: Walk = { occs: [], skipped: [], stack: [] };
  walk(ctx, dir, [], w);
  const wl = theWorkload(ctx, id, dir, w);
  for (const s of w.skipped) ctx.note(`not searched: ${s}`);
  const hpa = theAutoscaler(ctx, id, wl, w);
  const container = chooseContainer(ctx, wl.doc, spec.container);
  const targetFile = (wl.chain[0] as Level).file;
  const env = shareEnv(ctx, dir, kustomizeGraph(ctx, dir), targetFile, { allow: spec.sharedBase === 'allow', autoscaled: hpa !== undefined, container });
  const results = locateFields(env, wl, hpa);
  let scaledObject: ScaledObjectSite | undefined;
  if (hpa?.type === 'keda') {
    ctx.note(`${hpa.doc.kind}/${hpa.doc.name} (${where(hpa.doc)}) is a KEDA ScaledObject; its minReplicaCount/maxReplicaCount are not edited`);
    scaledObject = kedaSite(ctx, hpa.occ);
    if (scaledObject && !mayEditFile(env, 'KEDA cron triggers', scaledObject.file)) scaledObject = undefined;
  }
  const shared = sharedSummary(env);
  const out = assemble(ctx, id, results, autoscalerInfo(hpa), container);
  if (scaledObject) out.scaledObject = scaledObject;
  if (shared.files.length > 0) out.sharedFiles = shared.files;
  if (shared.overlays.length > 0) out.affectedOverlays = shared.overlays;
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
function kedaSite(ctx: Ctx, o: Occ): ScaledObjectSite | undefined {
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
  return site;
}

const kustomizeOptions = {
  sharedBase: z
    .enum(['allow', 'hold'])
    .optional()
    .describe(
      'what to do when a field can only be changed in a file other overlays also build from (a shared base, a component, or the target itself when it is a base): ' +
        'hold (the default) holds the change and names the overlays whose render would change; allow edits that file and lists those overlays in the PR. ' +
        'An override in the target overlay (a replicas: entry, a key added to a patch it has) is always preferred',
    ),
};

export const kustomize: ManifestFormatModule<'kustomize', typeof kustomizeOptions> = {
  format: 'kustomize',
  doc: 'Kustomize: `path` is the directory of the kustomization (an overlay or a base)',
  options: kustomizeOptions,
  locate: locateKustomize,
};
