import { describe, expect, it } from 'vitest';
import { POLICY_DEFAULTS, type Policy } from '../config/schema.js';
import type { Accuracy } from '../domain/forecast.js';
import { heldBy, type Change, type Decision, type Recommendation } from '../domain/decision.js';
import type { Note } from '../domain/reasons.js';
import type { CostDelta } from '../domain/money.js';
import type { FieldKey } from '../domain/workload.js';
import { RULES, applyLimits, guard, type ForgeLoad, type GuardInput } from './index.js';
import { costOf } from './cost.js';
import { describeNote, heldBecause } from '../forge/reasons.js';
import { relChange } from '../domain/units.js';

const Mi = 2 ** 20;
const Gi = 2 ** 30;
const H = 3600;
const D = 86_400;
/** Wednesday 2026-06-10 10:00 UTC: outside every window used below unless a test says so. */
const NOW = Date.parse('2026-06-10T10:00:00Z') / 1000;

const policy = (over: Partial<Policy> = {}): Policy => ({ ...POLICY_DEFAULTS, ...over });

/** A backtest with this WAPE, whose p90 pinball is `p90` against seasonal naive's `reference` (skill 1 − p90 ÷ reference). */
const accuracy = (wape: number, p90 = 3, reference = 4): Accuracy => ({
  origins: 5,
  horizonSeconds: D,
  mase: 0.8,
  wape,
  pinball: { '0.9': p90 },
  coverage: { '0.9': 0.88 },
  selectionLoss: 1,
  reference: { model: 'seasonal-naive(daily)', pinball: { '0.9': reference } },
});

const change = (field: FieldKey, current: number, proposed: number, observed?: number): Change => ({
  field,
  current,
  proposed,
  ...(observed !== undefined ? { observed } : {}),
  basis: { kind: 'limitRatio', ratio: 1 },
});

/** Evidence as recommend() leaves it, with what a test sets. */
export const evidenceOf = (over: Partial<Recommendation['evidence']> = {}): Recommendation['evidence'] => ({
  forecastPeak: 1000,
  highPeak: 1200,
  quantile: 0.9,
  maxQuantile: 0.99,
  headroomPercent: 10,
  horizonSeconds: 86_400,
  model: 'seasonal-naive(daily)',
  observedPeak: 900,
  observedSeconds: 7 * 86_400,
  capacityPerReplica: 100,
  capacitySource: { kind: 'given' },
  owner: { kind: 'none' },
  expectedReplicas: 4,
  demand: [],
  historySteps: 4032,
  ...over,
});

const rec = (changes: Change[], expectedReplicas = 4): Recommendation => ({
  target: { kind: 'Deployment', namespace: 'shop', name: 'web' },
  changes,
  evidence: evidenceOf({ expectedReplicas }),
});

function input(changes: Change[], over: Partial<GuardInput> = {}, pol: Partial<Policy> = {}): GuardInput {
  return {
    recommendation: rec(changes),
    policy: policy(pol),
    accuracy: accuracy(0.1),
    historySeconds: 14 * D,
    now: NOW,
    timezone: 'UTC',
    podRequests: { cpu: 0.5, memory: 512 * Mi },
    ...over,
  };
}

const notesOf = (d: Decision, rule: string): Note[] => d.notes.filter((n) => n.rule === rule);
/** The rule that holds the decision, or undefined. */
const holdRule = (d: Decision): string | undefined => heldBy(d)?.rule;
const field = (d: Decision, f: FieldKey): Change | undefined => d.changes.find((c) => c.field === f);
const proposedOf = (d: Decision, f: FieldKey): number | undefined => field(d, f)?.proposed;

describe('guard: a plain proposal', () => {
  it('proposes a change that every rule lets through, with its cost', () => {
    const d = guard(input([change('replicas', 4, 6, 6)]));
    expect(d.verdict).toBe('propose');
    expect(heldBy(d)).toBeUndefined();
    expect(d.changes).toEqual([change('replicas', 4, 6, 6)]);
    expect(d.target).toEqual({ kind: 'Deployment', namespace: 'shop', name: 'web' });
    // 2 more pods of 0.5 cores and 512 MiB: 1 core, 1 GiB: (0.031 + 0.0042) × 730 = 25.696.
    expect(d.cost).toEqual({ cores: 1, memoryGiB: 1, monthly: 25.7, currency: 'USD' });
    expect(d.notes.every((n) => n.effect === 'passed')).toBe(true);
  });

  it('does not mutate the recommendation', () => {
    const r = rec([change('replicas', 10, 40)]);
    guard({ ...input([]), recommendation: r, policy: policy({ maxStepPercent: { up: 50, down: 30 } }) });
    expect(r.changes[0]!.proposed).toBe(40);
  });
});

describe('guard: each rule in GUARDRAIL_ORDER', () => {
  it('has the documented order', () => {
    expect(RULES.map((r) => r.name)).toEqual([
      'manifest',
      'drift',
      'metrics',
      'capacity',
      'sanity',
      'plausibility',
      'protected',
      'minHistory',
      'minAccuracy',
      'freezeWindows',
      'cooldown',
      'allowedChanges',
      'scaleDownOnEvidenceOnly',
      'minReplicas/maxReplicas',
      'maxCpuPerPod/maxMemoryPerPod',
      'maxStepPercent',
      'consistency',
      'minChangePercent',
      'rejectedBackoff',
      'memoryLeak',
      'budget.perPR',
      'cluster.required',
      'limitRange',
      'headroom',
      'admission',
      'budget.perNamespace',
      'limits.maxOpenPRs',
      'limits.maxPRsPerHour',
    ]);
  });

  describe('sanity', () => {
    it.each([
      ['NaN', NaN],
      ['Infinity', Infinity],
      ['a negative number', -2],
    ])('holds a proposed value that is %s', (_name, value) => {
      const d = guard(input([change('replicas', 4, value)]));
      expect(d.verdict).toBe('hold');
      expect(holdRule(d)).toBe('sanity');
      expect(notesOf(d, 'sanity')).toEqual([{ rule: 'sanity', effect: 'held', values: [{ field: 'replicas', value }] }]);
    });

    it('holds a non-finite current value', () => {
      const d = guard(input([change('cpu.request', NaN, 1)]));
      expect(d.verdict).toBe('hold');
      expect(holdRule(d)).toBe('sanity');
    });
  });

  describe('protected', () => {
    it('reports, never changes, a protected workload', () => {
      const d = guard(input([change('replicas', 4, 6, 6)], {}, { protected: true }));
      expect(d.verdict).toBe('hold');
      expect(holdRule(d)).toBe('protected');
      expect(notesOf(d, 'protected')[0]!.effect).toBe('held');
      // What would have been proposed is kept for the report.
      expect(proposedOf(d, 'replicas')).toBe(6);
    });
  });

  describe('minHistory', () => {
    it('holds with less history than required, saying how much is missing', () => {
      const d = guard(input([change('replicas', 4, 6, 6)], { historySeconds: 1 * D }, { minHistory: 3 * D }));
      expect(d.verdict).toBe('hold');
      expect(notesOf(d, 'minHistory')).toEqual([{ rule: 'minHistory', effect: 'held', haveSeconds: 1 * D, needSeconds: 3 * D }]);
    });

    it('passes with exactly the required history', () => {
      const d = guard(input([change('replicas', 4, 6, 6)], { historySeconds: 3 * D }, { minHistory: 3 * D }));
      expect(d.verdict).toBe('propose');
      expect(notesOf(d, 'minHistory')[0]!.effect).toBe('passed');
    });
  });

  describe('minAccuracy', () => {
    it('judges the sizing quantile against seasonal naive (pinball skill), not 1 − WAPE of the median', () => {
      // A bursty workload: the median is far off (1 − WAPE 10%), but the p90 beats seasonal naive (skill 25%).
      const d = guard(input([change('replicas', 4, 6, 6)], { accuracy: accuracy(0.9, 3, 4) }, { minAccuracy: 0 }));
      expect(d.verdict).toBe('propose');
      const n = notesOf(d, 'minAccuracy')[0] as Extract<Note, { rule: 'minAccuracy' }>;
      expect(n).toMatchObject({ effect: 'passed', quantile: 0.9, reference: 'seasonal-naive(daily)', min: 0 });
      expect(n.skill).toBeCloseTo(0.25, 12);
      expect(n.accuracy).toBeCloseTo(0.1, 12); // the old metric, kept for reading
    });

    it('holds a sizing quantile that does worse than seasonal naive, however good the median', () => {
      const d = guard(input([change('replicas', 4, 6, 6)], { accuracy: accuracy(0.05, 5, 4) }, { minAccuracy: 0 }));
      expect(d.verdict).toBe('hold');
      const n = heldBy(d) as Extract<Note, { rule: 'minAccuracy' }>;
      expect(n.rule).toBe('minAccuracy');
      expect(n.skill).toBeCloseTo(-0.25, 12);
    });

    it('passes a skill exactly at the minimum, holds one just under it', () => {
      expect(guard(input([change('replicas', 4, 6, 6)], { accuracy: accuracy(0.5, 2, 4) }, { minAccuracy: 0.5 })).verdict).toBe('propose');
      expect(guard(input([change('replicas', 4, 6, 6)], { accuracy: accuracy(0.5, 2.01, 4) }, { minAccuracy: 0.5 })).verdict).toBe('hold');
    });

    it('reads the quantile the recommendation sized at', () => {
      const acc: Accuracy = { ...accuracy(0.5, 3, 4), pinball: { '0.9': 3, '0.95': 1 }, reference: { model: 'seasonal-naive(daily)', pinball: { '0.9': 4, '0.95': 0.5 } } };
      const at95 = input([change('replicas', 4, 6, 6)], { accuracy: acc });
      at95.recommendation = { ...at95.recommendation, evidence: { ...at95.recommendation.evidence, quantile: 0.95 } };
      expect(guard(at95).verdict).toBe('hold'); // p95: 1 against 0.5
      expect(guard(input([change('replicas', 4, 6, 6)], { accuracy: acc })).verdict).toBe('propose'); // p90: 3 against 4
    });

    it('holds without a seasonal-naive reference to judge against', () => {
      const { reference: _r, ...bare } = accuracy(0.1);
      expect(guard(input([change('replicas', 4, 6, 6)], { accuracy: bare })).verdict).toBe('hold');
    });

    it('holds when there is no backtest, saying how much history there is and the horizon it needs', () => {
      const base = input([change('replicas', 4, 6, 6)], { historySeconds: 1.5 * D }, { minHistory: 0 });
      delete base.accuracy;
      const d = guard(base);
      expect(d.verdict).toBe('hold');
      expect(heldBy(d)).toEqual({ rule: 'minAccuracy', effect: 'held', min: 0, quantile: 0.9, historySeconds: 1.5 * D, horizonSeconds: D });
    });
  });

  describe('freezeWindows', () => {
    const weekend = { cron: '0 16 * * 5', duration: 64 * H, timezone: 'Europe/Berlin', reason: 'weekend' };

    it('holds inside a cron window in its time zone, and keeps the would-be changes', () => {
      // Saturday 2026-06-06 12:00Z.
      const d = guard(input([change('replicas', 4, 6, 6)], { now: Date.parse('2026-06-06T12:00:00Z') / 1000 }, { freezeWindows: [weekend] }));
      expect(d.verdict).toBe('hold');
      expect(heldBy(d)).toEqual({ rule: 'freezeWindows', effect: 'held', window: weekend });
      expect(d.changes).toEqual([change('replicas', 4, 6, 6)]);
    });

    it('does not hold outside the window', () => {
      const d = guard(input([change('replicas', 4, 6, 6)], {}, { freezeWindows: [weekend] }));
      expect(d.verdict).toBe('propose');
      expect(notesOf(d, 'freezeWindows').filter((n) => n.effect === 'held')).toEqual([]);
    });

    it('holds on Monday 08:30 CEST after the spring change (64 real hours), and not at 09:00', () => {
      const w = { ...weekend };
      const held = guard(input([change('replicas', 4, 6, 6)], { now: Date.parse('2026-03-30T06:30:00Z') / 1000 }, { freezeWindows: [w] }));
      expect(held.verdict).toBe('hold');
      const free = guard(input([change('replicas', 4, 6, 6)], { now: Date.parse('2026-03-30T07:00:00Z') / 1000 }, { freezeWindows: [w] }));
      expect(free.verdict).toBe('propose');
    });

    it('holds inside a date range read in the decision time zone', () => {
      const holidays = { from: '2026-12-20', to: '2027-01-04', reason: 'holidays' };
      const inside = guard(input([change('replicas', 4, 6, 6)], { now: Date.parse('2026-12-19T23:30:00Z') / 1000, timezone: 'Europe/Berlin' }, { freezeWindows: [holidays] }));
      expect(inside.verdict).toBe('hold');
      const utc = guard(input([change('replicas', 4, 6, 6)], { now: Date.parse('2026-12-19T23:30:00Z') / 1000, timezone: 'UTC' }, { freezeWindows: [holidays] }));
      expect(utc.verdict).toBe('propose');
    });
  });

  describe('cooldown', () => {
    it('holds within the cooldown after a merge, saying how long is left', () => {
      const d = guard(input([change('replicas', 4, 6, 6)], { lastMergedAt: NOW - 1 * H }, { cooldown: 24 * H }));
      expect(d.verdict).toBe('hold');
      expect(notesOf(d, 'cooldown')).toEqual([{ rule: 'cooldown', effect: 'held', mergedAgo: 1 * H, cooldown: 24 * H }]);
    });

    it('passes once the cooldown is over', () => {
      const d = guard(input([change('replicas', 4, 6, 6)], { lastMergedAt: NOW - 24 * H }, { cooldown: 24 * H }));
      expect(d.verdict).toBe('propose');
    });
  });

  describe('allowedChanges', () => {
    it('drops change kinds that are not allowed and says which', () => {
      const d = guard(
        input([change('replicas', 4, 6, 6), change('cpu.request', 0.5, 1), change('cpu.limit', 1, 2)], {}, { allowedChanges: ['replicas', 'limits'] }),
      );
      expect(d.verdict).toBe('propose');
      expect(d.changes.map((c) => c.field)).toEqual(['replicas', 'cpu.limit']);
      expect(notesOf(d, 'allowedChanges')).toEqual([{ rule: 'allowedChanges', effect: 'dropped', fields: ['cpu.request'], allowed: ['replicas', 'limits'] }]);
    });

    it('maps HPA bounds to "hpa"', () => {
      const d = guard(input([change('hpa.minReplicas', 2, 4, 4), change('hpa.maxReplicas', 5, 8, 8)], {}, { allowedChanges: ['replicas'] }));
      expect(d.changes).toEqual([]);
      expect(d.verdict).toBe('unchanged');
    });
  });

  describe('scaleDownOnEvidenceOnly', () => {
    const step = { maxStepPercent: { up: 100, down: 100 } };

    it('clamps a decrease to what the observed history supports', () => {
      const d = guard(input([change('replicas', 10, 4, 7)], {}, step));
      expect(proposedOf(d, 'replicas')).toBe(7);
      expect(notesOf(d, 'scaleDownOnEvidenceOnly')).toEqual([{ rule: 'scaleDownOnEvidenceOnly', effect: 'clamped', field: 'replicas', forecast: 4, supported: 7 }]);
    });

    it('drops a decrease when observed load is above the current value', () => {
      const d = guard(input([change('replicas', 10, 4, 12)], {}, step));
      expect(d.changes).toEqual([]);
      expect(d.verdict).toBe('unchanged');
    });

    it('leaves a decrease that the evidence supports', () => {
      const d = guard(input([change('replicas', 10, 7, 6)], {}, step));
      expect(proposedOf(d, 'replicas')).toBe(7);
      expect(notesOf(d, 'scaleDownOnEvidenceOnly').map((n) => n.effect)).toEqual(['passed']);
    });

    it('is off when the policy says so', () => {
      const d = guard(input([change('replicas', 10, 4, 7)], {}, { ...step, scaleDownOnEvidenceOnly: false }));
      expect(proposedOf(d, 'replicas')).toBe(4);
    });

    it('never touches an increase', () => {
      const d = guard(input([change('cpu.request', 1, 1.5, 1.2)], {}, step));
      expect(proposedOf(d, 'cpu.request')).toBe(1.5);
    });
  });

  describe('minReplicas / maxReplicas', () => {
    it('clamps replicas to maxReplicas', () => {
      const d = guard(input([change('replicas', 40, 80, 80)], {}, { maxReplicas: 50 }));
      expect(proposedOf(d, 'replicas')).toBe(50);
      expect(notesOf(d, 'minReplicas/maxReplicas')).toEqual([{ rule: 'minReplicas/maxReplicas', effect: 'clamped', field: 'replicas', from: 80, to: 50, min: 1, max: 50 }]);
    });

    it('raises HPA bounds to minReplicas', () => {
      const d = guard(input([change('hpa.minReplicas', 4, 2, 2), change('hpa.maxReplicas', 6, 4, 4)], {}, { minReplicas: 3, maxStepPercent: { up: 100, down: 100 } }));
      expect(proposedOf(d, 'hpa.minReplicas')).toBe(3);
      expect(proposedOf(d, 'hpa.maxReplicas')).toBe(4);
    });

    it('does not clamp resource fields', () => {
      const d = guard(input([change('cpu.request', 0.1, 0.2)], {}, { maxReplicas: 1 }));
      expect(proposedOf(d, 'cpu.request')).toBe(0.2);
    });
  });

  describe('maxCpuPerPod / maxMemoryPerPod', () => {
    it('clamps requests to the per-pod maximum', () => {
      const d = guard(input([change('cpu.request', 4, 12), change('memory.request', 4 * Gi, 20 * Gi)], {}, { maxCpuPerPod: 8, maxMemoryPerPod: 6 * Gi }));
      expect(proposedOf(d, 'cpu.request')).toBe(8);
      expect(proposedOf(d, 'memory.request')).toBe(6 * Gi);
      expect(notesOf(d, 'maxCpuPerPod')[0]!.effect).toBe('clamped');
      expect(notesOf(d, 'maxMemoryPerPod')).toEqual([{ rule: 'maxMemoryPerPod', effect: 'clamped', field: 'memory.request', from: 20 * Gi, to: 6 * Gi }]);
    });
  });

  describe('maxStepPercent', () => {
    it('clamps an increase to up%', () => {
      const d = guard(input([change('replicas', 10, 25, 25)], {}, { maxStepPercent: { up: 50, down: 30 } }));
      expect(proposedOf(d, 'replicas')).toBe(15);
      expect(notesOf(d, 'maxStepPercent.up')).toEqual([{ rule: 'maxStepPercent.up', effect: 'clamped', field: 'replicas', from: 25, to: 15, percent: 50, oneReplica: false }]);
    });

    it('clamps a decrease to down%', () => {
      const d = guard(input([change('replicas', 10, 3, 2)], {}, { maxStepPercent: { up: 50, down: 30 } }));
      expect(proposedOf(d, 'replicas')).toBe(7);
      expect(notesOf(d, 'maxStepPercent.down')[0]!.effect).toBe('clamped');
    });

    it('keeps replicas and HPA bounds whole: rounds toward the current value', () => {
      const up = guard(input([change('replicas', 3, 10, 10)], {}, { maxStepPercent: { up: 50, down: 30 } }));
      expect(proposedOf(up, 'replicas')).toBe(4); // 4.5 → 4
      const down = guard(input([change('hpa.minReplicas', 9, 3, 3)], {}, { maxStepPercent: { up: 50, down: 30 } }));
      expect(proposedOf(down, 'hpa.minReplicas')).toBe(7); // 6.3 → 7
    });

    it('does not round resources', () => {
      const d = guard(input([change('cpu.request', 1, 3)], {}, { maxStepPercent: { up: 50, down: 30 } }));
      expect(proposedOf(d, 'cpu.request')).toBeCloseTo(1.5, 12);
    });

    // A whole-number field may always move by one replica, so a small workload is never stuck
    // (1 replica at up 50% could otherwise never grow); beyond one, the percentage holds.
    it('lets a whole-number field move by one replica when the percentage allows less (1 → 3 at up 50% gives 2)', () => {
      const up = guard(input([change('replicas', 1, 3, 3)], {}, { maxStepPercent: { up: 50, down: 30 } }));
      expect(proposedOf(up, 'replicas')).toBe(2);
      expect(notesOf(up, 'maxStepPercent.up')[0]).toMatchObject({ from: 3, to: 2, oneReplica: true });
    });

    it('moves down by one replica at most when the percentage allows less (3 → 1 at down 30% gives 2)', () => {
      const down = guard(input([change('replicas', 3, 1, 1)], {}, { maxStepPercent: { up: 50, down: 30 } }));
      expect(proposedOf(down, 'replicas')).toBe(2);
    });

    it('keeps the percentage once it allows more than one replica (10 → 30 at up 50% gives 15)', () => {
      const up = guard(input([change('replicas', 10, 30, 30)], {}, { maxStepPercent: { up: 50, down: 30 } }));
      expect(proposedOf(up, 'replicas')).toBe(15);
    });
  });

  describe('rejectedBackoff', () => {
    const rejected = (values: Record<string, number>, hoursAgo = 5) => ({ lastRejected: { number: 7, closedAt: NOW - hoursAgo * 3600, values } });

    it('holds the values a reviewer closed unmerged, within the back-off', () => {
      const d = guard(input([change('replicas', 4, 6, 6)], rejected({ replicas: 6 })));
      expect(d.verdict).toBe('hold');
      expect(heldBy(d)).toEqual({ rule: 'rejectedBackoff', effect: 'held', pr: 7, closedAgo: 5 * H, backoff: 7 * D, percent: 10 });
    });

    it('proposes at once when a value moved materially from the rejected one', () => {
      const d = guard(input([change('replicas', 4, 8, 8)], rejected({ replicas: 6 }), { maxStepPercent: { up: 100, down: 30 } }));
      expect(d.verdict).toBe('propose');
      expect(notesOf(d, 'rejectedBackoff')).toEqual([{ rule: 'rejectedBackoff', effect: 'passed', pr: 7 }]);
    });

    it('proposes again once the back-off has passed', () => {
      const d = guard(input([change('replicas', 4, 6, 6)], rejected({ replicas: 6 }, 24 * 8)));
      expect(d.verdict).toBe('propose');
    });
  });

  describe('minChangePercent', () => {
    it('drops a change smaller than the minimum; nothing left means unchanged', () => {
      const d = guard(input([change('replicas', 20, 21, 21)], {}, { minChangePercent: 10 }));
      expect(d.verdict).toBe('unchanged');
      expect(d.changes).toEqual([]);
      expect(notesOf(d, 'minChangePercent')).toEqual([{ rule: 'minChangePercent', effect: 'dropped', moves: [{ field: 'replicas', from: 20, to: 21 }], percent: 10 }]);
      expect(d.cost.monthly).toBe(0);
    });

    it('keeps the changes that are large enough', () => {
      const d = guard(input([change('replicas', 20, 21, 21), change('cpu.request', 0.5, 0.6)], {}, { minChangePercent: 10 }));
      expect(d.verdict).toBe('propose');
      expect(d.changes.map((c) => c.field)).toEqual(['cpu.request']);
    });

    it('keeps a small change of one HPA bound when dropping it would leave minReplicas above maxReplicas', () => {
      // min 15 → 21 is large; max 20 → 21 is 5%, but without it the HPA's floor would be above its ceiling.
      const up = guard(input([change('hpa.minReplicas', 15, 21, 21), change('hpa.maxReplicas', 20, 21, 21)], {}, { minChangePercent: 10, maxStepPercent: { up: 100, down: 100 } }));
      expect(proposedOf(up, 'hpa.minReplicas')).toBe(21);
      expect(proposedOf(up, 'hpa.maxReplicas')).toBe(21);
      // max 20 → 10 is large; min 11 → 10 is small (9%), and a floor left at 11 would sit above the new ceiling.
      const down = guard(input([change('hpa.minReplicas', 11, 10, 10), change('hpa.maxReplicas', 20, 10, 10)], {}, { minChangePercent: 10, maxStepPercent: { up: 100, down: 100 } }));
      expect(proposedOf(down, 'hpa.maxReplicas')).toBe(10);
      expect(proposedOf(down, 'hpa.minReplicas')).toBe(10);
    });

    it('drops a no-op change silently', () => {
      const d = guard(input([change('replicas', 4, 4, 4)]));
      expect(d.verdict).toBe('unchanged');
      expect(notesOf(d, 'minChangePercent').map((n) => n.effect)).toEqual(['passed']);
    });
  });

  describe('budget.perPR', () => {
    it('holds a PR that adds more than the budget, saying by how much', () => {
      // 4 → 12 replicas of 1 core and 1 GiB: 8 cores, 8 GiB; (8 × 0.031 + 8 × 0.0042) × 730 = 205.568.
      const d = guard(
        input([change('replicas', 4, 12, 12)], { podRequests: { cpu: 1, memory: Gi } }, { maxStepPercent: { up: 200, down: 30 }, budget: { perPR: { monthly: 100, cores: 10 } } }),
      );
      expect(d.cost).toEqual({ cores: 8, memoryGiB: 8, monthly: 205.57, currency: 'USD' });
      expect(d.verdict).toBe('hold');
      expect(heldBy(d)).toEqual({ rule: 'budget.perPR', effect: 'held', cost: d.cost, budget: { monthly: 100, cores: 10 } });
      expect(d.changes).toEqual([change('replicas', 4, 12, 12)]);
    });

    it('holds on cores or GiB as well as money', () => {
      const d = guard(
        input([change('replicas', 4, 6, 6)], { podRequests: { cpu: 1, memory: Gi } }, { budget: { perPR: { cores: 1.5 } } }),
      );
      expect(heldBy(d)).toMatchObject({ rule: 'budget.perPR', cost: { cores: 2 }, budget: { cores: 1.5 } });
      const mem = guard(input([change('replicas', 4, 6, 6)], { podRequests: { cpu: 1, memory: Gi } }, { budget: { perPR: { memoryGiB: 1 } } }));
      expect(heldBy(mem)).toMatchObject({ rule: 'budget.perPR', cost: { memoryGiB: 2 }, budget: { memoryGiB: 1 } });
    });

    it('passes within the budget, and a decrease always passes', () => {
      const up = guard(input([change('replicas', 4, 6, 6)], {}, { budget: { perPR: { monthly: 100 } } }));
      expect(up.verdict).toBe('propose');
      expect(notesOf(up, 'budget.perPR')[0]).toMatchObject({ effect: 'passed', cost: { monthly: 25.7 } });
      const down = guard(input([change('replicas', 10, 7, 7)], {}, { budget: { perPR: { monthly: 0, cores: 0, memoryGiB: 0 } } }));
      expect(down.verdict).toBe('propose');
      expect(down.cost.monthly).toBeLessThan(0);
    });
  });
});

describe('guard: invariants after clamping', () => {
  it('raises a limit to its request when the limit would end below it', () => {
    const d = guard(input([change('cpu.request', 1, 1.8), change('cpu.limit', 1, 1.5), change('memory.request', Gi, 1.8 * Gi), change('memory.limit', Gi, 1.2 * Gi)]));
    expect(proposedOf(d, 'cpu.limit')).toBe(1.8);
    expect(proposedOf(d, 'memory.limit')).toBe(1.8 * Gi);
  });

  it('keeps a limit at least at a request that a clamp left higher', () => {
    // Request 1 → 3 clamped by maxStep up 100% to 2; limit 1.5 → 2.5 is within its own step, stays.
    const d = guard(input([change('cpu.request', 1, 3), change('cpu.limit', 1.5, 1.9)], {}, { maxStepPercent: { up: 100, down: 30 } }));
    expect(proposedOf(d, 'cpu.request')).toBe(2);
    expect(proposedOf(d, 'cpu.limit')).toBe(2);
  });

  // With limits not allowed to change, a request rising above the limit that stays would be a
  // manifest Kubernetes rejects: the request is clamped to that limit.
  it('never proposes a request above the limit that stays in the manifest', () => {
    const d = guard(input([change('cpu.request', 1, 2), change('cpu.limit', 1.5, 3)], {}, { allowedChanges: ['replicas', 'hpa', 'requests'] }));
    const request = proposedOf(d, 'cpu.request') ?? 1;
    const limit = proposedOf(d, 'cpu.limit') ?? 1.5;
    expect(request).toBeLessThanOrEqual(limit);
  });

  it('keeps hpa.maxReplicas at least hpa.minReplicas', () => {
    // min 5 → 8 (up 100% allows it); max 10 → 6 is clamped by down 30% to 7, below the new min.
    const d = guard(input([change('hpa.minReplicas', 5, 8, 8), change('hpa.maxReplicas', 10, 6, 6)], {}, { maxStepPercent: { up: 100, down: 30 } }));
    expect(proposedOf(d, 'hpa.minReplicas')).toBe(8);
    expect(proposedOf(d, 'hpa.maxReplicas')).toBe(8);
  });

  it('notes every rule that changed something, in order, with its effect', () => {
    const d = guard(
      input(
        [
          change('replicas', 10, 35, 35),
          change('cpu.request', 4, 12),
          change('cpu.limit', 8, 24),
          change('memory.request', Gi, 1.05 * Gi),
        ],
        {},
        { maxReplicas: 30, maxCpuPerPod: 6, allowedChanges: ['replicas', 'requests'], maxStepPercent: { up: 100, down: 30 }, budget: { perPR: { monthly: 1e6 } } },
      ),
    );
    const shaping = d.notes.filter((n) => n.effect !== 'passed').map((n) => [n.rule, n.effect]);
    expect(shaping).toEqual([
      ['allowedChanges', 'dropped'],
      ['minReplicas/maxReplicas', 'clamped'],
      ['maxCpuPerPod', 'clamped'],
      ['maxStepPercent.up', 'clamped'],
      ['minChangePercent', 'dropped'],
    ]);
    expect(d.changes).toEqual([
      expect.objectContaining({ field: 'replicas', current: 10, proposed: 20 }),
      expect.objectContaining({ field: 'cpu.request', current: 4, proposed: 6 }),
    ]);
    expect(d.verdict).toBe('propose');
  });

  it('a hold from any rule holds with all reasons, the first one shown first', () => {
    const d = guard(
      input([change('replicas', 4, 6, 6)], { historySeconds: D, accuracy: accuracy(0.9, 5, 4), lastMergedAt: NOW - H }, { protected: true }),
    );
    expect(d.verdict).toBe('hold');
    expect(d.notes.filter((n) => n.effect === 'held').map((n) => n.rule)).toEqual(['protected', 'minHistory', 'minAccuracy', 'cooldown']);
    expect(holdRule(d)).toBe('protected');
    expect(proposedOf(d, 'replicas')).toBe(6);
  });

  // Every rule leaves a note, passed ones included, so a reviewer can tell it was checked; only
  // consistency, which repairs what clamps left inconsistent, speaks only when it acts.
  it('leaves a note for every draft rule, passed ones included', () => {
    const d = guard(input([change('replicas', 4, 6, 6)], {}, { budget: { perPR: { monthly: 1000 } } }));
    const perTarget = RULES.filter((r) => r.draft && r.name !== 'consistency').map((r) => r.name);
    const covered = (rule: string) =>
      d.notes.some((n) => n.rule === rule || rule.split('/').includes(n.rule) || n.rule.startsWith(`${rule}.`));
    expect(perTarget.filter((r) => !covered(r))).toEqual([]);
  });
});

describe('costOf', () => {
  const prices = { coreHour: 1, gibHour: 0.5, currency: 'EUR' };
  const ev = (expectedReplicas: number) => ({ expectedReplicas, demand: [], owner: { kind: 'none' as const } });
  const hpaEv = (expectedReplicas: number, demand: number[] = [], bounds: { minReplicas?: number; maxReplicas?: number } = {}) => ({ expectedReplicas, demand, owner: { kind: 'hpa' as const, ...bounds } });

  it('costs a replica change with the current per-pod requests, over 730 hours', () => {
    // 2 → 4 pods of 0.5 cores and 1 GiB: +1 core, +2 GiB; (1 × 1 + 2 × 0.5) × 730 = 1460.
    expect(costOf([change('replicas', 2, 4)], ev(3), { cpu: 0.5, memory: Gi }, prices)).toEqual({ cores: 1, memoryGiB: 2, monthly: 1460, currency: 'EUR' });
  });

  it('costs a request change over the expected replicas', () => {
    // 3 pods, 0.5 → 1 core: +1.5 cores; 1.5 × 730 = 1095.
    expect(costOf([change('cpu.request', 0.5, 1)], ev(3), { cpu: 0.5, memory: Gi }, prices)).toEqual({ cores: 1.5, memoryGiB: 0, monthly: 1095, currency: 'EUR' });
    // 2 pods, 512 MiB → 1.5 GiB: +2 GiB; 2 × 0.5 × 730 = 730.
    expect(costOf([change('memory.request', 512 * Mi, 1.5 * Gi)], ev(2), { cpu: 0.5, memory: 512 * Mi }, prices)).toEqual({ cores: 0, memoryGiB: 2, monthly: 730, currency: 'EUR' });
  });

  it('combines replica and request changes: after × new − before × old', () => {
    // 2 × 1 core → 3 × 2 cores: +4 cores.
    const c = costOf([change('replicas', 2, 3), change('cpu.request', 1, 2)], ev(5), { cpu: 1 }, prices);
    expect(c.cores).toBe(4);
    expect(c.memoryGiB).toBe(0);
    expect(c.monthly).toBe(4 * 730);
  });

  it('costs an HPA floor only above the replicas expected anyway', () => {
    // Expected 4 on average; the floor 2 → 6 adds 2 pods, not 4.
    expect(costOf([change('hpa.minReplicas', 2, 6)], hpaEv(4), { cpu: 1 }, prices).cores).toBe(2);
    // A floor that stays below the expected replicas costs nothing.
    expect(costOf([change('hpa.minReplicas', 1, 3)], hpaEv(4), { cpu: 1 }, prices).cores).toBe(0);
  });

  it("costs a new HPA ceiling by the demand above the old one, and a floor by the demand below it", () => {
    // Demand over four steps: 2, 4, 10, 16 replicas; bounds 2..12 run 2, 4, 10, 12 (avg 7).
    const demand = [2, 4, 10, 16];
    const bounds = { minReplicas: 2, maxReplicas: 12 };
    // Ceiling 12 → 18: the last step runs 16, not 12: +1 replica on average.
    expect(costOf([change('hpa.maxReplicas', 12, 18)], hpaEv(7, demand, bounds), { cpu: 1 }, prices).cores).toBe(1);
    // Floor 2 → 5: the first two steps run 5 instead of 2 and 4: +1 replica on average.
    expect(costOf([change('hpa.minReplicas', 2, 5)], hpaEv(7, demand, bounds), { cpu: 1 }, prices).cores).toBe(1);
    // Both, with a request change: 7 × 1 core → 9 (5, 5, 10, 16) × 0.5 core.
    expect(costOf([change('hpa.minReplicas', 2, 5), change('hpa.maxReplicas', 12, 18), change('cpu.request', 1, 0.5)], hpaEv(7, demand, bounds), { cpu: 1 }, prices).cores).toBe(-2.5);
  });

  it('is negative for a decrease and zero for no change', () => {
    const c = costOf([change('replicas', 10, 6)], ev(6), { cpu: 0.25, memory: 256 * Mi }, { coreHour: 0.031, gibHour: 0.0042, currency: 'USD' });
    expect(c.cores).toBe(-1);
    expect(c.memoryGiB).toBe(-1);
    expect(c.monthly).toBeCloseTo(-(0.031 + 0.0042) * 730, 2);
    expect(costOf([], ev(3), { cpu: 1, memory: Gi }, prices)).toEqual({ cores: 0, memoryGiB: 0, monthly: 0, currency: 'EUR' });
  });
});

describe('relChange', () => {
  it('is the relative change, infinite from zero', () => {
    expect(relChange(change('replicas', 4, 6))).toBe(0.5);
    expect(relChange(change('replicas', 4, 3))).toBe(0.25);
    expect(relChange(change('replicas', 0, 3))).toBe(Infinity);
    expect(relChange(change('replicas', 0, 0))).toBe(0);
  });
});

describe('applyLimits', () => {
  const cost = (monthly: number): CostDelta => ({ cores: monthly / 10, memoryGiB: 0, monthly, currency: 'USD' });
  const decision = (namespace: string, name: string, monthly = 10, verdict: Decision['verdict'] = 'propose'): Decision => ({
    target: { kind: 'Deployment', namespace, name },
    verdict,
    changes: [change('replicas', 2, 3)],
    notes: [{ rule: 'minHistory', effect: 'passed', haveSeconds: 14 * D, needSeconds: 3 * D }],
    cost: cost(monthly),
  });
  const load = (over: Partial<ForgeLoad> = {}): ForgeLoad => ({ openPRs: 0, openedLastHour: 0, namespaceCost: {}, withOpenPR: new Set(), openCost: {}, ...over });
  const key = (d: Decision) => `${d.target.namespace}/${d.target.name}`;
  const noBudget = () => undefined;
  const limits = { maxOpenPRs: 10, maxPRsPerHour: 5 };

  it('counts an updated PR at its new cost, not on top of its old one', () => {
    // shop/a's open PR already adds 60 of a 100 budget; the update asks 70: within budget, since it replaces the 60.
    const budget = () => ({ monthly: 100, period: 30 * 86_400 });
    const open = load({ openPRs: 1, withOpenPR: new Set(['shop/a']), namespaceCost: { shop: cost(60) }, openCost: { 'shop/a': cost(60) } });
    const [updated] = applyLimits([decision('shop', 'a', 70)], open, limits, budget, key);
    expect(updated!.verdict).toBe('propose');
    const [other] = applyLimits([decision('shop', 'b', 70)], open, limits, budget, key);
    expect(other!.verdict).toBe('hold');
    expect(heldBy(other!)).toMatchObject({ rule: 'budget.perNamespace', namespace: 'shop', total: { monthly: 130 } });
  });

  it('holds new PRs beyond maxOpenPRs, in order', () => {
    const out = applyLimits([decision('shop', 'a'), decision('shop', 'b'), decision('shop', 'c')], load({ openPRs: 9 }), limits, noBudget, key);
    expect(out.map((d) => d.verdict)).toEqual(['propose', 'hold', 'hold']);
    expect(heldBy(out[1]!)).toEqual({ rule: 'limits.maxOpenPRs', effect: 'held', open: 10, limit: 10 });
    expect(out[1]!.notes.at(-1)).toMatchObject({ rule: 'limits.maxOpenPRs', effect: 'held' });
    // The would-be changes are kept.
    expect(out[1]!.changes).toEqual(decision('shop', 'b').changes);
  });

  it('updating a target that already has an open PR never counts', () => {
    const out = applyLimits(
      [decision('shop', 'a'), decision('shop', 'b'), decision('shop', 'c')],
      load({ openPRs: 10, openedLastHour: 5, withOpenPR: new Set(['shop/a', 'shop/c']) }),
      limits,
      noBudget,
      key,
    );
    expect(out.map((d) => d.verdict)).toEqual(['propose', 'hold', 'propose']);
  });

  it('holds new PRs beyond maxPRsPerHour; an update does not use up the hourly allowance', () => {
    const out = applyLimits(
      [decision('shop', 'a'), decision('shop', 'b'), decision('shop', 'c')],
      load({ openPRs: 1, openedLastHour: 4, withOpenPR: new Set(['shop/a']) }),
      limits,
      noBudget,
      key,
    );
    expect(out.map((d) => d.verdict)).toEqual(['propose', 'propose', 'hold']);
    expect(heldBy(out[2]!)).toEqual({ rule: 'limits.maxPRsPerHour', effect: 'held', opened: 5, limit: 5 });
  });

  it('passes decisions that are not proposals through untouched', () => {
    const held = { ...decision('shop', 'a'), verdict: 'hold' as const };
    const unchanged = decision('shop', 'b', 0, 'unchanged');
    const out = applyLimits([held, unchanged], load({ openPRs: 100, openedLastHour: 100 }), limits, noBudget, key);
    expect(out[0]).toBe(held);
    expect(out[1]).toBe(unchanged);
  });

  it('adds up the namespace budget across decisions in order, counting only the ones that pass', () => {
    const budget = (ns: string) => (ns === 'shop' ? { monthly: 100, period: 30 * D } : undefined);
    const initial = load({ namespaceCost: { shop: cost(30) } });
    const out = applyLimits(
      [decision('shop', 'a', 50), decision('shop', 'b', 30), decision('shop', 'c', 10), decision('jobs', 'w', 500)],
      initial,
      limits,
      budget,
      key,
    );
    // 30 + 50 = 80 passes; + 30 = 110 is held; + 10 = 90 passes (the held one added nothing); jobs has no budget.
    expect(out.map((d) => d.verdict)).toEqual(['propose', 'hold', 'propose', 'propose']);
    expect(heldBy(out[1]!)).toMatchObject({ rule: 'budget.perNamespace', namespace: 'shop', total: { monthly: 110 }, budget: { monthly: 100, period: 30 * D } });
    expect(out[0]!.notes.at(-1)).toMatchObject({ rule: 'budget.perNamespace', effect: 'passed', total: { monthly: 80 } });
    expect(out[2]!.notes.at(-1)).toMatchObject({ rule: 'budget.perNamespace', effect: 'passed', total: { monthly: 90 } });
    // The forge load is not mutated.
    expect(initial.namespaceCost.shop!.monthly).toBe(30);
  });

  it('a namespace-budget hold does not take a PR slot', () => {
    const budget = () => ({ monthly: 10, period: 7 * D });
    const out = applyLimits([decision('shop', 'a', 50), decision('shop', 'b', 5)], load({ openPRs: 9 }), limits, budget, key);
    expect(out.map((d) => d.verdict)).toEqual(['hold', 'propose']);
    expect(heldBy(out[0]!)).toMatchObject({ rule: 'budget.perNamespace', budget: { period: 7 * D } });
  });

  it('does not mutate the decisions it is given', () => {
    const d = decision('shop', 'a');
    applyLimits([d], load({ openPRs: 10 }), limits, noBudget, key);
    expect(d.verdict).toBe('propose');
    expect(d.notes).toHaveLength(1);
  });
});

describe('guard: a KEDA schedule', () => {
  const trig = (name: string, start: number, end: number, desiredReplicas: number) => ({ name, timezone: 'UTC', start: `0 ${start} * * *`, end: `0 ${end} * * *`, desiredReplicas });
  /** 24 hourly needs: `high` from `from` to `to`, the floor (2) elsewhere. */
  const need = (from: number, to: number, high: number) => Array.from({ length: 24 }, (_, h) => (h >= from && h < to ? high : 2));
  const withSchedule = (current: ReturnType<typeof trig>[], hourlyNeed: number[], pol: Partial<Policy> = {}) =>
    guard({
      ...input([]),
      recommendation: { ...rec([]), schedule: { timezone: 'UTC', floor: 2, ceiling: 40, maxWindows: 4, current, proposed: [], hourlyNeed, cycle: { period: 'daily' as const, autocorrelation: 0.9 } } },
      policy: policy(pol),
    });

  it('proposes a new schedule on its own, and costs the day-average replicas it adds', () => {
    const d = withSchedule([], need(9, 17, 4));
    expect(d.verdict).toBe('propose');
    expect(d.schedule?.proposed).toEqual([trig('augur-window-1', 9, 17, 4)]);
    // 8 hours at +2 replicas = +2/3 replica on average; × 0.5 cores.
    expect(d.cost.cores).toBeCloseTo(((2 * 8) / 24) * 0.5, 3);
  });
  it('clamps each hour by maxStepPercent against what it runs at now, then cuts the windows again', () => {
    // Now: 4 from 09 to 17. Asked: 20 from 09 to 17 and 3 from 17 to 20.
    const d = withSchedule([trig('augur-window-1', 9, 17, 4)], need(9, 17, 20).map((r, h) => (h >= 17 && h < 20 ? 3 : r)));
    // 09–17 may only double (8); 17–20 runs at the floor 2 now, so 3 is within +100%.
    expect(d.schedule?.proposed).toEqual([trig('augur-window-1', 9, 17, 8), trig('augur-window-2', 17, 20, 3)]);
    expect(d.notes).toContainEqual({ rule: 'maxStepPercent', effect: 'clamped', schedule: true, hours: [9, 10, 11, 12, 13, 14, 15, 16], up: 100, down: 30 });
  });
  it('keeps hours within the policy maxReplicas; nothing left to change is unchanged', () => {
    const d = withSchedule([], need(9, 17, 3), { maxReplicas: 2 });
    expect(d.schedule).toBeUndefined();
    expect(d.verdict).toBe('unchanged');
    expect(d.notes).toContainEqual(expect.objectContaining({ rule: 'minReplicas/maxReplicas', effect: 'clamped', schedule: true, upper: 2 }));
  });
  it('is unchanged when the windows are those in place, and drops moves below minChangePercent', () => {
    expect(withSchedule([trig('augur-window-1', 9, 17, 10)], need(9, 17, 10)).verdict).toBe('unchanged');
    const small = withSchedule([trig('augur-window-1', 9, 17, 20)], need(9, 17, 21));
    expect(small.verdict).toBe('unchanged');
    expect(small.notes).toContainEqual({ rule: 'minChangePercent', effect: 'dropped', schedule: true, percent: 10 });
  });
  it('guards and costs each hour of the week for weekday and weekend sets', () => {
    // Now: 4 from 09 to 17 every day. Asked: 20 on weekdays 09–17, the floor on weekends.
    const week = Array.from({ length: 168 }, (_, h) => (Math.floor(h / 24) % 6 !== 0 && h % 24 >= 9 && h % 24 < 17 ? 20 : 2));
    const d = withSchedule([trig('augur-window-1', 9, 17, 4)], week);
    // Weekdays may only double (8); weekend hours may fall 30% (4 → 2.8, so 3).
    expect(d.schedule?.proposed.map((t) => [t.start, t.end, t.desiredReplicas])).toEqual([
      ['0 9 * * 1-5', '0 17 * * 1-5', 8],
      ['0 9 * * 0,6', '0 17 * * 0,6', 3],
    ]);
    expect(d.notes).toContainEqual(expect.objectContaining({ rule: 'maxStepPercent', effect: 'clamped', schedule: true, week: true }));
    // Over the 168 hours: 5 × 8 h × +4 and 2 × 8 h × −1 = 144 replica-hours a week, × 0.5 cores.
    expect(d.cost.cores).toBeCloseTo((144 / 168) * 0.5, 3);
  });
  it('drops the schedule when allowedChanges leaves it out', () => {
    const d = withSchedule([], need(9, 17, 4), { allowedChanges: ['replicas', 'hpa'] });
    expect(d.schedule).toBeUndefined();
    expect(d.notes).toContainEqual({ rule: 'allowedChanges', effect: 'dropped', schedule: true, allowed: ['replicas', 'hpa'] });
  });
});
