// Shapes of real manifest repositories that the other tests did not cover: a resources map shared
// by a sidecar through an anchor or alias, CRLF files, a JSON 6902 patch that adds a container in
// front of the app, a kustomization whose Deployment has no spec.replicas, a .json manifest. Each
// test failed before its fix.
import { describe, expect, it } from 'vitest';
import type { WorkloadId } from '../domain/workload.js';
import { applyEdits, editFor, locateWorkload } from './index.js';
import type { ManifestSpec } from './index.js';
import { memRepo } from './testing.js';

const web: WorkloadId = { kind: 'Deployment', namespace: 'default', name: 'web' };
const plain = (path: string, extra: Partial<ManifestSpec> = {}): ManifestSpec => ({ format: 'plain', path, ...extra });
const kust = (path: string, extra: Partial<ManifestSpec> = {}): ManifestSpec => ({ format: 'kustomize', path, ...extra });

/** A Deployment with a sidecar, the resources lines given. */
function twoContainers(appResources: string[], proxyResources: string[]): string {
  return [
    'apiVersion: apps/v1',
    'kind: Deployment',
    'metadata:',
    '  name: web',
    'spec:',
    '  replicas: 2',
    '  template:',
    '    spec:',
    '      containers:',
    '        - name: web',
    '          image: web:1',
    ...appResources,
    '        - name: proxy',
    '          image: proxy:1',
    ...proxyResources,
    '',
  ].join('\n');
}

const baseDeployment = [
  'apiVersion: apps/v1',
  'kind: Deployment',
  'metadata:',
  '  name: web',
  'spec:',
  '  replicas: 2',
  '  template:',
  '    spec:',
  '      containers:',
  '        - name: web',
  '          image: web:1',
  '          resources:',
  '            requests:',
  '              cpu: 100m',
  '              memory: 64Mi',
  '',
].join('\n');

/** A base two overlays build from, so a field only the base sets gets an override in the target overlay. */
const sharedBase = {
  'base/kustomization.yaml': 'resources:\n  - deployment.yaml\n',
  'base/deployment.yaml': baseDeployment,
  'overlays/staging/kustomization.yaml': 'resources:\n  - ../../base\n',
};

describe('anchors around a workload field', () => {
  it('plain: a resources map anchored on the app and reused by the sidecar (*res) is not edited through the app', () => {
    const text = twoContainers(['          resources: &res', '            requests:', '              cpu: 100m', '              memory: 128Mi'], ['          resources: *res']);
    const repo = memRepo({ 'web.yaml': text });
    const m = locateWorkload(repo, web, plain('web.yaml', { container: 'web' }));
    // Editing cpu under &res would change the proxy's request too (*res).
    expect(m.fields['cpu.request']).toBeUndefined();
    expect(m.fields['memory.request']).toBeUndefined();
    expect(m.blocked?.['cpu.request']).toMatch(/web\.yaml:\d+: spec\.template\.spec\.containers\[0\]\.resources\.requests\.cpu is inside the anchor &res .*alias \*res/);
    expect(m.fields.replicas).toMatchObject({ raw: '2' });
    // An anchor no alias uses is harmless: the value is edited.
    const unused = twoContainers(['          resources: &res', '            requests:', '              cpu: 100m'], ['          resources: {}']);
    const u = locateWorkload(memRepo({ 'web.yaml': unused }), web, plain('web.yaml', { container: 'web' }));
    expect(u.fields['cpu.request']).toMatchObject({ raw: '100m' });
  });

  it('plain: a key is not added to a requests map that an alias reuses', () => {
    const text = twoContainers(['          resources:', '            requests: &req', '              memory: 128Mi'], ['          resources:', '            requests: *req']);
    const m = locateWorkload(memRepo({ 'web.yaml': text }), web, plain('web.yaml', { container: 'web' }));
    // `cpu:` added under &req would give the proxy a CPU request too.
    expect(m.fields['cpu.request']).toBeUndefined();
    expect(m.blocked?.['cpu.request']).toMatch(/requests\.cpu would be added inside the anchor &req .*alias \*req/);
  });
});

describe('anchors around a workload field, in a Kustomize base', () => {
  const proxyFirst = [
    'apiVersion: apps/v1',
    'kind: Deployment',
    'metadata:',
    '  name: web',
    'spec:',
    '  replicas: 2',
    '  template:',
    '    spec:',
    '      containers:',
    '        - name: proxy',
    '          image: proxy:1',
    '          resources: &res',
    '            requests:',
    '              cpu: 100m',
    '        - name: web',
    '          image: web:1',
    '          resources: *res',
    '',
  ].join('\n');
  const repo = memRepo({ 'base/kustomization.yaml': 'resources:\n  - deployment.yaml\n', 'base/deployment.yaml': proxyFirst });

  it("the app's resources are an alias (*res): its request is blocked with the fix, not silently left out", () => {
    const m = locateWorkload(repo, web, kust('base', { container: 'web' }));
    expect(m.fields['cpu.request']).toBeUndefined();
    expect(m.blocked?.['cpu.request']).toMatch(
      /^cpu\.request: base\/deployment\.yaml:17: spec\.template\.spec\.containers\[1\]\.resources\.requests\.cpu goes through spec\.template\.spec\.containers\[1\]\.resources, the alias \*res, which Augur does not follow/,
    );
    // Not written at the anchor either: nothing to say about it.
    expect(m.blocked?.['memory.request']).toBeUndefined();
    expect(m.blocked?.['cpu.limit']).toBeUndefined();
  });

  it('the anchor\'s own container: editing its request would change the app\'s too, so it is blocked', () => {
    const m = locateWorkload(repo, web, kust('base', { container: 'proxy' }));
    expect(m.fields['cpu.request']).toBeUndefined();
    expect(m.blocked?.['cpu.request']).toMatch(/containers\[0\]\.resources\.requests\.cpu is inside the anchor &res \(line 12\), which an alias \*res reuses/);
  });
});

describe('CRLF files', () => {
  it('kustomize: a key added inside an inline patch of a CRLF kustomization ends its line with CRLF', () => {
    const prod = [
      'resources:',
      '  - ../../base',
      'patches:',
      '  - patch: |-',
      '      apiVersion: apps/v1',
      '      kind: Deployment',
      '      metadata:',
      '        name: web',
      '      spec:',
      '        template:',
      '          spec:',
      '            containers:',
      '              - name: web',
      '                resources:',
      '                  requests:',
      '                    cpu: 500m',
      '',
    ].join('\r\n');
    const repo = memRepo({ ...sharedBase, 'overlays/prod/kustomization.yaml': prod });
    const m = locateWorkload(repo, web, kust('overlays/prod'));
    const loc = m.fields['memory.request'];
    expect(loc).toMatchObject({ file: 'overlays/prod/kustomization.yaml', insert: { prefix: '                    memory: ' } });
    const out = applyEdits(repo, [editFor(loc!, 256 * 2 ** 20)]).get('overlays/prod/kustomization.yaml');
    expect(out).toBe(prod.replace('                    cpu: 500m', '                    memory: 256Mi\r\n                    cpu: 500m'));
  });

  it('plain: a key added before the last line of a CRLF file without a final newline ends its line with CRLF', () => {
    const text = baseDeployment.trimEnd().replace('              cpu: 100m\n', '').replace(/\n/g, '\r\n');
    expect(text.endsWith('memory: 64Mi')).toBe(true);
    const repo = memRepo({ 'web.yaml': text });
    const loc = locateWorkload(repo, web, plain('web.yaml')).fields['cpu.request'];
    expect(loc?.insert).toBeDefined();
    const out = applyEdits(repo, [editFor(loc!, 0.25)]).get('web.yaml');
    expect(out).toBe(text.replace('            requests:\r\n', '            requests:\r\n              cpu: 250m\r\n'));
  });
});

describe('JSON 6902 patches', () => {
  const prod = (...ops: string[]) =>
    [
      'resources:',
      '  - ../../base',
      'patches:',
      '  - target:',
      '      kind: Deployment',
      '      name: web',
      '    patch: |-',
      '      - op: add',
      '        path: /spec/template/spec/containers/0',
      '        value:',
      '          name: proxy',
      '          image: proxy:1',
      '          resources:',
      '            requests:',
      '              cpu: 50m',
      '              memory: 32Mi',
      ...ops,
      '',
    ].join('\n');
  const files = { 'base/kustomization.yaml': 'resources:\n  - deployment.yaml\n', 'base/deployment.yaml': baseDeployment };

  it('an add at containers/0 inserts a sidecar before the app: its resources are not taken for the app', () => {
    const m = locateWorkload(memRepo({ ...files, 'overlays/prod/kustomization.yaml': prod() }), web, kust('overlays/prod', { container: 'web' }));
    // The build puts the proxy at containers[0] and the app, with the base's values, at [1].
    expect(m.fields['cpu.request']).toMatchObject({ file: 'base/deployment.yaml', yamlPath: 'spec.template.spec.containers[0].resources.requests.cpu', raw: '100m' });
    expect(m.fields['memory.request']).toMatchObject({ file: 'base/deployment.yaml', raw: '64Mi' });
  });

  it('an operation after that add names the app by its new index: the field is held, not read at the old one', () => {
    const after = ['      - op: replace', '        path: /spec/template/spec/containers/0/resources/requests/cpu', '        value: 20m', '      - op: replace', '        path: /spec/template/spec/containers/1/resources/requests/memory', '        value: 96Mi'];
    const m = locateWorkload(memRepo({ ...files, 'overlays/prod/kustomization.yaml': prod(...after) }), web, kust('overlays/prod', { container: 'web' }));
    for (const f of ['cpu.request', 'memory.request'] as const) {
      expect(m.fields[f]).toBeUndefined();
      expect(m.blocked?.[f]).toMatch(/JSON patch operation \[\d\] .* comes after operation \[0\] \(add \/spec\/template\/spec\/containers\/0\), which moves container web from containers\[0\]/);
    }
  });
});

describe('Kustomize: a Deployment without spec.replicas', () => {
  it('in a kustomization no other builds from (Online Boutique kubernetes-manifests): its replicas get a replicas: entry, not silence', () => {
    const cart = baseDeployment.replace('  name: web', '  name: cartservice').replace('  replicas: 2\n', '');
    const k = ['apiVersion: kustomize.config.k8s.io/v1beta1', 'kind: Kustomization', 'resources:', ' - cartservice.yaml', ' - frontend.yaml', ''].join('\n');
    const repo = memRepo({ 'kubernetes-manifests/kustomization.yaml': k, 'kubernetes-manifests/cartservice.yaml': cart, 'kubernetes-manifests/frontend.yaml': baseDeployment.replace('  name: web', '  name: frontend') });
    const id: WorkloadId = { kind: 'Deployment', namespace: 'default', name: 'cartservice' };
    const m = locateWorkload(repo, id, kust('kubernetes-manifests'));
    // The plain format adds spec.replicas to the same file; the kustomize format said nothing at all.
    expect(m.fields.replicas).toMatchObject({ file: 'kubernetes-manifests/kustomization.yaml', yamlPath: 'replicas[0].count', insert: { prefix: 'replicas:\n - name: cartservice\n   count: ', suffix: '\n' } });
    const out = applyEdits(repo, [editFor(m.fields.replicas!, 3)]).get('kubernetes-manifests/kustomization.yaml');
    expect(out).toBe(`${k}replicas:\n - name: cartservice\n   count: 3\n`);
    expect(m.fields['cpu.request']).toMatchObject({ file: 'kubernetes-manifests/cartservice.yaml', raw: '100m' });
  });
});

describe('JSON manifests', () => {
  it('a bare number in a .json manifest (cpu: 1) is written back as JSON: a quantity with a unit goes in quotes', () => {
    const json = `${JSON.stringify({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' }, spec: { replicas: 2, template: { spec: { containers: [{ name: 'web', image: 'web:1', resources: { requests: { cpu: 1, memory: '64Mi' } } }] } } } }, null, 2)}\n`;
    const repo = memRepo({ 'k/kustomization.yaml': 'resources:\n  - deployment.json\n', 'k/deployment.json': json });
    for (const spec of [plain('k/deployment.json'), kust('k')]) {
      const m = locateWorkload(repo, web, spec);
      const out = applyEdits(repo, [editFor(m.fields['cpu.request']!, 1.5), editFor(m.fields.replicas!, 3)]).get('k/deployment.json') ?? '';
      // `"cpu": 1500m` is YAML but not JSON: kubectl apply -f (and Argo CD) read a file starting with { as JSON.
      expect(out).toBe(json.replace('"cpu": 1,', '"cpu": "1500m",').replace('"replicas": 2,', '"replicas": 3,'));
      expect(JSON.parse(out).spec.template.spec.containers[0].resources.requests.cpu).toBe('1500m');
    }
  });
});
