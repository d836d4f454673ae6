import { describe, expect, it } from 'vitest';
import { packedNumbers } from './numbers.js';

describe('packedNumbers', () => {
  it('makes n numbers of the fill, each call a new array, whatever was asked before', () => {
    expect(packedNumbers(3)).toEqual([Number.NaN, Number.NaN, Number.NaN]);
    const a = packedNumbers(5, 0);
    expect(a).toEqual([0, 0, 0, 0, 0]);
    a[0] = 7;
    expect(packedNumbers(2, -1)).toEqual([-1, -1]);
    expect(packedNumbers(6)).toEqual(Array.from({ length: 6 }, () => Number.NaN)); // a write to one array changes no other
    expect(packedNumbers(0)).toEqual([]);
    expect(Object.is(packedNumbers(1, -0)[0], -0)).toBe(true);
  });
});
