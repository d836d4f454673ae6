// The machine-readable block hidden in every Augur PR body: how Augur reads its own PRs back.
import type { ProposalMeta } from '../domain/forge.js';

const META_OPEN = '<!-- augur:meta ';
const META_CLOSE = ' -->';

export function renderMeta(meta: ProposalMeta): string {
  // "-->" may not appear inside an HTML comment; it can only occur inside JSON strings, so escape it there.
  return `${META_OPEN}${JSON.stringify(meta).replace(/-->/g, '--\\u003e')}${META_CLOSE}`;
}

/** The body with its metadata block replaced. */
export function withMeta(body: string, meta: ProposalMeta): string {
  const start = body.lastIndexOf(META_OPEN);
  const end = start < 0 ? -1 : body.indexOf(META_CLOSE, start + META_OPEN.length);
  if (start < 0 || end < 0) return `${body}\n${renderMeta(meta)}\n`;
  return body.slice(0, start) + renderMeta(meta) + body.slice(end + META_CLOSE.length);
}

export function parseMeta(body: string | null | undefined): ProposalMeta | undefined {
  if (!body) return undefined;
  const start = body.lastIndexOf(META_OPEN);
  if (start < 0) return undefined;
  const end = body.indexOf(META_CLOSE, start + META_OPEN.length);
  if (end < 0) return undefined;
  try {
    const meta = JSON.parse(body.slice(start + META_OPEN.length, end)) as ProposalMeta;
    return meta.v === 1 && typeof meta.key === 'string' && typeof meta.fingerprint === 'string' ? meta : undefined;
  } catch {
    return undefined;
  }
}
