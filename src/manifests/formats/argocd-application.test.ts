// Argo CD Applications and ApplicationSets (test/fixtures/manifests/argocd, written in the shapes of
// the Argo CD documentation): values in helm.valuesObject, in the helm.values string (edited inside
// the string), and in helm.parameters, with Argo CD's precedence; and what Augur refuses.
import { parseDocument } from 'yaml';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { FieldKey, RepoView, WorkloadId } from '../../domain/workload.js';
import { ManifestError, applyEdits, editFor, locateWorkload } from '../index.js';
import type { ManifestSpec } from '../index.js';
import { fsRepo, memRepo, overlayRepo } from '../testing.js';
import { bump, expectedAfter, roundTripAll, roundTripField } from '../roundtrip.test-helper.js';
import { checkInsertion } from '../insertion.test-helper.js';

const ROOT = fileURLToPath(new URL('../../../test/fixtures/manifests/argocd', import.meta.url));
const disk = fsRepo(ROOT);

function app(path: string, options: Record<string, unknown> = {}): ManifestSpec {
  const spec = { format: 'argocd-application', path, ...options };
  return spec;
}

const shop = (name: string): WorkloadId => ({ kind: 'Deployment', namespace: 'shop', name });

/**
 * roundTripField for a value inside a YAML string: the edit changes that one line of the file,
 * the string parsed again holds the new value at the key path, and editing back restores the file.
 */
function roundTripInString(repo: RepoView, spec: ManifestSpec, id: WorkloadId, field: FieldKey, valuesAt: (string | number)[], keyPath: string): void {
  const loc = locateWorkload(repo, id, spec).fields[field];
  if (!loc) throw new Error(`${field} not located`);
  const original = repo.read(loc.file) ?? '';
  const edit = editFor(loc, bump(field, loc.raw));
  const after = applyEdits(repo, [edit]).get(loc.file) ?? '';
  expect(after).toBe(expectedAfter(original, loc, edit.to));
  const docs = after.split(/^---\n/m);
  const doc = parseDocument(docs[loc.documentIndex] ?? '');
  const values = doc.getIn(valuesAt);
  expect(typeof values).toBe('string');
  expect(String(parseDocument(String(values)).getIn(keyPath.split('.')))).toBe(edit.to);
  const repo2 = overlayRepo(repo, { [loc.file]: after });
  const loc2 = locateWorkload(repo2, id, spec).fields[field];
  expect(loc2).toMatchObject({ file: loc.file, yamlPath: loc.yamlPath, raw: edit.to, style: loc.style });
  if (loc2) expect(applyEdits(repo2, [{ ...editFor(loc2, 0), to: loc.raw }]).get(loc.file)).toBe(original);
}

describe('argocd-application: the three places of helm values', () => {
  it('helm.valuesObject, in the second document of its file', () => {
    const spec = app('apps/podinfo.yaml', { helm: { 'hpa.enabled': 'hpa.enabled', 'hpa.maxReplicas': 'hpa.maxReplicas' } });
    const m = locateWorkload(disk, shop('podinfo'), spec);
    expect(m.autoscaler).toBe('none');
    expect(m.fields.replicas).toMatchObject({ file: 'apps/podinfo.yaml', documentIndex: 1, yamlPath: 'spec.source.helm.valuesObject.replicaCount', raw: '2' });
    expect(m.fields['memory.request']).toMatchObject({ raw: '64Mi', style: 'double' });
    expect(Object.keys(m.fields).sort()).toEqual(['cpu.request', 'memory.limit', 'memory.request', 'replicas']);
    const notes = m.notes.join('\n');
    expect(notes).toMatch(/hpa\.enabled is not true, so the chart renders no HPA; hpa\.maxReplicas \(hpa\.maxReplicas\) not returned/);
    // No CPU limit in the values: no limit to change, none invented, nothing said.
    expect(notes).not.toMatch(/cpu\.limit/);
    expect(m.blocked).toBeUndefined();
    for (const f of Object.keys(m.fields) as FieldKey[]) roundTripField(disk, spec, shop('podinfo'), f);
    roundTripAll(disk, spec, shop('podinfo'));
  });

  it('helm.values, a literal block string: each scalar is edited inside the string, its indentation and comments kept', () => {
    const spec = app('apps');
    const m = locateWorkload(disk, shop('frontend'), spec);
    expect(m.fields.replicas).toMatchObject({ yamlPath: 'spec.sources[1].helm.values.replicaCount', raw: '3', style: 'plain' });
    expect(m.fields['cpu.limit']).toMatchObject({ raw: '1', style: 'double' });
    expect(m.fields['memory.request']).toMatchObject({ raw: '256Mi', style: 'single' });
    const text = disk.read('apps/frontend.yaml') ?? '';
    for (const loc of Object.values(m.fields)) {
      const quote = loc.style === 'single' ? "'" : loc.style === 'double' ? '"' : '';
      expect(text.slice(loc.range[0], loc.range[1])).toBe(`${quote}${loc.raw}${quote}`);
    }
    expect(m.notes.join('\n')).toMatch(/spec\.sources\[1\]\.helm\.valueFiles \(\$values\/charts\/frontend\/values-prod\.yaml\) apply under the inline values, and Augur does not edit them/);
    const keyPaths: Record<string, string> = { replicas: 'replicaCount', 'cpu.request': 'resources.requests.cpu', 'cpu.limit': 'resources.limits.cpu', 'memory.request': 'resources.requests.memory', 'memory.limit': 'resources.limits.memory' };
    for (const [f, k] of Object.entries(keyPaths)) roundTripInString(disk, spec, shop('frontend'), f as FieldKey, ['spec', 'sources', 1, 'helm', 'values'], k);
    roundTripAll(disk, spec, shop('frontend'));
  });

  it('helm.parameters win over helm.valuesObject: the parameter is edited, and a note says the value it overrides exists', () => {
    const spec = app('apps/api.yaml');
    const m = locateWorkload(disk, shop('api'), spec);
    expect(m.fields.replicas).toMatchObject({ yamlPath: 'spec.source.helm.parameters[1].value', raw: '4', style: 'double' });
    expect(m.fields['cpu.request']).toMatchObject({ yamlPath: 'spec.source.helm.parameters[2].value', raw: '500m' });
    expect(m.fields['memory.request']).toMatchObject({ yamlPath: 'spec.source.helm.valuesObject.resources.requests.memory', raw: '256Mi' });
    expect(m.notes.join('\n')).toMatch(/replicas: spec\.source\.helm\.valuesObject also sets replicaCount \(apps\/api\.yaml:23\), but Argo CD applies helm\.parameters over the values; Augur edits spec\.source\.helm\.parameters\[1\]/);
    for (const f of Object.keys(m.fields) as FieldKey[]) roundTripField(disk, spec, shop('api'), f);
    roundTripAll(disk, spec, shop('api'));
  });

  it('an ApplicationSet: the values of its spec.template, with a note that every generated Application changes', () => {
    const id: WorkloadId = { kind: 'Deployment', namespace: 'guestbook', name: 'guestbook' };
    const spec = app('appsets/guestbook.yaml');
    const m = locateWorkload(disk, id, spec);
    expect(m.fields.replicas).toMatchObject({ yamlPath: 'spec.template.spec.source.helm.valuesObject.replicaCount', raw: '1' });
    expect(Object.keys(m.fields)).toHaveLength(5);
    expect(m.notes.join('\n')).toMatch(/ApplicationSet\/guestbook: its spec\.template makes every Application it generates \(1 generator\); an edit there changes all of them/);
    for (const f of Object.keys(m.fields) as FieldKey[]) roundTripField(disk, spec, id, f);
    roundTripAll(disk, spec, id);
  });
});

const application = (helm: string, name = 'web') => `apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: ${name}
  namespace: argocd
spec:
  project: default
  source:
    chart: web
    repoURL: https://charts.acme.dev
    targetRevision: 1.2.3
    helm:
${helm}  destination:
    server: https://kubernetes.default.svc
    namespace: shop
`;
const at = (text: string) => memRepo({ 'argocd/web.yaml': text });
const web = shop('web');
const spec = (options: Record<string, unknown> = {}) => app('argocd/web.yaml', options);

describe('argocd-application: shapes of the values string', () => {
  it('|- and an indentation indicator (|2), and CRLF line ends, map to the file', () => {
    const strip = application('      values: |-\n        replicaCount: 2\n        resources:\n          requests:\n            cpu: 50m\n');
    expect(locateWorkload(at(strip), web, spec()).fields.replicas).toMatchObject({ raw: '2' });
    roundTripAll(at(strip), spec(), web);
    // |2: the block is indented 2 more than `values:`, so its first line (a comment) keeps 2 spaces of its own.
    const indicator = application('      values: |2\n          # sized in March\n        replicaCount: 2\n        resources:\n          requests:\n            cpu: 50m\n');
    expect(locateWorkload(at(indicator), web, spec()).fields.replicas).toMatchObject({ raw: '2' });
    roundTripAll(at(indicator), spec(), web);
    const crlf = strip.replace(/\n/g, '\r\n');
    expect(locateWorkload(at(crlf), web, spec()).fields['cpu.request']).toMatchObject({ raw: '50m' });
    roundTripAll(at(crlf), spec(), web);
  });

  it('a folded (>) or quoted values string is refused with a note that says to write a literal block', () => {
    const folded = application('      values: >\n        replicaCount: 2\n');
    const m = locateWorkload(at(folded), web, spec());
    expect(m.fields.replicas).toBeUndefined();
    expect(m.blocked?.replicas).toBe(
      'replicas: argocd/web.yaml Application/web spec.source.helm.values sets replicaCount, but the string is a folded block (>), whose lines YAML joins with spaces, ' +
        'so its offsets do not map to the file, so Augur does not edit it; write it as a literal block (|)',
    );
    const quoted = application('      values: "replicaCount: 2\\nresources: {}"\n');
    expect(locateWorkload(at(quoted), web, spec()).blocked?.replicas).toMatch(/replicas: .*helm\.values sets replicaCount, but the string is a quoted string.*write it as a literal block/);
  });

  it('with helm.valuesObject set, Argo CD ignores helm.values: a key only there is blocked with a note', () => {
    const both = application('      valuesObject:\n        replicaCount: 2\n      values: |\n        resources:\n          requests:\n            cpu: 50m\n');
    const m = locateWorkload(at(both), web, spec());
    expect(m.fields.replicas).toMatchObject({ yamlPath: 'spec.source.helm.valuesObject.replicaCount' });
    expect(m.fields['cpu.request']).toBeUndefined();
    expect(m.blocked?.['cpu.request']).toMatch(/cpu\.request: spec\.source\.helm\.values sets resources\.requests\.cpu \(argocd\/web\.yaml:\d+\), but Argo CD ignores helm\.values when helm\.valuesObject is set, so it does not apply; move it into helm\.valuesObject/);
  });
});

describe('argocd-application: what Augur refuses, and why', () => {
  it('an aliased value and a missing key path are blocked fields with notes that name the file, line, path and fix', () => {
    const text = application('      valuesObject:\n        defaults:\n          n: &n 2\n        replicaCount: *n\n');
    const m = locateWorkload(at(text), web, spec());
    expect(m.fields.replicas).toBeUndefined();
    const b = m.blocked ?? {};
    expect(b.replicas).toMatch(/replicas: argocd\/web\.yaml:16: spec\.source\.helm\.valuesObject\.replicaCount is the alias \*n of &n \(line 15\).*Edit the anchor &n by hand, or write the value out in place of the alias.*, or point helm\.replicas at another key$/);
    expect(b['cpu.request']).toBe(
      'cpu.request: argocd/web.yaml Application/web spec.source.helm: key path resources.requests.cpu not found (spec.source.helm.valuesObject.resources is not set), ' +
        "and Augur adds a key only to a map that exists; add `helm.cpu.request: <key path>` to the target's manifest, the key path where this chart reads the container's CPU request; " +
        'or add resources.requests to the values, where Augur can then add the key',
    );
  });

  it('an Application that is not there lists what is; one without inline values says what to do', () => {
    expect(() => locateWorkload(disk, shop('checkout'), app('apps'))).toThrow(
      /Application or ApplicationSet checkout \(for Deployment shop\/checkout\) not found in apps\/api\.yaml, apps\/frontend\.yaml, apps\/podinfo\.yaml; there: Application\/api \(apps\/api\.yaml, destination namespace shop\), Application\/frontend .*Application\/podinfo .*Set application: in the target/,
    );
    expect(locateWorkload(disk, shop('checkout'), app('apps', { application: 'podinfo' })).fields.replicas).toMatchObject({ raw: '2' });
    const bare = application('      valueFiles:\n        - values-prod.yaml\n');
    expect(() => locateWorkload(at(bare), web, spec())).toThrow(ManifestError);
    expect(() => locateWorkload(at(bare), web, spec())).toThrow(/no inline values .* point a format: helm target at the values file/);
  });

  it('several sources with helm: source: chooses by index or by chart', () => {
    const two = application('').replace('  source:\n    chart: web\n    repoURL: https://charts.acme.dev\n    targetRevision: 1.2.3\n    helm:\n', [
      '  sources:',
      '    - chart: redis',
      '      repoURL: https://charts.acme.dev',
      '      helm:',
      '        valuesObject:',
      '          replicaCount: 3',
      '    - chart: web',
      '      repoURL: https://charts.acme.dev',
      '      helm:',
      '        parameters:',
      '          - name: replicaCount',
      '            value: "2"',
      '',
    ].join('\n'));
    expect(() => locateWorkload(at(two), web, spec())).toThrow(/2 sources have helm values \(sources: spec\.sources\[0\] \(redis, helm\), spec\.sources\[1\] \(web, helm\)\); set source: in the target/);
    expect(locateWorkload(at(two), web, spec({ source: 1 })).fields.replicas).toMatchObject({ yamlPath: 'spec.sources[1].helm.parameters[0].value', raw: '2' });
    expect(locateWorkload(at(two), web, spec({ source: 'redis' })).fields.replicas).toMatchObject({ yamlPath: 'spec.sources[0].helm.valuesObject.replicaCount', raw: '3' });
    roundTripAll(at(two), spec({ source: 'web' }), web);
  });

  it('the chart HPA switch set by a parameter ("true") gives the HPA bounds', () => {
    const text = application('      parameters:\n        - name: autoscaling.enabled\n          value: "true"\n      valuesObject:\n        replicaCount: 2\n        autoscaling:\n          enabled: false\n          minReplicas: 2\n          maxReplicas: 6\n');
    const m = locateWorkload(at(text), web, spec());
    expect(m.autoscaler).toBe('hpa');
    expect(m.fields.replicas).toBeUndefined();
    expect(m.fields['hpa.maxReplicas']).toMatchObject({ raw: '6' });
    roundTripAll(at(text), spec(), web);
  });
});

describe('argocd-application: absent keys', () => {
  it('helm.valuesObject: an absent key is added to the map that holds its siblings', () => {
    const text = application('      valuesObject:\n        autoscaling:\n          enabled: false\n        resources:\n          requests:\n            cpu: 50m\n');
    const m = locateWorkload(at(text), web, spec());
    expect(m.fields.replicas).toMatchObject({ yamlPath: 'spec.source.helm.valuesObject.replicaCount', insert: { prefix: '        replicaCount: ' } });
    expect(m.fields['memory.request']).toMatchObject({ yamlPath: 'spec.source.helm.valuesObject.resources.requests.memory', insert: { prefix: '            memory: ' } });
    const { text: after } = checkInsertion(at(text), spec(), web, 'replicas', 2);
    expect(after).toBe(text.replace('      valuesObject:\n', '      valuesObject:\n        replicaCount: 2\n'));
    checkInsertion(at(text), spec(), web, 'memory.request', 2 ** 28);
  });

  it('the helm.values string: an absent key is blocked with the fix, never dropped', () => {
    const text = application('      values: |\n        autoscaling:\n          enabled: false\n        resources:\n          requests:\n            cpu: 50m\n');
    const m = locateWorkload(at(text), web, spec());
    expect(m.fields['cpu.request']).toMatchObject({ raw: '50m' });
    expect(m.fields.replicas).toBeUndefined();
    expect(m.blocked?.replicas).toBe(
      'replicas: argocd/web.yaml Application/web spec.source.helm: key path replicaCount not found (spec.source.helm.values.replicaCount is not set); ' +
        'Augur adds no key inside the spec.source.helm.values string: add `replicaCount: 1` to it by hand (Augur then edits it there), or move the values into helm.valuesObject, where Augur can add keys',
    );
    expect(m.blocked?.['memory.request']).toMatch(/Augur adds no key inside the spec\.source\.helm\.values string: add `resources\.requests\.memory: 128Mi` to it by hand/);
  });

  it('with valueFiles, or with helm.parameters only, an absent key is blocked with the fix', () => {
    const files = application('      valueFiles:\n        - values-prod.yaml\n      valuesObject:\n        autoscaling:\n          enabled: false\n        resources:\n          requests:\n            cpu: 50m\n');
    const f = locateWorkload(at(files), web, spec());
    expect(f.fields['cpu.request']).toMatchObject({ raw: '50m' });
    expect(f.blocked?.replicas).toMatch(/spec\.source\.helm\.valueFiles \(values-prod\.yaml\) apply under the inline values and may set it, .*write the key in the inline values by hand/);
    const params = application('      parameters:\n        - name: autoscaling.enabled\n          value: "false"\n');
    const p = locateWorkload(at(params), web, spec());
    expect(p.fields).toEqual({});
    expect(p.blocked?.replicas).toMatch(/has no parameters, valuesObject or values that set it\); add it to spec\.source\.helm\.valuesObject \(Augur then edits it there, and adds keys beside it\), or as a spec\.source\.helm\.parameters entry$/);
  });
});
