// `npx augur` works in a checkout right after `npm ci`: the launcher runs the sources through tsx
// when dist/ is not built (and the compiled CLI when it is).
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';

const exec = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '../..');

it('the package bin runs the CLI from a checkout', async () => {
  const pkg = (await import(resolve(ROOT, 'package.json'), { with: { type: 'json' } })).default as { bin: { augur: string } };
  expect(existsSync(resolve(ROOT, pkg.bin.augur))).toBe(true);
  const { stdout } = await exec(process.execPath, [resolve(ROOT, pkg.bin.augur), 'validate', 'config/demo/augur.yaml'], { cwd: ROOT });
  expect(stdout).toBe('config/demo/augur.yaml: valid (6 targets, forge local, metrics files)\n');
}, 60_000);
