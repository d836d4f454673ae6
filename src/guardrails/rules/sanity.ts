import type { Facts, MetricName } from '../../domain/facts.js';
import type { Finding, Note, SenseIssue } from '../../domain/reasons.js';
import type { Series } from '../../domain/series.js';
import type { FieldKey } from '../../domain/workload.js';
import type { Rule } from '../rule.js';

/**
 * Physical sense, before anything is sized and after: no load, usage or proposal is negative,
 * non-finite or beyond anything a workload can be. Bounds are generous (far above any real
 * workload) so that only broken data trips them: a wrong unit, a sum over the wrong series, an
 * exporter bug, a corrupted sample.
 */
const MAX_SAMPLE: Record<MetricName, number> = {
  load: 1e12, // requests, messages or cores per second: a trillion is no workload's load
  cpu: 1e4, // cores used by one pod
  cpuTotal: 1e7, // cores used by all pods
  memory: 2 ** 50, // bytes of one pod's working set: 1 PiB
  oomKills: 1e6,
  throttling: 1e3, // a share (0..1), some slack for rates
  replicas: 1e5, // pods of one workload, ten times the most a proposal may carry
};

/**
 * Memory is held in whole pages: a running container's working set reaches at least one (4 KiB).
 * One that never does is in another unit (MiB or GiB read as bytes), as absurd as one above MAX_SAMPLE.
 */
const MIN_MEMORY_PEAK = 4096;

/** Largest values a proposal may carry: beyond them the inputs are wrong, whatever the rules clamp to. */
const MAX_PROPOSED: Partial<Record<FieldKey, number>> = {
  replicas: 10_000,
  'hpa.minReplicas': 10_000,
  'hpa.maxReplicas': 10_000,
  'cpu.request': 1_000,
  'cpu.limit': 1_000,
  'memory.request': 2 ** 44, // 16 TiB
  'memory.limit': 2 ** 44,
};

/** What is physically wrong with a series, or undefined. Usage (cpu, memory) that is all zero is wrong too: a running container uses some (and at least a page of memory). */
export function senseOf(metric: MetricName, s: Series): { issue: SenseIssue; count: number; value: number } | undefined {
  // Two passes over the samples, no copies, indexed (a for-of over both arrays and typed arrays is
  // several times slower): every target's every series comes through here.
  let infinite = 0;
  let firstInfinite = 0;
  let finite = 0;
  let scale = 0;
  const values = s.values;
  const n = values.length;
  for (let i = 0; i < n; i++) {
    const v = values[i] as number;
    if (v === Infinity || v === -Infinity) {
      if (infinite++ === 0) firstInfinite = v;
    } else if (Number.isFinite(v)) {
      finite++;
      if (Math.abs(v) > scale) scale = Math.abs(v);
    }
  }
  if (infinite > 0) return { issue: 'nonFinite', count: infinite, value: firstInfinite };
  if (finite === 0) return undefined; // nothing read: the metrics rule says so
  let negative = 0;
  let lowest = Infinity;
  let absurd = 0;
  let highest = -Infinity;
  const cap = MAX_SAMPLE[metric];
  for (let i = 0; i < n; i++) {
    const v = values[i] as number;
    if (!Number.isFinite(v)) continue;
    if (v < 0 && -v > 1e-9 * scale) {
      negative++;
      if (v < lowest) lowest = v;
    }
    if (v > cap) {
      absurd++;
      if (v > highest) highest = v;
    }
  }
  if (negative > 0) return { issue: 'negative', count: negative, value: lowest };
  if (absurd > 0) return { issue: 'absurd', count: absurd, value: highest };
  if (metric === 'memory' && scale > 0 && scale < MIN_MEMORY_PEAK) return { issue: 'absurd', count: finite, value: scale };
  if ((metric === 'cpu' || metric === 'memory' || metric === 'cpuTotal') && scale === 0) return { issue: 'zero', count: finite, value: 0 };
  return undefined;
}

/**
 * The facts without the optional metrics that make no physical sense (all-zero usage, negative or
 * absurd samples): their changes are skipped, and a finding says why. The load is judged by the
 * rule below, which holds the target.
 */
export function excludeSenseless(facts: Facts): { facts: Facts; excluded: Finding[] } {
  const excluded: Finding[] = [];
  const metrics = { ...facts.metrics };
  for (const name of ['cpu', 'cpuTotal', 'memory', 'oomKills', 'throttling', 'replicas'] as const) {
    const m = metrics[name];
    if (!m || !('series' in m)) continue;
    const sense = senseOf(name, m.series);
    if (!sense) continue;
    excluded.push({ kind: 'metricSenseless', metric: name, ...sense });
    delete metrics[name];
  }
  return excluded.length > 0 ? { facts: { ...facts, metrics }, excluded } : { facts, excluded };
}

export const sanity: Rule = {
  name: 'sanity',
  doc: 'the load must make physical sense (no negative, infinite or absurd sample; usage that is all zero, negative or absurd, or memory that never reaches a page (4 KiB: another unit read as bytes), is left out with the reason) and so must every proposed number (finite, not negative, within what any workload runs)',
  facts({ load }): Note[] {
    if (!load) return [];
    const sense = senseOf('load', load);
    return sense ? [{ rule: 'sanity', effect: 'held', metric: 'load', ...sense }] : [];
  },
  draft(draft) {
    const insane = draft.changes.filter((c) => !Number.isFinite(c.proposed) || c.proposed < 0 || !Number.isFinite(c.current) || c.proposed > (MAX_PROPOSED[c.field] ?? Infinity));
    if (insane.length === 0) return { draft, notes: [{ rule: 'sanity', effect: 'passed' }] };
    return { draft, notes: [{ rule: 'sanity', effect: 'held', values: insane.map((c) => ({ field: c.field, value: c.proposed })) }] };
  },
};
