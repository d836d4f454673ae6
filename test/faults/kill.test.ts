// SIGKILL at each step of a cycle, driven by the proxy, not by timing: the real CLI (`augur run
// --once`) runs as a child process against a real Prometheus, real git over HTTP (git
// http-backend) and the OpenAPI-checked GitHub server, both behind a fault-injecting proxy. The
// proxy holds one chosen request (the push, the PR create, the labels, the reviewers, the PR
// update, the dashboard write), before the server sees it or after the server acted on it, and
// the test SIGKILLs the CLI's whole process group (as Kubernetes kills a container) while it is
// held. Then the CLI runs again with no fault, and the repository and the forge must be whole:
// one PR per branch, the branch and the PR description proposing the same values, the labels and
// reviewers on it, one dashboard issue, and no half-written branch.
import { execFileSync, spawn } from 'node:child_process';

import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseMeta } from '../../src/forge/meta.js';
import { startFaultProxy, type FaultProxy, type FaultRule } from '../support/fault-proxy.js';
import { startGitHttp, type GitHttpServer } from '../support/git-http.js';
import { branches, showFile } from '../support/git.js';
import type { RunningPrometheus } from '../support/prometheus.js';
import { TOKEN, startWebPrometheus, startWorld, type RunOptions, type World } from '../support/world.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BRANCH = 'augur/shop/web';
let prom: RunningPrometheus;
let now: number;
const cleanup: (() => Promise<void>)[] = [];

beforeAll(async () => {
  ({ prom, now } = await startWebPrometheus());
}, 120_000);

afterAll(async () => {
  for (const c of cleanup.splice(0).reverse()) await c().catch(() => undefined);
  await prom?.stop();
});

interface Rig {
  w: World;
  git: GitHttpServer;
  /** In front of GitHub's API and of git's smart HTTP. */
  api: FaultProxy;
  gitProxy: FaultProxy;
  /** The guardrails file for these options: git over HTTP through the proxy, GitHub through the proxy. */
  config: (extra?: RunOptions) => string;
}

async function rig(): Promise<Rig> {
  const w = await startWorld(prom.url, now);
  const git = await startGitHttp(w.bare, 'x-access-token', TOKEN);
  const api = await startFaultProxy(w.github.url);
  const gitProxy = await startFaultProxy(git.url.replace(/\/[^/]+$/, ''));
  cleanup.push(() => w.github.close(), () => git.close(), () => api.close(), () => gitProxy.close());
  const repoUrl = `${gitProxy.url}/${git.url.split('/').pop()}`;
  const config = (extra: RunOptions = {}) =>
    w.configFile({
      ...extra,
      forge: { apiUrl: api.url, timeout: '20s', ...extra.forge },
      top: { cluster: { enabled: false }, git: { url: repoUrl, baseBranch: 'main', workdir: w.workdir, token: { env: 'AUGUR_E2E_TOKEN' }, timeout: '30s' }, ...extra.top },
    });
  return { w, git, api, gitProxy, config };
}

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
}

/** `augur run --once` as a child process, the leader of its own process group (git runs in it too). */
function cli(config: string) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'run', '--once', '-c', config, '--now', new Date(now * 1000).toISOString()], {
    cwd: ROOT,
    env: { ...process.env, AUGUR_E2E_TOKEN: TOKEN, AUGUR_LOG_LEVEL: 'warn' },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stdout.resume();
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
  const exited = new Promise<Exit>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal, stderr })));
  return { child, exited, kill: () => process.kill(-child.pid!, 'SIGKILL') };
}

/** Runs the CLI until the proxy holds the request `rule` matches, then SIGKILLs its process group. */
async function killAt(proxy: FaultProxy, rule: Omit<FaultRule, 'fault' | 'onHold'>, forwardFirst: boolean, config: string): Promise<void> {
  let held!: () => void;
  const holding = new Promise<void>((r) => (held = r));
  const added = proxy.add({ ...rule, times: 1, fault: { kind: 'hold', forwardFirst }, onHold: () => held() });
  const run = cli(config);
  const outcome = await Promise.race([holding.then(() => 'held' as const), run.exited]);
  if (outcome !== 'held') throw new Error(`the CLI ended (code ${outcome.code}) before the proxy held the request:\n${outcome.stderr}`);
  run.kill();
  const exit = await run.exited;
  expect(exit.signal).toBe('SIGKILL');
  expect(proxy.hits.get(added)).toBe(1);
  proxy.clear();
}

/** The CLI with no fault: it must finish the work and exit 0. */
async function recover(config: string): Promise<void> {
  const exit = await cli(config).exited;
  expect(exit.stderr).not.toMatch(/"level":50/); // no error logged
  expect(exit.code, exit.stderr).toBe(0);
}

const git = (bare: string, args: string[]) => execFileSync('git', ['--git-dir', bare, ...args], { encoding: 'utf8' }).trim();

/** Everything a killed cycle must not leave broken, checked on the remote repository and the forge. */
function assertWhole(w: World, expectInBody?: string): void {
  const gh = w.github;
  // One PR for the branch, never a duplicate (open or closed).
  expect(gh.pulls.map((p) => `${p.head} ${p.state}`)).toEqual([`${BRANCH} open`]);
  const pr = gh.pulls[0]!;
  const meta = parseMeta(pr.body ?? '');
  expect(meta).toBeDefined();
  if (expectInBody) expect(pr.body).toContain(expectInBody);
  // The branch proposes what the description says: its head's fingerprint, and each value in its file.
  expect(git(w.bare, ['log', '-1', '--format=%(trailers:key=Augur-Fingerprint,valueonly)', BRANCH])).toBe(meta!.fingerprint);
  for (const c of meta!.changes) expect(showFile(w.bare, BRANCH, c.file)).toMatch(new RegExp(`:\\s*["']?${c.to.replace(/[.]/g, '\\.')}["']?\\s*(#.*)?$`, 'm'));
  // No half-written branch: one whole commit on top of main, touching only the files the PR names.
  expect(branches(w.bare).sort()).toEqual([BRANCH, 'main']);
  expect(git(w.bare, ['merge-base', 'main', BRANCH])).toBe(git(w.bare, ['rev-parse', 'main']));
  expect(git(w.bare, ['rev-list', '--count', `main..${BRANCH}`])).toBe('1');
  expect(git(w.bare, ['diff', '--name-only', 'main', BRANCH]).split('\n').sort()).toEqual([...new Set(meta!.changes.map((c) => c.file))].sort());
  git(w.bare, ['fsck', '--no-dangling']);
  // Labels and reviewers on it; one dashboard, found by its marker.
  expect(pr.labels).toEqual(['augur']);
  expect(pr.requested_reviewers).toEqual(['oncall']);
  const dashboards = gh.issues.filter((i) => i.state === 'open' && (i.body ?? '').includes('<!-- augur:dashboard'));
  expect(dashboards).toHaveLength(1);
  expect(dashboards[0]!.title).toBe('Augur dashboard');
  expect(gh.violations).toEqual([]);
}

const SURGE: RunOptions = { web: 'web-surge', policy: { maxStepPercent: { up: 400, down: 30 } } };
const PUSH = { method: 'POST', path: /\/git-receive-pack$/ };

// Each step of the cycle that opens the PR, held before the server sees it and after it acted.
const opening: [string, 'git' | 'api', Omit<FaultRule, 'fault' | 'onHold'>, boolean][] = [
  ['the push, before the remote saw it', 'git', PUSH, false],
  ['the push, after the remote took it', 'git', PUSH, true],
  ['the PR create, before GitHub saw it', 'api', { method: 'POST', path: /\/repos\/acme\/manifests\/pulls$/ }, false],
  ['the PR create, after GitHub made the PR', 'api', { method: 'POST', path: /\/repos\/acme\/manifests\/pulls$/ }, true],
  ['the labels, after GitHub added them', 'api', { method: 'POST', path: /\/issues\/\d+\/labels$/ }, true],
  ['the labels, before GitHub saw them', 'api', { method: 'POST', path: /\/issues\/\d+\/labels$/ }, false],
  ['the reviewers, before GitHub saw them', 'api', { method: 'POST', path: /\/pulls\/\d+\/requested_reviewers$/ }, false],
  ['the reviewers, after GitHub asked them', 'api', { method: 'POST', path: /\/pulls\/\d+\/requested_reviewers$/ }, true],
  ['the dashboard create, before GitHub saw it', 'api', { method: 'POST', path: /\/repos\/acme\/manifests\/issues$/ }, false],
  ['the dashboard create, after GitHub made the issue', 'api', { method: 'POST', path: /\/repos\/acme\/manifests\/issues$/ }, true],
];

describe('SIGKILL while a step of the cycle that opens a PR is held, then a clean run', () => {
  it.each(opening)('%s', async (_name, where, rule, forwardFirst) => {
    const r = await rig();
    await killAt(where === 'git' ? r.gitProxy : r.api, rule, forwardFirst, r.config());
    await recover(r.config());
    assertWhole(r.w);
  }, 180_000);
});

// Each step of the cycle that updates the PR with new numbers (a surge), after a clean first cycle.
const updating: [string, 'git' | 'api', Omit<FaultRule, 'fault' | 'onHold'>, boolean][] = [
  ['the push, before the remote saw it', 'git', PUSH, false],
  ['the push, after the remote took it', 'git', PUSH, true],
  ['the PR update, before GitHub saw it', 'api', { method: 'PATCH', path: /\/pulls\/\d+$/ }, false],
  ['the PR update, after GitHub rewrote the description', 'api', { method: 'PATCH', path: /\/pulls\/\d+$/ }, true],
  ['the dashboard rewrite, after GitHub took it', 'api', { method: 'PATCH', path: /\/issues\/\d+$/ }, true],
];

describe('SIGKILL while a step of the cycle that updates a PR is held, then a clean run', () => {
  it.each(updating)('%s', async (_name, where, rule, forwardFirst) => {
    const r = await rig();
    await recover(r.config());
    assertWhole(r.w);
    const opened = r.w.github.pulls[0]!.number;
    await killAt(where === 'git' ? r.gitProxy : r.api, rule, forwardFirst, r.config(SURGE));
    await recover(r.config(SURGE));
    assertWhole(r.w, 'web-surge');
    expect(r.w.github.pulls[0]!.number).toBe(opened);
  }, 240_000);

  it.each([
    ['the close comment, after GitHub posted it', { method: 'POST', path: /\/issues\/\d+\/comments$/ }, true],
    ['the close, before GitHub saw it (the comment posted)', { method: 'PATCH', path: /\/pulls\/\d+$/ }, false],
    ['the close, after GitHub closed it', { method: 'PATCH', path: /\/pulls\/\d+$/ }, true],
  ] as [string, Omit<FaultRule, 'fault' | 'onHold'>, boolean][])('a PR no longer needed: %s; closed once, said once', async (_name, rule, forwardFirst) => {
    const r = await rig();
    await recover(r.config());
    const pr = r.w.github.pulls[0]!;
    const unneeded = { policy: { maxStepPercent: { up: 50, down: 30 }, allowedChanges: ['schedule'] } };
    await killAt(r.api, rule, forwardFirst, r.config(unneeded));
    await recover(r.config(unneeded));
    expect(pr.state).toBe('closed');
    expect(parseMeta(pr.body ?? '')?.closedByAugur).toBe(true);
    expect(r.w.github.comments.filter((c) => c.issue_number === pr.number && c.body.startsWith('Augur closes this PR'))).toHaveLength(1);
    expect(r.w.github.pulls).toHaveLength(1);
    expect(r.w.github.issues.filter((i) => i.state === 'open' && (i.body ?? '').includes('<!-- augur:dashboard'))).toHaveLength(1);
    expect(r.w.github.violations).toEqual([]);
  }, 240_000);

  it('the push taken and the update lost, then the numbers go back: the branch is rebuilt to what the PR says', async () => {
    const r = await rig();
    await recover(r.config());
    const first = parseMeta(r.w.github.pulls[0]!.body ?? '')!.fingerprint;
    await killAt(r.gitProxy, PUSH, true, r.config(SURGE));
    await recover(r.config());
    assertWhole(r.w);
    expect(parseMeta(r.w.github.pulls[0]!.body ?? '')!.fingerprint).toBe(first);
  }, 240_000);
});
