// The chart of a PR body: the load and its forecast against the capacity now and proposed, as a
// Mermaid xychart (GitHub renders it). Pure rendering.
import { fmt } from '../domain/units.js';
import { hourlyFromTriggers } from '../domain/schedule.js';
import type { ProposalItem } from '../domain/proposal.js';
import { wallClock } from '../util/zoned.js';
import { scheduleOf } from './schedule.js';

/**
 * A Mermaid xychart of the last day of load and the forecast, hourly, with the capacity lines.
 * xychart-beta has no legend, so the caption names the series.
 */
export function renderChart(item: ProposalItem): string {
  const { history, forecast, decision, recommendation } = item;
  const q = String(recommendation.evidence.quantile ?? 0.9);
  const band = forecast.quantiles[q] ?? [];
  const perHour = Math.max(1, Math.round(3600 / history.stepSeconds));
  const hoursAhead = Math.ceil(band.length / perHour);
  const hoursBack = Math.min(hoursAhead, Math.floor(history.values.length / perHour));
  const hourlyMax = (values: number[], hours: number, fromEnd: boolean) => {
    const out: number[] = [];
    const start = fromEnd ? values.length - hours * perHour : 0;
    for (let h = 0; h < hours; h++) {
      const slice = values.slice(start + h * perHour, start + (h + 1) * perHour).filter(Number.isFinite);
      out.push(slice.length ? Math.max(...slice) : 0);
    }
    return out;
  };
  const past = hourlyMax(history.values, hoursBack, true);
  const future = hourlyMax(band, hoursAhead, false);
  const cap = recommendation.evidence.capacityPerReplica ?? 0;
  const field = item.autoscaler === 'hpa' ? 'hpa.minReplicas' : 'replicas';
  const change = decision.changes.find((c) => c.field === field);
  const currentReplicas = change?.current;
  const proposedReplicas = change?.proposed;
  const n = past.length + future.length;
  // A schedule without a replica change: its capacity by local hour, now and proposed.
  const sched = change === undefined && cap > 0 ? scheduleOf(item) : undefined;
  let stepped: { now: number[]; proposed: number[] } | undefined;
  if (sched) {
    const { schedule: s } = sched;
    const pastStart = history.values.length - past.length * perHour;
    const hourAt = (i: number) => {
      const ts = i < past.length ? history.timestamps[pastStart + i * perHour] : forecast.timestamps[(i - past.length) * perHour];
      return ts === undefined ? 0 : wallClock(ts, s.timezone).hour;
    };
    const now = hourlyFromTriggers(s.current, s.floor);
    const after = hourlyFromTriggers(s.proposed, s.floor);
    stepped = { now: [], proposed: [] };
    for (let i = 0; i < n; i++) {
      const h = hourAt(i);
      stepped.now.push((now[h] as number) * cap);
      stepped.proposed.push((after[h] as number) * cap);
    }
  }
  const yMax = Math.max(...past, ...future, (proposedReplicas ?? 0) * cap, (currentReplicas ?? 0) * cap, ...(stepped ? [...stepped.now, ...stepped.proposed] : [])) * 1.1;
  const line = (v: number) => `[${Array.from({ length: n }, () => round(v)).join(', ')}]`;
  const lines = [
    '```mermaid',
    'xychart-beta',
    `  title "${item.target.name}: observed load (bars), forecast p${pct(Number(q))} (line)"`,
    `  x-axis "hours from now" ${-past.length} --> ${future.length}`,
    `  y-axis "${item.unit ?? 'load'}" 0 --> ${round(yMax || 1)}`,
    `  bar [${[...past, ...future.map(() => 0)].map(round).join(', ')}]`,
    `  line [${[...past, ...future].map(round).join(', ')}]`,
  ];
  if (currentReplicas !== undefined && cap > 0) lines.push(`  line ${line(currentReplicas * cap)}`);
  if (proposedReplicas !== undefined && cap > 0) lines.push(`  line ${line(proposedReplicas * cap)}`);
  if (stepped) lines.push(`  line [${stepped.now.map(round).join(', ')}]`, `  line [${stepped.proposed.map(round).join(', ')}]`);
  lines.push('```');
  const what = item.autoscaler === 'hpa' ? 'HPA floor' : 'capacity';
  const caption =
    `Bars: observed hourly peak. First line: observed, then the forecast p${pct(Number(q))} hourly peak.` +
    (currentReplicas !== undefined && cap > 0 ? ` Flat lines: ${what} now (${currentReplicas} × ${fmt(cap)}) and proposed (${proposedReplicas} × ${fmt(cap)}).` : '') +
    (stepped ? ` Stepped lines: the capacity the schedule gives each hour (replicas × ${fmt(cap)}), now and proposed; the ScaledObject's other triggers add to it when load rises.` : '');
  return [...lines, '', `<sub>${caption}</sub>`].join('\n');
}

const round = (v: number) => (Math.abs(v) >= 100 ? Math.round(v) : Math.round(v * 100) / 100);
const pct = (x: number) => Math.round(x * 100);
