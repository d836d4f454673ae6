// The local forge: PRs as markdown files on disk, for the demo and dry runs.
import { z } from 'zod';
import { forgeCommon } from '../../config/fields.js';
import type { ForgeModule } from '../module.js';
import { LocalForge } from './forge.js';

const configSchema = z
  .object({
    type: z.literal('local'),
    path: z.string().min(1).describe('directory where PRs and the dashboard are written as markdown'),
    ...forgeCommon,
  })
  .strict();

export const local: ForgeModule<'local', typeof configSchema> = {
  type: 'local',
  configSchema,
  create: (config, ctx) => new LocalForge(ctx.resolve(config.path)),
  gitAuth: (_config, _ctx, token) => (token ? { username: 'git', password: token } : undefined),
};
