// Hand-written plain-YAML shapes: quotes, comments, CRLF, multi-document files, StatefulSets,
// ambiguous and missing workloads, HPAs next door and autoscaling/v1, containers, templating.
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { WorkloadId } from '../../domain/workload.js';
import { ManifestError, applyEdits, editFor, locateWorkload } from '../index.js';
import type { ManifestSpec } from '../index.js';
import { fsRepo, memRepo } from '../testing.js';
import { roundTripAll, roundTripField } from '../roundtrip.test-helper.js';
import { checkInsertion, roundTripPresent } from '../insertion.test-helper.js';

const web: WorkloadId = { kind: 'Deployment', namespace: 'shop', name: 'web' };
const plain = (path: string, extra: Partial<ManifestSpec> = {}): ManifestSpec => ({ format: 'plain', path, ...extra });

function deployment(opts: { name?: string; ns?: string; replicas?: string; cpu?: string; mem?: string; kind?: string } = {}): string {
  return [
    'apiVersion: apps/v1',
    `kind: ${opts.kind ?? 'Deployment'}`,
    'metadata:',
    `  name: ${opts.name ?? 'web'}`,
    ...(opts.ns ? [`  namespace: ${opts.ns}`] : []),
    'spec:',
    ...(opts.replicas !== undefined ? [`  replicas: ${opts.replicas}`] : []),
    '  template:',
    '    spec:',
    '      containers:',
    '        - name: app',
    '          image: app:1',
    '          resources:',
    '            requests:',
    `              cpu: ${opts.cpu ?? '100m'}`,
    `              memory: ${opts.mem ?? '128Mi'}`,
    '            limits:',
    '              memory: 256Mi',
    '',
  ].join('\n');
}

const hpaDoc = (opts: { api?: string; name?: string; target?: string; min?: string | null; max?: string; ns?: string } = {}) =>
  [
    `apiVersion: ${opts.api ?? 'autoscaling/v2'}`,
    'kind: HorizontalPodAutoscaler',
    'metadata:',
    `  name: ${opts.name ?? 'web'}`,
    ...(opts.ns ? [`  namespace: ${opts.ns}`] : []),
    'spec:',
    '  scaleTargetRef:',
    '    apiVersion: apps/v1',
    '    kind: Deployment',
    `    name: ${opts.target ?? 'web'}`,
    ...(opts.min === null ? [] : [`  minReplicas: ${opts.min ?? '2'}`]),
    `  maxReplicas: ${opts.max ?? '10'}`,
    '',
  ].join('\n');

describe('plain YAML', () => {
  it('quoted scalars keep their quotes', () => {
    const repo = memRepo({ 'app/web.yaml': deployment({ replicas: "'2'", cpu: '"250m"', mem: "'128Mi'" }) });
    const m = locateWorkload(repo, web, plain('app/web.yaml'));
    expect(m.fields.replicas).toMatchObject({ raw: '2', style: 'single', yamlPath: 'spec.replicas' });
    expect(m.fields['cpu.request']).toMatchObject({ raw: '250m', style: 'double' });
    const loc = m.fields['cpu.request'];
    if (!loc) throw new Error('no cpu.request');
    expect(repo.read('app/web.yaml')?.slice(...loc.range)).toBe('"250m"');
    const out = applyEdits(repo, [editFor(loc, 0.5), editFor(m.fields.replicas!, 4)]).get('app/web.yaml') ?? '';
    expect(out).toContain('              cpu: "500m"\n');
    expect(out).toContain("  replicas: '4'\n");
    for (const f of ['replicas', 'cpu.request', 'memory.request', 'memory.limit'] as const) roundTripField(repo, plain('app/web.yaml'), web, f);
  });

  it('keeps a comment on the same line', () => {
    const text = deployment({ replicas: '2 # keep', cpu: '100m   # tuned by hand' });
    const repo = memRepo({ 'web.yaml': text });
    const m = locateWorkload(repo, web, plain('web.yaml'));
    expect(m.fields.replicas?.raw).toBe('2');
    const out = applyEdits(repo, [editFor(m.fields.replicas!, 5), editFor(m.fields['cpu.request']!, 0.2)]).get('web.yaml');
    expect(out).toBe(text.replace('  replicas: 2 # keep\n', '  replicas: 5 # keep\n').replace('cpu: 100m   # tuned by hand', 'cpu: 200m   # tuned by hand'));
    roundTripPresent(repo, plain('web.yaml'), web);
  });

  it('keeps CRLF line endings', () => {
    const text = (deployment({ replicas: '3' }) + '---\r\n' + hpaDoc({ name: 'other', target: 'other' })).replace(/\r?\n/g, '\r\n');
    const repo = memRepo({ 'web.yaml': text });
    const m = locateWorkload(repo, web, plain('web.yaml'));
    expect(m.fields.replicas?.raw).toBe('3');
    expect(m.fields['memory.limit']?.raw).toBe('256Mi');
    const out = applyEdits(repo, [editFor(m.fields.replicas!, 7), editFor(m.fields['memory.limit']!, 2 * 2 ** 30)]).get('web.yaml') ?? '';
    expect(out).toBe(text.replace('  replicas: 3\r\n', '  replicas: 7\r\n').replace('memory: 256Mi\r\n', 'memory: 2Gi\r\n'));
    expect(out.match(/\r\n/g)?.length).toBe(text.match(/\r\n/g)?.length);
    expect(out.replace(/\r\n/g, '')).not.toContain('\n');
    roundTripPresent(repo, plain('web.yaml'), web);
    // The limits map has memory only: cpu.limit is added beside it, with the file's CRLF.
    expect(m.fields['cpu.limit']).toMatchObject({ raw: '', insert: { prefix: '              cpu: ', suffix: '\r\n' } });
    const { text: added } = checkInsertion(repo, plain('web.yaml'), web, 'cpu.limit', 1);
    expect(added).toBe(text.replace('            limits:\r\n', '            limits:\r\n              cpu: 1\r\n'));
  });

  it('finds the document in a multi-document file with a leading comment and ---', () => {
    const text = [
      '# Managed by platform team. Do not hand-edit the Service.',
      '---',
      'apiVersion: v1',
      'kind: Service',
      'metadata:',
      '  name: web',
      'spec:',
      '  ports:',
      '    - port: 80',
      '---',
      '# the app',
      deployment({ replicas: '2' }).trimEnd(),
      '---',
      '',
    ].join('\n');
    const repo = memRepo({ 'all.yaml': text });
    const m = locateWorkload(repo, web, plain('all.yaml'));
    expect(m.fields.replicas).toMatchObject({ documentIndex: 1, raw: '2' });
    expect(m.autoscaler).toBe('none');
    roundTripPresent(repo, plain('all.yaml'), web);
    for (const f of ['replicas', 'cpu.request', 'memory.limit'] as const) roundTripField(repo, plain('all.yaml'), web, f);
  });

  it('handles a StatefulSet', () => {
    const repo = memRepo({ 'db/sts.yaml': deployment({ kind: 'StatefulSet', name: 'db', replicas: '3', cpu: '2' }) });
    const id: WorkloadId = { kind: 'StatefulSet', namespace: 'data', name: 'db' };
    const m = locateWorkload(repo, id, plain('db'));
    expect(m.fields.replicas?.raw).toBe('3');
    expect(m.fields['cpu.request']?.raw).toBe('2');
    expect(m.container).toBe('app');
    // A Deployment of the same name is another workload.
    expect(() => locateWorkload(repo, { ...id, kind: 'Deployment' }, plain('db'))).toThrow(ManifestError);
    roundTripPresent(repo, plain('db'), id);
  });

  it('two matching documents are ambiguous', () => {
    const repo = memRepo({ 'a.yaml': deployment(), 'b.yaml': deployment({ replicas: '2' }) });
    expect(() => locateWorkload(repo, web, plain(''))).toThrow(/Deployment shop\/web is ambiguous: 2 documents match \(a\.yaml; b\.yaml\)/);
    const same = memRepo({ 'x.yaml': `${deployment()}---\n${deployment({ ns: 'shop' })}` });
    expect(() => locateWorkload(same, web, plain('x.yaml'))).toThrow(/ambiguous.*x\.yaml \(document 1, line 1\); x\.yaml \(document 2, line \d+\)/);
  });

  it('a namespace in the document must match; none matches any', () => {
    const repo = memRepo({ 'a.yaml': deployment({ ns: 'other' }), 'b.yaml': deployment({ ns: 'shop', replicas: '4' }) });
    const m = locateWorkload(repo, web, plain(''));
    expect(m.fields.replicas).toMatchObject({ file: 'b.yaml', raw: '4' });
  });

  it('a missing workload names the files searched', () => {
    const repo = memRepo({ 'k8s/a.yaml': deployment({ name: 'api' }), 'k8s/b.yml': hpaDoc(), 'k8s/notes.txt': 'hello' });
    let err: unknown;
    try {
      locateWorkload(repo, web, plain('k8s'));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ManifestError);
    expect((err as Error).message).toMatch(/Deployment shop\/web not found in k8s\/a\.yaml, k8s\/b\.yml; workloads there: Deployment\/api/);
    expect(() => locateWorkload(repo, web, plain('nowhere'))).toThrow(/nowhere: no such file, and no \*\.yaml\/\*\.yml files/);
  });

  it('finds the HPA in a sibling file and leaves replicas to it (GitOps lint)', () => {
    const repo = memRepo({ 'web/deploy.yaml': deployment({ replicas: '3' }), 'web/hpa.yaml': hpaDoc({ min: '2', max: '8' }), 'web/svc.yaml': 'kind: Service\n' });
    const m = locateWorkload(repo, web, plain('web/deploy.yaml'));
    expect(m.autoscaler).toBe('hpa');
    expect(m.fields.replicas).toBeUndefined();
    expect(m.fields['hpa.minReplicas']).toMatchObject({ file: 'web/hpa.yaml', raw: '2', yamlPath: 'spec.minReplicas' });
    expect(m.fields['hpa.maxReplicas']).toMatchObject({ file: 'web/hpa.yaml', raw: '8' });
    expect(m.notes.join('\n')).toMatch(/GitOps lint: .*web\/deploy\.yaml:\d+ also sets spec\.replicas: 3.*Argo CD needs ignoreDifferences for \/spec\/replicas, Flux users usually remove spec\.replicas/);
    expect(m.filesRead).toEqual(expect.arrayContaining(['web/deploy.yaml', 'web/hpa.yaml']));
    roundTripPresent(repo, plain('web/deploy.yaml'), web);
  });

  it('prefers an HPA in the same file over one next door', () => {
    const repo = memRepo({ 'web/deploy.yaml': `${deployment()}---\n${hpaDoc({ max: '5' })}`, 'web/hpa.yaml': hpaDoc({ max: '9' }) });
    const m = locateWorkload(repo, web, plain('web/deploy.yaml'));
    expect(m.fields['hpa.maxReplicas']).toMatchObject({ file: 'web/deploy.yaml', documentIndex: 1, raw: '5' });
  });

  it('two HPAs for one workload are ambiguous', () => {
    const repo = memRepo({ 'web/deploy.yaml': deployment(), 'web/hpa.yaml': hpaDoc(), 'web/hpa2.yaml': hpaDoc({ name: 'web-2' }) });
    expect(() => locateWorkload(repo, web, plain('web/deploy.yaml'))).toThrow(/scaleTargetRef of 2 autoscalers/);
  });

  it('reads autoscaling/v1; a missing minReplicas is added to the HPA (Kubernetes uses 1 until then)', () => {
    const repo = memRepo({ 'web.yaml': `${deployment()}---\n${hpaDoc({ api: 'autoscaling/v1', min: null, max: '6' })}` });
    const m = locateWorkload(repo, web, plain('web.yaml'));
    expect(m.autoscaler).toBe('hpa');
    expect(m.fields['hpa.minReplicas']).toMatchObject({ documentIndex: 1, yamlPath: 'spec.minReplicas', raw: '', insert: { prefix: '  minReplicas: ' } });
    expect(m.fields['hpa.maxReplicas']?.raw).toBe('6');
    // No spec.replicas and an HPA: nothing to add to the Deployment.
    expect(m.fields.replicas).toBeUndefined();
    expect(m.blocked).toBeUndefined();
    roundTripField(repo, plain('web.yaml'), web, 'hpa.maxReplicas');
    const { text } = checkInsertion(repo, plain('web.yaml'), web, 'hpa.minReplicas', 2);
    expect(text).toBe(repo.read('web.yaml')!.replace('spec:\n  scaleTargetRef:', 'spec:\n  minReplicas: 2\n  scaleTargetRef:'));
  });

  it('ignores an HPA in another namespace and one for another kind', () => {
    const sts = hpaDoc().replace('kind: Deployment', 'kind: StatefulSet');
    const repo = memRepo({ 'web.yaml': `${deployment({ ns: 'shop', replicas: '2' })}---\n${hpaDoc({ ns: 'other' })}---\n${sts}` });
    const m = locateWorkload(repo, web, plain('web.yaml'));
    expect(m.autoscaler).toBe('none');
    expect(m.fields.replicas?.raw).toBe('2');
  });

  it('hpaPath names the HPA file', () => {
    const repo = memRepo({ 'app/web.yaml': deployment(), 'scaling/web-hpa.yaml': hpaDoc({ max: '12' }) });
    const m = locateWorkload(repo, web, plain('app/web.yaml', { hpaPath: 'scaling/web-hpa.yaml' }));
    expect(m.fields['hpa.maxReplicas']).toMatchObject({ file: 'scaling/web-hpa.yaml', raw: '12' });
    expect(() => locateWorkload(repo, web, plain('app/web.yaml', { hpaPath: 'scaling/none.yaml' }))).toThrow(/hpaPath scaling\/none\.yaml: no such file/);
    expect(() => locateWorkload(repo, web, plain('app/web.yaml', { hpaPath: 'app/web.yaml' }))).toThrow(/no HorizontalPodAutoscaler there/);
  });

  it('a KEDA ScaledObject owns replicas too', () => {
    const so = ['apiVersion: keda.sh/v1alpha1', 'kind: ScaledObject', 'metadata:', '  name: web', 'spec:', '  scaleTargetRef:', '    name: web', '  maxReplicaCount: 20', ''].join('\n');
    const repo = memRepo({ 'web.yaml': deployment({ replicas: '2' }), 'keda.yaml': so });
    const m = locateWorkload(repo, web, plain('web.yaml'));
    expect(m.autoscaler).toBe('hpa');
    expect(m.fields.replicas).toBeUndefined();
    expect(m.fields['hpa.maxReplicas']).toBeUndefined();
    expect(m.notes.join('\n')).toMatch(/KEDA ScaledObject/);
  });

  it('chooses the container: the only one, the named one, or the first with a note', () => {
    const two = deployment().replace(
      '        - name: app\n',
      '        - name: proxy\n          resources:\n            requests:\n              cpu: 10m\n        - name: app\n',
    );
    const repo = memRepo({ 'web.yaml': two });
    const first = locateWorkload(repo, web, plain('web.yaml'));
    expect(first.container).toBe('proxy');
    expect(first.fields['cpu.request']).toMatchObject({ raw: '10m', yamlPath: 'spec.template.spec.containers[0].resources.requests.cpu' });
    // proxy's requests map has cpu only: memory is added beside it; it has no limits, and Augur invents none.
    expect(first.fields['memory.request']).toMatchObject({ raw: '', yamlPath: 'spec.template.spec.containers[0].resources.requests.memory', insert: { prefix: '              memory: ' } });
    expect(first.fields['cpu.limit']).toBeUndefined();
    expect(first.fields['memory.limit']).toBeUndefined();
    expect(first.notes.join('\n')).toMatch(/2 containers \(proxy, app\); using the first, "proxy"/);
    const named = locateWorkload(repo, web, plain('web.yaml', { container: 'app' }));
    expect(named.container).toBe('app');
    expect(named.fields['cpu.request']).toMatchObject({ raw: '100m', yamlPath: 'spec.template.spec.containers[1].resources.requests.cpu' });
    expect(named.notes).toEqual([]);
    roundTripPresent(repo, plain('web.yaml', { container: 'app' }), web);
    expect(() => locateWorkload(repo, web, plain('web.yaml', { container: 'nginx' }))).toThrow(/no container named "nginx".*found: "proxy", "app"/);
  });

  it('values that are not quantities are blocked, each with the fix', () => {
    const text = deployment({ replicas: '{{ .Values.replicas }}', cpu: "'${CPU}'", mem: '' });
    const repo = memRepo({ 'web.yaml': text });
    const m = locateWorkload(repo, web, plain('web.yaml'));
    expect(m.fields.replicas).toBeUndefined();
    expect(m.fields['cpu.request']).toBeUndefined();
    expect(m.fields['memory.request']).toBeUndefined();
    expect(m.fields['memory.limit']?.raw).toBe('256Mi');
    expect(m.notes).toEqual([]);
    const b = m.blocked ?? {};
    expect(b.replicas).toMatch(/^replicas: web\.yaml:\d+: spec\.replicas is templated \(\{\{ \.Values\.replicas \}\}\), and Augur edits values, not templates; set the value where the template reads it/);
    expect(b['cpu.request']).toMatch(/spec\.template\.spec\.containers\[0\]\.resources\.requests\.cpu = "\$\{CPU\}": cpu\.request: "\$\{CPU\}" is not a CPU quantity.*; write such a value there/);
    expect(b['memory.request']).toMatch(/resources\.requests\.memory is empty; write the value there \(e\.g\. 128Mi\) so Augur can edit it/);
  });

  it('an anchored scalar and an alias are blocked (aliases would change with it), each with the fix', () => {
    const text = deployment({ cpu: '&cpu 100m' }).replace('              memory: 256Mi', '              memory: 256Mi\n              cpu: *cpu');
    const m = locateWorkload(memRepo({ 'web.yaml': text }), web, plain('web.yaml'));
    expect(m.fields['cpu.request']).toBeUndefined();
    expect(m.fields['cpu.limit']).toBeUndefined();
    expect(m.blocked?.['cpu.request']).toMatch(/web\.yaml:\d+: .*requests\.cpu carries the anchor &cpu .*; edit it by hand, or remove the anchor if no alias \(\*cpu\) uses it/);
    expect(m.blocked?.['cpu.limit']).toMatch(/web\.yaml:\d+: .*limits\.cpu is an alias \(\*cpu\), so its value is written at the anchor; edit the anchor &cpu by hand, or write the value out in place of the alias/);
  });

  it('skips a sibling with invalid YAML while looking for the HPA, with a note', () => {
    const repo = memRepo({ 'web/deploy.yaml': deployment(), 'web/broken.yaml': 'a: [1,\n' });
    const m = locateWorkload(repo, web, plain('web/deploy.yaml'));
    expect(m.autoscaler).toBe('none');
    expect(m.notes.join('\n')).toMatch(/skipped invalid YAML while looking for an HPA: web\/broken\.yaml:/);
  });
});

// Online Boutique (test/fixtures/manifests/online-boutique-plain): most Deployments set no
// spec.replicas, as Kubernetes then runs one pod; the release file holds 35 documents.
const BOUTIQUE = fileURLToPath(new URL('../../../test/fixtures/manifests/online-boutique-plain', import.meta.url));
const boutique = fsRepo(BOUTIQUE);
const RELEASE = 'release/kubernetes-manifests.yaml';
const cart: WorkloadId = { kind: 'Deployment', namespace: 'default', name: 'cartservice' };

describe('plain YAML: absent fields become insertions or blocked fields', () => {
  it('a Deployment without spec.replicas in a 35-document file: replicas is added under spec, the other documents keep their bytes', () => {
    const m = locateWorkload(boutique, cart, plain(RELEASE));
    expect(m.autoscaler).toBe('none');
    expect(m.fields.replicas).toMatchObject({ file: RELEASE, documentIndex: 10, yamlPath: 'spec.replicas', raw: '', insert: { prefix: '  replicas: ', suffix: '\n' } });
    expect(m.blocked).toBeUndefined();
    const { text } = checkInsertion(boutique, plain(RELEASE), cart, 'replicas', 3);
    const original = boutique.read(RELEASE)!;
    expect(text).toBe(original.replace('    app: cartservice\nspec:\n  selector:\n', '    app: cartservice\nspec:\n  replicas: 3\n  selector:\n'));
    // The fields that are written are edited in place as before.
    roundTripPresent(boutique, plain(RELEASE), cart);
    for (const f of ['cpu.request', 'memory.limit'] as const) roundTripField(boutique, plain(RELEASE), cart, f);
  });

  it('the same in the one-file-per-service layout; loadgenerator writes spec.replicas and keeps it', () => {
    const dir = 'kubernetes-manifests';
    checkInsertion(boutique, plain(dir), { ...cart, name: 'frontend' }, 'replicas', 2);
    const load = locateWorkload(boutique, { ...cart, name: 'loadgenerator' }, plain(`${dir}/loadgenerator.yaml`));
    expect(load.fields.replicas).toMatchObject({ raw: '1', yamlPath: 'spec.replicas' });
    expect(load.fields.replicas?.insert).toBeUndefined();
  });

  it('a requests map without cpu gets cpu added; resources {} or no requests are blocked with the fix; limits are never invented', () => {
    const onlyMemory = deployment({ replicas: '2' }).replace('              cpu: 100m\n', '');
    const m = locateWorkload(memRepo({ 'web.yaml': onlyMemory }), web, plain('web.yaml'));
    expect(m.fields['cpu.request']).toMatchObject({ yamlPath: 'spec.template.spec.containers[0].resources.requests.cpu', insert: { prefix: '              cpu: ' } });
    const { text } = checkInsertion(memRepo({ 'web.yaml': onlyMemory }), plain('web.yaml'), web, 'cpu.request', 0.25);
    expect(text).toBe(onlyMemory.replace('            requests:\n', '            requests:\n              cpu: 250m\n'));

    const empty = deployment({ replicas: '2' }).replace(/ {10}resources:\n(?: {12}.*\n)+/, '          resources: {}\n');
    const e = locateWorkload(memRepo({ 'web.yaml': empty }), web, plain('web.yaml'));
    expect(e.fields['cpu.request']).toBeUndefined();
    expect(e.fields['cpu.limit']).toBeUndefined();
    expect(Object.keys(e.blocked ?? {}).sort()).toEqual(['cpu.request', 'memory.request']);
    expect(e.blocked?.['cpu.request']).toBe(
      'cpu.request: web.yaml:12: container app of Deployment/web has `resources: {}` (spec.template.spec.containers[0].resources), so there is no ' +
        'spec.template.spec.containers[0].resources.requests.cpu to change; add resources.requests to container app, even `{cpu: 100m}`, so Augur can size it',
    );
    const limitsOnly = deployment({ replicas: '2' }).replace(/ {12}requests:\n(?: {14}.*\n)+/, '');
    const l = locateWorkload(memRepo({ 'web.yaml': limitsOnly }), web, plain('web.yaml'));
    expect(l.blocked?.['memory.request']).toMatch(/container app of Deployment\/web has no spec\.template\.spec\.containers\[0\]\.resources\.requests, .*add resources\.requests to container app, even `\{memory: 128Mi\}`/);
    expect(l.fields['memory.limit']).toMatchObject({ raw: '256Mi' });
    expect(l.fields['cpu.limit']).toMatchObject({ insert: { prefix: '              cpu: ' } });
    const none = locateWorkload(memRepo({ 'web.yaml': deployment().replace(/ {10}resources:\n(?: {12}.*\n)+/, '') }), web, plain('web.yaml'));
    expect(none.blocked?.['cpu.request']).toMatch(/container app of Deployment\/web has no resources, /);
  });

  it('a spec or requests map that cannot take a key is blocked, naming the document and the fix', () => {
    const flow = `${hpaDoc({ name: 'other', target: 'other' })}---\n${deployment({ replicas: '2' }).replace(/ {12}requests:\n {14}cpu: 100m\n {14}memory: 128Mi\n/, '            requests: {memory: 128Mi}\n')}`;
    const m = locateWorkload(memRepo({ 'web.yaml': flow }), web, plain('web.yaml'));
    expect(m.blocked?.['cpu.request']).toMatch(
      /^cpu\.request: web\.yaml:\d+ \(document 2\): spec\.template\.spec\.containers\[0\]\.resources\.requests is a flow map \(\{memory: 128Mi\}\), where Augur adds no key; write it as a block map \(one key per line\), or add cpu: 100m there by hand$/,
    );
  });
});

describe('plain YAML: the autoscaler is found anywhere in the repository', () => {
  const so = (name: string) => ['apiVersion: keda.sh/v1alpha1', 'kind: ScaledObject', 'metadata:', `  name: ${name}`, 'spec:', '  scaleTargetRef:', `    name: ${name}`, '  maxReplicaCount: 20', ''].join('\n');
  const withHpa = (extra: Record<string, string>) => memRepo({ [RELEASE]: boutique.read(RELEASE)!, 'README.md': '# shop\n', ...extra });

  it('an HPA in another directory owns replicas: no insertion of spec.replicas, its bounds are the fields', () => {
    const repo = withHpa({ 'autoscaling/cartservice-hpa.yaml': hpaDoc({ name: 'cartservice', target: 'cartservice', min: null, max: '6' }) });
    const m = locateWorkload(repo, cart, plain(RELEASE));
    expect(m.autoscaler).toBe('hpa');
    expect(m.fields.replicas).toBeUndefined();
    expect(m.fields['hpa.maxReplicas']).toMatchObject({ file: 'autoscaling/cartservice-hpa.yaml', raw: '6' });
    expect(m.fields['hpa.minReplicas']).toMatchObject({ file: 'autoscaling/cartservice-hpa.yaml', insert: { prefix: '  minReplicas: ' } });
    expect(m.filesRead).toEqual([RELEASE, 'autoscaling/cartservice-hpa.yaml']);
    expect(m.notes.join('\n')).toMatch(/HorizontalPodAutoscaler\/cartservice \(autoscaling\/cartservice-hpa\.yaml\) scales Deployment\/cartservice: found by searching the repository/);
    // A KEDA ScaledObject deeper down counts the same; one in another namespace does not.
    const keda = locateWorkload(withHpa({ 'clusters/prod/keda/cart.yaml': so('cartservice') }), cart, plain(RELEASE));
    expect(keda.autoscaler).toBe('hpa');
    expect(keda.scaledObject).toMatchObject({ file: 'clusters/prod/keda/cart.yaml', label: 'ScaledObject/cartservice' });
    const elsewhere = hpaDoc({ name: 'cartservice', target: 'cartservice', ns: 'staging' });
    expect(locateWorkload(withHpa({ 'autoscaling/hpa.yaml': elsewhere }), cart, plain(RELEASE)).fields.replicas?.insert).toBeDefined();
  });

  it('two autoscalers across the repository are a ManifestError naming both and the fix; hpaPath still wins', () => {
    const two = {
      'envs/staging/hpa.yaml': hpaDoc({ name: 'cartservice', target: 'cartservice' }),
      'envs/prod/scaling.yaml': `${hpaDoc({ name: 'frontend', target: 'frontend' })}---\n${hpaDoc({ name: 'cart', target: 'cartservice', max: '30' })}`,
    };
    expect(() => locateWorkload(withHpa(two), cart, plain(RELEASE))).toThrow(
      /Deployment default\/cartservice is the scaleTargetRef of 2 autoscalers found across the repository: HorizontalPodAutoscaler\/cart in envs\/prod\/scaling\.yaml \(document 2, line \d+\); HorizontalPodAutoscaler\/cartservice in envs\/staging\/hpa\.yaml\. Set hpaPath: in the target/,
    );
    const m = locateWorkload(withHpa(two), cart, plain(RELEASE, { hpaPath: 'envs/prod/scaling.yaml' }));
    expect(m.fields['hpa.maxReplicas']).toMatchObject({ file: 'envs/prod/scaling.yaml', documentIndex: 1, raw: '30' });
  });

  it('skips hidden directories, node_modules and files over 1 MiB', () => {
    const hpa = hpaDoc({ name: 'cartservice', target: 'cartservice' });
    const big = `${hpa}# ${'x'.repeat(1 << 20)}\n`;
    const repo = withHpa({ '.git/hpa.yaml': hpa, 'node_modules/chart/hpa.yaml': hpa, 'big/hpa.yaml': big });
    const m = locateWorkload(repo, cart, plain(RELEASE));
    expect(m.autoscaler).toBe('none');
    expect(m.fields.replicas?.insert).toBeDefined();
  });
});
