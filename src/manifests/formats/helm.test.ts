import { describe, expect, it } from 'vitest';
import type { WorkloadId } from '../../domain/workload.js';
import { ManifestError, locateWorkload } from '../index.js';
import type { ManifestSpec } from '../index.js';
import { memRepo } from '../testing.js';
import { roundTripAll, roundTripField } from '../roundtrip.test-helper.js';

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
    expect(m.fields['cpu.limit']).toBeUndefined();
    const notes = m.notes.join('\n');
    expect(notes).toMatch(/autoscaling\.enabled is not true, so the chart renders no HPA; hpa\.minReplicas \(autoscaling\.minReplicas\), hpa\.maxReplicas \(autoscaling\.maxReplicas\) not returned/);
    expect(notes).toMatch(/cpu\.limit: chart\/values\.yaml: key path resources\.limits\.cpu not found \(resources\.limits\.cpu is not set\)/);
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
    expect(m.notes.join('\n')).toMatch(/memory\.request: .*key path resources\.requests\.memory not found \(resources is not set\).*if the chart uses another key, set helm\.memory\.request/);
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

  it('templated values are absent with a note; a missing values file is an error', () => {
    const repo = memRepo({ 'chart/values.yaml': 'replicaCount: "{{ .Values.n }}"\nresources:\n  requests:\n    cpu: 100m\n' });
    const m = locateWorkload(repo, id, helm());
    expect(m.fields.replicas).toBeUndefined();
    expect(m.notes.join('\n')).toMatch(/replicaCount is templated/);
    expect(() => locateWorkload(repo, id, helm({ path: 'chart/nope.yaml' }))).toThrow(/chart\/nope\.yaml: no such values file/);
  });
});
