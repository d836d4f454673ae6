// The manifest format contract: the same round trips against every format in
// manifests/formats/index.ts. A format registered without a fixture here fails the first test.
// Each fixture is a small repository in the format's usual shape, with the fields it should find.
import { describe, expect, it } from 'vitest';
import type { FieldKey, WorkloadId } from '../../src/domain/workload.js';
import { FORMATS } from '../../src/manifests/formats/index.js';
import { ManifestError, locateWorkload, type ManifestSpec } from '../../src/manifests/index.js';
import { roundTripAll, roundTripField } from '../../src/manifests/roundtrip.test-helper.js';
import { memRepo } from '../../src/manifests/testing.js';

const id: WorkloadId = { kind: 'Deployment', namespace: 'shop', name: 'web' };

const deployment = (replicas = '3') => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
  labels: { app: web } # a flow map and a comment, kept
spec:
  replicas: ${replicas}
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
        - name: web
          image: ghcr.io/acme/web:1.4.2
          resources:
            requests:
              cpu: 250m     # tuned by hand in March
              memory: "512Mi"
            limits:
              cpu: '1'
              memory: 1Gi
`;

interface Fixture {
  files: Record<string, string>;
  spec: ManifestSpec;
  fields: FieldKey[];
  /** The spec pointed at something that is not there. */
  missing: ManifestSpec;
  /** The files name the workload (a values file does not: the chart's release does). */
  namesWorkload: boolean;
}

const FIXTURES: Record<string, Fixture> = {
  plain: {
    files: { 'apps/web/deployment.yaml': deployment() },
    spec: { format: 'plain', path: 'apps/web/deployment.yaml' },
    fields: ['replicas', 'cpu.request', 'cpu.limit', 'memory.request', 'memory.limit'],
    missing: { format: 'plain', path: 'apps/api/deployment.yaml' },
    namesWorkload: true,
  },
  kustomize: {
    files: {
      'base/web/deployment.yaml': deployment(),
      'base/web/kustomization.yaml': 'resources:\n  - deployment.yaml\n',
      'overlays/prod/kustomization.yaml': 'resources:\n  - ../../base/web\nreplicas:\n  - name: web\n    count: 6 # prod runs more\npatches:\n  - path: resources.yaml\n',
      'overlays/prod/resources.yaml': 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n        - name: web\n          resources:\n            requests:\n              cpu: 500m\n',
    },
    spec: { format: 'kustomize', path: 'overlays/prod' },
    fields: ['replicas', 'cpu.request', 'cpu.limit', 'memory.request', 'memory.limit'],
    missing: { format: 'kustomize', path: 'overlays/staging' },
    namesWorkload: true,
  },
  helm: {
    files: {
      'charts/web/values.yaml':
        '# Default values for web.\nreplicaCount: 2\nimage:\n  repository: ghcr.io/acme/web\nautoscaling:\n  enabled: false\nresources:\n  requests:\n    cpu: "100m"\n    memory: 128Mi\n  limits:\n    memory: 256Mi\n',
    },
    spec: { format: 'helm', path: 'charts/web/values.yaml' },
    fields: ['replicas', 'cpu.request', 'memory.request', 'memory.limit'],
    missing: { format: 'helm', path: 'charts/web/values-prod.yaml' },
    namesWorkload: false,
  },
  helmrelease: {
    files: {
      // The chart's source first, the HelmRelease second: any document position.
      'clusters/prod/apps/web.yaml':
        '---\napiVersion: source.toolkit.fluxcd.io/v1\nkind: HelmRepository\nmetadata:\n  name: acme\nspec:\n  url: https://charts.acme.dev\n' +
        '---\napiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: web\n  namespace: shop\nspec:\n  interval: 1h\n' +
        '  chart:\n    spec:\n      chart: web\n      sourceRef: { kind: HelmRepository, name: acme }\n  values:\n    replicaCount: 3 # three zones\n' +
        '    autoscaling:\n      enabled: false\n    resources:\n      requests:\n        cpu: 250m\n        memory: "512Mi"\n      limits:\n        memory: 1Gi\n',
    },
    spec: { format: 'helmrelease', path: 'clusters/prod/apps/web.yaml' },
    fields: ['replicas', 'cpu.request', 'memory.request', 'memory.limit'],
    missing: { format: 'helmrelease', path: 'clusters/staging/apps/web.yaml' },
    namesWorkload: true,
  },
  'argocd-application': {
    files: {
      'argocd/web.yaml':
        'apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: web\n  namespace: argocd\nspec:\n  project: default\n  source:\n' +
        '    chart: web\n    repoURL: https://charts.acme.dev\n    targetRevision: 1.4.2\n    helm:\n      valuesObject:\n        replicaCount: 3 # three zones\n' +
        "        resources:\n          requests:\n            cpu: '250m'\n            memory: 512Mi\n          limits:\n            cpu: \"1\"\n" +
        '  destination:\n    server: https://kubernetes.default.svc\n    namespace: shop\n',
    },
    spec: { format: 'argocd-application', path: 'argocd/web.yaml' },
    fields: ['replicas', 'cpu.request', 'cpu.limit', 'memory.request'],
    missing: { format: 'argocd-application', path: 'argocd/api.yaml' },
    namesWorkload: true,
  },
};

it('every registered format has a contract fixture', () => {
  expect(FORMATS.map((f) => f.format).filter((f) => !FIXTURES[f])).toEqual([]);
});

for (const { format } of FORMATS) {
  const fixture = FIXTURES[format];
  describe.skipIf(!fixture)(`the ${format} format`, () => {
    const { files, spec, fields, missing, namesWorkload } = fixture!;
    const repo = memRepo(files);

    it('finds every field where it is written, the same way twice', () => {
      const m = locateWorkload(repo, id, spec);
      expect(Object.keys(m.fields).sort()).toEqual([...fields].sort());
      for (const loc of Object.values(m.fields)) {
        const text = repo.read(loc.file)!;
        const quote = loc.style === 'single' ? "'" : loc.style === 'double' ? '"' : '';
        expect(text.slice(loc.range[0], loc.range[1])).toBe(`${quote}${loc.raw}${quote}`);
      }
      expect(locateWorkload(repo, id, spec)).toEqual(m);
    });

    it.each(fields)('edits %s in place: only its scalar changes, it reads back, and editing back restores every byte', (field) => {
      roundTripField(repo, spec, id, field);
    });

    it('edits every field at once, and back', () => {
      roundTripAll(repo, spec, id);
    });

    it('says what it looked for when the target points at nothing', () => {
      expect(() => locateWorkload(repo, id, missing)).toThrow(ManifestError);
      expect(() => locateWorkload(repo, id, missing)).toThrow(missing.path);
    });

    it.skipIf(!namesWorkload)('says so when the workload is not in the files', () => {
      expect(() => locateWorkload(repo, { ...id, name: 'api' }, spec)).toThrow(/api|not found|no such/i);
    });
  });
}
