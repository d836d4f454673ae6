// The English of every reason: what a reviewer reads in a PR, the dashboard and the CLI. The
// guardrails and the cycle are tested on the data; this is where the words are.
import { describe, expect, it } from 'vitest';
import type { Finding, Note, ScheduleSkip } from '../domain/reasons.js';
import { describeFinding, describeFreeze, describeNote, describeSkip, heldBecause } from './reasons.js';

const Gi = 2 ** 30;
const H = 3600;
const D = 86_400;
const usd = (monthly: number, cores = 0, memoryGiB = 0) => ({ cores, memoryGiB, monthly, currency: 'USD' });

const notes: [Note, string][] = [
  [{ rule: 'manifest', effect: 'held', problem: 'apps/web.yaml: no such file' }, 'apps/web.yaml: no such file'],
  [{ rule: 'manifest', effect: 'dropped', schedule: true, problem: 'flow list' }, 'schedule not written: flow list'],
  [{ rule: 'manifest', effect: 'held', schedule: true, problem: 'flow list' }, 'the schedule cannot be written: flow list'],
  [{ rule: 'drift', effect: 'held', notInCluster: { kind: 'Deployment', namespace: 'shop', name: 'web' } }, 'Deployment shop/web is in Git but not in the cluster: wait for the GitOps sync'],
  [
    { rule: 'drift', effect: 'held', differences: [{ field: 'hpa.maxReplicas', git: 12, live: 15 }] },
    'live state differs from Git (hpa.maxReplicas: Git 12, cluster 15); wait for the GitOps sync, or bring Git in line with a hand-made change',
  ],
  [{ rule: 'metrics', effect: 'held', metric: 'load', cause: 'read', error: 'no data' }, 'load: no data'],
  [{ rule: 'metrics', effect: 'held', metric: 'load', cause: 'empty', steps: 4032 }, 'load: the series has no usable samples (4032 steps, all missing or NaN); check the query or file'],
  [
    { rule: 'metrics', effect: 'held', metric: 'load', cause: 'stale', ageSeconds: 1800, windowEnd: Date.parse('2026-06-10T10:00:00Z') / 1000 },
    'load: the newest sample is 30 min old (window ends 2026-06-10T10:00:00.000Z); check that the query still returns data',
  ],
  [{ rule: 'capacity', effect: 'held' }, 'per-replica capacity could not be derived (needs the cpuTotal metric and a CPU request in the manifest); set capacity.perReplica'],
  [{ rule: 'sanity', effect: 'held', values: [{ field: 'replicas', value: Number.NaN }] }, 'not a usable number: replicas=NaN (negative, not finite, or beyond what any workload runs): the inputs are wrong'],
  [
    { rule: 'sanity', effect: 'held', metric: 'load', issue: 'absurd', count: 1, value: 1e300 },
    'load: 1 sample beyond anything physical (up to 1.00e300); check the query (a counter without rate(), a difference of series, the wrong unit) or the exporter',
  ],
  [{ rule: 'protected', effect: 'held' }, 'this workload is protected: Augur reports, never changes it'],
  [{ rule: 'minHistory', effect: 'held', haveSeconds: D, needSeconds: 3 * D }, '1.0 days of history, 3.0 days needed: 2.0 days missing'],
  [{ rule: 'minAccuracy', effect: 'held', accuracy: 0.4, min: 0.5 }, 'backtest accuracy 40% is below 50%'],
  [{ rule: 'minAccuracy', effect: 'held', min: 0.5 }, 'not backtested: the history cannot hold a held-out horizon after what a model needs, so the forecast is untested (no accuracy yet)'],
  [
    { rule: 'minAccuracy', effect: 'held', min: 0, quantile: 0.9, historySeconds: 1.5 * D, horizonSeconds: D },
    'not backtested: 1.5 days of history cannot hold a held-out horizon of 1.0 d after what the least demanding model needs, so the forecast is untested (no accuracy yet)',
  ],
  [
    { rule: 'minAccuracy', effect: 'held', skill: -0.25, quantile: 0.9, reference: 'seasonal-naive(daily)', accuracy: 0.8, min: 0 },
    'p90 pinball skill -25% against seasonal-naive(daily) is below 0%: on this workload\'s backtest the p90 forecast did no better than the same time yesterday (1 − WAPE of the median 80%, shown only)',
  ],
  [
    { rule: 'minAccuracy', effect: 'passed', skill: 0.3, quantile: 0.9, reference: 'seasonal-naive(daily)', accuracy: 0.1, min: 0 },
    'p90 pinball skill 30% against seasonal-naive(daily) ≥ 0% (1 − WAPE of the median 10%, shown only)',
  ],
  [
    { rule: 'freezeWindows', effect: 'held', window: { cron: '0 16 * * 5', duration: 64 * H, timezone: 'Europe/Berlin', reason: 'weekend' } },
    'inside freeze window cron "0 16 * * 5" for 64 h (Europe/Berlin): weekend',
  ],
  [{ rule: 'cooldown', effect: 'held', mergedAgo: H, cooldown: 24 * H }, 'the last Augur change merged 1.0 h ago; cooldown 1.0 d (23.0 h left)'],
  [{ rule: 'allowedChanges', effect: 'dropped', fields: ['cpu.request'], allowed: ['replicas', 'limits'] }, 'not allowed here: cpu.request (allowed: replicas, limits)'],
  [{ rule: 'scaleDownOnEvidenceOnly', effect: 'clamped', field: 'replicas', forecast: 4, supported: 7 }, 'replicas: forecast says 4, observed history supports only 7'],
  [{ rule: 'minReplicas/maxReplicas', effect: 'clamped', field: 'replicas', from: 80, to: 50, min: 1, max: 50 }, 'replicas: 80 → 50 (policy allows 1..50)'],
  [
    { rule: 'minReplicas/maxReplicas', effect: 'clamped', schedule: true, hours: [9, 10], min: 1, upper: 8, max: 50, ceiling: 8 },
    'schedule: hours 09:00, 10:00 kept within 1..8 (policy 1..50, the ScaledObject at most 8)',
  ],
  [{ rule: 'maxMemoryPerPod', effect: 'clamped', field: 'memory.request', from: 20 * Gi, to: 6 * Gi }, 'memory.request: 20.00 GiB → 6.00 GiB'],
  [{ rule: 'maxStepPercent.up', effect: 'clamped', field: 'replicas', from: 25, to: 15, percent: 50, oneReplica: false }, 'replicas: 25 → 15 (at most 50% up per PR)'],
  [{ rule: 'maxStepPercent.up', effect: 'clamped', field: 'replicas', from: 3, to: 2, percent: 50, oneReplica: true }, 'replicas: 3 → 2 (at most 50% up per PR; one replica is always allowed)'],
  [{ rule: 'maxStepPercent', effect: 'clamped', schedule: true, hours: [9], up: 100, down: 30 }, 'schedule: hours 09:00 moved at most +100% / −30% from what they run at now'],
  [
    { rule: 'maxStepPercent', effect: 'clamped', schedule: true, week: true, hours: [1, 2, 3, 4, 5].flatMap((d) => [d * 24 + 9, d * 24 + 10, d * 24 + 14]).concat([6 * 24 + 23]), up: 100, down: 30 },
    'schedule: hours Mon–Fri 09:00–11:00, 14:00–15:00; Sat 23:00–24:00 moved at most +100% / −30% from what they run at now',
  ],
  [{ rule: 'consistency', effect: 'clamped', limit: 'request below limit', field: 'cpu.request', from: 2, to: 1.5 }, 'cpu.request: 2 cores → 1.5 cores, the limit that stays in the manifest'],
  [{ rule: 'minChangePercent', effect: 'dropped', moves: [{ field: 'replicas', from: 20, to: 21 }], percent: 10 }, 'below 10%: replicas 20 → 21'],
  [{ rule: 'minChangePercent', effect: 'dropped', schedule: true, percent: 10 }, 'schedule: no hour moves 10% or more'],
  [
    { rule: 'rejectedBackoff', effect: 'held', pr: 7, closedAgo: 5 * H, backoff: 7 * D, percent: 10 },
    'PR #7 with these values was closed unmerged 5.0 h ago; Augur proposes again when a value moves 10% from it or after 7.0 d',
  ],
  [{ rule: 'budget.perPR', effect: 'held', cost: usd(205.57, 8, 8), budget: { monthly: 100, cores: 10 } }, 'adds +205.57 USD per month (budget 100.00 USD)'],
  [{ rule: 'budget.perPR', effect: 'held', cost: usd(50, 2, 2), budget: { cores: 1.5, memoryGiB: 1 } }, 'adds 2 cores (budget 1.5), 2 GiB (budget 1)'],
  [{ rule: 'budget.perPR', effect: 'passed', cost: usd(25.7), budget: { monthly: 100 } }, 'adds +25.70 USD per month'],
  [
    { rule: 'limitRange', effect: 'held', violations: [{ field: 'memory.request', value: 384 * 2 ** 20, bound: 'max', limit: 200 * 2 ** 20, source: 'LimitRange shop/containers' }] },
    'pods would be rejected: memory.request 384 MiB is above the LimitRange shop/containers max 200 MiB',
  ],
  [
    { rule: 'headroom', effect: 'held', overflows: [{ source: 'ResourceQuota shop/compute', resource: 'cpu', after: 21.5, limit: 20 }] },
    'the requests at the new peak do not fit: ResourceQuota shop/compute: CPU 21.5 > 20 cores',
  ],
  [
    { rule: 'admission', effect: 'held', mode: 'update', object: 'Deployment shop/web', denial: { by: 'policy', name: 'replicas-step', binding: 'replicas-step', message: 'replicas may grow by at most 2' } },
    'the server-side dry run (an apply of the proposed fields to the live objects) of Deployment shop/web was denied by the ValidatingAdmissionPolicy "replicas-step": replicas may grow by at most 2 (an admission policy of the cluster: ask its owner, kubectl get validatingadmissionpolicy replicas-step)',
  ],
  [
    { rule: 'admission', effect: 'held', mode: 'copy', object: 'Deployment shop/web', denial: { by: 'webhook', name: 'validate.kyverno.svc-fail', message: 'replicas above 8 need a review' } },
    'the server-side dry run (a create of a renamed copy) of Deployment shop/web was denied by the admission webhook "validate.kyverno.svc-fail": replicas above 8 need a review (a policy engine such as Kyverno or Gatekeeper: ask the owner of that policy)',
  ],
  [{ rule: 'admission', effect: 'passed', notRun: 'dry-run apply Deployment shop/web: the API server did not answer within 500 ms' }, 'not checked: the server-side dry run could not run (dry-run apply Deployment shop/web: the API server did not answer within 500 ms)'],
  [
    { rule: 'cluster.required', effect: 'held', failed: [{ check: 'live state', error: 'get Deployment shop/web: the API server did not answer (ECONNREFUSED)' }] },
    'cluster.required is on and a cluster check could not run (live state: get Deployment shop/web: the API server did not answer (ECONNREFUSED)): nothing judged the change yet; Augur proposes it once they run (or set cluster.required: false to propose from Git alone)',
  ],
  [
    { rule: 'budget.perNamespace', effect: 'held', namespace: 'shop', total: usd(110), budget: { monthly: 100, period: 30 * D } },
    'namespace shop would add +110.00 USD per month (budget 100.00 USD) within 30 days',
  ],
  [{ rule: 'limits.maxOpenPRs', effect: 'held', open: 10, limit: 10 }, '10 Augur PRs are open, the limit is 10: waits for a review'],
  [{ rule: 'limits.maxPRsPerHour', effect: 'held', opened: 5, limit: 5 }, '5 PRs opened in the last hour, the limit is 5: waits for the next cycle'],
];

describe('describeNote', () => {
  it.each(notes.map(([n, text]) => [`${n.rule} ${n.effect}`, n, text] as const))('%s', (_name, n, text) => {
    expect(describeNote(n)).toBe(text);
  });

  it('says which rule holds a decision, first held note first', () => {
    expect(heldBecause({ notes: [{ rule: 'sanity', effect: 'passed' }, { rule: 'protected', effect: 'held' }, { rule: 'cooldown', effect: 'held', mergedAgo: H, cooldown: D }] })).toBe(
      'protected: this workload is protected: Augur reports, never changes it',
    );
    expect(heldBecause({ notes: [{ rule: 'sanity', effect: 'passed' }] })).toBeUndefined();
  });
});

describe('describeFinding and describeSkip', () => {
  const findings: [Finding, string][] = [
    [{ kind: 'counter', resets: 1 }, 'load looks like a counter (it only rises, 1 reset): Augur forecasts its per-second rate; write rate(...) in the query to say so'],
    [
      { kind: 'history', steps: 4032, filled: 16, incidents: [], excluded: 0, outliers: 8 },
      'load history: 16 missing samples filled; 8 extreme samples kept (a spike may be real load)',
    ],
    [{ kind: 'metricUnavailable', metric: 'cpu', error: 'timeout' }, 'cpu metric unavailable, its changes are skipped: timeout'],
    [{ kind: 'metricUnavailable', metric: 'replicas', error: 'timeout' }, 'replicas metric unavailable, the schedule is costed against the floor: timeout'],
    [{ kind: 'clusterUnread', error: 'forbidden' }, 'cluster state not read, drift and headroom not checked: forbidden'],
  ];
  it.each(findings.map(([f, text]) => [f.kind, f, text] as const))('%s', (_k, f, text) => expect(describeFinding(f)).toBe(text));

  const skips: [ScheduleSkip, RegExp][] = [
    [{ kind: 'noScaledObject' }, /^sizing\.schedule is on, but no KEDA ScaledObject scales this workload in the manifests/],
    [{ kind: 'noCycle', day: 0.12 }, /^no clear daily or weekly cycle in the history \(autocorrelation at 1 day 0\.12, at 7 days n\/a \(under two cycles of history\)/],
    [{ kind: 'notWritten', problem: 'flow list' }, /^the schedule could not be written: flow list$/],
  ];
  it.each(skips.map(([s, re]) => [s.kind, s, re] as const))('%s', (_k, s, re) => expect(describeSkip(s)).toMatch(re));
});

describe('describeFreeze', () => {
  it('says what the window is, its zone and reason', () => {
    expect(describeFreeze({ cron: '0 16 * * 5', duration: 64 * H, timezone: 'Europe/Berlin', reason: 'weekend' })).toBe(
      'cron "0 16 * * 5" for 64 h (Europe/Berlin): weekend',
    );
    expect(describeFreeze({ from: '2026-12-20', to: '2027-01-04' })).toBe('2026-12-20 to 2027-01-04');
  });
});
