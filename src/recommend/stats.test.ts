import { expect, it } from 'vitest';
import { prng } from '../util/prng.js';
import { percentile } from './stats.js';

/** The definition: sort the finite values, interpolate between the two ranks around p. */
function bySorting(values: readonly number[], p: number): number {
  const f = Float64Array.from(values.filter(Number.isFinite)).sort();
  if (f.length === 0) return NaN;
  const rank = (p / 100) * (f.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  return f[lo]! + (f[hi]! - f[lo]!) * (rank - lo);
}

it('percentile by selection is the sorted definition, number for number (gaps, ties, zeros of both signs)', () => {
  const rand = prng(7);
  for (let trial = 0; trial < 300; trial++) {
    const n = 1 + Math.floor(rand() * 500);
    const values = Array.from({ length: n }, () => {
      const u = rand();
      if (u < 0.05) return NaN;
      if (u < 0.07) return Infinity;
      if (u < 0.1) return u < 0.085 ? -0 : 0;
      return u < 0.4 ? Math.round(rand() * 5) : rand() * 100 - 20;
    });
    for (const p of [0, 1, 5, 50, 90, 95, 99, 99.5, 100, 100 * rand()]) expect(Object.is(percentile(values, p), bySorting(values, p)), `trial ${trial}, p${p}`).toBe(true);
  }
  expect(percentile([NaN, Infinity], 50)).toBeNaN();
});
