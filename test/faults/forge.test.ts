// The faults a real forge throws, end to end: a real Prometheus, real git against a bare
// repository, the OpenAPI-checked GitHub server, and a fault-injecting proxy in front of it for
// what a real server does not do on demand (hang, cut a page, lose an answer after acting).
// Each test failed before the fix it names.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CycleAbandonedError } from '../../src/agent/cycle.js';
import { parseMeta } from '../../src/forge/meta.js';
import { branches, branchSha, pushFiles, showFile } from '../support/git.js';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.js';
import type { RunningPrometheus } from '../support/prometheus.js';
import { startWebPrometheus, startWorld, type RunOptions, type World } from '../support/world.js';
import { execFileSync } from 'node:child_process';

let prom: RunningPrometheus;
let now: number;
const cleanup: (() => Promise<void>)[] = [];

beforeAll(async () => {
  ({ prom, now } = await startWebPrometheus());
}, 120_000);

afterAll(async () => {
  for (const c of cleanup.splice(0)) await c();
  await prom?.stop();
});

/** A world whose GitHub is reached through a fault proxy; `opts` is what every cycle of it uses. */
async function faulty(): Promise<{ w: World; proxy: FaultProxy; opts: (extra?: RunOptions) => RunOptions }> {
  const w = await startWorld(prom.url, now);
  const proxy = await startFaultProxy(w.github.url);
  cleanup.push(() => proxy.close(), () => w.github.close());
  const opts = (extra: RunOptions = {}): RunOptions => ({
    ...extra,
    forge: { apiUrl: proxy.url, timeout: '2s', ...extra.forge },
    top: { retries: { budget: 2, maxWait: '5s' }, ...extra.top },
  });
  return { w, proxy, opts };
}

const SURGE: RunOptions = { web: 'web-surge', policy: { maxStepPercent: { up: 400, down: 30 } } };
const writes = (w: World) => w.github.requests.filter((r) => r.method !== 'GET');

describe('every GitHub call has a time limit and a bounded retry budget', () => {
  it('a list call that never answers fails the cycle in seconds, naming GitHub, and writes nothing', async () => {
    const { w, proxy, opts } = await faulty();
    proxy.add({ method: 'GET', path: /\/pulls$/, fault: { kind: 'hang' } });
    const started = Date.now();
    const err = await w.runOnce(opts()).then(() => undefined, (e: unknown) => e as Error);
    expect(err?.message).toMatch(/^GitHub API GET \/repos\/acme\/manifests\/pulls failed: no answer within 2 s \(forge\.timeout\); the cycle's retry budget \(retries\.budget: 2\) is used up/);
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(proxy.seen.filter((r) => r.path.endsWith('/pulls'))).toHaveLength(3); // the call and its 2 retries
    expect(writes(w)).toEqual([]);
    expect(branches(w.bare)).toEqual(['main']);
  });

  it('a Retry-After longer than retries.maxWait is not waited for; the error says so', async () => {
    const { w, proxy, opts } = await faulty();
    proxy.add({ method: 'GET', path: /\/pulls$/, fault: { kind: 'reply', status: 403, headers: { 'retry-after': '900' }, body: JSON.stringify({ message: 'You have exceeded a secondary rate limit.' }) } });
    const started = Date.now();
    await expect(w.runOnce(opts())).rejects.toThrow(/GitHub API GET .*\/pulls failed: secondary rate limit .*; asked to wait 900 s, more than retries\.maxWait \(5 s\): not waiting this cycle/);
    expect(Date.now() - started).toBeLessThan(10_000);
    proxy.clear();
    const reset = Math.floor(Date.now() / 1000) + 3600;
    proxy.add({ method: 'GET', path: /\/pulls$/, fault: { kind: 'reply', status: 403, headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(reset) }, body: JSON.stringify({ message: 'API rate limit exceeded for user.' }) } });
    await expect(w.runOnce(opts())).rejects.toThrow(/rate limit exhausted until its reset .*asked to wait 3[56]\d\d s, more than retries\.maxWait/);
    expect(writes(w)).toEqual([]);
  });

  it('a short Retry-After is waited for from the budget, and the cycle goes on', async () => {
    const { w, proxy, opts } = await faulty();
    proxy.add({ method: 'GET', path: /\/pulls$/, times: 1, fault: { kind: 'reply', status: 429, headers: { 'retry-after': '1' }, body: JSON.stringify({ message: 'Too many requests' }) } });
    const report = await w.runOnce(opts());
    expect(report.proposals[0]?.action).toBe('opened');
    expect(w.github.pulls).toHaveLength(1);
    expect(w.github.violations).toEqual([]);
  });

  it('a cycle past schedule.cycleTimeout is abandoned; the next one finishes the work without a duplicate', async () => {
    const { w, proxy, opts } = await faulty();
    proxy.add({ method: 'POST', path: /\/pulls$/, fault: { kind: 'hang' } });
    const started = Date.now();
    const err = await w.runOnce(opts({ forge: { timeout: '60s' }, top: { schedule: { cycleTimeout: '8s' } } })).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(CycleAbandonedError);
    expect((err as Error).message).toMatch(/^cycle abandoned: it ran past schedule\.cycleTimeout \(8 s\)/);
    expect(Date.now() - started).toBeLessThan(30_000);
    // The branch was pushed before the PR call hung: the next cycle opens the PR for it, no new push.
    const sha = branchSha(w.bare, 'augur/shop/web');
    expect(sha).toBeDefined();
    proxy.clear();
    const report = await w.runOnce(opts());
    expect(report.proposals[0]?.action).toBe('opened');
    expect(branchSha(w.bare, 'augur/shop/web')).toBe(sha);
    expect(w.github.pulls).toHaveLength(1);
    expect(w.github.violations).toEqual([]);
  });

  it('GitHub errors say they came from GitHub, and every request names Augur and its version', async () => {
    const { w, proxy, opts } = await faulty();
    proxy.add({ method: 'POST', path: /\/pulls$/, fault: { kind: 'reply', status: 422, body: JSON.stringify({ message: 'Validation Failed', errors: [{ resource: 'PullRequest', code: 'custom', message: 'protected branch' }] }) } });
    const report = await w.runOnce(opts());
    expect(report.outcomes[0]!.error).toMatch(/GitHub API POST \/repos\/acme\/manifests\/pulls failed: HTTP 422: Validation Failed \(protected branch\)/);
    const version = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
    expect(proxy.seen.length).toBeGreaterThan(3);
    for (const r of proxy.seen) expect(r.headers['user-agent']).toMatch(new RegExp(`^augur/${version.replace(/\./g, '\\.')} `));
  });
});

describe('lists are complete or the cycle writes nothing', () => {
  /** A PR opened, then closed by a reviewer: the next cycle must see it to back off. */
  async function rejected() {
    const f = await faulty();
    await f.w.runOnce(f.opts());
    const pr = f.w.github.pulls[0]!;
    Object.assign(pr, { state: 'closed', closed_at: new Date(now * 1000 - 3600_000).toISOString().replace(/\.\d{3}Z$/, 'Z') });
    // Without a fault, the back-off holds: nothing is reopened.
    const held = await f.w.runOnce(f.opts());
    expect(held.outcomes[0]!.decision?.verdict).toBe('hold');
    return { ...f, sha: branchSha(f.w.bare, 'augur/shop/web') };
  }
  const closedList = /\/pulls$/;
  const isClosedList = (r: { query: Record<string, string> }) => r.query.state === 'closed';

  it.each([
    ['a page cut off mid-answer', (a: { body: string }) => ({ ...a, body: a.body.slice(0, Math.floor(a.body.length / 2)) }), /page 1: the answer is not a list of pull requests but text/],
    ['an object instead of a list', (a: { body: string }) => ({ ...a, body: JSON.stringify({ message: 'Server busy' }) }), /page 1: the answer is not a list of pull requests but an object with keys message/],
    [
      'a page shorter than per_page while more follow',
      (a: { body: string; headers: Record<string, string> }) => ({ ...a, body: '[]', headers: { ...a.headers, link: '<http://x/repos/acme/manifests/pulls?state=closed&page=2>; rel="next", <http://x/repos/acme/manifests/pulls?state=closed&page=2>; rel="last"' } }),
      /page 1: 0 pull requests on a page of 100 while more pages follow: the page was cut short/,
    ],
  ])('%s stops the cycle before it writes (a closed PR is not reopened)', async (_name, rewrite, message) => {
    const { w, proxy, opts, sha } = await rejected();
    const before = writes(w).length;
    proxy.add({ method: 'GET', path: closedList, when: isClosedList, fault: { kind: 'rewrite', rewrite: (a) => ({ status: 200, ...rewrite(a as never) }) as never } });
    await expect(w.runOnce(opts())).rejects.toThrow(message);
    expect(writes(w).slice(before)).toEqual([]);
    expect(w.github.pulls.filter((p) => p.state === 'open')).toHaveLength(0);
    expect(branchSha(w.bare, 'augur/shop/web')).toBe(sha);
  });
});

describe('after a write, read back and reconcile', () => {
  it('a lost PR update leaves branch and description apart; the next cycle makes them agree', async () => {
    const { w, proxy, opts } = await faulty();
    await w.runOnce(opts());
    const pr = w.github.pulls[0]!;
    const hpaA = showFile(w.bare, 'augur/shop/web', 'apps/web/hpa.yaml');
    // New numbers: the push succeeds, the PR update is lost.
    const lost = proxy.add({ method: 'PATCH', path: /\/pulls\/\d+$/, fault: { kind: 'reply', status: 500, body: JSON.stringify({ message: 'Server Error' }) } });
    const failed = await w.runOnce(opts(SURGE));
    expect(failed.outcomes[0]!.error).toMatch(/GitHub API PATCH \/repos\/acme\/manifests\/pulls\/\d+ failed: HTTP 500/);
    expect(showFile(w.bare, 'augur/shop/web', 'apps/web/hpa.yaml')).not.toBe(hpaA);
    expect(pr.body).not.toContain('web-surge');
    proxy.clear();
    expect(proxy.hits.get(lost)).toBeGreaterThan(0);
    // The data are back to the first values: the PR body says so already, the branch does not.
    const back = await w.runOnce(opts());
    expect(back.proposals[0]?.action).toBe('updated');
    expect(showFile(w.bare, 'augur/shop/web', 'apps/web/hpa.yaml')).toBe(hpaA);
    expect(trailerOf(w.bare, 'augur/shop/web')).toBe(parseMeta(pr.body)!.fingerprint);
    // And the other way: the branch right, the description stale: only the description is rewritten.
    proxy.add({ method: 'PATCH', path: /\/pulls\/\d+$/, fault: { kind: 'reply', status: 500, body: JSON.stringify({ message: 'Server Error' }) } });
    await w.runOnce(opts(SURGE));
    proxy.clear();
    const sha = branchSha(w.bare, 'augur/shop/web');
    const fixed = await w.runOnce(opts(SURGE));
    expect(fixed.proposals[0]?.action).toBe('updated');
    expect(branchSha(w.bare, 'augur/shop/web')).toBe(sha);
    expect(pr.body).toContain('web-surge');
    expect(trailerOf(w.bare, 'augur/shop/web')).toBe(parseMeta(pr.body)!.fingerprint);
    expect(w.github.pulls).toHaveLength(1);
    expect(w.github.violations).toEqual([]);
  });

  it('a lost PR-create answer adopts the PR GitHub made, with its labels and reviewers', async () => {
    const { w, proxy, opts } = await faulty();
    proxy.add({ method: 'POST', path: /\/pulls$/, times: 1, fault: { kind: 'lose', status: 502 } });
    const report = await w.runOnce(opts());
    expect(report.outcomes[0]!.error).toBeUndefined();
    expect(report.proposals[0]?.action).toBe('opened');
    expect(w.github.pulls).toHaveLength(1);
    expect(w.github.pulls[0]!.labels).toEqual(['augur']);
    expect(w.github.pulls[0]!.requested_reviewers).toEqual(['oncall']);
    expect(w.github.violations).toEqual([]);
  });

  it('labels and reviewers that failed at create are added on the next cycle, not requested again once reviewed', async () => {
    const { w, proxy, opts } = await faulty();
    proxy.add({ method: 'POST', path: /\/issues\/\d+\/labels$|\/requested_reviewers$/, fault: { kind: 'reply', status: 500, body: JSON.stringify({ message: 'Server Error' }) } });
    await w.runOnce(opts());
    const pr = w.github.pulls[0]!;
    expect(pr.labels).toEqual([]);
    expect(pr.requested_reviewers).toEqual([]);
    proxy.clear();
    await w.runOnce(opts());
    expect(pr.labels).toEqual(['augur']);
    expect(pr.requested_reviewers).toEqual(['oncall']);
    // Once the reviewer has reviewed, GitHub no longer lists them as requested: not asked again.
    w.github.review(pr.number, 'oncall', 'COMMENTED');
    const before = w.github.requests.filter((r) => r.operationId === 'pulls/request-reviewers').length;
    await w.runOnce(opts());
    expect(w.github.requests.filter((r) => r.operationId === 'pulls/request-reviewers')).toHaveLength(before);
    expect(w.github.violations).toEqual([]);
  });

  it('the dashboard is found by its marker: a lost create answer and old duplicates leave one open', async () => {
    const { w, proxy, opts } = await faulty();
    proxy.add({ method: 'POST', path: /\/repos\/acme\/manifests\/issues$/, times: 1, fault: { kind: 'lose', status: 500 } });
    const report = await w.runOnce(opts());
    expect(report.dashboard).toMatch(/\/issues\/\d+$/);
    const open = () => w.github.issues.filter((i) => i.state === 'open' && i.title === 'Augur dashboard');
    expect(open()).toHaveLength(1);
    expect(open()[0]!.body).toContain('<!-- augur:dashboard augur-dashboard -->');
    // Two dashboards (as a retried create used to leave): the newer is closed as a duplicate.
    const twin = { ...open()[0]!, number: 900, labels: ['augur'] };
    w.github.issues.push(twin);
    await w.runOnce(opts());
    expect(open().map((i) => i.number)).toEqual([open()[0]!.number]);
    expect(w.github.issues.find((i) => i.number === 900)).toMatchObject({ state: 'closed', state_reason: 'duplicate' });
    expect(w.github.violations).toEqual([]);
  });
});

describe("someone else's commit on an Augur branch", () => {
  it('stops Augur from touching the branch, says so once on the PR and on the dashboard, until the branch is Augur\'s again', async () => {
    const { w, opts } = await faulty();
    await w.runOnce(opts());
    const pr = w.github.pulls[0]!;
    pushFiles(w.bare, { 'apps/web/NOTES.md': 'keep the floor at 2 during the sale\n' }, 'Keep the floor during the sale', 'augur/shop/web');
    const human = branchSha(w.bare, 'augur/shop/web');
    const report = await w.runOnce(opts(SURGE));
    expect(branchSha(w.bare, 'augur/shop/web')).toBe(human);
    expect(pr.body).not.toContain('web-surge');
    expect(report.outcomes[0]!.branchBlocked).toMatchObject({ branch: 'augur/shop/web', sha: human, author: 'Test <test@example.com>', pr: pr.number });
    const comments = () => w.github.comments.filter((c) => c.issue_number === pr.number);
    expect(comments()).toHaveLength(1);
    expect(comments()[0]!.body).toMatch(/^Augur leaves this branch alone: Test <test@example.com> committed [0-9a-f]{7} \("Keep the floor during the sale"\)/);
    expect(w.github.issues.find((i) => i.title === 'Augur dashboard')!.body).toContain('## Branches changed by someone else');
    // Not closed either when its change is no longer needed, and said only once.
    const unneeded = await w.runOnce(opts({ policy: { allowedChanges: ['schedule'] } }));
    expect(unneeded.outcomes[0]!.decision?.verdict).toBe('unchanged');
    expect(unneeded.closed).toEqual([]);
    expect(pr.state).toBe('open');
    expect(comments()).toHaveLength(1);
    // The branch deleted: Augur's again, proposed afresh.
    execFileSync('git', ['--git-dir', w.bare, 'branch', '-D', 'augur/shop/web']);
    await w.runOnce(opts(SURGE));
    expect(branchSha(w.bare, 'augur/shop/web')).toBeDefined();
    expect(branchSha(w.bare, 'augur/shop/web')).not.toBe(human);
    expect(w.github.violations).toEqual([]);
  });
});

function trailerOf(bare: string, branch: string): string {
  return execFileSync('git', ['--git-dir', bare, 'log', '-1', '--format=%(trailers:key=Augur-Fingerprint,valueonly)', branch], { encoding: 'utf8' }).trim();
}
