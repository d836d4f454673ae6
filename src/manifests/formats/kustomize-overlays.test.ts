// Kustomize overlays over shared bases, on real repositories (podinfo's dev/staging/production
// overlays, Online Boutique's component overlays) copied to a scratch directory: what Augur
// locates, the edits applied with applyEdits, and `kubectl kustomize` of every overlay before and
// after, to show that only the target's overlay renders differently, with the new value, unless
// the target opted in to a shared edit (and then the overlays it lists change too).
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import type { Edit, FieldKey, RepoView, WorkloadId, WorkloadManifest } from '../../domain/workload.js';
import { ManifestError, applyEdits, editFor, locateWorkload } from '../index.js';
import type { ManifestSpec } from '../index.js';
import { fsRepo } from '../testing.js';

const FIXTURES = fileURLToPath(new URL('../../../test/fixtures/manifests/', import.meta.url));

type K8sObject = Record<string, any>;

const scratch: string[] = [];
afterAll(() => {
  for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
});

/** A copy of a fixture repository (or an empty one) in a scratch directory, with more files written into it. */
class Sandbox {
  readonly root = mkdtempSync(join(tmpdir(), 'augur-kustomize-'));

  constructor(fixture?: string, files: Record<string, string> = {}) {
    scratch.push(this.root);
    if (fixture) cpSync(join(FIXTURES, fixture), this.root, { recursive: true });
    this.write(files);
  }

  get repo(): RepoView {
    return fsRepo(this.root);
  }

  write(files: Record<string, string> | Map<string, string>): void {
    for (const [path, text] of files instanceof Map ? files : Object.entries(files)) {
      mkdirSync(dirname(join(this.root, path)), { recursive: true });
      writeFileSync(join(this.root, path), text);
    }
  }

  read(path: string): string {
    return this.repo.read(path) ?? '';
  }

  locate(id: WorkloadId, spec: Partial<ManifestSpec> & { path: string }): WorkloadManifest {
    return locateWorkload(this.repo, id, { format: 'kustomize', ...spec });
  }

  /** Sets located fields to new values (in their natural unit) and writes the files. */
  edit(m: WorkloadManifest, values: Partial<Record<FieldKey, number>>): Map<string, string> {
    const edits: Edit[] = Object.entries(values).map(([field, v]) => {
      const loc = m.fields[field as FieldKey];
      if (!loc) throw new Error(`${field} not located`);
      return editFor(loc, v as number);
    });
    const out = applyEdits(this.repo, edits);
    this.write(out);
    return out;
  }

  /** `kubectl kustomize DIR`, parsed; fails the test when kubectl is missing or the build fails. */
  render(dir: string): K8sObject[] {
    const out = execFileSync('kubectl', ['kustomize', join(this.root, dir)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 16 << 20 });
    return parseAllDocuments(out).map((d) => d.toJS() as K8sObject);
  }

  renderAll(dirs: string[]): Record<string, K8sObject[]> {
    return Object.fromEntries(dirs.map((d) => [d, this.render(d)]));
  }
}

const find = (objects: K8sObject[], kind: string, name: string): K8sObject | undefined => objects.find((o) => o.kind === kind && o.metadata?.name === name);

/** The render with one value changed (a path of keys and indexes under the object). */
function withValue(objects: K8sObject[], kind: string, name: string, path: (string | number)[], value: unknown): K8sObject[] {
  const copy = structuredClone(objects);
  const object = find(copy, kind, name);
  if (!object) throw new Error(`${kind}/${name} is not in the render`);
  let node: K8sObject = object;
  for (const key of path.slice(0, -1)) node = (node[key] ??= {}) as K8sObject;
  node[path[path.length - 1] as string | number] = value;
  return copy;
}

const requests = (key: 'cpu' | 'memory', i = 0) => ['spec', 'template', 'spec', 'containers', i, 'resources', 'requests', key];
const limits = (key: 'cpu' | 'memory', i = 0) => ['spec', 'template', 'spec', 'containers', i, 'resources', 'limits', key];

// Upstream podinfo generates ConfigMaps from scripts the fixture leaves out (YAML only): empty
// stand-ins let kubectl build the overlays.
const PODINFO_GENERATOR_INPUTS = Object.fromEntries(
  ['deploy/bases/cache/redis.conf', 'deploy/bases/database/scripts/rollup.sh', 'deploy/bases/database/scripts/backup.sh', 'deploy/bases/frontend/scripts/warm-cache.sh', 'deploy/bases/frontend/scripts/warm-cache-init.sh'].map((p) => [p, '']),
);
const OVERLAYS = ['deploy/overlays/dev', 'deploy/overlays/staging', 'deploy/overlays/production'];
const PROD = 'deploy/overlays/production';
const podinfo = (files: Record<string, string> = {}) => new Sandbox('podinfo', { ...PODINFO_GENERATOR_INPUTS, ...files });
const inProd = (kind: WorkloadId['kind'], name: string): WorkloadId => ({ kind, namespace: 'production', name });

describe('podinfo: one base, three environment overlays', () => {
  it('replicas set only in the base: a replicas: entry is added to the production overlay, and only production renders differently', () => {
    const box = podinfo();
    const before = box.renderAll(OVERLAYS);
    const m = box.locate(inProd('StatefulSet', 'database-primary'), { path: PROD });
    expect(m.fields.replicas).toMatchObject({
      file: `${PROD}/kustomization.yaml`,
      yamlPath: 'replicas[0].count',
      raw: '',
      range: [box.read(`${PROD}/kustomization.yaml`).length, box.read(`${PROD}/kustomization.yaml`).length],
      insert: { prefix: 'replicas:\n  - name: database-primary\n    count: ', suffix: '\n' },
    });
    const original = box.read(`${PROD}/kustomization.yaml`);
    const out = box.edit(m, { replicas: 3 });
    expect([...out.keys()]).toEqual([`${PROD}/kustomization.yaml`]);
    expect(out.get(`${PROD}/kustomization.yaml`)).toBe(`${original}replicas:\n  - name: database-primary\n    count: 3\n`);

    const after = box.renderAll(OVERLAYS);
    expect(after['deploy/overlays/dev']).toEqual(before['deploy/overlays/dev']);
    expect(after['deploy/overlays/staging']).toEqual(before['deploy/overlays/staging']);
    expect(after[PROD]).toEqual(withValue(before[PROD]!, 'StatefulSet', 'database-primary', ['spec', 'replicas'], 3));

    // The next cycle edits the entry in place.
    const again = box.locate(inProd('StatefulSet', 'database-primary'), { path: PROD });
    expect(again.fields.replicas).toMatchObject({ file: `${PROD}/kustomization.yaml`, yamlPath: 'replicas[0].count', raw: '3' });
    expect(again.fields.replicas?.insert).toBeUndefined();
  });

  it('no spec.replicas anywhere (cache): the overlay says it with a replicas: entry, appended to the list it has', () => {
    const box = podinfo();
    box.write({ [`${PROD}/kustomization.yaml`]: `${box.read(`${PROD}/kustomization.yaml`)}replicas:\n  - name: database-primary\n    count: 2\n` });
    const before = box.renderAll(OVERLAYS);
    const m = box.locate(inProd('Deployment', 'cache'), { path: PROD });
    expect(m.fields.replicas).toMatchObject({ yamlPath: 'replicas[1].count', raw: '', insert: { prefix: '  - name: cache\n    count: ', suffix: '\n' } });
    box.edit(m, { replicas: 2 });
    const after = box.renderAll(OVERLAYS);
    expect(after['deploy/overlays/staging']).toEqual(before['deploy/overlays/staging']);
    expect(after['deploy/overlays/dev']).toEqual(before['deploy/overlays/dev']);
    expect(after[PROD]).toEqual(withValue(before[PROD]!, 'Deployment', 'cache', ['spec', 'replicas'], 2));
  });

  it('a patch of the container in the overlay: it is edited, a missing key is added to it, and fields it cannot take are held', () => {
    const box = podinfo();
    box.write({
      [`${PROD}/kustomization.yaml`]: `${box.read(`${PROD}/kustomization.yaml`)}patches:\n  - path: cache-resources.yaml\n`,
      [`${PROD}/cache-resources.yaml`]: 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: cache\nspec:\n  template:\n    spec:\n      containers:\n        - name: redis\n          resources:\n            requests:\n              cpu: 200m # production traffic\n',
    });
    const before = box.renderAll(OVERLAYS);
    const m = box.locate(inProd('Deployment', 'cache'), { path: PROD });
    expect(m.fields['cpu.request']).toMatchObject({ file: `${PROD}/cache-resources.yaml`, raw: '200m' });
    expect(m.fields['memory.request']).toMatchObject({
      file: `${PROD}/cache-resources.yaml`,
      yamlPath: 'spec.template.spec.containers[0].resources.requests.memory',
      raw: '',
      insert: { prefix: '              memory: ', suffix: '\n' },
    });
    // The patch has no limits: map, so one insertion cannot override the base's limits.
    expect(m.fields['cpu.limit']).toBeUndefined();
    expect(m.blocked?.['cpu.limit']).toBe(
      'cpu.limit: only deploy/bases/cache/deployment.yaml sets it (spec.template.spec.containers[0].resources.limits.cpu: 1000m), and deploy/overlays/dev and deploy/overlays/staging also build from it, ' +
        'so editing it would change their render too; not edited. Set manifest.sharedBase: allow on the target, ' +
        'or add an override to deploy/overlays/production (a strategic-merge patch of Deployment/cache that sets resources.limits.cpu of container redis)',
    );
    expect(m.blocked?.['memory.limit']).toMatch(/deploy\/bases\/cache\/deployment\.yaml .*deploy\/overlays\/dev and deploy\/overlays\/staging also build from it/);
    expect(m.sharedFiles).toBeUndefined();

    box.edit(m, { 'cpu.request': 0.3, 'memory.request': 64 * 2 ** 20 });
    expect(box.read(`${PROD}/cache-resources.yaml`)).toMatch(/requests:\n {14}memory: 64Mi\n {14}cpu: 300m # production traffic\n$/);
    const after = box.renderAll(OVERLAYS);
    expect(after['deploy/overlays/staging']).toEqual(before['deploy/overlays/staging']);
    expect(after['deploy/overlays/dev']).toEqual(before['deploy/overlays/dev']);
    const expected = withValue(withValue(before[PROD]!, 'Deployment', 'cache', requests('cpu'), '300m'), 'Deployment', 'cache', requests('memory'), '64Mi');
    expect(after[PROD]).toEqual(expected);
  });

  it('the default (hold): a resource field only the shared base sets is blocked, naming the other overlays; an HPA owns replicas, so nothing is said about them', () => {
    const m = podinfo().locate(inProd('Deployment', 'frontend'), { path: PROD });
    expect(m.autoscaler).toBe('hpa');
    expect(m.fields).toEqual({});
    expect(Object.keys(m.blocked ?? {}).sort()).toEqual(['cpu.limit', 'cpu.request', 'hpa.maxReplicas', 'hpa.minReplicas', 'memory.limit', 'memory.request']);
    expect(m.blocked?.['cpu.request']).toMatch(
      /^cpu\.request: only deploy\/bases\/frontend\/deployment\.yaml sets it \(spec\.template\.spec\.containers\[0\]\.resources\.requests\.cpu: 100m\), and deploy\/overlays\/dev and deploy\/overlays\/staging also build from it.*Set manifest\.sharedBase: allow on the target, or add an override to deploy\/overlays\/production/,
    );
    expect(m.blocked?.['hpa.maxReplicas']).toMatch(/deploy\/bases\/frontend\/hpa\.yaml .*a patch of HorizontalPodAutoscaler\/frontend that sets spec\.maxReplicas/);
    expect(m.sharedFiles).toBeUndefined();
    expect(m.affectedOverlays).toBeUndefined();
  });

  it('sharedBase: allow edits the base and lists the overlays whose render changes with it', () => {
    const box = podinfo();
    const before = box.renderAll(OVERLAYS);
    const m = box.locate(inProd('Deployment', 'frontend'), { path: PROD, sharedBase: 'allow' });
    expect(m.fields['cpu.request']).toMatchObject({ file: 'deploy/bases/frontend/deployment.yaml', raw: '100m' });
    expect(m.fields['hpa.maxReplicas']).toMatchObject({ file: 'deploy/bases/frontend/hpa.yaml', raw: '4' });
    expect(m.fields.replicas).toBeUndefined();
    expect(m.blocked).toBeUndefined();
    expect(m.affectedOverlays).toEqual(['deploy/overlays/dev', 'deploy/overlays/staging']);
    expect(m.sharedFiles).toEqual(['deploy/bases/frontend/hpa.yaml', 'deploy/bases/frontend/deployment.yaml']);
    expect(m.notes).toContain(
      'hpa.minReplicas, hpa.maxReplicas, cpu.request, cpu.limit, memory.request, memory.limit: edits base deploy/bases/frontend ' +
        '(deploy/bases/frontend/hpa.yaml, deploy/bases/frontend/deployment.yaml), shared by other overlays: deploy/overlays/dev, deploy/overlays/staging (manifest.sharedBase: allow)',
    );
    box.edit(m, { 'cpu.request': 0.25 });
    const after = box.renderAll(OVERLAYS);
    // Every overlay changes, exactly there: production as asked, dev and staging as listed.
    for (const dir of OVERLAYS) expect(after[dir]).toEqual(withValue(before[dir]!, 'Deployment', 'frontend', requests('cpu'), '250m'));
  });

  it('a target on a base is shared by definition: held by default, edited with allow, listing every overlay', () => {
    const box = podinfo();
    const id: WorkloadId = { kind: 'Deployment', namespace: 'default', name: 'cache' };
    const held = box.locate(id, { path: 'deploy/bases/cache' });
    expect(held.fields).toEqual({});
    expect(held.blocked?.['memory.limit']).toMatch(
      /^memory\.limit: only deploy\/bases\/cache\/deployment\.yaml sets it .*deploy\/overlays\/dev, deploy\/overlays\/production and deploy\/overlays\/staging also build from it.*Set manifest\.sharedBase: allow on the target, or point the target at one of those overlays/,
    );

    const before = box.renderAll(OVERLAYS);
    const m = box.locate(id, { path: 'deploy/bases/cache', sharedBase: 'allow' });
    expect(m.fields['memory.limit']).toMatchObject({ file: 'deploy/bases/cache/deployment.yaml', raw: '128Mi' });
    expect(m.affectedOverlays).toEqual(OVERLAYS.slice().sort());
    box.edit(m, { 'memory.limit': 256 * 2 ** 20 });
    const after = box.renderAll(OVERLAYS);
    for (const dir of OVERLAYS) expect(after[dir]).toEqual(withValue(before[dir]!, 'Deployment', 'cache', limits('memory'), '256Mi'));
  });
});

const OB = 'kustomize';
const MEMORYSTORE = `${OB}/tests/memorystore-with-all-components`;
const SPANNER = `${OB}/tests/spanner-with-all-components`;
const BOUTIQUE_OVERLAYS = [OB, MEMORYSTORE, SPANNER];
const boutique = (name: string): WorkloadId => ({ kind: 'Deployment', namespace: 'default', name });

describe('online-boutique: a base, components, and overlays that combine them', () => {
  it('no spec.replicas: the overlay gets a replicas: entry in its own list style, and the other overlays render the same', () => {
    const box = new Sandbox('online-boutique');
    const before = box.renderAll(BOUTIQUE_OVERLAYS);
    const m = box.locate(boutique('cartservice'), { path: MEMORYSTORE });
    expect(m.fields.replicas).toMatchObject({ file: `${MEMORYSTORE}/kustomization.yaml`, raw: '', insert: { prefix: 'replicas:\n- name: cartservice\n  count: ', suffix: '\n' } });
    // Its container's resources come from the base only (the memorystore component patches env): held.
    expect(m.blocked?.['cpu.request']).toMatch(
      /^cpu\.request: only kustomize\/base\/cartservice\.yaml sets it \(.*: 200m\), and kustomize and kustomize\/tests\/spanner-with-all-components also build from it/,
    );
    box.edit(m, { replicas: 3 });
    const after = box.renderAll(BOUTIQUE_OVERLAYS);
    expect(after[OB]).toEqual(before[OB]);
    expect(after[SPANNER]).toEqual(before[SPANNER]);
    expect(after[MEMORYSTORE]).toEqual(withValue(before[MEMORYSTORE]!, 'Deployment', 'cartservice', ['spec', 'replicas'], 3));
  });

  it('a workload deleted by a component ($patch: delete) is a ManifestError naming the patch, not "not found"', () => {
    const box = new Sandbox('online-boutique');
    expect(find(box.render(MEMORYSTORE), 'Deployment', 'redis-cart')).toBeUndefined();
    expect(() => box.locate(boutique('redis-cart'), { path: MEMORYSTORE })).toThrow(ManifestError);
    expect(() => box.locate(boutique('redis-cart'), { path: MEMORYSTORE })).toThrow(
      /^Deployment default\/redis-cart is deleted by inline patch at kustomize\/components\/memorystore\/kustomization\.yaml:\d+ \(patches\[1\]\) \(\$patch: delete of Deployment\/redis-cart\), so the kustomization at kustomize\/tests\/memorystore-with-all-components does not deploy it/,
    );
    // The overlay that keeps it finds it.
    expect(box.locate(boutique('redis-cart'), { path: OB, sharedBase: 'allow' }).fields['cpu.request']).toMatchObject({ raw: '70m' });
  });

  it('a patch file that deletes the workload, in a component of an overlay: the same, naming the file', () => {
    const box = new Sandbox('online-boutique', {
      [`${OB}/overlays/no-load/kustomization.yaml`]: 'resources:\n- ../../base\ncomponents:\n- ../../components/without-loadgenerator\n',
    });
    expect(find(box.render(`${OB}/overlays/no-load`), 'Deployment', 'loadgenerator')).toBeUndefined();
    expect(() => box.locate(boutique('loadgenerator'), { path: `${OB}/overlays/no-load` })).toThrow(
      /loadgenerator is deleted by patch kustomize\/components\/without-loadgenerator\/delete-loadgenerator\.patch\.yaml \(kustomize\/components\/without-loadgenerator\/kustomization\.yaml patches\[0\]\)/,
    );
  });
});

const deployment = (name = 'web', resources = '          resources:\n            requests:\n              cpu: 100m\n              memory: 128Mi\n') =>
  `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: ${name}\nspec:\n  replicas: 2\n  selector:\n    matchLabels:\n      app: ${name}\n  template:\n    metadata:\n      labels:\n        app: ${name}\n    spec:\n      containers:\n        - name: ${name}\n          image: ${name}:1\n${resources}`;
const hpa = (name: string, target = 'web', max = 5) =>
  `apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata:\n  name: ${name}\nspec:\n  scaleTargetRef:\n    apiVersion: apps/v1\n    kind: Deployment\n    name: ${target}\n  minReplicas: 2\n  maxReplicas: ${max}\n`;
const twoEnvs = (prod: string, staging = 'resources:\n  - ../../base\n') => ({
  'base/kustomization.yaml': 'resources:\n  - deployment.yaml\n',
  'base/deployment.yaml': deployment(),
  'overlays/staging/kustomization.yaml': staging,
  'overlays/prod/kustomization.yaml': prod,
});
const ENVS = ['overlays/staging', 'overlays/prod'];
const web: WorkloadId = { kind: 'Deployment', namespace: 'default', name: 'web' };

describe('hand-written overlays', () => {
  it('an inline patch of the container: the missing key is added inside the patch string, with its indentation', () => {
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
    ].join('\n');
    const box = new Sandbox(undefined, twoEnvs(prod));
    const before = box.renderAll(ENVS);
    const m = box.locate(web, { path: 'overlays/prod' });
    expect(m.fields['cpu.request']).toMatchObject({ file: 'overlays/prod/kustomization.yaml', yamlPath: 'patches[0].patch.spec.template.spec.containers[0].resources.requests.cpu', raw: '500m' });
    expect(m.fields['memory.request']).toMatchObject({
      file: 'overlays/prod/kustomization.yaml',
      yamlPath: 'patches[0].patch.spec.template.spec.containers[0].resources.requests.memory',
      raw: '',
      insert: { prefix: '                    memory: ', suffix: '\n' },
    });
    box.edit(m, { 'cpu.request': 0.75, 'memory.request': 256 * 2 ** 20 });
    expect(box.read('overlays/prod/kustomization.yaml')).toBe(prod.replace('                    cpu: 500m', '                    memory: 256Mi\n                    cpu: 750m'));
    const after = box.renderAll(ENVS);
    expect(after['overlays/staging']).toEqual(before['overlays/staging']);
    expect(after['overlays/prod']).toEqual(withValue(withValue(before['overlays/prod']!, 'Deployment', 'web', requests('cpu'), '750m'), 'Deployment', 'web', requests('memory'), '256Mi'));
  });

  it('a replicas: list in another style and a file without a final newline: the entry follows that style', () => {
    const box = new Sandbox(undefined, {
      ...twoEnvs('resources:\n- ../../base\nreplicas:\n-   name: other\n    count: 1'),
      'base/kustomization.yaml': 'resources:\n  - deployment.yaml\n  - other.yaml\n',
      'base/other.yaml': deployment('other'),
    });
    const before = box.renderAll(ENVS);
    const m = box.locate(web, { path: 'overlays/prod' });
    expect(m.fields.replicas).toMatchObject({ yamlPath: 'replicas[1].count', insert: { prefix: '\n-   name: web\n    count: ', suffix: '\n' } });
    box.edit(m, { replicas: 4 });
    expect(box.read('overlays/prod/kustomization.yaml')).toBe('resources:\n- ../../base\nreplicas:\n-   name: other\n    count: 1\n-   name: web\n    count: 4\n');
    const after = box.renderAll(ENVS);
    expect(after['overlays/staging']).toEqual(before['overlays/staging']);
    expect(after['overlays/prod']).toEqual(withValue(before['overlays/prod']!, 'Deployment', 'web', ['spec', 'replicas'], 4));
  });

  it('an HPA in a component the overlay uses is found; an HPA deleted by the overlay does not count', () => {
    const files = {
      ...twoEnvs('resources:\n  - ../../base\ncomponents:\n  - ../../components/autoscale\n'),
      'components/autoscale/kustomization.yaml': 'apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\nresources:\n  - hpa.yaml\n',
      'components/autoscale/hpa.yaml': hpa('web-autoscaler'),
    };
    const box = new Sandbox(undefined, files);
    const before = box.renderAll(ENVS);
    expect(find(before['overlays/prod']!, 'HorizontalPodAutoscaler', 'web-autoscaler')).toBeDefined();
    const m = box.locate(web, { path: 'overlays/prod' });
    expect(m.autoscaler).toBe('hpa');
    expect(m.fields.replicas).toBeUndefined();
    expect(m.blocked?.replicas).toBeUndefined();
    expect(m.fields['hpa.maxReplicas']).toMatchObject({ file: 'components/autoscale/hpa.yaml', raw: '5' });
    box.edit(m, { 'hpa.maxReplicas': 8 });
    const after = box.renderAll(ENVS);
    expect(after['overlays/staging']).toEqual(before['overlays/staging']);
    expect(after['overlays/prod']).toEqual(withValue(before['overlays/prod']!, 'HorizontalPodAutoscaler', 'web-autoscaler', ['spec', 'maxReplicas'], 8));

    // The same HPA in the base, deleted by the overlay: kubectl drops it, and Augur sizes replicas.
    const deleted = new Sandbox(undefined, {
      ...twoEnvs('resources:\n  - ../../base\npatches:\n  - path: no-hpa.yaml\n'),
      'base/kustomization.yaml': 'resources:\n  - deployment.yaml\n  - hpa.yaml\n',
      'base/hpa.yaml': hpa('web'),
      'overlays/prod/no-hpa.yaml': 'apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata:\n  name: web\n$patch: delete\n',
    });
    expect(find(deleted.render('overlays/prod'), 'HorizontalPodAutoscaler', 'web')).toBeUndefined();
    const d = deleted.locate(web, { path: 'overlays/prod' });
    expect(d.autoscaler).toBe('none');
    expect(d.fields.replicas).toMatchObject({ file: 'overlays/prod/kustomization.yaml', insert: { prefix: 'replicas:\n  - name: web\n    count: ' } });
  });

  it('two autoscalers of the workload in what the overlay builds: a ManifestError naming both', () => {
    const box = new Sandbox(undefined, {
      ...twoEnvs('resources:\n  - ../../base\n  - hpa.yaml\ncomponents:\n  - ../../components/autoscale\n'),
      'overlays/prod/hpa.yaml': hpa('web'),
      'components/autoscale/kustomization.yaml': 'apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\nresources:\n  - hpa.yaml\n',
      'components/autoscale/hpa.yaml': hpa('web-autoscaler', 'web', 9),
    });
    expect(box.render('overlays/prod').filter((o) => o.kind === 'HorizontalPodAutoscaler')).toHaveLength(2);
    expect(() => box.locate(web, { path: 'overlays/prod' })).toThrow(
      /Deployment default\/web is the scaleTargetRef of 2 autoscalers the kustomization builds: HorizontalPodAutoscaler\/web-autoscaler in components\/autoscale\/hpa\.yaml; HorizontalPodAutoscaler\/web in overlays\/prod\/hpa\.yaml/,
    );
  });
});
