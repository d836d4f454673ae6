// Complete lists or an error: every page of a GitHub list is checked before any of it is used. A
// reply that is not a list, an item without the fields Augur reads, a page shorter than per_page
// while GitHub says more follow, or fewer pages than the first one announced, is an error naming
// GitHub, so the cycle stops before it writes anything from a partial view.
import { GitHubError, type GitHubOctokit } from './http.js';

export interface PageOptions<T> {
  /** e.g. "GET /repos/{owner}/{repo}/pulls". */
  route: string;
  params: Record<string, unknown>;
  perPage: number;
  /** What an item must look like; the message names the first field that is wrong. */
  check: (item: unknown) => item is T;
  what: string;
  /** Stop early after a page (the rest is not needed, e.g. closed PRs older than the look-back). */
  enough?: (page: T[]) => boolean;
}

export async function listAll<T>(octokit: GitHubOctokit, o: PageOptions<T>): Promise<T[]> {
  const items: T[] = [];
  let announced: number | undefined;
  for (let page = 1; ; page++) {
    const res = await octokit.request(o.route, { ...o.params, per_page: o.perPage, page });
    const data: unknown = res.data;
    const where = `${o.route.replace(/^GET /, '').replace(/\{(\w+)\}/g, (m, k: string) => (o.params[k] === undefined ? m : String(o.params[k])))} page ${page}`;
    if (!Array.isArray(data)) throw incomplete(where, `the answer is not a list of ${o.what}s but ${describe(data)}`);
    const bad = data.findIndex((item) => !o.check(item));
    if (bad >= 0) throw incomplete(where, `item ${bad + 1} is not a ${o.what} (${describe(data[bad])})`);
    items.push(...(data as T[]));
    const links = parseLinks(res.headers.link);
    if (page === 1) announced = links.last;
    if (links.next === undefined) {
      if (announced !== undefined && page < announced) throw incomplete(where, `the first page announced ${announced} pages, but page ${page} has no next one`);
      return items;
    }
    if (data.length < o.perPage) throw incomplete(where, `${data.length} ${o.what}s on a page of ${o.perPage} while more pages follow: the page was cut short`);
    if (o.enough?.(data as T[])) return items;
  }
}

function incomplete(where: string, why: string): GitHubError {
  return new GitHubError(`GitHub API GET ${where}: ${why}; the list is incomplete, so Augur writes nothing this cycle`);
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (typeof v === 'string') return v === '' ? 'an empty body' : `text ${JSON.stringify(v.slice(0, 60))}${v.length > 60 ? '…' : ''}`;
  if (Array.isArray(v)) return `a list of ${v.length}`;
  if (typeof v === 'object') return `an object with keys ${Object.keys(v).slice(0, 6).join(', ') || 'none'}`;
  return `${typeof v} ${String(v)}`;
}

/** The page numbers of a Link header's next and last relations. */
export function parseLinks(link: string | undefined): { next?: number; last?: number } {
  const out: { next?: number; last?: number } = {};
  for (const part of (link ?? '').split(',')) {
    const m = /<([^>]+)>\s*;\s*rel="([^"]+)"/.exec(part);
    if (!m) continue;
    const page = Number(new URL(m[1]!, 'http://github.invalid').searchParams.get('page'));
    if (m[2] === 'next' || m[2] === 'last') out[m[2]] = Number.isFinite(page) && page > 0 ? page : NaN;
  }
  return out;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isString = (v: unknown): v is string => typeof v === 'string';
const isNullableString = (v: unknown): v is string | null | undefined => v === null || v === undefined || typeof v === 'string';

export interface PullItem {
  number: number;
  title: string;
  body?: string | null;
  state: string;
  html_url: string;
  created_at: string;
  /** Not before closed_at: closing a PR updates it. */
  updated_at?: string;
  closed_at: string | null;
  merged_at: string | null;
  /** `repo` is null when the head's fork was deleted. */
  head: { ref: string; sha?: string; repo?: RepoRef | null };
  base?: { repo?: RepoRef | null };
  labels?: ({ name?: string } | string)[];
  requested_reviewers?: ({ login?: string } | null)[] | null;
  requested_teams?: ({ slug?: string } | null)[] | null;
}

export interface RepoRef {
  id?: number;
  full_name?: string;
}

export function isPull(v: unknown): v is PullItem {
  return (
    isObject(v) &&
    typeof v.number === 'number' &&
    isString(v.title) &&
    isNullableString(v.body) &&
    isString(v.state) &&
    isString(v.html_url) &&
    isString(v.created_at) &&
    isNullableString(v.closed_at) &&
    isNullableString(v.merged_at) &&
    isObject(v.head) &&
    isString(v.head.ref)
  );
}

export interface IssueItem {
  number: number;
  title: string;
  body?: string | null;
  html_url: string;
  pull_request?: unknown;
}

export function isIssue(v: unknown): v is IssueItem {
  return isObject(v) && typeof v.number === 'number' && isString(v.title) && isNullableString(v.body) && isString(v.html_url);
}

export function isLabel(v: unknown): v is { name: string } {
  return isObject(v) && isString(v.name);
}

export function isComment(v: unknown): v is { id: number; body?: string | null } {
  return typeof v === 'object' && v !== null && typeof (v as { id?: unknown }).id === 'number';
}

export function isReview(v: unknown): v is { user?: { login?: string } | null; state: string } {
  return isObject(v) && isString(v.state);
}
