// GitHub (and GitHub Enterprise) through @octokit/rest, with the retry and throttling plugins so
// secondary rate limits and transient 5xx are handled the way GitHub documents.
import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';
import { Octokit } from '@octokit/rest';
import { parseMeta } from '../meta.js';
import { type Forge, type OpenPullRequest, type PullRequestInfo } from '../../domain/forge.js';

const AugurOctokit = Octokit.plugin(retry, throttling);

export interface GitHubForgeOptions {
  owner: string;
  repo: string;
  apiUrl: string;
  token: string;
  /** Logger for rate-limit waits. */
  warn?: (msg: string) => void;
  /** Retries of a rate-limited request before giving up (tests set 0). */
  rateLimitRetries?: number;
}

type PullData = {
  number: number;
  title: string;
  body?: string | null;
  state: string;
  html_url: string;
  created_at: string;
  closed_at: string | null;
  merged_at: string | null;
  head: { ref: string };
};

export class GitHubForge implements Forge {
  readonly name: string;
  readonly revertHint = "GitHub's **Revert** button";
  private readonly octokit: InstanceType<typeof AugurOctokit>;
  private readonly repoRef: { owner: string; repo: string };
  private dashboardNumber: number | undefined;

  constructor(opts: GitHubForgeOptions) {
    this.name = `github ${opts.owner}/${opts.repo}`;
    this.repoRef = { owner: opts.owner, repo: opts.repo };
    const warn = opts.warn ?? (() => {});
    const retries = opts.rateLimitRetries ?? 2;
    this.octokit = new AugurOctokit({
      auth: opts.token,
      baseUrl: opts.apiUrl.replace(/\/$/, ''),
      userAgent: 'augur-predictive-scaler',
      throttle: {
        onRateLimit: (after, options, _o, count) => {
          warn(`GitHub rate limit on ${options.method} ${options.url}; retry ${count + 1} in ${after}s`);
          return count < retries;
        },
        onSecondaryRateLimit: (after, options, _o, count) => {
          warn(`GitHub secondary rate limit on ${options.method} ${options.url}; retry ${count + 1} in ${after}s`);
          return count < retries;
        },
      },
    });
  }

  async listPullRequests(closedSince: number): Promise<PullRequestInfo[]> {
    const open = await this.octokit.paginate(this.octokit.rest.pulls.list, { ...this.repoRef, state: 'open', per_page: 100 });
    // Closed PRs, most recently updated first, until they are older than needed.
    const closed: PullData[] = [];
    for await (const page of this.octokit.paginate.iterator(this.octokit.rest.pulls.list, {
      ...this.repoRef,
      state: 'closed',
      sort: 'updated',
      direction: 'desc',
      per_page: 100,
    })) {
      closed.push(...page.data);
      const last = page.data[page.data.length - 1];
      if (!last || Date.parse(last.closed_at ?? last.created_at) / 1000 < closedSince) break;
    }
    return [...open, ...closed]
      .filter((p) => parseMeta(p.body) !== undefined)
      .filter((p) => p.state === 'open' || toUnix(p.closed_at)! >= closedSince)
      .map((p) => toInfo(p));
  }

  async openPullRequest(pr: OpenPullRequest): Promise<PullRequestInfo> {
    await this.ensureLabels(pr.labels);
    const { data } = await this.octokit.rest.pulls.create({
      ...this.repoRef,
      head: pr.branch,
      base: pr.base,
      title: pr.title,
      body: pr.body,
      draft: pr.draft,
      maintainer_can_modify: true,
    });
    if (pr.labels.length > 0) await this.octokit.rest.issues.addLabels({ ...this.repoRef, issue_number: data.number, labels: pr.labels });
    if (pr.reviewers.length > 0 || pr.teamReviewers.length > 0) {
      await this.octokit.rest.pulls.requestReviewers({ ...this.repoRef, pull_number: data.number, reviewers: pr.reviewers, team_reviewers: pr.teamReviewers });
    }
    return toInfo(data);
  }

  async updatePullRequest(number: number, update: { title: string; body: string }): Promise<void> {
    await this.octokit.rest.pulls.update({ ...this.repoRef, pull_number: number, title: update.title, body: update.body });
  }

  async commentOnPullRequest(number: number, comment: string, body: string): Promise<void> {
    await this.octokit.rest.issues.createComment({ ...this.repoRef, issue_number: number, body: comment });
    await this.octokit.rest.pulls.update({ ...this.repoRef, pull_number: number, body });
  }

  async closePullRequest(number: number, comment: string, body: string): Promise<void> {
    await this.octokit.rest.issues.createComment({ ...this.repoRef, issue_number: number, body: comment });
    await this.octokit.rest.pulls.update({ ...this.repoRef, pull_number: number, state: 'closed', body });
  }

  async upsertDashboard(title: string, body: string): Promise<string> {
    if (this.dashboardNumber === undefined) {
      // Found by exact title among open issues (not PRs) with the augur label.
      const issues = await this.octokit.paginate(this.octokit.rest.issues.listForRepo, { ...this.repoRef, state: 'open', labels: 'augur', per_page: 100 });
      this.dashboardNumber = issues.find((i) => !i.pull_request && i.title === title)?.number;
    }
    if (this.dashboardNumber !== undefined) {
      const { data } = await this.octokit.rest.issues.update({ ...this.repoRef, issue_number: this.dashboardNumber, title, body });
      return data.html_url;
    }
    await this.ensureLabels(['augur']);
    const { data } = await this.octokit.rest.issues.create({ ...this.repoRef, title, body, labels: ['augur'] });
    this.dashboardNumber = data.number;
    return data.html_url;
  }

  private labelsKnown = new Set<string>();
  private async ensureLabels(labels: string[]): Promise<void> {
    const missing = labels.filter((l) => !this.labelsKnown.has(l));
    if (missing.length === 0) return;
    const existing = await this.octokit.paginate(this.octokit.rest.issues.listLabelsForRepo, { ...this.repoRef, per_page: 100 });
    for (const l of existing) this.labelsKnown.add(l.name);
    for (const name of missing.filter((l) => !this.labelsKnown.has(l))) {
      await this.octokit.rest.issues.createLabel({ ...this.repoRef, name, color: '5319e7', description: 'Proposed by Augur' });
      this.labelsKnown.add(name);
    }
  }
}

function toUnix(iso: string | null | undefined): number | undefined {
  return iso ? Math.floor(Date.parse(iso) / 1000) : undefined;
}

function toInfo(p: PullData): PullRequestInfo {
  const meta = parseMeta(p.body);
  const closedAt = toUnix(p.closed_at);
  const mergedAt = toUnix(p.merged_at);
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
  };
}
