// scripts/ensure-test-deps.sh when another apt-get or dpkg holds the package lock: it waits and
// retries instead of failing at once, asks apt-get to wait for the dpkg lock itself, and gives up
// with apt-get's output once APT_LOCK_WAIT_SECONDS have passed. Run against a stub apt-get on a
// PATH where the tools it installs are missing; nothing on the machine is installed or changed.
import { execFile } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, expect, it } from 'vitest';

const SCRIPT = resolve(import.meta.dirname, '../../scripts/ensure-test-deps.sh');
const TOOLS = ['bash', 'env', 'grep', 'mktemp', 'rm', 'tee', 'chmod', 'id', 'head', 'sleep', 'cat'];
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A PATH with the shell tools, kubectl, and an apt-get that reports a held lock `lockedCalls` times. */
function sandbox(lockedCalls: number): { bin: string; calls: string; env: NodeJS.ProcessEnv } {
  const dir = mkdtempSync(join(tmpdir(), 'augur-deps-'));
  dirs.push(dir);
  const bin = join(dir, 'bin');
  const calls = join(dir, 'calls');
  writeFileSync(calls, '');
  mkdirSync(bin);
  for (const tool of TOOLS) {
    const at = ['/usr/bin', '/bin'].map((d) => join(d, tool)).find(existsSync);
    if (!at) throw new Error(`${tool} not found`);
    symlinkSync(at, join(bin, tool));
  }
  const script = (name: string, body: string) => {
    writeFileSync(join(bin, name), `#!/bin/bash\n${body}\n`);
    chmodSync(join(bin, name), 0o755);
  };
  script('kubectl', 'exit 0');
  // Fails with apt's lock message while the count lasts; `install` then puts the tools on PATH.
  script(
    'apt-get',
    `echo "$*" >> ${calls}
n=$(grep -c . ${calls})
if [ "$n" -le ${lockedCalls} ]; then echo "E: Could not get lock /var/lib/apt/lists/lock. It is held by process 4242 (apt-get)" >&2; exit 100; fi
case " $* " in *" install "*)
  for t in prometheus promtool etcd openssl xz curl go; do printf '#!/bin/bash\\necho stub-$t\\n' > ${bin}/$t; chmod 755 ${bin}/$t; done;;
esac
exit 0`,
  );
  return { bin, calls, env: { PATH: bin, APT_LOCK_POLL_SECONDS: '0.2', POLICY_RC_D: join(dir, 'policy-rc.d'), HOME: dir } };
}

function run(env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string; seconds: number }> {
  const started = Date.now();
  return new Promise((done) => {
    execFile('/bin/bash', [SCRIPT], { env }, (err, stdout, stderr) => done({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr, seconds: (Date.now() - started) / 1000 }));
  });
}

it('waits while another process holds the apt lock, then installs, with apt-get told to wait for the dpkg lock', async () => {
  const box = sandbox(3);
  const r = await run(box.env);
  expect(r.stderr).toContain('another apt-get or dpkg holds a package lock; waiting up to 600s');
  expect(r.code).toBe(0);
  const calls = readFileSync(box.calls, 'utf8').trim().split('\n');
  // Three refused updates, the update that went through, then one install of everything missing.
  expect(calls.slice(0, 4)).toEqual(Array(4).fill('-q -o DPkg::Lock::Timeout=600 update'));
  expect(calls[4]).toMatch(/^-q -o DPkg::Lock::Timeout=600 install -y --no-install-recommends prometheus .*etcd-server openssl xz-utils curl golang-go/);
  expect(calls).toHaveLength(5);
  expect(r.stdout).toContain('ensure-test-deps: installed the Debian package golang-go with apt-get');
  // The temporary policy-rc.d is gone again.
  expect(existsSync(box.env.POLICY_RC_D!)).toBe(false);
}, 60_000);

it('gives up with apt-get\'s own words once APT_LOCK_WAIT_SECONDS have passed', async () => {
  const box = sandbox(1_000);
  const r = await run({ ...box.env, APT_LOCK_WAIT_SECONDS: '2' });
  expect(r.code).toBe(1);
  expect(r.stderr).toContain('E: Could not get lock /var/lib/apt/lists/lock. It is held by process 4242 (apt-get)');
  expect(r.stderr).toMatch(/apt-get install .* failed \(output above\)/);
  // Bash counts whole seconds: two of them are at least one second of retries.
  expect(r.seconds).toBeGreaterThanOrEqual(1);
  expect(r.seconds).toBeLessThan(20);
  const calls = readFileSync(box.calls, 'utf8').trim().split('\n');
  expect(calls.length).toBeGreaterThan(3);
  expect(new Set(calls)).toEqual(new Set(['-q -o DPkg::Lock::Timeout=2 update']));
}, 60_000);
