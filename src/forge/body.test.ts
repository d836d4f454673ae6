import { fmt } from '../domain/units.js';
import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import type { BlockEdit, CronWindowTrigger, Edit, ScaledObjectSite, WorkloadId } from '../domain/workload.js';
import type { Decision, Recommendation, ScheduleChange } from '../domain/decision.js';
import type { Forecast } from '../domain/forecast.js';
import { BODY_LIMIT, buildProposal, renderBody } from './body.js';
import { renderCharts } from './chart.js';
import type { ProposalItem } from '../domain/proposal.js';
import { targetId } from '../domain/workload.js';
import { dayNames, hourRanges, hourlyGrid, windowTime } from './schedule.js';
import { parseMeta } from './meta.js';
import { forecastOf, history, NOW, STEP, T0 } from './body-fixtures.test-helper.js';


const web: WorkloadId = { kind: 'Deployment', namespace: 'shop', name: 'web' };
const api: WorkloadId = { kind: 'Deployment', namespace: 'shop', name: 'api' };



const replicasEdit = (from = '4', to = '6'): Edit => ({
  field: 'replicas',
  file: 'apps/web/deployment.yaml',
  yamlPath: 'spec.replicas',
  range: [120, 121],
  style: 'plain',
  from,
  to,
});
const cpuEdit: Edit = {
  field: 'cpu.request',
  file: 'apps/web/deployment.yaml',
  yamlPath: 'spec.template.spec.containers[0].resources.requests.cpu',
  range: [400, 404],
  style: 'double',
  from: '500m',
  to: '400m',
};

function decisionOf(target = web): Decision {
  return {
    target,
    verdict: 'propose',
    changes: [
      { field: 'replicas', current: 4, proposed: 6, observed: 6, basis: { kind: 'peak', load: 540, quantile: 0.9, headroom: 1.1, perReplica: 100 } },
      { field: 'cpu.request', current: 0.5, proposed: 0.4, observed: 0.4, basis: { kind: 'cpuPercentile', percentile: 95, usage: 0.348, marginPercent: 15 } },
    ],
    notes: [
      { rule: 'minHistory', effect: 'passed', haveSeconds: 2 * 86_400, needSeconds: 86_400 },
      { rule: 'minAccuracy', effect: 'passed', accuracy: 0.88, min: 0.5 },
      { rule: 'maxStepPercent.up', effect: 'clamped', field: 'replicas', from: 9, to: 6, percent: 50, oneReplica: false },
    ],
    cost: { cores: 0.6, memoryGiB: 1, monthly: 16.67, currency: 'USD' },
  };
}

function recommendationOf(target = web): Recommendation {
  return {
    target,
    changes: [
      { field: 'replicas', current: 4, proposed: 9, basis: { kind: 'peak', load: 540, quantile: 0.9, headroom: 1.1, perReplica: 100 } },
      { field: 'cpu.request', current: 0.5, proposed: 0.4, basis: { kind: 'cpuPercentile', percentile: 95, usage: 0.348, marginPercent: 15 } },
    ],
    evidence: {
      forecastPeak: 540,
      highPeak: 600,
      quantile: 0.9,
      maxQuantile: 0.99,
      headroomPercent: 10,
      horizonSeconds: 86_400,
      model: 'holt-winters-additive(daily)',
      observedPeak: 487,
      observedSeconds: 2 * 86_400,
      capacityPerReplica: 100,
      capacitySource: { kind: 'given' },
      owner: { kind: 'none' },
      expectedReplicas: 5,
      demand: [],
      historySteps: 576,
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
    edits: [replicasEdit(), cpuEdit],
    blocks: [],
    queries: [
      { metric: 'load', source: 'sum(rate(http_requests_total{namespace="shop",service="web"}[5m]))' },
      { metric: 'cpu', source: 'file web-cpu.csv' },
    ],
    autoscaler: 'none',
    manifestNotes: ['the Deployment has no PodDisruptionBudget'],
    podRequests: { cpu: 0.5, memory: 512 * 2 ** 20 },
    unit: 'req/s',
    findings: [{ kind: 'history', steps: 576, filled: 12, incidents: [], excluded: 0, outliers: 0 }],
    flags: [],
    historySeconds: 2 * 86_400,
    expectedReplicas: 6,
    expectedReplicasNow: 4,
    current: { replicas: 4, 'cpu.request': 0.5 },
    ...over,
  };
}

describe('buildProposal', () => {
  it('has a stable fingerprint for equal changes, whatever the time or object identity', () => {
    const a = buildProposal('shop/web', 'augur/shop/web', [itemOf()], NOW);
    const b = buildProposal('shop/web', 'augur/shop/web', [itemOf({ edits: [replicasEdit(), { ...cpuEdit }] })], NOW + 3600);
    expect(a.meta.fingerprint).toMatch(/^[0-9a-f]{16}$/);
    expect(b.meta.fingerprint).toBe(a.meta.fingerprint);
    expect(b.meta.at).toBe(NOW + 3600);
  });

  it('has a different fingerprint when a proposed value, a field or a target differs', () => {
    const base = buildProposal('shop/web', 'augur/shop/web', [itemOf()], NOW).meta.fingerprint;
    const otherValue = buildProposal('shop/web', 'augur/shop/web', [itemOf({ edits: [replicasEdit('4', '7'), cpuEdit] })], NOW).meta.fingerprint;
    const fewer = buildProposal('shop/web', 'augur/shop/web', [itemOf({ edits: [replicasEdit()] })], NOW).meta.fingerprint;
    const otherTarget = buildProposal('shop/web', 'augur/shop/web', [itemOf({ target: api })], NOW).meta.fingerprint;
    expect(new Set([base, otherValue, fewer, otherTarget]).size).toBe(4);
  });

  it('builds the title and metadata of a one-workload PR', () => {
    const p = buildProposal('shop/web', 'augur/shop/web', [itemOf()], NOW);
    expect(p.key).toBe('shop/web');
    expect(p.branch).toBe('augur/shop/web');
    expect(p.title).toBe('augur: replicas 4→6, cpu request 500m→400m for shop/web');
    expect(p.meta).toMatchObject({
      v: 1,
      key: 'shop/web',
      targets: ['Deployment/shop/web'],
      changes: [
        { target: 'Deployment/shop/web', field: 'replicas', file: 'apps/web/deployment.yaml', from: '4', to: '6' },
        { target: 'Deployment/shop/web', field: 'cpu.request', file: 'apps/web/deployment.yaml', from: '500m', to: '400m' },
      ],
      cost: { cores: 0.6, memoryGiB: 1, monthly: 16.67, currency: 'USD' },
      at: NOW,
    });
  });

  it('summarises more than two changes and adds up the cost of several workloads', () => {
    const item = itemOf();
    item.decision.changes.push({ field: 'memory.request', current: 512 * 2 ** 20, proposed: 768 * 2 ** 20, basis: { kind: 'memoryPeak', peak: 600 * 2 ** 20, marginPercent: 15 } });
    expect(buildProposal('shop/web', 'b', [item], NOW).title).toBe('augur: replicas 4→6, cpu request 500m→400m and 1 more for shop/web');

    const two = buildProposal('namespace--shop', 'augur/namespace--shop', [itemOf(), itemOf({ target: api })], NOW);
    expect(two.title).toBe('augur: resize 2 workloads (namespace--shop)');
    expect(two.meta.targets).toEqual(['Deployment/shop/web', 'Deployment/shop/api']);
    expect(two.meta.cost).toEqual({ cores: 1.2, memoryGiB: 2, monthly: 33.34, currency: 'USD' });
    expect(two.meta.changes).toHaveLength(4);
  });

  it('targetId is Kind/namespace/name', () => {
    expect(targetId(web)).toBe('Deployment/shop/web');
  });
});

describe('renderBody', () => {
  const p = buildProposal('shop/web', 'augur/shop/web', [itemOf()], NOW);
  const body = renderBody(p, { baseBranch: 'main' });

  it('opens with the total cost', () => {
    expect(body.split('\n')[0]).toContain('Cost per month: **+16.67 USD** on average (+0.6 cores, +1 GiB requested).');
  });

  it('has a table of current → proposed with file, YAML path and change in percent', () => {
    expect(body).toContain('## Deployment `shop/web`');
    expect(body).toContain('| Field | File | Current | Proposed | Change |');
    expect(body).toContain('| `spec.replicas` | `apps/web/deployment.yaml` | 4 | **6** | +50% |');
    expect(body).toContain('| `spec.template.spec.containers[0].resources.requests.cpu` | `apps/web/deployment.yaml` | 500m | **400m** | −20% |');
  });

  it('opens each workload with a decision box: the problem, the sizing with units, the cost on average and at peak, the red flags', () => {
    const box = body.slice(body.indexOf('| | |'), body.indexOf('| Field |'));
    expect(box).toContain('| **Problem** | p90 forecast peak 540 req/s (next 24 h) against 400 req/s that 4 replicas serve today |');
    expect(box).toContain('| **Sizing** | `replicas` = ⌈540 req/s (p90 forecast peak) × 1.10 headroom ÷ 100 req/s per replica⌉ = 9 replicas, **6** after the guardrails |');
    expect(box).toContain('| **Cost** | +16.67 USD/month on average (4 → 6 replicas expected) |');
    expect(box).toContain('| **Red flags** | none |');
    expect(box.trim().split('\n')).toHaveLength(6);
  });

  it('shows the red flags that fire, and the cost at peak when there is one', () => {
    const d = { ...decisionOf(), peakCost: { cores: 1, memoryGiB: 1, monthly: 25.7, currency: 'USD' } };
    const flagged = itemOf({ decision: d, flags: [{ flag: 'shortHistory', days: 2 }, { flag: 'dataFilled', share: 0.21, filled: 100, excluded: 20, steps: 576 }] });
    const text = renderBody(buildProposal('shop/web', 'b', [flagged], NOW), { baseBranch: 'main' });
    expect(text).toContain('+16.67 USD/month on average (4 → 6 replicas expected), +25.70 USD/month at peak');
    expect(text.split('\n')[0]).toContain('Cost per month: **+16.67 USD** on average (+0.6 cores, +1 GiB requested), **+25.70 USD** at peak (+1 cores, +1 GiB).');
    expect(text).toContain('| **Red flags** | ⚠️ only 2.0 days of history (under 14): the weekly shape is barely known; 21% of the history was not observed (100 samples filled, 20 excluded) |');
  });

  it("explains why: the forecast, the capacity, each field's arithmetic with units, and only the notes about what it edits", () => {
    const why = body.slice(body.indexOf('### Why'), body.indexOf('```mermaid'));
    expect(why).toContain('- Forecast p90 peak 540 req/s over the next 24 h (model holt-winters-additive(daily)); observed peak of the last 2 days: 487 req/s.');
    expect(why).toContain('- One replica serves 100 req/s (given in the guardrails file)');
    expect(why).toContain('- `replicas`: ⌈540 req/s (p90 forecast peak) × 1.10 headroom ÷ 100 req/s per replica⌉ = 9 replicas; 6 after the guardrails.');
    expect(why).toContain("- `cpu.request`: p95 of the busiest pod's CPU 0.348 cores + 15% = 0.4 cores.");
    expect(why).not.toContain('PodDisruptionBudget');
    const noted = renderBody(buildProposal('shop/web', 'b', [itemOf({ manifestNotes: ['apps/web/deployment.yaml: spec.replicas is also set by an HPA elsewhere'] })], NOW), { baseBranch: 'main' });
    expect(noted).toContain('- Note: apps/web/deployment.yaml: spec.replicas is also set by an HPA elsewhere');
  });

  it('says what data the forecast used: history length, samples filled', () => {
    const data = body.slice(body.indexOf('### Data behind this'), body.indexOf('### Model'));
    expect(data).toContain('- Load: 2.0 days of history at 5 min (576 samples); observed peak of the last 2 days 487 req/s.');
    expect(data).toContain('- Missing samples filled: 12 (2%).');
  });

  it('embeds the charts of each workload (src/forge/chart.test.ts tests what they draw)', () => {
    expect(body).toContain('```mermaid\nxychart-beta\n');
    for (const chart of renderCharts(itemOf())) expect(body).toContain(chart);
  });

  it("stays under GitHub's body limit: charts go first, then the last workloads fold to what changes", () => {
    const bodyOf = (n: number) => renderBody(buildProposal('g', 'b', Array.from({ length: n }, (_, i) => itemOf({ target: { ...api, name: `api-${i}` } })), NOW), { baseBranch: 'main' });
    expect(bodyOf(1)).not.toContain('left out');
    // The first group too big with every chart: some charts stay, the rest are named as left out, no workload folds.
    let n = 1;
    while (bodyOf(n).length < BODY_LIMIT * 0.98) n++;
    const some = bodyOf(n + 1);
    expect(some.length).toBeLessThanOrEqual(BODY_LIMIT);
    expect(some).toContain('```mermaid');
    expect(some).toMatch(/(The chart is|charts are) left out: with (it|them) this PR's description would pass/);
    expect(some).not.toContain("The rest of this workload's explanation");
    // Far too big even as text: the last workloads fold, but each still shows what changes, and rollback and metadata survive.
    const many = bodyOf(3 * n);
    expect(many.length).toBeLessThanOrEqual(BODY_LIMIT);
    expect(many).toContain("The rest of this workload's explanation");
    for (let i = 0; i < 3 * n; i++) expect(many).toContain(`\`shop/api-${i}\``);
    expect(many).toContain('## How to roll back');
    expect(parseMeta(many)?.targets).toHaveLength(3 * n);
  });

  it('shows a key Augur adds as "not set", and its rollback as deleting the line; the metadata records the insertion', () => {
    const added: Edit = { ...replicasEdit('', '6'), range: [120, 120], insert: { prefix: '  replicas: ', suffix: '\n' } };
    const prod = { ...itemOf().target, environment: 'production' };
    const p = buildProposal('production/shop/web', 'augur/production/shop/web', [itemOf({ target: prod, edits: [added, cpuEdit] })], NOW);
    expect(p.title).toBe('augur: replicas 4→6, cpu request 500m→400m for shop/web (production)');
    const text = renderBody(p, { baseBranch: 'main' });
    expect(text).toContain('## Deployment `shop/web (production)`');
    expect(text).toContain('| `spec.replicas` | `apps/web/deployment.yaml` | not set here (4) | **6** | +50% |');
    expect(text).toContain('| `apps/web/deployment.yaml` | `spec.replicas` | delete the line Augur added |');
    expect(parseMeta(text)?.changes[0]).toEqual({ target: 'Deployment/shop/web@production', field: 'replicas', file: 'apps/web/deployment.yaml', from: '', to: '6', insert: { prefix: '  replicas: ', suffix: '\n' } });
  });

  it('reports the model and its accuracy on this workload', () => {
    expect(body).toContain('### Model and its accuracy on this workload');
    expect(body).toContain('Model **holt-winters-additive(daily)**, chosen by a rolling-origin backtest over 6 origins of 24 h each');
    // The trust guard's measure first (pinball skill against seasonal naive), the old 1 − WAPE kept beside it.
    expect(body).toContain('| p90 pinball skill vs seasonal-naive(daily) (the trust guard) | p90 pinball loss | Accuracy (1 − WAPE of the median) | MASE | p90 coverage |');
    expect(body).toContain('| +30% | 3.5 req/s (seasonal naive 5 req/s) | 88% | 0.82 | 87% (ideal 90%) |');
    expect(body).toContain('Other models scored (mean pinball loss over the forecast quantiles, in % of the mean load; lower is better): holt-winters-additive(daily) 120%, seasonal-naive(daily) 150%.');
  });

  it('names an ensemble as such, and a reused selection by the time of its backtest', () => {
    const base = itemOf();
    const f = { ...base.forecast, model: 'ensemble(a + b + c)', members: ['a', 'b', 'c'], selectedAt: T0 + 3600 };
    const b = renderBody(buildProposal('shop/web', 'augur/shop/web', [itemOf({ forecast: f })], NOW), { baseBranch: 'main' });
    expect(b).toContain("Model **ensemble(a + b + c)** (the average of the 3 best models' quantiles), chosen by a rolling-origin backtest");
    expect(b).toContain('(the backtest of 2026-06-01T01:00Z; this cycle refitted the model on the newest history):');
  });

  it('names the models a pruned selection did not backtest, and the full selection they ranked below the best at', () => {
    const f = { ...itemOf().forecast, notScored: { models: ['naive', 'recent-quantiles(3d)'], since: T0 + 7200 } };
    const b = renderBody(buildProposal('shop/web', 'augur/shop/web', [itemOf({ forecast: f })], NOW), { baseBranch: 'main' });
    expect(b).toContain("Not backtested at this selection: naive, recent-quantiles(3d). They ranked below those above at the workload's full selection of 2026-06-01T02:00Z, which backtested every model;");
    expect(body).not.toContain('Not backtested');
  });

  it('lists the guardrails that shaped it, and folds the ones that passed', () => {
    expect(body).toContain('### Guardrails that shaped this');
    expect(body).toContain('- **maxStepPercent.up** (clamped): replicas: 9 → 6 (at most 50% up per PR)');
    expect(body).toContain('<details><summary>2 other guardrails passed</summary>\n\n- minHistory: 2.0 days of history\n- minAccuracy: backtest accuracy 88% ≥ 50%\n\n</details>');
  });

  it('lists the exact queries', () => {
    const queries = body.slice(body.indexOf('### Queries'));
    expect(queries).toContain('```promql\n# load\nsum(rate(http_requests_total{namespace="shop",service="web"}[5m]))\n# cpu\nfile web-cpu.csv\n```');
  });

  it('says how to roll back, with the original value of every field', () => {
    const rollback = body.slice(body.indexOf('## How to roll back'));
    expect(rollback).toContain('on `main`');
    expect(rollback).toContain('| `apps/web/deployment.yaml` | `spec.replicas` | `4` |');
    expect(rollback).toContain('| `apps/web/deployment.yaml` | `spec.template.spec.containers[0].resources.requests.cpu` | `500m` |');
  });

  it('ends with a metadata block that parseMeta reads back', () => {
    expect(parseMeta(body)).toEqual(p.meta);
  });

  it('has the sections in reading order', () => {
    const order = ['| **Problem** |', '| Field |', '### Why', '```mermaid', '### Data behind this', '### Model and its accuracy', '### What it could break', '### Guardrails that shaped this', '### Queries', '## How to roll back', '<!-- augur:meta'];
    const positions = order.map((s) => body.indexOf(s));
    expect(positions.every((x) => x >= 0)).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
  });

  it('renders one section per workload of a grouped PR', () => {
    const two = renderBody(buildProposal('namespace--shop', 'b', [itemOf(), itemOf({ target: api })], NOW), { baseBranch: 'prod' });
    expect(two).toContain('## Deployment `shop/web`');
    expect(two).toContain('## Deployment `shop/api`');
    expect(two.match(/```mermaid/g)).toHaveLength(2);
    expect(two).toContain('resizing 2 workloads');
    expect(two).toContain('on `prod`');
  });

  it('says when there is no backtest and when no guardrail changed the numbers', () => {
    const f = forecastOf();
    delete f.accuracy;
    const d = decisionOf();
    d.notes = d.notes.filter((n) => n.effect === 'passed');
    const text = renderBody(buildProposal('shop/web', 'b', [itemOf({ forecast: f, decision: d })], NOW), { baseBranch: 'main' });
    expect(text).toContain('Model **holt-winters-additive(daily)** (not enough history for a backtest).');
    expect(text).toContain('None changed the numbers.');
  });
});

// ---------------------------------------------------------------------------------------------
// A KEDA schedule: the block edit of the ScaledObject's Augur triggers, and its section.

const site: ScaledObjectSite = {
  file: 'apps/web/keda.yaml',
  documentIndex: 0,
  label: 'ScaledObject/web',
  minReplicaCount: 2,
  maxReplicaCount: 20,
  augurTriggers: [],
  otherTriggers: ['cpu', 'cron (business-hours)'],
};
const trigger = (n: number, start: number, end: number, desiredReplicas: number): CronWindowTrigger => ({
  name: `augur-window-${n}`,
  timezone: 'Europe/Berlin',
  start: `0 ${start} * * *`,
  end: `0 ${end} * * *`,
  desiredReplicas,
});
/** Need: 8 from 07 to 10 (held back to 6 by the step rule), 4 from 22 to 02. */
const need = Array.from({ length: 24 }, (_, h) => (h >= 7 && h < 10 ? 8 : h >= 22 || h < 2 ? 4 : 2));

function scheduleOf(over: Partial<ScheduleChange> = {}): ScheduleChange {
  return {
    timezone: 'Europe/Berlin',
    floor: 2,
    ceiling: 20,
    maxWindows: 4,
    current: [],
    proposed: [trigger(1, 7, 10, 6), trigger(2, 22, 2, 4)],
    hourlyNeed: need,
    cycle: { period: 'daily', autocorrelation: 0.82 },
    ...over,
  };
}

const block: BlockEdit = { file: 'apps/web/keda.yaml', yamlPath: 'spec.triggers', range: [512, 512], from: '', to: '    - type: cron\n      name: augur-window-1\n' };

function scheduleItem(schedule = scheduleOf(), over: Partial<ProposalItem> = {}): ProposalItem {
  const d = decisionOf();
  d.changes = [];
  d.schedule = schedule;
  d.cost = { cores: 0.45, memoryGiB: 0.9, monthly: 12.5, currency: 'USD' };
  d.notes = [
    { rule: 'minHistory', effect: 'passed', haveSeconds: 2 * 86_400, needSeconds: 86_400 },
    { rule: 'maxStepPercent', effect: 'clamped', schedule: true, hours: [7, 8, 9], up: 200, down: 30 },
  ];
  const r = { ...recommendationOf(), changes: [] };
  return itemOf({ decision: d, recommendation: r, autoscaler: 'hpa', edits: [], blocks: [block], scaledObject: site, ...over });
}

describe('a KEDA schedule in the proposal', () => {
  const p = buildProposal('shop/web', 'augur/shop/web', [scheduleItem()], NOW);
  const body = renderBody(p, { baseBranch: 'main' });
  const section = body.slice(body.indexOf('### Scaling schedule'), body.indexOf('```mermaid'));

  it('names the schedule in the title and keeps it in the metadata block', () => {
    expect(p.title).toBe('augur: KEDA schedule (2 windows up to 6 replicas) for shop/web');
    expect(p.meta.changes).toEqual([]);
    expect(p.meta.schedules).toEqual([{ target: 'Deployment/shop/web', file: 'apps/web/keda.yaml', scaledObject: 'ScaledObject/web', from: [], to: scheduleOf().proposed }]);
    expect(parseMeta(body)).toEqual(p.meta);
  });

  it('fingerprints the schedule: equal when unchanged, different when a window or the starting point moves', () => {
    const again = buildProposal('shop/web', 'augur/shop/web', [scheduleItem()], NOW + 7200).meta.fingerprint;
    expect(again).toBe(p.meta.fingerprint);
    const moved = buildProposal('shop/web', 'b', [scheduleItem(scheduleOf({ proposed: [trigger(1, 7, 11, 6), trigger(2, 22, 2, 4)] }))], NOW).meta.fingerprint;
    const more = buildProposal('shop/web', 'b', [scheduleItem(scheduleOf({ proposed: [trigger(1, 7, 10, 7), trigger(2, 22, 2, 4)] }))], NOW).meta.fingerprint;
    const fromOther = buildProposal('shop/web', 'b', [scheduleItem(scheduleOf({ current: [trigger(1, 8, 10, 3)] }))], NOW).meta.fingerprint;
    expect(new Set([p.meta.fingerprint, moved, more, fromOther]).size).toBe(4);
    // Field changes plus the schedule differ from the field changes alone.
    const fields = buildProposal('shop/web', 'b', [itemOf()], NOW).meta.fingerprint;
    const both = buildProposal('shop/web', 'b', [itemOf({ decision: { ...decisionOf(), schedule: scheduleOf() }, blocks: [block], scaledObject: site })], NOW).meta.fingerprint;
    expect(both).not.toBe(fields);
  });

  it('keeps the fingerprint of a proposal without a schedule as earlier versions wrote it', () => {
    const plain = buildProposal('shop/web', 'b', [itemOf()], NOW).meta;
    expect(plain.schedules).toBeUndefined();
    expect(plain.fingerprint).toBe(createHash('sha256').update(JSON.stringify(plain.changes)).digest('hex').slice(0, 16));
  });

  it('writes no schedule without its block edit', () => {
    const item = scheduleItem(scheduleOf(), { blocks: [] });
    const q = buildProposal('shop/web', 'b', [item], NOW);
    expect(q.meta.schedules).toBeUndefined();
    expect(renderBody(q, { baseBranch: 'main' })).not.toContain('### Scaling schedule');
  });

  it('lists the trigger block in the table of what changes', () => {
    expect(body).toContain('| `spec.triggers` of ScaledObject/web: cron triggers `augur-*` | `apps/web/keda.yaml` | 0 windows | **2 windows** | new |');
  });

  it('says which ScaledObject and file are edited, and that the other triggers are left alone', () => {
    expect(section).toContain('in `ScaledObject/web` (`apps/web/keda.yaml`, under `spec.triggers`)');
    expect(section).toContain('The other triggers stay as they are: `cpu`, `cron (business-hours)`');
  });

  it('gives the time zone, the floor and the ceiling', () => {
    expect(section).toContain('Times are local to **Europe/Berlin**');
    expect(section).toContain("the floor is **2** (the ScaledObject's `minReplicaCount`)");
    expect(section).toContain('no window goes above **20** (`maxReplicaCount`)');
  });

  it('has a table of windows in local time with replicas now and proposed', () => {
    expect(section).toContain('| Window | Local time | Replicas now | Proposed |');
    expect(section).toContain('| `augur-window-1` | 07:00–10:00 | 2 | **6** |');
    expect(section).toContain('| `augur-window-2` | 22:00–02:00 (next day) | 2 | **4** |');
  });

  it('gives the reason once, in the section rather than under Why', () => {
    expect(section).toContain('**Why:** daily cycle (autocorrelation 0.82 at 1 day)');
    const why = body.slice(body.indexOf('### Why'), body.indexOf('### Scaling schedule'));
    expect(why).not.toContain('Scaling schedule:');
    expect(why).toContain('- Forecast p90 peak 540');
  });

  it('compares the forecast need with the windows, hour by hour, and says where the guardrails held them back', () => {
    const grid = section.slice(section.indexOf('```\n') + 4, section.indexOf('\n```', section.indexOf('```\n') + 4)).split('\n');
    expect(grid).toEqual(hourlyGrid(need, new Array(24).fill(2), need.map((n) => (n === 8 ? 6 : n))));
    expect(grid[0]).toBe('hour      00 01 02 03 04 05 06 07 08 09 10 11 12 13 14 15 16 17 18 19 20 21 22 23');
    expect(grid[1]).toBe('need       4  4  2  2  2  2  2  8  8  8  2  2  2  2  2  2  2  2  2  2  2  2  4  4');
    expect(grid[3]).toBe('proposed   4  4  2  2  2  2  2  6  6  6  2  2  2  2  2  2  2  2  2  2  2  2  4  4');
    expect(section).toContain('Below the forecast need in 07:00–10:00: the guardrails held the windows back (maxStepPercent: schedule: hours 07:00, 08:00, 09:00 moved at most +200% / −30% from what they run at now');
    expect(section).toContain('the other triggers (cpu, cron (business-hours)) still scale up when the load comes');
    expect(section).toContain('Replicas over the day: 2 on average now, 2.83 with the windows, at most 6 (the cost below includes this; costed against the floor');
  });

  it('without replica history, says the cost was taken against the floor', () => {
    expect(section).toContain('costed against the floor, as no replica history was read');
    expect(body).toContain('from the cron windows and the floor: costed against the floor (no replica history)');
    expect(section).not.toContain('Runs today');
  });

  it('with replica history, shows what runs today next to the windows and costs only what the windows add above it', () => {
    // The cpu trigger runs 7 in the morning peak and 3 otherwise: the 07-10 window (6) adds nothing, 22-02 (4) adds 1.
    const running = Array.from({ length: 24 }, (_, h) => (h >= 7 && h < 10 ? 7 : 3));
    const text = renderBody(buildProposal('shop/web', 'b', [scheduleItem(scheduleOf({ running }))], NOW), { baseBranch: 'main' });
    const part = text.slice(text.indexOf('### Scaling schedule'), text.indexOf('```mermaid'));
    expect(part).toContain('| Window | Local time | Replicas now | Runs today | Proposed |');
    expect(part).toContain('| `augur-window-1` | 07:00–10:00 | 2 | 7 | **6** |');
    expect(part).toContain('| `augur-window-2` | 22:00–02:00 (next day) | 2 | 3 | **4** |');
    expect(part).toContain('runs       3  3  3  3  3  3  3  7  7  7  3  3  3  3  3  3  3  3  3  3  3  3  3  3');
    expect(part).toContain('Replicas over the day, counting what already runs: 3.5 on average now, 3.67 with the windows, at most 7; the windows add 0.167 on average (the cost below is this).');
    expect(text).toContain('each hour the most of the cron windows, the floor and what the workload runs then today');
  });

  it('shows weekday and weekend windows as two sets, with a grid for each day type and the reason for them', () => {
    const wk = (n: number, start: string, end: string, desiredReplicas: number): CronWindowTrigger => ({ name: `augur-window-${n}`, timezone: 'Europe/Berlin', start, end, desiredReplicas });
    const weekNeed = Array.from({ length: 168 }, (_, h) => ([0, 6].includes(Math.floor(h / 24)) ? (h % 24 >= 20 ? 3 : 2) : h % 24 >= 7 && h % 24 < 10 ? 6 : 2));
    const s = scheduleOf({
      hourlyNeed: weekNeed,
      proposed: [wk(1, '0 7 * * 1-5', '0 10 * * 1-5', 6), wk(2, '0 20 * * 0,6', '0 0 * * 0,1', 3)],
      weekSets: { difference: 0.42, error: 0.08 },
    });
    const item = scheduleItem(s);
    item.decision.notes = [{ rule: 'minHistory', effect: 'passed', haveSeconds: 20 * 86_400, needSeconds: 86_400 }];
    const text = renderBody(buildProposal('shop/web', 'b', [item], NOW), { baseBranch: 'main' });
    const part = text.slice(text.indexOf('### Scaling schedule'), text.indexOf('```mermaid'));
    expect(part).toContain('| `augur-window-1` | 07:00–10:00 (Mon–Fri) | 2 | **6** |');
    expect(part).toContain('| `augur-window-2` | 20:00–24:00 (Sat–Sun) | 2 | **3** |');
    expect(part).toContain('weekdays and weekends get windows of their own, as their hourly profiles differ by 42% of the mean load, more than the forecast\'s own error (8%)');
    expect(part).toContain('at most 4 windows per day type');
    expect(part).toContain('Weekdays (Mon–Fri):');
    expect(part).toContain('Weekends (Sat, Sun):');
    expect(part).toContain('proposed   2  2  2  2  2  2  2  6  6  6  2  2  2  2  2  2  2  2  2  2  2  2  2  2');
    expect(part).toContain('proposed   2  2  2  2  2  2  2  2  2  2  2  2  2  2  2  2  2  2  2  2  3  3  3  3');
    // 5 days × 3 h × 4 + 2 days × 4 h × 1 = 68 replica-hours over 168.
    expect(part).toContain(`Replicas over the week: 2 on average now, ${fmt(2 + 68 / 168)} with the windows, at most 6`);
  });

  it('says how to roll back the schedule, in the section and in the rollback table', () => {
    expect(section).toContain("To roll back: revert this PR, and the GitOps sync gives the ScaledObject its previous triggers (none of Augur's)");
    expect(section).toContain('delete the `augur-*` triggers from `apps/web/keda.yaml`');
    const rollback = body.slice(body.indexOf('## How to roll back'));
    expect(rollback).toContain('| `apps/web/keda.yaml` | `spec.triggers` of ScaledObject/web | delete the `augur-*` cron triggers |');
  });

  it('names the windows it replaces and restores them on rollback', () => {
    const replaced = renderBody(buildProposal('shop/web', 'b', [scheduleItem(scheduleOf({ current: [trigger(1, 8, 10, 3)] }))], NOW), { baseBranch: 'main' });
    expect(replaced).toContain("These replace Augur's current windows: 08:00–10:00 → 3.");
    expect(replaced).toContain('| `augur-window-1` | 07:00–10:00 | 3 | **6** |'); // its hours run at 3 now (08, 09)
    expect(replaced).toContain('| 1 window | **2 windows** | changed |');
    expect(replaced).toContain('| `apps/web/keda.yaml` | `spec.triggers` of ScaledObject/web | the `augur-*` cron triggers 08:00–10:00 → 3 |');
  });

  it('says so when every window goes', () => {
    const q = buildProposal('shop/web', 'b', [scheduleItem(scheduleOf({ current: [trigger(1, 8, 10, 3)], proposed: [] }))], NOW);
    expect(q.title).toBe('augur: KEDA schedule (remove 1 window) for shop/web');
    const gone = renderBody(q, { baseBranch: 'main' });
    expect(gone).toContain('No window is needed any more: the 1 trigger Augur wrote before is removed and the floor of 2 applies all day.');
    expect(gone).toContain('| 1 window | **0 windows** | removed |');
  });

  it('has the sections in reading order, with the schedule before the chart', () => {
    const order = ['| **Problem** |', '| Field |', '### Why', '### Scaling schedule', '```mermaid', '### Data behind this', '## How to roll back', '<!-- augur:meta'];
    const positions = order.map((x) => body.indexOf(x));
    expect(positions.every((x) => x >= 0)).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
  });

  it('lists the schedule next to field changes for the same workload', () => {
    const both = itemOf({ decision: { ...decisionOf(), schedule: scheduleOf() }, blocks: [block], scaledObject: site });
    const q = buildProposal('shop/web', 'b', [both], NOW);
    expect(q.title).toBe('augur: KEDA schedule (2 windows up to 6 replicas), replicas 4→6 and 1 more for shop/web');
    const text = renderBody(q, { baseBranch: 'main' });
    expect(text).toContain('| `spec.replicas` | `apps/web/deployment.yaml` | 4 | **6** | +50% |');
    expect(text).toContain('| `spec.triggers` of ScaledObject/web');
    expect(text).toContain('### Scaling schedule');
  });
});

describe('schedule rendering helpers', () => {
  it('dayNames: cron days of week in words, Monday first, runs joined, the field itself when not plain', () => {
    expect(dayNames('1-5')).toBe('Mon–Fri');
    expect(dayNames('0,6')).toBe('Sat–Sun');
    expect(dayNames('6,7')).toBe('Sat–Sun');
    expect(dayNames('1,3,5')).toBe('Mon, Wed, Fri');
    expect(dayNames('0-6')).toBe('Mon–Sun');
    expect(dayNames('MON-FRI')).toBe('days of week MON-FRI');
  });

  it('windowTime: local times, over midnight, days of week, and the cron text when it is not daily', () => {
    expect(windowTime({ start: '0 7 * * *', end: '30 17 * * *' })).toBe('07:00–17:30');
    expect(windowTime({ start: '0 22 * * *', end: '0 6 * * *' })).toBe('22:00–06:00 (next day)');
    expect(windowTime({ start: '0 8 * * 1-5', end: '0 18 * * 1-5' })).toBe('08:00–18:00 (Mon–Fri)');
    expect(windowTime({ start: '*/5 * * * *', end: '0 18 * * *' })).toBe('`*/5 * * * *` to `0 18 * * *`');
  });

  it('hourRanges: spans of flagged hours, one span over midnight', () => {
    const flags = (hours: number[]) => Array.from({ length: 24 }, (_, h) => hours.includes(h));
    expect(hourRanges(flags([7, 8, 9, 13]))).toEqual(['in 07:00–10:00', 'in 13:00–14:00']);
    expect(hourRanges(flags([22, 23, 0, 1]))).toEqual(['in 22:00–02:00']);
    expect(hourRanges(flags([]))).toEqual([]);
    expect(hourRanges(flags(Array.from({ length: 24 }, (_, h) => h)))).toEqual(['all day']);
  });

  it('hourlyGrid: aligns wide counts', () => {
    const wide = hourlyGrid(new Array(24).fill(120), new Array(24).fill(2), new Array(24).fill(100));
    expect(wide[1]).toBe(`need     ${' 120'.repeat(24)}`);
    expect(wide[2]).toBe(`now      ${'   2'.repeat(24)}`);
    expect(new Set(wide.map((l) => l.length)).size).toBe(1);
  });
});
