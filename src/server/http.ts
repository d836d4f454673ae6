// The HTTP face of `serve`: liveness, readiness and Prometheus metrics.
import { createServer, type Server } from 'node:http';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { CycleReport } from '../agent/cycle.js';
import type { Note } from '../domain/reasons.js';
import { REVISION, VERSION } from '../util/version.js';
import type { WebhookHandler } from './webhooks.js';

/** The rules of the notes whose effect can be 'held' (some can also pass). */
type HeldRule = Note extends infer N ? (N extends { rule: infer R; effect: infer E } ? ('held' extends E ? R : never) : never) : never;
/**
 * Every guardrail that can hold a decision: augur_holds has a series for each, 0 when nothing is
 * held by it, so an alert on `augur_holds{rule="drift"} > 0` sees 0 rather than nothing. Typed
 * against Note: a new holding rule that is not listed here does not compile.
 */
const HOLD_RULES = Object.keys({
  manifest: 1, drift: 1, metrics: 1, capacity: 1, sanity: 1, plausibility: 1, protected: 1, minHistory: 1, minAccuracy: 1,
  freezeWindows: 1, cooldown: 1, rejectedBackoff: 1, memoryLeak: 1, 'budget.perPR': 1, limitRange: 1, headroom: 1, admission: 1,
  'cluster.required': 1, 'budget.perNamespace': 1, 'limits.maxOpenPRs': 1, 'limits.maxPRsPerHour': 1,
} satisfies Record<HeldRule, 1>) as HeldRule[];
const VERDICTS = ['propose', 'hold', 'unchanged', 'error'] as const;

/**
 * /metrics. Names follow Prometheus's rules: `augur_` on Augur's own, `_total` on counters, base
 * units (`_seconds`); the Node client's default metrics keep their standard names
 * (process_cpu_user_seconds_total, nodejs_heap_size_used_bytes, ...) so the usual Node dashboards
 * work unchanged.
 */
export class AgentMetrics {
  readonly registry = new Registry();
  readonly buildInfo = new Gauge({ name: 'augur_build_info', help: 'Always 1; the labels say which Augur runs (version from package.json, revision: the git commit)', labelNames: ['version', 'revision'] as const, registers: [this.registry] });
  /** Read at each scrape: 1 while this replica holds the Lease (or runs alone), else 0. */
  private leading: () => boolean = () => true;
  readonly leader: Gauge = new Gauge({
    name: 'augur_leader',
    help: '1 when this replica runs the cycles (it holds the Lease, or leader election is off), 0 when another replica does',
    registers: [this.registry],
    collect: (): void => this.leader.set(this.leading() ? 1 : 0),
  });
  readonly cycles = new Counter({ name: 'augur_cycles_total', help: 'Cycles run, by result (ok, error, abandoned: past schedule.cycleTimeout)', labelNames: ['result'] as const, registers: [this.registry] });
  readonly configReloads = new Counter({ name: 'augur_config_reloads_total', help: 'Changes of the guardrails file seen by serve, by result (applied, rejected)', labelNames: ['result'] as const, registers: [this.registry] });
  readonly duration = new Histogram({
    name: 'augur_cycle_duration_seconds',
    help: 'Duration of a cycle',
    buckets: [1, 5, 15, 30, 60, 120, 300, 600],
    registers: [this.registry],
  });
  readonly decisions = new Gauge({
    name: 'augur_decisions',
    help: 'Targets by verdict in the last cycle (propose, hold, unchanged, error)',
    labelNames: ['verdict'] as const,
    registers: [this.registry],
  });
  readonly holds = new Gauge({ name: 'augur_holds', help: 'Held targets in the last cycle, by guardrail', labelNames: ['rule'] as const, registers: [this.registry] });
  readonly prActions = new Counter({ name: 'augur_pull_requests_total', help: 'PR actions, by action', labelNames: ['action'] as const, registers: [this.registry] });
  readonly lastSuccess = new Gauge({ name: 'augur_last_success_timestamp_seconds', help: 'When the last cycle finished without error', registers: [this.registry] });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
    this.buildInfo.set({ version: VERSION, revision: REVISION }, 1);
    this.zero();
  }

  /** Where augur_leader reads whether this replica leads. */
  watchLeader(leading: () => boolean): void {
    this.leading = leading;
  }

  /** Every known verdict and holding rule at 0, so they are present before and between holds. */
  private zero(): void {
    for (const verdict of VERDICTS) this.decisions.set({ verdict }, 0);
    for (const rule of HOLD_RULES) this.holds.set({ rule }, 0);
  }

  record(report: CycleReport, seconds: number): void {
    this.cycles.inc({ result: 'ok' });
    this.duration.observe(seconds);
    this.lastSuccess.set(Date.now() / 1000);
    this.decisions.reset();
    this.holds.reset();
    this.zero();
    for (const o of report.outcomes) {
      this.decisions.inc({ verdict: o.error ? 'error' : (o.decision?.verdict ?? 'error') });
      for (const n of o.decision?.notes ?? []) if (n.effect === 'held') this.holds.inc({ rule: n.rule });
    }
    for (const p of report.proposals) this.prActions.inc({ action: p.action });
    for (let i = 0; i < report.closed.length; i++) this.prActions.inc({ action: 'closed' });
  }
}

export interface HealthState {
  /** Config loaded and the first cycle finished (successfully or not, it ran). */
  ready: () => boolean;
  /** Why not ready, for /readyz. */
  detail: () => string;
  /**
   * Liveness: false when no cycle has finished for too long (schedule.unhealthyAfter runs plus
   * schedule.cycleTimeout), so that Kubernetes restarts a stuck pod; with the reason.
   */
  live?: () => { ok: boolean; detail: string };
}

/** `webhooks` is looked up per request: a reloaded config replaces the handler. */
export function startServer(port: number, host: string, metrics: AgentMetrics, health: HealthState, webhookHandler?: () => WebhookHandler | undefined): Promise<Server> {
  const server = createServer((req, res) => {
    const webhooks = webhookHandler?.();
    if (webhooks && req.url?.startsWith('/webhooks/')) {
      void webhooks(req, res);
      return;
    }
    const url = req.url?.split('?')[0];
    // HEAD answers as GET would, without the body (Node's ServerResponse drops it for HEAD).
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    if (url === '/healthz') {
      const live = health.live?.() ?? { ok: true, detail: 'ok' };
      res.writeHead(live.ok ? 200 : 503, { 'content-type': 'text/plain' }).end(live.ok ? 'ok\n' : `unhealthy: ${live.detail}\n`);
    } else if (url === '/readyz') {
      const ok = health.ready();
      res.writeHead(ok ? 200 : 503, { 'content-type': 'text/plain' }).end(`${ok ? 'ready' : 'not ready'}: ${health.detail()}\n`);
    } else if (url === '/metrics') {
      metrics.registry
        .metrics()
        .then((body) => res.writeHead(200, { 'content-type': metrics.registry.contentType }).end(body))
        .catch((err: Error) => res.writeHead(500).end(err.message));
    } else {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: try /healthz, /readyz or /metrics\n');
    }
  });
  // A client that sends its headers or body slowly is cut off: no socket is held for long.
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve(server));
  });
}
