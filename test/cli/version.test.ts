// `augur --version` prints package.json's version, and nothing else, and exits 0.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');

it.each(['--version', '-V'])('augur %s prints the version from package.json', async (flag) => {
  const { version } = JSON.parse(readFileSync(resolve(ROOT, 'package.json'), 'utf8')) as { version: string };
  const { stdout } = await promisify(execFile)(process.execPath, [resolve(ROOT, 'bin/augur.js'), flag], { cwd: ROOT });
  expect(stdout).toBe(`${version}\n`);
}, 60_000);
