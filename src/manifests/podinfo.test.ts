// Every workload in the podinfo fixtures (a real repository's plain YAML, Kustomize bases and
// overlays, and Helm values): locate its fields, edit each one, and check that only that scalar's
// bytes change and that editing back restores the file exactly.
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { FieldKey, WorkloadId } from '../domain/workload.js';
import { locateWorkload } from './index.js';
import type { ManifestSpec } from './index.js';
import { fsRepo } from './testing.js';
import { roundTripField } from './roundtrip.test-helper.js';
import { checkInsertion, roundTripPresent } from './insertion.test-helper.js';

const ROOT = fileURLToPath(new URL('../../test/fixtures/manifests/podinfo', import.meta.url));
const repo = fsRepo(ROOT);

/** Each field's file and value as written; '' for a field Augur adds (FieldLocation.insert). */
type Expected = Partial<Record<FieldKey, [file: string, raw: string]>>;

interface Case {
  title: string;
  spec: ManifestSpec;
  id: WorkloadId;
  autoscaler: 'hpa' | 'none';
  container?: string;
  fields: Expected;
  notes?: RegExp[];
}

function resources(file: string, limCpu: string, limMem: string, reqCpu: string, reqMem: string): Expected {
  return {
    'cpu.limit': [file, limCpu],
    'memory.limit': [file, limMem],
    'cpu.request': [file, reqCpu],
    'memory.request': [file, reqMem],
  };
}
function hpa(file: string, min: string, max: string): Expected {
  return { 'hpa.minReplicas': [file, min], 'hpa.maxReplicas': [file, max] };
}

interface BaseWorkload {
  base: string;
  kind: WorkloadId['kind'];
  name: string;
  container: string;
  autoscaler: 'hpa' | 'none';
  fields: Expected;
}

const B = 'deploy/bases';
const bases: BaseWorkload[] = [
  {
    base: `${B}/backend`, kind: 'Deployment', name: 'backend', container: 'backend', autoscaler: 'hpa',
    fields: { ...resources(`${B}/backend/deployment.yaml`, '2000m', '512Mi', '100m', '32Mi'), ...hpa(`${B}/backend/hpa.yaml`, '1', '2') },
  },
  {
    base: `${B}/frontend`, kind: 'Deployment', name: 'frontend', container: 'frontend', autoscaler: 'hpa',
    fields: { ...resources(`${B}/frontend/deployment.yaml`, '1000m', '128Mi', '100m', '32Mi'), ...hpa(`${B}/frontend/hpa.yaml`, '2', '4') },
  },
  {
    base: `${B}/cache`, kind: 'Deployment', name: 'cache', container: 'redis', autoscaler: 'none',
    fields: resources(`${B}/cache/deployment.yaml`, '1000m', '128Mi', '100m', '32Mi'),
  },
  {
    base: `${B}/database`, kind: 'StatefulSet', name: 'database-primary', container: 'database', autoscaler: 'none',
    fields: {
      replicas: [`${B}/database/statefulset-primary.yaml`, '1'],
      ...resources(`${B}/database/statefulset-primary.yaml`, '2000m', '512Mi', '100m', '32Mi'),
    },
  },
  {
    base: `${B}/database`, kind: 'Deployment', name: 'database-replica', container: 'database', autoscaler: 'hpa',
    fields: {
      ...resources(`${B}/database/deployment-replica.yaml`, '2000m', '512Mi', '100m', '32Mi'),
      ...hpa(`${B}/database/hpa-replica.yaml`, '2', '3'),
    },
  },
];

const podinfoHelm = { 'hpa.enabled': 'hpa.enabled', 'hpa.maxReplicas': 'hpa.maxReplicas', 'hpa.minReplicas': 'replicaCount' };

const cases: Case[] = [
  {
    title: 'kustomize/ (Deployment + HPA)',
    spec: { format: 'kustomize', path: 'kustomize' },
    id: { kind: 'Deployment', namespace: 'default', name: 'podinfo' },
    autoscaler: 'hpa', container: 'podinfod',
    fields: { ...resources('kustomize/deployment.yaml', '2000m', '512Mi', '100m', '64Mi'), ...hpa('kustomize/hpa.yaml', '2', '4') },
  },
  {
    title: 'kustomize/deployment.yaml as plain YAML (HPA in the sibling file)',
    spec: { format: 'plain', path: 'kustomize/deployment.yaml' },
    id: { kind: 'Deployment', namespace: 'default', name: 'podinfo' },
    autoscaler: 'hpa', container: 'podinfod',
    fields: { ...resources('kustomize/deployment.yaml', '2000m', '512Mi', '100m', '64Mi'), ...hpa('kustomize/hpa.yaml', '2', '4') },
  },
  ...bases.map((b): Case => ({
    title: `base ${b.base}: ${b.kind}/${b.name}`,
    // Three overlays build from each base: editing it is allowed here (manifest.sharedBase: allow), and said.
    spec: { format: 'kustomize', path: b.base, sharedBase: 'allow' },
    id: { kind: b.kind, namespace: 'default', name: b.name },
    autoscaler: b.autoscaler, container: b.container, fields: b.fields,
    notes: [/shared by other overlays: deploy\/overlays\/dev, deploy\/overlays\/production, deploy\/overlays\/staging/],
  })),
  ...['dev', 'staging', 'production'].flatMap((env) =>
    bases.map((b): Case => ({
      title: `overlay ${env}: ${b.kind}/${b.name}`,
      spec: { format: 'kustomize', path: `deploy/overlays/${env}`, sharedBase: 'allow' },
      id: { kind: b.kind, namespace: env, name: b.name },
      autoscaler: b.autoscaler, container: b.container,
      // Without an HPA, the overlay gets its own replicas: entry (added) rather than an edit of the base.
      fields: b.autoscaler === 'none' ? { ...b.fields, replicas: [`deploy/overlays/${env}/kustomization.yaml`, ''] } : b.fields,
      notes: [new RegExp(`edits base ${b.base} .*shared by other overlays`)],
    })),
  ),
  ...(['webapp', 'secure'] as const).flatMap((ns) => [
    {
      title: `deploy/${ns}/backend (plain file)`,
      spec: { format: 'plain', path: `deploy/${ns}/backend/deployment.yaml` },
      id: { kind: 'Deployment', namespace: ns, name: 'backend' },
      autoscaler: 'hpa', container: 'backend',
      fields: { ...resources(`deploy/${ns}/backend/deployment.yaml`, '2000m', '512Mi', '100m', '32Mi'), ...hpa(`deploy/${ns}/backend/hpa.yaml`, '1', '2') },
    } satisfies Case,
    {
      title: `deploy/${ns}/backend (plain directory)`,
      spec: { format: 'plain', path: `deploy/${ns}/backend` },
      id: { kind: 'Deployment', namespace: ns, name: 'backend' },
      autoscaler: 'hpa', container: 'backend',
      fields: { ...resources(`deploy/${ns}/backend/deployment.yaml`, '2000m', '512Mi', '100m', '32Mi'), ...hpa(`deploy/${ns}/backend/hpa.yaml`, '1', '2') },
    } satisfies Case,
  ]),
  {
    // Upstream's deploy/webapp/frontend/hpa.yaml targets Deployment "backend": it does not scale frontend.
    // Nor does deploy/bases/frontend/hpa.yaml, which writes no namespace (its overlays set one), while
    // this Deployment writes webapp. So no autoscaler: spec.replicas, absent, is added.
    title: 'deploy/webapp/frontend (its hpa.yaml targets backend)',
    spec: { format: 'plain', path: 'deploy/webapp/frontend/deployment.yaml' },
    id: { kind: 'Deployment', namespace: 'webapp', name: 'frontend' },
    autoscaler: 'none', container: 'frontend',
    fields: { replicas: ['deploy/webapp/frontend/deployment.yaml', ''], ...resources('deploy/webapp/frontend/deployment.yaml', '1000m', '128Mi', '100m', '32Mi') },
    notes: [/HorizontalPodAutoscaler\/frontend .* scaleTargetRef is Deployment\/backend/],
  },
  {
    title: 'deploy/secure/frontend',
    spec: { format: 'plain', path: 'deploy/secure/frontend' },
    id: { kind: 'Deployment', namespace: 'secure', name: 'frontend' },
    autoscaler: 'hpa', container: 'frontend',
    fields: { ...resources('deploy/secure/frontend/deployment.yaml', '1000m', '128Mi', '100m', '32Mi'), ...hpa('deploy/secure/frontend/hpa.yaml', '1', '4') },
  },
  {
    title: 'charts/podinfo/values.yaml, default key paths',
    spec: { format: 'helm', path: 'charts/podinfo/values.yaml' },
    id: { kind: 'Deployment', namespace: 'default', name: 'podinfo' },
    autoscaler: 'none',
    fields: {
      replicas: ['charts/podinfo/values.yaml', '1'],
      'cpu.request': ['charts/podinfo/values.yaml', '1m'],
      'memory.request': ['charts/podinfo/values.yaml', '16Mi'],
    },
    // resources.limits is empty: no limit, so none is proposed and nothing is said about it.
    notes: [/key path autoscaling\.enabled not found/],
  },
  {
    title: "charts/podinfo/values.yaml, the chart's own keys (hpa.enabled: false)",
    spec: { format: 'helm', path: 'charts/podinfo/values.yaml', helm: podinfoHelm },
    id: { kind: 'Deployment', namespace: 'default', name: 'podinfo' },
    autoscaler: 'none',
    fields: {
      replicas: ['charts/podinfo/values.yaml', '1'],
      'cpu.request': ['charts/podinfo/values.yaml', '1m'],
      'memory.request': ['charts/podinfo/values.yaml', '16Mi'],
    },
    notes: [/hpa\.enabled is not true.*hpa\.maxReplicas \(hpa\.maxReplicas\) not returned/],
  },
  {
    title: "charts/podinfo/values-prod.yaml, the chart's own keys (hpa.enabled: true; replicaCount is the HPA minimum)",
    spec: { format: 'helm', path: 'charts/podinfo/values-prod.yaml', helm: podinfoHelm },
    id: { kind: 'Deployment', namespace: 'default', name: 'podinfo' },
    autoscaler: 'hpa',
    fields: {
      'hpa.minReplicas': ['charts/podinfo/values-prod.yaml', '1'],
      'hpa.maxReplicas': ['charts/podinfo/values-prod.yaml', '5'],
      'cpu.request': ['charts/podinfo/values-prod.yaml', '100m'],
      'memory.request': ['charts/podinfo/values-prod.yaml', '64Mi'],
      'memory.limit': ['charts/podinfo/values-prod.yaml', '256Mi'],
    },
  },
  {
    title: 'charts/podinfo/values-prod.yaml, default key paths',
    spec: { format: 'helm', path: 'charts/podinfo/values-prod.yaml' },
    id: { kind: 'Deployment', namespace: 'default', name: 'podinfo' },
    autoscaler: 'none',
    fields: {
      replicas: ['charts/podinfo/values-prod.yaml', '1'],
      'cpu.request': ['charts/podinfo/values-prod.yaml', '100m'],
      'memory.request': ['charts/podinfo/values-prod.yaml', '64Mi'],
      'memory.limit': ['charts/podinfo/values-prod.yaml', '256Mi'],
    },
    notes: [/key path autoscaling\.enabled not found .*set helm\.hpa\.enabled/],
  },
];

describe('podinfo fixtures', () => {
  it('covers every Deployment and StatefulSet in the fixtures', () => {
    const covered = new Set(cases.map((c) => `${c.id.kind}/${c.id.name}`));
    for (const w of ['Deployment/podinfo', 'Deployment/backend', 'Deployment/frontend', 'Deployment/cache', 'StatefulSet/database-primary', 'Deployment/database-replica']) {
      expect(covered).toContain(w);
    }
  });

  for (const c of cases) {
    describe(c.title, () => {
      it('locates the fields', () => {
        const m = locateWorkload(repo, c.id, c.spec);
        expect(m.autoscaler).toBe(c.autoscaler);
        expect(m.container).toBe(c.container);
        const got = Object.fromEntries(Object.entries(m.fields).map(([k, l]) => [k, [l.file, l.raw]]));
        expect(got).toEqual(c.fields);
        for (const l of Object.values(m.fields)) expect(m.filesRead).toContain(l.file);
        for (const re of c.notes ?? []) expect(m.notes.some((n) => re.test(n)), `${re} in ${JSON.stringify(m.notes)}`).toBe(true);
        if (!c.notes) expect(m.notes).toEqual([]);
        if (c.autoscaler === 'hpa') expect(m.fields.replicas).toBeUndefined();
        expect(m.blocked).toBeUndefined();
      });
      for (const [field, [, raw]] of Object.entries(c.fields) as [FieldKey, [string, string]][]) {
        if (raw === '') it(`adds ${field}, absent`, () => void checkInsertion(repo, c.spec, c.id, field, field.startsWith('cpu.') ? 0.2 : field.startsWith('memory.') ? 2 ** 28 : 2));
        else it(`edits ${field} in place and back`, () => roundTripField(repo, c.spec, c.id, field));
      }
      it('edits every field at once and back', () => {
        roundTripPresent(repo, c.spec, c.id);
      });
    });
  }

  it('overlays set the namespace: a workload under another namespace is not found', () => {
    expect(() => locateWorkload(repo, { kind: 'Deployment', namespace: 'production', name: 'frontend' }, { format: 'kustomize', path: 'deploy/overlays/dev' })).toThrow(
      /Deployment production\/frontend not found in the kustomization at deploy\/overlays\/dev; files searched: .*deploy\/bases\/frontend\/deployment\.yaml.*workloads there: .*Deployment dev\/frontend/,
    );
  });

  it('plain YAML with metadata.namespace: another namespace is not a match', () => {
    expect(() => locateWorkload(repo, { kind: 'Deployment', namespace: 'webapp', name: 'backend' }, { format: 'plain', path: 'deploy/secure/backend' })).toThrow(
      /Deployment webapp\/backend not found in deploy\/secure\/backend\/deployment\.yaml, deploy\/secure\/backend\/hpa\.yaml, deploy\/secure\/backend\/service\.yaml/,
    );
  });

  it('an explicit hpaPath is used instead of the search', () => {
    const m = locateWorkload(repo, { kind: 'Deployment', namespace: 'webapp', name: 'backend' }, {
      format: 'plain',
      path: 'deploy/webapp/backend/deployment.yaml',
      hpaPath: 'deploy/webapp/frontend/hpa.yaml',
    });
    // That HPA (named frontend) targets backend.
    expect(m.autoscaler).toBe('hpa');
    expect(m.fields['hpa.maxReplicas']).toMatchObject({ file: 'deploy/webapp/frontend/hpa.yaml', raw: '4' });
  });
});
