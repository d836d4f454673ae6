// The HTTP face of `serve`: liveness, readiness and Prometheus metrics.
import { createServer, type Server } from 'node:http';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { CycleReport } from '../agent/cycle.js';
import type { WebhookHandler } from './webhooks.js';

export class AgentMetrics {
  readonly registry = new Registry();
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
    collectDefaultMetrics({ register: this.registry, prefix: 'augur_process_' });
  }

  record(report: CycleReport, seconds: number): void {
    this.cycles.inc({ result: 'ok' });
    this.duration.observe(seconds);
    this.lastSuccess.set(Date.now() / 1000);
    this.decisions.reset();
    this.holds.reset();
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
    if (req.method !== 'GET') {
      res.writeHead(405, { allow: 'GET' }).end();
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
