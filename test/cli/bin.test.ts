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
  // The demo's file names remote.git, which only `npm run demo` creates (in .augur-demo/): validate says so, as plan would.
  const r = await exec(process.execPath, [resolve(ROOT, pkg.bin.augur), 'validate', '-c', 'config/demo/augur.yaml'], { cwd: ROOT }).catch((e: { code: number; stderr: string }) => e);
  expect('code' in r && r.code).toBe(1);
  expect('stderr' in r && r.stderr).toMatch(/config\/demo\/augur\.yaml:\d+:\d+: git\.url: found "remote\.git"; .*remote\.git does not exist/);
}, 60_000);
