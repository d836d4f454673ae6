// Real git against bare repositories on disk, for integration and end-to-end tests.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const git = (args: string[], cwd?: string) =>
  execFileSync('git', ['-c', 'user.name=Test', '-c', 'user.email=test@example.com', '-c', 'commit.gpgsign=false', ...args], {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });

/** A bare repository whose main branch holds a copy of `fromDir`. */
export function makeRemote(fromDir: string): string {
  const root = mkdtempSync(join(tmpdir(), 'augur-remote-'));
  const bare = join(root, 'remote.git');
  git(['init', '--bare', '--initial-branch=main', bare]);
  const work = join(root, 'seed');
  cpSync(fromDir, work, { recursive: true });
  git(['init', '--initial-branch=main'], work);
  git(['add', '.'], work);
  git(['commit', '-m', 'seed'], work);
  git(['push', bare, 'main'], work);
  rmSync(work, { recursive: true, force: true });
  return bare;
}

/** Commits changed files to a branch of the bare repository, as a person pushing would. */
export function pushFiles(bare: string, files: Record<string, string>, message: string, branch = 'main'): void {
  const work = mkdtempSync(join(tmpdir(), 'augur-push-'));
  git(['clone', '--branch', branch, bare, work]);
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(work, path)), { recursive: true });
    writeFileSync(join(work, path), content);
  }
  git(['add', '.'], work);
  git(['commit', '-m', message], work);
  git(['push', 'origin', branch], work);
  rmSync(work, { recursive: true, force: true });
}

/** Commits symbolic links (path → target, as `ln -s target path` would) to a branch of the bare repository, replacing what is there. */
export function pushSymlinks(bare: string, links: Record<string, string>, message: string, branch = 'main'): void {
  const work = mkdtempSync(join(tmpdir(), 'augur-push-'));
  git(['clone', '--branch', branch, bare, work]);
  for (const [path, target] of Object.entries(links)) {
    rmSync(join(work, path), { recursive: true, force: true });
    mkdirSync(dirname(join(work, path)), { recursive: true });
    symlinkSync(target, join(work, path));
  }
  git(['add', '-A', '.'], work);
  git(['commit', '-m', message], work);
  git(['push', 'origin', branch], work);
  rmSync(work, { recursive: true, force: true });
}

export function branchSha(bare: string, branch: string): string | undefined {
  try {
    return git(['--git-dir', bare, 'rev-parse', '--verify', `refs/heads/${branch}`]).trim();
  } catch {
    return undefined;
  }
}

export function showFile(bare: string, ref: string, path: string): string {
  return git(['--git-dir', bare, 'show', `${ref}:${path}`]);
}

export function diffNames(bare: string, from: string, to: string): string[] {
  return git(['--git-dir', bare, 'diff', '--name-only', `${from}...${to}`]).trim().split('\n').filter(Boolean);
}

export function branches(bare: string): string[] {
  return git(['--git-dir', bare, 'for-each-ref', '--format=%(refname:short)', 'refs/heads']).trim().split('\n').filter(Boolean);
}
