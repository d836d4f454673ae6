// Hand-written Kustomize shapes: replicas entries, overlay patches (strategic merge, JSON 6902,
// inline), namespaces and name prefixes, components, shared bases, and errors. The same behaviours
// on real repositories, rendered with kubectl, are in kustomize-overlays.test.ts.
import { describe, expect, it } from 'vitest';
import type { RepoView, WorkloadId } from '../../domain/workload.js';
import { ManifestError, applyEdits, editFor, locateWorkload } from '../index.js';
import type { ManifestSpec } from '../index.js';
import { memRepo, overlayRepo } from '../testing.js';
import { roundTripAll, roundTripField } from '../roundtrip.test-helper.js';
import { checkInsertion } from '../insertion.test-helper.js';

const kust = (path: string, extra: Partial<ManifestSpec> = {}): ManifestSpec => ({ format: 'kustomize', path, ...extra });
const web = (namespace = 'prod'): WorkloadId => ({ kind: 'Deployment', namespace, name: 'web' });

const baseDeployment = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 2
  template:
    spec:
      containers:
        - name: web
          image: web:1
          resources:
            requests:
              cpu: 100m
              memory: 128Mi
            limits:
              cpu: "1"
              memory: 256Mi
`;

const baseFiles = {
  'base/kustomization.yaml': 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - deployment.yaml\n',
  'base/deployment.yaml': baseDeployment,
};

describe('kustomize', () => {
  it('a base: fields in its resources, no shared-base note', () => {
    const repo = memRepo(baseFiles);
    const m = locateWorkload(repo, web('default'), kust('base'));
    expect(m.fields.replicas).toMatchObject({ file: 'base/deployment.yaml', raw: '2' });
    expect(m.fields['cpu.limit']).toMatchObject({ raw: '1', style: 'double' });
    expect(m.notes).toEqual([]);
    roundTripAll(repo, kust('base'), web('default'));
  });

  it('accepts the kustomization file itself as path', () => {
    const m = locateWorkload(memRepo(baseFiles), web('default'), kust('base/kustomization.yaml'));
    expect(m.fields.replicas?.raw).toBe('2');
  });

  it('an overlay replicas: entry wins over the base and is edited in the overlay; a base only it builds is edited in place', () => {
    const repo = memRepo({
      ...baseFiles,
      'overlays/prod/kustomization.yaml': [
        'namespace: prod',
        'resources:',
        '  - ../../base',
        'replicas:',
        '  - name: other',
        '    count: 1',
        '  - name: web',
        '    count: 5 # peak season',
        '',
      ].join('\n'),
    });
    const m = locateWorkload(repo, web(), kust('overlays/prod'));
    expect(m.fields.replicas).toMatchObject({ file: 'overlays/prod/kustomization.yaml', yamlPath: 'replicas[1].count', raw: '5' });
    expect(m.fields['cpu.request']).toMatchObject({ file: 'base/deployment.yaml' });
    // No other kustomization builds from base/: nothing is shared.
    expect(m.notes).toEqual([]);
    expect(m.sharedFiles).toBeUndefined();
    roundTripField(repo, kust('overlays/prod'), web(), 'replicas');
    roundTripAll(repo, kust('overlays/prod'), web());
  });

  it('an overlay strategic-merge patch wins for the fields it sets; the rest edit the base only it builds', () => {
    const repo = memRepo({
      ...baseFiles,
      'overlays/prod/kustomization.yaml': 'namespace: prod\nresources:\n  - ../../base\npatchesStrategicMerge:\n  - resources.yaml\n',
      'overlays/prod/resources.yaml': [
        'apiVersion: apps/v1',
        'kind: Deployment',
        'metadata:',
        '  name: web',
        'spec:',
        '  template:',
        '    spec:',
        '      containers:',
        '        - name: sidecar',
        '          resources:',
        '            limits:',
        '              memory: 64Mi',
        '        - name: web',
        '          resources:',
        '            limits:',
        "              memory: '1Gi' # prod needs more",
        '',
      ].join('\n'),
    });
    const m = locateWorkload(repo, web(), kust('overlays/prod'));
    expect(m.fields['memory.limit']).toMatchObject({
      file: 'overlays/prod/resources.yaml',
      yamlPath: 'spec.template.spec.containers[1].resources.limits.memory',
      raw: '1Gi',
      style: 'single',
    });
    expect(m.fields['memory.request']).toMatchObject({ file: 'base/deployment.yaml', raw: '128Mi' });
    expect(m.notes.join('\n')).not.toMatch(/edits base/);
    roundTripAll(repo, kust('overlays/prod'), web());
    roundTripField(repo, kust('overlays/prod'), web(), 'memory.limit');
  });

  it('patches: with path and target, JSON 6902 files, and later patches winning', () => {
    const repo = memRepo({
      ...baseFiles,
      'overlays/prod/kustomization.yaml': [
        'namespace: prod',
        'resources:',
        '  - ../../base',
        'patches:',
        '  - path: cpu.yaml',
        '    target:',
        '      kind: Deployment',
        '      name: web',
        '  - path: replicas.yaml',
        '    target:',
        '      kind: Deployment',
        '      name: web',
        '  - path: other.yaml',
        '    target:',
        '      kind: Deployment',
        '      name: api',
        '',
      ].join('\n'),
      // A strategic-merge patch whose own name does not matter: the target selects.
      'overlays/prod/cpu.yaml': 'kind: Deployment\nmetadata:\n  name: anything\nspec:\n  template:\n    spec:\n      containers:\n        - name: web\n          resources:\n            requests:\n              cpu: 300m\n',
      'overlays/prod/replicas.yaml': [
        '- op: replace',
        '  path: /spec/replicas',
        '  value: 6',
        '- op: add',
        '  path: /spec/template/spec/containers/0/resources/limits',
        '  value:',
        '    cpu: "2"',
        '    memory: 1Gi',
        '',
      ].join('\n'),
      'overlays/prod/other.yaml': '- op: replace\n  path: /spec/replicas\n  value: 9\n',
    });
    const m = locateWorkload(repo, web(), kust('overlays/prod'));
    expect(m.fields.replicas).toMatchObject({ file: 'overlays/prod/replicas.yaml', yamlPath: '[0].value', raw: '6' });
    expect(m.fields['cpu.limit']).toMatchObject({ file: 'overlays/prod/replicas.yaml', yamlPath: '[1].value.cpu', raw: '2', style: 'double' });
    expect(m.fields['memory.limit']).toMatchObject({ file: 'overlays/prod/replicas.yaml', yamlPath: '[1].value.memory', raw: '1Gi' });
    expect(m.fields['cpu.request']).toMatchObject({ file: 'overlays/prod/cpu.yaml', raw: '300m' });
    expect(m.fields['memory.request']).toMatchObject({ file: 'base/deployment.yaml' });
    roundTripAll(repo, kust('overlays/prod'), web());
    for (const f of ['replicas', 'cpu.limit', 'cpu.request'] as const) roundTripField(repo, kust('overlays/prod'), web(), f);
  });

  it('a JSON patch that replaces resources without a field holds that field', () => {
    const repo = memRepo({
      ...baseFiles,
      'o/kustomization.yaml': 'resources:\n  - ../base\npatches:\n  - path: p.yaml\n    target:\n      kind: Deployment\n      name: web\n',
      'o/p.yaml': '- op: replace\n  path: /spec/template/spec/containers/0/resources\n  value:\n    requests:\n      cpu: 50m\n',
    });
    const m = locateWorkload(repo, web('x'), kust('o'));
    expect(m.fields['cpu.request']).toMatchObject({ file: 'o/p.yaml', raw: '50m' });
    expect(m.fields['memory.limit']).toBeUndefined();
    expect(m.blocked?.['memory.limit']).toMatch(/memory\.limit: o\/p\.yaml.*: JSON patch operation \[0\] .* replaces it with a value that has no/);
  });

  it('inline patches written as literal blocks are edited inside the string; quoted ones hold the fields they set', () => {
    const kustomization = [
      'resources:',
      '  - ../base',
      'patches:',
      '  - target:',
      '      kind: Deployment',
      '      name: web',
      '    patch: |-',
      '      - op: replace',
      '        path: /spec/replicas',
      '        value: 4',
      '  - patch: |-',
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
      '                    memory: 300Mi',
      '',
    ].join('\n');
    const repo = memRepo({ ...baseFiles, 'o/kustomization.yaml': kustomization });
    const m = locateWorkload(repo, web('x'), kust('o'));
    expect(m.fields.replicas).toMatchObject({ file: 'o/kustomization.yaml', yamlPath: 'patches[0].patch[0].value', raw: '4', documentIndex: 0 });
    expect(m.fields['memory.request']).toMatchObject({ file: 'o/kustomization.yaml', yamlPath: 'patches[1].patch.spec.template.spec.containers[0].resources.requests.memory', raw: '300Mi' });
    expect(m.fields['cpu.request']).toMatchObject({ file: 'base/deployment.yaml' });
    const out = applyEdits(repo, [editFor(m.fields.replicas!, 6), editFor(m.fields['memory.request']!, 512 * 2 ** 20)]);
    expect(out.get('o/kustomization.yaml')).toBe(kustomization.replace('value: 4', 'value: 6').replace('memory: 300Mi', 'memory: 512Mi'));

    const quoted = memRepo({ ...baseFiles, 'o/kustomization.yaml': 'resources:\n  - ../base\npatches:\n  - target: {kind: Deployment, name: web}\n    patch: "[{op: replace, path: /spec/replicas, value: 4}]"\n' });
    const q = locateWorkload(quoted, web('x'), kust('o'));
    expect(q.fields.replicas).toBeUndefined();
    expect(q.blocked?.replicas).toMatch(/^replicas: inline patch at o\/kustomization\.yaml:5 \(patches\[0\]\) would set \[0\]\.value \(4\), but the patch string is a quoted string.*write it as a literal block \(\|\); or move the patch to a file/);
  });

  it('a selector-targeted patch that may set a field holds it', () => {
    const repo = memRepo({
      ...baseFiles,
      'o/kustomization.yaml': 'resources:\n  - ../base\npatches:\n  - path: p.yaml\n    target:\n      labelSelector: tier=web\n',
      'o/p.yaml': 'kind: Deployment\nmetadata:\n  name: x\nspec:\n  replicas: 3\n',
    });
    const m = locateWorkload(repo, web('x'), kust('o'));
    expect(m.fields.replicas).toBeUndefined();
    expect(m.blocked?.replicas).toMatch(/replicas: patch o\/p\.yaml .* label\/annotation selector/);
  });

  it('a patch for another workload does not apply', () => {
    const repo = memRepo({
      ...baseFiles,
      'o/kustomization.yaml': 'resources:\n  - ../base\npatchesStrategicMerge:\n  - p.yaml\n',
      'o/p.yaml': 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\nspec:\n  replicas: 3\n',
    });
    expect(locateWorkload(repo, web('x'), kust('o')).fields.replicas).toMatchObject({ file: 'base/deployment.yaml', raw: '2' });
  });

  it('namePrefix: the rendered name is matched; the replicas entry may use the original name', () => {
    const repo = memRepo({
      ...baseFiles,
      'o/kustomization.yaml': 'namePrefix: prod-\nnamespace: prod\nresources:\n  - ../base\nreplicas:\n  - name: web\n    count: 3\n',
    });
    const id: WorkloadId = { kind: 'Deployment', namespace: 'prod', name: 'prod-web' };
    const m = locateWorkload(repo, id, kust('o'));
    expect(m.fields.replicas).toMatchObject({ file: 'o/kustomization.yaml', raw: '3' });
    expect(() => locateWorkload(repo, web(), kust('o'))).toThrow(/not found.*workloads there: Deployment prod\/prod-web/);
  });

  it('the outermost namespace wins', () => {
    const repo = memRepo({
      'base/kustomization.yaml': 'namespace: base-ns\nresources:\n  - deployment.yaml\n',
      'base/deployment.yaml': baseDeployment.replace('  name: web\n', '  name: web\n  namespace: doc-ns\n'),
      'o/kustomization.yaml': 'namespace: prod\nresources:\n  - ../base\n',
    });
    expect(locateWorkload(repo, web('prod'), kust('o')).fields.replicas?.raw).toBe('2');
    // o builds from base: a target on base edits what o renders, so it opts in.
    expect(locateWorkload(repo, web('base-ns'), kust('base', { sharedBase: 'allow' })).fields.replicas?.raw).toBe('2');
    expect(() => locateWorkload(repo, web('doc-ns'), kust('o'))).toThrow(ManifestError);
  });

  it('finds the HPA among the resources, and patches to it', () => {
    const hpa = 'apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata:\n  name: web\nspec:\n  scaleTargetRef:\n    apiVersion: apps/v1\n    kind: Deployment\n    name: web\n  minReplicas: 2\n  maxReplicas: 5\n';
    const repo = memRepo({
      'base/kustomization.yaml': 'resources:\n  - deployment.yaml\n  - hpa.yaml\n',
      'base/deployment.yaml': baseDeployment,
      'base/hpa.yaml': hpa,
      'o/kustomization.yaml': 'namespace: prod\nresources:\n  - ../base\npatches:\n  - path: hpa-max.yaml\n',
      'o/hpa-max.yaml': 'apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata:\n  name: web\nspec:\n  maxReplicas: 20\n',
    });
    const m = locateWorkload(repo, web(), kust('o'));
    expect(m.autoscaler).toBe('hpa');
    expect(m.fields.replicas).toBeUndefined();
    expect(m.fields['hpa.maxReplicas']).toMatchObject({ file: 'o/hpa-max.yaml', raw: '20' });
    expect(m.fields['hpa.minReplicas']).toMatchObject({ file: 'base/hpa.yaml', raw: '2' });
    const notes = m.notes.join('\n');
    expect(notes).toMatch(/GitOps lint: Deployment\/web is scaled by HorizontalPodAutoscaler\/web .*base\/deployment\.yaml:6 also sets spec\.replicas: 2/);
    expect(m.blocked).toBeUndefined();
    roundTripAll(repo, kust('o'), web());
  });

  it('components contribute patches and resources', () => {
    const repo = memRepo({
      ...baseFiles,
      'components/big/kustomization.yaml': 'apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\npatches:\n  - path: big.yaml\n',
      'components/big/big.yaml': 'kind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 10\n',
      'o/kustomization.yaml': 'resources:\n  - ../base\ncomponents:\n  - ../components/big\n',
    });
    expect(locateWorkload(repo, web('x'), kust('o')).fields.replicas).toMatchObject({ file: 'components/big/big.yaml', raw: '10' });
  });

  it('errors: no kustomization, a missing workload, duplicates, cycles', () => {
    expect(() => locateWorkload(memRepo(baseFiles), web(), kust('nope'))).toThrow(/nope: no kustomization\.yaml/);
    const remote = memRepo({ ...baseFiles, 'o/kustomization.yaml': 'resources:\n  - ../base\n  - https://github.com/org/repo//deploy?ref=v1\n  - missing.yaml\n' });
    expect(() => locateWorkload(remote, { kind: 'Deployment', namespace: 'x', name: 'api' }, kust('o'))).toThrow(
      /Deployment x\/api not found in the kustomization at o; files searched: o\/kustomization\.yaml, base\/kustomization\.yaml, base\/deployment\.yaml; workloads there: Deployment \(no namespace\)\/web; not searched: https:\/\/github\.com.*\(remote resource in o\/kustomization\.yaml\); o\/missing\.yaml/,
    );
    const dup = memRepo({ ...baseFiles, 'o/kustomization.yaml': 'resources:\n  - ../base\n  - extra.yaml\n', 'o/extra.yaml': baseDeployment });
    expect(() => locateWorkload(dup, web('x'), kust('o'))).toThrow(/ambiguous: 2 resources .*base\/deployment\.yaml; o\/extra\.yaml/);
    const cycle = memRepo({ 'a/kustomization.yaml': 'resources:\n  - ../b\n', 'b/kustomization.yaml': 'resources:\n  - ../a\n' });
    expect(() => locateWorkload(cycle, web(), kust('a'))).toThrow(/cycle \(a -> b -> a\)/);
    const broken = memRepo({ ...baseFiles, 'o/kustomization.yaml': 'resources: [../base\n' });
    expect(() => locateWorkload(broken, web(), kust('o'))).toThrow(/o\/kustomization\.yaml:\d+: .*fix the YAML syntax/);
  });

  it('edits in the overlay leave the base untouched', () => {
    const repo = memRepo({
      ...baseFiles,
      'o/kustomization.yaml': 'resources:\n  - ../base\nreplicas:\n  - name: web\n    count: 5\n',
    });
    const m = locateWorkload(repo, web('x'), kust('o'));
    const out = applyEdits(repo, [editFor(m.fields.replicas!, 8)]);
    expect([...out.keys()]).toEqual(['o/kustomization.yaml']);
    expect(out.get('o/kustomization.yaml')).toBe('resources:\n  - ../base\nreplicas:\n  - name: web\n    count: 8\n');
  });
});

describe('kustomize: files other overlays build from', () => {
  const staging = { 'overlays/staging/kustomization.yaml': 'resources:\n  - ../../base\n' };
  const prod = (extra = '') => ({ 'overlays/prod/kustomization.yaml': `resources:\n  - ../../base\n${extra}` });

  it('a repository view that lists no directories: the base may be shared, so it is held (or edited with allow, overlays unknown)', () => {
    const files = memRepo({ ...baseFiles, ...staging, ...prod() });
    const filesOnly: RepoView = { read: files.read, list: (dir) => files.list(dir).filter((p) => files.read(p) !== undefined) };
    const m = locateWorkload(filesOnly, web(), kust('overlays/prod'));
    expect(m.fields.replicas).toMatchObject({ file: 'overlays/prod/kustomization.yaml', raw: '' });
    expect(m.blocked?.['cpu.request']).toMatch(/only base\/deployment\.yaml sets it .*other overlays may build from it too \(Augur could not list the repository's directories to find them\)/);
    const a = locateWorkload(filesOnly, web(), kust('overlays/prod', { sharedBase: 'allow' }));
    expect(a.fields['cpu.request']).toMatchObject({ file: 'base/deployment.yaml' });
    expect(a.sharedFiles).toEqual(['base/deployment.yaml']);
    expect(a.affectedOverlays).toBeUndefined();
    expect(a.notes.join('\n')).toMatch(/shared by other overlays: \(others Augur could not list\)/);
  });

  it('a component two overlays use sets a field: the overlay overrides it, in its replicas: entry or in its own patch applied after', () => {
    const repo = memRepo({
      ...baseFiles,
      'components/big/kustomization.yaml': 'kind: Component\npatches:\n  - path: big.yaml\n',
      'components/big/big.yaml': 'kind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 10\n  template:\n    spec:\n      containers:\n        - name: web\n          resources:\n            requests:\n              cpu: "2"\n',
      'overlays/staging/kustomization.yaml': 'resources:\n  - ../../base\ncomponents:\n  - ../../components/big\n',
      ...prod('components:\n  - ../../components/big\npatchesStrategicMerge:\n  - memory.yaml\n'),
      'overlays/prod/memory.yaml': 'kind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n        - name: web\n          resources:\n            requests:\n              memory: 1Gi\n',
    });
    const m = locateWorkload(repo, web(), kust('overlays/prod'));
    expect(m.fields.replicas).toMatchObject({ file: 'overlays/prod/kustomization.yaml', yamlPath: 'replicas[0].count', raw: '' });
    expect(m.fields['cpu.request']).toMatchObject({ file: 'overlays/prod/memory.yaml', raw: '', insert: { prefix: '              cpu: ' } });
    expect(m.fields['memory.request']).toMatchObject({ file: 'overlays/prod/memory.yaml', raw: '1Gi' });
    expect(m.blocked?.['cpu.limit']).toMatch(/only base\/deployment\.yaml sets it .*overlays\/staging also builds from it/);
    // Each insertion adds one line, the file still parses, and the next locate finds the value written there.
    checkInsertion(repo, kust('overlays/prod'), web(), 'replicas', 4);
    checkInsertion(repo, kust('overlays/prod'), web(), 'cpu.request', 1.5);
  });

  it('components of components: their patches and resources are part of the build', () => {
    const repo = memRepo({
      ...baseFiles,
      'components/outer/kustomization.yaml': 'kind: Component\ncomponents:\n  - ../inner\n',
      'components/inner/kustomization.yaml': 'kind: Component\nresources:\n  - hpa.yaml\npatches:\n  - path: cpu.yaml\n',
      'components/inner/hpa.yaml': 'apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata:\n  name: web\nspec:\n  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}\n  maxReplicas: 7\n',
      'components/inner/cpu.yaml': 'kind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n        - name: web\n          resources:\n            limits:\n              cpu: 900m\n',
      ...prod('components:\n  - ../../components/outer\n'),
    });
    const m = locateWorkload(repo, web(), kust('overlays/prod'));
    expect(m.autoscaler).toBe('hpa');
    expect(m.fields['hpa.maxReplicas']).toMatchObject({ file: 'components/inner/hpa.yaml', raw: '7' });
    expect(m.fields['cpu.limit']).toMatchObject({ file: 'components/inner/cpu.yaml', raw: '900m' });
  });

  it('an override Augur cannot write (replicas: []) holds the field and says why', () => {
    const repo = memRepo({ ...baseFiles, ...staging, ...prod('replicas: []\n') });
    const m = locateWorkload(repo, web(), kust('overlays/prod'));
    expect(m.fields.replicas).toBeUndefined();
    expect(m.blocked?.replicas).toMatch(
      /^replicas: only base\/deployment\.yaml sets it \(spec\.replicas: 2\), and overlays\/staging also builds from it.*add an override to overlays\/prod \(a replicas: entry for web\); Augur could not add that override itself: replicas: overlays\/prod\/kustomization\.yaml: replicas: is a list/,
    );
  });

  it('a namePrefix on the way: the replicas: entry names the workload as its base does, and reads back', () => {
    const repo = memRepo({ ...baseFiles, ...staging, ...prod('namePrefix: prod-\n') });
    const id: WorkloadId = { kind: 'Deployment', namespace: 'prod', name: 'prod-web' };
    const m = locateWorkload(repo, id, kust('overlays/prod'));
    expect(m.fields.replicas).toMatchObject({ insert: { prefix: 'replicas:\n  - name: web\n    count: ' } });
    const out = applyEdits(repo, [editFor(m.fields.replicas!, 4)]);
    const again = locateWorkload(overlayRepo(repo, out), id, kust('overlays/prod'));
    expect(again.fields.replicas).toMatchObject({ file: 'overlays/prod/kustomization.yaml', yamlPath: 'replicas[0].count', raw: '4' });
  });

  it('a KEDA ScaledObject in a shared base: its triggers are left alone by default, edited with allow', () => {
    const so = 'apiVersion: keda.sh/v1alpha1\nkind: ScaledObject\nmetadata:\n  name: web\nspec:\n  scaleTargetRef:\n    name: web\n  triggers:\n    - type: cpu\n      metadata:\n        value: "70"\n';
    const files = { ...baseFiles, 'base/kustomization.yaml': 'resources:\n  - deployment.yaml\n  - so.yaml\n', 'base/so.yaml': so, ...staging, ...prod() };
    const held = locateWorkload(memRepo(files), web(), kust('overlays/prod'));
    expect(held.scaledObject).toBeUndefined();
    expect(held.notes.join('\n')).toMatch(/KEDA cron triggers: base\/so\.yaml holds them, and overlays\/staging also builds from it; Augur leaves them alone\. Set manifest\.sharedBase: allow/);
    const allowed = locateWorkload(memRepo(files), web(), kust('overlays/prod', { sharedBase: 'allow' }));
    expect(allowed.scaledObject).toMatchObject({ file: 'base/so.yaml' });
    expect(allowed.affectedOverlays).toEqual(['overlays/staging']);
    expect(allowed.sharedFiles).toContain('base/so.yaml');
  });
});

describe('kustomize paths', () => {
  it('refuses resources outside the repository', () => {
    const repo = memRepo({ 'o/kustomization.yaml': 'resources:\n  - ../../etc/deployment.yaml\n' });
    expect(() => locateWorkload(repo, web(), kust('o'))).toThrow(/\.\.\/etc\/deployment\.yaml: outside the manifest repository/);
  });
});
