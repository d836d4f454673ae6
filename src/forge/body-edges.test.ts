// Edge cases of the PR body: numbers at the extremes, charts of odd data, tables and the size limit.
import { describe, expect, it } from 'vitest';
import type { Edit, WorkloadId } from '../domain/workload.js';
import type { Decision, Recommendation } from '../domain/decision.js';
import type { Series } from '../domain/series.js';
import type { ProposalItem } from '../domain/proposal.js';
import { BODY_LIMIT, buildProposal, renderBody } from './body.js';
import { renderLoadChart } from './chart.js';
import { replicasItem, series } from '../../test/render/chart-fixtures.js';
import { mermaidBlocks, parseMermaid } from '../../test/render/mermaid.js';
import { redFlags } from '../review/flags.js';
import { parseMeta } from './meta.js';
import { forecastOf, history, NOW, STEP, T0 } from './body-fixtures.test-helper.js';

const web: WorkloadId = { kind: 'Deployment', namespace: 'shop', name: 'web' };



const replicasEdit = (from = '4', to = '6'): Edit => ({ field: 'replicas', file: 'apps/web/deployment.yaml', yamlPath: 'spec.replicas', range: [120, 121], style: 'plain', from, to });

function decisionOf(target = web): Decision {
  return {
    target,
    verdict: 'propose',
    changes: [{ field: 'replicas', current: 4, proposed: 6, observed: 6, basis: { kind: 'peak', load: 540, quantile: 0.9, headroom: 1.1, perReplica: 100 } }],
    notes: [{ rule: 'minHistory', effect: 'passed', haveSeconds: 2 * 86_400, needSeconds: 86_400 }],
    cost: { cores: 1, memoryGiB: 1, monthly: 16.67, currency: 'USD' },
  };
}

function recommendationOf(target = web): Recommendation {
  return {
    target,
    changes: [{ field: 'replicas', current: 4, proposed: 6, basis: { kind: 'peak', load: 540, quantile: 0.9, headroom: 1.1, perReplica: 100 } }],
    evidence: {
      forecastPeak: 540, highPeak: 600, quantile: 0.9, maxQuantile: 0.99, headroomPercent: 10, horizonSeconds: 86_400, model: 'holt-winters-additive(daily)',
      observedPeak: 487, observedSeconds: 2 * 86_400, capacityPerReplica: 100, capacitySource: { kind: 'given' }, owner: { kind: 'none' }, expectedReplicas: 5, demand: [], historySteps: 576,
    },
  };
}

function itemOf(over: Partial<ProposalItem> = {}): ProposalItem {
  const target = over.target ?? web;
  return {
    target,
    decision: decisionOf(target),
    recommendation: recommendationOf(target),
    forecast: forecastOf(),
    history: history(576),
    edits: [replicasEdit()],
    blocks: [],
    queries: [{ metric: 'load', source: 'sum(rate(http_requests_total{namespace="shop",service="web"}[5m]))' }],
    autoscaler: 'none',
    manifestNotes: [],
    podRequests: { cpu: 0.5, memory: 512 * 2 ** 20 },
    unit: 'req/s',
    findings: [],
    flags: [],
    historySeconds: 2 * 86_400,
    expectedReplicas: 6,
    expectedReplicasNow: 4,
    current: { replicas: 4 },
    ...over,
  };
}

const bodyOf = (items: ProposalItem[]) => renderBody(buildProposal('shop/web', 'augur/shop/web', items, NOW), { baseBranch: 'main' });

/** The decision box's row `name`, as rendered. */
const row = (body: string, name: string) => body.split('\n').find((l) => l.startsWith(`| **${name}** |`)) ?? '';

/** An HPA item: the floor and, when given, the ceiling as [current, proposed, recommended]; one replica serves 450 req/s. */
function hpaItem(min: [number, number, number] | undefined, max: [number, number, number] | undefined, current: Partial<Record<'hpa.minReplicas' | 'hpa.maxReplicas', number>>): ProposalItem {
  const d = decisionOf();
  const r = recommendationOf();
  const trough = { kind: 'trough', load: 2589, headroom: 1.1, perReplica: 450 } as const;
  const ceiling = { kind: 'ceiling', load: 2000, quantile: 0.99, headroom: 1.1, perReplica: 450 } as const;
  d.changes = [];
  r.changes = [];
  const edits: Edit[] = [];
  if (min) {
    d.changes.push({ field: 'hpa.minReplicas', current: min[0], proposed: min[1], basis: trough });
    r.changes.push({ field: 'hpa.minReplicas', current: min[0], proposed: min[2], basis: trough });
    edits.push({ field: 'hpa.minReplicas', file: 'apps/web/hpa.yaml', yamlPath: 'spec.minReplicas', range: [10, 11], style: 'plain', from: String(min[0]), to: String(min[1]) });
  }
  if (max) {
    d.changes.push({ field: 'hpa.maxReplicas', current: max[0], proposed: max[1], basis: ceiling });
    r.changes.push({ field: 'hpa.maxReplicas', current: max[0], proposed: max[2], basis: ceiling });
    edits.push({ field: 'hpa.maxReplicas', file: 'apps/web/hpa.yaml', yamlPath: 'spec.maxReplicas', range: [20, 22], style: 'plain', from: String(max[0]), to: String(max[1]) });
  }
  r.evidence = { ...r.evidence, capacityPerReplica: 450, highPeak: 2000, owner: { kind: 'hpa' } as Recommendation['evidence']['owner'] };
  return itemOf({ decision: d, recommendation: r, autoscaler: 'hpa', edits, current });
}

describe('the load chart at the extremes', () => {
  it('draws a load of about 0.004 req/s above 0, on a y-axis that is not 0 --> 0', async () => {
    const tiny = replicasItem({
      history: series(3, (i) => 0.004 + (i % 7) * 0.0001),
      forecast: { stepSeconds: STEP, timestamps: [], quantiles: {} },
      recommendation: { evidence: { quantile: 0.9 } },
    });
    const source = mermaidBlocks(renderLoadChart(tiny))[0]!;
    const yMax = Number(/y-axis "[^"]*" 0 --> (\S+)/.exec(source)?.[1]);
    const load = JSON.parse(/^ {2}line "load" (\[.*\])$/m.exec(source)?.[1] ?? '[]') as number[];
    expect(yMax).toBeGreaterThan(0);
    expect(Math.max(...load)).toBeCloseTo(0.0046, 6);
    expect(Math.max(...load)).toBeLessThanOrEqual(yMax);
    await expect(parseMermaid(source)).resolves.toMatchObject({ diagramType: 'xychart' });
  });
});

describe('the size limit', () => {
  it('stays under the limit with 80 workloads in one PR, names the ones left out, and keeps every rollback row and the metadata', () => {
    const n = 80;
    const body = bodyOf(Array.from({ length: n }, (_, i) => itemOf({ target: { ...web, name: `api-${i}` } })));
    expect(body.length).toBeLessThanOrEqual(BODY_LIMIT);
    for (let i = 0; i < n; i++) expect(body).toContain(`\`shop/api-${i}\``);
    expect(body).toMatch(/left out of this description/);
    const rollback = body.slice(body.indexOf('## How to roll back'));
    expect(rollback.match(/^\| `apps\/web\/deployment.yaml` \| `spec.replicas` \| `4` \|$/gm)).toHaveLength(n);
    expect(parseMeta(body)?.targets).toHaveLength(n);
  });
});

describe('the rollback table', () => {
  it('says to delete every line of a multi-line insertion (a kustomization replicas: entry), not "the line"', () => {
    const added: Edit = {
      field: 'replicas',
      file: 'deploy/overlays/staging/kustomization.yaml',
      yamlPath: 'replicas[0].count',
      range: [100, 100],
      style: 'plain',
      from: '',
      to: '2',
      insert: { prefix: 'replicas:\n  - name: worker\n    count: ', suffix: '\n' },
    };
    const body = bodyOf([itemOf({ edits: [added] })]);
    const rollback = body.slice(body.indexOf('## How to roll back'));
    expect(rollback).not.toContain('delete the line Augur added');
    expect(rollback).toContain('| `deploy/overlays/staging/kustomization.yaml` | `replicas[0].count` | delete the 3 lines Augur added: `replicas:`, `- name: worker`, `count: 2` |');
  });
});

describe('markdown tables', () => {
  it('keeps the model table whole when the load unit has a |', () => {
    const body = bodyOf([itemOf({ unit: 'req|s' })]);
    const header = body.split('\n').findIndex((l) => l.startsWith('| p90 pinball skill'));
    const cells = (l: string) => l.replace(/\\\|/g, '').split('|').length;
    const lines = body.split('\n');
    expect(cells(lines[header + 2]!)).toBe(cells(lines[header]!));
  });
});

describe('numbers at the extremes', () => {
  it('a pinball skill far below 0 reads "below −1,000,000%", not "−over 1,000,000%"', () => {
    const f = forecastOf();
    f.accuracy = { ...f.accuracy!, reference: { model: 'seasonal-naive(daily)', pinball: { '0.9': 1e-6 } } };
    const body = bodyOf([itemOf({ forecast: f })]);
    expect(body).not.toContain('−over');
    expect(body).toContain('| below −1,000,000% |');
  });

  it('gives a step of 15 seconds in seconds, not "at 0 min"', () => {
    const h = history(576);
    const body = bodyOf([itemOf({ history: { ...h, stepSeconds: 15 } })]);
    expect(body).not.toContain('at 0 min');
    expect(body).toContain('days of history at 15 s (576 samples)');
  });

  it('a share of samples filled under 0.5% reads "<1%", not "0%"', () => {
    const body = bodyOf([itemOf({ findings: [{ kind: 'history', steps: 4032, filled: 18, incidents: [], excluded: 0, outliers: 0 }] })]);
    expect(body).toContain('- Missing samples filled: 18 (<1%).');
  });
});

describe('the decision box of an HPA', () => {
  it("states what the forecast median's trough needs, not the floor the guardrails cut it to", () => {
    const body = bodyOf([hpaItem([2, 3, 7], undefined, { 'hpa.minReplicas': 2, 'hpa.maxReplicas': 12 })]);
    expect(row(body, 'Problem')).toBe("| **Problem** | the forecast median's trough needs 7 replicas; the HPA's floor is 2 today |");
  });

  it('red-flags a floor that ends above the ceiling the PR leaves as it is', () => {
    const body = bodyOf([hpaItem([15, 21, 21], undefined, { 'hpa.minReplicas': 15, 'hpa.maxReplicas': 20 })]);
    expect(row(body, 'Red flags')).toContain('minReplicas (21) is above its maxReplicas (20)');
    const fine = bodyOf([hpaItem([15, 18, 18], undefined, { 'hpa.minReplicas': 15, 'hpa.maxReplicas': 20 })]);
    expect(row(fine, 'Red flags')).toBe('| **Red flags** | none |');
  });

  it('a lowered ceiling says what the proposed ceiling serves, below the peak it is sized for', () => {
    // 12 → 4 (5 recommended): 4 × 450 = 1800 req/s, under the p99 peak of 2000.
    const body = bodyOf([hpaItem(undefined, [12, 4, 5], { 'hpa.minReplicas': 2, 'hpa.maxReplicas': 12 })]);
    expect(row(body, 'Problem')).toContain("against 5400 req/s at today's ceiling of 12 replicas; the proposed ceiling of 4 serves 1800 req/s");
  });
});

describe('a scale-down', () => {
  it("red-flags the last week's observed peak above what the proposed replicas serve", () => {
    // Eight days of 300 req/s ending now, with an hour at 900 req/s on each of four busy days in the
    // middle; the same hours a week ago (the second day) and the last two days were quiet.
    const steps = 8 * 288;
    const h: Series = {
      stepSeconds: STEP,
      timestamps: Array.from({ length: steps }, (_, i) => NOW - (steps - 1 - i) * STEP),
      values: Array.from({ length: steps }, (_, i) => (Math.floor(i / 288) >= 2 && Math.floor(i / 288) <= 5 && i % 288 >= 100 && i % 288 < 112 ? 900 : 300)),
    };
    const d = decisionOf();
    d.changes = [{ field: 'replicas', current: 10, proposed: 4, observed: 9, basis: { kind: 'peak', load: 330, quantile: 0.9, headroom: 1.1, perReplica: 100 } }];
    const r = recommendationOf();
    r.changes = [{ field: 'replicas', current: 10, proposed: 4, basis: { kind: 'peak', load: 330, quantile: 0.9, headroom: 1.1, perReplica: 100 } }];
    r.evidence = { ...r.evidence, forecastPeak: 330, highPeak: 340, observedPeak: 900, observedSeconds: 7 * 86_400 };
    const item = itemOf({ decision: d, recommendation: r, history: h, historySeconds: 8 * 86_400, current: { replicas: 10 } });
    item.flags = redFlags({ ...item, oomKills: undefined, critical: false });
    expect(item.flags.map((f) => f.flag)).toEqual(['shortHistory', 'scaleDown']);
    const flags = row(bodyOf([item]), 'Red flags');
    expect(flags).toContain('scale-down of replicas: the last 7 days peaked at 900 req/s, above the 400 req/s that 4 replicas serve');
  });
});
