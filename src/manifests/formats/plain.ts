// Plain YAML: a file (or a directory of files) of Kubernetes objects, edited where they are written.
import { z } from 'zod';
import type { ManifestFormatModule } from '../format.js';
import type { FieldKey, ScaledObjectSite, WorkloadId, WorkloadManifest } from '../../domain/workload.js';
import { ManifestError } from '../../domain/errors.js';
import { scaledObjectSite } from '../keda.js';
import type { ManifestSpec } from '../spec.js';
import { dirOf, normPath } from '../paths.js';
import type { Ctx, Lookup, ParsedFile } from '../yaml-util.js';
import type { HpaFound, ResourceDoc } from '../workload.js';
import {
  CONTAINER_FIELDS,
  HPA_FIELDS,
  assemble,
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
  hpaPath: z.string().optional().describe('the file of the HPA, when it is not beside the workload'),
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
  results.set('replicas', lookupResourceDoc(wl, 'replicas', container));
  if (hpa?.type === 'hpa') for (const f of HPA_FIELDS) results.set(f, lookupResourceDoc(hpa.doc, f, container));
  let scaledObject: ScaledObjectSite | undefined;
  if (hpa?.type === 'keda') {
    ctx.note(`${hpa.doc.kind}/${hpa.doc.name} (${where(hpa.doc)}) is a KEDA ScaledObject; its minReplicaCount/maxReplicaCount are not edited`);
    scaledObject = scaledObjectSite(ctx, hpa.doc);
  }
  for (const f of CONTAINER_FIELDS) results.set(f, lookupResourceDoc(wl, f, container));
  const out = assemble(ctx, id, results, autoscalerInfo(hpa), container);
  if (scaledObject) out.scaledObject = scaledObject;
  return out;
}

function findHpa(ctx: Ctx, id: WorkloadId, wl: ResourceDoc, spec: ManifestSpec): HpaFound | undefined {
  const names = nameSet(id.name);
  const wlNs = wl.namespace ?? id.namespace;
  const scan = (files: ParsedFile[]): HpaFound[] => {
    const found: HpaFound[] = [];
    for (const f of files) {
      for (const r of resourceDocs(f)) {
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
  return singleHpa(id, scan(siblings));
}

export const plain: ManifestFormatModule<'plain', typeof plainOptions> = {
  format: 'plain',
  doc: 'plain YAML: `path` is the file, or a directory of *.yaml files, holding the workload',
  options: plainOptions,
  locate: locatePlain,
};
