// Plain YAML: a file (or a directory of files) of Kubernetes objects, edited where they are written.
import { z } from 'zod';
import { isAlias, isMap, isScalar } from 'yaml';
import type { ManifestFormatModule } from '../format.js';
import type { FieldKey, ScaledObjectSite, WorkloadId, WorkloadManifest } from '../../domain/workload.js';
import { ManifestError } from '../../domain/errors.js';
import { scaledObjectSite } from '../keda.js';
import type { ManifestSpec } from '../spec.js';
import { dirOf, normPath } from '../paths.js';
import type { Ctx, Lookup, ParsedFile } from '../yaml-util.js';
import { NONE, asSeq, fileAt, getKey, insertionInMap, parseShared, startOf } from '../yaml-util.js';
import type { ContainerChoice, HpaFound, ResourceDoc } from '../workload.js';
import {
  CONTAINER_FIELDS,
  HPA_FIELDS,
  assemble,
  autoscalerDocs,
  autoscalerInfo,
  chooseContainer,
  idText,
  mismatchedHpaNote,
  lookupResourceDoc,
  nameSet,
  resourceDocs,
  scalesWorkload,
  singleHpa,
  where,
} from '../workload.js';

const plainOptions = {
  hpaPath: z
    .string()
    .optional()
    .describe('the file of the HPA (or KEDA ScaledObject); default: the one whose scaleTargetRef names the workload, beside it or anywhere in the repository'),
};

function readAll(ctx: Ctx, files: string[], skipped: string[]): ParsedFile[] {
  const out: ParsedFile[] = [];
  for (const f of files) {
    const parsed = ctx.parsed(f);
    if (!parsed) continue;
    if (parsed.errors.length > 0) {
      skipped.push(parsed.errors[0] ?? parsed.path);
      continue;
    }
    out.push(parsed);
  }
  return out;
}

function nsMatches(docNs: string | undefined, want: string): boolean {
  return docNs === undefined || docNs === want;
}

export function locatePlain(ctx: Ctx, id: WorkloadId, spec: ManifestSpec): WorkloadManifest {
  const path = normPath(spec.path);
  let files: string[];
  if (ctx.exists(path)) files = [path];
  else {
    files = ctx.yamlFilesIn(path);
    if (files.length === 0) {
      throw new ManifestError(`${path || '(repository root)'}: no such file, and no *.yaml/*.yml files directly in it; set path: to the manifest file or its directory`);
    }
  }
  const skipped: string[] = [];
  const parsed = readAll(ctx, files, skipped);
  const matches: ResourceDoc[] = [];
  const seen: string[] = [];
  for (const f of parsed) {
    for (const r of resourceDocs(f)) {
      if (r.kind === 'Deployment' || r.kind === 'StatefulSet') seen.push(`${r.kind}/${r.name}${r.namespace ? ` (namespace ${r.namespace})` : ''}`);
      if (r.kind === id.kind && r.name === id.name && nsMatches(r.namespace, id.namespace)) matches.push(r);
    }
  }
  if (matches.length === 0) {
    throw new ManifestError(
      `${idText(id)} not found in ${files.join(', ')}` +
        (seen.length ? `; workloads there: ${seen.join(', ')}` : '; no Deployment or StatefulSet there') +
        (skipped.length ? `; skipped (invalid YAML): ${skipped.join('; ')}` : '') +
        `. Fix the target's kind/namespace/name or path:`,
    );
  }
  if (matches.length > 1) {
    throw new ManifestError(
      `${idText(id)} is ambiguous: ${matches.length} documents match (${matches.map(where).join('; ')}). ` +
        `Set metadata.namespace in the documents or point path: at the one file to edit`,
    );
  }
  const wl = matches[0] as ResourceDoc;
  for (const s of skipped) ctx.note(`skipped invalid YAML: ${s}`);

  const hpa = findHpa(ctx, id, wl, spec);
  const container = chooseContainer(ctx, wl, spec.container);
  const results = new Map<FieldKey, Lookup>();
  results.set('replicas', hpa ? lookupResourceDoc(wl, 'replicas', container) : orInsert(wl, 'replicas', container));
  if (hpa?.type === 'hpa') for (const f of HPA_FIELDS) results.set(f, orInsert(hpa.doc, f, container));
  let scaledObject: ScaledObjectSite | undefined;
  if (hpa?.type === 'keda') {
    ctx.note(`${hpa.doc.kind}/${hpa.doc.name} (${where(hpa.doc)}) is a KEDA ScaledObject; its minReplicaCount/maxReplicaCount are not edited`);
    scaledObject = scaledObjectSite(ctx, hpa.doc);
  }
  for (const f of CONTAINER_FIELDS) results.set(f, orInsert(wl, f, container));
  const out = assemble(ctx, id, results, autoscalerInfo(hpa), container);
  if (scaledObject) out.scaledObject = scaledObject;
  return out;
}

/**
 * A field as written in the document, or, when its key is absent, where Augur adds it: replicas
 * under spec (only when no autoscaler owns them: the caller checks), minReplicas under an HPA's
 * spec, a request into the container's resources.requests, a limit into resources.limits when
 * that map exists (Augur never invents limits).
 */
function orInsert(r: ResourceDoc, field: FieldKey, container: ContainerChoice | undefined): Lookup {
  const found = lookupResourceDoc(r, field, container);
  if (found.kind !== 'none') return found;
  const spec = getKey(r.root, 'spec');
  const site = { field, file: r.file, docIndex: r.docIndex };
  if (field === 'replicas') return insertionInMap({ ...site, yamlPath: 'spec.replicas' }, spec, 'replicas');
  if (field === 'hpa.minReplicas') return insertionInMap({ ...site, yamlPath: 'spec.minReplicas' }, spec, 'minReplicas');
  if (field === 'hpa.maxReplicas') {
    return { kind: 'blocked', note: `${field}: ${fileAt(r.file, r.docIndex, r.root.range?.[0])}: ${r.kind}/${r.name} has no spec.maxReplicas, which Kubernetes requires; add it to the HPA` };
  }
  if (!container) return NONE;
  const item = asSeq(getKey(getKey(getKey(spec, 'template'), 'spec'), 'containers'))?.items[container.index];
  const kind = field.endsWith('.limit') ? 'limits' : 'requests';
  const res = field.startsWith('cpu.') ? 'cpu' : 'memory';
  const base = `spec.template.spec.containers[${container.index}].resources`;
  const resources = getKey(item, 'resources');
  const map = getKey(resources, kind);
  const empty = map === undefined || map === null || (isMap(map) && map.items.length === 0) || (isScalar(map) && map.value === null);
  if (!empty) return insertionInMap({ ...site, yamlPath: `${base}.${kind}.${res}` }, map, res);
  if (isAlias(resources)) return insertionInMap({ ...site, yamlPath: `${base}.${kind}.${res}` }, resources, kind);
  if (kind === 'limits') return NONE;
  const at = fileAt(r.file, r.docIndex, startOf(resources) ?? startOf(item));
  const emptyRes = isMap(resources) && resources.items.length === 0;
  const shape = resources === undefined || resources === null || (isScalar(resources) && resources.value === null) ? 'has no resources' : emptyRes ? `has \`resources: {}\` (${base})` : map === undefined ? `has no ${base}.requests` : `has an empty ${base}.requests`;
  return {
    kind: 'blocked',
    note:
      `${field}: ${at}: container ${container.name} of ${r.kind}/${r.name} ${shape}, so there is no ${base}.requests.${res} to change; ` +
      `add resources.requests to container ${container.name}, even \`{${res}: ${res === 'cpu' ? '100m' : '128Mi'}}\`, so Augur can size it`,
  };
}

function findHpa(ctx: Ctx, id: WorkloadId, wl: ResourceDoc, spec: ManifestSpec): HpaFound | undefined {
  const names = nameSet(id.name);
  const wlNs = wl.namespace ?? id.namespace;
  const scan = (files: ParsedFile[]): HpaFound[] => {
    const found: HpaFound[] = [];
    for (const f of files) {
      // Only autoscalers can scale it, or be named like it and scale something else (the note).
      for (const r of autoscalerDocs(f)) {
        const type = scalesWorkload(r, id.kind, names);
        if (type && nsMatches(r.namespace, wlNs)) found.push({ doc: r, type });
        else if (!type && nsMatches(r.namespace, wlNs)) mismatchedHpaNote(ctx, id, r);
      }
    }
    return found;
  };
  if (spec.hpaPath !== undefined) {
    const hpaPath = normPath(spec.hpaPath);
    const f = ctx.parsedStrict(hpaPath, 'the file named by hpaPath');
    if (!f) throw new ManifestError(`hpaPath ${hpaPath}: no such file; fix hpaPath: or remove it to search next to the workload`);
    const found = singleHpa(id, scan([f]));
    if (!found) {
      throw new ManifestError(
        `hpaPath ${hpaPath}: no HorizontalPodAutoscaler there has scaleTargetRef ${id.kind}/${id.name}; fix hpaPath: or the HPA's scaleTargetRef`,
      );
    }
    return found;
  }
  const same = singleHpa(id, scan([wl.file]));
  if (same) return same;
  const skipped: string[] = [];
  const siblings = readAll(
    ctx,
    ctx.yamlFilesIn(dirOf(wl.file.path)).filter((p) => p !== wl.file.path),
    skipped,
  );
  for (const s of skipped) ctx.note(`skipped invalid YAML while looking for an HPA: ${s}`);
  return singleHpa(id, scan(siblings)) ?? searchRepository(ctx, id, wl);
}

/** Files larger than this are not parsed when searching the repository for an autoscaler. */
const MAX_SEARCH_BYTES = 1 << 20;

/**
 * An HPA or KEDA ScaledObject anywhere else in the repository whose scaleTargetRef names the
 * workload (same kind and name; same namespace, or none written). A workload that writes its
 * namespace is matched only by one that writes the same: one without a namespace elsewhere (a
 * Kustomize base's, say) takes the namespace of whatever deploys it, which need not be this one.
 * Only files that mention scaleTargetRef and the name are parsed; only the one found is recorded as read.
 */
function searchRepository(ctx: Ctx, id: WorkloadId, wl: ResourceDoc): HpaFound | undefined {
  const names = nameSet(id.name);
  const dir = dirOf(wl.file.path);
  const nsOk = (ns: string | undefined) => (wl.namespace !== undefined ? ns === wl.namespace : nsMatches(ns, id.namespace));
  const claims = (f: ParsedFile) => autoscalerDocs(f).flatMap((doc) => {
    const type = scalesWorkload(doc, id.kind, names);
    return type && nsOk(doc.namespace) ? [{ doc, type }] : [];
  });
  const found: HpaFound[] = [];
  for (const path of ctx.yamlFilesMentioning('', 'scaleTargetRef', MAX_SEARCH_BYTES)) {
    if (dirOf(path) === dir) continue;
    const text = ctx.peek(path);
    if (text === undefined || !text.includes(id.name)) continue;
    const quick = parseShared(ctx.repo, path, text);
    if (quick.errors.length > 0 || claims(quick).length === 0) continue;
    const f = ctx.parsed(path);
    if (f) found.push(...claims(f));
  }
  if (found.length > 1) {
    throw new ManifestError(
      `${idText(id)} is the scaleTargetRef of ${found.length} autoscalers found across the repository: ` +
        `${found.map((h) => `${h.doc.kind}/${h.doc.name} in ${where(h.doc)}`).join('; ')}. ` +
        `Set hpaPath: in the target to the file of the one that scales this workload (the others may belong to other environments), or remove the extra one`,
    );
  }
  const one = found[0];
  if (one) {
    ctx.note(`${one.doc.kind}/${one.doc.name} (${where(one.doc)}) scales ${id.kind}/${id.name}: found by searching the repository, as none is beside ${wl.file.path} (hpaPath: names it explicitly)`);
  }
  return one;
}

export const plain: ManifestFormatModule<'plain', typeof plainOptions> = {
  format: 'plain',
  doc: 'plain YAML: `path` is the file, or a directory of *.yaml files, holding the workload',
  options: plainOptions,
  locate: locatePlain,
};
