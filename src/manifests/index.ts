// Manifests: find a workload's scaling fields in plain YAML, Kustomize or Helm values (and the KEDA
// ScaledObject that scales it), and edit those scalars (and Augur's cron triggers) in place,
// leaving every other byte of the file as it was.
import type { RepoView, WorkloadId, WorkloadManifest } from '../domain/workload.js';
import { ManifestError } from '../domain/errors.js';
import { locateHelm } from './helm.js';
import { locateKustomize } from './kustomize.js';
import { locatePlain } from './plain.js';
import type { ManifestSpec } from './spec.js';
import { Ctx } from './yaml-util.js';

export type { ManifestFormat, ManifestSpec } from './spec.js';
export { ManifestError } from '../domain/errors.js';
export { applyEdits, editFor } from './edit.js';
export { scheduleEdit } from './keda.js';
export { formatQuantity, parseQuantity } from '../domain/quantity.js';
export { HELM_DEFAULTS } from './helm.js';

/**
 * Finds where the workload's replicas, HPA bounds and container resources are written.
 * Throws ManifestError when the workload is not found or the shape is ambiguous.
 */
export function locateWorkload(repo: RepoView, id: WorkloadId, spec: ManifestSpec): WorkloadManifest {
  const ctx = new Ctx(repo);
  switch (spec.format) {
    case 'plain':
      return locatePlain(ctx, id, spec);
    case 'kustomize':
      return locateKustomize(ctx, id, spec);
    case 'helm':
      return locateHelm(ctx, id, spec);
    default:
      throw new ManifestError(`format ${JSON.stringify((spec as { format: unknown }).format)} is not one of plain, kustomize, helm; fix the target's format:`);
  }
}
