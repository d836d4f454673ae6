// Scaling schedules end to end, with real parts: the demo manifests (a Deployment scaled by a KEDA
// ScaledObject with a cpu trigger) in a bare git repository, real git, the GitHub API served by the
// local server that checks every request and response against GitHub's OpenAPI description, and a
// real trace with a clear daily cycle replayed as the last 14 days.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { runCycle, type CycleReport } from '../../src/agent/cycle.js';
import { buildForge, buildMetrics, buildWorkspace } from '../../src/agent/wire.js';
import { DEMO_ASSETS } from '../../src/cli/demo.js';
import { parseConfig } from '../../src/config/load.js';
import { parseMeta } from '../../src/forge/meta.js';
import { locateWorkload } from '../../src/manifests/index.js';
import type { RepoView } from '../../src/domain/workload.js';
import { branchSha, diffNames, makeRemote, pushFiles, showFile } from '../support/git.js';
import { startFakeGitHub, type FakeGitHub } from '../support/github-api.js';
import { silent, TOKEN } from '../support/world.js';
import { heldBy } from '../../src/domain/decision.js';
import { describeSkip } from '../../src/forge/reasons.js';

// A fixed clock: the replayed trace is shifted by whole weeks to end at NOW, so the weekday NOW
// falls on decides which part of the trace is the history, and with it the cycle the schedule
// finds. The real clock made this test pass or fail by the day of the week.
const NOW = Math.floor(Date.parse('2026-12-05T06:00:00Z') / 1000);
const BRANCH = 'augur/edge/gateway';
const SO = 'apps/gateway/scaledobject.yaml';
const gatewayId = { kind: 'Deployment' as const, namespace: 'edge', name: 'gateway' };

let bare: string;
let github: FakeGitHub;
let root: string;
let n = 0;

beforeAll(async () => {
  process.env.AUGUR_E2E_TOKEN = TOKEN;
  bare = makeRemote(join(DEMO_ASSETS, 'manifests'));
  github = await startFakeGitHub({ owner: 'acme', repo: 'manifests', bareRepo: bare, token: TOKEN });
  root = mkdtempSync(join(tmpdir(), 'augur-e2e-schedule-'));
});

afterAll(async () => {
  await github?.close();
});

/** One cycle with a fresh config and forge object, as after a restart. */
async function cycle(schedule: Record<string, unknown> = { enabled: true, maxWindows: 3 }): Promise<CycleReport> {
  const config = {
    metrics: { file: { dir: join(DEMO_ASSETS, 'traces'), shiftToNow: true, step: '5m', history: '14d' } },
    git: { url: bare, baseBranch: 'main', workdir: join(root, 'checkout') },
    forge: { type: 'github', owner: 'acme', repo: 'manifests', apiUrl: github.url, token: { env: 'AUGUR_E2E_TOKEN' }, labels: ['augur'] },
    schedule: { cron: '0 6 * * *', timezone: 'Europe/London' },
    limits: { maxOpenPRs: 5, maxPRsPerHour: 5 },
    policy: { maxStepPercent: { up: 50, down: 30 } },
    targets: [
      {
        kind: 'Deployment',
        namespace: 'edge',
        name: 'gateway',
        manifest: { format: 'plain', path: 'apps/gateway/deployment.yaml' },
        metrics: { load: { file: 'web-requests.csv' } },
        capacity: { perReplica: 1000 },
        sizing: { schedule },
      },
      {
        // Opted in, but no ScaledObject scales it.
        kind: 'Deployment',
        namespace: 'jobs',
        name: 'worker',
        manifest: { format: 'kustomize', path: 'deploy/overlays/production' },
        metrics: { load: { file: 'worker-queue.csv' } },
        capacity: { perReplica: 40 },
        sizing: { schedule: { enabled: true } },
      },
    ],
  };
  const file = join(root, `augur-${++n}.yaml`);
  writeFileSync(file, stringify(config));
  const loaded = parseConfig(readFileSync(file, 'utf8'), file);
  return runCycle({ config: loaded.config, metrics: buildMetrics(loaded, NOW), workspace: buildWorkspace(loaded), forge: buildForge(loaded, silent), now: NOW, log: silent });
}

/** The manifest repository at a ref, as the cycle reads it. */
function repoAt(ref: string): RepoView {
  const git = (args: string[]) => execFileSync('git', ['--git-dir', bare, ...args], { encoding: 'utf8' });
  return {
    read: (path) => {
      try {
        return git(['show', `${ref}:${path}`]);
      } catch {
        return undefined;
      }
    },
    list: (dir) =>
      git(['ls-tree', '--name-only', `${ref}:${dir}`])
        .split('\n')
        .filter(Boolean)
        .map((f) => (dir ? `${dir}/${f}` : f)),
  };
}

const writes = () => github.requests.filter((r) => r.method !== 'GET');
const pullsOf = (branch: string) => github.pulls.filter((p) => p.head === branch);

describe('a KEDA-scaled workload gets its scaling schedule as a PR', () => {
  let first: CycleReport;
  beforeAll(async () => {
    first = await cycle();
  }, 60_000);

  it('proposes a schedule and opens one PR whose diff is only the Augur trigger block', () => {
    const gateway = first.outcomes.find((o) => o.target.name === 'gateway')!;
    expect(gateway.error).toBeUndefined();
    expect(gateway.decision?.verdict).toBe('propose');
    const schedule = gateway.decision!.schedule!;
    expect(schedule.timezone).toBe('Europe/London');
    expect(schedule.floor).toBe(4); // the ScaledObject's minReplicaCount
    expect(schedule.proposed.length).toBeGreaterThan(0);
    expect(gateway.decision!.changes).toEqual([]); // no cpu or memory metrics: only the schedule
    expect(pullsOf(BRANCH)).toHaveLength(1);

    expect(diffNames(bare, 'main', BRANCH)).toEqual([SO]);
    const before = showFile(bare, 'main', SO);
    const after = showFile(bare, BRANCH, SO);
    // Every changed line is an added line of an Augur cron trigger; nothing is removed or rewritten.
    const diff = execFileSync('git', ['--git-dir', bare, 'diff', '-U0', `main...${BRANCH}`, '--', SO], { encoding: 'utf8' });
    const changed = diff.split('\n').filter((l) => /^[+-]/.test(l) && !/^(\+\+\+|---) /.test(l));
    expect(changed.length).toBeGreaterThan(0);
    expect(changed.every((l) => l.startsWith('+'))).toBe(true);
    const added = changed.map((l) => l.slice(1)).join('\n');
    const triggers = parse(added) as { type: string; name: string; metadata: Record<string, string> }[];
    expect(triggers.map((t) => t.type)).toEqual(schedule.proposed.map(() => 'cron'));
    expect(triggers.map((t) => t.name)).toEqual(schedule.proposed.map((t) => t.name));
    expect(triggers.every((t) => t.name.startsWith('augur-'))).toBe(true);
    expect(after.replace(`${added}\n`, '')).toBe(before);
    expect(after).toContain("metricType: Utilization # Allowed types are 'Utilization' or 'AverageValue'"); // comments kept

    // Read back the way the next cycle reads it: Augur's triggers are the proposed ones, cpu untouched.
    const site = locateWorkload(repoAt(BRANCH), gatewayId, { format: 'plain', path: 'apps/gateway/deployment.yaml' }).scaledObject!;
    expect(site.augurTriggers).toEqual(schedule.proposed);
    expect(site.otherTriggers).toEqual(['cpu']);
    expect(github.violations).toEqual([]);
  });

  it('writes a body with the schedule section a reviewer reads in seconds', () => {
    const pr = pullsOf(BRANCH)[0]!;
    expect(pr.title).toMatch(/^augur: KEDA schedule \(\d windows? up to \d+ replicas\) for edge\/gateway$/);
    const body = pr.body!;
    for (const part of [
      '| `spec.triggers` of ScaledObject/gateway: cron triggers `augur-*` | `apps/gateway/scaledobject.yaml` | 0 windows |',
      '### Scaling schedule (KEDA cron triggers)',
      'in `ScaledObject/gateway` (`apps/gateway/scaledobject.yaml`, under `spec.triggers`)',
      'The other triggers stay as they are: `cpu`',
      'Times are local to **Europe/London**',
      "the floor is **4** (the ScaledObject's `minReplicaCount`)",
      '| Window | Local time | Replicas now | Proposed |',
      '| `augur-window-1` |',
      'hour      00 01 02',
      'To roll back: revert this PR',
      '| `apps/gateway/scaledobject.yaml` | `spec.triggers` of ScaledObject/gateway | delete the `augur-*` cron triggers |',
      '### Model and its accuracy on this workload',
      '## How to roll back',
    ]) {
      expect(body, part).toContain(part);
    }
    expect(body).toMatch(/\*\*Why:\*\* (daily|weekly) cycle \(autocorrelation \d\.\d\d at (1|7) days?\)/);
    const meta = parseMeta(body)!;
    expect(meta.changes).toEqual([]);
    expect(meta.schedules).toEqual([
      { target: 'Deployment/edge/gateway', file: SO, scaledObject: 'ScaledObject/gateway', from: [], to: first.outcomes[0]!.decision!.schedule!.proposed },
    ]);
  });

  it('says why a target that opted in without a ScaledObject got no schedule', () => {
    const worker = first.outcomes.find((o) => o.target.name === 'worker')!;
    expect(worker.error).toBeUndefined();
    expect(worker.decision?.schedule).toBeUndefined();
    expect(worker.scheduleSkipped).toEqual({ kind: 'noScaledObject' });
    expect(pullsOf('augur/jobs/worker').every((p) => !parseMeta(p.body)?.schedules)).toBe(true);
    const dashboard = github.issues.find((i) => i.title === 'Augur dashboard')!;
    expect(dashboard.body).toContain('## Scaling schedules not proposed');
    expect(dashboard.body).toContain(`- \`jobs/worker\`: ${describeSkip(worker.scheduleSkipped!)}`);
    expect(dashboard.body).toMatch(/\| `edge\/gateway` \| ✅ propose \| KEDA schedule: \d windows? up to \d+ replicas \|/);
  });

  it('changes nothing on a second cycle with the same data: no push, no duplicate', async () => {
    const sha = branchSha(bare, BRANCH);
    const before = writes().length;
    const pulls = github.pulls.length;
    const report = await cycle();
    expect(report.proposals.find((p) => p.proposal.key === 'edge/gateway')?.action).toBe('unchanged');
    expect(branchSha(bare, BRANCH)).toBe(sha);
    expect(writes().slice(before).map((r) => r.operationId)).toEqual(['issues/update']); // only the dashboard
    expect(github.pulls).toHaveLength(pulls);
    expect(github.violations).toEqual([]);
  }, 60_000);

  it('updates the same PR in place when the schedule changes', async () => {
    expect(first.outcomes[0]!.decision!.schedule!.proposed.length).toBeGreaterThan(2);
    const sha = branchSha(bare, BRANCH);
    const old = pullsOf(BRANCH)[0]!;
    const oldBody = old.body;
    // Fewer windows allowed: another cover of the same forecast.
    const report = await cycle({ enabled: true, maxWindows: 2 });
    const gateway = report.outcomes.find((o) => o.target.name === 'gateway')!;
    expect(gateway.decision?.schedule?.proposed).toBeDefined();
    expect(gateway.decision!.schedule!.proposed).not.toEqual(first.outcomes[0]!.decision!.schedule!.proposed);
    expect(report.proposals.find((p) => p.proposal.key === 'edge/gateway')?.action).toBe('updated');
    expect(pullsOf(BRANCH)).toHaveLength(1);
    expect(pullsOf(BRANCH)[0]!.number).toBe(old.number);
    expect(pullsOf(BRANCH)[0]!.body).not.toBe(oldBody);
    expect(branchSha(bare, BRANCH)).not.toBe(sha);
    // The branch is rebuilt from main: still only the trigger block, now with one window.
    expect(diffNames(bare, 'main', BRANCH)).toEqual([SO]);
    const site = locateWorkload(repoAt(BRANCH), gatewayId, { format: 'plain', path: 'apps/gateway/deployment.yaml' }).scaledObject!;
    expect(site.augurTriggers).toEqual(gateway.decision!.schedule!.proposed);
    expect(github.violations).toEqual([]);
  }, 60_000);

  it('holds, keeping the open PR, when the triggers are written in a shape Augur does not edit', async () => {
    // Someone rewrites the triggers as a flow list on main: Augur cannot splice its block into it.
    const flow = showFile(bare, 'main', SO).replace(/  triggers:\n[\s\S]*$/, '  triggers: [{ type: cpu, metricType: Utilization, metadata: { value: "60" } }]\n');
    pushFiles(bare, { [SO]: flow }, 'Triggers on one line');
    const before = writes().length;
    const report = await cycle({ enabled: true, maxWindows: 2 });
    const gateway = report.outcomes.find((o) => o.target.name === 'gateway')!;
    expect(gateway.error).toBeUndefined();
    expect(gateway.decision?.verdict).toBe('hold');
    expect(heldBy(gateway.decision!)).toMatchObject({ rule: 'manifest', effect: 'held', schedule: true, problem: expect.stringContaining('flow list') });
    expect(gateway.scheduleSkipped).toMatchObject({ kind: 'notWritten' });
    expect(report.closed).toEqual([]);
    expect(pullsOf(BRANCH)[0]!.state).toBe('open');
    expect(writes().slice(before).map((r) => r.operationId)).toEqual(['issues/update']);
    const dashboard = github.issues.find((i) => i.title === 'Augur dashboard')!.body!;
    expect(dashboard).toContain('- `edge/gateway`: **manifest**: the schedule cannot be written');
    expect(github.violations).toEqual([]);
  }, 60_000);
});
