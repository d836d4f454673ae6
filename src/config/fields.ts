// The building blocks of the guardrails file that other modules' schemas share: durations,
// percentages, URLs, secret references, and the keys every forge takes (forge/<name>/ spreads them).
import { z } from 'zod';
import { DURATION_PATTERN, parseDuration } from './duration.js';

/**
 * A duration such as "30s" or "14d", in seconds. Zero is refused (a zero timeout, step or horizon
 * makes no sense and used to surface later as NaN); `allowZero` for the few where 0 means "off".
 */
export const duration = (example: string, opts: { allowZero?: boolean } = {}) =>
  z
    .string({ error: `a duration: a number and a unit (s, m, h, d, w), e.g. "${example}"` })
    .regex(DURATION_PATTERN, { error: `a duration: a number and a unit (s, m, h, d, w), e.g. "${example}"` })
    .transform(parseDuration)
    .refine((s) => opts.allowZero || s > 0, { error: `must be more than 0, e.g. "${example}"` });

export const percent = z.number().min(0, { error: 'a percentage, 0 or more' });

/** Keys whose values are secrets, wherever they are in the file: redacted in every error and log. */
export const SECRET_KEY = /secret|token|password|passwd|^pass$|auth(?!or)|bearer|credential|api[-_]?key|private[-_]?key|cookie/i;

/**
 * An http(s) base URL: a scheme, a host, no credentials (they would end up in logs and errors;
 * `credentialsField` names where they belong), no query or fragment.
 */
export const httpUrl = (example: string, credentialsField: string) =>
  z.string().superRefine((v, ctx) => {
    const problem = httpUrlProblem(v, example, credentialsField);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

export function httpUrlProblem(v: string, example: string, credentialsField: string): string | undefined {
  let u: URL;
  try {
    u = new URL(v);
  } catch {
    return `not a URL; write the scheme and host, e.g. ${example}`;
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return `must start with http:// or https://, e.g. ${example}`;
  if (!u.hostname) return `has no host, e.g. ${example}`;
  if (u.username || u.password) return `credentials in the URL are not allowed (they would show in logs and errors): remove "user:password@" and set ${credentialsField}`;
  if (u.search || u.hash) return `must not have a query or fragment, e.g. ${example}`;
  return undefined;
}

/** A secret is never written in the file itself: it is read from the environment or a mounted file. */
export const secretRef = z
  .union([
    z
      .object({
        env: z
          .string()
          .min(1)
          // Not expanded: "${GITHUB_TOKEN}" would be looked up as a variable of that name, never set.
          .refine((v) => !/[\s${}=]/.test(v), { error: "the variable's name alone, e.g. { env: GITHUB_TOKEN }, not ${GITHUB_TOKEN} or $GITHUB_TOKEN: Augur reads the variable itself" })
          .describe('environment variable that holds the secret'),
      })
      .strict(),
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
