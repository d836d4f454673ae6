import { describe, expect, it } from 'vitest';
import type { Series } from '../domain/series.js';
import { judgeAfterMerge, THROTTLING_LIMIT } from './verify.js';

const series = (values: number[]): Series => ({ timestamps: values.map((_, i) => i * 300), values, stepSeconds: 300 });
const promised = { horizonSeconds: 86_400, peak: 100, quantile: 0.9, capacityPerReplica: 20, replicas: 6 };

describe('judgeAfterMerge', () => {
  it('reports the realized peak against the forecast and the time under capacity', () => {
    const r = judgeAfterMerge('Deployment/shop/web', promised, series([50, 80, 130, 90, 60]));
    expect(r.comment).toContain('Realized peak 130 against the forecast p90 peak 100 (130% of it)');
    // capacity 6 × 20 = 120: one interval of five above it.
    expect(r.comment).toContain('under-provisioned 20% of the time');
    expect(r.revertBecause).toBeUndefined();
  });

  it('asks for a revert when OOM kills rose after the change', () => {
    const r = judgeAfterMerge('Deployment/shop/web', promised, series([50, 60]), series([0, 0, 1, 2]));
    expect(r.revertBecause).toBe('OOM kills rose from 0 to 2 after the change');
  });

  it('does not blame the change for OOM kills that were there before it', () => {
    const r = judgeAfterMerge('Deployment/shop/web', promised, series([50, 60]), series([3, 3, 3]));
    expect(r.revertBecause).toBeUndefined();
  });

  it('asks for a revert when CPU was throttled above the limit', () => {
    const r = judgeAfterMerge('Deployment/shop/web', promised, series([50]), undefined, series([0.3, 0.4, 0.5, 0.45]));
    expect(r.revertBecause).toMatch(/^CPU throttled in [\d.]+% of periods \(p95\), above 25%/);
    const calm = judgeAfterMerge('Deployment/shop/web', promised, series([50]), undefined, series([0.01, THROTTLING_LIMIT - 0.01]));
    expect(calm.revertBecause).toBeUndefined();
  });

  it('says so when the window has no samples', () => {
    expect(judgeAfterMerge('x', promised, series([NaN, NaN])).comment).toContain('No load samples in that window');
  });
});
