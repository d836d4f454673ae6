// What a git remote may look like in the guardrails file: a local path, an scp-like address
// (git@host:path) or a URL; never with credentials in it, which would reach logs and errors.

/** Why `url` is not a usable git remote, with the fix; undefined when it is. */
export function gitUrlProblem(url: string): string | undefined {
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) {
    // A local path or git@host:path; a password cannot hide in either.
    return /^[^/@\s]+:[^/@\s]+@/.test(url) ? 'credentials in the remote address are not allowed: remove "user:password@" and set git.token' : undefined;
  }
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return 'not a URL: e.g. https://github.com/acme/manifests.git, git@github.com:acme/manifests.git or a local path';
  }
  if (!['https:', 'http:', 'ssh:', 'git:', 'file:'].includes(u.protocol)) return `scheme ${u.protocol} is not one git uses: https://, ssh://, git:// or file://`;
  if (u.password || (u.username && /^https?:$/.test(u.protocol))) {
    return 'credentials in the URL are not allowed (they would show in logs, errors and the process list): remove "user:password@" and set git.token ({ env: NAME } or { file: /path })';
  }
  if (u.protocol !== 'file:' && !u.hostname) return 'has no host, e.g. https://github.com/acme/manifests.git';
  // git appends its own path and query to the URL; a token in a query would show in logs, errors and the process list.
  if (/^https?:$/.test(u.protocol) && (u.search || u.hash)) return 'must not have a query or fragment (a token there would show in logs, errors and the process list): set git.token ({ env: NAME } or { file: /path }), e.g. https://github.com/acme/manifests.git';
  return undefined;
}
