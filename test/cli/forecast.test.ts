// `augur forecast` run as a user would: node --import tsx src/cli/main.ts forecast ...
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const TRACES = path.join(ROOT, 'test/fixtures/traces');
const CPU = path.join(TRACES, 'nab_ec2_cpu_utilization_24ae8d.csv'); // 2014-02-14T14:30Z .. 2014-02-28T14:25Z, 5 min

function augur(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

interface Out {
  model: string;
  step_s: number;
  timestamps: string[];
  quantiles: Record<string, number[]>;
}

function forecast(...args: string[]): Out {
  const r = augur('forecast', '--format', 'json', ...args);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout) as Out;
}

const tmp = mkdtempSync(path.join(tmpdir(), 'augur-forecast-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('augur forecast', () => {
  it('prints the model, the step, ISO timestamps and one array per requested quantile', () => {
    const out = forecast('--input', CPU, '--horizon', '24h', '--quantiles', '0.5,0.9,0.99');
    expect(Object.keys(out).sort()).toEqual(['model', 'quantiles', 'step_s', 'timestamps']);
    expect(typeof out.model).toBe('string');
    expect(out.step_s).toBe(300);
    expect(out.timestamps).toHaveLength(288);
    expect(out.timestamps[0]).toBe('2014-02-28T14:30:00.000Z');
    expect(out.timestamps[287]).toBe('2014-03-01T14:25:00.000Z');
    expect(Object.keys(out.quantiles).sort()).toEqual(['0.5', '0.9', '0.99']);
    for (const k of ['0.5', '0.9', '0.99']) {
      expect(out.quantiles[k]).toHaveLength(288);
      for (const v of out.quantiles[k]!) {
        expect(Number.isFinite(v)).toBe(true);
        expect(Number(v.toPrecision(6))).toBe(v); // rounded to 6 significant digits
      }
    }
    for (let i = 0; i < 288; i++) expect(out.quantiles['0.5']![i]!).toBeLessThanOrEqual(out.quantiles['0.99']![i]!);
  });

  it('gives byte-identical output for the same call', () => {
    const args = ['forecast', '--input', CPU, '--horizon', '6h', '--quantiles', '0.5,0.95', '--until', '2014-02-25T00:00:00Z', '--format', 'json'];
    const a = augur(...args);
    const b = augur(...args);
    expect(a.code).toBe(0);
    expect(b.stdout).toBe(a.stdout);
    expect(Object.keys((JSON.parse(a.stdout) as Out).quantiles)).toEqual(['0.5', '0.95']);
  });

  it('honours --step and the default quantiles', () => {
    const out = forecast('--input', CPU, '--horizon', '12h', '--step', '30m');
    expect(out.step_s).toBe(1800);
    expect(out.timestamps).toHaveLength(24);
    expect(Object.keys(out.quantiles)).toEqual(['0.5', '0.9', '0.99']);
  });

  it('uses only rows strictly before --until: later rows, however absurd, change nothing', () => {
    const lines = readFileSync(CPU, 'utf8').trim().split('\n');
    const until = '2014-02-24T00:00:00Z';
    const cut = Date.parse(until) / 1000;
    const before = lines.slice(1).filter((l) => Date.parse(l.split(',')[0]!) / 1000 < cut);
    const after = lines.slice(1).filter((l) => Date.parse(l.split(',')[0]!) / 1000 >= cut);
    expect(after.length).toBeGreaterThan(100);
    // The row exactly at --until and every later one is absurd.
    const absurd = path.join(tmp, 'absurd.csv');
    writeFileSync(absurd, ['timestamp,value', ...before, ...after.map((l) => `${l.split(',')[0]},1e12`)].join('\n') + '\n');
    const truncated = path.join(tmp, 'truncated.csv');
    writeFileSync(truncated, ['timestamp,value', ...before].join('\n') + '\n');

    const a = augur('forecast', '--input', absurd, '--until', until, '--horizon', '24h', '--format', 'json');
    const b = augur('forecast', '--input', truncated, '--horizon', '24h', '--format', 'json');
    expect(a.code).toBe(0);
    expect(a.stdout).toBe(b.stdout);
    const out = JSON.parse(a.stdout) as Out;
    expect(out.timestamps[0]).toBe('2014-02-24T00:00:00.000Z');
    for (const v of Object.values(out.quantiles).flat()) expect(v).toBeLessThan(1000);

    // Moving --until later brings the absurd rows in, and the forecast changes.
    const later = forecast('--input', absurd, '--until', '2014-02-25T00:00:00Z', '--horizon', '24h');
    expect(later.timestamps[0]).toBe('2014-02-25T00:00:00.000Z');
    expect(Math.max(...later.quantiles['0.99']!)).toBeGreaterThan(1000);
  });

  it('a different --until gives a different forecast on a real trace', () => {
    // Not the CPU trace: it sits at one quantized value most of the time, so its recent
    // quantiles can be equal a day apart. Twitter volume moves all day.
    const TWEETS = path.join(TRACES, 'nab_Twitter_volume_AMZN.csv');
    const a = forecast('--input', TWEETS, '--until', '2015-04-10T00:00:00Z', '--horizon', '6h');
    const b = forecast('--input', TWEETS, '--until', '2015-04-11T00:00:00Z', '--horizon', '6h');
    expect(b.timestamps[0]).not.toBe(a.timestamps[0]);
    expect(b.quantiles['0.5']).not.toEqual(a.quantiles['0.5']);
  });

  it('missing file, bad horizon, bad quantiles, nothing before --until: a clear message and exit 1', () => {
    const missing = augur('forecast', '--input', path.join(tmp, 'nope.csv'), '--horizon', '24h', '--format', 'json');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/not found: .*nope\.csv/);
    expect(missing.stdout).toBe('');

    const badHorizon = augur('forecast', '--input', CPU, '--horizon', 'tomorrow', '--format', 'json');
    expect(badHorizon.code).toBe(1);
    expect(badHorizon.stderr).toMatch(/"tomorrow" is not a duration/);

    const badQ = augur('forecast', '--input', CPU, '--quantiles', '0.5,1.5');
    expect(badQ.code).toBe(1);
    expect(badQ.stderr).toMatch(/between 0 and 1/);

    const early = augur('forecast', '--input', CPU, '--until', '2010-01-01T00:00:00Z');
    expect(early.code).toBe(1);
    expect(early.stderr).toMatch(/no rows before 2010-01-01/);

    const short = augur('forecast', '--input', CPU, '--horizon', '1m');
    expect(short.code).toBe(1);
    expect(short.stderr).toMatch(/shorter than one step/);
  });
});
