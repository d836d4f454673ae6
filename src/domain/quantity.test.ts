import { describe, expect, it } from 'vitest';
import type { FieldKey } from './workload.js';
import { ManifestError } from './errors.js';
import { formatQuantity, parseQuantity } from './quantity.js';

const Mi = 2 ** 20;
const Gi = 2 ** 30;

describe('parseQuantity', () => {
  it.each([
    ['100m', 0.1],
    ['250m', 0.25],
    ['0.5', 0.5],
    ['.5', 0.5],
    ['2', 2],
    ['2000m', 2],
    ['1.5', 1.5],
    ['500000u', 0.5],
    ['100000000n', 0.1],
    ['1k', 1000],
    ['+1', 1],
    [' 3 ', 3],
  ])('cpu %s -> %s cores', (raw, want) => {
    expect(parseQuantity('cpu.request', raw)).toBeCloseTo(want, 12);
  });

  it.each([
    ['128Mi', 128 * Mi],
    ['1Gi', Gi],
    ['1.5Gi', 1.5 * Gi],
    ['500M', 500e6],
    ['1G', 1e9],
    ['1e9', 1e9],
    ['1E9', 1e9],
    ['2e+3', 2000],
    ['1Ki', 1024],
    ['1k', 1000],
    ['1Ti', 2 ** 40],
    ['1E', 1e18],
    ['134217728', 128 * Mi],
    ['0', 0],
  ])('memory %s -> %s bytes', (raw, want) => {
    expect(parseQuantity('memory.limit', raw)).toBe(want);
  });

  it.each(['replicas', 'hpa.minReplicas', 'hpa.maxReplicas'] as FieldKey[])('%s takes whole numbers', (field) => {
    expect(parseQuantity(field, '3')).toBe(3);
    expect(parseQuantity(field, '0')).toBe(0);
    for (const bad of ['1.5', '-1', 'three', '', '3m', '1e2', '99999999999']) expect(() => parseQuantity(field, bad)).toThrow(ManifestError);
  });

  it.each([
    ['cpu.request', 'abc'],
    ['cpu.request', ''],
    ['cpu.request', '-100m'],
    ['cpu.limit', '100 m'],
    ['cpu.limit', '1.2.3'],
    ['cpu.limit', '{{ .Values.cpu }}'],
    ['memory.request', '12 Mi'],
    ['memory.request', '1KB'],
    ['memory.request', '1K'],
    ['memory.request', 'Mi'],
    ['memory.request', '1mi'],
    ['memory.limit', '128m'],
    ['memory.limit', '-1Gi'],
  ] as [FieldKey, string][])('%s %j is nonsense', (field, raw) => {
    expect(() => parseQuantity(field, raw)).toThrow(ManifestError);
  });

  it('names the field, the value and an example in the message', () => {
    expect(() => parseQuantity('memory.limit', '128m')).toThrow(/memory\.limit: "128m" .*128Mi/);
    expect(() => parseQuantity('cpu.request', 'lots')).toThrow(/cpu\.request: "lots" is not a CPU quantity; expected e\.g\. 250m/);
  });
});

describe('formatQuantity', () => {
  it.each([
    [3, '3'],
    [0, '0'],
    [2.2, '3'],
    [3.0000000001, '3'],
  ])('replicas %s -> %s', (v, want) => {
    expect(formatQuantity('replicas', v)).toBe(want);
    expect(formatQuantity('hpa.maxReplicas', v)).toBe(want);
  });

  it.each([
    [0.25, '250m'],
    [0.1, '100m'],
    [2, '2'],
    [1, '1'],
    [1.5, '1500m'],
    [1.1, '1100m'],
    [0.7, '700m'],
    [0.2501, '251m'],
    [0.0001, '1m'],
    [0.9999, '1'],
    [0, '0'],
    [1.0000000000000002, '1'],
  ])('cpu %s cores -> %s (millicores rounded up, whole cores as integers)', (v, want) => {
    expect(formatQuantity('cpu.request', v)).toBe(want);
  });

  it.each([
    [512 * Mi, '512Mi'],
    [2 * Gi, '2Gi'],
    [1024 * Mi, '1Gi'],
    [1536 * Mi, '1536Mi'],
    [1e9, '954Mi'],
    [512 * Mi + 1, '513Mi'],
    [1, '1Mi'],
    [0, '0'],
    [64 * Gi, '64Gi'],
  ])('memory %s bytes -> %s (rounded up to Mi, Gi when exact)', (v, want) => {
    expect(formatQuantity('memory.limit', v)).toBe(want);
  });

  it('rejects values that cannot be written', () => {
    for (const v of [-1, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => formatQuantity('cpu.limit', v)).toThrow(ManifestError);
      expect(() => formatQuantity('replicas', v)).toThrow(ManifestError);
    }
    expect(() => formatQuantity('replicas', 2 ** 40)).toThrow(ManifestError);
  });

  it('never writes less than asked: parse(format(x)) >= x', () => {
    const fields: FieldKey[] = ['cpu.request', 'memory.limit', 'replicas'];
    for (const field of fields) {
      for (let i = 0; i < 500; i++) {
        const x = field === 'replicas' ? Math.random() * 50 : field === 'cpu.request' ? Math.random() * 8 : Math.random() * 16 * Gi;
        const back = parseQuantity(field, formatQuantity(field, x));
        expect(back).toBeGreaterThanOrEqual(x - 1e-9);
      }
    }
  });

  it('round-trips what it writes', () => {
    for (const raw of ['250m', '2', '512Mi', '2Gi', '3']) {
      const field: FieldKey = raw.endsWith('i') ? 'memory.request' : raw === '3' ? 'replicas' : 'cpu.request';
      expect(formatQuantity(field, parseQuantity(field, raw))).toBe(raw);
    }
  });
});
