// `augur demo` as a user runs it: one real cycle on the embedded default, and a PR that shows
// every part a reviewer needs.
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';
import { parseMeta } from '../../src/forge/meta.js';
import { gatewayReplicasCsv } from '../../scripts/demo-replicas.js';

const exec = promisify(execFile);

it('runs one cycle and writes PRs with every part of the body, branches and a dashboard', async () => {
  const dir = join(mkdtempSync(join(tmpdir(), 'augur-demo-')), 'demo');
  const { stdout } = await exec(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'demo', '--dir', dir]);
  expect(stdout).toMatch(/^shop\/web\s+propose\s+hpa\.minReplicas/m);
  expect(stdout).toMatch(/^shop\/api\s+propose\s+replicas 6→\d+/m);
  // One worker, two environments: a PR each, each touching only its own overlay.
  expect(stdout).toMatch(/^jobs\/worker \(production\)\s+propose\s+replicas 3→\d+/m);
  expect(stdout).toMatch(/^jobs\/worker \(staging\)\s+propose\s+replicas 1→\d+/m);
  expect(stdout).toMatch(/branch: augur\/production\/jobs\/worker .*\n\s+deploy\/overlays\/production\/kustomization\.yaml \| \d+ [+-]+\n\s+1 file changed/);
  expect(stdout).toMatch(/branch: augur\/staging\/jobs\/worker .*\n\s+deploy\/overlays\/staging\/kustomization\.yaml \| 3 \+\+\+\n\s+1 file changed/);
  // The mistyped capacity is held as implausible, naming the key to check, and opens no PR.
  expect(stdout).toMatch(/^shop\/cart\s+hold\s+-\s+-\s+plausibility: today's 4 pods served up to \d+ each .* check the unit of the load query and capacity\.perReplica$/m);
  expect(stdout).toMatch(/^edge\/gateway\s+propose\s+KEDA schedule \d windows? up to \d+ replicas/m);
  expect(stdout).toMatch(/branch: augur\/edge\/gateway .*\n\s+apps\/gateway\/scaledobject\.yaml \| \d+ \+*\n/);
  expect(stdout).toContain('branch: augur/shop/web');
  expect(stdout).toMatch(/Done in \d+\.\d s/);

  const body = readFileSync(join(dir, 'forge', 'pulls', '1.md'), 'utf8');
  const parts = [
    '| **Problem** |', // the decision box: the problem, the sizing, the cost, the red flags
    '| **Sizing** |',
    '| **Cost** |',
    '| **Red flags** |',
    '| Field | File | Current | Proposed | Change |', // current → proposed with percent
    'Forecast p90 peak', // why: forecast peak, quantile, horizon
    'One replica serves', // capacity
    '```mermaid\nxychart-beta', // chart of history, forecast, capacity
    '### Model and its accuracy on this workload',
    '### Data behind this',
    '### Guardrails that shaped this',
    '### Queries',
    '## How to roll back',
  ];
  for (const part of parts) expect(body, part).toContain(part);
  const meta = parseMeta(body);
  expect(meta?.key).toBe('shop/web');
  expect(meta?.changes.map((c) => c.file)).toContain('apps/web/hpa.yaml');
  const dashboard = readFileSync(join(dir, 'forge', 'dashboard.md'), 'utf8');
  expect(dashboard).toContain('`jobs/worker (staging)`');
  expect(dashboard).toMatch(/## ⚠️ Needs attention\n\n.*\n\n- `shop\/cart`: \*\*plausibility\*\*/);

  // Every PR opens with a decision box, and at least one shows a red flag a reviewer must weigh.
  const pulls = readdirSync(join(dir, 'forge', 'pulls')).map((f) => readFileSync(join(dir, 'forge', 'pulls', f), 'utf8'));
  expect(pulls).toHaveLength(5);
  expect(pulls.some((b) => parseMeta(b)?.key === 'shop/cart')).toBe(false);
  for (const b of pulls) expect(b).toMatch(/\| \*\*Problem\*\* \|.*\n\| \*\*Sizing\*\* \|.*\n\| \*\*Cost\*\* \| .*on average.*\n\| \*\*Red flags\*\* \|/);
  expect(pulls.filter((b) => /\| \*\*Red flags\*\* \| ⚠️/.test(b)).length).toBeGreaterThan(0);

  // The KEDA-scaled gateway gets a scaling schedule PR.
  const gateway = pulls.find((b) => parseMeta(b)?.key === 'edge/gateway');
  expect(gateway).toBeDefined();
  expect(gateway).toContain('### Scaling schedule (KEDA cron triggers)');
  expect(gateway).toContain('Times are local to **Europe/London**');
  expect(parseMeta(gateway)?.schedules?.[0]?.file).toBe('apps/gateway/scaledobject.yaml');
  // Costed above what the cpu trigger already runs each hour (the demo's replica curve), shown next to the windows.
  expect(gateway).toContain('each hour the most of the cron windows, the floor and what the workload runs then today');
  expect(gateway).toMatch(/\| Window \| Local time \| Replicas now \| Runs today \| Proposed \|/);
  expect(gateway).toMatch(/^runs(\s+\d+(\.\d)?){24}$/m);
  expect(gateway).not.toContain('costed against the floor');
  // Its trace is quieter on weekends: weekday and weekend windows, each with its own grid.
  expect(gateway).toContain('weekdays and weekends get windows of their own');
  expect(gateway).toMatch(/\| `augur-window-\d` \| \d\d:00–\d\d:00 \(Mon–Fri\) \|/);
  expect(gateway).toMatch(/\| `augur-window-\d` \| \d\d:00–\d\d:00 \(Sat–Sun\) \|/);
  expect(gateway).toContain('Weekends (Sat, Sun):');
}, 120_000);

it('ships the demo replica curve as scripts/demo-replicas.ts derives it from the load', () => {
  const traces = join('config', 'demo', 'traces');
  expect(readFileSync(join(traces, 'gateway-replicas.csv'), 'utf8')).toBe(gatewayReplicasCsv(readFileSync(join(traces, 'web-requests.csv'), 'utf8')));
});
