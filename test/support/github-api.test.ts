import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Octokit } from '@octokit/rest';
import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';
import { githubSpecTimings, startFakeGitHub } from './github-api.js';
import type { FakeGitHub, FakeGitHubOptions } from './github-api.js';

const owner = 'acme';
const repo = 'gitops';
const silent = { debug() {}, info() {}, warn() {}, error() {} };

const started: FakeGitHub[] = [];
const tempDirs: string[] = [];

async function start(extra: Partial<FakeGitHubOptions> = {}): Promise<FakeGitHub> {
  const fake = await startFakeGitHub({ owner, repo, ...extra });
  started.push(fake);
  return fake;
}

afterEach(async () => {
  for (const f of started.splice(0)) await f.close();
  for (const d of tempDirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function client(fake: FakeGitHub, auth = 'test-token'): Octokit {
  return new Octokit({ baseUrl: fake.url, auth, log: silent });
}

/** Runs `fn`, expecting an Octokit RequestError; returns its status and body. */
async function failure(fn: () => Promise<unknown>): Promise<{ status: number; data: { message?: string; errors?: unknown[] } }> {
  try {
    await fn();
  } catch (err) {
    const e = err as { status?: number; response?: { data?: unknown } };
    return { status: e.status ?? 0, data: (e.response?.data ?? {}) as { message?: string; errors?: unknown[] } };
  }
  throw new Error('expected the request to fail');
}

describe('fake GitHub API (checked against @octokit/openapi)', () => {
  it('serves the PR, issue, label and comment flow for a real Octokit with no schema violations', async () => {
    const fake = await start();
    const octokit = client(fake);

    const { data: repoData, headers } = await octokit.rest.repos.get({ owner, repo });
    expect(repoData.full_name).toBe('acme/gitops');
    expect(repoData.default_branch).toBe('main');
    expect(headers['content-type']).toBe('application/json; charset=utf-8');
    expect(headers['x-ratelimit-limit']).toBe('5000');
    expect(headers['x-github-api-version-selected']).toBe('2022-11-28');

    const label = await octokit.rest.issues.createLabel({ owner, repo, name: 'augur', color: '1d76db', description: 'Augur proposals' });
    expect(label.status).toBe(201);
    expect(fake.labels).toEqual(['augur']);
    const dupLabel = await failure(() => octokit.rest.issues.createLabel({ owner, repo, name: 'AUGUR' }));
    expect(dupLabel.status).toBe(422);

    const created = await octokit.rest.pulls.create({
      owner,
      repo,
      title: 'Scale api to 5 replicas',
      head: 'augur/api-scale',
      base: 'main',
      body: 'forecast says so',
      draft: false,
    });
    expect(created.status).toBe(201);
    expect(created.data.number).toBe(1);
    expect(created.data.head.ref).toBe('augur/api-scale');
    expect(created.data.head.label).toBe('acme:augur/api-scale');
    expect(created.data.merged).toBe(false);
    expect(created.headers.location).toBe(`${fake.url}/repos/acme/gitops/pulls/1`);

    const again = await failure(() =>
      octokit.rest.pulls.create({ owner, repo, title: 'dup', head: 'augur/api-scale', base: 'main' }),
    );
    expect(again.status).toBe(422);
    expect(JSON.stringify(again.data.errors)).toContain('A pull request already exists for acme:augur/api-scale.');

    const byHead = await octokit.rest.pulls.list({ owner, repo, head: 'acme:augur/api-scale', state: 'open' });
    expect(byHead.data.map((p) => p.number)).toEqual([1]);
    const otherHead = await octokit.rest.pulls.list({ owner, repo, head: 'acme:augur/other' });
    expect(otherHead.data).toEqual([]);

    const updated = await octokit.rest.pulls.update({ owner, repo, pull_number: 1, body: 'updated body' });
    expect(updated.data.body).toBe('updated body');

    const labels = await octokit.rest.issues.addLabels({ owner, repo, issue_number: 1, labels: ['augur', 'autoscaling'] });
    expect(labels.data.map((l) => l.name)).toEqual(['augur', 'autoscaling']);
    expect(fake.labels).toEqual(['augur', 'autoscaling']); // GitHub creates missing labels

    const reviewers = await octokit.rest.pulls.requestReviewers({ owner, repo, pull_number: 1, reviewers: ['alice'] });
    expect(reviewers.status).toBe(201);
    expect(reviewers.data.requested_reviewers?.map((u) => u.login)).toEqual(['alice']);
    const selfReview = await failure(() => octokit.rest.pulls.requestReviewers({ owner, repo, pull_number: 1, reviewers: ['augur-bot'] }));
    expect(selfReview.status).toBe(422);

    const comment = await octokit.rest.issues.createComment({ owner, repo, issue_number: 1, body: 'forecast attached' });
    expect(comment.status).toBe(201);
    const comments = await octokit.rest.issues.listComments({ owner, repo, issue_number: 1 });
    expect(comments.data.map((c) => c.body)).toEqual(['forecast attached']);

    const got = await octokit.rest.pulls.get({ owner, repo, pull_number: 1 });
    expect(got.data.labels.map((l) => l.name)).toEqual(['augur', 'autoscaling']);
    expect(got.data.comments).toBe(1);

    const closed = await octokit.rest.pulls.update({ owner, repo, pull_number: 1, state: 'closed' });
    expect(closed.data.state).toBe('closed');
    expect(closed.data.closed_at).not.toBeNull();

    // Dashboard issue: shares the number sequence with PRs.
    const issue = await octokit.rest.issues.create({ owner, repo, title: 'Augur dashboard', body: 'v1', labels: ['augur'] });
    expect(issue.data.number).toBe(2);
    expect(issue.data.pull_request).toBeUndefined();
    const issueUpdated = await octokit.rest.issues.update({ owner, repo, issue_number: 2, body: 'v2' });
    expect(issueUpdated.data.body).toBe('v2');
    const fetched = await octokit.rest.issues.get({ owner, repo, issue_number: 2 });
    expect(fetched.data.body).toBe('v2');

    // The issues list also returns PRs, marked with `pull_request`.
    const all = await octokit.rest.issues.listForRepo({ owner, repo, state: 'all', labels: 'augur', creator: 'augur-bot' });
    expect(all.data.map((i) => [i.number, i.pull_request !== undefined])).toEqual([
      [2, false],
      [1, true],
    ]);
    const openOnly = await octokit.rest.issues.listForRepo({ owner, repo, labels: 'augur' });
    expect(openOnly.data.map((i) => i.number)).toEqual([2]);
    const byOther = await octokit.rest.issues.listForRepo({ owner, repo, creator: 'someone-else' });
    expect(byOther.data).toEqual([]);

    const repoLabels = await octokit.rest.issues.listLabelsForRepo({ owner, repo });
    expect(repoLabels.data.map((l) => l.name)).toEqual(['augur', 'autoscaling']);

    // A human merges a reopened PR.
    await octokit.rest.pulls.update({ owner, repo, pull_number: 1, state: 'open' });
    fake.merge(1, '2030-01-02T03:04:05Z');
    const merged = await octokit.rest.pulls.get({ owner, repo, pull_number: 1 });
    expect(merged.data.merged).toBe(true);
    expect(merged.data.merged_at).toBe('2030-01-02T03:04:05Z');
    const mergedIssue = await octokit.rest.issues.get({ owner, repo, issue_number: 1 });
    expect(mergedIssue.data.pull_request?.merged_at).toBe('2030-01-02T03:04:05Z');
    const reopen = await failure(() => octokit.rest.pulls.update({ owner, repo, pull_number: 1, state: 'open' }));
    expect(reopen.status).toBe(422);

    const rate = await octokit.rest.rateLimit.get();
    expect(rate.data.resources.core.limit).toBe(5000);

    expect(fake.pulls).toHaveLength(1);
    expect(fake.pulls[0]).toMatchObject({
      number: 1,
      title: 'Scale api to 5 replicas',
      body: 'updated body',
      state: 'closed',
      merged: true,
      head: 'augur/api-scale',
      base: 'main',
      labels: ['augur', 'autoscaling'],
      requested_reviewers: ['alice'],
    });
    expect(fake.issues).toEqual([expect.objectContaining({ number: 2, title: 'Augur dashboard', body: 'v2', state: 'open', labels: ['augur'] })]);
    expect(fake.comments).toEqual([expect.objectContaining({ issue_number: 1, body: 'forecast attached' })]);
    expect(fake.requests.map((r) => r.operationId)).toContain('pulls/request-reviewers');
    expect(fake.requests.every((r) => r.operationId !== '')).toBe(true);
    expect(fake.violations).toEqual([]);
  });

  it('paginates 120 PRs with Link headers for octokit.paginate', async () => {
    const fake = await start();
    const octokit = client(fake);
    for (let i = 1; i <= 120; i++) {
      await octokit.rest.pulls.create({ owner, repo, title: `PR ${i}`, head: `augur/branch-${i}`, base: 'main' });
    }
    for (const n of [3, 4, 5]) await octokit.rest.pulls.update({ owner, repo, pull_number: n, state: 'closed' });

    const firstPage = await octokit.rest.pulls.list({ owner, repo, state: 'all', per_page: 50 });
    expect(firstPage.data).toHaveLength(50);
    expect(firstPage.headers.link).toContain('rel="next"');
    expect(firstPage.headers.link).toContain('page=3>; rel="last"');

    const all = await octokit.paginate(octokit.rest.pulls.list, { owner, repo, state: 'all', per_page: 50 });
    expect(all).toHaveLength(120);
    expect(all.map((p) => p.number)).toEqual(Array.from({ length: 120 }, (_, i) => 120 - i));

    const open = await octokit.paginate(octokit.rest.pulls.list, { owner, repo, per_page: 100 });
    expect(open).toHaveLength(117);

    const listCalls = fake.requests.filter((r) => r.operationId === 'pulls/list');
    expect(listCalls.map((r) => r.query.page ?? '1')).toEqual(['1', '1', '2', '3', '1', '2']);
    expect(fake.violations).toEqual([]);
  });

  it('works with the retry and throttling plugins', async () => {
    const fake = await start();
    const Throttled = Octokit.plugin(retry, throttling);
    const limited: string[] = [];
    const octokit = new Throttled({
      baseUrl: fake.url,
      auth: 'test-token',
      log: silent,
      throttle: {
        onRateLimit: (_retryAfter: number, options: { method: string; url: string }) => {
          limited.push(`${options.method} ${options.url}`);
          return false;
        },
        onSecondaryRateLimit: (_retryAfter: number, options: { method: string; url: string }) => {
          limited.push(`${options.method} ${options.url}`);
          return false;
        },
      },
      retry: { doNotRetry: [400, 401, 403, 404, 422] },
    });
    const pr = await octokit.rest.pulls.create({ owner, repo, title: 'throttled', head: 'augur/t', base: 'main' });
    expect(pr.status).toBe(201);
    const list = await octokit.rest.pulls.list({ owner, repo, head: `${owner}:augur/t` });
    expect(list.data.map((p) => p.title)).toEqual(['throttled']);
    expect(Number(list.headers['x-ratelimit-remaining'])).toBeGreaterThan(0);
    const pages = await octokit.paginate(octokit.rest.issues.listForRepo, { owner, repo, per_page: 100 });
    expect(pages.map((i) => i.number)).toEqual([1]);
    const bad = await failure(() => octokit.rest.pulls.get({ owner, repo, pull_number: 99 }));
    expect(bad.status).toBe(404);
    expect(limited).toEqual([]);
    expect(fake.violations).toEqual([]);
  });

  it('fails requests that violate the OpenAPI description (422 plus a recorded violation)', async () => {
    const fake = await start();
    const octokit = client(fake);

    const noHead = await failure(() =>
      octokit.request('POST /repos/{owner}/{repo}/pulls', { owner, repo, title: 'x', base: 'main' } as never),
    );
    expect(noHead.status).toBe(422);
    expect(noHead.data.message).toContain("must have required property 'head'");

    const draftYes = await failure(() =>
      octokit.request('POST /repos/{owner}/{repo}/pulls', { owner, repo, title: 'x', head: 'a', base: 'main', draft: 'yes' } as never),
    );
    expect(draftYes.status).toBe(422);
    expect(draftYes.data.message).toContain('body/draft must be boolean');
    expect(fake.pulls).toEqual([]);

    const badState = await failure(() => octokit.request('GET /repos/{owner}/{repo}/pulls', { owner, repo, state: 'merged' } as never));
    expect(badState.status).toBe(422);

    // Filters GitHub silently ignores are bugs: flagged.
    const unknownFilter = await failure(() => octokit.request('GET /repos/{owner}/{repo}/pulls', { owner, repo, labels: 'augur' } as never));
    expect(unknownFilter.status).toBe(422);
    const bareHead = await failure(() => octokit.rest.pulls.list({ owner, repo, head: 'augur/x' }));
    expect(bareHead.status).toBe(422);

    const unknownRoute = await failure(() => octokit.request('GET /repos/{owner}/{repo}/no-such-thing', { owner, repo }));
    expect(unknownRoute.status).toBe(404);

    const badToken = await failure(() => client(fake, 'wrong').rest.repos.get({ owner, repo }));
    expect(badToken.status).toBe(401);

    expect(fake.violations).toHaveLength(6);
    expect(fake.violations[0]).toMatch(/pulls\/create.*required property 'head'/);
    expect(fake.violations[1]).toMatch(/pulls\/create.*body\/draft must be boolean/);
    expect(fake.violations[2]).toMatch(/pulls\/list.*state must be equal to one of the allowed values/);
    expect(fake.violations[3]).toMatch(/query parameter 'labels' is not defined for pulls\/list/);
    expect(fake.violations[4]).toMatch(/head filter 'augur\/x' must be 'user:ref-name'/);
    expect(fake.violations[5]).toMatch(/no-such-thing: no operation in GitHub's OpenAPI description/);
    expect(fake.requests.map((r) => r.status)).toEqual([422, 422, 422, 422, 422, 404, 401]);
  });

  it('fails responses that violate the OpenAPI description (500 plus a recorded violation)', async () => {
    const fake = await start();
    const octokit = client(fake);
    await octokit.rest.pulls.create({ owner, repo, title: 'ok', head: 'augur/x', base: 'main' });
    const pull = fake.pulls[0];
    if (!pull) throw new Error('no pull');
    pull.created_at = 'yesterday'; // not a date-time: the response must fail the schema
    const res = await failure(() => octokit.rest.pulls.get({ owner, repo, pull_number: 1 }));
    expect(res.status).toBe(500);
    expect(fake.violations).toEqual([expect.stringMatching(/^pulls\/get 200: response\/created_at must match format "date-time"$/)]);
  });

  it('checks head and base branches against a bare repo', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'augur-fake-gh-'));
    tempDirs.push(dir);
    const bare = join(dir, 'remote.git');
    const work = join(dir, 'work');
    const git = (cwd: string, ...args: string[]): string =>
      execFileSync('git', ['-c', 'user.name=Test', '-c', 'user.email=test@example.com', '-c', 'commit.gpgsign=false', ...args], {
        cwd,
        encoding: 'utf8',
      }).trim();
    git(dir, 'init', '--quiet', '--bare', '--initial-branch=main', bare);
    git(dir, 'init', '--quiet', '--initial-branch=main', work);
    writeFileSync(join(work, 'deploy.yaml'), 'replicas: 2\n');
    git(work, 'add', '.');
    git(work, 'commit', '--quiet', '-m', 'init');
    git(work, 'remote', 'add', 'origin', bare);
    git(work, 'push', '--quiet', 'origin', 'main');
    git(work, 'checkout', '--quiet', '-b', 'augur/scale-api');
    writeFileSync(join(work, 'deploy.yaml'), 'replicas: 5\n');
    git(work, 'commit', '--quiet', '-am', 'scale');
    git(work, 'push', '--quiet', 'origin', 'augur/scale-api');
    const headSha = git(work, 'rev-parse', 'HEAD');

    const fake = await start({ bareRepo: bare });
    const octokit = client(fake);

    const missingHead = await failure(() =>
      octokit.rest.pulls.create({ owner, repo, title: 'x', head: 'augur/missing', base: 'main' }),
    );
    expect(missingHead.status).toBe(422);
    expect(missingHead.data.errors).toEqual([{ resource: 'PullRequest', field: 'head', code: 'invalid' }]);

    const missingBase = await failure(() =>
      octokit.rest.pulls.create({ owner, repo, title: 'x', head: 'augur/scale-api', base: 'release' }),
    );
    expect(missingBase.status).toBe(422);
    expect(missingBase.data.errors).toEqual([{ resource: 'PullRequest', field: 'base', code: 'invalid' }]);

    const noCommits = await failure(() => octokit.rest.pulls.create({ owner, repo, title: 'x', head: 'main', base: 'main' }));
    expect(noCommits.status).toBe(422);

    const pr = await octokit.rest.pulls.create({ owner, repo, title: 'Scale api', head: `${owner}:augur/scale-api`, base: 'main' });
    expect(pr.status).toBe(201);
    expect(pr.data.head.sha).toBe(headSha);
    expect(pr.data.base.sha).toBe(git(work, 'rev-parse', 'main'));
    expect(fake.pulls[0]).toMatchObject({ head: 'augur/scale-api', base: 'main', head_sha: headSha });

    const badBase = await failure(() => octokit.rest.pulls.update({ owner, repo, pull_number: pr.data.number, base: 'nope' }));
    expect(badBase.status).toBe(422);
    expect(fake.pulls[0]?.base).toBe('main');

    // A new push to the branch shows up as the PR's head SHA.
    writeFileSync(join(work, 'deploy.yaml'), 'replicas: 6\n');
    git(work, 'commit', '--quiet', '-am', 'rescale');
    git(work, 'push', '--quiet', 'origin', 'augur/scale-api');
    const refreshed = await octokit.rest.pulls.get({ owner, repo, pull_number: pr.data.number });
    expect(refreshed.data.head.sha).toBe(git(work, 'rev-parse', 'HEAD'));

    // Business-rule 422s are GitHub behaviour, not schema violations.
    expect(fake.violations).toEqual([]);
  });

  it('loads the spec once and compiles validators lazily per operation', () => {
    const t = githubSpecTimings();
    expect(t.loadMs).toBeGreaterThan(0);
    expect(t.prepareMs).toBeGreaterThan(0);
    expect(Object.keys(t.compileMs)).toContain('pulls/create');
    expect(Object.keys(t.compileMs)).not.toContain('repos/list-branches');
    // eslint-disable-next-line no-console
    console.log(
      `github spec: load ${t.loadMs} ms, prepare ${t.prepareMs} ms, compile ${Math.round(
        Object.values(t.compileMs).reduce((a, b) => a + b, 0),
      )} ms for ${Object.keys(t.compileMs).length} operations`,
    );
  });
});
