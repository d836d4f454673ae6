// Argo CD Applications (argoproj.io/v1alpha1), and ApplicationSets whose spec.template is one: the
// chart values of a helm source, at the same key paths as a values file (formats/helm-values.ts).
// A source holds values in three places, and Argo CD applies them in this order of precedence:
// helm.parameters (`--set`), then helm.valuesObject, then helm.values (a YAML string). Argo CD
// does not merge the last two: with valuesObject set, the values string is ignored whole. Each
// key is edited where the value Argo CD applies is written, inside the values string too.
import { z } from 'zod';
import { isMap, isScalar } from 'yaml';
import type { YAMLMap, YAMLSeq } from 'yaml';
import type { ManifestFormatModule } from '../format.js';
import type { WorkloadId, WorkloadManifest } from '../../domain/workload.js';
import { ManifestError } from '../../domain/errors.js';
import { normPath } from '../paths.js';
import type { ManifestSpec } from '../spec.js';
import type { Ctx, ParsedFile } from '../yaml-util.js';
import { asSeq, exampleOf, getKey, lineOf, parseText, str, strAt } from '../yaml-util.js';
import type { ResourceDoc } from '../workload.js';
import { idText, resourceDocs, where } from '../workload.js';
import { anchorCheck } from './anchors.js';
import type { Embedded } from './embedded-yaml.js';
import { embeddedYaml, splitFix } from './embedded-yaml.js';
import type { HelmKey, KeyFind, ValuesRoot, ValuesSource } from './helm-values.js';
import { fromValues, locateHelmValues } from './helm-values.js';
import { helmKeys } from './helm.js';

const isApp = (r: ResourceDoc) => r.apiVersion.startsWith('argoproj.io/') && (r.kind === 'Application' || r.kind === 'ApplicationSet');

function readApps(ctx: Ctx, path: string): { apps: ResourceDoc[]; searched: string[]; skipped: string[] } {
  const files = ctx.exists(path) ? [path] : ctx.yamlFilesIn(path);
  if (files.length === 0) {
    throw new ManifestError(`${path || '(repository root)'}: no such file, and no *.yaml/*.yml files directly in it; set path: to the file holding the Argo CD Application, or its directory`);
  }
  const apps: ResourceDoc[] = [];
  const skipped: string[] = [];
  for (const p of files) {
    const f = files.length === 1 ? ctx.parsedStrict(p, 'the file holding the Application') : ctx.parsed(p);
    if (f && f.errors.length > 0) skipped.push(f.errors[0] ?? p);
    else if (f) apps.push(...resourceDocs(f).filter(isApp));
  }
  return { apps, searched: files, skipped };
}

/** The Application spec: the document's own, or an ApplicationSet's template's. */
function appSpec(r: ResourceDoc): { spec: unknown; base: string } {
  if (r.kind === 'ApplicationSet') return { spec: getKey(getKey(getKey(r.root, 'spec'), 'template'), 'spec'), base: 'spec.template.spec' };
  return { spec: getKey(r.root, 'spec'), base: 'spec' };
}

/** The namespace the Application deploys to, when written without a template expression. */
function destinationNamespace(r: ResourceDoc): string | undefined {
  const ns = strAt(appSpec(r).spec, 'destination', 'namespace');
  return ns === undefined || ns.includes('{{') ? undefined : ns;
}

function chooseApp(id: WorkloadId, wanted: string, path: string, found: ReturnType<typeof readApps>): ResourceDoc {
  const matches = found.apps.filter((r) => r.name === wanted && (destinationNamespace(r) ?? id.namespace) === id.namespace);
  if (matches.length === 1) return matches[0] as ResourceDoc;
  if (matches.length > 1) {
    throw new ManifestError(`${wanted} is ambiguous: ${matches.length} Applications match in ${path} (${matches.map(where).join('; ')}); point path: at the one file to edit`);
  }
  const seen = found.apps.map((r) => `${r.kind}/${r.name} (${where(r)}${destinationNamespace(r) ? `, destination namespace ${destinationNamespace(r)}` : ''})`);
  throw new ManifestError(
    `Application or ApplicationSet ${wanted} (for ${idText(id)}) not found in ${found.searched.join(', ')}` +
      (seen.length ? `; there: ${seen.join(', ')}` : '; no Argo CD Application or ApplicationSet (argoproj.io) there') +
      (found.skipped.length ? `; skipped (invalid YAML): ${found.skipped.join('; ')}` : '') +
      `. Set application: in the target to its metadata.name (default: the target's name), or fix path:`,
  );
}

function sourceOption(spec: ManifestSpec): number | string | undefined {
  return 'source' in spec && (typeof spec.source === 'number' || typeof spec.source === 'string') ? spec.source : undefined;
}

function applicationOption(spec: ManifestSpec): string | undefined {
  return 'application' in spec && typeof spec.application === 'string' ? spec.application : undefined;
}

interface Source {
  node: YAMLMap;
  /** e.g. "spec.sources[1]". */
  path: string;
}

function sourceName(s: Source): string {
  return strAt(s.node, 'chart') ?? strAt(s.node, 'name') ?? strAt(s.node, 'repoURL') ?? '?';
}

/** The source whose helm values are edited: spec.sources when set (Argo CD then ignores spec.source), else spec.source. */
function chooseSource(ctx: Ctx, r: ResourceDoc, option: number | string | undefined): Source {
  const { spec, base } = appSpec(r);
  const list = asSeq(getKey(spec, 'sources'));
  const label = `${where(r)} ${r.kind}/${r.name}`;
  let all: Source[];
  if (list && list.items.length > 0) {
    if (getKey(spec, 'source') !== undefined) ctx.note(`${label}: sets both ${base}.source and ${base}.sources; Argo CD uses ${base}.sources and so does Augur`);
    all = list.items.flatMap((n, i) => (isMap(n) ? [{ node: n, path: `${base}.sources[${i}]` }] : []));
  } else {
    const single = getKey(spec, 'source');
    all = isMap(single) ? [{ node: single, path: `${base}.source` }] : [];
  }
  const withHelm = all.filter((s) => isMap(getKey(s.node, 'helm')));
  const listing = all.map((s) => `${s.path} (${sourceName(s)}${isMap(getKey(s.node, 'helm')) ? ', helm' : ''})`).join(', ') || 'none';
  let chosen: Source[];
  if (option === undefined) chosen = withHelm;
  else if (typeof option === 'number') chosen = all.filter((s) => s.path.endsWith(`[${option}]`) || (option === 0 && s.path.endsWith('.source')));
  else chosen = all.filter((s) => [strAt(s.node, 'chart'), strAt(s.node, 'repoURL'), strAt(s.node, 'name')].includes(option));
  const only = chosen[0];
  if (chosen.length === 1 && only && isMap(getKey(only.node, 'helm'))) return only;
  const why =
    chosen.length > 1
      ? option === undefined ? `${chosen.length} sources have helm values` : `${chosen.length} sources match ${JSON.stringify(option)}`
      : only ? `${only.path} has no helm: block`
      : option === undefined ? 'no source has a helm: block' : `no source is ${JSON.stringify(option)}`;
  throw new ManifestError(
    `${label}: ${why} (sources: ${listing}); ` +
      (withHelm.length > 0 ? 'set source: in the target to the index, chart, repoURL or name of the one to edit' : 'Augur edits inline helm values only: add helm.valuesObject to the source, or point a format: helm target at its values file'),
  );
}

interface Places {
  doc: ResourceDoc;
  label: string;
  helmPath: string;
  params?: YAMLSeq;
  fileParams?: YAMLSeq;
  /** helm.valuesObject, when set and not null: then Argo CD ignores helm.values. */
  object?: ValuesRoot;
  /** helm.values, parsed: a values tree mapped back to the file, or why it cannot be edited. */
  string?: { root: ValuesRoot; embedded?: Embedded; unmapped?: string };
}

function readPlaces(r: ResourceDoc, s: Source): Places {
  const helm = getKey(s.node, 'helm');
  const helmPath = `${s.path}.helm`;
  const out: Places = { doc: r, label: `${where(r)} ${r.kind}/${r.name} ${helmPath}`, helmPath };
  const params = asSeq(getKey(helm, 'parameters'));
  if (params) out.params = params;
  const fileParams = asSeq(getKey(helm, 'fileParameters'));
  if (fileParams) out.fileParams = fileParams;
  const root = (file: ParsedFile, docIndex: number, node: unknown, name: string): ValuesRoot => ({
    file,
    docIndex,
    node,
    prefix: `${name}.`,
    emptyWhy: `${name} is empty`,
    rootName: name,
  });
  // An empty map still counts: Argo CD then renders `{}` and ignores helm.values.
  const object = getKey(helm, 'valuesObject');
  if (object !== undefined && object !== null && !(isScalar(object) && object.value === null)) out.object = root(r.file, r.docIndex, object, `${helmPath}.valuesObject`);
  const values = getKey(helm, 'values');
  if (values !== undefined && values !== null && str(values) !== undefined) {
    const e = embeddedYaml(r.file, values, r.docIndex);
    const name = `${helmPath}.values`;
    if (e.kind === 'ok') {
      const inner = e.embedded.inner;
      if (inner.errors.length > 0) out.string = { root: root(inner, 0, null, name), unmapped: `does not parse as YAML (${inner.errors[0]}); fix the YAML in the string` };
      else out.string = { root: root(inner, 0, inner.docs[0]?.contents ?? null, name), embedded: e.embedded };
    } else {
      const parsed = parseText(r.file.path, e.value ?? '');
      out.string = { root: root(parsed, 0, parsed.errors.length ? null : (parsed.docs[0]?.contents ?? null), name), unmapped: e.why };
    }
  }
  return out;
}

type Setting = { place: string; find: KeyFind; line?: number };

/** The last helm.parameters entry named like the key path (helm applies --set in order). */
function fromParameters(p: Places, key: HelmKey, keyPath: string): Setting | undefined {
  const items = p.params?.items ?? [];
  for (let i = items.length - 1; i >= 0; i--) {
    const entry = items[i];
    if (strAt(entry, 'name') !== keyPath) continue;
    const yamlPath = `${p.helmPath}.parameters[${i}].value`;
    const node = getKey(entry, 'value');
    const line = isMap(entry) && entry.range ? lineOf(p.doc.file.text, entry.range[0]) : undefined;
    const place = `${p.helmPath}.parameters[${i}]`;
    if (node === undefined) {
      return { place, line, find: { kind: 'blocked', note: `${key}: ${p.doc.file.path}:${line ?? '?'}${docOf(p)}: ${place} (name ${keyPath}) has no value, so Augur does not edit it; add \`value: "${exampleOf(key)}"\` to that entry` } };
    }
    const site = { file: p.doc.file, docIndex: p.doc.docIndex, yamlPath };
    if (key === 'hpa.enabled') return { place, line, find: { kind: 'node', node, site } };
    const a = anchorCheck({ field: key, ...site, retarget: `point helm.${key} at another key` }, node, [entry]);
    return { place, line, find: a.blocked ? { kind: 'blocked', note: a.blocked } : { kind: 'node', node, site: { ...site, anchorFree: a.anchorFree } } };
  }
  return undefined;
}

function fromFileParameters(p: Places, key: HelmKey, keyPath: string): Setting | undefined {
  const i = (p.fileParams?.items ?? []).findIndex((e) => strAt(e, 'name') === keyPath);
  if (i < 0) return undefined;
  const place = `${p.helmPath}.fileParameters[${i}]`;
  return {
    place,
    find: {
      kind: 'blocked',
      note:
        `${key}: ${p.label}: ${place} sets ${keyPath} from the file ${strAt(p.fileParams?.items[i], 'path') ?? '?'} at sync time (helm --set-file), over the other values, ` +
        `so Augur does not edit it; edit that file by hand, or replace the entry with the value in helm.valuesObject`,
    },
  };
}

function fromString(p: Places, key: HelmKey, keyPath: string): Setting | undefined {
  const s = p.string;
  if (!s) return undefined;
  const place = `${p.helmPath}.values`;
  const f = fromValues(s.root, key, keyPath);
  if (f.kind === 'missing') {
    if (s.unmapped && /does not parse/.test(s.unmapped)) return { place, find: { kind: 'blocked', note: `${key}: ${p.label}.values ${s.unmapped}; until then Augur edits nothing in it` } };
    const noInsert = `Augur adds no key inside the ${place} string: add \`${keyPath}: ${exampleOf(key)}\` to it by hand (Augur then edits it there), or move the values into helm.valuesObject, where Augur can add keys`;
    return { place, find: { kind: 'missing', why: f.why, noInsert } };
  }
  if (s.unmapped) {
    const [why, fix] = splitFix(s.unmapped);
    return { place, find: { kind: 'blocked', note: `${key}: ${p.label}.values sets ${keyPath}, but the string ${why}, so Augur does not edit it; ${fix}` } };
  }
  if (f.kind !== 'node') return { place, find: f };
  const line = nodeLine(s.root.file, f.node);
  return { place, line, find: { ...f, site: { ...f.site, docIndex: p.doc.docIndex, toFile: s.embedded?.toFile ?? (() => undefined) } } };
}

function nodeLine(file: ParsedFile, node: unknown): number | undefined {
  return node && typeof node === 'object' && 'range' in node && Array.isArray(node.range) ? lineOf(file.text, Number(node.range[0])) : undefined;
}

function fromObject(p: Places, key: HelmKey, keyPath: string): Setting | undefined {
  if (!p.object) return undefined;
  const f = fromValues(p.object, key, keyPath);
  return { place: `${p.helmPath}.valuesObject`, find: f, ...(f.kind === 'node' ? { line: nodeLine(p.doc.file, f.node) } : {}) };
}

/** Whether a place sets the key (a value, or a reason it cannot be edited). */
const isSet = (s: Setting | undefined): boolean => s !== undefined && s.find.kind !== 'missing';

/** The value Argo CD applies for a key, and notes about the places it overrides. */
function findInPlaces(p: Places, key: HelmKey, keyPath: string): KeyFind {
  const param = fromFileParameters(p, key, keyPath) ?? fromParameters(p, key, keyPath);
  const object = fromObject(p, key, keyPath);
  const string = fromString(p, key, keyPath);
  const file = p.doc.file.path;
  const others = (chosen: Setting, rest: (Setting | undefined)[], why: string) =>
    rest.flatMap((o) => (o && isSet(o) ? [o] : [])).map((o) => `${key}: ${o.place} also sets ${keyPath} (${file}:${o.line ?? '?'}), but ${why}; Augur edits ${chosen.place}`);
  if (param && isSet(param)) return withAlso(param.find, others(param, [object, string], 'Argo CD applies helm.parameters over the values'));
  if (object) {
    if (isSet(object)) return withAlso(object.find, others(object, [string], 'Argo CD ignores helm.values when helm.valuesObject is set'));
    if (string && isSet(string)) {
      return {
        kind: 'blocked',
        note: `${key}: ${string.place} sets ${keyPath} (${file}:${string.line ?? '?'}), but Argo CD ignores helm.values when helm.valuesObject is set, so it does not apply; move it into helm.valuesObject`,
      };
    }
    return object.find;
  }
  if (string) return string.find;
  return {
    kind: 'missing',
    why: `${p.helmPath} has no parameters, valuesObject or values that set it`,
    noInsert: `add it to ${p.helmPath}.valuesObject (Augur then edits it there, and adds keys beside it), or as a ${p.helmPath}.parameters entry`,
  };
}

function withAlso(f: KeyFind, also: string[]): KeyFind {
  return f.kind === 'node' && also.length > 0 ? { ...f, also: [...(f.also ?? []), ...also] } : f;
}

function valueFiles(s: Source): string[] {
  return (asSeq(getKey(getKey(s.node, 'helm'), 'valueFiles'))?.items ?? []).map((n) => str(n)).filter((v): v is string => v !== undefined);
}

function docOf(p: Places): string {
  return p.doc.file.docs.length > 1 ? ` (document ${p.doc.docIndex + 1})` : '';
}

/** Things a reviewer should know about the Application as a whole. */
function noteApp(ctx: Ctx, r: ResourceDoc, s: Source, p: Places): void {
  if (r.kind === 'ApplicationSet') {
    const gens = asSeq(getKey(getKey(r.root, 'spec'), 'generators'))?.items ?? [];
    ctx.note(`${where(r)} ApplicationSet/${r.name}: its spec.template makes every Application it generates (${gens.length} generator${gens.length === 1 ? '' : 's'}); an edit there changes all of them`);
    if (getKey(getKey(r.root, 'spec'), 'templatePatch') !== undefined) ctx.note(`ApplicationSet/${r.name}: spec.templatePatch may change the helm values per Application; Augur reads spec.template only`);
    if (gens.some((g) => isMap(g) && g.items.some((pair) => isMap(pair.value) && getKey(pair.value, 'template') !== undefined))) {
      ctx.note(`ApplicationSet/${r.name}: a generator has its own template, which may override spec.template per Application; Augur reads spec.template only`);
    }
  }
  const files = valueFiles(s);
  if (files.length > 0) {
    ctx.note(`${p.label}.valueFiles (${files.join(', ')}) apply under the inline values, and Augur does not edit them; a key not found inline may be set there (a format: helm target edits a values file in this repository)`);
  }
}

export function locateArgoApplication(ctx: Ctx, id: WorkloadId, spec: ManifestSpec): WorkloadManifest {
  const path = normPath(spec.path);
  const found = readApps(ctx, path);
  const r = chooseApp(id, applicationOption(spec) ?? id.name, path, found);
  for (const s of found.skipped) ctx.note(`skipped invalid YAML: ${s}`);
  const s = chooseSource(ctx, r, sourceOption(spec));
  const p = readPlaces(r, s);
  if (!p.params?.items.length && !p.object && !p.string) {
    throw new ManifestError(
      `${p.label}: no inline values (helm.parameters, helm.valuesObject or helm.values) to edit; ` +
        `add the values Augur should size to helm.valuesObject, or point a format: helm target at the values file it reads`,
    );
  }
  noteApp(ctx, r, s, p);
  const src: ValuesSource = {
    where: p.label,
    show: (k) => k,
    emptyWhy: `${p.helmPath} has no`,
    find: (key, keyPath) => findInPlaces(p, key, keyPath),
  };
  const files = valueFiles(s);
  if (files.length > 0) {
    src.noInsert =
      `${p.helmPath}.valueFiles (${files.join(', ')}) apply under the inline values and may set it, and Augur does not read them, so it adds no key here: ` +
      `write the key in the inline values by hand (Augur then edits it there), or point a format: helm target at that values file`;
  }
  return locateHelmValues(ctx, id, spec.helm, src);
}

const appOptions = {
  helm: helmKeys
    .describe('key paths in the chart values; defaults: replicaCount, autoscaling.enabled, autoscaling.minReplicas, autoscaling.maxReplicas, resources.requests.cpu, resources.limits.cpu, resources.requests.memory, resources.limits.memory')
    .optional(),
  application: z.string().min(1).optional().describe("metadata.name of the Application or ApplicationSet; default: the target's name"),
  source: z
    .union([z.number().int().min(0), z.string().min(1)])
    .optional()
    .describe('the source whose helm values are edited, when several have helm: its index in spec.sources, or its chart, repoURL or name'),
};

export const argocdApplication: ManifestFormatModule<'argocd-application', typeof appOptions> = {
  format: 'argocd-application',
  doc: 'an Argo CD Application, or an ApplicationSet whose spec.template is one: `path` is its file or a directory of *.yaml files; the helm values of its source (parameters, valuesObject, or the values string) are edited where Argo CD takes each key from; `helm` maps each field to its key path',
  options: appOptions,
  locate: locateArgoApplication,
};
