// Augur's name and version (package.json), for the User-Agent of every request it makes.
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
