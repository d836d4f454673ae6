// Commands that do not use the neural model never load TensorFlow.js (about 0.5-0.9 s and 70 MB
// of RSS at start); backtest, which scores it, does. Checked on the real CLI with a preload that
// reports what was required.
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const exec = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '../..');
const probe = resolve(ROOT, 'test/support/tf-probe.cjs');

async function tfLoaded(args: string[]): Promise<boolean> {
  const r = await exec(process.execPath, ['--require', probe, '--import', 'tsx', 'src/cli/main.ts', ...args], { cwd: ROOT }).catch((e: { stderr: string }) => e);
  const m = /tfjs-loaded=(true|false)/.exec(r.stderr);
  if (!m) throw new Error(`no probe output: ${r.stderr}`);
  return m[1] === 'true';
}

describe('TensorFlow.js is loaded only where the neural model is used', () => {
  it('validate and a forecast do not load it', async () => {
    expect(await tfLoaded(['validate', 'config/demo/augur.yaml'])).toBe(false);
    expect(await tfLoaded(['forecast', '--input', 'config/demo/traces/worker-queue.csv', '--horizon', '6h'])).toBe(false);
  }, 120_000);

  it('backtest, which scores the neural model, loads it', async () => {
    expect(await tfLoaded(['backtest', '--input', 'config/demo/traces/worker-queue.csv', '--horizon', '24h', '--origins', '1', '--format', 'json'])).toBe(true);
  }, 300_000);
});
