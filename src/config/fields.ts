// The building blocks of the guardrails file that other modules' schemas share: durations,
// percentages, secret references, and the keys every forge takes (forge/<name>/ spreads them).
import { z } from 'zod';
import { DURATION_PATTERN, parseDuration } from './duration.js';

export const duration = (example: string) =>
  z
    .string()
    .regex(DURATION_PATTERN, { error: `a duration: a number and a unit (s, m, h, d, w), e.g. "${example}"` })
    .transform(parseDuration);

export const percent = z.number().min(0, { error: 'a percentage, 0 or more' });

/** A secret is never written in the file itself: it is read from the environment or a mounted file. */
export const secretRef = z
  .union([
    z.object({ env: z.string().min(1).describe('environment variable that holds the secret') }).strict(),
    z.object({ file: z.string().min(1).describe('path of a mounted file that holds the secret') }).strict(),
  ], { error: 'a secret reference: { env: NAME } or { file: /path }; secrets are never written in this file' })
  .describe('Where to read a secret: { env: NAME } or { file: /mounted/path }.');


export type SecretRef = z.output<typeof secretRef>;

/** The keys of `forge:` that every forge takes, besides its type and its own. */
export const forgeCommon = {
  labels: z.array(z.string()).default(['augur']).describe('labels put on every Augur PR'),
  reviewers: z.array(z.string()).default([]).describe('users asked to review'),
  teamReviewers: z.array(z.string()).default([]).describe('teams asked to review (GitHub team slugs)'),
  draft: z.boolean().default(false).describe('open PRs as drafts'),
  grouping: z
    .enum(['workload', 'namespace', 'group'])
    .default('workload')
    .describe('one PR per workload, per namespace, or per target `group`'),
  dashboardTitle: z.string().default('Augur dashboard').describe('title of the dashboard issue'),
};

