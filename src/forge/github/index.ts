// GitHub and GitHub Enterprise: the REST API through @octokit/rest (client.ts), git over HTTPS
// with the token as x-access-token, and the pull_request webhook (webhook.ts).
import { z } from 'zod';
import { duration, forgeCommon, httpUrl, secretRef } from '../../config/fields.js';
import type { ForgeModule } from '../module.js';
import { GitHubForge } from './client.js';
import { githubWebhook } from './webhook.js';

const configSchema = z
  .object({
    type: z.literal('github'),
    owner: z.string().min(1),
    repo: z.string().min(1),
    apiUrl: httpUrl('https://api.github.com', 'forge.token').default('https://api.github.com').describe('REST API base; for GitHub Enterprise: https://HOST/api/v3'),
    token: secretRef.default({ env: 'GITHUB_TOKEN' }),
    timeout: duration('30s').prefault('30s').describe('time limit of one GitHub API request, the answer included'),
    ...forgeCommon,
  })
  .strict();

export const github: ForgeModule<'github', typeof configSchema> = {
  type: 'github',
  configSchema,
  create: (config, ctx) =>
    new GitHubForge({
      owner: config.owner,
      repo: config.repo,
      apiUrl: config.apiUrl,
      token: ctx.secret(config.token, 'forge.token'),
      timeoutMs: config.timeout * 1000,
      ...(ctx.budget ? { budget: ctx.budget } : {}),
      warn: (msg) => ctx.log.warn({}, msg),
    }),
  // GitHub takes an installation or personal token as the password of the user x-access-token.
  gitAuth: (config, ctx, token) => ({ username: 'x-access-token', password: token ?? ctx.secret(config.token, 'forge.token (used for git pushes)') }),
  webhook: githubWebhook,
};
