// Rendering a simulation report: JSON (numbers rounded, stable key order) or markdown tables.

import type { SimReport } from './run.js';
import { SCENARIOS, type Scenario } from './replay.js';

const round = (x: number, d = 4): number | null => (Number.isFinite(x) ? Math.round(x * 10 ** d) / 10 ** d : null);

/** The report as JSON with every figure rounded to 4 decimals (NaN as null). */
export function renderJson(report: SimReport): string {
  return JSON.stringify(
    report,
    (_key, value: unknown) => (typeof value === 'number' ? round(value) : value),
    2,
  );
}

const TITLES: Record<Scenario, string> = {
  daily: '(a) Daily replica counts',
  hpa: '(b) HPA floors (the policy sets minReplicas; an HPA adds replicas above it)',
  schedule: '(c) Forecast schedules (KEDA cron windows)',
};

const pct = (x: number): string => (Number.isFinite(x) ? `${(x * 100).toFixed(1)}%` : 'n/a');
const ratio = (x: number): string => (Number.isFinite(x) ? x.toFixed(2) : 'n/a');
const num = (x: number): string => (Number.isFinite(x) ? x.toFixed(1) : 'n/a');

export function renderMarkdown(report: SimReport): string {
  const s = report.settings;
  const lines: string[] = [];
  lines.push('# Augur simulation: policies replayed under the PR cadence', '');
  lines.push(
    `${report.traces.length} trace${report.traces.length === 1 ? '' : 's'}` +
      (report.skipped.length > 0 ? ` (${report.skipped.length} skipped: ${report.skipped.map((x) => `${x.trace}: ${x.reason}`).join('; ')})` : '') +
      `. One proposal a day at ${String(s.proposalHourUtc).padStart(2, '0')}:00 UTC, merged ${s.reviewDelayHours} h later, max step +${s.maxStepPercent.up}% / −${s.maxStepPercent.down}% (one replica always allowed). ` +
      `Capacity per replica: ${s.capacity}. Every forecasting policy sees at most the last ${s.historyDays} days and is sized at its p${Math.round(s.quantile * 100)} forecast's hourly peak (baselines keep their own margins), except Augur, which sizes each day and each hour from its backtest's residuals for at most ${Math.round((s.targetUnderProvisioned ?? 0.005) * 1000) / 10}% of intervals short (sizing.targetUnderProvisioned; ${Math.round(s.headroom * 100)}% headroom only without a backtest); warm-up: ${s.warmup}.`,
    '',
  );
  lines.push(
    '**How to read this.** Each row is a policy; figures are medians across traces. *Under-provisioned* is the share of',
    'intervals (trace steps, 5 minutes for most traces) where the load exceeded replicas × capacity: lower is safer. *vs daily oracle* and',
    '*vs hourly oracle* are replica-hours divided by those of a policy that knew each day\'s (each hour\'s) peak in advance,',
    'with no cadence or guardrail: 1.00 costs the same as perfect daily sizing; below 1 is cheaper than it but must then',
    'under-provision somewhere. *PRs/week* counts proposals that changed a value (each one a review). A good policy sits',
    'near 0% under-provisioned with a ratio close to the daily oracle and few PRs. The oracles are references, not',
    'achievable policies; floor-1 is "no forecast" (with an HPA: the HPA alone).',
    '',
  );
  for (const sc of SCENARIOS) {
    lines.push(`## ${TITLES[sc]}`, '');
    lines.push('| policy | kind | under-provisioned | vs daily oracle | vs hourly oracle | PRs/week | traces |');
    lines.push('|---|---|---:|---:|---:|---:|---:|');
    for (const r of report.summary[sc]) {
      lines.push(`| ${r.policy} | ${r.kind} | ${pct(r.underProvisioned)} | ${ratio(r.vsDailyOracle)} | ${ratio(r.vsHourlyOracle)} | ${num(r.prsPerWeek)} | ${r.traces} |`);
    }
    lines.push('');
  }
  lines.push('## Models', '');
  lines.push(
    `- **HPA floors**: desired = ceil(load / (capacity × ${s.hpa.targetUtilization})); the HPA acts on the previous step's load (scale-up lag ${s.hpa.scaleUpLagSteps} step) and scales down only after ${s.hpa.stabilizationSeconds} s of lower load; replicas = max(minReplicas of the day, HPA).`,
    `- **Forecast schedules**: the policy's 24 hourly counts become a floor (the lowest) plus at most ${s.maxWindows} windows, cut to cost the fewest replica-hours with no hour below its count; the guardrail clamps each hour against the schedule in place.`,
    '- The first applied day is the starting state (no PR, not clamped). A proposal that cannot be made keeps the values in place.',
    '',
  );
  lines.push('## Per trace (daily scenario: under-provisioned / vs daily oracle / PRs)', '');
  const names = report.summary.daily.map((r) => r.policy);
  lines.push(`| trace | days | ${names.join(' | ')} |`);
  lines.push(`|---|---:|${names.map(() => '---:').join('|')}|`);
  for (const t of report.traces) {
    const cells = names.map((n) => {
      const p = t.policies.find((x) => x.policy === n);
      if (!p) return '';
      const r = p.scenarios.daily;
      return `${pct(r.underProvisioned)} / ${ratio(r.vsDailyOracle)} / ${r.prs}`;
    });
    lines.push(`| ${t.trace} | ${t.evaluatedDays} | ${cells.join(' | ')} |`);
  }
  lines.push('');
  return lines.join('\n');
}
