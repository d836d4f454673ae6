// Series fuzz: arbitrary series and real traces (test/fixtures/traces, copied from ../shared/traces)
// mutated with negative, zero, NaN, infinite and huge samples, gaps and stale tails, with arbitrary
// guardrails and manifest values, through the real runCycle (gather, decide, admit, publish). The
// edges are in-memory fakes of the ports (MetricsSource, Workspace, Forge, Logger); every Augur
// module runs as it is. Properties: the cycle never throws and no target ends in an error; every
// proposal is finite and within the guardrails (min/max replicas, maxCpuPerPod/maxMemoryPerPod,
// the step limit, the request floors); a request never ends above its limit; the files pushed
// differ from the base only in the edited scalars and still parse; PR bodies, the dashboard and
// log lines carry no planted secret and no NaN or Infinity.
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { parseAllDocuments } from 'yaml';
import { runCycle } from '../../src/agent/cycle.js';
import { readSecret } from '../../src/agent/wire.js';
import type { SecretRef } from '../../src/config/fields.js';
import { parseConfig } from '../../src/config/load.js';
import { redactValue } from '../../src/config/redact.js';
import { effectiveSettings, type Config } from '../../src/config/schema.js';
import { heldBy, type Change, type Decision } from '../../src/domain/decision.js';
import { scheduleHours } from '../../src/domain/schedule.js';
import type { Forge, OpenPullRequest, PullRequestInfo } from '../../src/domain/forge.js';
import type { BranchState, Logger, MetricsSource, Workspace } from '../../src/domain/ports.js';
import { MetricsError, type MetricRef, type RangeWindow, type Series } from '../../src/domain/series.js';
import type { BlockEdit, FieldKey } from '../../src/domain/workload.js';
import { parseMeta } from '../../src/forge/meta.js';
import { isWhole } from '../../src/guardrails/steps.js';
import { memRepo } from '../../src/manifests/testing.js';
import { READ_SECRETS, describeError, leaked, tally, type Failure, type FuzzKind } from './harness.js';
import { checkEditedFiles } from './manifests.js';

const TRACES = fileURLToPath(new URL('../fixtures/traces/', import.meta.url));
/** Real traces, values only (each read as if sampled at the cycle's step). */
const traces: number[][] = readdirSync(TRACES)
  .filter((f) => f.endsWith('.csv'))
  .sort()
  .map((f) =>
    readFileSync(`${TRACES}${f}`, 'utf8')
      .trim()
      .split('\n')
      .slice(1)
      .map((row) => Number(row.split(',')[1])),
  );

const NOW = Date.parse('2026-12-07T09:00:00Z') / 1000;
const FILE = 'apps/web/deployment.yaml';
const HPA_FILE = 'apps/web/hpa.yaml';
const KEDA_FILE = 'apps/web/scaledobject.yaml';
const QUERIES = { load: 'fuzz_load', cpu: 'fuzz_cpu', memory: 'fuzz_memory', oomKills: 'fuzz_oom', replicas: 'fuzz_replicas' } as const;
type MetricName = keyof typeof QUERIES;

/** How a metric answers: a series, a real trace mutated, an error (maybe echoing a secret), or no such metric configured. */
type SeriesSpec =
  | { kind: 'absent' }
  | { kind: 'error'; echoSecret: boolean }
  | { kind: 'values'; values: number[]; staleSteps: number }
  | { kind: 'trace'; trace: number; offset: number; scale: number; mutations: Mutation[]; length: number; staleSteps: number };

type Mutation = { at: number; len: number; to: number | 'nan' | 'neg' | 'zero' };

export interface SeriesCase {
  stepMinutes: number;
  historyDays: number;
  policy: {
    minReplicas: number;
    maxReplicas: number;
    maxCpuMilli: number;
    minCpuMilli: number;
    maxMemoryMi: number;
    minMemoryMi: number;
    up: number;
    down: number;
    minChangePercent: number;
    scaleDownOnEvidenceOnly: boolean;
    maxRawChangeFactor: number;
    minAccuracy: number;
  };
  perReplica: number;
  manifest: {
    hpa: { min: number; max: number } | undefined;
    /** A KEDA ScaledObject instead (with a cpu trigger), and sizing.schedule on with this many windows: the schedule and its cost above the replicas metric. */
    keda: { min: number; max: number | undefined; maxWindows: number } | undefined;
    replicas: number | undefined;
    cpuRequestMilli: number | undefined;
    cpuLimitMilli: number | undefined;
    memoryRequestMi: number | undefined;
    memoryLimitMi: number | undefined;
    /** How quantities are written: 250m and 512Mi, or 0.2505 cores and 536870912 bytes / 512M (off the MiB and millicore grid). */
    style: 'units' | 'decimal';
  };
  metrics: Record<MetricName, SeriesSpec>;
  /**
   * Sizes the capacity and the current requests from the series themselves (the load's p95 over
   * the current replicas, the usage's p95), times these factors, so that many cases get past the
   * plausibility hold and propose; undefined leaves them as drawn.
   */
  match: { load?: number; cpu?: number; memory?: number };
}

// ---- arbitraries ----

const weird = fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 1e300, -1e300, Number.MAX_VALUE, Number.MIN_VALUE, -0, 0, -1, 1e15, 1e-12);
const sample = fc.oneof(
  { weight: 6, arbitrary: fc.double({ min: 0, max: 1e6, noNaN: true }) },
  { weight: 2, arbitrary: fc.double() },
  { weight: 2, arbitrary: weird },
);

const mutation: fc.Arbitrary<Mutation> = fc.record({
  at: fc.nat(4000),
  len: fc.integer({ min: 1, max: 400 }),
  to: fc.oneof(fc.constantFrom<Mutation['to']>('nan', 'neg', 'zero'), weird, fc.double({ min: -1e6, max: 1e9, noNaN: true })),
});

const seriesSpec = (optional: boolean): fc.Arbitrary<SeriesSpec> =>
  fc.oneof(
    // A real trace as it is, scaled: most cases, so that many get as far as a proposal.
    { weight: 6, arbitrary: fc.record({ kind: fc.constant('trace' as const), trace: fc.nat(traces.length - 1), offset: fc.nat(20_000), scale: fc.double({ min: 1e-3, max: 1e3, noNaN: true }), mutations: fc.constant<Mutation[]>([]), length: fc.constant<number>(0), staleSteps: fc.constant<number>(0) }) },
    { weight: 4, arbitrary: fc.record({ kind: fc.constant('trace' as const), trace: fc.nat(traces.length - 1), offset: fc.nat(20_000), scale: fc.oneof(fc.double({ min: 1e-4, max: 1e3, noNaN: true }), fc.constantFrom(0, -1, 1e300, 1)), mutations: fc.array(mutation, { maxLength: 4 }), length: fc.integer({ min: 0, max: 5000 }), staleSteps: fc.oneof({ weight: 5, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.nat(50) }) }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('values' as const), values: fc.array(sample, { maxLength: 400 }), staleSteps: fc.nat(3) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('error' as const), echoSecret: fc.boolean() }) },
    ...(optional ? [{ weight: 1, arbitrary: fc.constant({ kind: 'absent' as const }) }] : []),
  );

const matchFactor = fc.option(fc.double({ min: 0.3, max: 3, noNaN: true }), { nil: undefined, freq: 3 });

const optionalInt = (min: number, max: number) => fc.option(fc.integer({ min, max }), { nil: undefined, freq: 4 });

export const seriesCase: fc.Arbitrary<SeriesCase> = fc
  .record({
    stepMinutes: fc.constantFrom(5, 15, 60),
    historyDays: fc.integer({ min: 2, max: 14 }),
    minReplicas: fc.integer({ min: 0, max: 6 }),
    spanReplicas: fc.integer({ min: 0, max: 80 }),
    cpu: fc.tuple(fc.integer({ min: 1, max: 500 }), fc.integer({ min: 1, max: 16_000 })),
    memory: fc.tuple(fc.integer({ min: 1, max: 512 }), fc.integer({ min: 1, max: 65_536 })),
    up: fc.oneof(fc.integer({ min: 0, max: 400 }), fc.constant(100)),
    down: fc.integer({ min: 0, max: 100 }),
    minChangePercent: fc.integer({ min: 0, max: 25 }),
    scaleDownOnEvidenceOnly: fc.boolean(),
    maxRawChangeFactor: fc.oneof(fc.constant(4), fc.double({ min: 1.01, max: 1e6, noNaN: true })),
    minAccuracy: fc.oneof(fc.constant(0), fc.constant(0.5), fc.double({ min: 0, max: 1, noNaN: true })),
    perReplica: fc.oneof(fc.double({ min: 1e-3, max: 1e6, noNaN: true }), fc.constantFrom(450, 1, 1e-9, 1e12)),
    hpa: fc.option(fc.tuple(fc.integer({ min: 1, max: 60 }), fc.integer({ min: 0, max: 60 })), { nil: undefined }),
    keda: fc.option(fc.tuple(fc.integer({ min: 0, max: 20 }), fc.option(fc.integer({ min: 0, max: 100 }), { nil: undefined }), fc.integer({ min: 1, max: 6 })), { nil: undefined, freq: 3 }),
    replicas: optionalInt(0, 200),
    cpuRequestMilli: optionalInt(1, 20_000),
    cpuLimitMilli: optionalInt(1, 20_000),
    memoryRequestMi: optionalInt(1, 70_000),
    memoryLimitMi: optionalInt(1, 70_000),
    style: fc.constantFrom<'units' | 'decimal'>('units', 'units', 'decimal'),
    metrics: fc.record({ load: seriesSpec(false), cpu: seriesSpec(true), memory: seriesSpec(true), oomKills: seriesSpec(true), replicas: seriesSpec(true) }),
    match: fc.record({ load: matchFactor, cpu: matchFactor, memory: matchFactor }),
  })
  .map((r): SeriesCase => {
    const [minCpu, maxCpu] = [Math.min(...r.cpu), Math.max(...r.cpu)];
    const [minMem, maxMem] = [Math.min(...r.memory), Math.max(...r.memory)];
    return {
      stepMinutes: r.stepMinutes,
      historyDays: r.historyDays,
      policy: {
        minReplicas: r.minReplicas,
        maxReplicas: Math.max(1, r.minReplicas + r.spanReplicas),
        minCpuMilli: minCpu,
        maxCpuMilli: maxCpu,
        minMemoryMi: minMem,
        maxMemoryMi: maxMem,
        up: r.up,
        down: r.down,
        minChangePercent: r.minChangePercent,
        scaleDownOnEvidenceOnly: r.scaleDownOnEvidenceOnly,
        maxRawChangeFactor: r.maxRawChangeFactor,
        minAccuracy: r.minAccuracy,
      },
      perReplica: r.perReplica,
      manifest: {
        hpa: r.hpa && !r.keda ? { min: r.hpa[0], max: r.hpa[0] + r.hpa[1] } : undefined,
        keda: r.keda ? { min: r.keda[0], max: r.keda[1] === undefined ? undefined : r.keda[0] + r.keda[1], maxWindows: r.keda[2] } : undefined,
        replicas: r.replicas,
        cpuRequestMilli: r.cpuRequestMilli,
        cpuLimitMilli: r.cpuLimitMilli,
        memoryRequestMi: r.memoryRequestMi,
        memoryLimitMi: r.memoryLimitMi,
        style: r.style,
      },
      metrics: r.metrics,
      match: r.match,
    };
  });

// ---- the case as Augur sees it ----

/** The window gather asks for: the configured history, ending at the cycle's clock. */
function windowOf(c: SeriesCase): RangeWindow {
  const step = c.stepMinutes * 60;
  const end = Math.floor(NOW / step) * step;
  return { start: end - c.historyDays * 86_400 + step, end, stepSeconds: step };
}

function p95(spec: SeriesSpec, window: RangeWindow): number | undefined {
  if (spec.kind !== 'trace' && spec.kind !== 'values') return undefined;
  const v = seriesFor(spec, window).values.filter((x) => Number.isFinite(x) && x > 0).sort((a, b) => a - b);
  return v.length === 0 ? undefined : v[Math.floor(v.length * 0.95)];
}

/** The case with its capacity and current requests sized from its own series (SeriesCase.match). */
function matched(c: SeriesCase): SeriesCase {
  const w = windowOf(c);
  const out = { ...c, manifest: { ...c.manifest } };
  const load = p95(c.metrics.load, w);
  const replicas = c.manifest.hpa ? c.manifest.hpa.max : (c.manifest.replicas ?? 1);
  if (c.match.load !== undefined && load !== undefined) out.perReplica = Math.min(1e12, Math.max(1e-6, load / Math.max(1, replicas) / c.match.load));
  const cpu = p95(c.metrics.cpu, w);
  if (c.match.cpu !== undefined && cpu !== undefined) out.manifest.cpuRequestMilli = Math.max(1, Math.min(1e6, Math.round(cpu * 1000 * c.match.cpu)));
  const memory = p95(c.metrics.memory, w);
  if (c.match.memory !== undefined && memory !== undefined) out.manifest.memoryRequestMi = Math.max(1, Math.min(1e7, Math.round((memory / 2 ** 20) * c.match.memory)));
  return out;
}

function configYaml(c: SeriesCase): string {
  const p = c.policy;
  const metric = (name: MetricName) => (c.metrics[name].kind === 'absent' ? [] : [`        ${name}: { query: ${QUERIES[name]} }`]);
  return [
    'prometheus:',
    '  url: http://prometheus.fuzz.invalid:9090',
    `  step: ${c.stepMinutes}m`,
    `  history: ${c.historyDays}d`,
    '  auth: { bearer: { env: AUGUR_FUZZ_BEARER } }',
    'git: { url: /nonexistent/fuzz.git, token: { env: AUGUR_FUZZ_GIT_TOKEN } }',
    'forge: { type: github, owner: acme, repo: manifests, token: { env: AUGUR_FUZZ_TOKEN }, labels: [augur], reviewers: [oncall] }',
    'cluster: { enabled: false }',
    'webhooks:',
    '  github: { secret: { env: AUGUR_FUZZ_WEBHOOK } }',
    '  alertmanager: { token: { env: AUGUR_FUZZ_AM } }',
    'policy:',
    `  minReplicas: ${p.minReplicas}`,
    `  maxReplicas: ${p.maxReplicas}`,
    `  maxCpuPerPod: ${p.maxCpuMilli}m`,
    `  minCpuPerPod: ${p.minCpuMilli}m`,
    `  maxMemoryPerPod: ${p.maxMemoryMi}Mi`,
    `  minMemoryPerPod: ${p.minMemoryMi}Mi`,
    `  maxStepPercent: { up: ${p.up}, down: ${p.down} }`,
    `  minChangePercent: ${p.minChangePercent}`,
    `  scaleDownOnEvidenceOnly: ${p.scaleDownOnEvidenceOnly}`,
    `  maxRawChangeFactor: ${p.maxRawChangeFactor}`,
    `  minAccuracy: ${p.minAccuracy}`,
    '  minHistory: 1d',
    'sizing: { reselectEvery: 0s }',
    'targets:',
    '  - namespace: shop',
    '    name: web',
    `    manifest: { format: plain, path: ${FILE} }`,
    '    metrics:',
    ...metric('load'),
    ...metric('cpu'),
    ...metric('memory'),
    ...metric('oomKills'),
    ...(c.manifest.keda ? metric('replicas') : []),
    `    capacity: { perReplica: ${c.perReplica} }`,
    ...(c.manifest.keda ? [`    sizing: { schedule: { enabled: true, maxWindows: ${c.manifest.keda.maxWindows} } }`] : []),
  ].join('\n');
}

function manifestFiles(c: SeriesCase): Record<string, string> {
  const m = c.manifest;
  // Off the grid: a little over the millicore, the decimal megabyte or the odd byte.
  const cpuText = (milli: number) => (m.style === 'units' ? `${milli}m` : `${(milli + 0.4) / 1000}`);
  const memText = (mi: number) => (m.style === 'units' ? `${mi}Mi` : mi % 2 === 0 ? `${Math.round(mi * 1.048576)}M` : `${mi * 2 ** 20 + 123}`);
  const res = (kind: 'requests' | 'limits', cpu: number | undefined, mem: number | undefined) =>
    cpu === undefined && mem === undefined ? [] : [`            ${kind}:`, ...(cpu !== undefined ? [`              cpu: ${cpuText(cpu)}`] : []), ...(mem !== undefined ? [`              memory: ${memText(mem)}`] : [])];
  const resources = [...res('requests', m.cpuRequestMilli, m.memoryRequestMi), ...res('limits', m.cpuLimitMilli, m.memoryLimitMi)];
  const deployment = [
    'apiVersion: apps/v1',
    'kind: Deployment',
    'metadata:',
    '  name: web',
    '  namespace: shop',
    'spec:',
    ...(m.replicas !== undefined && !m.hpa && !m.keda ? [`  replicas: ${m.replicas}`] : []),
    '  template:',
    '    spec:',
    '      containers:',
    '        - name: web',
    '          image: nginx:1.27',
    ...(resources.length > 0 ? ['          resources:', ...resources] : []),
    '',
  ].join('\n');
  const files: Record<string, string> = { [FILE]: deployment };
  if (m.hpa) {
    files[HPA_FILE] = [
      'apiVersion: autoscaling/v2',
      'kind: HorizontalPodAutoscaler',
      'metadata:',
      '  name: web',
      '  namespace: shop',
      'spec:',
      '  scaleTargetRef: { apiVersion: apps/v1, kind: Deployment, name: web }',
      `  minReplicas: ${m.hpa.min}`,
      `  maxReplicas: ${m.hpa.max}`,
      '',
    ].join('\n');
  }
  if (m.keda) {
    files[KEDA_FILE] = [
      'apiVersion: keda.sh/v1alpha1',
      'kind: ScaledObject',
      'metadata:',
      '  name: web',
      '  namespace: shop',
      'spec:',
      '  scaleTargetRef: { name: web }',
      `  minReplicaCount: ${m.keda.min}`,
      ...(m.keda.max !== undefined ? [`  maxReplicaCount: ${m.keda.max}`] : []),
      '  triggers:',
      '    - type: cpu',
      '      metricType: Utilization',
      '      metadata: { value: "60" }',
      '',
    ].join('\n');
  }
  return files;
}

function seriesFor(spec: SeriesSpec, window: RangeWindow): Series {
  const n = Math.max(0, Math.floor((window.end - window.start) / window.stepSeconds) + 1);
  let values: number[];
  let stale = 0;
  if (spec.kind === 'values') {
    values = spec.values.slice(-n);
    stale = spec.staleSteps;
  } else if (spec.kind === 'trace') {
    const trace = traces[spec.trace]!;
    const len = Math.min(n, spec.length === 0 ? n : spec.length);
    values = Array.from({ length: len }, (_, i) => (trace[(spec.offset + i) % trace.length] ?? Number.NaN) * spec.scale);
    for (const m of spec.mutations) {
      for (let i = m.at; i < Math.min(values.length, m.at + m.len); i++) {
        values[i] = m.to === 'nan' ? Number.NaN : m.to === 'neg' ? -Math.abs(values[i]!) - 1 : m.to === 'zero' ? 0 : m.to;
      }
    }
    stale = spec.staleSteps;
  } else {
    values = [];
  }
  // Aligned to the window's end, the last `stale` steps missing (a scrape that stopped).
  const count = values.length;
  const timestamps = Array.from({ length: count }, (_, i) => window.end - (count - 1 - i) * window.stepSeconds);
  for (let i = Math.max(0, count - stale); i < count; i++) values[i] = Number.NaN;
  return { timestamps, values, stepSeconds: window.stepSeconds };
}

class FakeMetrics implements MetricsSource {
  constructor(private readonly c: SeriesCase) {}
  async range(ref: MetricRef, window: RangeWindow): Promise<Series> {
    const name = (Object.keys(QUERIES) as MetricName[]).find((k) => 'promql' in ref && ref.promql === QUERIES[k]);
    if (!name) throw new MetricsError(`no such fuzz metric ${JSON.stringify(ref)}`, ref);
    const spec = this.c.metrics[name];
    if (spec.kind === 'error') {
      // A proxy in front of Prometheus that echoes the request headers in its error page.
      throw new MetricsError(`Prometheus rejected the query ${QUERIES[name]}: HTTP 401${spec.echoSecret ? ` (proxy said: bad header "Authorization: Bearer ${READ_SECRETS.bearer}" for token ${READ_SECRETS.token})` : ''}`, ref);
    }
    return seriesFor(spec, window);
  }
}

class MemWorkspace implements Workspace {
  readonly pushed: { branch: string; files: Map<string, string>; message: string }[] = [];
  constructor(private readonly files: Record<string, string>) {}
  async sync() {
    return 'f'.repeat(40);
  }
  view() {
    return memRepo(this.files);
  }
  async publish(branch: string, files: Map<string, string>, message: string) {
    this.pushed.push({ branch, files, message });
    return 'a'.repeat(40);
  }
  async branch(): Promise<BranchState | undefined> {
    return undefined;
  }
}

class MemForge implements Forge {
  readonly name = 'fuzz in-memory forge';
  readonly opened: OpenPullRequest[] = [];
  readonly texts: string[] = [];
  dashboard: string | undefined;
  async listPullRequests() {
    return [];
  }
  async openPullRequest(pr: OpenPullRequest): Promise<PullRequestInfo> {
    this.opened.push(pr);
    this.texts.push(pr.title, pr.body);
    const meta = parseMeta(pr.body);
    return { number: this.opened.length, branch: pr.branch, title: pr.title, state: 'open', merged: false, url: `mem://pulls/${this.opened.length}`, createdAt: NOW, body: pr.body, ...(meta ? { meta } : {}) };
  }
  async updatePullRequest(_n: number, u: { title: string; body: string }) {
    this.texts.push(u.title, u.body);
  }
  async commentOnPullRequest(_n: number, comment: string, body: string) {
    this.texts.push(comment, body);
  }
  async closePullRequest(_n: number, comment: string, body: string) {
    this.texts.push(comment, body);
  }
  async ensurePullRequestExtras() {
    return [];
  }
  async upsertDashboard(title: string, body: string) {
    this.dashboard = body;
    this.texts.push(title, body);
    return 'mem://dashboard';
  }
}

/** A logger as buildLogger's: every argument through the redaction hook, then kept as JSON. */
class MemLog implements Logger {
  readonly lines: string[] = [];
  private put(obj: object, msg?: string) {
    this.lines.push(JSON.stringify(redactValue([obj, msg ?? ''])));
  }
  info(obj: object, msg?: string) {
    this.put(obj, msg);
  }
  warn(obj: object, msg?: string) {
    this.put(obj, msg);
  }
  error(obj: object, msg?: string) {
    this.put(obj, msg);
  }
}

const ENV = { AUGUR_FUZZ_BEARER: READ_SECRETS.bearer, AUGUR_FUZZ_GIT_TOKEN: READ_SECRETS.password, AUGUR_FUZZ_TOKEN: READ_SECRETS.token, AUGUR_FUZZ_WEBHOOK: READ_SECRETS.webhook, AUGUR_FUZZ_AM: READ_SECRETS.alertmanager };

/** The secrets read as wiring reads them (readSecret remembers each for redaction). */
function readSecrets(config: Config): void {
  const p = config.prometheus?.auth;
  if (p && 'bearer' in p) readSecret(p.bearer, 'prometheus.auth.bearer', ENV);
  if (config.git.token) readSecret(config.git.token, 'git.token', ENV);
  if (config.forge.type === 'github' && config.forge.token) readSecret(config.forge.token, 'forge.token', ENV);
  const github = (config.webhooks as { github?: { secret: SecretRef } } | undefined)?.github;
  if (github) readSecret(github.secret, 'webhooks.github.secret', ENV);
  if (config.webhooks?.alertmanager) readSecret(config.webhooks.alertmanager.token, 'webhooks.alertmanager.token', ENV);
}

// ---- the properties ----

/** One case through the real runCycle on in-memory ports: what it reported, wrote and logged. */
export async function runSeriesCase(drawn: SeriesCase) {
  const c = matched(drawn);
  const loaded = parseConfig(configYaml(c), 'fuzz-series.yaml');
  readSecrets(loaded.config);
  const files = manifestFiles(c);
  const workspace = new MemWorkspace(files);
  const forge = new MemForge();
  const log = new MemLog();
  const report = await runCycle({ config: loaded.config, metrics: new FakeMetrics(c), workspace, forge, now: NOW, log });
  return { report, forge, log, workspace, files, config: loaded.config };
}

export async function checkSeries(drawn: SeriesCase): Promise<Failure | undefined> {
  let ran: Awaited<ReturnType<typeof runSeriesCase>>;
  try {
    ran = await runSeriesCase(drawn);
  } catch (err) {
    return { kind: 'crash', message: `runCycle threw ${describeError(err)}` };
  }
  const { report, forge, log, workspace, files, config } = ran;
  for (const o of report.outcomes) if (o.error) return { kind: 'crash', message: `target ended in an error: ${o.error}` };
  for (const o of report.outcomes) tally(seriesKind, o.decision?.verdict === 'hold' ? `hold:${heldBy(o.decision)?.rule ?? '?'}` : (o.decision?.verdict ?? 'none'));
  const { policy } = effectiveSettings(config, config.targets[0]!);
  for (const o of report.outcomes) {
    const d = o.decision;
    if (!d) return { kind: 'violation', message: 'a target without an error has no decision' };
    const bad = decisionViolation(d, policy);
    if (bad) return { kind: 'violation', message: `${d.verdict}: ${bad}; changes ${JSON.stringify(d.changes)}` };
  }
  // What was pushed is what was decided, written only in the edited scalars.
  for (const push of workspace.pushed) {
    const items = report.proposals.flatMap((p) => p.proposal.items);
    const edits = items.flatMap((i) => i.edits);
    // A schedule's trigger block: the file is the original with exactly its blocks replaced, and still parses.
    const blocks = items.flatMap((i) => i.blocks);
    const scalars = new Map([...push.files].filter(([file]) => !blocks.some((b) => b.file === file)));
    const bad = checkEditedFiles(memRepo(files), edits, scalars) ?? blockViolation(files, blocks, push.files);
    if (bad) return { kind: 'violation', message: `pushed files: ${bad}` };
  }
  const outputs = [...forge.texts, ...log.lines, ...workspace.pushed.map((p) => p.message), ...report.outcomes.map((o) => o.error ?? '')];
  for (const text of outputs) {
    const secrets = leaked(text);
    if (secrets.length > 0) return { kind: 'violation', message: `secret ${secrets.join(', ')} in an output: ${excerpt(text, secrets[0]!)}` };
  }
  for (const text of forge.texts) {
    // "all missing or NaN" is words about a series, not a number.
    // The hidden metadata block is for machines (full-precision JSON), not a reader.
    const m = /NaN|Infinity|\d{22,}|\de\+\d/.exec(text.replace(/missing or NaN/g, '').replace(/<!--[\s\S]*?-->/g, ''));
    if (m) return { kind: 'violation', message: `a number that is not finite and short in a PR or the dashboard: ${excerpt(text, m[0])}` };
  }
  return undefined;
}

function excerpt(text: string, needle: string): string {
  const i = text.indexOf(needle);
  return JSON.stringify(text.slice(Math.max(0, i - 160), i + needle.length + 80));
}

type Policy = ReturnType<typeof effectiveSettings>['policy'];

/** What is wrong with a decision's numbers, if anything. */
export function decisionViolation(d: Decision, policy: Policy): string | undefined {
  for (const c of d.changes) {
    if (!Number.isFinite(c.current) || !Number.isFinite(c.proposed)) return `${c.field}: not finite (${c.current} -> ${c.proposed})`;
    if (c.proposed < 0) return `${c.field}: negative proposal ${c.proposed}`;
  }
  for (const [k, v] of Object.entries(d.cost)) if (typeof v === 'number' && !Number.isFinite(v)) return `cost.${k} is ${v}`;
  if (d.verdict !== 'propose') return undefined;
  // A step limit never turns a move the other way.
  for (const n of d.notes) {
    if (n.effect !== 'clamped' || !('field' in n) || !n.rule.startsWith('maxStepPercent.')) continue;
    const c = d.changes.find((x) => x.field === n.field);
    const to = (n as { to: number }).to;
    if (c && (n.rule === 'maxStepPercent.up' ? to < c.current : to > c.current)) return `${n.rule} turned ${n.field} ${c.current} -> ${(n as { from: number }).from} into ${to}`;
  }
  for (const c of d.changes) {
    if (c.proposed === c.current) return `${c.field}: a change that moves nothing (${c.current}) is proposed`;
    const bad = bounds(c, policy) ?? step(c, policy);
    if (bad) return bad;
  }
  const find = (f: FieldKey) => d.changes.find((c) => c.field === f);
  for (const [req, lim] of [['cpu.request', 'cpu.limit'], ['memory.request', 'memory.limit']] as const) {
    const r = find(req);
    const l = find(lim);
    if (r && l && r.proposed > l.proposed) return `${req} ${r.proposed} above ${lim} ${l.proposed}`;
  }
  const hMin = find('hpa.minReplicas');
  const hMax = find('hpa.maxReplicas');
  if (hMin && hMax && hMax.proposed < hMin.proposed) return `hpa.maxReplicas ${hMax.proposed} below hpa.minReplicas ${hMin.proposed}`;
  if (d.schedule) {
    for (const t of d.schedule.proposed) {
      if (!Number.isFinite(t.desiredReplicas) || t.desiredReplicas < 0 || t.desiredReplicas > policy.maxReplicas) return `schedule window ${JSON.stringify(t)} outside [0, ${policy.maxReplicas}]`;
    }
    // Counting what already runs never makes an hour's change bigger than the triggers' own change.
    const running = d.schedule.running;
    if (running && running.some((r) => !Number.isFinite(r) || r < 0)) return `replica curve ${JSON.stringify(running)} not finite and >= 0`;
    const costed = scheduleHours(d.schedule);
    const bare = scheduleHours({ ...d.schedule, running: undefined });
    const h = costed.after.findIndex((a, i) => Math.abs(a - (costed.before[i] as number)) > Math.abs((bare.after[i] as number) - (bare.before[i] as number)) + 1e-9);
    if (h >= 0) return `hour ${h}: costed above the replica curve it changes ${costed.before[h]} -> ${costed.after[h]}, more than the triggers' ${bare.before[h]} -> ${bare.after[h]}`;
  }
  return undefined;
}

/** What is wrong with the files a schedule's block edits wrote: bytes beyond the blocks, or YAML that no longer parses. */
function blockViolation(files: Record<string, string>, blocks: BlockEdit[], out: Map<string, string>): string | undefined {
  for (const file of new Set(blocks.map((b) => b.file))) {
    const original = files[file];
    if (original === undefined) return `${file}: a block edit names a file not in the repository`;
    let expected = original;
    for (const b of blocks.filter((x) => x.file === file).sort((x, y) => y.range[0] - x.range[0])) {
      if (original.slice(b.range[0], b.range[1]) !== b.from) return `${file}: ${b.yamlPath}'s range does not hold the block it was located with`;
      expected = expected.slice(0, b.range[0]) + b.to + expected.slice(b.range[1]);
    }
    if (out.get(file) !== expected) return `${file}: differs from the original beyond the trigger block`;
    const broken = Array.from(parseAllDocuments(expected)).find((d) => d.errors.length > 0);
    if (broken) return `${file}: no longer parses after the trigger block: ${broken.errors[0]?.message}`;
  }
  return undefined;
}

/** Within [lo, hi], or moving toward it from a current value outside it (the step limit may stop short). */
function within(c: Change, lo: number, hi: number, what: string): string | undefined {
  const eps = 1e-9 * Math.max(1, Math.abs(hi));
  if (c.proposed >= lo - eps && c.proposed <= hi + eps) return undefined;
  if (c.proposed > hi && c.current > hi && c.proposed < c.current) return undefined;
  if (c.proposed < lo && c.current < lo && c.proposed > c.current) return undefined;
  return `${c.field}: ${c.current} -> ${c.proposed} outside ${what} [${lo}, ${hi}]`;
}

function bounds(c: Change, p: Policy): string | undefined {
  if (c.field === 'replicas' || c.field.startsWith('hpa.')) return within(c, p.minReplicas, p.maxReplicas, 'minReplicas/maxReplicas');
  if (c.field === 'cpu.request') return within(c, p.minCpuPerPod, p.maxCpuPerPod, 'minCpuPerPod/maxCpuPerPod');
  if (c.field === 'memory.request') return within(c, p.minMemoryPerPod, p.maxMemoryPerPod, 'minMemoryPerPod/maxMemoryPerPod');
  return undefined;
}

/** Within maxStepPercent of the current value, give or take one replica or one unit of rounding. */
function step(c: Change, p: Policy): string | undefined {
  // A limit follows its request (consistency), so only the fields a rule steps are checked.
  if (c.field === 'cpu.limit' || c.field === 'memory.limit' || c.current <= 0) return undefined;
  const up = c.current * (1 + p.maxStepPercent.up / 100);
  const down = c.current * (1 - p.maxStepPercent.down / 100);
  const slack = isWhole(c.field) ? 1 : c.field.startsWith('cpu.') ? 0.001 : 2 ** 20;
  if (c.proposed > Math.max(up, c.current + (isWhole(c.field) ? 1 : 0)) + slack * 1e-6) {
    // Raised to a floor is not a step; it is the floor.
    const floor = c.field === 'cpu.request' ? p.minCpuPerPod : c.field === 'memory.request' ? p.minMemoryPerPod : c.field.startsWith('hpa.') || c.field === 'replicas' ? p.minReplicas : 0;
    if (c.proposed <= floor + 1e-9) return undefined;
    return `${c.field}: ${c.current} -> ${c.proposed} is more than maxStepPercent.up ${p.maxStepPercent.up}%`;
  }
  if (c.proposed < Math.min(down, c.current - (isWhole(c.field) ? 1 : 0)) - slack) return `${c.field}: ${c.current} -> ${c.proposed} is more than maxStepPercent.down ${p.maxStepPercent.down}%`;
  return undefined;
}

export const seriesKind: FuzzKind<SeriesCase> = {
  name: 'series',
  arbitrary: seriesCase,
  check: checkSeries,
  describe: (c) => JSON.stringify({ ...c, metrics: Object.fromEntries(Object.entries(c.metrics).map(([k, v]) => [k, v.kind === 'values' ? { ...v, values: v.values.slice(0, 40).map(String) } : v])) }),
};
