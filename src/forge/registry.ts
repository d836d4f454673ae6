// Every forge Augur can propose to, by forge.type. One line per forge.
import { z } from 'zod';
import { secretRef } from '../config/fields.js';
import { github } from './github/index.js';
import { local } from './local/index.js';
import type { ForgeModule } from './module.js';

export const FORGES = [github, local] as const;

type Forges = (typeof FORGES)[number];
type Schemas<T extends readonly unknown[]> = { -readonly [K in keyof T]: T[K] extends { configSchema: infer S } ? S : never };

/** The config schemas of the forges, as the tuple z.discriminatedUnion needs. */
export const forgeSchemas = FORGES.map((f) => f.configSchema) as unknown as Schemas<typeof FORGES>;

const webhookSecret = z.object({ secret: secretRef }).strict().optional();
/** `webhooks.<type>` of the forges that have a webhook: its secret. */
export const forgeWebhookSchemas = Object.fromEntries(
  FORGES.flatMap((f) => (f.webhook ? [[f.type, z.object({ secret: secretRef.describe(f.webhook.secretDoc) }).strict().optional().describe(f.webhook.doc)]] : [])),
) as { [K in Forges['type']]?: typeof webhookSecret };

/** The module of a forge type (the config is validated, so it exists). */
export function forgeModule(type: string): ForgeModule {
  const m = FORGES.find((f) => f.type === type);
  if (!m) throw new Error(`forge.type ${JSON.stringify(type)} is not one of ${FORGES.map((f) => f.type).join(', ')}`);
  return m as unknown as ForgeModule;
}
