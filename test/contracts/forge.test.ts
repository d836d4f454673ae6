// The Forge contract: the same scenarios, through the real cycle (real git on a bare repository,
// the demo's manifests and traces), against every forge in forge/registry.ts. A forge registered
// without a harness here fails the first test: add one (how to run it, how a reviewer closes a PR).
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { runCycle, type CycleReport } from '../../src/agent/cycle.js';
import { buildForge, buildMetrics, buildWorkspace } from '../../src/agent/wire.js';
import { DEMO_ASSETS } from '../../src/cli/demo.js';
import { parseConfig } from '../../src/config/load.js';
import { heldBy } from '../../src/domain/decision.js';
import type { Forge, PullRequestInfo } from '../../src/domain/forge.js';
import { FORGES } from '../../src/forge/registry.js';
import { LocalForge } from '../../src/forge/local/forge.js';
import { branches, makeRemote } from '../support/git.js';
import { startFakeGitHub, type FakeGitHub } from '../support/github-api.js';
import { silent } from '../support/world.js';

const NOW = Math.floor(Date.parse('2026-12-05T06:00:00Z') / 1000);
const TOKEN = 'contract-token';

/** How the contract runs one forge: its `forge:` config, a reviewer's hand, and how many dashboards it holds. */
interface Harness {
  forgeConfig(): Record<string, unknown>;
  /** A reviewer closes the PR without merging it. */
  reject(number: number): void;
  dashboards(): number;
  close(): Promise<void>;
}

const HARNESSES: Record<string, (bare: string, root: string) => Promise<Harness>> = {
  local: async (_bare, root) => {
    const dir = join(root, 'forge');
    return {
      forgeConfig: () => ({ type: 'local', path: dir, labels: ['augur'] }),
      reject: (n) => new LocalForge(dir, () => NOW).markClosed(n, NOW),
      dashboards: () => (readFileSync(join(dir, 'dashboard.md'), 'utf8').startsWith('# Augur dashboard') ? 1 : 0),
      close: async () => undefined,
    };
  },
  github: async (bare) => {
    process.env.AUGUR_CONTRACT_TOKEN = TOKEN;
    const gh: FakeGitHub = await startFakeGitHub({ owner: 'acme', repo: 'manifests', bareRepo: bare, token: TOKEN, now: () => new Date(NOW * 1000) });
    return {
      forgeConfig: () => ({ type: 'github', owner: 'acme', repo: 'manifests', apiUrl: gh.url, token: { env: 'AUGUR_CONTRACT_TOKEN' }, labels: ['augur'] }),
      reject: (n) => {
        const p = gh.pulls.find((x) => x.number === n)!;
        Object.assign(p, { state: 'closed', closed_at: new Date(NOW * 1000).toISOString() });
      },
      dashboards: () => {
        expect(gh.violations).toEqual([]);
        return gh.issues.filter((i) => i.title === 'Augur dashboard').length;
      },
      close: () => gh.close(),
    };
  },
};

it('every registered forge has a contract harness', () => {
  expect(FORGES.map((f) => f.type).filter((t) => !HARNESSES[t])).toEqual([]);
});

for (const { type } of FORGES) {
  describe(`the ${type} forge`, () => {
    const root = mkdtempSync(join(tmpdir(), `augur-contract-${type}-`));
    const bare = makeRemote(join(DEMO_ASSETS, 'manifests'));
    const harness = (HARNESSES[type] ?? (() => Promise.reject(new Error(`no harness for ${type}`))))(bare, root);
    afterAll(async () => (await harness).close());
    let n = 0;

    /** One cycle with a fresh forge object (as after a restart); `edit` changes the guardrails file. */
    async function cycle(edit: (c: Record<string, unknown>) => void = () => {}): Promise<{ report: CycleReport; forge: Forge }> {
      const h = await harness;
      const config: Record<string, unknown> = {
        metrics: { file: { dir: join(DEMO_ASSETS, 'traces'), shiftToNow: true, step: '5m', history: '14d' } },
        git: { url: bare, baseBranch: 'main', workdir: join(root, 'checkout') },
        forge: h.forgeConfig(),
        cluster: { enabled: false },
        schedule: { cron: '0 6 * * *', timezone: 'Europe/London' },
        limits: { maxOpenPRs: 5, maxPRsPerHour: 5 },
        policy: { maxStepPercent: { up: 50, down: 30 } },
        targets: [
          { namespace: 'shop', name: 'web', manifest: { format: 'plain', path: 'apps/web/deployment.yaml' }, metrics: { load: { file: 'web-requests.csv' } }, capacity: { perReplica: 450 } },
          { namespace: 'jobs', name: 'worker', manifest: { format: 'kustomize', path: 'deploy/overlays/production' }, metrics: { load: { file: 'worker-queue.csv' } }, capacity: { perReplica: 40 } },
        ],
      };
      edit(config);
      const file = join(root, `augur-${++n}.yaml`);
      writeFileSync(file, stringify(config));
      const loaded = parseConfig(readFileSync(file, 'utf8'), file);
      const forge = buildForge(loaded, silent);
      const report = await runCycle({ config: loaded.config, metrics: buildMetrics(loaded, NOW), workspace: buildWorkspace(loaded), forge, now: NOW, log: silent });
      return { report, forge };
    }
    const open = async (forge: Forge): Promise<PullRequestInfo[]> => (await forge.listPullRequests(0)).filter((p) => p.state === 'open');

    it('limits: opens no more PRs than maxOpenPRs; the rest wait and say so', async () => {
      const { report, forge } = await cycle((c) => {
        c.limits = { maxOpenPRs: 1, maxPRsPerHour: 5 };
      });
      expect(report.proposals.filter((p) => p.action === 'opened')).toHaveLength(1);
      expect(await open(forge)).toHaveLength(1);
      const waiting = report.outcomes.filter((o) => o.decision && heldBy(o.decision)?.rule === 'limits.maxOpenPRs');
      expect(waiting).toHaveLength(1);
    }, 60_000);

    it('opens one PR per workload on its own branch, with the metadata that finds it again', async () => {
      const { report, forge } = await cycle();
      expect(report.outcomes.map((o) => o.decision?.verdict)).toEqual(['propose', 'propose']);
      const prs = await open(forge);
      expect(prs.map((p) => p.branch).sort()).toEqual(['augur/jobs/worker', 'augur/shop/web']);
      for (const p of prs) expect(p.meta?.targets).toHaveLength(1);
      expect(branches(bare)).toEqual(expect.arrayContaining(['augur/jobs/worker', 'augur/shop/web']));
    }, 60_000);

    it('after a restart, changes nothing when the data are the same: no push, no duplicate, one dashboard', async () => {
      const { report, forge } = await cycle();
      expect(report.proposals.map((p) => p.action)).toEqual(['unchanged', 'unchanged']);
      expect(await open(forge)).toHaveLength(2);
      expect((await harness).dashboards()).toBe(1);
    }, 60_000);

    it('updates the same PR in place when the numbers change', async () => {
      const { forge } = await cycle();
      const before = (await open(forge)).find((p) => p.branch === 'augur/shop/web')!;
      const { report } = await cycle((c) => {
        c.policy = { maxStepPercent: { up: 100, down: 30 } };
      });
      const web = report.proposals.find((p) => p.proposal.branch === 'augur/shop/web')!;
      expect(web.action).toBe('updated');
      expect(web.pr?.number).toBe(before.number);
      const after = (await open(forge)).find((p) => p.branch === 'augur/shop/web')!;
      expect(after.meta?.fingerprint).not.toBe(before.meta?.fingerprint);
      expect(await open(forge)).toHaveLength(2);
    }, 60_000);

    it('closes a PR, saying why, when its change is no longer needed', async () => {
      const { report, forge } = await cycle((c) => {
        c.policy = { maxStepPercent: { up: 100, down: 30 }, allowedChanges: ['requests'] };
      });
      expect(report.outcomes.map((o) => o.decision?.verdict)).toEqual(['unchanged', 'unchanged']);
      expect(report.closed).toHaveLength(2);
      expect(await open(forge)).toEqual([]);
      const closed = await forge.listPullRequests(0);
      expect(closed.every((p) => p.state === 'closed' && p.meta?.closedByAugur === true)).toBe(true);
    }, 60_000);

    it('after a reviewer closes a PR, does not propose the same values again', async () => {
      const { report } = await cycle();
      const web = report.proposals.find((p) => p.proposal.branch === 'augur/shop/web')!;
      expect(web.action).toBe('opened');
      (await harness).reject(web.pr!.number);
      const again = await cycle();
      const outcome = again.report.outcomes.find((o) => o.target.name === 'web')!;
      expect(heldBy(outcome.decision!)).toMatchObject({ rule: 'rejectedBackoff', pr: web.pr!.number });
      expect(again.report.proposals.find((p) => p.proposal.branch === 'augur/shop/web')).toBeUndefined();
    }, 60_000);
  });
}
