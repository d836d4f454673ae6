// The Workspace port: a checkout of the manifest repository (simple-git over the real git).
// Every proposal branch is rebuilt from the base branch and pushed in one go, so a failure leaves
// either the old branch or the new one on the remote, never half of a change.
//
// Nothing stuck: each git command is killed when it prints nothing for `timeoutMs`, the cycle's
// deadline kills what runs, and git never prompts. Nothing leaked: an HTTPS token reaches git
// through a credential helper reading the environment, never the command line. Nothing outside:
// a symbolic link in the checkout is never followed, for reads or writes (see safe-paths.ts).
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { simpleGit, type SimpleGit } from 'simple-git';
import type { BranchState, Workspace } from '../domain/ports.js';
import type { RepoView } from '../domain/workload.js';
import { checkoutView, writeInside } from './safe-paths.js';

export interface WorkspaceOptions {
  /** Clone URL or local path of the repository (a bare repository works). */
  url: string;
  /** Where the checkout lives; reused across cycles. */
  dir: string;
  baseBranch: string;
  author: { name: string; email: string };
  /** Credentials for HTTPS remotes (from the forge module), handed to git by a credential helper from the environment. */
  auth?: { username: string; password: string };
  /** A git command that prints nothing for this long is killed. Default 120 s. */
  timeoutMs?: number;
  /** The cycle's deadline: aborting it kills the git command running. */
  signal?: AbortSignal;
}

/** The trailer of Augur's commits that says what the branch proposes (the PR metadata's fingerprint). */
export const FINGERPRINT_TRAILER = 'Augur-Fingerprint';

/** Environment keys simple-git guards; never passed through from Augur's own environment. */
const GUARDED_ENV = /^(GIT_|EDITOR$|VISUAL$|PAGER$|PREFIX$|SSH_ASKPASS$)/i;

export class GitWorkspace implements Workspace {
  private readonly git: SimpleGit;
  private baseSha = '';

  constructor(private readonly opts: WorkspaceOptions) {
    mkdirSync(opts.dir, { recursive: true });
    const config = [`user.name=${opts.author.name}`, `user.email=${opts.author.email}`, 'commit.gpgsign=false', 'core.autocrlf=false', 'core.symlinks=true'];
    const env: Record<string, string> = { GIT_TERMINAL_PROMPT: '0' };
    for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !GUARDED_ENV.test(k)) env[k] = v;
    if (opts.auth) {
      // Empty first: no helper configured elsewhere is asked. The values stay in the environment.
      Object.assign(env, {
        GIT_CONFIG_COUNT: '2',
        GIT_CONFIG_KEY_0: 'credential.helper',
        GIT_CONFIG_VALUE_0: '',
        GIT_CONFIG_KEY_1: 'credential.helper',
        GIT_CONFIG_VALUE_1: '!f() { test "$1" = get && printf "username=%s\\npassword=%s\\n" "$AUGUR_GIT_USERNAME" "$AUGUR_GIT_PASSWORD"; }; f',
        AUGUR_GIT_USERNAME: opts.auth.username,
        AUGUR_GIT_PASSWORD: opts.auth.password,
      });
    }
    this.git = simpleGit({
      baseDir: opts.dir,
      config,
      timeout: { block: opts.timeoutMs ?? 120_000 },
      ...(opts.signal ? { abort: opts.signal } : {}),
      allowEnvironment: Object.keys(env).filter((k) => GUARDED_ENV.test(k)),
      unsafe: { allowUnsafeCredentialHelper: true, allowUnsafeConfigEnvCount: true },
    }).env(env);
  }

  /** Clones or fetches, then checks out the tip of the base branch with a clean tree. Returns its sha. */
  async sync(): Promise<string> {
    if (!existsSync(join(this.opts.dir, '.git'))) {
      await this.git.clone(this.opts.url, '.', ['--no-tags']);
    } else {
      await this.git.remote(['set-url', 'origin', this.opts.url]);
      await this.git.fetch(['origin', '--prune', '--no-tags']);
    }
    const remoteBase = `origin/${this.opts.baseBranch}`;
    try {
      this.baseSha = (await this.git.revparse([`${remoteBase}^{commit}`])).trim();
    } catch {
      throw new Error(`base branch "${this.opts.baseBranch}" not found in ${this.opts.url}; set git.baseBranch to an existing branch`);
    }
    await this.git.checkout(['--force', '-B', this.opts.baseBranch, remoteBase]);
    await this.git.clean('f', ['-d', '-x']);
    return this.baseSha;
  }

  /** The files of the base checkout, for the manifest stage; a symbolic link on a path is an error that says so. */
  view(): RepoView {
    return checkoutView(this.opts.dir);
  }

  /** Sha of a branch on the remote, or undefined. */
  async remoteBranch(branch: string): Promise<string | undefined> {
    const out = await this.git.listRemote(['--heads', 'origin', `refs/heads/${branch}`]);
    return out.trim().split(/\s+/)[0] || undefined;
  }

  /** The branch as the remote had it at the last sync: its head, and whether Augur made that commit. */
  async branch(branch: string): Promise<BranchState | undefined> {
    const ref = `refs/remotes/origin/${branch}`;
    let out: string;
    try {
      out = await this.git.raw(['log', '-1', '--format=%H%x00%an%x00%ae%x00%ce%x00%s%x00%(trailers:key=' + FINGERPRINT_TRAILER + ',valueonly,separator=%x2C)', ref, '--']);
    } catch {
      return undefined; // no such branch
    }
    const [sha, author, authorEmail, committerEmail, subject, trailer] = out.replace(/\n$/, '').split('\0');
    if (!sha) return undefined;
    const mine = (e: string | undefined) => (e ?? '').toLowerCase() === this.opts.author.email.toLowerCase();
    if (!mine(authorEmail) || !mine(committerEmail)) {
      return { sha, foreign: { sha, author: `${author ?? '?'} <${authorEmail ?? '?'}>`, subject: subject ?? '' } };
    }
    const fingerprint = (trailer ?? '').trim();
    return { sha, ...(fingerprint ? { fingerprint } : {}) };
  }

  /**
   * Writes `files` on a fresh branch from the base, commits once and force-pushes with a lease on
   * what the remote had: `expected` (the sha this cycle read, or null for "no branch"), else what
   * ls-remote says now. Returns to the base afterwards, whatever happens.
   */
  async publish(branch: string, files: Map<string, string>, message: string, expected?: string | null): Promise<string> {
    const before = expected === undefined ? await this.remoteBranch(branch) : (expected ?? undefined);
    try {
      await this.git.checkout(['--force', '-B', branch, this.baseSha]);
      for (const [path, content] of files) writeInside(this.opts.dir, path, content);
      await this.git.add(['--', ...files.keys()]);
      await this.git.commit(message);
      const sha = (await this.git.revparse(['HEAD'])).trim();
      const lease = `--force-with-lease=refs/heads/${branch}:${before ?? ''}`;
      await this.git.push('origin', `HEAD:refs/heads/${branch}`, [lease]);
      return sha;
    } finally {
      await this.git.checkout(['--force', this.opts.baseBranch]);
      await this.git.clean('f', ['-d', '-x']);
    }
  }
}
