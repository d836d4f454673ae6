import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MetricsError } from '../domain/series.js';
import { FileSource, parseTraceCsv, replayShiftSeconds, resampleLast, weeksShiftSeconds } from './file.js';

const FIXTURES = fileURLToPath(new URL('../../test/fixtures/traces/', import.meta.url));
const WEEK = 7 * 86400;
const iso = (s: string) => Date.parse(s) / 1000;

function errorOf(fn: () => unknown): MetricsError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(MetricsError);
    return err as MetricsError;
  }
  throw new Error('expected a MetricsError');
}

describe('parseTraceCsv', () => {
  it('reads ISO-8601 and Unix-second timestamps, CRLF, a BOM and blank lines', () => {
    const text = '\uFEFFtimestamp,value\r\n2024-05-01T00:00:00Z,1.5\r\n\r\n1714521900,2\r\n2024-05-01T00:10:00+02:00,-3e2\r\n';
    expect(parseTraceCsv(text, 'a.csv')).toEqual({
      timestamps: [iso('2024-04-30T22:10:00Z'), iso('2024-05-01T00:00:00Z'), iso('2024-05-01T00:05:00Z')],
      values: [-300, 1.5, 2],
    });
  });

  it('takes ISO timestamps without an offset as UTC and keeps fractions of a second', () => {
    const { timestamps } = parseTraceCsv('timestamp,value\n2024-05-01 12:00:00,1\n2024-05-01T12:00:01.250Z,1\n', 'a.csv');
    expect(timestamps).toEqual([iso('2024-05-01T12:00:00Z'), iso('2024-05-01T12:00:01Z') + 0.25]);
  });

  it('keeps the last of repeated timestamps and sorts rows that are out of order', () => {
    const text = ['timestamp,value', '1000,1', '1300,2', '1300,3', '1900,9', '1600,4', '1300,5', '1900,10'].join('\n');
    expect(parseTraceCsv(text, 'dup.csv')).toEqual({ timestamps: [1000, 1300, 1600, 1900], values: [1, 5, 4, 10] });
  });

  it('reads NaN and infinities as missing samples (NaN)', () => {
    const { values } = parseTraceCsv('timestamp,value\n1,NaN\n2,+Inf\n3,-inf\n4,"7"\n', 'x.csv');
    expect(values.slice(0, 3).every(Number.isNaN)).toBe(true);
    expect(values[3]).toBe(7);
  });

  it('says what is wrong, where, and how to fix it', () => {
    expect(errorOf(() => parseTraceCsv('', 'e.csv')).message).toMatch(/^e\.csv: empty file; expected a header line "timestamp,value"/);
    expect(errorOf(() => parseTraceCsv('\n\n', 'e.csv')).message).toMatch(/empty file/);
    expect(errorOf(() => parseTraceCsv('timestamp,value\n', 'h.csv')).message).toMatch(/^h\.csv: no rows after the header/);
    expect(errorOf(() => parseTraceCsv('time;value\n1;2\n', 'b.csv')).message).toMatch(
      /^b\.csv:1: expected the header "timestamp,value", found "time;value"/,
    );

    const badValue = errorOf(() => parseTraceCsv('timestamp,value\n1,2\n2,3\n3,12,5\n', 'v.csv')).message;
    expect(badValue).toMatch(/^v\.csv:4: expected 2 comma-separated columns \(timestamp,value\), found 3 in "3,12,5"; fix or delete the row/);

    const notNumber = errorOf(() => parseTraceCsv('timestamp,value\n2024-05-01T00:00:00Z,1\n2024-05-01T00:05:00Z,12%\n', 'n.csv')).message;
    expect(notNumber).toContain('n.csv:3: value "12%" is not a number');
    expect(notNumber).toMatch(/write a decimal number.*or delete the row/);
    expect(errorOf(() => parseTraceCsv('timestamp,value\n1,\n', 'n.csv')).message).toContain('n.csv:2: value "" is not a number');
    expect(errorOf(() => parseTraceCsv('timestamp,value\n1,0x10\n', 'n.csv')).message).toContain('value "0x10"');

    const badTime = errorOf(() => parseTraceCsv('timestamp,value\n2024-02-30T00:00:00Z,1\n', 't.csv')).message;
    expect(badTime).toMatch(/^t\.csv:2: timestamp "2024-02-30T00:00:00Z" is neither ISO-8601 .* nor Unix seconds; fix or delete the row/);
    expect(errorOf(() => parseTraceCsv('timestamp,value\nyesterday,1\n', 't.csv')).message).toContain('timestamp "yesterday"');
    expect(errorOf(() => parseTraceCsv('timestamp,value\n1714521600000,1\n', 'ms.csv')).message).toMatch(
      /ms\.csv:2: timestamp "1714521600000" looks like milliseconds; write Unix seconds/,
    );
  });

  it('parses the real fixtures: 4032 rows each, regular and gappy', async () => {
    const cpu = parseTraceCsv(await readFile(path.join(FIXTURES, 'nab_ec2_cpu_utilization_24ae8d.csv'), 'utf8'), 'cpu');
    expect(cpu.timestamps.length).toBe(4032);
    expect(cpu.timestamps[0]).toBe(iso('2014-02-14T14:30:00Z'));
    expect(cpu.values[0]).toBe(0.132);
    const elb = parseTraceCsv(await readFile(path.join(FIXTURES, 'nab_elb_request_count_8c0756.csv'), 'utf8'), 'elb');
    const gaps = elb.timestamps.slice(1).map((t, i) => t - (elb.timestamps[i] ?? 0));
    expect(gaps.filter((g) => g === 600).length).toBe(8);
    expect(gaps.every((g) => g === 300 || g === 600)).toBe(true);
  });
});

describe('resampleLast', () => {
  it('takes the last sample in (t - lookback, t] for each grid point', () => {
    const data = { timestamps: [0, 100, 250, 300, 700], values: [1, 2, 3, 4, 5] };
    const { values, hits } = resampleLast(data, [0, 300, 600, 900, 1200], 300);
    // 0 -> 0; 300 -> 300 (last of 100, 250, 300); 600 -> nothing in (300, 600]; 900 -> 700; 1200 -> nothing in (900, 1200]
    expect(values).toEqual([1, 4, NaN, 5, NaN]);
    expect(hits).toBe(3);
  });
});

describe('FileSource', () => {
  let dir: string;
  const write = async (name: string, text: string) => writeFile(path.join(dir, name), text);

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'augur-file-test-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('returns the CSV itself when asked for its own grid', async () => {
    const src = new FileSource({ baseDir: FIXTURES });
    const text = await readFile(path.join(FIXTURES, 'nab_ec2_cpu_utilization_24ae8d.csv'), 'utf8');
    const csv = parseTraceCsv(text, 'cpu');
    const start = csv.timestamps[0] ?? 0;
    const end = csv.timestamps[csv.timestamps.length - 1] ?? 0;
    const s = await src.range({ file: 'nab_ec2_cpu_utilization_24ae8d.csv' }, { start, end, stepSeconds: 300 });
    expect(s.stepSeconds).toBe(300);
    expect(s.timestamps).toEqual(csv.timestamps);
    expect(s.values).toEqual(csv.values);
  });

  it('resamples irregular sampling (256 s) onto the grid, last sample within the step', async () => {
    // Samples every 256 s from t=0; value = index.
    const rows = Array.from({ length: 30 }, (_, i) => `${i * 256},${i}`);
    await write('irregular.csv', ['timestamp,value', ...rows].join('\n'));
    const src = new FileSource({ baseDir: dir });
    const s = await src.range({ file: 'irregular.csv' }, { start: 0, end: 3000, stepSeconds: 300 });
    expect(s.timestamps).toEqual([0, 300, 600, 900, 1200, 1500, 1800, 2100, 2400, 2700, 3000]);
    // the last sample at or before each t: floor(t / 256)
    expect(s.values).toEqual(s.timestamps.map((t) => Math.floor(t / 256)));
  });

  it('keeps the last of duplicates, leaves real gaps NaN, and repeats a sample for at most 5 minutes on a finer step', async () => {
    await write(
      'messy.csv',
      [
        'timestamp,value',
        '2024-05-01T00:00:00Z,1',
        '2024-05-01T00:05:00Z,2',
        '2024-05-01T00:05:00Z,3', // repeated timestamp: this one wins
        // gap: 00:10 .. 00:25 missing
        '2024-05-01T00:30:00Z,7',
        '',
      ].join('\n'),
    );
    const src = new FileSource({ baseDir: dir });
    const t0 = iso('2024-05-01T00:00:00Z');
    const coarse = await src.range({ file: 'messy.csv' }, { start: t0, end: t0 + 1800, stepSeconds: 300 });
    expect(coarse.values).toEqual([1, 3, NaN, NaN, NaN, NaN, 7]);
    const fine = await src.range({ file: 'messy.csv' }, { start: t0, end: t0 + 900, stepSeconds: 60 });
    // 00:05 sample (value 3) is visible until 00:09 (00:10 is exactly 5 minutes old: excluded)
    expect(fine.values).toEqual([1, 1, 1, 1, 1, 3, 3, 3, 3, 3, NaN, NaN, NaN, NaN, NaN, NaN]);
    expect(fine.stepSeconds).toBe(60);
  });

  it('on a coarser step takes the last sample of each step', async () => {
    const rows = Array.from({ length: 24 }, (_, i) => `${i * 300},${i}`);
    await write('coarse.csv', ['timestamp,value', ...rows].join('\n'));
    const s = await new FileSource({ baseDir: dir }).range({ file: 'coarse.csv' }, { start: 3600, end: 6900, stepSeconds: 3600 });
    expect(s.timestamps).toEqual([3600]);
    expect(s.values).toEqual([12]);
  });

  it('shiftToNow moves the trace by whole weeks: last sample at or just after now, same weekday and time of day', async () => {
    const now = iso('2025-03-12T10:17:00Z'); // a Wednesday
    const src = new FileSource({ baseDir: FIXTURES, shiftToNow: { now } });
    const csv = parseTraceCsv(await readFile(path.join(FIXTURES, 'nab_ec2_cpu_utilization_24ae8d.csv'), 'utf8'), 'cpu');
    const last = csv.timestamps[csv.timestamps.length - 1] ?? 0; // 2014-02-28T14:25Z, a Friday
    const shift = replayShiftSeconds(last, now);
    expect(shift % WEEK).toBe(0);
    expect(last + shift).toBeGreaterThanOrEqual(now);
    expect(last + shift - now).toBeLessThan(WEEK);
    const shiftedLast = new Date((last + shift) * 1000);
    expect(shiftedLast.toISOString()).toBe('2025-03-14T14:25:00.000Z');
    expect(shiftedLast.getUTCDay()).toBe(new Date(last * 1000).getUTCDay());

    // The window selects from the shifted data: the last 24 hours before the shifted last sample.
    const end = last + shift;
    const s = await src.range({ file: 'nab_ec2_cpu_utilization_24ae8d.csv' }, { start: end - 86400 + 300, end, stepSeconds: 300 });
    expect(s.values).toEqual(csv.values.slice(-288));
    expect(s.timestamps[287]).toBe(end);

    // The original dates are no longer there.
    await expect(
      src.range({ file: 'nab_ec2_cpu_utilization_24ae8d.csv' }, { start: iso('2014-02-20T00:00:00Z'), end: iso('2014-02-21T00:00:00Z'), stepSeconds: 300 }),
    ).rejects.toThrow(/no data: file .*nab_ec2_cpu_utilization_24ae8d\.csv has samples from 2025-02-28T14:30:00Z to 2025-03-14T14:25:00Z after shifting by 576 weeks, none within 2014-02-20T00:00:00Z/);
  });

  it('shifts by whole weeks: at or before now for backfills, at or after now for replay', () => {
    expect(replayShiftSeconds(1000, 1000 + 3 * WEEK)).toBe(3 * WEEK);
    expect(replayShiftSeconds(1000, 1000 + 3 * WEEK - 1)).toBe(3 * WEEK);
    expect(replayShiftSeconds(1000, 1000 + 3 * WEEK + 1)).toBe(4 * WEEK);
    expect(weeksShiftSeconds(1000, 1000 + 3 * WEEK)).toBe(3 * WEEK);
    expect(weeksShiftSeconds(1000, 1000 + 3 * WEEK - 1)).toBe(2 * WEEK);
    expect(weeksShiftSeconds(1000 + WEEK, 1000)).toBe(-WEEK); // a trace from the future moves back
  });

  it('parses each file once and caches it', async () => {
    await write('cached.csv', 'timestamp,value\n0,1\n300,2\n');
    const src = new FileSource({ baseDir: dir });
    const w = { start: 0, end: 300, stepSeconds: 300 };
    const [a, b] = await Promise.all([src.range({ file: 'cached.csv' }, w), src.range({ file: './cached.csv' }, w)]);
    expect(a.values).toEqual([1, 2]);
    expect(b.values).toEqual([1, 2]);
    await write('cached.csv', 'timestamp,value\n0,100\n300,200\n');
    expect((await src.range({ file: 'cached.csv' }, w)).values).toEqual([1, 2]); // still the cached parse
    expect((await new FileSource({ baseDir: dir }).range({ file: 'cached.csv' }, w)).values).toEqual([100, 200]);
  });

  it('reads a full-size trace quickly', async () => {
    // 26k rows, about 1 MB, like the largest shared traces.
    const rows = Array.from({ length: 26_000 }, (_, i) => `${new Date((1.7e9 + i * 256) * 1000).toISOString()},${(i % 977) / 7}`);
    await write('big.csv', ['timestamp,value', ...rows].join('\n'));
    const src = new FileSource({ baseDir: dir });
    const t = performance.now();
    const s = await src.range({ file: 'big.csv' }, { start: 1.7e9, end: 1.7e9 + 25_999 * 256, stepSeconds: 300 });
    expect(performance.now() - t).toBeLessThan(1000);
    expect(s.values.filter(Number.isNaN).length).toBe(0);
  });

  it('fails clearly: missing file, bad row, wrong ref, window outside the data', async () => {
    const src = new FileSource({ baseDir: dir });
    const w = { start: 0, end: 600, stepSeconds: 300 };
    await expect(src.range({ file: 'nope/missing.csv' }, w)).rejects.toThrow(
      new RegExp(`metrics file not found: ${path.join(dir, 'nope/missing.csv').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`),
    );

    await write('badrow.csv', 'timestamp,value\n0,1\n300,abc\n');
    const err = await src.range({ file: 'badrow.csv' }, w).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MetricsError);
    expect((err as MetricsError).message).toBe(
      `${path.join(dir, 'badrow.csv')}:3: value "abc" is not a number; write a decimal number such as 12.5 (NaN marks a missing sample), or delete the row`,
    );
    expect((err as MetricsError).ref).toEqual({ file: 'badrow.csv' });

    await write('empty.csv', '');
    await expect(src.range({ file: 'empty.csv' }, w)).rejects.toThrow(/empty\.csv: empty file/);
    await write('header.csv', 'ts,val\n0,1\n');
    await expect(src.range({ file: 'header.csv' }, w)).rejects.toThrow(/header\.csv:1: expected the header "timestamp,value", found "ts,val"/);

    await expect(src.range({ promql: 'up' }, w)).rejects.toThrow(/FileSource reads file refs/);

    await write('old.csv', 'timestamp,value\n2014-01-01T00:00:00Z,1\n');
    await expect(src.range({ file: 'old.csv' }, w)).rejects.toThrow(
      /no data: file .*old\.csv has samples from 2014-01-01T00:00:00Z to 2014-01-01T00:00:00Z, none within 1970-01-01T00:00:00Z \.\. 1970-01-01T00:10:00Z at 300s step.*shiftToNow/,
    );
  });
});
