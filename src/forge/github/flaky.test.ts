// The GitHub forge against a flaky forge: the OpenAPI-checked GitHub server (test/support), with a
// fault proxy in front of it where a real server does not misbehave on demand. Each test failed
// before the fix it names.
import { afterEach, describe, expect, it } from 'vitest';
import { RetryBudget } from '../../domain/budget.js';
import type { ProposalMeta } from '../../domain/forge.js';
import { renderMeta } from '../meta.js';
import { startFaultProxy, type FaultProxy } from '../../../test/support/fault-proxy.js';
import { startFakeGitHub, type FakeGitHub, type FakePull } from '../../../test/support/github-api.js';
import { GitHubForge } from './client.js';

const running: (FakeGitHub | FaultProxy)[] = [];
afterEach(async () => {
  for (const s of running.splice(0).reverse()) await s.close();
});

async function github(): Promise<FakeGitHub> {
  const gh = await startFakeGitHub({ owner: 'acme', repo: 'manifests' });
  running.push(gh);
  return gh;
}

const iso = (unix: number) => new Date(unix * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');

function meta(key: string): ProposalMeta {
  return { v: 1, key, targets: [`Deployment/${key}`], fingerprint: `fp-${key}`, changes: [], cost: { cores: 0, memoryGiB: 0, monthly: 0, currency: 'USD' }, at: 0 } as ProposalMeta;
}

/** A closed PR as GitHub holds it; `updated` may be later than `closed` (a comment, a label...). */
function closedPull(number: number, head: string, body: string | null, closed: number, updated: number): FakePull {
  return {
    number,
    title: `PR ${number}`,
    body,
    state: 'closed',
    merged: false,
    merged_at: null,
    head,
    base: 'main',
    head_sha: 'a'.repeat(40),
    draft: false,
    labels: [],
    requested_reviewers: [],
    requested_teams: [],
    maintainer_can_modify: false,
    user: 'someone',
    created_at: iso(closed - 86_400),
    updated_at: iso(updated),
    closed_at: iso(closed),
  };
}

describe('listPullRequests: closed PRs', () => {
  it('a rejection on a later page is found although an old PR commented on today ends the first page', async () => {
    const gh = await github();
    const now = Math.floor(Date.now() / 1000);
    const day = 86_400;
    // Two human PRs closed weeks ago but updated in the last hours: they sort first by `updated`.
    gh.pulls.push(closedPull(1, 'fix-typo', 'a typo', now - 60 * day, now - 3600));
    gh.pulls.push(closedPull(2, 'bump-deps', 'deps', now - 40 * day, now - 7200));
    // Augur's PR, rejected by a reviewer two days ago: on page 2.
    gh.pulls.push(closedPull(3, 'augur/shop/web', `Proposal\n\n${renderMeta(meta('shop/web'))}\n`, now - 2 * day, now - 2 * day));
    const forge = new GitHubForge({ owner: 'acme', repo: 'manifests', apiUrl: gh.url, token: 'test-token', perPage: 2 });
    const prs = await forge.listPullRequests(now - 7 * day);
    expect(prs.map((p) => [p.number, p.state, p.merged])).toEqual([[3, 'closed', false]]);
    expect(gh.violations).toEqual([]);
  });
});

describe('listPullRequests: PRs from forks', () => {
  it('a PR from a fork, on a branch named like an Augur branch with a copied metadata block, is not one of Augur\'s', async () => {
    const gh = await github();
    const now = Math.floor(Date.now() / 1000);
    const body = (key: string) => `Proposal\n\n${renderMeta(meta(key))}\n`;
    // Augur's own PR, and two from mallory's fork: one open, one closed by mallory (no reviewer's rejection).
    gh.pulls.push({ ...closedPull(1, 'augur/shop/api', body('shop/api'), now, now), state: 'open', closed_at: null });
    gh.pulls.push({ ...closedPull(2, 'augur/shop/web', body('shop/web'), now, now), state: 'open', closed_at: null, user: 'mallory' });
    gh.pulls.push({ ...closedPull(3, 'augur/shop/db', body('shop/db'), now - 60, now - 60), user: 'mallory' });
    const proxy = await startFaultProxy(gh.url);
    running.push(proxy);
    // The fake serves one repository: the proxy makes PRs 2 and 3 come from the fork, as GitHub reports them.
    proxy.add({
      method: 'GET',
      path: /\/pulls$/,
      fault: {
        kind: 'rewrite',
        rewrite: (a) => {
          const list = JSON.parse(a.body) as { number: number; head: { label: string; user: { login: string }; repo: Record<string, unknown> } }[];
          for (const p of list.filter((x) => x.number !== 1)) {
            p.head.label = p.head.label.replace(/^acme:/, 'mallory:');
            p.head.user = { ...p.head.user, login: 'mallory' };
            p.head.repo = { ...p.head.repo, id: 4242, full_name: 'mallory/manifests', owner: { ...(p.head.repo.owner as object), login: 'mallory' } };
          }
          return { ...a, body: JSON.stringify(list) };
        },
      },
    });
    const forge = new GitHubForge({ owner: 'acme', repo: 'manifests', apiUrl: proxy.url, token: 'test-token' });
    const prs = await forge.listPullRequests(now - 3600);
    expect(prs.map((p) => [p.number, p.branch])).toEqual([[1, 'augur/shop/api']]);
    expect(gh.violations).toEqual([]);
  });
});

describe('secrets never print', () => {
  it('a token that fetch refuses as a header value is not quoted in the error or the retry warnings', async () => {
    const gh = await github();
    // A token file with a second line: trimmed at its ends, the newline inside stays.
    const token = 'ghp_0123456789abcdefghijABCDEFGHIJ0123\nsecond-line';
    const warnings: string[] = [];
    const forge = new GitHubForge({ owner: 'acme', repo: 'manifests', apiUrl: gh.url, token, budget: new RetryBudget(2, 5_000), backoffMs: 1, warn: (m) => warnings.push(m) });
    const err = await forge.listPullRequests(0).then(() => undefined, (e: unknown) => e as Error);
    expect(err?.message).toMatch(/^GitHub API GET \/repos\/acme\/manifests\/pulls failed/);
    for (const text of [err!.message, ...warnings]) {
      expect(text).not.toContain('ghp_0123456789');
      expect(text).not.toContain('second-line');
    }
  });
});

describe('upsertDashboard', () => {
  it('a dashboard over GitHub\'s 65,536-character limit is cut to fit, its marker kept', async () => {
    const gh = await github();
    const forge = new GitHubForge({ owner: 'acme', repo: 'manifests', apiUrl: gh.url, token: 'test-token' });
    // A large fleet: one table row per target.
    const rows = Array.from({ length: 900 }, (_, i) => `| \`shop/web-${i}\` | ✅ propose | replicas 2 → 3<br>cpu.request 250m → 300m | — |`);
    const body = ['| Workload | Decision | Changes | PR |', '|---|---|---|---|', ...rows].join('\n');
    expect(body.length).toBeGreaterThan(65_536);
    for (let cycle = 0; cycle < 2; cycle++) await forge.upsertDashboard('Augur dashboard', body);
    const writes = gh.requests.filter((r) => r.operationId === 'issues/create' || r.operationId === 'issues/update');
    expect(writes.map((r) => r.operationId)).toEqual(['issues/create', 'issues/update']);
    for (const w of writes) expect(((w.body as { body: string }).body).length).toBeLessThanOrEqual(65_536);
    // Found again by its marker: one dashboard, rewritten in place.
    expect(gh.issues).toHaveLength(1);
    expect(gh.issues[0]!.body).toContain('<!-- augur:dashboard augur-dashboard -->');
    expect(gh.issues[0]!.body).toContain('shop/web-0`');
    expect(gh.violations).toEqual([]);
  });
});

