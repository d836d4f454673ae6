// Augur's name and version (package.json), for the User-Agent of every request it makes,
// `augur --version` and augur_build_info; and the git commit it was built from.
import { readFileSync } from 'node:fs';

function readVersion(): string {
  try {
    // src/util/ and dist/util/ both sit two levels below package.json.
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: unknown };
    return typeof pkg.version === 'string' ? pkg.version : 'unknown';
  } catch {
    return 'unknown';
  }
}

export const VERSION = readVersion();
/** e.g. "augur/0.1.0 (+https://github.com/augur/augur)". */
export const USER_AGENT = `augur/${VERSION} (+https://github.com/augur/augur)`;

/**
 * The commit: $AUGUR_REVISION (the image sets it from its REVISION build arg), else the checkout's
 * HEAD (a branch's ref file or packed-refs), else "unknown".
 */
export function readRevision(env: NodeJS.ProcessEnv = process.env, gitDir: URL = new URL('../../.git/', import.meta.url)): string {
  const fromEnv = env.AUGUR_REVISION?.trim();
  if (fromEnv) return fromEnv;
  try {
    const head = readFileSync(new URL('HEAD', gitDir), 'utf8').trim();
    const ref = /^ref: (.+)$/.exec(head)?.[1];
    if (!ref) return /^[0-9a-f]{40}$/.test(head) ? head : 'unknown';
    try {
      return readFileSync(new URL(ref, gitDir), 'utf8').trim();
    } catch {
      const line = readFileSync(new URL('packed-refs', gitDir), 'utf8')
        .split('\n')
        .find((l) => l.endsWith(` ${ref}`));
      return line?.slice(0, 40) ?? 'unknown';
    }
  } catch {
    return 'unknown';
  }
}

export const REVISION = readRevision();
