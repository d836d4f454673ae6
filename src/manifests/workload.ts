// What a workload, an HPA and a patch look like, and where each field sits in them.
import { isAlias, isMap, isScalar, isSeq } from 'yaml';
import type { Alias, YAMLMap, YAMLSeq } from 'yaml';
import type { FieldKey, FieldLocation, WorkloadId, WorkloadManifest } from '../domain/workload.js';
import { ManifestError } from '../domain/errors.js';
import type { Ctx, Lookup, ParsedFile } from './yaml-util.js';
import { NONE, asSeq, exampleOf, fileAt, getKey, lineOf, scalarAt, strAt } from './yaml-util.js';

export const CONTAINER_FIELDS: readonly FieldKey[] = ['cpu.request', 'cpu.limit', 'memory.request', 'memory.limit'];
export const HPA_FIELDS: readonly FieldKey[] = ['hpa.minReplicas', 'hpa.maxReplicas'];
export const WORKLOAD_FIELDS: readonly FieldKey[] = ['replicas', ...CONTAINER_FIELDS];

/** One YAML document of a resource, with its identity. */
export interface ResourceDoc {
  file: ParsedFile;
  docIndex: number;
  root: YAMLMap;
  kind: string;
  name: string;
  apiVersion: string;
  /** metadata.namespace as written, if any. */
  namespace?: string;
}

export function resourceDocs(file: ParsedFile): ResourceDoc[] {
  const out: ResourceDoc[] = [];
  file.docs.forEach((doc, docIndex) => {
    const root = doc.contents;
    if (!isMap(root)) return;
    const kind = strAt(root, 'kind');
    const name = strAt(root, 'metadata', 'name');
    if (!kind || !name) return;
    const namespace = strAt(root, 'metadata', 'namespace');
    const rd: ResourceDoc = { file, docIndex, root, kind, name, apiVersion: strAt(root, 'apiVersion') ?? '' };
    if (namespace !== undefined) rd.namespace = namespace;
    out.push(rd);
  });
  return out;
}

/**
 * The autoscalers (HorizontalPodAutoscaler, KEDA ScaledObject) among resourceDocs(file), found once
 * per parsed file (parsed files are shared by a cycle's targets, see parseShared): a workload's
 * HPA search scans every file beside it, so a directory of N workloads had each file's documents
 * read N times.
 */
const autoscalersOf = new WeakMap<ParsedFile, readonly ResourceDoc[]>();
export function autoscalerDocs(file: ParsedFile): readonly ResourceDoc[] {
  let docs = autoscalersOf.get(file);
  if (!docs) autoscalersOf.set(file, (docs = Object.freeze(resourceDocs(file).filter((r) => r.kind === 'HorizontalPodAutoscaler' || r.kind === 'ScaledObject'))));
  return docs;
}

export function where(r: ResourceDoc): string {
  const range = r.root.range;
  const line = range ? lineOf(r.file.text, range[0]) : 1;
  return r.file.docs.length > 1 ? `${r.file.path} (document ${r.docIndex + 1}, line ${line})` : r.file.path;
}

export function idText(id: WorkloadId): string {
  return `${id.kind} ${id.namespace}/${id.name}`;
}

function resourceKeys(field: FieldKey): [string, string] {
  const kind = field.endsWith('.limit') ? 'limits' : 'requests';
  const res = field.startsWith('cpu.') ? 'cpu' : 'memory';
  return [kind, res];
}

export interface ContainerChoice {
  index: number;
  name: string;
}

/** The container whose resources Augur reads and changes. */
export function chooseContainer(ctx: Ctx, wl: ResourceDoc, wanted: string | undefined): ContainerChoice | undefined {
  const containers = asSeq(getKey(getKey(getKey(getKey(wl.root, 'spec'), 'template'), 'spec'), 'containers'));
  const names = (containers?.items ?? []).map((c) => strAt(c, 'name') ?? '');
  if (wanted !== undefined) {
    const index = names.indexOf(wanted);
    if (index < 0) {
      throw new ManifestError(
        `${where(wl)}: ${wl.kind}/${wl.name} has no container named ${JSON.stringify(wanted)} under spec.template.spec.containers ` +
          `(found: ${names.length ? names.map((n) => JSON.stringify(n)).join(', ') : 'none'}); set container: to one of them`,
      );
    }
    return { index, name: wanted };
  }
  if (names.length === 0) {
    ctx.note(`${where(wl)}: ${wl.kind}/${wl.name} lists no containers under spec.template.spec.containers; no resource fields`);
    return undefined;
  }
  const first = names[0] ?? '';
  if (names.length > 1) {
    ctx.note(
      `${wl.kind}/${wl.name} has ${names.length} containers (${names.join(', ')}); using the first, ${JSON.stringify(first)}. ` +
        `Set container: in the target to choose another`,
    );
  }
  return { index: 0, name: first };
}

/** A field as written in the workload's (or HPA's) own document. */
export function lookupResourceDoc(r: ResourceDoc, field: FieldKey, container: ContainerChoice | undefined): Lookup {
  const spec = getKey(r.root, 'spec');
  const site = { field, file: r.file, docIndex: r.docIndex };
  if (field === 'replicas') return scalarAt({ ...site, yamlPath: 'spec.replicas' }, getKey(spec, 'replicas'));
  if (field === 'hpa.minReplicas') return scalarAt({ ...site, yamlPath: 'spec.minReplicas' }, getKey(spec, 'minReplicas'));
  if (field === 'hpa.maxReplicas') return scalarAt({ ...site, yamlPath: 'spec.maxReplicas' }, getKey(spec, 'maxReplicas'));
  if (!container) return NONE;
  const item = asSeq(getKey(getKey(getKey(spec, 'template'), 'spec'), 'containers'))?.items[container.index];
  const [kind, res] = resourceKeys(field);
  const yamlPath = `spec.template.spec.containers[${container.index}].resources.${kind}.${res}`;
  // An alias on the way holds the value at its anchor, where editing it would change every place that uses it.
  const doc = r.file.docs[r.docIndex];
  let node: unknown = item;
  let path = `spec.template.spec.containers[${container.index}]`;
  let via: { alias: Alias; path: string } | undefined;
  for (const key of ['resources', kind, res]) {
    if (isAlias(node)) {
      via ??= { alias: node, path };
      node = doc ? node.resolve(doc) : undefined;
    }
    node = getKey(node, key);
    path = `${path}.${key}`;
  }
  if (via && node !== undefined) {
    const { alias } = via;
    return {
      kind: 'blocked',
      note: `${field}: ${fileAt(r.file, r.docIndex, alias.range?.[0])}: ${yamlPath} goes through ${via.path}, the alias *${alias.source}, which Augur does not follow: editing the anchor &${alias.source} would change every place that uses it; write the values out in place of the alias to let Augur edit them here, or change them by hand`,
    };
  }
  return scalarAt({ ...site, yamlPath }, via ? undefined : node);
}

type Seg = string | { containerName: string };

function smpSegs(field: FieldKey, container: ContainerChoice | undefined): Seg[] | undefined {
  if (field === 'replicas') return ['spec', 'replicas'];
  if (field === 'hpa.minReplicas') return ['spec', 'minReplicas'];
  if (field === 'hpa.maxReplicas') return ['spec', 'maxReplicas'];
  if (!container) return undefined;
  const [kind, res] = resourceKeys(field);
  return ['spec', 'template', 'spec', 'containers', { containerName: container.name }, 'resources', kind, res];
}

/** A field as set by a strategic-merge patch document (containers merge by name). */
export function lookupSmp(
  file: ParsedFile,
  docIndex: number,
  root: YAMLMap,
  field: FieldKey,
  container: ContainerChoice | undefined,
): Lookup {
  const segs = smpSegs(field, container);
  if (!segs) return NONE;
  let node: unknown = root;
  let path = '';
  let replaced = '';
  const at = fileAt(file, docIndex, root.range?.[0]);
  const full = smpPath(segs);
  const blocked = (why: string, fix: string): Lookup => ({ kind: 'blocked', note: `${field}: ${at}: strategic-merge patch ${why}, so Augur does not edit ${full} here; ${fix}` });
  for (const seg of segs) {
    if (isMap(node)) {
      const directive = strAt(node, '$patch');
      if (directive === 'delete') {
        return blocked(`deletes ${path || 'the object'} ($patch: delete)`, 'the build does not deploy it: remove the target, or point path: at a kustomization that keeps it');
      }
      if (directive === 'replace') replaced = path;
    }
    if (typeof seg === 'string') {
      if (!isMap(node)) return NONE;
      const next = getKey(node, seg);
      path = path ? `${path}.${seg}` : seg;
      if (next === undefined) {
        return replaced ? blocked(`replaces ${replaced || 'the object'} ($patch: replace) without ${path}`, `add ${full} to the patch (e.g. ${exampleOf(field)})`) : NONE;
      }
      if (next === null || (isScalar(next) && next.value === null && seg !== segs[segs.length - 1])) {
        return blocked(`removes ${path} (null)`, `write the value in place of the null, or remove it from the patch`);
      }
      node = next;
    } else {
      const seq: YAMLSeq | undefined = isSeq(node) ? node : undefined;
      if (!seq) return NONE;
      if (seq.items.some((it) => strAt(it, '$patch') === 'replace')) replaced = path;
      const index = seq.items.findIndex((it) => strAt(it, 'name') === seg.containerName);
      if (index < 0) {
        return replaced ? blocked(`replaces ${path} ($patch: replace) without container ${seg.containerName}`, `add container ${seg.containerName} with its resources to the patch`) : NONE;
      }
      path = `${path}[${index}]`;
      node = seq.items[index];
    }
  }
  return scalarAt({ field, file, docIndex, yamlPath: path }, node);
}

/** A strategic-merge path for messages, e.g. "spec.template.spec.containers[name=web].resources.requests.cpu". */
function smpPath(segs: Seg[]): string {
  return segs.map((g, i) => (typeof g !== 'string' ? `[name=${g.containerName}]` : i === 0 ? g : `.${g}`)).join('');
}

function jsonSegs(field: FieldKey, container: ContainerChoice | undefined): string[] | undefined {
  if (field === 'replicas') return ['spec', 'replicas'];
  if (field === 'hpa.minReplicas') return ['spec', 'minReplicas'];
  if (field === 'hpa.maxReplicas') return ['spec', 'maxReplicas'];
  if (!container) return undefined;
  const [kind, res] = resourceKeys(field);
  return ['spec', 'template', 'spec', 'containers', String(container.index), 'resources', kind, res];
}

function decodePointer(p: string): string[] | undefined {
  if (!p.startsWith('/')) return undefined;
  return p
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** A field as set by a JSON 6902 patch (a list of operations); the last operation touching it wins. */
export function lookupJsonPatch(
  file: ParsedFile,
  docIndex: number,
  ops: YAMLSeq,
  field: FieldKey,
  container: ContainerChoice | undefined,
): Lookup {
  const target = jsonSegs(field, container);
  if (!target) return NONE;
  const pointer = `/${target.join('/')}`;
  // The index of the container an operation's path names (or is in), when it names one.
  const itemOf = (op: unknown): number | undefined => {
    const s = decodePointer(strAt(op, 'path') ?? '');
    return container && strAt(op, 'op') !== 'test' && s && s.length >= 5 && s.slice(0, 4).every((x, k) => x === target[k]) && /^\d+$/.test(s[4] ?? '') ? Number(s[4]) : undefined;
  };
  // An add, or a remove of another container, at or before the container's index shifts it: that
  // operation sets none of its values, and the operations after it name it by another index.
  const shifts = (op: unknown): boolean => {
    const name = strAt(op, 'op');
    const n = itemOf(op);
    const item = decodePointer(strAt(op, 'path') ?? '')?.length === 5;
    return container !== undefined && n !== undefined && item && n <= container.index && (name === 'add' || (name === 'remove' && n < container.index));
  };
  const firstShift = ops.items.findIndex(shifts);
  for (let i = ops.items.length - 1; i >= 0; i--) {
    const op = ops.items[i];
    const name = strAt(op, 'op');
    const segs = decodePointer(strAt(op, 'path') ?? '');
    const at = `${fileAt(file, docIndex, isMap(op) ? op.range?.[0] : undefined)}: JSON patch operation [${i}] (${name ?? '?'} ${strAt(op, 'path')})`;
    if (firstShift >= 0 && i > firstShift && itemOf(op) !== undefined) {
      const shift = `[${firstShift}] (${strAt(ops.items[firstShift], 'op')} ${strAt(ops.items[firstShift], 'path')})`;
      return { kind: 'blocked', note: `${field}: ${at} comes after operation ${shift}, which moves container ${container?.name} from containers[${container?.index}], so Augur cannot tell which container it sets and does not edit ${pointer}; edit it by hand` };
    }
    if (shifts(op)) continue;
    if (!segs || segs.length > target.length || segs.some((s, k) => s !== target[k])) continue;
    if (name === 'test') continue;
    if (name === 'remove') {
      return { kind: 'blocked', note: `${field}: ${at} removes ${pointer}, so Augur does not edit it; change the operation to replace ${pointer} with a value, or edit it by hand` };
    }
    if (name !== 'add' && name !== 'replace') {
      return { kind: 'blocked', note: `${field}: ${at} sets ${pointer} by ${name ?? 'an unknown operation'}, which Augur does not edit; rewrite it as an add or replace operation with the value` };
    }
    let node: unknown = getKey(op, 'value');
    let yamlPath = `[${i}].value`;
    for (const seg of target.slice(segs.length)) {
      if (isSeq(node) && /^\d+$/.test(seg)) {
        node = node.items[Number(seg)];
        yamlPath += `[${seg}]`;
      } else {
        node = getKey(node, seg);
        yamlPath += `.${seg}`;
      }
      if (node === undefined || node === null) break;
    }
    if (node === undefined || node === null) {
      return { kind: 'blocked', note: `${field}: ${at} replaces it with a value that has no ${pointer}, so Augur does not edit it; add ${target.slice(segs.length).join('.')} to the operation's value (e.g. ${exampleOf(field)})` };
    }
    return scalarAt({ field, file, docIndex, yamlPath }, node);
  }
  return NONE;
}

/** An HPA or KEDA ScaledObject document that scales the workload with one of the given names. */
export function scalesWorkload(r: ResourceDoc, kind: string, names: ReadonlySet<string>): 'hpa' | 'keda' | undefined {
  const ref = getKey(getKey(r.root, 'spec'), 'scaleTargetRef');
  const refName = strAt(ref, 'name');
  if (refName === undefined || !names.has(refName)) return undefined;
  if (r.kind === 'HorizontalPodAutoscaler' && r.apiVersion.startsWith('autoscaling/')) {
    return strAt(ref, 'kind') === kind ? 'hpa' : undefined;
  }
  if (r.kind === 'ScaledObject' && r.apiVersion.startsWith('keda.sh/')) {
    return (strAt(ref, 'kind') ?? 'Deployment') === kind ? 'keda' : undefined;
  }
  return undefined;
}

export interface HpaFound {
  doc: ResourceDoc;
  type: 'hpa' | 'keda';
}

/** What assemble() needs to know about the autoscaler. */
export interface AutoscalerInfo {
  /** e.g. "HorizontalPodAutoscaler/web (deploy/hpa.yaml)". */
  label: string;
  type: 'hpa' | 'keda';
  /** The resources it scales on by utilization (cpu, memory), when it says. */
  resources?: string[];
}

export function autoscalerInfo(h: HpaFound | undefined): AutoscalerInfo | undefined {
  if (!h) return undefined;
  const resources = h.type === 'hpa' ? hpaResources(h.doc) : [];
  return { label: `${h.doc.kind}/${h.doc.name} (${where(h.doc)})`, type: h.type, ...(resources.length > 0 ? { resources } : {}) };
}

/**
 * The resources an HPA scales on: autoscaling/v2 Resource (and ContainerResource) metrics, or
 * autoscaling/v1's targetCPUUtilizationPercentage. A request change on one of them moves the
 * utilization the HPA sees.
 */
export function hpaResources(doc: ResourceDoc): string[] {
  const spec = getKey(doc.root, 'spec');
  const out = new Set<string>();
  if (getKey(spec, 'targetCPUUtilizationPercentage') !== undefined) out.add('cpu');
  for (const m of asSeq(getKey(spec, 'metrics'))?.items ?? []) {
    const name = strAt(m, 'resource', 'name') ?? strAt(m, 'containerResource', 'name');
    if (name === 'cpu' || name === 'memory') out.add(name);
  }
  return [...out];
}

/** A note when an autoscaler named like the workload scales something else (a copy-paste slip, as in podinfo's deploy/webapp/frontend/hpa.yaml). */
export function mismatchedHpaNote(ctx: Ctx, id: WorkloadId, r: ResourceDoc): void {
  if (r.kind !== 'HorizontalPodAutoscaler' && r.kind !== 'ScaledObject') return;
  if (r.name !== id.name) return;
  const ref = getKey(getKey(r.root, 'spec'), 'scaleTargetRef');
  ctx.note(
    `${r.kind}/${r.name} (${where(r)}) is named like ${id.kind}/${id.name} but its scaleTargetRef is ` +
      `${strAt(ref, 'kind') ?? '?'}/${strAt(ref, 'name') ?? '?'}, so it does not scale this workload; check its scaleTargetRef`,
  );
}

/** Fails when more than one autoscaler claims the workload. */
export function singleHpa(id: WorkloadId, found: HpaFound[]): HpaFound | undefined {
  if (found.length > 1) {
    throw new ManifestError(
      `${idText(id)} is the scaleTargetRef of ${found.length} autoscalers: ` +
        `${found.map((h) => `${h.doc.kind}/${h.doc.name} in ${where(h.doc)}`).join('; ')}. ` +
        `Kubernetes cannot reconcile two autoscalers on one workload; remove one, or set hpaPath: to the file of the one that counts`,
    );
  }
  return found[0];
}

function textAt(loc: FieldLocation, text: string | undefined): string {
  return text === undefined ? `${loc.file}` : `${loc.file}:${lineOf(text, loc.range[0])}`;
}

/**
 * Turns the lookups of every field into the WorkloadManifest, applying the rules shared by every
 * format: an HPA owns replicas; an HPA without minReplicas is noted; a field that cannot be edited
 * is `blocked`, with why and the fix, so a change to it holds the target instead of vanishing.
 */
export function assemble(
  ctx: Ctx,
  id: WorkloadId,
  results: Map<FieldKey, Lookup>,
  hpa: AutoscalerInfo | undefined,
  container: ContainerChoice | undefined,
): WorkloadManifest {
  const fields: WorkloadManifest['fields'] = {};
  const blocked: NonNullable<WorkloadManifest['blocked']> = {};
  const written: NonNullable<WorkloadManifest['written']> = {};
  for (const [field, res] of results) {
    if (field === 'replicas' && hpa) {
      replicasUnderHpa(ctx, id, res, hpa);
      continue;
    }
    if (res.kind === 'found') fields[field] = res.loc;
    else if (res.kind === 'blocked') {
      blocked[field] = res.note;
      if (res.written !== undefined) written[field] = res.written;
    }
    else if (field === 'hpa.minReplicas' && hpa?.type === 'hpa') {
      ctx.note(
        `${hpa.label} sets no spec.minReplicas, so Kubernetes uses 1; ` +
          `hpa.minReplicas is not in Git and Augur does not add it`,
      );
    }
  }
  const out: WorkloadManifest = {
    fields,
    autoscaler: hpa ? 'hpa' : 'none',
    filesRead: [...ctx.filesRead],
    notes: [...ctx.notes],
  };
  if (container) out.container = container.name;
  if (hpa?.resources) out.hpaResources = hpa.resources;
  if (Object.keys(blocked).length > 0) out.blocked = blocked;
  if (Object.keys(written).length > 0) out.written = written;
  return out;
}

/** An autoscaler owns replicas: a spec.replicas in Git is a GitOps-lint note; nothing is edited or blocked. */
function replicasUnderHpa(ctx: Ctx, id: WorkloadId, res: Lookup, hpa: AutoscalerInfo): void {
  if (res.kind === 'found' && !res.loc.insert) {
    const loc = res.loc;
    ctx.note(
      `GitOps lint: ${id.kind}/${id.name} is scaled by ${hpa.label} and ` +
        `${textAt(loc, ctx.parsed(loc.file)?.text)} also sets ${loc.yamlPath}: ${loc.raw} in Git. The HPA owns replicas: ` +
        `Argo CD needs ignoreDifferences for /spec/replicas, Flux users usually remove spec.replicas. Augur does not edit replicas here`,
    );
  } else if (res.kind === 'blocked') {
    ctx.note(res.note);
  }
}

/** Names a workload is known by, for matching scaleTargetRef. */
export function nameSet(...names: (string | undefined)[]): Set<string> {
  return new Set(names.filter((n): n is string => typeof n === 'string'));
}

