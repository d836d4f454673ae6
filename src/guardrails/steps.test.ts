import { describe, expect, it } from 'vitest';
import { clampStep } from './steps.js';

// One implementation of maxStepPercent: the rule, the schedule's hours and the replay in sim/ use it.
describe('clampStep (maxStepPercent)', () => {
  const limits = { up: 100, down: 30 };
  it('clamps up to +100% and down to −30%', () => {
    expect(clampStep('replicas', 10, 30, limits)).toBe(20);
    expect(clampStep('replicas', 10, 15, limits)).toBe(15);
    expect(clampStep('replicas', 10, 1, limits)).toBe(7);
    expect(clampStep('replicas', 10, 8, limits)).toBe(8);
    expect(clampStep('replicas', 10, 10, limits)).toBe(10);
  });
  it('always allows one replica either way', () => {
    expect(clampStep('replicas', 1, 5, limits)).toBe(2);
    expect(clampStep('replicas', 2, 1, limits)).toBe(1);
    expect(clampStep('replicas', 3, 10, { up: 10, down: 10 })).toBe(4);
    expect(clampStep('replicas', 3, 1, { up: 10, down: 10 })).toBe(2);
    expect(clampStep('hpa.minReplicas', 1, 0, limits)).toBe(0);
  });
  it('keeps float dust from costing or adding a replica: 7 × 1.3 is 9, 10 × 0.7 is 7', () => {
    expect(clampStep('replicas', 7, 20, { up: 30, down: 30 })).toBe(9);
    expect(clampStep('replicas', 10, 1, { up: 30, down: 30 })).toBe(7);
  });
  it('rounds resources to what can be written, toward the current value', () => {
    expect(clampStep('cpu.request', 0.25, 1, { up: 50, down: 30 })).toBe(0.375);
    expect(clampStep('memory.request', 100 * 2 ** 20, 10, { up: 50, down: 33 })).toBe(67 * 2 ** 20);
  });
  it('leaves a value from 0 alone (no percentage of nothing)', () => {
    expect(clampStep('replicas', 0, 5, limits)).toBe(5);
  });
});
