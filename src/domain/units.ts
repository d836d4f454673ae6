// Numbers as a reviewer reads them: replicas, cores, bytes, percentages.
import type { Change } from './decision.js';
import type { FieldKey } from './workload.js';

/**
 * A number in at most about four significant figures: 1.23M, 45.6k, 250, 3.5, 0.125. Always a
 * short finite text: very large or small values in exponent form (1.00e300), never "1e+294M".
 */
export function fmt(n: number): string {
  if (!Number.isFinite(n)) return Number.isNaN(n) ? 'NaN' : n > 0 ? '∞' : '−∞';
  const a = Math.abs(n);
  if (a >= 1e15) return n.toExponential(2).replace('e+', 'e');
  if (a >= 1e12) return `${(n / 1e12).toFixed(2)}T`;
  if (a >= 1e9) return `${(n / 1e9).toFixed(2)}G`;
  if (a >= 1e6) return `${(n / 1e6).toFixed(2)}M`;
  if (a >= 1e4) return `${(n / 1e3).toFixed(1)}k`;
  if (a >= 100) return n.toFixed(0);
  if (a >= 1) return n.toFixed(2).replace(/\.?0+$/, '');
  if (a !== 0 && a < 1e-6) return n.toExponential(2);
  return n.toPrecision(3).replace(/\.?0+$/, '');
}

const BYTE_UNITS: [number, string][] = [
  [2 ** 50, 'PiB'],
  [2 ** 40, 'TiB'],
  [2 ** 30, 'GiB'],
];

export function fmtBytes(b: number): string {
  if (!Number.isFinite(b)) return fmt(b);
  if (Math.abs(b) >= 2 ** 60) return `${fmt(b)} bytes`;
  for (const [size, unit] of BYTE_UNITS) if (Math.abs(b) >= size) return `${(b / size).toFixed(2)} ${unit}`;
  return `${Math.round(b / 2 ** 20)} MiB`;
}

/** A value in the unit a reviewer reads: replicas, cores, or bytes. */
export function show(field: FieldKey, v: number): string {
  if (field.startsWith('cpu.')) return `${fmt(v)} cores`;
  if (field.startsWith('memory.')) return fmtBytes(v);
  return Number.isFinite(v) && Math.abs(v) < 1e15 ? String(v) : fmt(v);
}

/** How far a change moves its value, as a share of the current one (Infinity from 0). */
export function relChange(c: Pick<Change, 'current' | 'proposed'>): number {
  if (c.current === 0) return c.proposed === 0 ? 0 : Infinity;
  return Math.abs(c.proposed - c.current) / c.current;
}
