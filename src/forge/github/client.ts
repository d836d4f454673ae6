// GitHub (and GitHub Enterprise) through @octokit/rest. The calls themselves (time limits, retries
// from the cycle's budget, capped rate-limit waits, errors naming GitHub) are in http.ts; lists are
// read whole or not at all (pages.ts). After a write whose answer may be lost, what exists is read
// back: a PR already open for the branch is adopted, a dashboard is found by its marker.
import { parseMeta } from '../meta.js';
import { noRetries, type RetryBudget } from '../../domain/budget.js';
import type { Forge, OpenPullRequest, PullRequestExtras, PullRequestInfo } from '../../domain/forge.js';
import { createOctokit, GitHubError, type GitHubOctokit } from './http.js';
import { isComment, isIssue, isLabel, isPull, isReview, listAll, type IssueItem, type PullItem } from './pages.js';

export interface GitHubForgeOptions {
  owner: string;
  repo: string;
  apiUrl: string;
  token: string;
  /** Logger for retries and rate-limit waits. */
  warn?: (msg: string) => void;
  /** Time limit of one request, in milliseconds. Default 30 s. */
  timeoutMs?: number;
  /** The cycle's retries, longest wait and deadline. Default: no retries. */
  budget?: RetryBudget;
  /** Items per page of a list (GitHub's maximum is 100). */
  perPage?: number;
  /** First retry backoff in milliseconds (tests lower it). */
  backoffMs?: number;
}

export class GitHubForge implements Forge {
  readonly name: string;
  readonly revertHint = "GitHub's **Revert** button";
  private readonly octokit: GitHubOctokit;
  private readonly repoRef: { owner: string; repo: string };
  private readonly perPage: number;
  private readonly warn: (msg: string) => void;

  constructor(opts: GitHubForgeOptions) {
    this.warn = opts.warn ?? (() => {});
    this.name = `github ${opts.owner}/${opts.repo}`;
    this.repoRef = { owner: opts.owner, repo: opts.repo };
    this.perPage = opts.perPage ?? 100;
    this.octokit = createOctokit({
      apiUrl: opts.apiUrl,
      token: opts.token,
      timeoutMs: opts.timeoutMs ?? 30_000,
      budget: opts.budget ?? noRetries(),
      warn: opts.warn ?? (() => {}),
      ...(opts.backoffMs !== undefined ? { backoffMs: opts.backoffMs } : {}),
    });
  }

  async listPullRequests(closedSince: number): Promise<PullRequestInfo[]> {
    const list = (state: 'open' | 'closed', extra: Record<string, unknown> = {}, enough?: (page: PullItem[]) => boolean) =>
      listAll(this.octokit, { route: 'GET /repos/{owner}/{repo}/pulls', params: { ...this.repoRef, state, ...extra }, perPage: this.perPage, check: isPull, what: 'pull request', ...(enough ? { enough } : {}) });
    const open = await list('open');
    // Closed PRs, most recently updated first, until they were last updated before the look-back
    // (closing updates a PR, so the rest closed before it too). An old PR updated today (a comment,
    // a label) says nothing about the ones after it.
    const closed = await list('closed', { sort: 'updated', direction: 'desc' }, (page) => {
      const last = page[page.length - 1]!;
      return Date.parse(last.updated_at ?? last.closed_at ?? last.created_at) / 1000 < closedSince;
    });
    return [...open, ...closed]
      .filter((p) => parseMeta(p.body) !== undefined && fromThisRepository(p))
      .filter((p) => p.state === 'open' || toUnix(p.closed_at)! >= closedSince)
      .map((p) => toInfo(p));
  }

  async openPullRequest(pr: OpenPullRequest): Promise<PullRequestInfo> {
    let created: PullRequestInfo;
    try {
      const { data } = await this.octokit.rest.pulls.create({ ...this.repoRef, head: pr.branch, base: pr.base, title: pr.title, body: pr.body, draft: pr.draft, maintainer_can_modify: true });
      created = toInfo(expectPull(data, 'POST /pulls'));
    } catch (err) {
      // The PR may exist: an earlier answer was lost, or this one. Read back before giving up.
      const found = await this.openFor(pr.branch);
      if (!found) throw err;
      await this.updatePullRequest(found.number, { title: pr.title, body: pr.body });
      created = { ...found, title: pr.title, body: pr.body };
    }
    try {
      await this.ensurePullRequestExtras({ ...created, labels: created.labels ?? [], requestedReviewers: created.requestedReviewers ?? [], requestedTeams: created.requestedTeams ?? [] }, pr);
    } catch (err) {
      // The PR exists; the next cycle adds what is missing (ensurePullRequestExtras every cycle).
      this.warn(`PR #${created.number} opened without all its labels or reviewers, added next cycle: ${err instanceof Error ? err.message : String(err)}`);
    }
    return created;
  }

  /** The open PR from `branch` of this repository, read back from GitHub. */
  private async openFor(branch: string): Promise<PullRequestInfo | undefined> {
    const open = await listAll(this.octokit, {
      route: 'GET /repos/{owner}/{repo}/pulls',
      params: { ...this.repoRef, state: 'open', head: `${this.repoRef.owner}:${branch}` },
      perPage: this.perPage,
      check: isPull,
      what: 'pull request',
    });
    const p = open.find((x) => x.head.ref === branch);
    return p ? toInfo(p) : undefined;
  }

  async ensurePullRequestExtras(pr: PullRequestInfo, want: PullRequestExtras): Promise<string[]> {
    const added: string[] = [];
    const missing = want.labels.filter((l) => !(pr.labels ?? []).some((x) => x.toLowerCase() === l.toLowerCase()));
    if (missing.length > 0) {
      await this.ensureLabels(missing);
      await this.octokit.rest.issues.addLabels({ ...this.repoRef, issue_number: pr.number, labels: missing });
      added.push(...missing.map((l) => `label ${l}`));
    }
    const asked = (pr.requestedReviewers?.length ?? 0) + (pr.requestedTeams?.length ?? 0);
    if ((want.reviewers.length > 0 || want.teamReviewers.length > 0) && asked === 0 && !(await this.reviewed(pr.number))) {
      await this.octokit.rest.pulls.requestReviewers({ ...this.repoRef, pull_number: pr.number, reviewers: want.reviewers, team_reviewers: want.teamReviewers });
      added.push(...want.reviewers.map((r) => `reviewer ${r}`), ...want.teamReviewers.map((t) => `team ${t}`));
    }
    return added;
  }

  private async reviewed(number: number): Promise<boolean> {
    const reviews = await listAll(this.octokit, { route: 'GET /repos/{owner}/{repo}/pulls/{pull_number}/reviews', params: { ...this.repoRef, pull_number: number }, perPage: this.perPage, check: isReview, what: 'review' });
    return reviews.length > 0;
  }

  async updatePullRequest(number: number, update: { title: string; body: string }): Promise<void> {
    await this.octokit.rest.pulls.update({ ...this.repoRef, pull_number: number, title: update.title, body: update.body });
  }

  async commentOnPullRequest(number: number, comment: string, body: string): Promise<void> {
    await this.commentOnce(number, comment);
    await this.octokit.rest.pulls.update({ ...this.repoRef, pull_number: number, body });
  }

  async closePullRequest(number: number, comment: string, body: string): Promise<void> {
    await this.commentOnce(number, comment);
    await this.octokit.rest.pulls.update({ ...this.repoRef, pull_number: number, state: 'closed', body });
  }

  /**
   * Posts the comment unless the PR has it already: a cycle stopped between the comment and the
   * write after it (which records that it was said) says it again next cycle, but only once.
   */
  private async commentOnce(number: number, comment: string): Promise<void> {
    const comments = await listAll(this.octokit, { route: 'GET /repos/{owner}/{repo}/issues/{issue_number}/comments', params: { ...this.repoRef, issue_number: number }, perPage: this.perPage, check: isComment, what: 'comment' });
    if (comments.some((c) => (c.body ?? '').trim() === comment.trim())) return;
    await this.octokit.rest.issues.createComment({ ...this.repoRef, issue_number: number, body: comment });
  }

  async upsertDashboard(title: string, body: string): Promise<string> {
    const marker = dashboardMarker(title);
    const text = `${fitBody(body, marker.length + 3)}\n\n${marker}\n`;
    let found = await this.dashboards(title, marker);
    if (found.length === 0) {
      await this.ensureLabels(['augur']);
      try {
        const { data } = await this.octokit.rest.issues.create({ ...this.repoRef, title, body: text, labels: ['augur'] });
        return expectIssue(data, 'POST /issues').html_url;
      } catch (err) {
        // The answer may be lost after GitHub created it: look again before giving up.
        found = await this.dashboards(title, marker);
        if (found.length === 0) throw err;
      }
    }
    const [keep, ...duplicates] = found.sort((a, b) => a.number - b.number);
    for (const d of duplicates) {
      await this.octokit.rest.issues.update({ ...this.repoRef, issue_number: d.number, state: 'closed', state_reason: 'duplicate', body: `Duplicate of #${keep!.number}, the Augur dashboard.\n` });
    }
    const { data } = await this.octokit.rest.issues.update({ ...this.repoRef, issue_number: keep!.number, title, body: text });
    return expectIssue(data, 'PATCH /issues').html_url;
  }

  /** Open dashboard issues of this title (by marker; by exact title for one written before markers). */
  private async dashboards(title: string, marker: string): Promise<IssueItem[]> {
    const issues = await listAll(this.octokit, { route: 'GET /repos/{owner}/{repo}/issues', params: { ...this.repoRef, state: 'open', labels: 'augur' }, perPage: this.perPage, check: isIssue, what: 'issue' });
    return issues.filter((i) => !i.pull_request && ((i.body ?? '').includes(marker) || (i.title === title && !(i.body ?? '').includes('<!-- augur:dashboard '))));
  }

  private labelsKnown = new Set<string>();
  private async ensureLabels(labels: string[]): Promise<void> {
    const missing = labels.filter((l) => !this.labelsKnown.has(l.toLowerCase()));
    if (missing.length === 0) return;
    const existing = await listAll(this.octokit, { route: 'GET /repos/{owner}/{repo}/labels', params: { ...this.repoRef }, perPage: this.perPage, check: isLabel, what: 'label' });
    for (const l of existing) this.labelsKnown.add(l.name.toLowerCase());
    for (const name of missing.filter((l) => !this.labelsKnown.has(l.toLowerCase()))) {
      try {
        await this.octokit.rest.issues.createLabel({ ...this.repoRef, name, color: '5319e7', description: 'Proposed by Augur' });
      } catch (err) {
        // Created meanwhile (or by a create whose answer was lost): that is what was wanted.
        if (!(err instanceof GitHubError && err.status === 422)) throw err;
      }
      this.labelsKnown.add(name.toLowerCase());
    }
  }
}

/** The hidden line that identifies a dashboard issue (one per title: per instance and shard). */
export function dashboardMarker(title: string): string {
  const slug = title.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
  return `<!-- augur:dashboard ${slug} -->`;
}

/** GitHub refuses an issue body over 65,536 characters (JavaScript's length counts no fewer). */
const BODY_LIMIT = 65_536;

/** The body cut at a line end, with a note, so that `reserve` more characters stay under GitHub's limit. */
function fitBody(body: string, reserve: number): string {
  if (body.length + reserve <= BODY_LIMIT) return body;
  const note = "\n\n_The rest is left out: it would pass GitHub's 65,536-character limit._";
  const room = BODY_LIMIT - reserve - note.length;
  const cut = body.lastIndexOf('\n', room);
  return `${body.slice(0, cut > 0 ? cut : room)}${note}`;
}

function expectPull(data: unknown, call: string): PullItem {
  if (!isPull(data)) throw new GitHubError(`GitHub API ${call}: the answer is not a pull request`);
  return data;
}

function expectIssue(data: unknown, call: string): IssueItem {
  if (!isIssue(data)) throw new GitHubError(`GitHub API ${call}: the answer is not an issue`);
  return data;
}

/**
 * Whether the PR's head branch is in the repository itself. Anyone can open (and close) a PR from a
 * fork on a branch named like Augur's with its metadata block copied: not Augur's PR, not a rejection.
 */
function fromThisRepository(p: PullItem): boolean {
  const head = p.head.repo;
  const base = p.base?.repo;
  // null: the head's fork was deleted. Absent from the answer (not GitHub's API): nothing to tell.
  if (head === null) return false;
  if (!head || !base) return true;
  if (typeof head.id === 'number' && typeof base.id === 'number') return head.id === base.id;
  return typeof head.full_name === 'string' && head.full_name === base.full_name;
}

function toUnix(iso: string | null | undefined): number | undefined {
  return iso ? Math.floor(Date.parse(iso) / 1000) : undefined;
}

function toInfo(p: PullItem): PullRequestInfo {
  const meta = parseMeta(p.body);
  const closedAt = toUnix(p.closed_at);
  const mergedAt = toUnix(p.merged_at);
  const names = <T>(xs: T[] | null | undefined, key: (x: T) => string | undefined) => (xs ?? []).map(key).filter((x): x is string => typeof x === 'string');
  return {
    number: p.number,
    branch: p.head.ref,
    title: p.title,
    state: p.state === 'open' ? 'open' : 'closed',
    merged: mergedAt !== undefined,
    url: p.html_url,
    createdAt: toUnix(p.created_at)!,
    ...(closedAt !== undefined ? { closedAt } : {}),
    ...(mergedAt !== undefined ? { mergedAt } : {}),
    ...(meta ? { meta } : {}),
    ...(p.body ? { body: p.body } : {}),
    ...(p.labels ? { labels: names(p.labels, (l) => (typeof l === 'string' ? l : l.name)) } : {}),
    ...(p.requested_reviewers !== undefined ? { requestedReviewers: names(p.requested_reviewers, (r) => r?.login) } : {}),
    ...(p.requested_teams !== undefined ? { requestedTeams: names(p.requested_teams, (t) => t?.slug) } : {}),
  };
}
