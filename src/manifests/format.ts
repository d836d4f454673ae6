// What a manifest format is to Augur: one file manifests/formats/<name>.ts exporting one module,
// registered in manifests/formats/index.ts. The config's `manifest:` union (the keys each format
// takes) and the locator come from it, so a new format touches its file and one registry line.
import type { z } from 'zod';
import type { WorkloadId, WorkloadManifest } from '../domain/workload.js';
import type { ManifestSpec } from './spec.js';
import type { Ctx } from './yaml-util.js';

export interface ManifestFormatModule<F extends string = string, O extends z.ZodRawShape = z.ZodRawShape> {
  /** `manifest.format` in the guardrails file. */
  readonly format: F;
  /** What `path` names for this format, for the config reference. */
  readonly doc: string;
  /** The keys of the target's `manifest:` this format takes besides format, path and container. */
  readonly options: O;
  /** Where the workload's fields are written. Throws ManifestError (file, path, value, fix) when they cannot be found. */
  locate(ctx: Ctx, id: WorkloadId, spec: ManifestSpec): WorkloadManifest;
}
