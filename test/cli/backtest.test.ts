// `augur backtest` run as a user would: node --import tsx src/cli/main.ts backtest ...
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BacktestReport } from '../../src/cli/backtest.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const TRACES = path.join(ROOT, 'test/fixtures/traces');
const FILES = ['nab_ec2_cpu_utilization_24ae8d.csv', 'nab_elb_request_count_8c0756.csv'];

function augur(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const tmp = mkdtempSync(path.join(tmpdir(), 'augur-backtest-'));
const dir = path.join(tmp, 'traces');
let report: BacktestReport;

beforeAll(() => {
  mkdirSync(dir);
  for (const f of FILES) copyFileSync(path.join(TRACES, f), path.join(dir, f));
  writeFileSync(path.join(dir, 'notes.txt'), 'not a trace\n');
  const r = augur('backtest', '--input', dir, '--horizon', '24h', '--origins', '2', '--format', 'json');
  expect(r.stderr).toBe(''); // stderr is not a TTY here: no progress bar, nothing else
  expect(r.code).toBe(0);
  report = JSON.parse(r.stdout) as BacktestReport;
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const BASELINES = ['krr-cpu(p95)', 'krr-memory(max+15%)', 'vpa-histogram(p90+15%)', 'crane-fft', 'tortoise-max(weekday-hour)'];
const CANDIDATES = ['holt-winters-additive(daily)', 'seasonal-naive(daily)', 'holt-winters-multiplicative(daily)', 'damped-trend', 'naive'];

describe('augur backtest', () => {
  it('scores every model, every baseline and augur on every CSV of a directory', () => {
    expect(report.horizon_s).toBe(86400);
    expect(report.origins).toBe(2);
    expect(report.quantiles).toEqual(['0.5', '0.9', '0.99']);
    expect(report.series.map((s) => s.file)).toEqual(FILES);
    for (const s of report.series) {
      expect(s.step_s).toBe(300);
      expect(s.horizon_steps).toBe(288);
      for (const name of [...CANDIDATES, ...BASELINES, 'augur']) {
        const m = s.models[name];
        expect(m, `${s.name} ${name}`).toBeDefined();
        expect(m!.skipped).toBeUndefined();
        expect(Object.keys(m!.pinball!)).toEqual(['0.5', '0.9', '0.99']);
        expect(Object.keys(m!.coverage!)).toEqual(['0.5', '0.9', '0.99']);
        expect(typeof m!.mase).toBe('number');
        for (const c of Object.values(m!.coverage!)) expect(c).toBeGreaterThanOrEqual(0);
      }
      for (const name of BASELINES) expect(s.models[name]!.kind).toBe('baseline');
      for (const name of CANDIDATES) expect(s.models[name]!.kind).toBe('augur-candidate');
      // The shipped neural model is scored as its own row, worker threads included; Augur selects it only with sizing.neural.
      expect(s.models['neural-quantile-mlp(v1)']).toMatchObject({ kind: 'model' });
      expect(s.models['neural-quantile-mlp(v1)']!.pinball).toBeDefined();
      expect(s.models.augur!.selected!.some((m) => m.includes('neural'))).toBe(false);
      expect(s.models.augur!.kind).toBe('augur');
      expect(s.models.augur!.selected).toHaveLength(2);
      // 14 days cannot hold a weekly Holt-Winters fit before the first origin: reported, not dropped.
      expect(s.models['holt-winters-additive(weekly)']!.skipped).toMatch(/too short/);
    }
  });

  it('summarises: medians per model and Augur against the best baseline', () => {
    const sum = report.summary;
    for (const name of [...CANDIDATES, ...BASELINES, 'augur']) {
      expect(sum.models[name]!.series).toBe(2);
      expect(Object.keys(sum.models[name]!.pinball)).toEqual(['0.5', '0.9', '0.99']);
    }
    expect(sum.models['holt-winters-additive(weekly)']!.series).toBe(0);
    const a = sum.augur_vs_best_baseline_p90;
    expect(a.series).toBe(2);
    expect(a.median_ratio).toBeGreaterThan(0);
    for (const s of report.series) {
      const best = Math.min(...BASELINES.map((b) => s.models[b]!.pinball!['0.9']!));
      expect(a.ratios[s.name]).toBeCloseTo(s.models.augur!.pinball!['0.9']! / best, 4);
    }
    for (const b of BASELINES) {
      const e = sum.augur_vs_each_baseline_p90[b]!;
      expect(e.series).toBe(2);
      expect(e.median_ratio).toBeGreaterThan(0);
      expect(e.augur_better).toBeGreaterThanOrEqual(0);
    }
    const r = Object.values(a.ratios) as number[];
    expect(a.median_ratio).toBeCloseTo((r[0]! + r[1]!) / 2, 4);
  });

  it("augur's choice at an origin does not depend on what comes after it", () => {
    // One origin: the last day is held out. Make it absurd; the selection (made on the data
    // before the origin) must not change, only the scores.
    const src = path.join(TRACES, FILES[0]!);
    const lines = readFileSync(src, 'utf8').trim().split('\n');
    const body = lines.slice(1);
    const edited = [...body.slice(0, body.length - 288), ...body.slice(-288).map((l) => `${l.split(',')[0]},1e9`)];
    const f = path.join(tmp, 'absurd-tail.csv');
    writeFileSync(f, ['timestamp,value', ...edited].join('\n') + '\n');
    const run = (file: string): BacktestReport => {
      const r = augur('backtest', '--input', file, '--horizon', '24h', '--origins', '1', '--format', 'json');
      expect(r.code).toBe(0);
      return JSON.parse(r.stdout) as BacktestReport;
    };
    const clean = run(src).series[0]!;
    const absurd = run(f).series[0]!;
    expect(absurd.models.augur!.selected).toEqual(clean.models.augur!.selected);
    expect(absurd.models.augur!.pinball!['0.5']).toBeGreaterThan(1e6);
  });

  it('renders markdown: a summary table and a table per series', () => {
    const r = augur('backtest', '--input', path.join(TRACES, FILES[0]!), '--horizon', '24h', '--origins', '1', '--format', 'markdown');
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    const md = r.stdout;
    expect(md).toMatch(/^# Backtest: 1 series/);
    expect(md).toContain('## Summary');
    expect(md).toContain('| baseline | series | median ratio Augur / baseline | Augur better |');
    expect(md).toContain('## nab_ec2_cpu_utilization_24ae8d');
    expect(md).toContain('| model | kind | series | pinball 0.5 | pinball 0.9 | pinball 0.99 | coverage 0.5 | coverage 0.9 | coverage 0.99 | MASE |');
    expect(md).toContain('| model | kind | pinball 0.5 |');
    for (const name of [...BASELINES, 'augur']) expect(md).toContain(`| \`${name}\` |`);
    // Every table row has the same number of cells as its header.
    for (const table of md.split('\n\n').filter((b) => b.startsWith('| model'))) {
      const rows = table.split('\n').filter((l) => l !== '');
      const cells = (l: string): number => l.split(/(?<!\\)\|/).length;
      for (const row of rows) expect(cells(row)).toBe(cells(rows[0]!));
    }
  });

  it('the report does not depend on the number of worker threads', () => {
    const r = augur('backtest', '--input', dir, '--horizon', '24h', '--origins', '2', '--format', 'json', '--jobs', '1');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual(report);
    const two = augur('backtest', '--input', dir, '--horizon', '24h', '--origins', '2', '--format', 'json', '--jobs', '2');
    expect(two.stdout).toBe(r.stdout);
  });

  it('same call, same bytes', () => {
    const args = ['backtest', '--input', path.join(TRACES, FILES[1]!), '--horizon', '12h', '--origins', '1', '--format', 'json'];
    expect(augur(...args).stdout).toBe(augur(...args).stdout);
  });

  it('bad input: a clear message and exit 1', () => {
    const missing = augur('backtest', '--input', path.join(tmp, 'nope'), '--horizon', '24h');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/input not found/);
    const origins = augur('backtest', '--input', dir, '--origins', '0');
    expect(origins.code).toBe(1);
    expect(origins.stderr).toMatch(/positive whole number/);
    const format = augur('backtest', '--input', dir, '--format', 'xml');
    expect(format.code).toBe(1);
    expect(format.stderr).toMatch(/unknown --format "xml"/);
  });
});
