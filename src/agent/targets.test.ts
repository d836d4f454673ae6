// What a target means to the edges: its branch, its group key and its preset queries, per
// environment and per Augur instance (git.branchPrefix).
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../config/load.js';
import { branchFor, branchPrefixOf, groupKey, resolveMetric } from './targets.js';

const config = (git = '', forge = '') =>
  parseConfig(
    `prometheus: { url: http://prometheus:9090 }
git: { url: r.git${git} }
forge: { type: local, path: forge${forge} }
environments:
  prod-eu: { selector: 'cluster="prod-eu"' }
targets:
  - { namespace: shop, name: web, environment: staging, manifest: { format: plain, path: staging/web.yaml }, metrics: { load: { query: 'sum(rate(http_requests_total[5m]))' } }, capacity: { perReplica: 100 } }
  - { namespace: shop, name: web, environment: prod-eu, manifest: { format: plain, path: prod/web.yaml }, metrics: { load: { query: 'sum(rate(http_requests_total[5m]))' } }, capacity: { perReplica: 100 } }
`,
    'augur.yaml',
  ).config;

describe('targets per environment and instance', () => {
  it('keys and branches carry the environment and the instance prefix', () => {
    const c = config();
    const [staging, prod] = c.targets;
    expect(groupKey(c, staging!)).toBe('staging/shop/web');
    expect(groupKey(c, prod!)).toBe('prod-eu/shop/web');
    expect(branchFor(c, groupKey(c, prod!))).toBe('augur/prod-eu/shop/web');
    const eu = config(', branchPrefix: augur-eu');
    expect(branchPrefixOf(eu)).toBe('augur-eu/');
    expect(branchFor(eu, groupKey(eu, prod!))).toBe('augur-eu/prod-eu/shop/web');
    expect(groupKey(config('', ', grouping: namespace'), staging!)).toBe('staging/namespace--shop');
  });

  it("adds the environment's selector to the preset queries, and only to its own targets", () => {
    const c = config();
    const [staging, prod] = c.targets;
    const q = (t: typeof prod) => {
      const m = resolveMetric(c, t!, 'memory', 'web');
      return m && 'promql' in m.ref ? m.ref.promql : '';
    };
    expect(q(prod)).toBe('max(sum by (pod) (container_memory_working_set_bytes{namespace="shop", pod=~"web-[a-z0-9]+-[a-z0-9]{5}", container="web", cluster="prod-eu"}))');
    expect(q(staging)).not.toContain('cluster=');
  });
});
