// A forge on disk, for the demo and dry runs: each PR is a markdown file, their state one JSON
// file, the dashboard another markdown file. Branches live in the git remote as with any forge.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseMeta } from '../meta.js';
import { type Forge, type OpenPullRequest, type PullRequestExtras, type PullRequestInfo } from '../../domain/forge.js';

interface StoredPull {
  number: number;
  branch: string;
  base: string;
  title: string;
  state: 'open' | 'closed';
  merged: boolean;
  draft: boolean;
  labels: string[];
  reviewers: string[];
  createdAt: number;
  closedAt?: number;
  mergedAt?: number;
  comments: string[];
}

interface State {
  nextNumber: number;
  pulls: StoredPull[];
}

export class LocalForge implements Forge {
  readonly name: string;

  constructor(
    private readonly dir: string,
    private readonly clock: () => number = () => Math.floor(Date.now() / 1000),
  ) {
    this.name = `local ${dir}`;
    mkdirSync(join(dir, 'pulls'), { recursive: true });
  }

  /** Path of a PR's markdown file. */
  pullPath(number: number): string {
    return join(this.dir, 'pulls', `${number}.md`);
  }

  /** The dashboard's file: dashboard.md for the default title, another file per title (one per Augur instance or shard). */
  dashboardPath(title = 'Augur dashboard'): string {
    const slug = title.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
    return join(this.dir, slug === 'augur-dashboard' ? 'dashboard.md' : `dashboard--${slug}.md`);
  }

  async listPullRequests(closedSince: number): Promise<PullRequestInfo[]> {
    return this.load()
      .pulls.filter((p) => p.state === 'open' || (p.closedAt ?? 0) >= closedSince)
      .map((p) => this.info(p));
  }

  async openPullRequest(pr: OpenPullRequest): Promise<PullRequestInfo> {
    const state = this.load();
    if (state.pulls.some((p) => p.state === 'open' && p.branch === pr.branch)) {
      throw new Error(`a PR from ${pr.branch} is already open`);
    }
    const stored: StoredPull = {
      number: state.nextNumber++,
      branch: pr.branch,
      base: pr.base,
      title: pr.title,
      state: 'open',
      merged: false,
      draft: pr.draft,
      labels: pr.labels,
      reviewers: [...pr.reviewers, ...pr.teamReviewers],
      createdAt: this.clock(),
      comments: [],
    };
    state.pulls.push(stored);
    this.writeBody(stored, pr.body);
    this.save(state);
    return this.info(stored);
  }

  async ensurePullRequestExtras(pr: PullRequestInfo, want: PullRequestExtras): Promise<string[]> {
    const state = this.load();
    const p = this.find(state, pr.number);
    const labels = want.labels.filter((l) => !p.labels.includes(l));
    const reviewers = [...want.reviewers, ...want.teamReviewers].filter((r) => !p.reviewers.includes(r));
    if (labels.length === 0 && reviewers.length === 0) return [];
    p.labels.push(...labels);
    p.reviewers.push(...reviewers);
    this.save(state);
    return [...labels.map((l) => `label ${l}`), ...reviewers.map((r) => `reviewer ${r}`)];
  }

  async updatePullRequest(number: number, update: { title: string; body: string }): Promise<void> {
    const state = this.load();
    const p = this.find(state, number);
    p.title = update.title;
    this.writeBody(p, update.body);
    this.save(state);
  }

  async commentOnPullRequest(number: number, comment: string, body: string): Promise<void> {
    const state = this.load();
    const p = this.find(state, number);
    p.comments.push(comment);
    this.writeBody(p, body);
    this.save(state);
  }

  async closePullRequest(number: number, comment: string, body: string): Promise<void> {
    const state = this.load();
    const p = this.find(state, number);
    p.state = 'closed';
    p.closedAt = this.clock();
    p.comments.push(comment);
    this.writeBody(p, body);
    this.save(state);
  }

  /** What a reviewer rejecting the PR would do. */
  markClosed(number: number, at = this.clock()): void {
    const state = this.load();
    Object.assign(this.find(state, number), { state: 'closed', closedAt: at });
    this.save(state);
  }

  /** What a reviewer merging the PR would do; used by tests and the demo's second cycle. */
  markMerged(number: number, at = this.clock()): void {
    const state = this.load();
    const p = this.find(state, number);
    Object.assign(p, { state: 'closed', merged: true, mergedAt: at, closedAt: at });
    this.save(state);
  }

  comments(number: number): string[] {
    return this.find(this.load(), number).comments;
  }

  async upsertDashboard(title: string, body: string): Promise<string> {
    const path = this.dashboardPath(title);
    atomicWrite(path, `# ${title}\n\n${body}`);
    return path;
  }

  private info(p: StoredPull): PullRequestInfo {
    const body = this.readBody(p.number);
    const meta = parseMeta(body);
    return {
      number: p.number,
      branch: p.branch,
      title: p.title,
      state: p.state,
      merged: p.merged,
      url: this.pullPath(p.number),
      createdAt: p.createdAt,
      ...(p.closedAt !== undefined ? { closedAt: p.closedAt } : {}),
      ...(p.mergedAt !== undefined ? { mergedAt: p.mergedAt } : {}),
      ...(meta ? { meta } : {}),
      ...(body !== undefined ? { body: body.slice(body.indexOf('\n\n', body.indexOf('\n\n') + 2) + 2) } : {}),
      labels: p.labels,
      requestedReviewers: p.reviewers,
      requestedTeams: [],
    };
  }

  private find(state: State, number: number): StoredPull {
    const p = state.pulls.find((x) => x.number === number);
    if (!p) throw new Error(`no PR #${number} in ${this.dir}`);
    return p;
  }

  private readBody(number: number): string | undefined {
    try {
      return readFileSync(this.pullPath(number), 'utf8');
    } catch {
      return undefined;
    }
  }

  private writeBody(p: StoredPull, body: string): void {
    const header = [`# #${p.number} ${p.title}`, '', `branch \`${p.branch}\` → \`${p.base}\` · labels: ${p.labels.join(', ') || 'none'}${p.draft ? ' · draft' : ''}`, '', ''].join('\n');
    atomicWrite(this.pullPath(p.number), header + body);
  }

  private load(): State {
    try {
      return JSON.parse(readFileSync(join(this.dir, 'state.json'), 'utf8')) as State;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { nextNumber: 1, pulls: [] };
      throw new Error(`cannot read ${join(this.dir, 'state.json')}: ${(err as Error).message}; fix or delete the file`);
    }
  }

  private save(state: State): void {
    atomicWrite(join(this.dir, 'state.json'), JSON.stringify(state, null, 2) + '\n');
  }
}

/** Write to a temp file and rename: a crash never leaves half a file. */
function atomicWrite(path: string, content: string): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, content);
  renameSync(tmp, path);
}
