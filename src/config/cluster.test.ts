// The cluster section of the guardrails file: the dry-run modes (and the old boolean), required.
import { describe, expect, it } from 'vitest';
import { configSchema } from './schema.js';

const target = { namespace: 'shop', name: 'web', manifest: { format: 'plain', path: 'web.yaml' }, metrics: { load: { file: 'web.csv' } }, capacity: { perReplica: 100 } };
const base = { git: { url: 'remote.git' }, forge: { type: 'local', path: 'forge' }, metrics: { file: { dir: 'traces' } }, targets: [target] };
const cluster = (c: unknown) => configSchema.safeParse({ ...base, cluster: c });

describe('cluster.dryRun and cluster.required', () => {
  it('defaults: the dry run is an update, and Augur works from Git alone when the cluster cannot be read', () => {
    const r = cluster({});
    expect(r.success, JSON.stringify(r.error?.issues)).toBe(true);
    expect(r.data!.cluster).toMatchObject({ dryRun: 'update', required: false });
  });

  it('takes update and copy, and the old boolean: true is update, false is off', () => {
    expect(cluster({ dryRun: 'copy' }).data!.cluster.dryRun).toBe('copy');
    expect(cluster({ dryRun: true }).data!.cluster.dryRun).toBe('update');
    expect(cluster({ dryRun: false }).data!.cluster.dryRun).toBe('off');
    const bad = cluster({ dryRun: 'create' });
    expect(bad.success).toBe(false);
    expect(bad.error!.issues[0]!.message).toBe('cluster.dryRun must be update, copy or false (true means update)');
  });

  it('refuses required with the cluster disabled, naming both fixes', () => {
    const r = cluster({ enabled: false, required: true });
    expect(r.success).toBe(false);
    expect(r.error!.issues[0]).toMatchObject({ path: ['cluster', 'required'], message: expect.stringMatching(/set cluster.enabled: true, or cluster.required: false/) });
    expect(cluster({ enabled: false }).success).toBe(true);
  });
});
