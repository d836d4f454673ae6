import { execFile } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);

describe('augur simulate', () => {
  it('replays a trace through every policy and reports each scenario as JSON', async () => {
    const { stdout } = await run(
      process.execPath,
      ['--import', 'tsx', 'src/cli/main.ts', 'simulate', '--input', 'test/fixtures/traces/nab_nyc_taxi.csv', '--format', 'json', '--quiet'],
      { cwd: process.cwd(), maxBuffer: 16 * 1024 * 1024 },
    );
    const report = JSON.parse(stdout) as {
      settings: { reviewDelayHours: number; maxStepPercent: { up: number; down: number } };
      traces: {
        trace: string;
        warmupDays: number;
        evaluatedDays: number;
        policies: { policy: string; kind: string; scenarios: Record<string, { underProvisioned: number; vsDailyOracle: number; vsHourlyOracle: number; prs: number }> }[];
      }[];
      skipped: unknown[];
      summary: Record<string, { policy: string; underProvisioned: number; vsDailyOracle: number; vsHourlyOracle: number; prsPerWeek: number }[]>;
    };
    expect(report.settings.reviewDelayHours).toBe(4);
    expect(report.settings.maxStepPercent).toEqual({ up: 100, down: 30 });
    expect(report.skipped).toEqual([]);
    expect(report.traces).toHaveLength(1);
    const t = report.traces[0]!;
    expect(t.trace).toBe('nab_nyc_taxi');
    expect(t.warmupDays).toBe(14);
    expect(t.evaluatedDays).toBeGreaterThan(100);
    const names = t.policies.map((p) => p.policy);
    expect(names).toEqual(expect.arrayContaining(['augur', 'static-14d-max', 'oracle-daily', 'oracle-hourly']));
    expect(t.policies.filter((p) => p.kind === 'baseline').length).toBeGreaterThanOrEqual(4); // the registry's baselines
    expect(Object.keys(report.summary).sort()).toEqual(['daily', 'hpa', 'schedule']);
    for (const p of t.policies) {
      for (const s of ['daily', 'hpa', 'schedule']) {
        const r = p.scenarios[s]!;
        expect(r.underProvisioned).toBeGreaterThanOrEqual(0);
        expect(r.underProvisioned).toBeLessThanOrEqual(1);
        expect(r.vsDailyOracle).toBeGreaterThan(0);
        expect(Number.isInteger(r.prs)).toBe(true);
      }
    }
    const oracle = report.summary.daily!.find((r) => r.policy === 'oracle-daily')!;
    expect(oracle.vsDailyOracle).toBe(1);
    expect(oracle.underProvisioned).toBe(0);
    const hourly = report.summary.schedule!.find((r) => r.policy === 'oracle-hourly')!;
    expect(hourly.vsHourlyOracle).toBeGreaterThanOrEqual(1);
  }, 120_000);

  it('gives the same report from worker threads as sequentially, traces in file order', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'augur-sim-'));
    try {
      for (const f of ['nab_elb_request_count_8c0756.csv', 'nab_ec2_cpu_utilization_24ae8d.csv']) copyFileSync(path.join('test/fixtures/traces', f), path.join(dir, f));
      const out = async (jobs: string) =>
        (await run(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'simulate', '--input', dir, '--format', 'markdown', '--quiet', '--jobs', jobs], { cwd: process.cwd(), maxBuffer: 16 * 1024 * 1024 })).stdout;
      const [one, two] = [await out('1'), await out('2')];
      expect(two).toBe(one);
      expect(one).toContain('| oracle-daily | oracle | 0.0% | 1.00 |');
      expect(one.indexOf('| nab_ec2_cpu_utilization_24ae8d |')).toBeLessThan(one.indexOf('| nab_elb_request_count_8c0756 |'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);

  it('rejects an unknown format', async () => {
    await expect(
      run(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'simulate', '--input', 'test/fixtures/traces/nab_nyc_taxi.csv', '--format', 'xml'], { cwd: process.cwd() }),
    ).rejects.toMatchObject({ stderr: expect.stringContaining('--format must be json or markdown') });
  }, 60_000);
});
