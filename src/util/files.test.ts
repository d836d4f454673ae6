import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { readChecked, writeChecked, writeOver } from './files.js';

const dir = () => mkdtempSync(join(tmpdir(), 'augur-files-'));

it('writeChecked writes over a longer file and creates a missing directory; readChecked reads it back', () => {
  const path = join(dir(), 'a', 'b.sel');
  writeChecked(path, 'x'.repeat(100));
  writeChecked(path, 'short');
  expect(readChecked(path)?.toString()).toBe('short');
  expect(statSync(path).size).toBe(5 + 8);
});

it('readChecked refuses a write cut short: new bytes over old ones, with or without the old length', () => {
  const path = join(dir(), 'f.sel');
  writeChecked(path, '{"a":1,"b":2}');
  const old = readFileSync(path);
  // The start written again, the rest (and the check) the old file's.
  const torn = Buffer.from(old);
  torn.write('{"a":9', 0);
  writeFileSync(path, torn);
  expect(readChecked(path)).toBeUndefined();
  // Shorter new text written, the old end not yet cut off.
  writeChecked(path, '{"a":1}');
  const newer = readFileSync(path);
  writeFileSync(path, Buffer.concat([newer.subarray(0, 7), old.subarray(7)]));
  expect(readChecked(path)).toBeUndefined();
  writeFileSync(path, 'abc');
  expect(readChecked(path)).toBeUndefined();
  expect(() => readChecked(join(dir(), 'missing'))).toThrow(/ENOENT/);
});

it('writeOver writes at a position and keeps the rest of the file', () => {
  const path = join(dir(), 'v.bin');
  writeOver(path, new Float64Array([1, 2, 3]));
  writeOver(path, new Float64Array([7, 8]), 16);
  expect([...new Float64Array(Uint8Array.from(readFileSync(path)).buffer)]).toEqual([1, 2, 7, 8]);
});
