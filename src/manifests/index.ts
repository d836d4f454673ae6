// Manifests: find a workload's scaling fields in plain YAML, Kustomize, Helm values, Flux
// HelmReleases or Argo CD Applications (and the KEDA ScaledObject that scales it), and edit those
// scalars (and Augur's cron triggers) in place, leaving every other byte of the file as it was. An
// absent field comes back as an insertion (FieldLocation.insert: a `key: value` line added to the
// map that should hold it); one that cannot be edited comes back in WorkloadManifest.blocked, with
// why and the fix.
import type { RepoView, WorkloadId, WorkloadManifest } from '../domain/workload.js';
import { formatModule } from './formats/index.js';
import type { ManifestSpec } from './spec.js';
import { Ctx } from './yaml-util.js';

export type { ManifestSpec } from './spec.js';
export type { ManifestFormat } from './formats/index.js';
export { ManifestError } from '../domain/errors.js';
export { applyEdits, editFor } from './edit.js';
export { scheduleEdit } from './keda.js';
export { formatQuantity, parseQuantity } from '../domain/quantity.js';
export { HELM_DEFAULTS } from './formats/helm.js';

/**
 * Finds where the workload's replicas, HPA bounds and container resources are written.
 * Throws ManifestError when the workload is not found or the shape is ambiguous.
 */
export function locateWorkload(repo: RepoView, id: WorkloadId, spec: ManifestSpec): WorkloadManifest {
  return formatModule(spec.format).locate(new Ctx(repo), id, spec);
}
