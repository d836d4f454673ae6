// Hand-written plain-YAML shapes: quotes, comments, CRLF, multi-document files, StatefulSets,
// ambiguous and missing workloads, HPAs next door and autoscaling/v1, containers, templating.
import { describe, expect, it } from 'vitest';
import type { WorkloadId } from '../../domain/workload.js';
import { ManifestError, applyEdits, editFor, locateWorkload } from '../index.js';
import type { ManifestSpec } from '../index.js';
import { memRepo } from '../testing.js';
import { roundTripAll, roundTripField } from '../roundtrip.test-helper.js';

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
    roundTripAll(repo, plain('web.yaml'), web);
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
    roundTripAll(repo, plain('web.yaml'), web);
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
    roundTripAll(repo, plain('all.yaml'), web);
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
    roundTripAll(repo, plain('db'), id);
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
    roundTripAll(repo, plain('web/deploy.yaml'), web);
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

  it('reads autoscaling/v1 and notes a missing minReplicas', () => {
    const repo = memRepo({ 'web.yaml': `${deployment()}---\n${hpaDoc({ api: 'autoscaling/v1', min: null, max: '6' })}` });
    const m = locateWorkload(repo, web, plain('web.yaml'));
    expect(m.autoscaler).toBe('hpa');
    expect(m.fields['hpa.minReplicas']).toBeUndefined();
    expect(m.fields['hpa.maxReplicas']?.raw).toBe('6');
    expect(m.notes.join('\n')).toMatch(/sets no spec\.minReplicas, so Kubernetes uses 1/);
    roundTripField(repo, plain('web.yaml'), web, 'hpa.maxReplicas');
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
    expect(first.fields['memory.request']).toBeUndefined();
    expect(first.notes.join('\n')).toMatch(/2 containers \(proxy, app\); using the first, "proxy"/);
    const named = locateWorkload(repo, web, plain('web.yaml', { container: 'app' }));
    expect(named.container).toBe('app');
    expect(named.fields['cpu.request']).toMatchObject({ raw: '100m', yamlPath: 'spec.template.spec.containers[1].resources.requests.cpu' });
    expect(named.notes).toEqual([]);
    roundTripAll(repo, plain('web.yaml', { container: 'app' }), web);
    expect(() => locateWorkload(repo, web, plain('web.yaml', { container: 'nginx' }))).toThrow(/no container named "nginx".*found: "proxy", "app"/);
  });

  it('values that are not quantities are absent, with a note', () => {
    const text = deployment({ replicas: '{{ .Values.replicas }}', cpu: "'${CPU}'", mem: '' });
    const repo = memRepo({ 'web.yaml': text });
    const m = locateWorkload(repo, web, plain('web.yaml'));
    expect(m.fields.replicas).toBeUndefined();
    expect(m.fields['cpu.request']).toBeUndefined();
    expect(m.fields['memory.request']).toBeUndefined();
    expect(m.fields['memory.limit']?.raw).toBe('256Mi');
    const notes = m.notes.join('\n');
    expect(notes).toMatch(/replicas: web\.yaml:\d+: spec\.replicas is templated \(\{\{ \.Values\.replicas \}\}\)/);
    expect(notes).toMatch(/spec\.template\.spec\.containers\[0\]\.resources\.requests\.cpu = "\$\{CPU\}": cpu\.request: "\$\{CPU\}" is not a CPU quantity/);
    expect(notes).toMatch(/resources\.requests\.memory is empty/);
  });

  it('an anchored scalar is not edited (aliases would change with it)', () => {
    const text = deployment({ cpu: '&cpu 100m' }).replace('              memory: 256Mi', '              memory: 256Mi\n              cpu: *cpu');
    const m = locateWorkload(memRepo({ 'web.yaml': text }), web, plain('web.yaml'));
    expect(m.fields['cpu.request']).toBeUndefined();
    expect(m.fields['cpu.limit']).toBeUndefined();
    expect(m.notes.join('\n')).toMatch(/anchor &cpu/);
    expect(m.notes.join('\n')).toMatch(/is an alias \(\*cpu\)/);
  });

  it('skips a sibling with invalid YAML while looking for the HPA, with a note', () => {
    const repo = memRepo({ 'web/deploy.yaml': deployment(), 'web/broken.yaml': 'a: [1,\n' });
    const m = locateWorkload(repo, web, plain('web/deploy.yaml'));
    expect(m.autoscaler).toBe('none');
    expect(m.notes.join('\n')).toMatch(/skipped invalid YAML while looking for an HPA: web\/broken\.yaml:/);
  });
});
