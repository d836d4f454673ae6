// Secrets never reach a log line, an error, the dashboard or a PR body: every value read from a
// secret reference is remembered and replaced wherever it appears, and so are the shapes secrets
// take in text (URL credentials, Authorization schemes, GitHub token prefixes) and every value
// under a key that holds a secret (config/fields.ts SECRET_KEY).
import { SECRET_KEY } from './fields.js';

export const REDACTED = '(redacted)';

const known = new Set<string>();

/** Remembers a secret's value so that it is redacted from every output; returns it. */
export function rememberSecret(value: string): string {
  // Very short values would redact ordinary words; no real token is that short.
  if (value.length >= 6) known.add(value);
  return value;
}

const PATTERNS: [RegExp, string][] = [
  // scheme://user:password@host → scheme://(redacted)@host
  [/\b([a-z][a-z0-9+.-]*:\/\/)[^/\s:@]+(:[^/\s@]*)?@/gi, `$1${REDACTED}@`],
  [/\b(Bearer|Basic|token)\s+[A-Za-z0-9._~+/=-]{8,}/g, `$1 ${REDACTED}`],
  [/\b(gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,}|glpat-[A-Za-z0-9_-]{20,})\b/g, REDACTED],
];

/** The text with every remembered secret and every secret-shaped substring replaced. */
export function redactText(text: string): string {
  let out = text;
  for (const secret of known) if (out.includes(secret)) out = out.split(secret).join(REDACTED);
  for (const [re, by] of PATTERNS) out = out.replace(re, by);
  return out;
}

/**
 * A copy of `value` fit to print: strings redacted, and every value under a key that holds a
 * secret (token, password, secret, auth, bearer...) replaced whatever it is, at any depth.
 */
export function redactValue(value: unknown, secretHere = false, depth = 0): unknown {
  if (value === null || value === undefined) return value;
  if (typeof value !== 'object') return secretHere ? REDACTED : typeof value === 'string' ? redactText(value) : value;
  if (depth > 20) return REDACTED;
  if (value instanceof Error) return { name: value.name, message: redactText(value.message) };
  if (secretHere && isReference(value)) return value;
  if (Array.isArray(value)) return value.map((v) => redactValue(v, secretHere, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = redactValue(v, secretHere || SECRET_KEY.test(k), depth + 1);
  return out;
}

/** { env: NAME } or { file: /path }: where a secret is, not the secret; safe to show. */
function isReference(v: unknown): boolean {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const keys = Object.keys(v);
  return keys.length === 1 && (keys[0] === 'env' || keys[0] === 'file') && typeof (v as Record<string, unknown>)[keys[0]] === 'string';
}
