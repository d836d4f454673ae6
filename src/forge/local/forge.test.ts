import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LocalForge } from './forge.js';
import { renderMeta } from '../meta.js';
import { type OpenPullRequest, type ProposalMeta } from '../../domain/forge.js';

const meta = (key: string, fingerprint: string): ProposalMeta => ({
  v: 1,
  key,
  targets: [`Deployment/${key}`],
  fingerprint,
  changes: [{ target: `Deployment/${key}`, field: 'replicas', file: 'apps/web/deployment.yaml', from: '4', to: '6' }],
  cost: { cores: 1, memoryGiB: 1, monthly: 25.7, currency: 'USD' },
  at: 1000,
});

const pr = (branch: string, fingerprint = 'f1', over: Partial<OpenPullRequest> = {}): OpenPullRequest => ({
  branch,
  base: 'main',
  title: `augur: replicas 4→6 for ${branch.slice('augur/'.length)}`,
  body: `Augur proposes...\n\n${renderMeta(meta(branch.slice('augur/'.length), fingerprint))}\n`,
  labels: ['augur', 'capacity'],
  reviewers: ['alice'],
  teamReviewers: ['platform'],
  draft: false,
  ...over,
});

describe('LocalForge', () => {
  let dir: string;
  let now: number;
  const forge = () => new LocalForge(dir, () => now);

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'augur-local-forge-'));
    now = 1_000_000;
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('opens a PR as a markdown file and lists it with its metadata', async () => {
    const f = forge();
    const info = await f.openPullRequest(pr('augur/shop/web'));
    expect(info).toMatchObject({ number: 1, branch: 'augur/shop/web', state: 'open', merged: false, createdAt: 1_000_000, url: f.pullPath(1) });
    expect(info.meta?.fingerprint).toBe('f1');
    expect(info.closedAt).toBeUndefined();
    const file = readFileSync(f.pullPath(1), 'utf8');
    expect(file.startsWith('# #1 augur: replicas 4→6 for shop/web\n')).toBe(true);
    expect(file).toContain('branch `augur/shop/web` → `main` · labels: augur, capacity');
    expect(file).toContain('Augur proposes...');
    expect(await f.listPullRequests(0)).toEqual([info]);
  });

  it('numbers PRs in order and marks drafts', async () => {
    const f = forge();
    await f.openPullRequest(pr('augur/shop/web'));
    const second = await f.openPullRequest(pr('augur/shop/api', 'f2', { draft: true, labels: [] }));
    expect(second.number).toBe(2);
    expect(readFileSync(f.pullPath(2), 'utf8')).toContain('labels: none · draft');
  });

  it('refuses a second open PR from the same branch', async () => {
    const f = forge();
    await f.openPullRequest(pr('augur/shop/web'));
    await expect(f.openPullRequest(pr('augur/shop/web', 'f2'))).rejects.toThrow('a PR from augur/shop/web is already open');
    expect(await f.listPullRequests(0)).toHaveLength(1);
  });

  it('allows a new PR from a branch whose PR was closed', async () => {
    const f = forge();
    await f.openPullRequest(pr('augur/shop/web'));
    await f.closePullRequest(1, 'no longer needed', 'closed body');
    const again = await f.openPullRequest(pr('augur/shop/web', 'f2'));
    expect(again.number).toBe(2);
  });

  it('updates the title and body in place', async () => {
    const f = forge();
    await f.openPullRequest(pr('augur/shop/web'));
    await f.updatePullRequest(1, { title: 'augur: replicas 4→7 for shop/web', body: `new numbers\n${renderMeta(meta('shop/web', 'f9'))}` });
    const [info] = await f.listPullRequests(0);
    expect(info).toMatchObject({ number: 1, title: 'augur: replicas 4→7 for shop/web', state: 'open', createdAt: 1_000_000 });
    expect(info!.meta?.fingerprint).toBe('f9');
    const file = readFileSync(f.pullPath(1), 'utf8');
    expect(file).toContain('# #1 augur: replicas 4→7 for shop/web');
    expect(file).toContain('new numbers');
    expect(file).not.toContain('Augur proposes...');
  });

  it('closes with a comment, and lists closed PRs only since the given time', async () => {
    const f = forge();
    await f.openPullRequest(pr('augur/shop/web'));
    await f.openPullRequest(pr('augur/shop/api', 'f2'));
    now = 1_000_500;
    await f.closePullRequest(1, 'the change is no longer needed: load fell back', 'closed body');
    expect(f.comments(1)).toEqual(['the change is no longer needed: load fell back']);
    const all = await f.listPullRequests(1_000_500);
    expect(all.map((p) => [p.number, p.state, p.closedAt])).toEqual([
      [1, 'closed', 1_000_500],
      [2, 'open', undefined],
    ]);
    // Closed before the cut-off: left out; open ones always listed.
    expect((await f.listPullRequests(1_000_501)).map((p) => p.number)).toEqual([2]);
  });

  it('marks a PR merged', async () => {
    const f = forge();
    await f.openPullRequest(pr('augur/shop/web'));
    f.markMerged(1, 1_000_100);
    const [info] = await f.listPullRequests(0);
    expect(info).toMatchObject({ state: 'closed', merged: true, mergedAt: 1_000_100, closedAt: 1_000_100 });
    // A merged PR frees its branch.
    await expect(f.openPullRequest(pr('augur/shop/web', 'f2'))).resolves.toMatchObject({ number: 2 });
  });

  it('rejects operations on an unknown PR', async () => {
    const f = forge();
    await expect(f.updatePullRequest(42, { title: 't', body: 'b' })).rejects.toThrow('no PR #42');
    await expect(f.closePullRequest(42, 'c', 'b')).rejects.toThrow('no PR #42');
    expect(() => f.markMerged(42)).toThrow('no PR #42');
  });

  it('writes the dashboard file and rewrites it', async () => {
    const f = forge();
    const where = await f.upsertDashboard('Augur dashboard', 'first');
    expect(where).toBe(join(dir, 'dashboard.md'));
    expect(readFileSync(where, 'utf8')).toBe('# Augur dashboard\n\nfirst');
    await f.upsertDashboard('Augur dashboard', 'second');
    expect(readFileSync(where, 'utf8')).toBe('# Augur dashboard\n\nsecond');
    // No temp files are left behind.
    expect(readdirSync(dir).filter((n) => n.includes('.tmp-'))).toEqual([]);
  });

  it('keeps its state across instances on the same directory', async () => {
    const first = forge();
    await first.openPullRequest(pr('augur/shop/web'));
    await first.openPullRequest(pr('augur/shop/api', 'f2'));
    await first.closePullRequest(2, 'stale', pr('augur/shop/api', 'f2').body);

    const second = forge();
    const listed = await second.listPullRequests(0);
    expect(listed.map((p) => [p.number, p.branch, p.state, p.meta?.fingerprint])).toEqual([
      [1, 'augur/shop/web', 'open', 'f1'],
      [2, 'augur/shop/api', 'closed', 'f2'],
    ]);
    expect(second.comments(2)).toEqual(['stale']);
    await expect(second.openPullRequest(pr('augur/shop/web', 'f3'))).rejects.toThrow('already open');
    expect((await second.openPullRequest(pr('augur/jobs/worker', 'f4'))).number).toBe(3);
  });

  it('lists a PR whose body lost its metadata block without meta', async () => {
    const f = forge();
    await f.openPullRequest(pr('augur/shop/web', 'f1', { body: 'a reviewer rewrote the body' }));
    const [info] = await f.listPullRequests(0);
    expect(info!.meta).toBeUndefined();
    expect('meta' in info!).toBe(false);
  });

  it('starts empty in a new directory and creates it', async () => {
    const nested = join(dir, 'a', 'b');
    const f = new LocalForge(nested);
    expect(existsSync(join(nested, 'pulls'))).toBe(true);
    expect(await f.listPullRequests(0)).toEqual([]);
    expect(f.name).toBe(`local ${nested}`);
  });

  it('says how to recover from a corrupt state file', async () => {
    writeFileSync(join(dir, 'state.json'), '{ not json');
    await expect(forge().listPullRequests(0)).rejects.toThrow(/state\.json.*fix or delete the file/);
  });
});

describe('LocalForge bodies', () => {
  it('reads back the body as written, without the markdown header, and rewrites it on close', async () => {
    const f = new LocalForge(mkdtempSync(join(tmpdir(), 'augur-local-body-')), () => 1000);
    const pr = await f.openPullRequest({ branch: 'augur/a/b', base: 'main', title: 't', body: 'line one\n\nline two\n', labels: [], reviewers: [], teamReviewers: [], draft: false });
    expect((await f.listPullRequests(0))[0]!.body).toBe('line one\n\nline two\n');
    await f.closePullRequest(pr.number, 'why', 'closed by augur\n');
    expect((await f.listPullRequests(0))[0]!.body).toBe('closed by augur\n');
  });
});
