import { describe, expect, it } from 'vitest';
import { fmt, fmtBytes, show } from './units.js';

describe('numbers in PR bodies and on the dashboard are short and finite', () => {
  it.each([
    [1e300, '1.00e300'],
    [-1e300, '-1.00e300'],
    [Infinity, '∞'],
    [-Infinity, '−∞'],
    [NaN, 'NaN'],
    [2.5e12, '2.50T'],
    [3.2e9, '3.20G'],
    [1_234_567, '1.23M'],
    [45_600, '45.6k'],
    [250, '250'],
    [3.5, '3.5'],
    [0.125, '0.125'],
    [1e-300, '1.00e-300'],
    [0, '0'],
  ])('fmt(%s) is %s', (n, text) => {
    expect(fmt(n)).toBe(text);
  });

  it('bytes go up to PiB, then exponent form; never "e+…M"', () => {
    expect(fmtBytes(256 * 2 ** 20)).toBe('256 MiB');
    expect(fmtBytes(3 * 2 ** 30)).toBe('3.00 GiB');
    expect(fmtBytes(5 * 2 ** 40)).toBe('5.00 TiB');
    expect(fmtBytes(2 * 2 ** 50)).toBe('2.00 PiB');
    expect(fmtBytes(1e300)).toBe('1.00e300 bytes');
    expect(show('memory.request', Infinity)).toBe('∞');
    expect(show('replicas', 38_727)).toBe('38727');
    expect(show('replicas', 1e300)).toBe('1.00e300');
  });
});
