// Flux HelmReleases (helm.toolkit.fluxcd.io/v2*): the chart values written inline in
// spec.values, at the same key paths as a values file (formats/helm-values.ts). `path` is the file
// holding the HelmRelease (in any document), a directory of YAML files, or a Kustomize directory
// that builds it; there a strategic-merge patch that sets a key wins over the resource, as kustomize
// applies it, and the key is edited in the patch.
import { z } from 'zod';
import { isScalar, isSeq } from 'yaml';
import type { ManifestFormatModule } from '../format.js';
import type { WorkloadId, WorkloadManifest } from '../../domain/workload.js';
import { ManifestError } from '../../domain/errors.js';
import { dirOf, isUnder, normPath } from '../paths.js';
import type { ManifestSpec } from '../spec.js';
import type { Ctx } from '../yaml-util.js';
import { getKey, lineOf, str, strAt } from '../yaml-util.js';
import type { ResourceDoc } from '../workload.js';
import { idText, resourceDocs, where } from '../workload.js';
import type { HelmKey, KeyFind, ValuesRoot, ValuesSource } from './helm-values.js';
import { fromValues, locateHelmValues } from './helm-values.js';
import { helmKeys } from './helm.js';
import type { Applying } from './helmrelease-kustomize.js';
import { fromPatch, patchesFor } from './helmrelease-kustomize.js';
import { valuesFromError } from './helmrelease-values-from.js';
import type { Occ, Walk } from './kustomize-walk.js';
import { finalName, findKustomization, namespaceFrom, walk } from './kustomize-walk.js';

const API_GROUP = 'helm.toolkit.fluxcd.io/';
const isFluxV2 = (r: ResourceDoc) => r.kind === 'HelmRelease' && r.apiVersion.startsWith(`${API_GROUP}v2`);

/** What path: names, read: the HelmReleases there with the kustomizations that build each. */
interface Found {
  occs: Occ[];
  /** The kustomization directory, when path: is one. */
  dir?: string;
  searched: string[];
  skipped: string[];
}

function readPath(ctx: Ctx, path: string): Found {
  const base = path.split('/').pop() ?? '';
  const kdir = /^kustomization\.ya?ml$|^Kustomization$/.test(base) && ctx.exists(path) ? dirOf(path) : path;
  if (ctx.exists(path) && kdir === path) {
    const f = ctx.parsedStrict(path, 'the file holding the HelmRelease');
    return { occs: f ? resourceDocs(f).map((doc) => ({ doc, chain: [] })) : [], searched: [path], skipped: [] };
  }
  if (findKustomization(ctx, kdir)) {
    const w: Walk = { occs: [], skipped: [], stack: [] };
    walk(ctx, kdir, [], w);
    return { occs: w.occs, dir: kdir, searched: [...ctx.filesRead], skipped: w.skipped };
  }
  const files = ctx.yamlFilesIn(path);
  if (files.length === 0) {
    throw new ManifestError(
      `${path || '(repository root)'}: no such file, no kustomization.yaml, and no *.yaml/*.yml files directly in it; ` +
        `set path: to the file holding the HelmRelease, its directory, or the Kustomize directory that builds it`,
    );
  }
  const occs: Occ[] = [];
  const skipped: string[] = [];
  for (const p of files) {
    const f = ctx.parsed(p);
    if (f && f.errors.length > 0) skipped.push(f.errors[0] ?? p);
    else if (f) occs.push(...resourceDocs(f).map((doc) => ({ doc, chain: [] })));
  }
  return { occs, searched: files, skipped };
}

/** The namespace of the workloads the HelmRelease installs: spec.targetNamespace, else its own (after the build's namespace:). */
function releaseNamespace(o: Occ): string | undefined {
  return strAt(o.doc.root, 'spec', 'targetNamespace') ?? namespaceFrom(o, 0);
}

function describeRelease(o: Occ): string {
  const ns = releaseNamespace(o);
  return `${finalName(o)} (${where(o.doc)}${ns ? `, namespace ${ns}` : ''})`;
}

function chooseRelease(id: WorkloadId, wanted: string, found: Found, path: string): Occ {
  const releases = found.occs.filter((o) => isFluxV2(o.doc));
  const matches = releases.filter((o) => {
    const ns = releaseNamespace(o);
    return finalName(o) === wanted && (ns === undefined || ns === id.namespace);
  });
  if (matches.length === 1) return matches[0] as Occ;
  if (matches.length > 1) {
    throw new ManifestError(
      `HelmRelease ${wanted} is ambiguous: ${matches.length} match in ${path} (${matches.map((o) => where(o.doc)).join('; ')}); ` +
        `set metadata.namespace or spec.targetNamespace in them, or point path: at the one file to edit`,
    );
  }
  const other = found.occs.filter((o) => o.doc.kind === 'HelmRelease' && !isFluxV2(o.doc)).map((o) => `${o.doc.name} (${o.doc.apiVersion}, not Flux v2)`);
  const seen = [...releases.map(describeRelease), ...other];
  throw new ManifestError(
    `HelmRelease ${wanted} (for ${idText(id)}) not found in ${found.searched.join(', ') || path}` +
      (seen.length ? `; HelmReleases there: ${seen.join(', ')}` : `; no HelmRelease (${API_GROUP}v2) there`) +
      (found.skipped.length ? `; not searched: ${found.skipped.join('; ')}` : '') +
      `. Set release: in the target to the HelmRelease's metadata.name (default: the target's name), or fix path:`,
  );
}

/** The `release` option: the HelmRelease's name, when it is not the target's. */
function releaseOption(spec: ManifestSpec): string | undefined {
  return 'release' in spec && typeof spec.release === 'string' ? spec.release : undefined;
}

function label(o: Occ): string {
  return `${where(o.doc)} HelmRelease/${o.doc.name}`;
}

/** spec.valuesFrom in the HelmRelease or in a patch of it: the values are partly elsewhere. */
function refuseValuesFrom(ctx: Ctx, o: Occ, patches: Applying[]): void {
  const own = getKey(getKey(o.doc.root, 'spec'), 'valuesFrom');
  if (isSeq(own) && own.items.length > 0) throw valuesFromError(ctx, o, `HelmRelease/${o.doc.name}`, { file: o.doc.file, docIndex: o.doc.docIndex }, own);
  for (const { p } of patches) {
    if (p.t !== 'smp') continue;
    const v = getKey(getKey(p.root, 'spec'), 'valuesFrom');
    if (isSeq(v) && v.items.length > 0) throw valuesFromError(ctx, o, `HelmRelease/${o.doc.name} (as ${p.where} patches it)`, p, v);
  }
}

export function locateHelmRelease(ctx: Ctx, id: WorkloadId, spec: ManifestSpec): WorkloadManifest {
  const path = normPath(spec.path);
  const found = readPath(ctx, path);
  const o = chooseRelease(id, releaseOption(spec) ?? id.name, found, path);
  for (const s of found.skipped) ctx.note(`not searched: ${s}`);
  const patches = patchesFor(o);
  refuseValuesFrom(ctx, o, patches);
  const valuesFiles = noteValuesFiles(ctx, o);
  const src = releaseSource(o, patches, valuesFiles);
  const m = locateHelmValues(ctx, id, spec.helm, src);
  // As formats/kustomize.ts says it: a field edited in a base changes every overlay built on it.
  const bases = new Map<string, string[]>();
  for (const l of Object.values(m.fields)) {
    if (found.dir === undefined || isUnder(l.file, found.dir)) continue;
    bases.set(l.file, [...(bases.get(l.file) ?? []), l.field]);
  }
  for (const [file, fields] of bases) m.notes.push(`${fields.join(', ')}: edits base ${dirOf(file)} (${file}), shared by other overlays`);
  return m;
}

/** Values files of the chart (spec.chart.spec.valuesFiles) sit under spec.values: a key not set inline may be set there. */
function noteValuesFiles(ctx: Ctx, o: Occ): string[] {
  const chart = getKey(getKey(getKey(o.doc.root, 'spec'), 'chart'), 'spec');
  const list = getKey(chart, 'valuesFiles');
  const files = [...(isSeq(list) ? list.items.map(str) : []), str(getKey(chart, 'valuesFile'))].filter((v): v is string => v !== undefined);
  if (files.length === 0) return files;
  ctx.note(
    `${label(o)}: spec.chart.spec.valuesFiles (${files.join(', ')}) apply under spec.values, and Augur does not edit them; ` +
      `a key not found in spec.values may be set there (a format: helm target edits a values file in this repository)`,
  );
  return files;
}

function releaseSource(o: Occ, patches: Applying[], valuesFiles: string[]): ValuesSource {
  const emptyWhy = 'spec.values is empty or not set';
  const root: ValuesRoot = {
    file: o.doc.file,
    docIndex: o.doc.docIndex,
    node: getKey(getKey(o.doc.root, 'spec'), 'values') ?? null,
    prefix: 'spec.values.',
    emptyWhy,
    rootName: 'spec.values',
  };
  const src: ValuesSource = {
    where: label(o),
    show: (k) => `spec.values.${k}`,
    emptyWhy,
    find: (key, keyPath) => {
      // A key set by a patch is edited there; an absent key goes in the first patch that has its map, else in the HelmRelease.
      let insertAt: Extract<KeyFind, { kind: 'missing' }> | undefined;
      for (const { p, m } of patches) {
        const r = fromPatch(p, m, key, keyPath);
        if (r?.kind === 'missing') insertAt ??= r;
        else if (r) return withOverride(r, root, key, keyPath);
      }
      const base = fromValues(root, key, keyPath);
      return base.kind === 'missing' && insertAt ? { ...insertAt, why: base.why } : base;
    },
  };
  if (valuesFiles.length > 0) {
    src.noInsert =
      `the chart's spec.chart.spec.valuesFiles (${valuesFiles.join(', ')}) apply under spec.values and may set it, and Augur does not read them, ` +
      `so it adds no key here: write the key in spec.values by hand (Augur then edits it there), or point a format: helm target at that values file`;
  }
  return src;
}

/** When a patch sets the key, a note about the value it overrides in the HelmRelease. */
function withOverride(r: KeyFind, root: ValuesRoot, key: HelmKey, keyPath: string): KeyFind {
  if (r.kind !== 'node') return r;
  let base: KeyFind;
  try {
    base = fromValues(root, key, keyPath);
  } catch {
    return r;
  }
  if (base.kind !== 'node' || !isScalar(base.node) || !base.node.range) return r;
  const at = `${root.file.path}:${lineOf(root.file.text, base.node.range[0])}`;
  return { ...r, also: [`${key}: the patch overrides spec.values.${keyPath} of ${at} (${String(base.node.value)}); Augur edits the patch, not that value`] };
}

const releaseOptions = {
  helm: helmKeys
    .describe('key paths under spec.values; defaults: replicaCount, autoscaling.enabled, autoscaling.minReplicas, autoscaling.maxReplicas, resources.requests.cpu, resources.limits.cpu, resources.requests.memory, resources.limits.memory')
    .optional(),
  release: z.string().min(1).optional().describe("the HelmRelease's metadata.name; default: the target's name"),
};

export const helmrelease: ManifestFormatModule<'helmrelease', typeof releaseOptions> = {
  format: 'helmrelease',
  doc: 'a Flux HelmRelease with inline spec.values: `path` is its file, a directory of *.yaml files, or a Kustomize directory that builds it (strategic-merge patches of spec.values are edited where they set a key); `helm` maps each field to its key path under spec.values',
  options: releaseOptions,
  locate: locateHelmRelease,
};
