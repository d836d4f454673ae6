import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { WorkloadId } from '../../domain/workload.js';
import { ManifestError, locateWorkload } from '../index.js';
import type { ManifestSpec } from '../index.js';
import { fsRepo, memRepo } from '../testing.js';
import { roundTripAll, roundTripField } from '../roundtrip.test-helper.js';
import { checkInsertion, roundTripPresent } from '../insertion.test-helper.js';

const id: WorkloadId = { kind: 'Deployment', namespace: 'shop', name: 'web' };
const helm = (extra: Partial<ManifestSpec> = {}): ManifestSpec => ({ format: 'helm', path: 'chart/values.yaml', ...extra });

const values = (enabled: string) => `# Default values for web.
replicaCount: 3 # ignored when autoscaling is on

autoscaling:
  enabled: ${enabled}
  minReplicas: 2
  maxReplicas: "12"
  targetCPUUtilizationPercentage: 80

resources:
  requests:
    cpu: 250m
    memory: '512Mi'
  limits:
    memory: 1Gi
`;

describe('helm values', () => {
  it('hpa.enabled false: replicas is returned, the HPA bounds are not', () => {
    const repo = memRepo({ 'chart/values.yaml': values('false') });
    const m = locateWorkload(repo, id, helm());
    expect(m.autoscaler).toBe('none');
    expect(m.container).toBeUndefined();
    expect(m.fields.replicas).toMatchObject({ file: 'chart/values.yaml', yamlPath: 'replicaCount', raw: '3', documentIndex: 0 });
    expect(m.fields['hpa.minReplicas']).toBeUndefined();
    expect(m.fields['memory.request']).toMatchObject({ raw: '512Mi', style: 'single', yamlPath: 'resources.requests.memory' });
    // No CPU limit in the values: no limit, none invented, nothing blocked.
    expect(m.fields['cpu.limit']).toBeUndefined();
    expect(m.blocked).toBeUndefined();
    const notes = m.notes.join('\n');
    expect(notes).toMatch(/autoscaling\.enabled is not true, so the chart renders no HPA; hpa\.minReplicas \(autoscaling\.minReplicas\), hpa\.maxReplicas \(autoscaling\.maxReplicas\) not returned/);
    expect(notes).not.toMatch(/cpu\.limit/);
    roundTripAll(repo, helm(), id);
  });

  it('hpa.enabled true: the HPA bounds are returned, replicas is not', () => {
    const repo = memRepo({ 'chart/values.yaml': values('true') });
    const m = locateWorkload(repo, id, helm());
    expect(m.autoscaler).toBe('hpa');
    expect(m.fields.replicas).toBeUndefined();
    expect(m.fields['hpa.minReplicas']).toMatchObject({ yamlPath: 'autoscaling.minReplicas', raw: '2' });
    expect(m.fields['hpa.maxReplicas']).toMatchObject({ raw: '12', style: 'double' });
    expect(m.notes.join('\n')).toMatch(/autoscaling\.enabled is true, so the chart's HPA owns replicas; replicaCount \(chart\/values\.yaml:2: 3\) is not edited/);
    for (const f of ['hpa.minReplicas', 'hpa.maxReplicas', 'cpu.request', 'memory.request', 'memory.limit'] as const) roundTripField(repo, helm(), id, f);
    // "true" as a string counts too.
    expect(locateWorkload(memRepo({ 'chart/values.yaml': values('"true"') }), id, helm()).autoscaler).toBe('hpa');
  });

  it('custom key paths, including list indexes', () => {
    const text = `web:
  replicas: 4
  hpa:
    on: false
  containers:
    - name: app
      res:
        cpu: 500m
`;
    const repo = memRepo({ 'chart/values.yaml': text });
    const spec = helm({ helm: { replicas: 'web.replicas', 'hpa.enabled': 'web.hpa.on', 'cpu.request': 'web.containers[0].res.cpu' } });
    const m = locateWorkload(repo, id, spec);
    expect(m.fields.replicas?.raw).toBe('4');
    expect(m.fields['cpu.request']).toMatchObject({ yamlPath: 'web.containers[0].res.cpu', raw: '500m' });
    expect(m.blocked?.['memory.request']).toBe(
      'memory.request: chart/values.yaml: key path resources.requests.memory not found (resources is not set), and Augur adds a key only to a map that exists; ' +
        "add `helm.memory.request: <key path>` to the target's manifest, the key path where this chart reads the container's memory request; or add resources.requests to the values, where Augur can then add the key",
    );
    roundTripAll(repo, spec, id);
  });

  it('a key path that points at a map is a ManifestError', () => {
    const repo = memRepo({ 'chart/values.yaml': values('false') });
    expect(() => locateWorkload(repo, id, helm({ helm: { 'cpu.request': 'resources.requests' } }))).toThrow(
      /chart\/values\.yaml:\d+: resources\.requests is a map, not a scalar cpu\.request value; set helm\.cpu\.request in the target to the key path of the scalar itself/,
    );
    expect(() => locateWorkload(repo, id, helm({ helm: { replicas: 'replicaCount.value' } }))).toThrow(/replicaCount is 3, not a map/);
  });

  it('hpa.enabled that is neither true nor false is a ManifestError', () => {
    const repo = memRepo({ 'chart/values.yaml': values('"{{ .Values.global.hpa }}"') });
    expect(() => locateWorkload(repo, id, helm())).toThrow(ManifestError);
    expect(() => locateWorkload(repo, id, helm())).toThrow(/autoscaling\.enabled is .* not true or false/);
  });

  it('templated values are blocked with the fix; a missing values file is an error', () => {
    const repo = memRepo({ 'chart/values.yaml': 'replicaCount: "{{ .Values.n }}"\nresources:\n  requests:\n    cpu: 100m\n' });
    const m = locateWorkload(repo, id, helm());
    expect(m.fields.replicas).toBeUndefined();
    expect(m.blocked?.replicas).toMatch(/^replicas: chart\/values\.yaml:1: replicaCount is templated \(.*\), and Augur edits values, not templates; .*, or point helm\.replicas at another key$/);
    // The requests map has cpu only: memory is added beside it.
    expect(m.fields['memory.request']).toMatchObject({ yamlPath: 'resources.requests.memory', insert: { prefix: '    memory: ' } });
    expect(() => locateWorkload(repo, id, helm({ path: 'chart/nope.yaml' }))).toThrow(/chart\/nope\.yaml: no such values file/);
  });
});

// Online Boutique's chart (test/fixtures/manifests/online-boutique-helm): one key per service with
// its resources, and no replica key or HPA switch anywhere: the templates hard-code replicas.
const BOUTIQUE = fileURLToPath(new URL('../../../test/fixtures/manifests/online-boutique-helm', import.meta.url));
const boutique = fsRepo(BOUTIQUE);
const VALUES = 'helm-chart/values.yaml';
const cart: WorkloadId = { kind: 'Deployment', namespace: 'default', name: 'cartservice' };
const cartKeys = (extra: Partial<Record<string, string>> = {}): ManifestSpec =>
  helm({ path: VALUES, helm: { 'cpu.request': 'cartService.resources.requests.cpu', 'memory.request': 'cartService.resources.requests.memory', 'cpu.limit': 'cartService.resources.limits.cpu', ...extra } });

describe('helm values: absent keys are added where their map exists, or blocked with the fix', () => {
  it('no replica key and no HPA switch: replicas is blocked, saying the chart may hard-code them', () => {
    const m = locateWorkload(boutique, cart, cartKeys());
    expect(m.fields.replicas).toBeUndefined();
    expect(m.blocked?.replicas).toBe(
      'replicas: helm-chart/values.yaml: neither replicaCount nor the HPA switch autoscaling.enabled is in the values (replicaCount is not set), ' +
        'so the chart may hard-code replicas in its template, where Augur cannot change them. If the chart reads its replica count from a key, ' +
        "add `helm.replicas: <key path>` to the target's manifest, the key path where this chart reads its replica count",
    );
    expect(m.fields['cpu.request']).toMatchObject({ raw: '200m', yamlPath: 'cartService.resources.requests.cpu' });
    roundTripPresent(boutique, cartKeys(), cart);
  });

  it('a configured replica key whose map exists is added there; one whose map does not is blocked with the fix', () => {
    const spec = cartKeys({ replicas: 'cartService.replicas' });
    const m = locateWorkload(boutique, cart, spec);
    expect(m.fields.replicas).toMatchObject({ yamlPath: 'cartService.replicas', raw: '', insert: { prefix: '  replicas: ', suffix: '\n' } });
    const { text } = checkInsertion(boutique, spec, cart, 'replicas', 2);
    expect(text).toBe(boutique.read(VALUES)!.replace('cartService:\n  create: true\n', 'cartService:\n  replicas: 2\n  create: true\n'));
    const wrong = locateWorkload(boutique, cart, cartKeys({ replicas: 'cart.replicas' }));
    expect(wrong.blocked?.replicas).toBe(
      'replicas: helm-chart/values.yaml: key path cart.replicas not found (cart is not set), and Augur adds a key only to a map that exists; ' +
        "fix helm.replicas in the target's manifest: the key path where this chart reads its replica count; or add cart to the values, where Augur can then add the key",
    );
  });

  it('with the HPA switch written, the default replicaCount is added at the top of the values', () => {
    const text = '# web\nautoscaling:\n  enabled: false\nresources: {}\n';
    const repo = memRepo({ 'chart/values.yaml': text });
    const m = locateWorkload(repo, id, helm());
    expect(m.fields.replicas).toMatchObject({ yamlPath: 'replicaCount', insert: { prefix: 'replicaCount: ' } });
    expect(checkInsertion(repo, helm(), id, 'replicas', 3).text).toBe('# web\nreplicaCount: 3\nautoscaling:\n  enabled: false\nresources: {}\n');
    // resources: {} holds no requests map: blocked, naming the map to add.
    expect(m.blocked?.['cpu.request']).toMatch(/key path resources\.requests\.cpu not found \(resources\.requests is not set\).*; or add resources\.requests to the values/);
    // The switch on: the absent HPA bounds are added under autoscaling.
    const on = memRepo({ 'chart/values.yaml': 'autoscaling:\n  enabled: true\n  maxReplicas: 5\n' });
    const h = locateWorkload(on, id, helm());
    expect(h.fields['hpa.minReplicas']).toMatchObject({ yamlPath: 'autoscaling.minReplicas', insert: { prefix: '  minReplicas: ' } });
    expect(h.fields['hpa.maxReplicas']).toMatchObject({ raw: '5' });
    checkInsertion(on, helm(), id, 'hpa.minReplicas', 2);
  });

  it('an alias is blocked with the fix; an anchor an alias reuses is blocked too', () => {
    const text = 'defaults:\n  replicas: &n 2\nreplicaCount: *n\nautoscaling:\n  enabled: false\nresources:\n  requests: &req\n    cpu: 100m\nsidecar:\n  requests: *req\n';
    const m = locateWorkload(memRepo({ 'chart/values.yaml': text }), id, helm());
    expect(m.blocked?.replicas).toMatch(
      /^replicas: chart\/values\.yaml:3: replicaCount is the alias \*n of &n \(line 2\), .*Edit the anchor &n by hand, or write the value out in place of the alias to let Augur edit it here, or point helm\.replicas at another key$/,
    );
    expect(m.blocked?.['cpu.request']).toMatch(/resources\.requests\.cpu is inside the anchor &req \(line \d+\), which the alias \*req reuses at line 10/);
    // memory.request would go into the anchored map: blocked as well.
    expect(m.blocked?.['memory.request']).toMatch(/resources\.requests\.memory would be added inside the anchor &req/);
  });
});
