/**
 * Local GitHub REST API test server for integration tests.
 *
 * Every request and every response is checked against GitHub's published OpenAPI
 * description (`@octokit/openapi`, generated/api.github.com.json):
 *
 *  - the operation is found by method + path template over all ~800 spec paths;
 *  - path and query parameters are checked against the operation's parameter schemas
 *    (query strings are converted per schema type first; unknown query parameters are
 *    flagged because GitHub silently ignores them, which hides bugs);
 *  - the JSON body is checked against the operation's requestBody schema (plus unknown
 *    top-level properties, which GitHub silently ignores too);
 *  - every response body is checked against the documented schema for its status.
 *
 * A request violation is answered with a GitHub-style 422 and recorded in `violations`;
 * a response violation is recorded and answered with 500; unknown routes get 404 and a
 * violation. Tests assert `violations` is empty.
 *
 * Validation uses one Ajv instance per process: the spec is loaded once, the
 * OpenAPI-3.0 `nullable` keyword is rewritten to JSON Schema, `components.schemas` is
 * added as one schema with an `$id`, and operation schemas reference into it. Operation
 * validators are compiled lazily and cached. See `githubSpecTimings()`.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { execFile } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { Ajv } from 'ajv';
import type { ErrorObject, ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';

// ajv-formats is CommonJS; under NodeNext the default import is `module.exports`, which
// is the plugin function and also carries `.default`.
const addFormats = addFormatsModule.default;

/* ------------------------------------------------------------------------------------ */
/* Public API                                                                            */
/* ------------------------------------------------------------------------------------ */

export interface FakeGitHubOptions {
  owner: string;
  repo: string;
  /**
   * Bare git repo on disk. When set, PR create/update checks that head and base branches
   * exist there (GitHub answers 422 otherwise) and that head has commits not in base;
   * head/base SHAs in responses are the real branch SHAs.
   */
  bareRepo?: string;
  /** Required bearer token, default 'test-token'. */
  token?: string;
  /** Login of the authenticated user (author of PRs, issues and comments). Default 'augur-bot'. */
  login?: string;
  /** Clock, default `() => new Date()`. */
  now?: () => Date;
}

export interface FakePull {
  number: number;
  title: string;
  body: string | null;
  state: 'open' | 'closed';
  merged: boolean;
  merged_at: string | null;
  /** Head branch name (no owner prefix). */
  head: string;
  /** Base branch name. */
  base: string;
  /** Last known head SHA (refreshed from bareRepo when set). */
  head_sha: string;
  draft: boolean;
  /** Label names. */
  labels: string[];
  /** Requested reviewer logins. */
  requested_reviewers: string[];
  /** Requested team slugs. */
  requested_teams: string[];
  maintainer_can_modify: boolean;
  user: string;
  created_at: string;
  updated_at: string;
  closed_at: string | null;
}

export interface FakeIssue {
  number: number;
  title: string;
  body: string | null;
  state: 'open' | 'closed';
  state_reason: 'completed' | 'not_planned' | 'reopened' | 'duplicate' | null;
  /** Label names. */
  labels: string[];
  assignees: string[];
  user: string;
  created_at: string;
  updated_at: string;
  closed_at: string | null;
}

export interface FakeComment {
  id: number;
  issue_number: number;
  body: string;
  user: string;
  created_at: string;
  updated_at: string;
}

export interface FakeReview {
  id: number;
  pull_number: number;
  user: string;
  state: 'APPROVED' | 'CHANGES_REQUESTED' | 'COMMENTED';
  submitted_at: string;
}

export interface FakeRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  operationId: string;
  status: number;
  body?: unknown;
}

export interface FakeGitHub {
  /** e.g. http://127.0.0.1:PORT (use as Octokit baseUrl). */
  url: string;
  pulls: FakePull[];
  /** Non-PR issues. */
  issues: FakeIssue[];
  comments: FakeComment[];
  reviews: FakeReview[];
  /** Repo labels that exist (names). */
  labels: string[];
  requests: FakeRequest[];
  /** Every schema violation seen (request or response). */
  violations: string[];
  /** Test helper: simulate a human merging PR `number` (state closed, merged true). */
  merge(number: number, mergedAt?: Date | string): FakePull;
  /** Test helper: `user` reviews PR `number` (as GitHub does, the user is no longer a requested reviewer). */
  review(number: number, user: string, state?: FakeReview['state']): FakeReview;
  close(): Promise<void>;
}

export interface GitHubSpecTimings {
  /** read + JSON.parse of api.github.com.json */
  loadMs: number;
  /** nullable rewrite + ajv.addSchema(components) */
  prepareMs: number;
  /** per operationId, ms spent compiling its validators (params, body, responses) */
  compileMs: Record<string, number>;
}

/** Load/compile timings of the shared spec validator (process-wide). */
export function githubSpecTimings(): GitHubSpecTimings {
  const s = getSpec();
  return { loadMs: s.loadMs, prepareMs: s.prepareMs, compileMs: { ...s.compileMs } };
}

export async function startFakeGitHub(opts: FakeGitHubOptions): Promise<FakeGitHub> {
  getSpec(); // load the spec before listening so the first request is not slow
  const fake = new FakeGitHubServer(opts);
  await fake.listen();
  return fake;
}

/* ------------------------------------------------------------------------------------ */
/* OpenAPI spec index and validators                                                     */
/* ------------------------------------------------------------------------------------ */

type Obj = Record<string, unknown>;

interface OaParameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required?: boolean;
  schema?: Obj;
}

interface OaMediaType {
  schema?: Obj;
}

interface OaRequestBody {
  required?: boolean;
  content?: Record<string, OaMediaType>;
}

interface OaResponse {
  content?: Record<string, OaMediaType>;
}

interface OaOperation {
  operationId: string;
  parameters?: Obj[];
  requestBody?: Obj;
  responses?: Record<string, Obj>;
  externalDocs?: { url?: string };
}

interface SpecOperation {
  method: string;
  template: string;
  operationId: string;
  regex: RegExp;
  paramNames: string[];
  literalSegments: number;
  op: OaOperation;
  docsUrl: string;
}

interface CompiledOperation {
  params: OaParameter[];
  validateParams: ValidateFunction;
  body: {
    required: boolean;
    validate: ValidateFunction;
    /** top-level property names when the body schema is a plain object schema */
    knownKeys: Set<string> | null;
  } | null;
  /** status -> validator (null: documented without a JSON body) */
  responses: Map<string, ValidateFunction | null>;
}

interface Spec {
  doc: { paths: Record<string, Record<string, unknown>>; components: Record<string, Record<string, Obj>> };
  byMethod: Map<string, SpecOperation[]>;
  allOps: SpecOperation[];
  ajv: Ajv;
  /** Live object inside the schema registered as DOC_ID; operation schemas are put here. */
  opSchemas: Obj;
  compiled: Map<string, CompiledOperation>;
  loadMs: number;
  prepareMs: number;
  compileMs: Record<string, number>;
}

const DOC_ID = 'https://augur.test/api.github.com.json';
const SCHEMA_REF_PREFIX = '#/components/schemas/';
const HTTP_METHODS = new Set(['get', 'put', 'post', 'delete', 'patch', 'head', 'options']);
const API_VERSION = '2022-11-28';

let spec: Spec | undefined;

function getSpec(): Spec {
  if (spec) return spec;
  const t0 = performance.now();
  const require = createRequire(import.meta.url);
  const file = require.resolve('@octokit/openapi/generated/api.github.com.json');
  const doc = JSON.parse(readFileSync(file, 'utf8')) as Spec['doc'];
  const t1 = performance.now();
  delete (doc.components as Record<string, unknown>).examples; // ~40% of the file, never used

  const schemas = doc.components.schemas ?? {};
  for (const s of Object.values(schemas)) normalizeSchema(s);

  const ajv = new Ajv({
    strict: false,
    allErrors: true,
    validateSchema: false,
    addUsedSchema: false,
    // Compile each referenced component once as its own function (shared by all
    // operations) instead of inlining it into every validator: ~4x faster compiles.
    inlineRefs: false,
    logger: false,
  });
  addFormats(ajv);
  // Formats used by GitHub's spec that ajv-formats does not define.
  ajv.addFormat('repo.nwo', /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/);
  // Operation schemas are placed under `x-augur-ops` of this same registered document and
  // compiled with ajv.getSchema(DOC_ID#/x-augur-ops/KEY): they then share the document
  // as compilation root, so each referenced component (pull-request, repository, ...) is
  // compiled once per process instead of once per operation.
  const opSchemas: Obj = {};
  ajv.addSchema({ $id: DOC_ID, components: { schemas }, 'x-augur-ops': opSchemas });

  const allOps: SpecOperation[] = [];
  for (const [template, item] of Object.entries(doc.paths)) {
    for (const [method, raw] of Object.entries(item)) {
      if (!HTTP_METHODS.has(method) || !raw || typeof raw !== 'object') continue;
      const op = raw as OaOperation;
      const paramNames: string[] = [];
      const segs = template.split('/').filter(Boolean);
      let literalSegments = 0;
      const pattern = segs
        .map((seg) => {
          if (!seg.includes('{')) {
            literalSegments++;
            return escapeRegExp(seg);
          }
          return seg.replace(/\{([^}]+)\}|([^{]+)/g, (_m, name: string | undefined, lit: string | undefined) => {
            if (name) {
              paramNames.push(name);
              return '([^/]+)';
            }
            return escapeRegExp(lit ?? '');
          });
        })
        .join('/');
      allOps.push({
        method: method.toUpperCase(),
        template,
        operationId: op.operationId,
        regex: new RegExp(`^/${pattern}/?$`),
        paramNames,
        literalSegments,
        op,
        docsUrl: op.externalDocs?.url ?? 'https://docs.github.com/rest',
      });
    }
  }
  // Most specific template first: more literal segments win, then fewer params.
  allOps.sort((a, b) => b.literalSegments - a.literalSegments || a.paramNames.length - b.paramNames.length);
  const byMethod = new Map<string, SpecOperation[]>();
  for (const o of allOps) {
    const list = byMethod.get(o.method) ?? [];
    list.push(o);
    byMethod.set(o.method, list);
  }
  const t2 = performance.now();
  spec = {
    doc,
    byMethod,
    allOps,
    ajv,
    opSchemas,
    compiled: new Map(),
    loadMs: Math.round(t1 - t0),
    prepareMs: Math.round(t2 - t1),
    compileMs: {},
  };
  return spec;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * In place: turn OpenAPI 3.0 `nullable` into JSON Schema (Ajv rejects `nullable` without
 * `type` and ignores null in `enum`), and make `#/components/schemas/...` refs absolute
 * so operation schemas can be compiled on their own.
 */
function normalizeSchema(node: unknown): void {
  if (Array.isArray(node)) {
    for (const x of node) normalizeSchema(x);
    return;
  }
  if (!isObj(node)) return;
  if (node['x-augur-normalized'] === true) return;
  for (const [k, v] of Object.entries(node)) {
    if (k === 'example' || k === 'examples' || k === 'default' || k === 'enum' || k === 'const') continue;
    if (k === 'properties' || k === 'patternProperties' || k === 'definitions') {
      if (isObj(v)) for (const sub of Object.values(v)) normalizeSchema(sub);
      continue;
    }
    if (typeof v === 'object' && v !== null) normalizeSchema(v);
  }
  const ref = node.$ref;
  if (typeof ref === 'string' && ref.startsWith(SCHEMA_REF_PREFIX)) node.$ref = DOC_ID + ref;
  if (typeof node.nullable === 'boolean') {
    const nullable = node.nullable;
    delete node.nullable;
    if (nullable) {
      const type = node.type;
      if (typeof type === 'string') node.type = type === 'null' ? type : [type, 'null'];
      else if (Array.isArray(type)) {
        if (!type.includes('null')) node.type = [...type, 'null'];
      } else {
        const inner: Obj = {};
        for (const [k, v] of Object.entries(node)) {
          if (k === 'description' || k === 'title' || k === 'example' || k.startsWith('x-')) continue;
          inner[k] = v;
          delete node[k];
        }
        node.anyOf = [inner, { type: 'null' }];
      }
      if (Array.isArray(node.enum) && !node.enum.includes(null)) node.enum = [...node.enum, null];
    }
  }
  node['x-augur-normalized'] = true;
}

/** Resolve a `#/components/{kind}/{name}` reference object (parameters, responses, ...). */
function deref<T>(s: Spec, node: unknown): T {
  let cur = node;
  for (let i = 0; i < 10 && isObj(cur) && typeof cur.$ref === 'string'; i++) {
    const ref = cur.$ref.startsWith(DOC_ID) ? cur.$ref.slice(DOC_ID.length) : cur.$ref;
    const parts = ref.replace(/^#\//, '').split('/');
    let target: unknown = s.doc;
    for (const p of parts) {
      target = isObj(target) ? target[p.replace(/~1/g, '/').replace(/~0/g, '~')] : undefined;
    }
    cur = target;
  }
  return cur as T;
}

function compileOperation(s: Spec, o: SpecOperation): CompiledOperation {
  const key = `${o.method} ${o.template}`;
  const cached = s.compiled.get(key);
  if (cached) return cached;
  const t0 = performance.now();
  const params = (o.op.parameters ?? []).map((p) => deref<OaParameter>(s, p));
  const properties: Obj = {};
  const required: string[] = [];
  for (const p of params) {
    if (p.in !== 'path' && p.in !== 'query') continue;
    const schema = p.schema ?? {};
    normalizeSchema(schema);
    properties[p.name] = schema;
    if (p.required || p.in === 'path') required.push(p.name);
  }
  const validateParams = compileAt(s, `${o.operationId}:params`, { type: 'object', properties, required });

  let body: CompiledOperation['body'] = null;
  if (o.op.requestBody) {
    const rb = deref<OaRequestBody>(s, o.op.requestBody);
    const schema = rb.content?.['application/json']?.schema;
    if (schema) {
      normalizeSchema(schema);
      const resolved = deref<Obj>(s, schema);
      const knownKeys =
        resolved.type === 'object' && isObj(resolved.properties) && resolved.additionalProperties === undefined
          ? new Set(Object.keys(resolved.properties))
          : null;
      body = { required: rb.required === true, validate: compileAt(s, `${o.operationId}:body`, schema), knownKeys };
    }
  }
  const compiled: CompiledOperation = { params, validateParams, body, responses: new Map() };
  s.compiled.set(key, compiled);
  addCompileTime(s, o.operationId, performance.now() - t0);
  return compiled;
}

function compileAt(s: Spec, key: string, schema: Obj): ValidateFunction {
  const safe = key.replace(/[^A-Za-z0-9_.:-]/g, '_');
  s.opSchemas[safe] = schema;
  const v = s.ajv.getSchema(`${DOC_ID}#/x-augur-ops/${safe}`);
  if (!v) throw new Error(`fake GitHub: cannot compile schema for ${key}`);
  return v;
}

function addCompileTime(s: Spec, operationId: string, ms: number): void {
  s.compileMs[operationId] = Math.round(((s.compileMs[operationId] ?? 0) + ms) * 10) / 10;
}

/** undefined: status not documented; null: documented, no JSON body. */
function responseValidator(s: Spec, o: SpecOperation, c: CompiledOperation, status: number): ValidateFunction | null | undefined {
  const key = String(status);
  if (c.responses.has(key)) return c.responses.get(key);
  const responses = o.op.responses ?? {};
  const raw = responses[key] ?? responses[`${key[0]}XX`] ?? responses.default;
  if (!raw) return undefined;
  const t0 = performance.now();
  const resp = deref<OaResponse>(s, raw);
  const schema = resp.content?.['application/json']?.schema;
  let v: ValidateFunction | null = null;
  if (schema) {
    normalizeSchema(schema);
    v = compileAt(s, `${o.operationId}:${key}`, schema);
  }
  c.responses.set(key, v);
  addCompileTime(s, o.operationId, performance.now() - t0);
  return v;
}

function formatErrors(errors: ErrorObject[] | null | undefined, where: string): string[] {
  const out: string[] = [];
  for (const e of errors ?? []) {
    const path = e.instancePath || '';
    let msg = `${where}${path} ${e.message ?? 'is invalid'}`;
    if (e.keyword === 'enum' && isObj(e.params)) msg += `: ${JSON.stringify(e.params.allowedValues)}`;
    if (e.keyword === 'additionalProperties' && isObj(e.params)) msg += `: ${String(e.params.additionalProperty)}`;
    if (!out.includes(msg)) out.push(msg);
    if (out.length >= 12) break;
  }
  return out;
}

/** Convert a query/path string to the type its schema declares, for validation. */
function coerceParam(value: string, schema: Obj | undefined): unknown {
  const t = schema?.type;
  const types = Array.isArray(t) ? t : [t];
  if ((types.includes('integer') || types.includes('number')) && /^-?\d+(\.\d+)?$/.test(value)) return Number(value);
  if (types.includes('boolean') && (value === 'true' || value === 'false')) return value === 'true';
  if (types.includes('array')) return value.split(',');
  return value;
}

/* ------------------------------------------------------------------------------------ */
/* Server                                                                                */
/* ------------------------------------------------------------------------------------ */

interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

interface Ctx {
  op: SpecOperation;
  path: Record<string, string | number>;
  query: Record<string, unknown>;
  body: unknown;
  url: URL;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: Obj,
  ) {
    super(String(body.message));
  }
}

interface LabelMeta {
  color: string;
  description: string | null;
}

function sha1(s: string): string {
  return createHash('sha1').update(s).digest('hex');
}

function stableId(s: string, base = 1_000_000): number {
  return base + (parseInt(sha1(s).slice(0, 7), 16) % 9_000_000);
}

function isoSeconds(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function b64(s: string): string {
  return Buffer.from(s).toString('base64').replace(/=+$/, '');
}

class FakeGitHubServer implements FakeGitHub {
  url = '';
  pulls: FakePull[] = [];
  issues: FakeIssue[] = [];
  comments: FakeComment[] = [];
  reviews: FakeReview[] = [];
  labels: string[] = [];
  requests: FakeRequest[] = [];
  violations: string[] = [];

  private readonly owner: string;
  private readonly repo: string;
  private readonly token: string;
  private readonly login: string;
  private readonly now: () => Date;
  private readonly bareRepo: string | undefined;
  private readonly server: Server;
  private readonly labelMeta = new Map<string, LabelMeta>();
  private readonly createdAt: string;
  private defaultBranch = 'main';
  private rateUsed = 0;
  private nextCommentId = 1;

  constructor(opts: FakeGitHubOptions) {
    this.owner = opts.owner;
    this.repo = opts.repo;
    this.token = opts.token ?? 'test-token';
    this.login = opts.login ?? 'augur-bot';
    this.now = opts.now ?? (() => new Date());
    this.bareRepo = opts.bareRepo;
    this.createdAt = isoSeconds(new Date(this.now().getTime() - 86_400_000 * 30));
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        this.violations.push(`fake GitHub internal error: ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
        if (!res.headersSent) {
          res.writeHead(500, { 'content-type': 'application/json; charset=utf-8' });
          res.end(JSON.stringify({ message: 'fake GitHub internal error', documentation_url: 'https://docs.github.com/rest' }));
        }
      });
    });
  }

  async listen(): Promise<void> {
    if (this.bareRepo) {
      const head = await git(this.bareRepo, ['symbolic-ref', '--short', 'HEAD']);
      if (head.code === 0 && head.stdout.trim()) this.defaultBranch = head.stdout.trim();
    }
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(0, '127.0.0.1', () => resolve());
    });
    const addr = this.server.address() as AddressInfo;
    this.url = `http://127.0.0.1:${addr.port}`;
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.close((err) => (err ? reject(err) : resolve()));
      this.server.closeAllConnections();
    });
  }

  merge(number: number, mergedAt?: Date | string): FakePull {
    const pull = this.pulls.find((p) => p.number === number);
    if (!pull) throw new Error(`fake GitHub: no pull request #${number}`);
    if (pull.merged) throw new Error(`fake GitHub: pull request #${number} is already merged`);
    const at = mergedAt === undefined ? isoSeconds(this.now()) : typeof mergedAt === 'string' ? mergedAt : isoSeconds(mergedAt);
    pull.state = 'closed';
    pull.merged = true;
    pull.merged_at = at;
    pull.closed_at = at;
    pull.updated_at = at;
    pull.draft = false;
    return pull;
  }

  review(number: number, user: string, state: FakeReview['state'] = 'APPROVED'): FakeReview {
    const pull = this.pulls.find((p) => p.number === number);
    if (!pull) throw new Error(`fake GitHub: no pull request #${number}`);
    const r: FakeReview = { id: this.nextCommentId++, pull_number: number, user, state, submitted_at: isoSeconds(this.now()) };
    this.reviews.push(r);
    pull.requested_reviewers = pull.requested_reviewers.filter((u) => u.toLowerCase() !== user.toLowerCase());
    return r;
  }

  /* ---------------------------------------------------------------- request pipeline */

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = (req.method ?? 'GET').toUpperCase();
    const url = new URL(req.url ?? '/', this.url);
    const rawBody = await readBody(req);
    const query: Record<string, string> = {};
    for (const [k, v] of url.searchParams) query[k] = v;
    const record: FakeRequest = { method, path: url.pathname, query, operationId: '', status: 0 };
    this.rateUsed++;

    const send = (reply: Reply): void => {
      record.status = reply.status;
      this.requests.push(record);
      const headers: Record<string, string> = {
        'content-type': 'application/json; charset=utf-8',
        'x-github-api-version-selected': API_VERSION,
        'x-github-media-type': 'github.v3; format=json',
        'x-github-request-id': randomUUID().toUpperCase(),
        'x-ratelimit-limit': '5000',
        'x-ratelimit-remaining': String(Math.max(0, 5000 - this.rateUsed)),
        'x-ratelimit-reset': String(Math.floor(this.now().getTime() / 1000) + 3600),
        'x-ratelimit-used': String(this.rateUsed),
        'x-ratelimit-resource': 'core',
        ...reply.headers,
      };
      if (reply.body === undefined) {
        delete headers['content-type'];
        res.writeHead(reply.status, headers);
        res.end();
        return;
      }
      const text = JSON.stringify(reply.body);
      headers['content-length'] = String(Buffer.byteLength(text));
      res.writeHead(reply.status, headers);
      res.end(text);
    };

    const s = getSpec();
    const match = this.match(s, method, url.pathname);
    if (match) record.operationId = match.op.operationId;

    // Authentication first, as GitHub does.
    const auth = req.headers.authorization ?? '';
    const m = /^(?:token|bearer)\s+(\S+)$/i.exec(auth);
    if (!m || m[1] !== this.token) {
      send({
        status: 401,
        body: { message: auth ? 'Bad credentials' : 'Requires authentication', documentation_url: 'https://docs.github.com/rest', status: '401' },
      });
      return;
    }

    if (!match) {
      const otherMethod = s.allOps.some((o) => o.regex.test(url.pathname));
      this.violations.push(
        `${method} ${url.pathname}: ${otherMethod ? 'method not allowed by' : 'no operation in'} GitHub's OpenAPI description`,
      );
      send({ status: 404, body: { message: 'Not Found', documentation_url: 'https://docs.github.com/rest', status: '404' } });
      return;
    }

    const versionHeader = req.headers['x-github-api-version'];
    if (typeof versionHeader === 'string' && versionHeader !== API_VERSION) {
      this.violations.push(`${match.op.operationId}: unsupported X-GitHub-Api-Version ${versionHeader}`);
      send({ status: 400, body: { message: `API version ${versionHeader} is not supported.`, documentation_url: match.op.docsUrl, status: '400' } });
      return;
    }

    const compiled = compileOperation(s, match.op);
    const check = this.checkRequest(match.op, compiled, match.path, url, rawBody);
    if (check.body !== undefined) record.body = check.body;
    let reply: Reply;
    if ('error' in check) {
      reply = check.error;
    } else {
      const ctx: Ctx = { op: match.op, path: check.path, query: check.query, body: check.body, url };
      try {
        reply = await this.dispatch(ctx);
      } catch (err) {
        if (err instanceof HttpError) reply = { status: err.status, body: err.body };
        else throw err;
      }
    }

    // Response validation.
    if (reply.body !== undefined || reply.status < 300) {
      const v = responseValidator(s, match.op, compiled, reply.status);
      if (v === undefined) {
        if (reply.status < 400) {
          this.violations.push(`${match.op.operationId}: response status ${reply.status} is not documented`);
          reply = { status: 500, body: { message: `fake GitHub: undocumented status ${reply.status}`, documentation_url: match.op.docsUrl } };
        }
      } else if (v && !v(reply.body)) {
        const errs = formatErrors(v.errors, 'response');
        for (const e of errs) this.violations.push(`${match.op.operationId} ${reply.status}: ${e}`);
        reply = {
          status: 500,
          body: { message: `fake GitHub response violates the OpenAPI schema: ${errs.join('; ')}`, documentation_url: match.op.docsUrl },
        };
      } else if (v === null && reply.body !== undefined && reply.status < 300) {
        this.violations.push(`${match.op.operationId}: response ${reply.status} must not have a body`);
      }
    }
    send(reply);
  }

  private match(s: Spec, method: string, pathname: string): { op: SpecOperation; path: Record<string, string> } | undefined {
    for (const o of s.byMethod.get(method) ?? []) {
      const m = o.regex.exec(pathname);
      if (!m) continue;
      const path: Record<string, string> = {};
      o.paramNames.forEach((name, i) => {
        path[name] = decodeURIComponent(m[i + 1] ?? '');
      });
      return { op: o, path };
    }
    return undefined;
  }

  private checkRequest(
    o: SpecOperation,
    c: CompiledOperation,
    rawPath: Record<string, string>,
    url: URL,
    rawBody: string,
  ): { path: Record<string, string | number>; query: Record<string, unknown>; body: unknown } | { error: Reply; body?: unknown } {
    const problems: string[] = [];
    const values: Obj = {};
    const known = new Map(c.params.map((p) => [`${p.in}:${p.name}`, p]));
    for (const [name, v] of Object.entries(rawPath)) values[name] = coerceParam(v, known.get(`path:${name}`)?.schema);
    for (const [name, v] of url.searchParams) {
      const p = known.get(`query:${name}`);
      if (!p) {
        problems.push(`query parameter '${name}' is not defined for ${o.operationId} (GitHub ignores it)`);
        continue;
      }
      values[name] = coerceParam(v, p.schema);
    }
    if (!c.validateParams(values)) problems.push(...formatErrors(c.validateParams.errors, 'parameters'));

    let body: unknown;
    if (rawBody.trim() !== '') {
      try {
        body = JSON.parse(rawBody);
      } catch {
        this.violations.push(`${o.operationId}: request body is not valid JSON`);
        return { error: { status: 400, body: { message: 'Problems parsing JSON', documentation_url: o.docsUrl, status: '400' } } };
      }
    }
    if (c.body) {
      if (body === undefined) {
        if (c.body.required) problems.push('request body is required');
      } else {
        if (!c.body.validate(body)) problems.push(...formatErrors(c.body.validate.errors, 'body'));
        if (c.body.knownKeys && isObj(body)) {
          for (const k of Object.keys(body)) {
            if (!c.body.knownKeys.has(k)) problems.push(`body property '${k}' is not defined for ${o.operationId} (GitHub ignores it)`);
          }
        }
      }
    } else if (body !== undefined && o.method !== 'GET' && o.method !== 'HEAD') {
      problems.push(`${o.operationId} takes no request body`);
    }

    if (problems.length > 0) {
      for (const p of problems) this.violations.push(`${o.method} ${url.pathname} (${o.operationId}): ${p}`);
      return {
        body,
        error: {
          status: 422,
          body: {
            message: `Invalid request.\n\n${problems.join('\n')}`,
            errors: problems.map((p) => ({ resource: o.operationId.split('/')[0] ?? 'Request', code: 'invalid', message: p })),
            documentation_url: o.docsUrl,
            status: '422',
          },
        },
      };
    }

    // Apply documented defaults for absent query parameters.
    const query: Record<string, unknown> = {};
    for (const p of c.params) {
      if (p.in !== 'query') continue;
      if (p.name in values) query[p.name] = values[p.name];
      else if (p.schema && 'default' in p.schema) query[p.name] = p.schema.default;
    }
    const path: Record<string, string | number> = {};
    for (const name of Object.keys(rawPath)) path[name] = values[name] as string | number;
    return { path, query, body };
  }

  private async dispatch(ctx: Ctx): Promise<Reply> {
    const id = ctx.op.operationId;
    if (id === 'rate-limit/get') return this.rateLimit();
    if ('owner' in ctx.path && 'repo' in ctx.path) {
      const owner = String(ctx.path.owner);
      const repo = String(ctx.path.repo);
      if (owner.toLowerCase() !== this.owner.toLowerCase() || repo.toLowerCase() !== this.repo.toLowerCase()) {
        this.violations.push(`${id}: request for repository ${owner}/${repo}, the fake serves ${this.owner}/${this.repo}`);
        return this.notFound(ctx);
      }
    }
    switch (id) {
      case 'repos/get':
        return { status: 200, body: this.repoJson(true) };
      case 'pulls/list':
        return this.pullsList(ctx);
      case 'pulls/get':
        return { status: 200, body: this.pullJson(this.getPull(ctx), true, await this.branchShas()) };
      case 'pulls/create':
        return this.pullsCreate(ctx);
      case 'pulls/update':
        return this.pullsUpdate(ctx);
      case 'pulls/request-reviewers':
        return this.pullsRequestReviewers(ctx);
      case 'pulls/list-reviews': {
        const pull = this.getPull(ctx);
        return this.paginate(ctx, this.reviews.filter((r) => r.pull_number === pull.number).map((r) => this.reviewJson(r)));
      }
      case 'issues/list-for-repo':
        return this.issuesList(ctx);
      case 'issues/get':
        return { status: 200, body: this.issueJson(this.getIssueOrPull(ctx)) };
      case 'issues/create':
        return this.issuesCreate(ctx);
      case 'issues/update':
        return this.issuesUpdate(ctx);
      case 'issues/create-comment':
        return this.createComment(ctx);
      case 'issues/list-comments':
        return this.listComments(ctx);
      case 'issues/add-labels':
        return this.addLabels(ctx);
      case 'issues/list-labels-for-repo':
        return this.paginate(ctx, this.labels.map((n) => this.labelJson(n)));
      case 'issues/create-label':
        return this.createLabel(ctx);
      default:
        this.violations.push(`${ctx.op.method} ${ctx.url.pathname}: ${id} is in GitHub's API but not implemented by the fake`);
        return this.notFound(ctx);
    }
  }

  /* ---------------------------------------------------------------- handlers */

  private pullsList(ctx: Ctx): Promise<Reply> | Reply {
    const q = ctx.query;
    let list = this.pulls.slice();
    const state = String(q.state ?? 'open');
    if (state !== 'all') list = list.filter((p) => p.state === state);
    if (typeof q.head === 'string') {
      const idx = q.head.indexOf(':');
      if (idx < 0) {
        this.violations.push(
          `pulls/list: head filter '${q.head}' must be 'user:ref-name' (GitHub ignores a bare branch name and returns every PR)`,
        );
        return this.validationFailed(ctx, [{ resource: 'PullRequest', field: 'head', code: 'invalid', message: `head must be user:ref-name` }]);
      }
      const user = q.head.slice(0, idx);
      const ref = q.head.slice(idx + 1);
      list = user.toLowerCase() === this.owner.toLowerCase() ? list.filter((p) => p.head === ref) : [];
    }
    if (typeof q.base === 'string') list = list.filter((p) => p.base === q.base);
    const sort = String(q.sort ?? 'created');
    const direction = typeof q.direction === 'string' ? q.direction : sort === 'created' ? 'desc' : 'asc';
    const key = (p: FakePull): string => (sort === 'updated' ? p.updated_at : p.created_at);
    list.sort((a, b) => key(a).localeCompare(key(b)) || a.number - b.number);
    if (direction === 'desc') list.reverse();
    return this.paginateAsync(ctx, list, async (page) => {
      const shas = await this.branchShas();
      return page.map((p) => this.pullJson(p, false, shas));
    });
  }

  private async pullsCreate(ctx: Ctx): Promise<Reply> {
    const b = ctx.body as { title?: string; head: string; base: string; body?: string; draft?: boolean; issue?: number; maintainer_can_modify?: boolean; head_repo?: string };
    if (b.issue !== undefined) {
      this.violations.push('pulls/create: converting an issue (`issue`) is not implemented by the fake');
      return this.validationFailed(ctx, [{ resource: 'PullRequest', field: 'issue', code: 'invalid' }]);
    }
    if (b.title === undefined || b.title === '') {
      return this.validationFailed(ctx, [{ resource: 'PullRequest', field: 'title', code: 'missing_field' }]);
    }
    let head = b.head;
    const colon = head.indexOf(':');
    if (colon >= 0) {
      const user = head.slice(0, colon);
      if (user.toLowerCase() !== this.owner.toLowerCase()) {
        return this.validationFailed(ctx, [{ resource: 'PullRequest', field: 'head', code: 'invalid' }]);
      }
      head = head.slice(colon + 1);
    }
    const base = b.base;
    const headSha = await this.checkBranches(ctx, head, base);
    if (head === base) {
      return this.validationFailed(ctx, [{ resource: 'PullRequest', code: 'custom', message: `No commits between ${base} and ${head}` }]);
    }
    const dup = this.pulls.find((p) => p.state === 'open' && p.head === head && p.base === base);
    if (dup) {
      return this.validationFailed(ctx, [
        { resource: 'PullRequest', code: 'custom', message: `A pull request already exists for ${this.owner}:${head}.` },
      ]);
    }
    const now = isoSeconds(this.now());
    const pull: FakePull = {
      number: this.nextNumber(),
      title: b.title,
      body: b.body ?? null,
      state: 'open',
      merged: false,
      merged_at: null,
      head,
      base,
      head_sha: headSha ?? sha1(`${head}@${now}`),
      draft: b.draft ?? false,
      labels: [],
      requested_reviewers: [],
      requested_teams: [],
      maintainer_can_modify: b.maintainer_can_modify ?? false,
      user: this.login,
      created_at: now,
      updated_at: now,
      closed_at: null,
    };
    this.pulls.push(pull);
    const json = this.pullJson(pull, true, await this.branchShas());
    return { status: 201, body: json, headers: { location: String(json.url) } };
  }

  private async pullsUpdate(ctx: Ctx): Promise<Reply> {
    const pull = this.getPull(ctx);
    const b = ctx.body as { title?: string; body?: string; state?: 'open' | 'closed'; base?: string; maintainer_can_modify?: boolean } | undefined;
    if (!b) return { status: 200, body: this.pullJson(pull, true, await this.branchShas()) };
    if (b.base !== undefined && b.base !== pull.base) {
      if (pull.state === 'closed') {
        return this.validationFailed(ctx, [{ resource: 'PullRequest', field: 'base', code: 'invalid', message: 'Cannot change the base branch of a closed pull request.' }]);
      }
      await this.checkBranches(ctx, undefined, b.base);
    }
    if (b.state === 'open' && pull.state === 'closed') {
      if (pull.merged) {
        return this.validationFailed(ctx, [{ resource: 'PullRequest', field: 'state', code: 'invalid', message: 'state cannot be changed. The pull request has been merged.' }]);
      }
      const base = b.base ?? pull.base;
      if (this.pulls.some((p) => p !== pull && p.state === 'open' && p.head === pull.head && p.base === base)) {
        return this.validationFailed(ctx, [{ resource: 'PullRequest', code: 'custom', message: `A pull request already exists for ${this.owner}:${pull.head}.` }]);
      }
      if (this.bareRepo && !(await this.branchExists(pull.head))) {
        return this.validationFailed(ctx, [{ resource: 'PullRequest', field: 'head', code: 'invalid', message: 'The head branch no longer exists.' }]);
      }
    }
    const now = isoSeconds(this.now());
    if (b.title !== undefined) pull.title = b.title;
    if (b.body !== undefined) pull.body = b.body;
    if (b.base !== undefined) pull.base = b.base;
    if (b.maintainer_can_modify !== undefined) pull.maintainer_can_modify = b.maintainer_can_modify;
    if (b.state !== undefined && b.state !== pull.state) {
      pull.state = b.state;
      pull.closed_at = b.state === 'closed' ? now : null;
    }
    pull.updated_at = now;
    return { status: 200, body: this.pullJson(pull, true, await this.branchShas()) };
  }

  private async pullsRequestReviewers(ctx: Ctx): Promise<Reply> {
    const pull = this.getPull(ctx);
    const b = (ctx.body ?? {}) as { reviewers?: string[]; team_reviewers?: string[] };
    const reviewers = b.reviewers ?? [];
    const teams = b.team_reviewers ?? [];
    if (reviewers.length === 0 && teams.length === 0) {
      return this.validationFailed(ctx, [{ resource: 'PullRequest', field: 'reviewers', code: 'missing_field' }]);
    }
    if (reviewers.some((r) => r.toLowerCase() === pull.user.toLowerCase())) {
      return this.validationFailed(ctx, [{ resource: 'PullRequest', code: 'custom', message: 'Review cannot be requested from pull request author.' }]);
    }
    for (const r of reviewers) if (!pull.requested_reviewers.includes(r)) pull.requested_reviewers.push(r);
    for (const t of teams) if (!pull.requested_teams.includes(t)) pull.requested_teams.push(t);
    pull.updated_at = isoSeconds(this.now());
    return { status: 201, body: this.pullJson(pull, false, await this.branchShas()) };
  }

  private issuesList(ctx: Ctx): Reply {
    const q = ctx.query;
    let list: (FakeIssue | FakePull)[] = [...this.issues, ...this.pulls];
    const state = String(q.state ?? 'open');
    if (state !== 'all') list = list.filter((i) => i.state === state);
    if (typeof q.labels === 'string' && q.labels !== '') {
      const wanted = q.labels.split(',').map((l) => l.trim().toLowerCase()).filter(Boolean);
      list = list.filter((i) => wanted.every((w) => i.labels.some((l) => l.toLowerCase() === w)));
    }
    if (typeof q.creator === 'string') list = list.filter((i) => i.user.toLowerCase() === String(q.creator).toLowerCase());
    if (typeof q.assignee === 'string') {
      const a = q.assignee;
      list = list.filter((i) => {
        const assignees = 'assignees' in i ? i.assignees : [];
        if (a === 'none') return assignees.length === 0;
        if (a === '*') return assignees.length > 0;
        return assignees.includes(a);
      });
    }
    if (typeof q.since === 'string') {
      const since = q.since;
      list = list.filter((i) => i.updated_at >= since);
    }
    for (const unsupported of ['milestone', 'mentioned', 'type', 'issue_field_values']) {
      if (q[unsupported] !== undefined) {
        this.violations.push(`issues/list-for-repo: filter '${unsupported}' is not implemented by the fake`);
      }
    }
    const sort = String(q.sort ?? 'created');
    const key = (i: FakeIssue | FakePull): string =>
      sort === 'updated' ? i.updated_at : sort === 'comments' ? String(this.commentCount(i.number)).padStart(8, '0') : i.created_at;
    list.sort((a, b) => key(a).localeCompare(key(b)) || a.number - b.number);
    if (String(q.direction ?? 'desc') === 'desc') list.reverse();
    return this.paginate(
      ctx,
      list.map((i) => this.issueJson(i)),
    );
  }

  private issuesCreate(ctx: Ctx): Reply {
    const b = ctx.body as { title: string | number; body?: string; labels?: (string | { name?: string })[]; assignees?: string[]; assignee?: string | null };
    const now = isoSeconds(this.now());
    const labels = this.ensureLabels(labelNames(b.labels ?? []));
    const assignees = [...(b.assignees ?? []), ...(b.assignee ? [b.assignee] : [])];
    const issue: FakeIssue = {
      number: this.nextNumber(),
      title: String(b.title),
      body: b.body ?? null,
      state: 'open',
      state_reason: null,
      labels,
      assignees,
      user: this.login,
      created_at: now,
      updated_at: now,
      closed_at: null,
    };
    this.issues.push(issue);
    const json = this.issueJson(issue);
    return { status: 201, body: json, headers: { location: String(json.url) } };
  }

  private issuesUpdate(ctx: Ctx): Reply {
    const item = this.getIssueOrPull(ctx);
    const b = (ctx.body ?? {}) as {
      title?: string | number | null;
      body?: string | null;
      state?: 'open' | 'closed';
      state_reason?: FakeIssue['state_reason'];
      labels?: (string | { name?: string })[];
      assignees?: string[];
    };
    const now = isoSeconds(this.now());
    const isPull = 'head' in item;
    if (b.state === 'open' && isPull && (item as FakePull).merged) {
      return this.validationFailed(ctx, [{ resource: 'Issue', field: 'state', code: 'invalid', message: 'A merged pull request cannot be reopened.' }]);
    }
    if (b.title !== undefined && b.title !== null) item.title = String(b.title);
    if (b.body !== undefined) item.body = b.body;
    if (b.labels !== undefined) item.labels = this.ensureLabels(labelNames(b.labels));
    if (b.assignees !== undefined && !isPull) (item as FakeIssue).assignees = b.assignees;
    if (b.state !== undefined && b.state !== item.state) {
      item.state = b.state;
      item.closed_at = b.state === 'closed' ? now : null;
      if (!isPull) (item as FakeIssue).state_reason = b.state === 'closed' ? (b.state_reason ?? 'completed') : 'reopened';
    }
    item.updated_at = now;
    return { status: 200, body: this.issueJson(item) };
  }

  private createComment(ctx: Ctx): Reply {
    const item = this.getIssueOrPull(ctx);
    const b = ctx.body as { body: string };
    const now = isoSeconds(this.now());
    const comment: FakeComment = {
      id: this.nextCommentId++,
      issue_number: item.number,
      body: b.body,
      user: this.login,
      created_at: now,
      updated_at: now,
    };
    this.comments.push(comment);
    item.updated_at = now;
    const json = this.commentJson(comment);
    return { status: 201, body: json, headers: { location: String(json.url) } };
  }

  private listComments(ctx: Ctx): Reply {
    const item = this.getIssueOrPull(ctx);
    let list = this.comments.filter((c) => c.issue_number === item.number);
    if (typeof ctx.query.since === 'string') {
      const since = ctx.query.since;
      list = list.filter((c) => c.updated_at >= since);
    }
    list.sort((a, b) => a.created_at.localeCompare(b.created_at) || a.id - b.id);
    return this.paginate(
      ctx,
      list.map((c) => this.commentJson(c)),
    );
  }

  private addLabels(ctx: Ctx): Reply {
    const item = this.getIssueOrPull(ctx);
    const b = ctx.body as { labels: (string | { name?: string })[] };
    const names = this.ensureLabels(labelNames(b.labels));
    for (const n of names) if (!item.labels.some((l) => l.toLowerCase() === n.toLowerCase())) item.labels.push(n);
    item.updated_at = isoSeconds(this.now());
    return { status: 200, body: item.labels.map((n) => this.labelJson(n)) };
  }

  private createLabel(ctx: Ctx): Reply {
    const b = ctx.body as { name: string; color?: string; description?: string };
    if (this.labels.some((l) => l.toLowerCase() === b.name.toLowerCase())) {
      return this.validationFailed(ctx, [{ resource: 'Label', field: 'name', code: 'already_exists' }]);
    }
    const color = (b.color ?? 'ededed').replace(/^#/, '');
    if (!/^[0-9a-fA-F]{6}$/.test(color)) {
      return this.validationFailed(ctx, [{ resource: 'Label', field: 'color', code: 'invalid' }]);
    }
    if (b.description !== undefined && b.description.length > 100) {
      return this.validationFailed(ctx, [{ resource: 'Label', field: 'description', code: 'invalid' }]);
    }
    this.labels.push(b.name);
    this.labelMeta.set(b.name.toLowerCase(), { color: color.toLowerCase(), description: b.description ?? null });
    const json = this.labelJson(b.name);
    return { status: 201, body: json, headers: { location: String(json.url) } };
  }

  private rateLimit(): Reply {
    const reset = Math.floor(this.now().getTime() / 1000) + 3600;
    const core = { limit: 5000, used: this.rateUsed, remaining: Math.max(0, 5000 - this.rateUsed), reset, resource: 'core' };
    const other = (resource: string, limit: number) => ({ limit, used: 0, remaining: limit, reset, resource });
    return {
      status: 200,
      body: {
        resources: {
          core,
          search: other('search', 30),
          graphql: other('graphql', 5000),
          integration_manifest: other('integration_manifest', 5000),
          code_search: other('code_search', 10),
        },
        rate: core,
      },
    };
  }

  /* ---------------------------------------------------------------- helpers */

  private nextNumber(): number {
    let max = 0;
    for (const p of this.pulls) max = Math.max(max, p.number);
    for (const i of this.issues) max = Math.max(max, i.number);
    return max + 1;
  }

  private commentCount(n: number): number {
    return this.comments.filter((c) => c.issue_number === n).length;
  }

  private notFound(ctx: Ctx): Reply {
    return { status: 404, body: { message: 'Not Found', documentation_url: ctx.op.docsUrl, status: '404' } };
  }

  private validationFailed(ctx: Ctx, errors: Obj[]): Reply {
    return { status: 422, body: { message: 'Validation Failed', errors, documentation_url: ctx.op.docsUrl, status: '422' } };
  }

  private getPull(ctx: Ctx): FakePull {
    const n = Number(ctx.path.pull_number);
    const pull = this.pulls.find((p) => p.number === n);
    if (!pull) throw new HttpError(404, { message: 'Not Found', documentation_url: ctx.op.docsUrl, status: '404' });
    return pull;
  }

  private getIssueOrPull(ctx: Ctx): FakeIssue | FakePull {
    const n = Number(ctx.path.issue_number);
    const item = this.issues.find((i) => i.number === n) ?? this.pulls.find((p) => p.number === n);
    if (!item) throw new HttpError(404, { message: 'Not Found', documentation_url: ctx.op.docsUrl, status: '404' });
    return item;
  }

  /** Existing label names for `names`, creating missing ones (as GitHub does). */
  private ensureLabels(names: string[]): string[] {
    const out: string[] = [];
    for (const n of names) {
      const existing = this.labels.find((l) => l.toLowerCase() === n.toLowerCase());
      const name = existing ?? n;
      if (!existing) this.labels.push(n);
      if (!out.includes(name)) out.push(name);
    }
    return out;
  }

  private paginate(ctx: Ctx, items: unknown[]): Reply {
    const { page, perPage, headers } = this.pageInfo(ctx, items.length);
    return { status: 200, body: items.slice((page - 1) * perPage, page * perPage), headers };
  }

  private async paginateAsync<T>(ctx: Ctx, items: T[], render: (page: T[]) => Promise<unknown[]>): Promise<Reply> {
    const { page, perPage, headers } = this.pageInfo(ctx, items.length);
    return { status: 200, body: await render(items.slice((page - 1) * perPage, page * perPage)), headers };
  }

  private pageInfo(ctx: Ctx, total: number): { page: number; perPage: number; headers: Record<string, string> } {
    const perPage = Math.min(100, Math.max(1, Number(ctx.query.per_page ?? 30)));
    const page = Math.max(1, Number(ctx.query.page ?? 1));
    const last = Math.max(1, Math.ceil(total / perPage));
    const link = (p: number, rel: string): string => {
      const u = new URL(ctx.url.pathname, this.url);
      for (const [k, v] of ctx.url.searchParams) if (k !== 'page') u.searchParams.set(k, v);
      u.searchParams.set('page', String(p));
      return `<${u.toString()}>; rel="${rel}"`;
    };
    const links: string[] = [];
    if (page > 1) links.push(link(Math.min(page - 1, last), 'prev'));
    if (page < last) links.push(link(page + 1, 'next'), link(last, 'last'));
    if (page > 1) links.push(link(1, 'first'));
    return { page, perPage, headers: links.length > 0 ? { link: links.join(', ') } : {} };
  }

  /* ---------------------------------------------------------------- git */

  private async branchExists(branch: string): Promise<boolean> {
    if (!this.bareRepo) return true;
    const r = await git(this.bareRepo, ['rev-parse', '--verify', '--quiet', `refs/heads/${branch}`]);
    return r.code === 0;
  }

  /** With bareRepo: 422 unless the branches exist (and head has commits not in base). Returns head SHA. */
  private async checkBranches(ctx: Ctx, head: string | undefined, base: string): Promise<string | undefined> {
    if (!this.bareRepo) return undefined;
    const errors: Obj[] = [];
    let headSha: string | undefined;
    if (head !== undefined) {
      const r = await git(this.bareRepo, ['rev-parse', '--verify', '--quiet', `refs/heads/${head}`]);
      if (r.code === 0) headSha = r.stdout.trim();
      else errors.push({ resource: 'PullRequest', field: 'head', code: 'invalid' });
    }
    if (!(await this.branchExists(base))) errors.push({ resource: 'PullRequest', field: 'base', code: 'invalid' });
    if (errors.length > 0) throw new HttpError(422, { message: 'Validation Failed', errors, documentation_url: ctx.op.docsUrl, status: '422' });
    if (head !== undefined && head !== base) {
      const r = await git(this.bareRepo, ['rev-list', '--count', `refs/heads/${base}..refs/heads/${head}`]);
      if (r.code === 0 && r.stdout.trim() === '0') {
        throw new HttpError(422, {
          message: 'Validation Failed',
          errors: [{ resource: 'PullRequest', code: 'custom', message: `No commits between ${base} and ${head}` }],
          documentation_url: ctx.op.docsUrl,
          status: '422',
        });
      }
    }
    return headSha;
  }

  /** branch -> sha from bareRepo (empty map without one). Also refreshes FakePull.head_sha. */
  private async branchShas(): Promise<Map<string, string>> {
    const map = new Map<string, string>();
    if (!this.bareRepo) return map;
    const r = await git(this.bareRepo, ['for-each-ref', '--format=%(refname:short) %(objectname)', 'refs/heads']);
    for (const line of r.stdout.split('\n')) {
      const [name, sha] = line.trim().split(' ');
      if (name && sha) map.set(name, sha);
    }
    for (const p of this.pulls) {
      const sha = map.get(p.head);
      if (sha && p.state === 'open') p.head_sha = sha;
    }
    return map;
  }

  /* ---------------------------------------------------------------- JSON builders */

  private get apiRepo(): string {
    return `${this.url}/repos/${this.owner}/${this.repo}`;
  }

  private get htmlRepo(): string {
    return `https://github.com/${this.owner}/${this.repo}`;
  }

  private userJson(login: string, type: 'User' | 'Organization' | 'Bot' = 'User'): Obj {
    const id = stableId(`user:${login}`);
    const u = `${this.url}/users/${encodeURIComponent(login)}`;
    return {
      login,
      id,
      node_id: `U_${b64(login)}`,
      avatar_url: `https://avatars.githubusercontent.com/u/${id}?v=4`,
      gravatar_id: '',
      url: u,
      html_url: `https://github.com/${encodeURIComponent(login)}`,
      followers_url: `${u}/followers`,
      following_url: `${u}/following{/other_user}`,
      gists_url: `${u}/gists{/gist_id}`,
      starred_url: `${u}/starred{/owner}{/repo}`,
      subscriptions_url: `${u}/subscriptions`,
      organizations_url: `${u}/orgs`,
      repos_url: `${u}/repos`,
      events_url: `${u}/events{/privacy}`,
      received_events_url: `${u}/received_events`,
      type,
      user_view_type: 'public',
      site_admin: false,
    };
  }

  private teamJson(slug: string): Obj {
    const id = stableId(`team:${slug}`);
    return {
      id,
      node_id: `T_${b64(slug)}`,
      url: `${this.url}/organizations/1/team/${id}`,
      members_url: `${this.url}/organizations/1/team/${id}/members{/member}`,
      name: slug,
      description: null,
      permission: 'push',
      privacy: 'closed',
      notification_setting: 'notifications_enabled',
      html_url: `https://github.com/orgs/${this.owner}/teams/${slug}`,
      repositories_url: `${this.url}/organizations/1/team/${id}/repos`,
      slug,
      type: 'organization',
      parent: null,
    };
  }

  private repoJson(full: boolean): Obj {
    const r = this.apiRepo;
    const openCount = this.issues.filter((i) => i.state === 'open').length + this.pulls.filter((p) => p.state === 'open').length;
    const json: Obj = {
      id: stableId(`repo:${this.owner}/${this.repo}`),
      node_id: `R_${b64(`${this.owner}/${this.repo}`)}`,
      name: this.repo,
      full_name: `${this.owner}/${this.repo}`,
      private: false,
      owner: this.userJson(this.owner, this.owner === this.login ? 'User' : 'Organization'),
      html_url: this.htmlRepo,
      description: 'Repository served by the Augur fake GitHub API',
      fork: false,
      url: r,
      archive_url: `${r}/{archive_format}{/ref}`,
      assignees_url: `${r}/assignees{/user}`,
      blobs_url: `${r}/git/blobs{/sha}`,
      branches_url: `${r}/branches{/branch}`,
      collaborators_url: `${r}/collaborators{/collaborator}`,
      comments_url: `${r}/comments{/number}`,
      commits_url: `${r}/commits{/sha}`,
      compare_url: `${r}/compare/{base}...{head}`,
      contents_url: `${r}/contents/{+path}`,
      contributors_url: `${r}/contributors`,
      deployments_url: `${r}/deployments`,
      downloads_url: `${r}/downloads`,
      events_url: `${r}/events`,
      forks_url: `${r}/forks`,
      git_commits_url: `${r}/git/commits{/sha}`,
      git_refs_url: `${r}/git/refs{/sha}`,
      git_tags_url: `${r}/git/tags{/sha}`,
      git_url: `git://github.com/${this.owner}/${this.repo}.git`,
      hooks_url: `${r}/hooks`,
      issue_comment_url: `${r}/issues/comments{/number}`,
      issue_events_url: `${r}/issues/events{/number}`,
      issues_url: `${r}/issues{/number}`,
      keys_url: `${r}/keys{/key_id}`,
      labels_url: `${r}/labels{/name}`,
      languages_url: `${r}/languages`,
      merges_url: `${r}/merges`,
      milestones_url: `${r}/milestones{/number}`,
      notifications_url: `${r}/notifications{?since,all,participating}`,
      pulls_url: `${r}/pulls{/number}`,
      releases_url: `${r}/releases{/id}`,
      ssh_url: `git@github.com:${this.owner}/${this.repo}.git`,
      stargazers_url: `${r}/stargazers`,
      statuses_url: `${r}/statuses/{sha}`,
      subscribers_url: `${r}/subscribers`,
      subscription_url: `${r}/subscription`,
      tags_url: `${r}/tags`,
      teams_url: `${r}/teams`,
      trees_url: `${r}/git/trees{/sha}`,
      clone_url: `${this.htmlRepo}.git`,
      mirror_url: null,
      svn_url: this.htmlRepo,
      homepage: null,
      language: 'YAML',
      forks_count: 0,
      forks: 0,
      stargazers_count: 0,
      watchers_count: 0,
      watchers: 0,
      size: 128,
      default_branch: this.defaultBranch,
      open_issues_count: openCount,
      open_issues: openCount,
      is_template: false,
      topics: [],
      has_issues: true,
      has_projects: false,
      has_wiki: false,
      has_pages: false,
      has_downloads: true,
      has_discussions: false,
      archived: false,
      disabled: false,
      visibility: 'public',
      pushed_at: this.createdAt,
      created_at: this.createdAt,
      updated_at: this.createdAt,
      permissions: { admin: false, maintain: false, push: true, triage: true, pull: true },
      allow_rebase_merge: true,
      allow_squash_merge: true,
      allow_merge_commit: true,
      allow_auto_merge: false,
      delete_branch_on_merge: true,
      allow_forking: true,
      web_commit_signoff_required: false,
      license: null,
    };
    if (full) {
      json.network_count = 0;
      json.subscribers_count = 0;
      json.temp_clone_token = null;
      json.allow_update_branch = false;
      json.use_squash_pr_title_as_default = false;
      json.squash_merge_commit_title = 'COMMIT_OR_PR_TITLE';
      json.squash_merge_commit_message = 'COMMIT_MESSAGES';
      json.merge_commit_title = 'MERGE_MESSAGE';
      json.merge_commit_message = 'PR_TITLE';
      json.security_and_analysis = null;
    }
    return json;
  }

  private reviewJson(r: FakeReview): Obj {
    const html = `${this.htmlRepo}/pull/${r.pull_number}#pullrequestreview-${r.id}`;
    const api = `${this.url}/repos/${this.owner}/${this.repo}/pulls/${r.pull_number}`;
    return {
      id: r.id,
      node_id: b64(`PRR_${r.id}`),
      user: this.userJson(r.user),
      body: '',
      state: r.state,
      html_url: html,
      pull_request_url: api,
      author_association: this.authorAssociation(r.user),
      _links: { html: { href: html }, pull_request: { href: api } },
      submitted_at: r.submitted_at,
      commit_id: sha1(`${r.pull_number}`),
    };
  }

  private labelJson(name: string): Obj {
    const meta = this.labelMeta.get(name.toLowerCase());
    return {
      id: stableId(`label:${name.toLowerCase()}`),
      node_id: `LA_${b64(name)}`,
      url: `${this.apiRepo}/labels/${encodeURIComponent(name)}`,
      name,
      description: meta?.description ?? null,
      color: meta?.color ?? sha1(name).slice(0, 6),
      default: false,
    };
  }

  private authorAssociation(login: string): string {
    return login.toLowerCase() === this.owner.toLowerCase() ? 'OWNER' : 'MEMBER';
  }

  private pullJson(p: FakePull, full: boolean, shas: Map<string, string>): Obj {
    const r = this.apiRepo;
    const n = p.number;
    const html = `${this.htmlRepo}/pull/${n}`;
    const headSha = (p.state === 'open' ? shas.get(p.head) : undefined) ?? p.head_sha;
    const baseSha = shas.get(p.base) ?? sha1(`base:${p.base}`);
    const repo = this.repoJson(false);
    const ownerUser = this.userJson(this.owner, this.owner === this.login ? 'User' : 'Organization');
    const json: Obj = {
      url: `${r}/pulls/${n}`,
      id: 1_000_000_000 + n,
      node_id: `PR_${b64(`${this.owner}/${this.repo}#${n}`)}`,
      html_url: html,
      diff_url: `${html}.diff`,
      patch_url: `${html}.patch`,
      issue_url: `${r}/issues/${n}`,
      commits_url: `${r}/pulls/${n}/commits`,
      review_comments_url: `${r}/pulls/${n}/comments`,
      review_comment_url: `${r}/pulls/comments{/number}`,
      comments_url: `${r}/issues/${n}/comments`,
      statuses_url: `${r}/statuses/${headSha}`,
      number: n,
      state: p.state,
      locked: false,
      title: p.title,
      user: this.userJson(p.user),
      body: p.body,
      // The spec's pull-request-simple (list, request-reviewers) declares label
      // `description` as a non-nullable string while pull-request allows null; real
      // GitHub sends null for both. Follow the spec: '' in the simple form.
      labels: p.labels.map((l) => {
        const label = this.labelJson(l);
        return full || label.description !== null ? label : { ...label, description: '' };
      }),
      milestone: null,
      active_lock_reason: null,
      created_at: p.created_at,
      updated_at: p.updated_at,
      closed_at: p.closed_at,
      merged_at: p.merged_at,
      merge_commit_sha: sha1(`merge:${n}:${headSha}`),
      assignee: null,
      assignees: [],
      requested_reviewers: p.requested_reviewers.map((u) => this.userJson(u)),
      requested_teams: p.requested_teams.map((t) => this.teamJson(t)),
      head: { label: `${this.owner}:${p.head}`, ref: p.head, sha: headSha, user: ownerUser, repo },
      base: { label: `${this.owner}:${p.base}`, ref: p.base, sha: baseSha, user: ownerUser, repo },
      _links: {
        self: { href: `${r}/pulls/${n}` },
        html: { href: html },
        issue: { href: `${r}/issues/${n}` },
        comments: { href: `${r}/issues/${n}/comments` },
        review_comments: { href: `${r}/pulls/${n}/comments` },
        review_comment: { href: `${r}/pulls/comments{/number}` },
        commits: { href: `${r}/pulls/${n}/commits` },
        statuses: { href: `${r}/statuses/${headSha}` },
      },
      author_association: this.authorAssociation(p.user),
      auto_merge: null,
      draft: p.draft,
    };
    if (full) {
      json.merged = p.merged;
      json.mergeable = p.state === 'open' ? true : null;
      json.rebaseable = p.state === 'open' ? true : null;
      json.mergeable_state = p.state === 'open' ? (p.draft ? 'draft' : 'clean') : 'unknown';
      json.merged_by = p.merged ? this.userJson(this.owner, this.owner === this.login ? 'User' : 'Organization') : null;
      json.comments = this.commentCount(n);
      json.review_comments = 0;
      json.maintainer_can_modify = p.maintainer_can_modify;
      json.commits = 1;
      json.additions = 1;
      json.deletions = 1;
      json.changed_files = 1;
    }
    return json;
  }

  private issueJson(i: FakeIssue | FakePull): Obj {
    const r = this.apiRepo;
    const n = i.number;
    const isPull = 'head' in i;
    const html = `${this.htmlRepo}/${isPull ? 'pull' : 'issues'}/${n}`;
    const json: Obj = {
      id: 2_000_000_000 + n,
      node_id: `${isPull ? 'PR' : 'I'}_kw${b64(`${this.owner}/${this.repo}#${n}`)}`,
      url: `${r}/issues/${n}`,
      repository_url: r,
      labels_url: `${r}/issues/${n}/labels{/name}`,
      comments_url: `${r}/issues/${n}/comments`,
      events_url: `${r}/issues/${n}/events`,
      html_url: html,
      timeline_url: `${r}/issues/${n}/timeline`,
      number: n,
      state: i.state,
      state_reason: isPull ? null : (i as FakeIssue).state_reason,
      title: i.title,
      body: i.body,
      user: this.userJson(i.user),
      labels: i.labels.map((l) => this.labelJson(l)),
      assignee: null,
      assignees: isPull ? [] : (i as FakeIssue).assignees.map((a) => this.userJson(a)),
      milestone: null,
      locked: false,
      active_lock_reason: null,
      comments: this.commentCount(n),
      closed_at: i.closed_at,
      created_at: i.created_at,
      updated_at: i.updated_at,
      closed_by: i.state === 'closed' ? this.userJson(this.login) : null,
      author_association: this.authorAssociation(i.user),
      performed_via_github_app: null,
      reactions: {
        url: `${r}/issues/${n}/reactions`,
        total_count: 0,
        '+1': 0,
        '-1': 0,
        laugh: 0,
        hooray: 0,
        confused: 0,
        heart: 0,
        rocket: 0,
        eyes: 0,
      },
    };
    if (!isPull) {
      const assignees = (i as FakeIssue).assignees;
      if (assignees[0] !== undefined) json.assignee = this.userJson(assignees[0]);
    }
    if (isPull) {
      const p = i as FakePull;
      json.draft = p.draft;
      json.pull_request = {
        url: `${r}/pulls/${n}`,
        html_url: html,
        diff_url: `${html}.diff`,
        patch_url: `${html}.patch`,
        merged_at: p.merged_at,
      };
    }
    return json;
  }

  private commentJson(c: FakeComment): Obj {
    const r = this.apiRepo;
    const item = this.pulls.find((p) => p.number === c.issue_number);
    const html = `${this.htmlRepo}/${item ? 'pull' : 'issues'}/${c.issue_number}#issuecomment-${c.id}`;
    return {
      id: c.id,
      node_id: `IC_${b64(`${this.owner}/${this.repo}#${c.id}`)}`,
      url: `${r}/issues/comments/${c.id}`,
      html_url: html,
      issue_url: `${r}/issues/${c.issue_number}`,
      body: c.body,
      user: this.userJson(c.user),
      created_at: c.created_at,
      updated_at: c.updated_at,
      author_association: this.authorAssociation(c.user),
      performed_via_github_app: null,
      reactions: {
        url: `${r}/issues/comments/${c.id}/reactions`,
        total_count: 0,
        '+1': 0,
        '-1': 0,
        laugh: 0,
        hooray: 0,
        confused: 0,
        heart: 0,
        rocket: 0,
        eyes: 0,
      },
    };
  }
}

function labelNames(labels: (string | { name?: string })[]): string[] {
  const out: string[] = [];
  for (const l of labels) {
    const name = typeof l === 'string' ? l : l.name;
    if (name !== undefined && name !== '') out.push(name);
  }
  return out;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function git(gitDir: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('git', [`--git-dir=${gitDir}`, ...args], { encoding: 'utf8' }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}
