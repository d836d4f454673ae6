// Leader election through @kubernetes/client-node against the local API server: two replicas
// never lead at once, a Lease conflict (409) is lost leadership rather than an error, and a
// released or expired Lease is taken over.
import { KubeConfig } from '@kubernetes/client-node';
import { afterEach, expect, it } from 'vitest';
import { LeaderElector } from '../../src/cluster/lease.js';
import { shardOf } from '../../src/cluster/shard.js';
import { grantsOf, LEASE_RULES } from '../../src/cluster/permissions.js';
import { startFakeKube, type FakeKube } from '../support/kube-api.js';

let fake: FakeKube | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

function elector(k: FakeKube, identity: string, clock: { t: number }): LeaderElector {
  const kc = new KubeConfig();
  kc.loadFromString(k.kubeconfig());
  return new LeaderElector(kc, { namespace: 'augur', name: 'augur', identity, leaseDurationSeconds: 30, now: () => new Date(clock.t) });
}

it('lets one replica of two lead, renews it, and hands over on release or expiry', async () => {
  fake = await startFakeKube({ namespaces: ['augur'], rbac: LEASE_RULES.map((r) => ({ ...r, namespaces: ['augur'] })) });
  const clock = { t: Date.parse('2026-11-22T06:00:00Z') };
  const a = elector(fake, 'augur-0', clock);
  const b = elector(fake, 'augur-1', clock);

  // Both race for a missing Lease: one create wins, the other gets 409 and does not lead.
  const [ra, rb] = await Promise.all([a.tryAcquireOrRenew(), b.tryAcquireOrRenew()]);
  expect([ra, rb].filter(Boolean)).toHaveLength(1);
  const [leader, other] = ra ? [a, b] : [b, a];
  expect(fake.requests.some((r) => r.resource === 'leases' && r.status === 409)).toBe(true);

  clock.t += 10_000;
  expect(await leader.tryAcquireOrRenew()).toBe(true); // renews
  expect(await other.tryAcquireOrRenew()).toBe(false); // still held

  // Expiry: the leader stops renewing; after the lease duration the other takes over.
  clock.t += 31_000;
  expect(await other.tryAcquireOrRenew()).toBe(true);
  expect(await leader.tryAcquireOrRenew()).toBe(false);
  expect(fake.get('coordination.k8s.io/v1', 'Lease', 'augur', 'augur')?.spec).toMatchObject({ leaseTransitions: 1 });

  // Release on a graceful stop: the first one need not wait for expiry.
  await other.release();
  expect(await leader.tryAcquireOrRenew()).toBe(true);
  expect(fake.requests.filter((r) => r.status === 403)).toEqual([]);
  // The Lease rules are exactly the calls leader election makes.
  const used = new Set(fake.requests.map((r) => `${r.apiGroup}/${r.resource}:${r.verb}`));
  expect([...used].sort()).toEqual([...grantsOf(LEASE_RULES)].sort());
});

it('spreads targets over shards stably', () => {
  const ids = Array.from({ length: 300 }, (_, i) => `Deployment/ns${i % 7}/w${i}`);
  const counts = [0, 0, 0];
  for (const id of ids) counts[shardOf(id, 3)]!++;
  expect(Math.min(...counts)).toBeGreaterThan(70);
  expect(shardOf('Deployment/shop/web', 3)).toBe(shardOf('Deployment/shop/web', 3));
});
