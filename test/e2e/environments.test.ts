// One workload in two environments (Kustomize overlays over one base), proposed by two Augur
// instances (one per cluster, each with its own git.branchPrefix) to one repository and one forge.
// Real Prometheus, real git, the OpenAPI-checked GitHub server and `kubectl kustomize`.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCycle, type CycleReport } from '../../src/agent/cycle.js';
import { buildForge, buildMetrics, buildWorkspace } from '../../src/agent/wire.js';
import { DEMO_ASSETS } from '../../src/cli/demo.js';
import { parseConfig } from '../../src/config/load.js';
import { kustomize } from '../deploy/k8s.js';
import { branchSha, diffNames, makeRemote } from '../support/git.js';
import { startFakeGitHub, type FakeGitHub } from '../support/github-api.js';
import { startPrometheus, type RunningPrometheus } from '../support/prometheus.js';
import { silent, TOKEN } from '../support/world.js';

const REPO: Record<string, string> = {
  'deploy/base/worker/kustomization.yaml': 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - deployment.yaml\n',
  'deploy/base/worker/deployment.yaml': [
    'apiVersion: apps/v1',
    'kind: Deployment',
    'metadata:',
    '  name: worker',
    '  namespace: jobs',
    'spec:',
    '  replicas: 2',
    '  selector:',
    '    matchLabels: { app: worker }',
    '  template:',
    '    metadata:',
    '      labels: { app: worker }',
    '    spec:',
    '      containers:',
    '        - name: worker',
    '          image: ghcr.io/acme/worker:1.4.2',
    '          resources:',
    '            requests:',
    '              cpu: 100m',
    '',
  ].join('\n'),
  // Staging inherits the base's replicas; production overrides them.
  'deploy/overlays/staging/kustomization.yaml': 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - ../../base/worker\n',
  'deploy/overlays/production/kustomization.yaml': 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - ../../base/worker\nreplicas:\n  - name: worker\n    count: 3\n',
};

let prom: RunningPrometheus;
let now: number;
let bare: string;
let github: FakeGitHub;
let root: string;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'augur-envs-'));
  const seed = join(root, 'seed');
  for (const [path, text] of Object.entries(REPO)) {
    mkdirSync(dirname(join(seed, path)), { recursive: true });
    writeFileSync(join(seed, path), text);
  }
  bare = makeRemote(seed);
  // Staging carries the same queue at 1.5 times the messages (a load test that never stops).
  const rows = readFileSync(join(DEMO_ASSETS, 'traces', 'worker-queue.csv'), 'utf8').trim().split('\n');
  const staging = join(root, 'staging.csv');
  writeFileSync(staging, [rows[0], ...rows.slice(1).map((r) => { const [t, v] = r.split(','); return `${t},${(Number(v) * 1.5).toFixed(1)}`; })].join('\n') + '\n');
  const realNow = Math.floor(Date.now() / 1000);
  prom = await startPrometheus({
    series: [
      { name: 'queue_messages', labels: { cluster: 'prod-eu', queue: 'jobs' }, csvPath: join(DEMO_ASSETS, 'traces', 'worker-queue.csv'), shiftToNow: realNow },
      { name: 'queue_messages', labels: { cluster: 'staging', queue: 'jobs' }, csvPath: staging, shiftToNow: realNow },
    ],
  });
  now = Math.floor(Math.min(...prom.series.map((s) => s.last)) / 300) * 300;
  process.env.AUGUR_E2E_TOKEN = TOKEN;
  github = await startFakeGitHub({ owner: 'acme', repo: 'manifests', bareRepo: bare, token: TOKEN });
}, 120_000);

afterAll(async () => {
  await github?.close();
  await prom?.stop();
  rmSync(root, { recursive: true, force: true });
});

/** One Augur instance: its cluster's environment, its own branch prefix and checkout. */
function instance(environment: 'staging' | 'production', prefix: string, perReplica: number, cpu = 'queue_messages{queue="no-such-queue"}') {
  const cluster = environment === 'staging' ? 'staging' : 'prod-eu';
  const config = {
    prometheus: { url: prom.url, step: '5m', history: '14d', timeout: '10s' },
    git: { url: bare, baseBranch: 'main', workdir: join(root, `checkout-${prefix}`), branchPrefix: prefix },
    forge: { type: 'github', owner: 'acme', repo: 'manifests', apiUrl: github.url, token: { env: 'AUGUR_E2E_TOKEN' }, labels: ['augur'] },
    environments: { [environment]: { selector: `cluster="${cluster}"` } },
    policy: { maxStepPercent: { up: 50, down: 30 } },
    targets: [
      {
        namespace: 'jobs',
        name: 'worker',
        environment,
        manifest: { format: 'kustomize', path: `deploy/overlays/${environment}` },
        metrics: { load: { query: `queue_messages{cluster="${cluster}", queue="jobs"}`, unit: 'messages' }, cpu: { query: cpu } },
        capacity: { perReplica },
      },
    ],
  };
  const file = join(root, `augur-${prefix}.yaml`);
  writeFileSync(file, stringify(config));
  const loaded = parseConfig(readFileSync(file, 'utf8'), file);
  return (): Promise<CycleReport> =>
    runCycle({ config: loaded.config, metrics: buildMetrics(loaded, now), workspace: buildWorkspace(loaded), forge: buildForge(loaded, silent), now, log: silent });
}

/** The rendered Deployment of an overlay on a branch: `kubectl kustomize` of a checkout of it. */
function rendered(branch: string, overlay: string): { replicas: number; cpu: string } {
  const dir = mkdtempSync(join(root, 'render-'));
  execFileSync('git', ['clone', '--quiet', '--branch', branch, bare, dir]);
  const deployment = kustomize(join(dir, 'deploy/overlays', overlay)).find((o) => o.kind === 'Deployment')!;
  return { replicas: deployment.spec.replicas, cpu: deployment.spec.template.spec.containers[0].resources.requests.cpu };
}

describe('one workload, two environments, two Augur instances sharing a repository', () => {
  const staging = () => instance('staging', 'augur-staging', 80);
  const production = () => instance('production', 'augur-prod', 40);

  it('opens one PR per environment, each touching only its own overlay, and a second cycle changes nothing', async () => {
    const [a, b] = [staging(), production()];
    const first = [await a(), await b()];
    for (const r of first) expect(r.outcomes[0]!.error).toBeUndefined();
    for (const r of first) expect(r.outcomes[0]!.decision?.notes.filter((n) => n.effect === 'held')).toEqual([]);
    expect(first.map((r) => r.outcomes[0]!.decision?.verdict)).toEqual(['propose', 'propose']);
    expect(github.pulls.map((p) => p.head).sort()).toEqual(['augur-prod/production/jobs/worker', 'augur-staging/staging/jobs/worker']);
    expect(github.pulls.find((p) => p.head.startsWith('augur-staging/'))?.title).toMatch(/^augur: replicas 2→\d+ for jobs\/worker \(staging\)$/);
    expect(github.pulls.find((p) => p.head.startsWith('augur-prod/'))?.title).toMatch(/^augur: replicas 3→\d+ for jobs\/worker \(production\)$/);

    // Each branch changes its own overlay's kustomization and nothing else: not the base.
    expect(diffNames(bare, 'main', 'augur-staging/staging/jobs/worker')).toEqual(['deploy/overlays/staging/kustomization.yaml']);
    expect(diffNames(bare, 'main', 'augur-prod/production/jobs/worker')).toEqual(['deploy/overlays/production/kustomization.yaml']);

    // What Argo CD or Flux would apply: only the target environment's render changes.
    const before = { staging: rendered('main', 'staging'), production: rendered('main', 'production') };
    expect(before).toEqual({ staging: { replicas: 2, cpu: '100m' }, production: { replicas: 3, cpu: '100m' } });
    const stagingReplicas = first[0]!.outcomes[0]!.decision!.changes.find((c) => c.field === 'replicas')!;
    const prodReplicas = first[1]!.outcomes[0]!.decision!.changes.find((c) => c.field === 'replicas')!;
    expect(stagingReplicas.current).toBe(2);
    expect(prodReplicas.current).toBe(3);
    expect(rendered('augur-staging/staging/jobs/worker', 'staging').replicas).toBe(stagingReplicas.proposed);
    expect(rendered('augur-staging/staging/jobs/worker', 'production')).toEqual(before.production);
    expect(rendered('augur-prod/production/jobs/worker', 'production').replicas).toBe(prodReplicas.proposed);
    expect(rendered('augur-prod/production/jobs/worker', 'staging')).toEqual(before.staging);

    // Each instance keeps its own dashboard.
    expect(github.issues.map((i) => i.title).sort()).toEqual(['Augur dashboard (augur-prod)', 'Augur dashboard (augur-staging)']);

    // Second cycles: the same data, the same PRs; neither instance touches the other's branch or PR.
    const shas = [branchSha(bare, 'augur-staging/staging/jobs/worker'), branchSha(bare, 'augur-prod/production/jobs/worker')];
    const second = [await a(), await b()];
    expect(second.map((r) => r.outcomes[0]!.pr?.action)).toEqual(['unchanged', 'unchanged']);
    expect(second.every((r) => r.closed.length === 0)).toBe(true);
    expect(github.pulls).toHaveLength(2);
    expect(github.pulls.every((p) => p.state === 'open')).toBe(true);
    expect([branchSha(bare, 'augur-staging/staging/jobs/worker'), branchSha(bare, 'augur-prod/production/jobs/worker')]).toEqual(shas);
  }, 180_000);

  it('holds a CPU request that only the shared base sets, naming the overlay it would change and the fix, and writes nothing', async () => {
    const before = github.pulls.length;
    const report = await instance('staging', 'augur-staging', 80, 'vector(0.087)')();
    const held = report.outcomes[0]!.decision?.notes.filter((n) => n.effect === 'held');
    expect(held).toEqual([
      expect.objectContaining({ rule: 'manifest', field: 'cpu.request', problem: expect.stringContaining('deploy/overlays/production also builds from it') }),
    ]);
    expect(held?.[0]).toMatchObject({ problem: expect.stringContaining('Set manifest.sharedBase: allow on the target, or add an override to deploy/overlays/staging') });
    expect(github.pulls).toHaveLength(before);
    expect(github.issues.find((i) => i.title === 'Augur dashboard (augur-staging)')?.body).toContain('## ⚠️ Needs attention');
  }, 120_000);
});

