// Workloads, the fields Augur may change, and where those fields are written in Git.

export type WorkloadKind = 'Deployment' | 'StatefulSet';

export interface WorkloadId {
  kind: WorkloadKind;
  namespace: string;
  name: string;
  /** Which deployment of the workload (staging, prod-eu...), when the same one is deployed to several. */
  environment?: string | undefined;
}

/** "Kind/namespace/name", with "@environment" when it has one: how a workload is named in PR metadata, logs and `only` lists. */
export const targetId = (t: WorkloadId): string => `${t.kind}/${t.namespace}/${t.name}${t.environment ? `@${t.environment}` : ''}`;

/** "namespace/name", with " (environment)": how a workload is named to people. */
export const workloadName = (t: WorkloadId): string => `${t.namespace}/${t.name}${t.environment ? ` (${t.environment})` : ''}`;

export const sameWorkload = (a: WorkloadId, b: WorkloadId): boolean =>
  a.kind === b.kind && a.namespace === b.namespace && a.name === b.name && (a.environment ?? '') === (b.environment ?? '');

/** The fields Augur can change. Container fields are per container. */
export type FieldKey =
  | 'replicas'
  | 'hpa.minReplicas'
  | 'hpa.maxReplicas'
  | 'cpu.request'
  | 'cpu.limit'
  | 'memory.request'
  | 'memory.limit';

/** The kind of change a policy may allow or forbid. */
/** 'schedule' is the KEDA cron windows (Recommendation.schedule), not a FieldKey. */
export type ChangeKind = 'replicas' | 'hpa' | 'requests' | 'limits' | 'schedule';

export function changeKindOf(field: FieldKey): ChangeKind {
  if (field === 'replicas') return 'replicas';
  if (field.startsWith('hpa.')) return 'hpa';
  return field.endsWith('.limit') ? 'limits' : 'requests';
}

/**
 * A field found in the manifest repository: exactly where its scalar sits, so it can be edited
 * in place without touching any other byte.
 */
export interface FieldLocation {
  field: FieldKey;
  /** Repository-relative path with forward slashes. */
  file: string;
  /** Path inside the YAML document, for messages, e.g. "spec.template.spec.containers[0].resources.requests.cpu". */
  yamlPath: string;
  /** Index of the document within a multi-document file. */
  documentIndex: number;
  /** Byte offsets (UTF-16 code units of the JS string) of the scalar's source text, [start, end). */
  range: [number, number];
  /** The scalar as written (without quotes), e.g. "2", "250m", "512Mi". */
  raw: string;
  /** Quoting style of the scalar, kept when it is rewritten. */
  style: 'plain' | 'single' | 'double';
  /** Set when the key is absent and Augur adds it: `range` is empty, `raw` is '', and `prefix + value + suffix` is inserted there. */
  insert?: Insertion;
  /** With `insert`, when the new key overrides a value set elsewhere (a base the overlay builds from): that value as written, today's value. */
  inherits?: string;
}

/** Text around a value Augur adds where no key was: e.g. prefix "  replicas: ", suffix "\n". */
export interface Insertion {
  prefix: string;
  suffix: string;
}

/** What the manifests say about one workload. */
export interface WorkloadManifest {
  /** Fields found, by key. Missing keys were not found (see notes). */
  fields: Partial<Record<FieldKey, FieldLocation>>;
  /** An HPA (or chart HPA switch) scales this workload: replicas belong to the HPA, not spec.replicas. */
  autoscaler: 'hpa' | 'none';
  /** The container whose resources are read and changed. */
  container?: string;
  /** Files read to find the fields, for the PR body and error messages. */
  filesRead: string[];
  /** Things a reviewer should know (e.g. "spec.replicas is set but an HPA owns the workload"). */
  notes: string[];
  /** The KEDA ScaledObject that scales the workload, when one is written in the manifests (plain, kustomize). */
  scaledObject?: ScaledObjectSite;
  /** The resources the HPA scales on (its Resource metrics: cpu, memory), when an HPA owns the replicas and says. */
  hpaResources?: string[];
  /** Files the edits would touch that other overlays or environments also build from. */
  sharedFiles?: string[];
  /**
   * Kustomize, with manifest.sharedBase: allow: the other overlays whose render changes with the
   * edits of sharedFiles (repository-relative kustomization directories, sorted; the target's own
   * build is not listed).
   */
  affectedOverlays?: string[];
  /**
   * Fields Augur would change that it cannot edit here, each with why and the fix (the file, the
   * document, the path looked for): an alias, a template, a deleted object, a wrong key path. A
   * change to one of them holds the target instead of passing silently.
   */
  blocked?: Partial<Record<FieldKey, string>>;
  /** Of the blocked fields, the values Git sets that could be read (as written): today's requests, for costs. */
  written?: Partial<Record<FieldKey, string>>;
}

/** One KEDA cron trigger as Augur writes it: desiredReplicas from `start` to `end` in `timezone`. */
export interface CronWindowTrigger {
  /** Trigger name; Augur's start with "augur-" (e.g. "augur-window-1"). */
  name: string;
  /** IANA time zone, e.g. "Europe/Berlin". */
  timezone: string;
  /** Cron expression (5 fields) when the window opens, e.g. "0 8 * * *". */
  start: string;
  /** Cron expression when it closes, e.g. "0 18 * * *". */
  end: string;
  desiredReplicas: number;
}

/** A KEDA ScaledObject (keda.sh/v1alpha1) that scales the workload, as written in the manifests. */
export interface ScaledObjectSite {
  /** Repository-relative path of the file holding it. */
  file: string;
  documentIndex: number;
  /** e.g. "ScaledObject/web". */
  label: string;
  /** spec.minReplicaCount (KEDA's default is 0) and spec.maxReplicaCount (default 100) as written, when written. */
  minReplicaCount?: number;
  maxReplicaCount?: number;
  /** The cron triggers Augur owns (type cron, name starting with "augur-"), in file order. */
  augurTriggers: CronWindowTrigger[];
  /** The other triggers, left untouched, by type (and name when set), e.g. ["cpu", "cron (business-hours)"]. */
  otherTriggers: string[];
}

/** A replacement of a block of text (e.g. the triggers of a ScaledObject) rather than of one scalar. */
export interface BlockEdit {
  file: string;
  yamlPath: string;
  /** [start, end) offsets of the replaced text; start === end inserts. */
  range: [number, number];
  /** The exact text in range when it was located (checked before the edit is applied). */
  from: string;
  to: string;
}

/** A read-only view of the manifest repository at the base commit. */
export interface RepoView {
  /** File content, or undefined when the file does not exist. Paths are repository-relative. */
  read(path: string): string | undefined;
  /** Repository-relative paths of the files and directories directly inside a directory ("" for the root), .git left out. */
  list(dir: string): string[];
  /** Its files do not change while it lives (a cycle's view of the base commit): searches across it may be kept. */
  readonly snapshot?: boolean;
}

/** One in-place scalar edit. */
export interface Edit {
  field: FieldKey;
  file: string;
  yamlPath: string;
  range: [number, number];
  style: FieldLocation['style'];
  /** The text the range holds ('' for an insertion). */
  from: string;
  to: string;
  /** Adds an absent key: `prefix + to + suffix` goes in at the empty range. */
  insert?: Insertion;
}
