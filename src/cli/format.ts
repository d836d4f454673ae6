// Terminal rendering of a cycle: one row per target, what it decided and why.
import { workloadName } from '../domain/workload.js';
import type { CycleReport } from '../agent/cycle.js';
import { scheduleSummary } from '../forge/schedule.js';
import { describeFinding, describeNote, describeSkip, heldBecause } from '../forge/reasons.js';
import type { TargetOutcome } from '../forge/dashboard.js';
import { money } from '../domain/money.js';
import { show } from '../domain/units.js';

export function decisionsTable(report: CycleReport): string {
  const rows: string[][] = [['WORKLOAD', 'DECISION', 'CHANGES', 'COST/MONTH', 'WHY / PR']];
  for (const o of report.outcomes) {
    const d = o.decision;
    const verdict = o.error ? 'error' : (d?.verdict ?? 'error');
    const parts = d?.changes.map((c) => `${c.field} ${show(c.field, c.current)}→${show(c.field, c.proposed)}`) ?? [];
    if (d?.schedule) parts.push(`KEDA schedule ${scheduleSummary(d.schedule)}`);
    const changes = parts.join(', ') || '-';
    const why = o.error ?? (d?.verdict === 'hold' ? heldBecause(d) : o.pr ? `#${o.pr.number} ${o.pr.action}: ${o.pr.url}` : d?.verdict === 'propose' ? 'would open a PR' : 'no change worth a PR');
    const skipped = o.scheduleSkipped && !o.error ? `; no schedule: ${describeSkip(o.scheduleSkipped)}` : '';
    rows.push([workloadName(o.target), verdict, changes, d && (d.changes.length || d.schedule) ? money(d.cost) : '-', `${why ?? ''}${skipped}`]);
  }
  const widths = rows[0]!.map((_, i) => Math.min(i === 4 ? 200 : 60, Math.max(...rows.map((r) => r[i]!.length))));
  return rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ')).join('\n');
}

/** An outcome for `--json`: the reasons as data, each with its English `message`, and the decision's `heldBecause`. */
export function jsonOutcome(o: TargetOutcome): object {
  const d = o.decision;
  return {
    ...o,
    ...(d ? { decision: { ...d, notes: d.notes.map((n) => ({ ...n, message: describeNote(n) })), heldBecause: heldBecause(d) } } : {}),
    findings: o.findings.map((f) => ({ ...f, message: describeFinding(f) })),
    ...(o.scheduleSkipped ? { scheduleSkipped: { ...o.scheduleSkipped, message: describeSkip(o.scheduleSkipped) } } : {}),
  };
}
