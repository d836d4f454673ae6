// Odd data real clusters give, through the real cycle (decide: clean, forecast, recommend, the
// guardrails): Augur must never propose an absurd value from it; where the inputs are
// implausible it holds and says why, and where they are merely unusual it does not cry wolf.
import { describe, expect, it } from 'vitest';
import { POLICY_DEFAULTS, SIZING_DEFAULTS } from '../config/schema.js';
import { heldBy } from '../domain/decision.js';
import type { Facts } from '../domain/facts.js';
import type { Series } from '../domain/series.js';
import type { WorkloadId } from '../domain/workload.js';
import { selectAugur } from '../forecast/registry.js';
import { decide, type Settings } from '../agent/decide.js';
import { locateWorkload } from '../manifests/index.js';
import { memRepo } from '../manifests/testing.js';

const NOW = Date.parse('2026-12-05T06:00:00Z') / 1000;
const STEP = 300;
const DAY = 86_400 / STEP;
const N = 14 * DAY;
const id: WorkloadId = { kind: 'Deployment', namespace: 'shop', name: 'web' };
const FILE = 'apps/web/deployment.yaml';
const HPA_FILE = 'apps/web/hpa.yaml';

const deployment = (replicas?: number, resources = '            requests:\n              cpu: 250m\n') =>
  `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: shop\nspec:\n${replicas !== undefined ? `  replicas: ${replicas}\n` : ''}  template:\n    spec:\n      containers:\n        - name: web\n          resources:\n${resources}`;
const hpa = (min: number, max: number) =>
  `apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata:\n  name: web\n  namespace: shop\nspec:\n  scaleTargetRef:\n    apiVersion: apps/v1\n    kind: Deployment\n    name: web\n  minReplicas: ${min}\n  maxReplicas: ${max}\n`;

function series(values: number[]): Series {
  return { timestamps: values.map((_, i) => NOW - (values.length - 1 - i) * STEP), values, stepSeconds: STEP };
}
/** 14 days of a daily wave peaking at `peak`, ending at NOW. */
const wave = (peak: number): number[] =>
  Array.from({ length: N }, (_, i) => peak * (0.55 + 0.45 * Math.sin((2 * Math.PI * ((NOW - (N - 1 - i) * STEP) % 86_400)) / 86_400)));

function facts(files: Record<string, string>, load: number[], more: Partial<Record<'cpu' | 'memory' | 'oomKills', number[]>> = {}): Facts {
  const site = locateWorkload(memRepo(files), id, { format: 'plain', path: FILE });
  const metrics: Facts['metrics'] = { load: { series: series(load), source: 'q' } };
  for (const [k, v] of Object.entries(more)) metrics[k as keyof typeof more] = { series: series(v), source: 'q' };
  return { id, now: NOW, manifest: { site, files: new Map(Object.entries(files)) }, metrics, prs: [] };
}

const settings = (perReplica = 300): Settings => ({ policy: POLICY_DEFAULTS, sizing: SIZING_DEFAULTS, capacity: { perReplica }, timezone: 'UTC' });
const run = (f: Facts, s = settings()) => decide(f, s, (_key, history, opts) => selectAugur(history, opts));

describe('odd data: replicas', () => {
  it('a Deployment scaled to 0 replicas on purpose is not scaled back up: held, with the raw value and the 0', () => {
    // The load it served before it was scaled down is still in the history: the forecast expects it.
    const d = run(facts({ [FILE]: deployment(0) }, wave(3000)));
    expect(d.evidence?.recommendation.changes.find((c) => c.field === 'replicas')).toMatchObject({ current: 0 });
    expect(d.decision.verdict).toBe('hold');
    expect(heldBy(d.decision)).toMatchObject({ rule: 'plausibility', field: 'replicas', current: 0 });
  });

  it('one replica serving a tenth of its stated capacity is not held as a wrong unit: it cannot be fewer', () => {
    // A small internal service at its one replica: 30 req/s against 300 each.
    const d = run(facts({ [FILE]: deployment(1) }, wave(30)));
    expect(d.decision.notes.filter((n) => n.rule === 'plausibility')).toEqual([{ rule: 'plausibility', effect: 'passed', limit: 4 }]);
    expect(d.decision.verdict).toBe('unchanged');
  });

  it('a load that is 0 at every sample while 3 pods run is held like a near-zero one, not scaled down from', () => {
    const zero = run(facts({ [FILE]: deployment(3) }, new Array<number>(N).fill(0)));
    expect(heldBy(zero.decision)).toEqual({ rule: 'plausibility', effect: 'held', capacity: { observedPeak: 0, replicas: 3, perReplica: 300 }, limit: 4 });
    // The same workload at 0.5 req/s was held already.
    const nearZero = run(facts({ [FILE]: deployment(3) }, new Array<number>(N).fill(0.5)));
    expect(heldBy(nearZero.decision)).toMatchObject({ rule: 'plausibility', capacity: { replicas: 3, perReplica: 300 } });
  });

  it('capacity.perReplica in req/min (60× too big) on an HPA, the cluster unread, is held: the HPA bounds are not lowered', () => {
    // 3000 req/s at the peak, 300 req/s a pod: perReplica 18000 is per minute. No live count of pods,
    // but the HPA ran at least its 2: each served at most 1500, 12× below what perReplica says.
    const d = run(facts({ [FILE]: deployment(), [HPA_FILE]: hpa(2, 4) }, wave(3000)), settings(300 * 60));
    expect(d.evidence?.recommendation.changes.map((c) => [c.field, c.proposed])).toEqual([['hpa.minReplicas', 1], ['hpa.maxReplicas', 1]]);
    expect(d.decision.verdict).toBe('hold');
    expect(heldBy(d.decision)).toMatchObject({ rule: 'plausibility', capacity: { observedPeak: 3000, replicas: 2, perReplica: 18_000 } });
  });
});

describe('odd data: requests', () => {
  const Mi = 2 ** 20;
  const resources = '            requests:\n              cpu: 250m\n              memory: 512Mi\n            limits:\n              memory: 1Gi\n';

  it('a working set in MiB read as bytes (330 "bytes", less than one page) is left out with the reason, not sized down from', () => {
    // max(container_memory_working_set_bytes) / 1024 / 1024: the pods use about 330 MiB.
    const mib = Array.from({ length: N }, (_, i) => 300 + ((i % DAY) / DAY) * 30);
    const d = run(facts({ [FILE]: deployment(12, resources) }, wave(3000), { memory: mib }));
    expect(d.decision.changes.filter((c) => c.field.startsWith('memory.'))).toEqual([]);
    expect(d.evidence?.recommendation.changes.filter((c) => c.field.startsWith('memory.'))).toEqual([]);
    expect(d.findings).toContainEqual({ kind: 'metricSenseless', metric: 'memory', issue: 'absurd', count: N, value: Math.max(...mib) });
    // The same pods read in bytes are sized as usual: 330 MiB + 15% is below the 512Mi request.
    const bytes = run(facts({ [FILE]: deployment(12, resources) }, wave(3000), { memory: mib.map((v) => v * Mi) }));
    expect(bytes.evidence?.recommendation.changes.find((c) => c.field === 'memory.request')).toMatchObject({ proposed: 380 * Mi });
  });
});

describe('odd data: one OOM kill', () => {
  const Mi = 2 ** 20;
  const at = (mem: string) => `            requests:\n              cpu: 250m\n              memory: ${mem}\n`;
  // One OOM kill five days ago; the working set peaks at about 330 MiB.
  const memory = Array.from({ length: N }, (_, i) => (300 + ((i % DAY) / DAY) * 30) * Mi);
  const kills = Array.from({ length: N }, (_, i) => (i === N - 5 * DAY ? 1 : 0));
  const bumpOf = (f: Facts) => run(f).evidence?.recommendation.changes.find((c) => c.field === 'memory.request');

  it('raises the request once: after an Augur PR raised it past the kill, the kill does not raise it again', () => {
    // Before any raise: the kill bumps 512Mi by 25%.
    const first = bumpOf(facts({ [FILE]: deployment(12, at('512Mi')) }, wave(3000), { memory, oomKills: kills }));
    expect(first).toMatchObject({ current: 512 * Mi, proposed: 640 * Mi, basis: { kind: 'oomBump' } });
    // That PR merged two days ago (after the kill): the request is 640Mi, and the same kill is answered.
    const merged = facts({ [FILE]: deployment(12, at('640Mi')) }, wave(3000), { memory, oomKills: kills });
    merged.prs = [
      {
        number: 7, state: 'closed', merged: true, createdAt: NOW - 3 * 86_400, mergedAt: NOW - 2 * 86_400, closedAt: NOW - 2 * 86_400, branch: 'augur/shop/web', url: '', title: '',
        meta: { v: 1, key: 'shop/web', targets: ['Deployment/shop/web'], fingerprint: 'f', changes: [{ target: 'Deployment/shop/web', field: 'memory.request', file: FILE, from: '512Mi', to: '640Mi' }], cost: { cores: 0, memoryGiB: 0, monthly: 0, currency: 'USD' }, at: NOW - 3 * 86_400 },
      },
    ];
    expect(bumpOf(merged)?.basis.kind).not.toBe('oomBump');
  });
});
