import type { FieldKey } from '../domain/workload.js';

/** Where a target's manifests are, from the user's config. */
export interface ManifestSpec {
  /** A registered format (manifests/formats/index.ts). */
  format: string;
  /**
   * plain: a YAML file, or a directory (all *.yaml/*.yml directly in it); kustomize: the directory
   * holding kustomization.yaml (overlay or base); helm: the values file.
   */
  path: string;
  /** Container name; default: the only container, or the first one (with a note). */
  container?: string;
  /** plain: the file of the HPA; default search: the workload's file, then other YAML files in its directory. */
  hpaPath?: string;
  /**
   * helm: dot key paths in the values file. Defaults: replicas "replicaCount", hpa.enabled
   * "autoscaling.enabled", hpa.minReplicas "autoscaling.minReplicas", hpa.maxReplicas
   * "autoscaling.maxReplicas", cpu.request "resources.requests.cpu", cpu.limit
   * "resources.limits.cpu", memory.request "resources.requests.memory", memory.limit
   * "resources.limits.memory".
   */
  helm?: Partial<Record<FieldKey | 'hpa.enabled', string>>;
  /** helmrelease: the HelmRelease's metadata.name, when it is not the target's name. */
  release?: string;
  /** argocd-application: the Application's (or ApplicationSet's) metadata.name, when it is not the target's name. */
  application?: string;
  /**
   * kustomize: when a field can only be changed in a file other overlays also build from, `allow`
   * edits it there (listing those overlays); `hold` (the default) holds the change and names them.
   */
  sharedBase?: 'allow' | 'hold';
  /** argocd-application: which of spec.sources holds the helm values (its index, or its chart, repoURL or name). */
  source?: string | number;
}
