// Every manifest format Augur edits, by manifest.format. One line per format.
import { z } from 'zod';
import { argocdApplication } from './argocd-application.js';
import { helm } from './helm.js';
import { helmrelease } from './helmrelease.js';
import { kustomize } from './kustomize.js';
import { plain } from './plain.js';

export const FORMATS = [plain, kustomize, helm, helmrelease, argocdApplication] as const;

export type ManifestFormat = (typeof FORMATS)[number]['format'];

type Schemas<T extends readonly unknown[]> = {
  -readonly [K in keyof T]: T[K] extends { format: infer F extends string; options: infer O extends z.ZodRawShape } ? z.ZodObject<{ format: z.ZodLiteral<F>; path: z.ZodString; container: z.ZodOptional<z.ZodString> } & O, z.core.$strict> : never;
};

/** The config schema of a target's `manifest:` for each format, as the tuple z.discriminatedUnion needs. */
export const manifestSchemas = FORMATS.map((f) =>
  z
    .object({
      format: z.literal(f.format).describe(f.doc),
      path: z.string().min(1).describe('repository-relative: the YAML file or directory, the kustomization directory, or the values file'),
      container: z.string().optional().describe('container whose resources are sized; default: the only (or first) container'),
      ...f.options,
    })
    .strict(),
) as unknown as Schemas<typeof FORMATS>;

export function formatModule(format: string): (typeof FORMATS)[number] {
  const m = FORMATS.find((f) => f.format === format);
  if (!m) throw new Error(`manifest.format ${JSON.stringify(format)} is not one of ${FORMATS.map((f) => f.format).join(', ')}`);
  return m;
}
