// The Workspace port: a checkout of the manifest repository (simple-git over the real git).
// Every proposal branch is rebuilt from the base branch and pushed in one go, so a failure leaves
// either the old branch or the new one on the remote, never half of a change.
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, posix } from 'node:path';
import { simpleGit, type SimpleGit } from 'simple-git';
import type { RepoView } from '../domain/workload.js';

export interface WorkspaceOptions {
  /** Clone URL or local path of the repository (a bare repository works). */
  url: string;
  /** Where the checkout lives; reused across cycles. */
  dir: string;
  baseBranch: string;
  author: { name: string; email: string };
  /** Credentials for HTTPS remotes (from the forge module); sent as an HTTP header, never written into the URL or config. */
  auth?: { username: string; password: string };
}

export class GitWorkspace {
  private readonly git: SimpleGit;
  private baseSha = '';

  constructor(private readonly opts: WorkspaceOptions) {
    mkdirSync(opts.dir, { recursive: true });
    const config = [`user.name=${opts.author.name}`, `user.email=${opts.author.email}`, 'commit.gpgsign=false', 'core.autocrlf=false'];
    if (opts.auth) config.push(`http.extraHeader=Authorization: Basic ${Buffer.from(`${opts.auth.username}:${opts.auth.password}`).toString('base64')}`);
    this.git = simpleGit({ baseDir: opts.dir, config });
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

  /** The files of the base checkout, for the manifest stage. */
  view(): RepoView {
    const root = this.opts.dir;
    return {
      read(path) {
        const full = join(root, path);
        try {
          return statSync(full).isFile() ? readFileSync(full, 'utf8') : undefined;
        } catch {
          return undefined;
        }
      },
      list(dir) {
        try {
          return readdirSync(join(root, dir), { withFileTypes: true })
            .filter((e) => (e.isFile() || e.isDirectory()) && e.name !== '.git')
            .map((e) => posix.join(dir, e.name))
            .sort();
        } catch {
          return [];
        }
      },
    };
  }

  /** Sha of a branch on the remote, or undefined. */
  async remoteBranch(branch: string): Promise<string | undefined> {
    const out = await this.git.listRemote(['--heads', 'origin', `refs/heads/${branch}`]);
    return out.trim().split(/\s+/)[0] || undefined;
  }

  /**
   * Writes `files` on a fresh branch from the base, commits once and force-pushes (with lease
   * on what was there). Returns to the base afterwards, whatever happens.
   */
  async publish(branch: string, files: Map<string, string>, message: string): Promise<string> {
    const before = await this.remoteBranch(branch);
    try {
      await this.git.checkout(['--force', '-B', branch, this.baseSha]);
      for (const [path, content] of files) {
        const full = join(this.opts.dir, path);
        mkdirSync(dirname(full), { recursive: true });
        writeFileSync(full, content);
      }
      await this.git.add([...files.keys()]);
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
