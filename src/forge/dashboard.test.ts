import { describe, expect, it } from 'vitest';
import type { Decision } from '../domain/decision.js';
import type { Note } from '../domain/reasons.js';
import type { WorkloadId } from '../domain/workload.js';
import { renderDashboard, type TargetOutcome } from './dashboard.js';

const AT = Date.parse('2026-06-10T06:00:00Z') / 1000;
const id = (namespace: string, name: string): WorkloadId => ({ kind: 'Deployment', namespace, name });

function decision(target: WorkloadId, verdict: Decision['verdict'], held: Note[] = [], monthly = 12.5): Decision {
  return {
    target,
    verdict,
    changes: verdict === 'unchanged' ? [] : [{ field: 'replicas', current: 4, proposed: 6, basis: { kind: 'peak', load: 500, quantile: 0.9, headroom: 1.1, perReplica: 100 } }],
    notes: [{ rule: 'minHistory', effect: 'passed', haveSeconds: 14 * 86_400, needSeconds: 3 * 86_400 }, ...held],
    cost: { cores: 1, memoryGiB: 1, monthly, currency: 'USD' },
  };
}

const accuracyHold = (accuracy: number): Note => ({ rule: 'minAccuracy', effect: 'held', accuracy, min: 0.5 });
const weekend: Note = { rule: 'freezeWindows', effect: 'held', window: { cron: '0 16 * * 5', duration: 64 * 3600, reason: 'weekend' } };
/** A hold that waits: each rule's own note. */
const waitingHolds: Record<string, Note> = {
  cooldown: { rule: 'cooldown', effect: 'held', mergedAgo: 2 * 3600, cooldown: 24 * 3600 },
  'limits.maxOpenPRs': { rule: 'limits.maxOpenPRs', effect: 'held', open: 10, limit: 10 },
  'limits.maxPRsPerHour': { rule: 'limits.maxPRsPerHour', effect: 'held', opened: 5, limit: 5 },
  'budget.perNamespace': { rule: 'budget.perNamespace', effect: 'held', namespace: 'a', total: { cores: 1, memoryGiB: 0, monthly: 200, currency: 'USD' }, budget: { monthly: 100, period: 30 * 86_400 } },
};

const outcomes: TargetOutcome[] = [
  { target: id('shop', 'web'), decision: decision(id('shop', 'web'), 'propose'), pr: { number: 7, url: 'https://example.test/pr/7', action: 'opened' }, findings: [] },
  { target: id('shop', 'api'), decision: decision(id('shop', 'api'), 'hold', [accuracyHold(0.31)]), findings: [] },
  {
    target: id('shop', 'cart'),
    decision: decision(id('shop', 'cart'), 'hold', [weekend], 40),
    pr: { number: 5, url: 'https://example.test/pr/5', action: 'unchanged' },
    findings: [],
  },
  { target: id('jobs', 'worker'), decision: decision(id('jobs', 'worker'), 'unchanged'), findings: [{ kind: 'manifest', text: 'spec.replicas is set but an HPA owns the workload' }] },
  { target: id('jobs', 'cron'), error: 'load metric: Prometheus returned no series for the query', findings: [] },
  { target: id('jobs', 'old'), decision: decision(id('jobs', 'old'), 'unchanged'), pr: { number: 3, url: 'https://example.test/pr/3', action: 'closed' }, findings: [] },
];

/** The lines of a "## title" section, up to the next section. */
function section(text: string, title: string): string {
  const start = text.indexOf(`## ${title}`);
  if (start < 0) return '';
  const next = text.indexOf('\n## ', start + 3);
  return text.slice(start, next < 0 ? undefined : next);
}

describe('renderDashboard', () => {
  const text = renderDashboard(outcomes, { at: AT, forge: 'local /tmp/forge' });

  it('opens with the cycle time and counts per verdict', () => {
    expect(text.split('\n')[0]).toBe('Last cycle: 2026-06-10T06:00:00.000Z · 6 targets: 1 proposed, 2 held, 2 unchanged, 1 failed.');
  });

  it('has one table row per target with its decision, changes and PR', () => {
    expect(text).toContain('| `shop/web` | ✅ propose | replicas 4 → 6 | [#7](https://example.test/pr/7) opened |');
    expect(text).toContain('| `shop/api` | ⏸ hold | replicas 4 → 6 | — |');
    expect(text).toContain('| `jobs/worker` | · unchanged | — | — |');
    expect(text).toContain('| `jobs/cron` | ❌ error | — | — |');
    const rows = text.split('\n').filter((l) => l.startsWith('| `'));
    expect(rows).toHaveLength(6);
  });

  it('lists a workload held by a lasting rule under Held, with the reason', () => {
    const held = section(text, 'Held');
    expect(held).toContain('- `shop/api`: **minAccuracy**: backtest accuracy 31% is below 50%');
    expect(held).not.toContain('shop/cart');
  });

  it('lists a workload held by a freeze window under Waiting, with what it would change', () => {
    const waiting = section(text, 'Waiting on limits, cooldowns or freeze windows');
    expect(waiting).toContain('- `shop/cart`: **freezeWindows**: inside freeze window cron "0 16 * * 5" for 64 h: weekend (would change 1 field(s), +40.00 USD/month)');
    expect(waiting).not.toContain('shop/api');
  });

  it.each(['cooldown', 'limits.maxOpenPRs', 'limits.maxPRsPerHour', 'budget.perNamespace'])('counts a hold by %s as waiting', (rule) => {
    const t = renderDashboard([{ target: id('a', 'b'), decision: decision(id('a', 'b'), 'hold', [waitingHolds[rule]!]), findings: [] }], { at: AT, forge: 'f' });
    expect(section(t, 'Waiting on limits, cooldowns or freeze windows')).toContain('`a/b`');
    expect(section(t, 'Held')).toBe('');
  });

  // A lasting hold (here minAccuracy) still blocks it when the freeze window ends: it is Held, not waiting.
  it('lists a workload held by a lasting rule under Held even when a freeze window also holds it', () => {
    const d = decision(id('a', 'b'), 'hold', [accuracyHold(0.2), weekend]);
    const t = renderDashboard([{ target: id('a', 'b'), decision: d, findings: [] }], { at: AT, forge: 'f' });
    expect(section(t, 'Held')).toContain('`a/b`');
    expect(section(t, 'Waiting on limits, cooldowns or freeze windows')).not.toContain('`a/b`');
  });

  it('lists failed targets with their error', () => {
    expect(section(text, 'Failed')).toContain('- `jobs/cron`: load metric: Prometheus returned no series for the query');
  });

  it('lists open PRs, not the ones closed this cycle', () => {
    const open = section(text, 'Open pull requests');
    expect(open).toContain('- [#7](https://example.test/pr/7) `shop/web` (opened this cycle)');
    expect(open).toContain('- [#5](https://example.test/pr/5) `shop/cart` (unchanged this cycle)');
    expect(open).not.toContain('#3');
  });

  it('lists manifest notes', () => {
    expect(section(text, 'Manifest notes (GitOps lint)')).toContain('- `jobs/worker`: spec.replicas is set but an HPA owns the workload');
  });

  it('ends by saying who wrote it', () => {
    expect(text.trimEnd().split('\n').at(-1)).toBe('<sub>Written by Augur (local /tmp/forge); rewritten every cycle, edits here are lost.</sub>');
  });

  it('leaves out empty sections and says when no PR is open', () => {
    const t = renderDashboard([{ target: id('a', 'b'), decision: decision(id('a', 'b'), 'unchanged'), findings: [] }], { at: AT, forge: 'f' });
    expect(section(t, 'Held')).toBe('');
    expect(section(t, 'Waiting on limits, cooldowns or freeze windows')).toBe('');
    expect(section(t, 'Failed')).toBe('');
    expect(section(t, 'Manifest notes (GitOps lint)')).toBe('');
    expect(section(t, 'Scaling schedules not proposed')).toBe('');
    expect(section(t, 'Open pull requests')).toContain('None.');
  });

  it('shows a KEDA schedule among the changes, and what a held one would change', () => {
    const schedule = {
      timezone: 'Europe/Berlin',
      floor: 2,
      ceiling: 20,
      maxWindows: 4,
      current: [],
      proposed: [{ name: 'augur-window-1', timezone: 'Europe/Berlin', start: '0 7 * * *', end: '0 10 * * *', desiredReplicas: 6 }],
      hourlyNeed: new Array<number>(24).fill(2),
      cycle: { period: 'daily' as const, autocorrelation: 0.9 },
    };
    const proposed = { ...decision(id('edge', 'gateway'), 'propose'), changes: [], schedule };
    const waiting = { ...decision(id('edge', 'queue'), 'hold', [waitingHolds.cooldown!]), schedule };
    const t = renderDashboard(
      [
        { target: id('edge', 'gateway'), decision: proposed, findings: [] },
        { target: id('edge', 'queue'), decision: waiting, findings: [] },
      ],
      { at: AT, forge: 'f' },
    );
    expect(t).toContain('| `edge/gateway` | ✅ propose | KEDA schedule: 1 window up to 6 replicas | — |');
    expect(t).toContain('| `edge/queue` | ⏸ hold | replicas 4 → 6<br>KEDA schedule: 1 window up to 6 replicas | — |');
    expect(section(t, 'Waiting on limits, cooldowns or freeze windows')).toContain('(would change 1 field(s) and the KEDA schedule, +12.50 USD/month)');
  });

  it('lists the targets that opted in to a schedule and got none, with the reason', () => {
    const reason = 'sizing.schedule is on, but no KEDA ScaledObject scales this workload in the manifests';
    const t = renderDashboard([{ target: id('jobs', 'worker'), decision: decision(id('jobs', 'worker'), 'unchanged'), findings: [], scheduleSkipped: { kind: 'noScaledObject' } }], { at: AT, forge: 'f' });
    expect(section(t, 'Scaling schedules not proposed')).toContain(`- \`jobs/worker\`: ${reason}`);
  });
});

describe('targets that need attention', () => {
  const manifestHold: Note = { rule: 'manifest', effect: 'held', field: 'replicas', problem: 'replicas: values.yaml: no replicaCount; add helm.replicas: controllers.main.replicas to the target' };
  const waits: Note = { rule: 'cooldown', effect: 'held', mergedAgo: 3600, cooldown: 86_400 };
  const prod = { ...id('shop', 'web'), environment: 'production' };
  const list: TargetOutcome[] = [
    { target: prod, decision: decision(prod, 'hold', [manifestHold]), findings: [] },
    { target: id('shop', 'api'), decision: decision(id('shop', 'api'), 'hold', [waits]), findings: [] },
  ];

  it('come first, with the fix, and the environment in the name; a hold that waits is not among them', () => {
    const text = renderDashboard(list, { at: AT, forge: 'local' });
    const section = text.slice(text.indexOf('## ⚠️ Needs attention'), text.indexOf('| Workload |'));
    expect(section).toContain('- `shop/web (production)`: **manifest**: replicas: values.yaml: no replicaCount; add helm.replicas: controllers.main.replicas to the target');
    expect(section).not.toContain('shop/api');
    expect(text.indexOf('## ⚠️ Needs attention')).toBeLessThan(text.indexOf('| Workload |'));
    expect(text.slice(text.indexOf('## Held'))).not.toContain('shop/web (production)');
  });

  it('are absent when nothing needs a person', () => {
    expect(renderDashboard(list.slice(1), { at: AT, forge: 'local' })).not.toContain('Needs attention');
  });
});
