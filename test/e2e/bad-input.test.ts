// Bad input, end to end: each case must give a clear reason, open no PR, leave no branch, and
// never stop the cycle (or the daemon). Real Prometheus, real git, the OpenAPI-checked GitHub.
import { execFile } from 'node:child_process';
import { chmodSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_ASSETS } from '../../src/cli/demo.js';
import { branches, pushFiles } from '../support/git.js';
import { freePort, startPrometheus, type RunningPrometheus } from '../support/prometheus.js';
import { startWorld, type World } from '../support/world.js';
import { heldBy } from '../../src/domain/decision.js';

const exec = promisify(execFile);
let prom: RunningPrometheus;
let now: number;
const worlds: World[] = [];

beforeAll(async () => {
  prom = await startPrometheus({
    series: [{ name: 'http_requests_per_second', labels: { namespace: 'shop', service: 'web' }, csvPath: join(DEMO_ASSETS, 'traces', 'web-requests.csv'), shiftToNow: Math.floor(Date.now() / 1000) }],
  });
  now = Math.floor(prom.series[0]!.last / 300) * 300;
}, 120_000);

afterAll(async () => {
  await Promise.all(worlds.map((w) => w.github.close()));
  await prom?.stop();
});

async function world(): Promise<World> {
  const w = await startWorld(prom.url, now);
  worlds.push(w);
  return w;
}

function expectNothingProposed(w: World): void {
  expect(w.github.pulls).toHaveLength(0);
  expect(branches(w.bare)).toEqual(['main']);
  expect(w.github.violations).toEqual([]);
}

describe('bad metrics', () => {
  it('an unreachable Prometheus holds the target with the URL and cause', async () => {
    const w = await world();
    const closed = `http://127.0.0.1:${await freePort()}`;
    const report = await w.run({ prometheusUrl: closed });
    const d = report.outcomes[0]!.decision!;
    expect(d.verdict).toBe('hold');
    expect(heldBy(d)).toMatchObject({ rule: 'metrics', cause: 'read', error: expect.stringContaining(`cannot reach Prometheus at ${closed}`) });
    expectNothingProposed(w);
    expect(w.github.issues[0]!.body).toContain('cannot reach Prometheus');
  });

  it('an empty series holds the target, naming the query', async () => {
    const w = await world();
    const report = await w.run({ web: 'no-such-service' });
    const d = report.outcomes[0]!.decision!;
    expect(d.verdict).toBe('hold');
    expect(heldBy(d)).toMatchObject({ rule: 'metrics', cause: 'read', error: expect.stringMatching(/no data.*no-such-service|no-such-service.*no data/is) });
    expectNothingProposed(w);
  });

  it('a NaN series holds the target instead of proposing a number', async () => {
    const w = await world();
    const report = await w.run({ webTarget: { metrics: { load: { query: 'http_requests_per_second{service="web"} * NaN' } } } });
    const d = report.outcomes[0]!.decision!;
    expect(d.verdict).toBe('hold');
    expect(heldBy(d)).toMatchObject({ rule: 'metrics', cause: 'empty' });
    expectNothingProposed(w);
  });
});

describe('bad manifests', () => {
  it('a manifest that does not contain the workload holds it, naming the files searched', async () => {
    const w = await world();
    const report = await w.run({ webTarget: { name: 'checkout' } });
    const d = report.outcomes[0]!.decision!;
    expect(d.verdict).toBe('hold');
    expect(heldBy(d)).toMatchObject({ rule: 'manifest', effect: 'held', problem: expect.stringContaining('apps/web/deployment.yaml') });
    expectNothingProposed(w);
  });
});

describe('bad manifests: each a hold with the fix, exit 3 from run, nothing written', () => {
  const runCli = (file: string) =>
    exec('npx', ['tsx', 'src/cli/main.ts', 'run', '--once', '-c', file]).then(
      (r) => ({ code: 0, stdout: r.stdout }),
      (err: { code: number; stdout: string }) => err,
    );
  const aliased = [
    'apiVersion: apps/v1',
    'kind: Deployment',
    'metadata:',
    '  name: web',
    '  namespace: shop',
    'x-defaults:',
    '  count: &count 4',
    'spec:',
    '  replicas: *count',
    '  template:',
    '    spec:',
    '      containers:',
    '        - name: web',
    '          resources:',
    '            requests: { cpu: 250m }',
    '',
  ].join('\n');

  it.each([
    ['a path that does not exist', { manifest: { format: 'plain', path: 'apps/nowhere/deployment.yaml' } }, 'apps/nowhere/deployment.yaml'],
    ['a key path that does not exist', { name: 'api', manifest: { format: 'helm', path: 'charts/api/values.yaml', helm: { replicas: 'server.replicas' } } }, 'helm.replicas'],
    ['an aliased value', { manifest: { format: 'plain', path: 'apps/aliased/deployment.yaml' } }, 'alias'],
  ])('%s', async (_name, webTarget, mentions) => {
    const w = await world();
    pushFiles(w.bare, { 'apps/aliased/deployment.yaml': aliased }, 'an aliased replica count');
    const before = branches(w.bare);
    const result = await runCli(w.configFile({ webTarget }));
    expect(result.code, result.stdout).toBe(3);
    expect(result.stdout).toMatch(new RegExp(`^shop/\\S+\\s+hold\\s+.*manifest: .*${mentions}`, 'm'));
    expect(w.github.pulls).toHaveLength(0);
    expect(branches(w.bare)).toEqual(before);
    const dashboard = w.github.issues.find((i) => i.title === 'Augur dashboard')!;
    expect(dashboard.body).toContain('## ⚠️ Needs attention');
  }, 120_000);
});

describe('bad config', () => {
  it('augur validate lists every problem with file, line, path, value and fix; exit 1', async () => {
    const w = await world();
    const file = join(w.workdir, '..', 'bad.yaml');
    writeFileSync(
      file,
      [
        'git: { url: /tmp/x }',
        'forge: { type: local, path: f }',
        'policy:',
        '  maxStepPrecent: { up: 50, down: 30 }',
        '  cooldown: 5 minutes',
        'targets:',
        '  - namespace: Shop',
        '    name: web',
        '    manifest: { format: plain, path: a.yaml }',
        '    metrics: { load: { query: "up" } }',
        '    capacity: { perReplica: -3 }',
        '',
      ].join('\n'),
    );
    const result = await exec('npx', ['tsx', 'src/cli/main.ts', 'validate', file]).then(
      () => ({ code: 0, stderr: '' }),
      (err: { code: number; stderr: string }) => err,
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`${file}:4:3: policy.maxStepPrecent`);
    expect(result.stderr).toContain('did you mean "maxStepPercent"');
    expect(result.stderr).toContain('policy.cooldown: found "5 minutes"');
    expect(result.stderr).toMatch(/targets\[0\]\.namespace: found "Shop"; a Kubernetes namespace name/);
    expect(result.stderr).toContain("targets[0].capacity.perReplica: found -3; must be > 0");
  });

  it('a bad file never starts a cycle: run exits 1 and touches no git', async () => {
    const w = await world();
    const file = join(w.workdir, '..', 'bad-run.yaml');
    writeFileSync(file, `git: { url: ${w.bare}, workdir: ${w.workdir} }\nforge: { type: local, path: f }\ntargets: []\n`);
    const result = await exec('npx', ['tsx', 'src/cli/main.ts', 'run', '--once', '-c', file]).then(
      () => ({ code: 0, stderr: '' }),
      (err: { code: number; stderr: string }) => err,
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('targets: found []; at least one target');
    expect(existsSync(w.workdir)).toBe(false);
  });
});

describe('nothing half-written', () => {
  it('a rejected push opens no PR, leaves no branch, and reports the failure', async () => {
    const w = await world();
    const hook = join(w.bare, 'hooks', 'pre-receive');
    writeFileSync(hook, '#!/bin/sh\necho "protected: augur branches are not allowed" >&2\nexit 1\n');
    chmodSync(hook, 0o755);
    const report = await w.run();
    expect(report.outcomes[0]!.error).toContain('publishing augur/shop/web failed');
    expectNothingProposed(w);
    const dashboard = w.github.issues.find((i) => i.title === 'Augur dashboard')!;
    expect(dashboard.body).toContain('publishing augur/shop/web failed');
  });
});
