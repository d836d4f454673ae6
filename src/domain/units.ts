// Numbers as a reviewer reads them: replicas, cores, bytes, percentages.
import type { Change } from './decision.js';
import type { FieldKey } from './workload.js';

/** A number in at most about four significant figures: 1.23M, 45.6k, 250, 3.5, 0.125. */
export function fmt(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  const a = Math.abs(n);
  if (a >= 1e6) return `${(n / 1e6).toFixed(2)}M`;
  if (a >= 1e4) return `${(n / 1e3).toFixed(1)}k`;
  if (a >= 100) return n.toFixed(0);
  if (a >= 1) return n.toFixed(2).replace(/\.?0+$/, '');
  return n.toPrecision(3).replace(/\.?0+$/, '');
}

export function fmtBytes(b: number): string {
  return b >= 2 ** 30 ? `${(b / 2 ** 30).toFixed(2)} GiB` : `${Math.round(b / 2 ** 20)} MiB`;
}

/** A value in the unit a reviewer reads: replicas, cores, or bytes. */
export function show(field: FieldKey, v: number): string {
  if (field.startsWith('cpu.')) return `${fmt(v)} cores`;
  if (field.startsWith('memory.')) return fmtBytes(v);
  return String(v);
}

/** How far a change moves its value, as a share of the current one (Infinity from 0). */
export function relChange(c: Pick<Change, 'current' | 'proposed'>): number {
  if (c.current === 0) return c.proposed === 0 ? 0 : Infinity;
  return Math.abs(c.proposed - c.current) / c.current;
}
