// End to end with real parts: a real Prometheus backfilled from a real trace, real git against a
// bare repository, and the GitHub API served by a local server that checks every request and
// response against GitHub's OpenAPI description. Nothing of ours is mocked.

import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_ASSETS } from '../../src/cli/demo.js';
import { branchSha, diffNames, pushFiles, showFile } from '../support/git.js';
import type { RunningPrometheus } from '../support/prometheus.js';
import { startWebPrometheus, startWorld, type World } from '../support/world.js';
import { heldBy } from '../../src/domain/decision.js';

let prom: RunningPrometheus;
let now: number;
const traces = join(DEMO_ASSETS, 'traces');

beforeAll(async () => {
  // web-surge is "new data" for the update-in-place case.
  ({ prom, now } = await startWebPrometheus([{ name: 'http_requests_per_second', labels: { namespace: 'shop', service: 'api' }, csvPath: join(traces, 'api-requests.csv') }]));
}, 120_000);

afterAll(async () => {
  await prom?.stop();
});

async function world(): Promise<World> {
  return startWorld(prom.url, now);
}

describe('a cycle against real Prometheus, git and the GitHub API', () => {
  let w: World;
  beforeAll(async () => {
    w = await world();
  });
  afterAll(async () => {
    await w.github.close();
  });

  it('opens the right PR with the right diff and a complete body', async () => {
    const report = await w.run();
    const web = report.outcomes[0]!;
    expect(web.error).toBeUndefined();
    expect(web.decision?.verdict).toBe('propose');
    expect(w.github.pulls).toHaveLength(1);
    const pr = w.github.pulls[0]!;
    expect(pr.head).toBe('augur/shop/web');
    expect(pr.base).toBe('main');
    expect(pr.labels).toContain('augur');
    expect(pr.requested_reviewers).toEqual(['oncall']);

    // Only the HPA and the Deployment's resources may change; spec.replicas belongs to the HPA.
    const changed = diffNames(w.bare, 'main', 'augur/shop/web');
    expect(changed.every((f) => f === 'apps/web/hpa.yaml' || f === 'apps/web/deployment.yaml')).toBe(true);
    const before = showFile(w.bare, 'main', 'apps/web/hpa.yaml');
    const after = showFile(w.bare, 'augur/shop/web', 'apps/web/hpa.yaml');
    const fields = web.decision!.changes.map((c) => c.field);
    expect(fields).toContain('hpa.maxReplicas');
    const maxChange = web.decision!.changes.find((c) => c.field === 'hpa.maxReplicas')!;
    expect(after).toBe(before.replace(/maxReplicas: \d+/, `maxReplicas: ${maxChange.proposed}`).replace(/minReplicas: \d+/, `minReplicas: ${web.decision!.changes.find((c) => c.field === 'hpa.minReplicas')?.proposed ?? 2}`));
    expect(after).toContain('# raised for the autumn sale'); // comments kept

    const body = pr.body!;
    for (const section of ['| Field | File | Current | Proposed | Change |', '### Why', '```mermaid', 'xychart-beta', '### Model and its accuracy', '| **Cost** |', '### Data behind this', '### Guardrails that shaped this', '### Queries', 'http_requests_per_second{namespace="shop", service="web"}', '## How to roll back', '<!-- augur:meta ']) {
      expect(body, section).toContain(section);
    }
    expect(w.github.issues.filter((i) => i.title === 'Augur dashboard')).toHaveLength(1);
    expect(w.github.violations).toEqual([]);
  });

  it('changes nothing on a second cycle with the same data', async () => {
    const sha = branchSha(w.bare, 'augur/shop/web');
    const writes = w.github.requests.filter((r) => r.method !== 'GET').length;
    const report = await w.run();
    expect(report.proposals[0]?.action).toBe('unchanged');
    expect(branchSha(w.bare, 'augur/shop/web')).toBe(sha);
    const newWrites = w.github.requests.filter((r) => r.method !== 'GET').slice(writes);
    // Only the dashboard is rewritten.
    expect(newWrites.map((r) => r.operationId)).toEqual(['issues/update']);
    expect(w.github.pulls).toHaveLength(1);
    expect(w.github.violations).toEqual([]);
  });

  it('updates the same PR in place when the data changes', async () => {
    const sha = branchSha(w.bare, 'augur/shop/web');
    const oldBody = w.github.pulls[0]!.body;
    const report = await w.run({ web: 'web-surge', policy: { maxStepPercent: { up: 400, down: 30 } } });
    expect(report.proposals[0]?.action).toBe('updated');
    expect(w.github.pulls).toHaveLength(1);
    expect(w.github.pulls[0]!.state).toBe('open');
    expect(w.github.pulls[0]!.body).not.toBe(oldBody);
    expect(w.github.pulls[0]!.body).toContain('service="web-surge"');
    expect(branchSha(w.bare, 'augur/shop/web')).not.toBe(sha);
    expect(w.github.violations).toEqual([]);
  });

  it('closes the PR, saying why, when the change is no longer needed', async () => {
    // Someone applied the proposed values by hand on main: nothing is left to propose.
    const proposed = showFile(w.bare, 'augur/shop/web', 'apps/web/hpa.yaml');
    const deployment = showFile(w.bare, 'augur/shop/web', 'apps/web/deployment.yaml');
    pushFiles(w.bare, { 'apps/web/hpa.yaml': proposed, 'apps/web/deployment.yaml': deployment }, 'Apply the new HPA bounds by hand');
    const report = await w.run({ web: 'web-surge', policy: { maxStepPercent: { up: 400, down: 30 } } });
    expect(report.outcomes[0]!.decision?.verdict).toBe('unchanged');
    expect(report.closed).toHaveLength(1);
    expect(w.github.pulls[0]!.state).toBe('closed');
    const comment = w.github.comments.find((c) => c.issue_number === w.github.pulls[0]!.number);
    expect(comment?.body).toContain('the recommendation no longer holds');
    expect(w.github.violations).toEqual([]);
  });
});

describe('guardrails that open nothing and say why', () => {
  it('a frozen target opens no PR; the dashboard says why', async () => {
    const w = await world();
    try {
      const from = new Date((now - 3600) * 1000).toISOString();
      const to = new Date((now + 3600) * 1000).toISOString();
      const report = await w.run({ webPolicy: { freezeWindows: [{ from, to, reason: 'release freeze' }] } });
      expect(report.outcomes[0]!.decision?.verdict).toBe('hold');
      expect(heldBy(report.outcomes[0]!.decision!)?.rule).toBe('freezeWindows');
      expect(w.github.pulls).toHaveLength(0);
      expect(branchSha(w.bare, 'augur/shop/web')).toBeUndefined();
      const dashboard = w.github.issues.find((i) => i.title === 'Augur dashboard')!;
      expect(dashboard.body).toContain('release freeze');
      expect(w.github.violations).toEqual([]);
    } finally {
      await w.github.close();
    }
  });

  it('an over-budget target opens no PR; the dashboard says why', async () => {
    const w = await world();
    try {
      // Busier pods: the CPU request rises, which costs money.
      const report = await w.run({ cpu: 'vector(0.5)', webPolicy: { budget: { perPR: { cores: 0, monthly: 0 } } } });
      const d = report.outcomes[0]!.decision!;
      expect(d.verdict).toBe('hold');
      expect(heldBy(d)).toMatchObject({ rule: 'budget.perPR', effect: 'held' });
      expect(w.github.pulls).toHaveLength(0);
      expect(w.github.issues[0]!.body).toContain('budget.perPR');
      expect(w.github.violations).toEqual([]);
    } finally {
      await w.github.close();
    }
  });
});
