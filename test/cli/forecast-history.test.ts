// `augur forecast` forecasts from the history the agent would: where --until says, and cleaned as
// the cycle and `augur backtest` clean it (prepareHistory). Run as a user would.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { backtestReport, renderMarkdown } from '../../src/cli/backtest.js';
import { readTraceFile, round6, traceToSeries } from '../../src/cli/forecast.js';
import { prepareHistory } from '../../src/forecast/clean.js';
import { augurCandidates, selectAugur } from '../../src/forecast/registry.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const TRACES = path.join(ROOT, 'test/fixtures/traces');
const CPU = path.join(TRACES, 'nab_ec2_cpu_utilization_24ae8d.csv'); // 2014-02-14T14:30Z .. 2014-02-28T14:25Z, 5 min
const ISP = path.join(TRACES, 'isp_uk_traffic.csv'); // 2004-11-19 .. 2005-01-27, 5 min, a clear daily cycle
const DAY_STEPS = 288;

interface Out {
  model: string;
  step_s: number;
  timestamps: string[];
  quantiles: Record<string, number[]>;
  notes?: string[];
}

function forecast(...args: string[]): Out {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'forecast', '--format', 'json', ...args], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  return JSON.parse(r.stdout) as Out;
}

const tmp = mkdtempSync(path.join(tmpdir(), 'augur-forecast-history-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function rows(file: string): { t: number; line: string }[] {
  return readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((line) => ({ t: Date.parse(line.split(',')[0]!) / 1000, line }));
}

describe('augur forecast --until with a gap before it', () => {
  it('starts at the first step at or after --until, not after the last sample', () => {
    const until = '2014-02-26T00:00:00Z';
    const cut = Date.parse(until) / 1000;
    // The last 3 hours before --until are missing (a scrape outage).
    const kept = rows(CPU).filter((r) => r.t < cut - 3 * 3600 || r.t >= cut);
    const file = path.join(tmp, 'gap.csv');
    writeFileSync(file, ['timestamp,value', ...kept.map((r) => r.line)].join('\n') + '\n');
    const out = forecast('--input', file, '--until', until, '--horizon', '24h');
    expect(out.timestamps[0]).toBe('2014-02-26T00:00:00.000Z');
    expect(out.timestamps).toHaveLength(288);
    expect(out.timestamps[287]).toBe('2014-02-26T23:55:00.000Z');
    // The 36 missing steps were filled (from the day before), and the output says so.
    expect(out.notes?.some((n) => /36 missing steps filled/.test(n))).toBe(true);
    for (const v of out.quantiles['0.9']!) expect(Number.isFinite(v)).toBe(true);
  });

  it('an --until between grid points starts at the next grid point', () => {
    const out = forecast('--input', CPU, '--until', '2014-02-25T00:02:00Z', '--horizon', '1h');
    expect(out.timestamps[0]).toBe('2014-02-25T00:05:00.000Z');
  });
});

describe('augur forecast cleans the history as the agent and backtest do', () => {
  it('an incident (the load near zero for 2 hours at the daily peak) is excluded before the forecast', () => {
    const until = '2005-01-20T00:00:00Z';
    const cut = Date.parse(until) / 1000;
    // Yesterday 10:00-12:00 UTC, near the daily peak, the exporter reported almost nothing.
    const from = cut - 14 * 3600;
    const to = cut - 12 * 3600;
    const all = rows(ISP).filter((r) => r.t >= cut - 21 * 86400 && r.t < cut);
    const lines = all.map((r) => (r.t >= from && r.t < to ? `${r.line.split(',')[0]},${(Number(r.line.split(',')[1]) * 0.01).toFixed(2)}` : r.line));
    const file = path.join(tmp, 'incident.csv');
    writeFileSync(file, ['timestamp,value', ...lines].join('\n') + '\n');

    const out = forecast('--input', file, '--horizon', '24h', '--quantiles', '0.5,0.9');
    expect(out.notes?.some((n) => /24 steps of 1 incident excluded/.test(n))).toBe(true);

    // The same path in-process: prepareHistory, then Augur's selection.
    const series = traceToSeries(readTraceFile(file), 300);
    const opts = { horizonSteps: 288, quantiles: [0.5, 0.9], candidates: augurCandidates(300) };
    const cleaned = selectAugur(prepareHistory(series).series, opts);
    expect(out.model).toBe(cleaned.model);
    expect(out.quantiles['0.9']).toEqual(cleaned.quantiles['0.9']!.map(round6));
    // And it matters: forecast from the raw history, the incident shows in the forecast.
    const raw = selectAugur(series, opts);
    expect(raw.quantiles['0.9']!.map(round6)).not.toEqual(out.quantiles['0.9']);
  });

  it('a counter (a *_total without rate()) is forecast as its rate, as the agent does', () => {
    // Cumulate the tweet counts into a counter.
    const src = rows(path.join(TRACES, 'nab_Twitter_volume_AMZN.csv')).slice(-8 * 288);
    let total = 0;
    const lines = src.map((r) => {
      total += Number(r.line.split(',')[1]);
      return `${r.line.split(',')[0]},${total}`;
    });
    const file = path.join(tmp, 'counter.csv');
    writeFileSync(file, ['timestamp,value', ...lines].join('\n') + '\n');
    const out = forecast('--input', file, '--horizon', '6h', '--quantiles', '0.5');
    expect(out.notes?.some((n) => /counter/.test(n))).toBe(true);
    // Tweets per 5 minutes are tens to hundreds; per second, well under 10. A counter forecast would be in the 100,000s.
    expect(Math.max(...out.quantiles['0.5']!)).toBeLessThan(10);
  });
});

describe('a series shorter than the backtest needs is reported, not passed over', () => {
  it('augur forecast says the forecast is untested and how much history a backtest needs', () => {
    const src = rows(CPU).slice(0, 500); // 1.7 days: no model can hold a 48 h held-out window
    const file = path.join(tmp, 'short.csv');
    writeFileSync(file, ['timestamp,value', ...src.map((r) => r.line)].join('\n') + '\n');
    const out = forecast('--input', file, '--horizon', '48h', '--quantiles', '0.5,0.9');
    expect(out.timestamps).toHaveLength(576);
    const note = out.notes?.find((n) => n.startsWith('not backtested'));
    expect(note).toBeDefined();
    expect(note).toMatch(/500 steps .* of usable history; a backtest needs 588 steps/);
  });

  it('augur backtest lists the series it could not score Augur on, with why, in the summary and the markdown', () => {
    const short = path.join(tmp, 'short-bt.csv');
    writeFileSync(short, ['timestamp,value', ...rows(CPU).slice(0, 250).map((r) => r.line)].join('\n') + '\n');
    const report = backtestReport([short, CPU], { input: tmp, horizon: 86400, origins: 1, quantiles: [0.5, 0.9], format: 'json' });
    expect(report.summary.augur_not_scored).toHaveLength(1);
    expect(report.summary.augur_not_scored[0]!.series).toBe('short-bt');
    expect(report.summary.augur_not_scored[0]!.reason).toMatch(/history too short/);
    expect(report.summary.models.augur!.series).toBe(1);
    expect(renderMarkdown(report)).toMatch(/Not scored for Augur, and left out of every median \(1 of 2 series\):\n\n- `short-bt`: history too short/);
  });
});

describe('one history path: the agent forecasts from what prepareHistory makes of the load', () => {
  it('decide() forecasts a counter with a gap and an incident from exactly prepareHistory(raw)', async () => {
    const { decide } = await import('../../src/agent/decide.js');
    const { POLICY_DEFAULTS, SIZING_DEFAULTS } = await import('../../src/config/schema.js');
    const { locateWorkload } = await import('../../src/manifests/index.js');
    const { memRepo } = await import('../../src/manifests/testing.js');
    // 10 days of the ISP trace, its 2-hour dropout and a 40-minute gap, read as a counter (a *_total without rate()).
    const isp = traceToSeries(readTraceFile(ISP), 300);
    const n = isp.values.length;
    const ts = isp.timestamps.slice(n - 10 * DAY_STEPS);
    const rate = isp.values.slice(n - 10 * DAY_STEPS).map((v, i) => (i >= 8 * DAY_STEPS + 120 && i < 8 * DAY_STEPS + 144 ? v * 0.01 : v));
    let total = 0;
    const counter = rate.map((v, i) => (i >= 9 * DAY_STEPS && i < 9 * DAY_STEPS + 8 ? Number.NaN : (total += v * 300)));
    const raw = { timestamps: ts, values: counter, stepSeconds: 300 };
    const id = { kind: 'Deployment' as const, namespace: 'edge', name: 'isp' };
    const file = 'apps/isp.yaml';
    const yaml = 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: isp\n  namespace: edge\nspec:\n  replicas: 4\n';
    const site = locateWorkload(memRepo({ [file]: yaml }), id, { format: 'plain', path: file });
    let seen: import('../../src/domain/series.js').Series | undefined;
    const d = decide(
      { id, now: ts.at(-1)! + 60, manifest: { site, files: new Map([[file, yaml]]) }, metrics: { load: { series: raw, source: 'q' } }, prs: [] },
      { policy: POLICY_DEFAULTS, sizing: SIZING_DEFAULTS, capacity: { perReplica: 5000 }, timezone: 'UTC' },
      (_key, history, opts) => ((seen = history), selectAugur(history, opts)),
    );
    const prepared = prepareHistory(raw);
    expect(prepared.resets).toBe(0);
    expect(prepared.report.incidentSteps).toBeGreaterThan(0);
    expect(seen).toEqual(prepared.series);
    expect(d.evidence?.history).toEqual(prepared.series);
  });
});
