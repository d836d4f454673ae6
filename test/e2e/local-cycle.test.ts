// Cycles on the embedded default (bundled traces, local forge, real git): grouping, the PR limits,
// a restart that reads its state back, and a merged PR starting the cooldown.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { runCycle } from '../../src/agent/cycle.js';
import { buildMetrics, buildWorkspace } from '../../src/agent/wire.js';
import { DEMO_ASSETS, prepareDemo } from '../../src/cli/demo.js';
import { replayShiftSeconds } from '../../src/metrics/file.js';
import { loadConfig } from '../../src/config/load.js';
import { LocalForge } from '../../src/forge/local/forge.js';
import { branches, pushFiles, showFile } from '../support/git.js';
import { silent } from '../support/world.js';
import { heldBy } from '../../src/domain/decision.js';

// A fixed clock, so the replayed traces (shifted by whole weeks to end near it) are the same every day.
const NOW = Math.floor(Date.parse('2026-12-05T06:00:00Z') / 1000);

type RawConfig = Record<string, Record<string, unknown>>;

async function demo(edit: (config: RawConfig) => void) {
  const dir = join(mkdtempSync(join(tmpdir(), 'augur-local-')), 'demo');
  const { config: file, remote } = await prepareDemo(dir);
  const raw = parse(readFileSync(file, 'utf8')) as RawConfig;
  edit(raw);
  writeFileSync(file, stringify(raw));
  /** A cycle at `at`; traces are replayed relative to `replayAt` (default: the same). */
  const cycle = (at = NOW, replayAt = at) => {
    const loaded = loadConfig(file);
    // A new forge object each cycle: state must come from disk, as after a restart.
    const forge = new LocalForge(join(dir, 'forge'), () => at);
    return { forge, report: runCycle({ config: loaded.config, metrics: buildMetrics(loaded, replayAt), workspace: buildWorkspace(loaded), forge, now: at, log: silent }) };
  };
  return { dir, remote, cycle };
}

it('groups a namespace into one PR on one branch', async () => {
  const d = await demo((c) => {
    c.forge!.grouping = 'namespace';
  });
  const { report } = d.cycle();
  const r = await report;
  const shop = r.proposals.filter((p) => p.proposal.key === 'namespace--shop');
  expect(shop).toHaveLength(1);
  expect(shop[0]!.proposal.meta.targets).toEqual(['Deployment/shop/web', 'Deployment/shop/api']);
  expect(branches(d.remote)).toContain('augur/namespace--shop');
  expect(branches(d.remote)).not.toContain('augur/shop/web');
});

it('never opens more PRs than maxOpenPRs; the rest wait and say so', async () => {
  const d = await demo((c) => {
    c.limits = { maxOpenPRs: 1, maxPRsPerHour: 5 };
  });
  const r = await d.cycle().report;
  const verdicts = r.outcomes.map((o) => o.decision?.verdict);
  expect(r.proposals).toHaveLength(1);
  const waiting = r.outcomes.find((o) => o.decision && heldBy(o.decision)?.rule === 'limits.maxOpenPRs');
  expect(waiting, JSON.stringify(verdicts)).toBeDefined();
  expect(readFileSync(join(d.dir, 'forge', 'dashboard.md'), 'utf8')).toContain('## Waiting on limits, cooldowns or freeze windows');
});

it('after a restart, reads its PRs back: no duplicate, and a merge starts the cooldown', async () => {
  const d = await demo(() => {});
  const first = d.cycle();
  const r1 = await first.report;
  const opened = r1.proposals.filter((p) => p.action === 'opened');
  expect(opened.length).toBeGreaterThan(0);

  const again = d.cycle();
  const r2 = await again.report;
  expect(r2.proposals.every((p) => p.action === 'unchanged')).toBe(true);
  expect((await again.forge.listPullRequests(0)).length).toBe(opened.length);

  // A reviewer merges the web PR; the next cycle holds web for its cooldown.
  const web = opened.find((p) => p.proposal.key === 'shop/web')!;
  again.forge.markMerged(web.pr!.number, NOW);
  const r3 = await d.cycle(NOW + 3600).report;
  const webOutcome = r3.outcomes.find((o) => o.target.name === 'web')!;
  expect(webOutcome.decision?.verdict).toBe('hold');
  expect(heldBy(webOutcome.decision!)).toMatchObject({ rule: 'cooldown', mergedAgo: 3600 });
});

it('a PR closed unmerged by a reviewer is not proposed again with the same values', async () => {
  const d = await demo(() => {});
  const first = d.cycle();
  const r1 = await first.report;
  const web = r1.proposals.find((p) => p.proposal.key === 'shop/web')!;
  first.forge.markClosed(web.pr!.number, NOW);
  const r2 = await d.cycle(NOW + 600).report;
  const outcome = r2.outcomes.find((o) => o.target.name === 'web')!;
  expect(heldBy(outcome.decision!)).toMatchObject({ rule: 'rejectedBackoff', pr: web.pr!.number, closedAgo: 600 });
  expect(r2.proposals.find((p) => p.proposal.key === 'shop/web')).toBeUndefined();
});

it('after the horizon, comments on the merged PR, and opens a revert PR when OOM kills followed the change', async () => {
  const traces = join(DEMO_ASSETS, 'traces');
  const rows = readFileSync(join(traces, 'web-requests.csv'), 'utf8').trim().split('\n').slice(1);
  const last = Date.parse(rows[rows.length - 1]!.split(',')[0]!) / 1000;
  // The replayed trace ends 2 days after this cycle's clock, so the day after the merge has data.
  const shiftedEnd = last + replayShiftSeconds(last, NOW);
  const now = Math.floor((shiftedEnd - 2 * 86_400) / 300) * 300;
  const d = await demo((c) => {
    const web = (c.targets as unknown as { name: string; metrics: Record<string, unknown> }[]).find((t) => t.name === 'web')!;
    web.metrics.oomKills = { file: 'web-oom.csv' };
  });
  // OOM kills start 1.5 days before the trace's end: after the merge, not before the first cycle.
  writeFileSync(join(d.dir, 'traces', 'web-oom.csv'), ['timestamp,value', ...rows.map((r) => { const t = r.split(',')[0]!; return `${t},${Date.parse(t) / 1000 > last - 1.5 * 86_400 ? 1 : 0}`; })].join('\n') + '\n');

  const first = d.cycle(now, NOW);
  const web = (await first.report).proposals.find((p) => p.proposal.key === 'shop/web')!;
  expect(web.proposal.meta.forecast?.['Deployment/shop/web']).toBeDefined();
  // The reviewer merges: main gets the branch's files.
  pushFiles(d.remote, Object.fromEntries(['apps/web/hpa.yaml'].map((f) => [f, showFile(d.remote, 'augur/shop/web', f)])), 'Merge augur/shop/web');
  first.forge.markMerged(web.pr!.number, now);

  const later = d.cycle(now + 25 * 3600, NOW);
  const r = await later.report;
  expect(r.verified).toHaveLength(1);
  expect(r.verified[0]!.comment).toMatch(/Realized peak [\d.k]+ against the forecast p90 peak/);
  expect(r.verified[0]!.revert).toBeDefined();
  const comments = later.forge.comments(web.pr!.number);
  expect(comments.at(-1)).toContain('OOM kills rose from 0 to 1 after the change');
  const revertBranch = 'augur/revert--shop--web';
  expect(showFile(d.remote, revertBranch, 'apps/web/hpa.yaml')).toBe(showFile(d.remote, 'main~1', 'apps/web/hpa.yaml'));

  // Checked once: a later cycle neither comments again nor opens a second revert.
  const again = await d.cycle(now + 26 * 3600, NOW).report;
  expect(again.verified).toHaveLength(0);
  expect(later.forge.comments(web.pr!.number)).toHaveLength(comments.length);
});

it('a revert PR of a merged schedule puts the ScaledObject triggers back as they were', async () => {
  const traces = join(DEMO_ASSETS, 'traces');
  const rows = readFileSync(join(traces, 'web-requests.csv'), 'utf8').trim().split('\n').slice(1);
  const last = Date.parse(rows[rows.length - 1]!.split(',')[0]!) / 1000;
  const shiftedEnd = last + replayShiftSeconds(last, NOW);
  const now = Math.floor((shiftedEnd - 2 * 86_400) / 300) * 300;
  const d = await demo((c) => {
    const gateway = (c.targets as unknown as { name: string; metrics: Record<string, unknown> }[]).find((t) => t.name === 'gateway')!;
    gateway.metrics.oomKills = { file: 'gateway-oom.csv' };
  });
  writeFileSync(join(d.dir, 'traces', 'gateway-oom.csv'), ['timestamp,value', ...rows.map((r) => { const t = r.split(',')[0]!; return `${t},${Date.parse(t) / 1000 > last - 1.5 * 86_400 ? 1 : 0}`; })].join('\n') + '\n');

  const so = 'apps/gateway/scaledobject.yaml';
  const first = d.cycle(now, NOW);
  const gateway = (await first.report).proposals.find((p) => p.proposal.key === 'edge/gateway')!;
  expect(gateway.proposal.meta.schedules).toHaveLength(1);
  pushFiles(d.remote, { [so]: showFile(d.remote, 'augur/edge/gateway', so) }, 'Merge augur/edge/gateway');
  first.forge.markMerged(gateway.pr!.number, now);

  const later = d.cycle(now + 25 * 3600, NOW);
  const r = await later.report;
  const verified = r.verified.find((v) => v.target === 'Deployment/edge/gateway');
  expect(verified?.revert).toBeDefined();
  expect(showFile(d.remote, 'augur/revert--edge--gateway', so)).toBe(showFile(d.remote, 'main~1', so));
  const revert = (await later.forge.listPullRequests(0)).find((p) => p.branch === 'augur/revert--edge--gateway')!;
  expect(revert.meta?.schedules?.[0]?.to).toEqual([]);
  expect(revert.body).toContain('| `apps/gateway/scaledobject.yaml` | `spec.triggers` of ScaledObject/gateway (cron `augur-*`) |');
});
