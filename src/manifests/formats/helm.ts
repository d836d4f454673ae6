// Helm values files: the chart's templates are not read; the fields are the values at configured key paths.
import { z } from 'zod';
import type { ManifestFormatModule } from '../format.js';
import type { WorkloadId, WorkloadManifest } from '../../domain/workload.js';
import { ManifestError } from '../../domain/errors.js';
import { normPath } from '../paths.js';
import type { ManifestSpec } from '../spec.js';
import type { Ctx } from '../yaml-util.js';
import type { HelmKey, KeyFind, ValuesRoot } from './helm-values.js';
import { fromValues, locateHelmValues } from './helm-values.js';

export { HELM_DEFAULTS, parseKeyPath } from './helm-values.js';
export type { HelmKey } from './helm-values.js';

export function locateHelm(ctx: Ctx, id: WorkloadId, spec: ManifestSpec): WorkloadManifest {
  const path = normPath(spec.path);
  const file = ctx.parsedStrict(path, 'the Helm values file');
  if (!file) throw new ManifestError(`${path}: no such values file; set path: to the chart's values file (e.g. charts/app/values.yaml)`);
  if (file.docs.length > 1) ctx.note(`${path} has ${file.docs.length} YAML documents; Helm reads the first and so does Augur`);
  const root: ValuesRoot = { file, docIndex: 0, node: file.docs[0]?.contents ?? null, prefix: '', emptyWhy: 'the values file is empty', rootName: 'the document' };
  const find = (key: HelmKey, keyPath: string): KeyFind => fromValues(root, key, keyPath);
  return locateHelmValues(ctx, id, spec.helm, { where: path, show: (k) => k, emptyWhy: 'the values file', find });
}

/** The `helm:` option of every format that edits chart values. */
export const helmKeys = z
  .object({
    replicas: z.string(),
    'hpa.enabled': z.string(),
    'hpa.minReplicas': z.string(),
    'hpa.maxReplicas': z.string(),
    'cpu.request': z.string(),
    'cpu.limit': z.string(),
    'memory.request': z.string(),
    'memory.limit': z.string(),
  })
  .partial()
  .strict()
  .describe('key paths in the values file; defaults: replicaCount, autoscaling.enabled, autoscaling.minReplicas, autoscaling.maxReplicas, resources.requests.cpu, resources.limits.cpu, resources.requests.memory, resources.limits.memory');

const helmOptions = { helm: helmKeys.optional() };

export const helm: ManifestFormatModule<'helm', typeof helmOptions> = {
  format: 'helm',
  doc: 'a Helm values file: `path` is the file; `helm` maps each field to its key path',
  options: helmOptions,
  locate: locateHelm,
};
