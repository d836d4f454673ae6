import { describe, expect, it } from 'vitest';
import { selectAndForecast } from './index.js';
import { loadTrace, TRACES_DIR } from './test-support.js';

// Real traces from test/fixtures/traces, resampled to their step (last value per bucket, NaN
// for empty buckets). Horizon: one day; origins: 3; quantiles 0.5, 0.9, 0.99.
const CASES: [name: string, stepSeconds: number][] = [
  ['nab_nyc_taxi', 1800], // daily + weekly cycle, 215 days, the January blizzard near the end
  ['isp_uk_traffic', 300], // strong daily/weekly cycle, Christmas holidays in the last weeks
  ['nab_ec2_cpu_utilization_24ae8d', 300], // 14 days, noisy CPU with spikes
  ['nab_elb_request_count_8c0756', 300], // 14 days of request counts
  ['bitbrains_vm384_cpu', 300], // 91 days with a day missing between monthly files
  ['nab_Twitter_volume_AMZN', 300], // news-driven spikes
];

describe('real traces', () => {
  for (const [name, step] of CASES) {
    it(`${name}: the selected model's backtest p90 coverage is between 0.7 and 0.99`, () => {
      const history = loadTrace(name, step);
      const horizonSteps = Math.round(86400 / step);
      const fc = selectAndForecast(history, { horizonSteps, quantiles: [0.5, 0.9, 0.99], origins: 3 });
      const acc = fc.accuracy;
      expect(acc, `${name}: no accuracy`).toBeDefined();
      expect(acc!.origins).toBe(3);
      const cov90 = acc!.coverage['0.9']!;
      expect(cov90, `${name} ${fc.model} coverage ${JSON.stringify(acc!.coverage)}`).toBeGreaterThanOrEqual(0.7);
      expect(cov90, `${name} ${fc.model} coverage ${JSON.stringify(acc!.coverage)}`).toBeLessThanOrEqual(0.99);
      expect(fc.timestamps).toHaveLength(horizonSteps);
      const p50 = fc.quantiles['0.5']!;
      const p90 = fc.quantiles['0.9']!;
      const p99 = fc.quantiles['0.99']!;
      for (let h = 0; h < horizonSteps; h++) {
        expect(Number.isFinite(p50[h]!)).toBe(true);
        expect(p50[h]!).toBeGreaterThanOrEqual(0);
        expect(p50[h]!).toBeLessThanOrEqual(p90[h]!);
        expect(p90[h]!).toBeLessThanOrEqual(p99[h]!);
      }
    });
  }

  it('is deterministic on a real trace', () => {
    const history = loadTrace('nab_ec2_cpu_utilization_24ae8d', 300);
    const a = selectAndForecast(history, { horizonSteps: 288, quantiles: [0.5, 0.9, 0.99] });
    const b = selectAndForecast(loadTrace('nab_ec2_cpu_utilization_24ae8d', 300), { horizonSteps: 288, quantiles: [0.5, 0.9, 0.99] });
    expect(b).toEqual(a);
  });
});
