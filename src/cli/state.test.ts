import { mkdirSync, mkdtempSync, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import type { Logger } from '../domain/ports.js';
import { openSelections } from './state.js';

const silent = { info: () => {}, warn: () => {}, error: () => {}, debug: () => {} } as unknown as Logger;

it('deletes the selection files no index lists once nothing has written them for two days, of either format', () => {
  const dir = join(mkdtempSync(join(tmpdir(), 'augur-state-')), 'selections');
  mkdirSync(dir);
  const threeDaysAgo = Date.now() / 1000 - 3 * 86_400;
  const file = (name: string, old: boolean) => {
    writeFileSync(join(dir, name), '{}');
    if (old) utimesSync(join(dir, name), threeDaysAgo, threeDaysAgo);
  };
  file('0123456789abcdef0123456789abcdef.sel', true);
  file('00000000000000000000000000000000.json', true); // the previous version's format
  file('fedcba9876543210fedcba9876543210.sel', false); // just written by another process
  file('README', true); // not the store's
  openSelections(dir, silent);
  expect(readdirSync(dir).sort()).toEqual(['README', 'fedcba9876543210fedcba9876543210.sel']);
});
