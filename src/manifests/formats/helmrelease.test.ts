// Flux HelmReleases: real ones from home-ops (test/fixtures/manifests/home-ops), found in a file, a
// directory or a kustomization, in any document, with their values patched by overlays; and the
// inputs Augur refuses (valuesFrom, aliases and shared anchors, a release that is not there).
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { FieldKey, WorkloadId } from '../../domain/workload.js';
import { ManifestError, applyEdits, editFor, locateWorkload } from '../index.js';
import type { ManifestSpec } from '../index.js';
import { fsRepo, memRepo } from '../testing.js';
import { roundTripAll, roundTripField } from '../roundtrip.test-helper.js';
import { checkInsertion, roundTripPresent } from '../insertion.test-helper.js';

const ROOT = fileURLToPath(new URL('../../../test/fixtures/manifests/home-ops', import.meta.url));
const disk = fsRepo(ROOT);
const APPS = 'kubernetes/apps';
const TUNNEL = `${APPS}/network/cloudflare-tunnel/app`;
const SONARR = `${APPS}/default/sonarr/app`;

/** The files of a fixture directory, by repository path, to build in-memory repositories from. */
function filesUnder(rel: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of readdirSync(join(ROOT, rel))) {
    const p = `${rel}/${name}`;
    if (statSync(join(ROOT, p)).isDirectory()) Object.assign(out, filesUnder(p));
    else out[p] = readFileSync(join(ROOT, p), 'utf8');
  }
  return out;
}

const read = (p: string) => readFileSync(join(ROOT, p), 'utf8');

/** A spec with the format's own options (ManifestSpec does not declare them). */
function hr(path: string, helm: ManifestSpec['helm'], extra: Record<string, string> = {}): ManifestSpec {
  const spec = { format: 'helmrelease', path, helm, ...extra };
  return spec;
}

/** app-template: controllers.<name>.replicas and controllers.<name>.containers.<c>.resources. */
function appTemplate(controller: string, container = 'app'): ManifestSpec['helm'] {
  const res = `controllers.${controller}.containers.${container}.resources`;
  return {
    replicas: `controllers.${controller}.replicas`,
    'cpu.request': `${res}.requests.cpu`,
    'cpu.limit': `${res}.limits.cpu`,
    'memory.request': `${res}.requests.memory`,
    'memory.limit': `${res}.limits.memory`,
  };
}

const tunnel: WorkloadId = { kind: 'Deployment', namespace: 'network', name: 'cloudflare-tunnel' };
const sonarr: WorkloadId = { kind: 'Deployment', namespace: 'default', name: 'sonarr' };

describe('helmrelease: real app-template releases from home-ops', () => {
  it('cloudflare-tunnel: replicas and resources under controllers, edited in place; its anchors and aliases keep their bytes', () => {
    const spec = hr(`${TUNNEL}/helmrelease.yaml`, appTemplate('cloudflare-tunnel'));
    const m = locateWorkload(disk, tunnel, spec);
    expect(m.autoscaler).toBe('none');
    expect(m.fields.replicas).toMatchObject({ file: `${TUNNEL}/helmrelease.yaml`, yamlPath: 'spec.values.controllers.cloudflare-tunnel.replicas', raw: '2', documentIndex: 0 });
    expect(m.fields['cpu.request']).toMatchObject({ yamlPath: 'spec.values.controllers.cloudflare-tunnel.containers.app.resources.requests.cpu', raw: '10m' });
    expect(m.fields['memory.limit']).toMatchObject({ raw: '256Mi' });
    // requests has cpu only: memory is added beside it. No CPU limit: none is invented.
    expect(m.fields['memory.request']).toMatchObject({ yamlPath: 'spec.values.controllers.cloudflare-tunnel.containers.app.resources.requests.memory', raw: '', insert: { prefix: '                memory: ' } });
    expect(Object.keys(m.fields).sort()).toEqual(['cpu.request', 'memory.limit', 'memory.request', 'replicas']);
    expect(m.blocked).toBeUndefined();
    const notes = m.notes.join('\n');
    expect(notes).toMatch(/cpu\.limit: kubernetes\/apps\/network\/cloudflare-tunnel\/app\/helmrelease\.yaml HelmRelease\/cloudflare-tunnel: key path spec\.values\.controllers\.cloudflare-tunnel\.containers\.app\.resources\.limits\.cpu not found \(.* is not set\): no limit is set there, so Augur proposes none; fix helm\.cpu\.limit in the target/);
    expect(notes).toMatch(/hpa\.enabled: .* key path spec\.values\.autoscaling\.enabled not found .* so Augur assumes the chart renders no HPA/);
    for (const f of ['replicas', 'cpu.request', 'memory.limit'] as const) roundTripField(disk, spec, tunnel, f);
    roundTripPresent(disk, spec, tunnel);
    // The insertion keeps the anchors &probes and &port and their aliases byte for byte.
    const { text } = checkInsertion(disk, spec, tunnel, 'memory.request', 64 * 2 ** 20);
    expect(text).toBe(read(`${TUNNEL}/helmrelease.yaml`).replace('              requests:\n                cpu: 10m\n', '              requests:\n                memory: 64Mi\n                cpu: 10m\n'));
  });

  it('the same release through its Kustomize directory (resources: ./helmrelease.yaml), and through a plain directory', () => {
    const viaKustomize = locateWorkload(disk, tunnel, hr(TUNNEL, appTemplate('cloudflare-tunnel')));
    expect(viaKustomize.fields.replicas).toMatchObject({ file: `${TUNNEL}/helmrelease.yaml`, raw: '2' });
    expect(viaKustomize.filesRead).toContain(`${TUNNEL}/kustomization.yaml`);
    roundTripPresent(disk, hr(TUNNEL, appTemplate('cloudflare-tunnel')), tunnel);
    const files = filesUnder(TUNNEL);
    delete files[`${TUNNEL}/kustomization.yaml`];
    const dir = memRepo(files);
    const m = locateWorkload(dir, tunnel, hr(TUNNEL, appTemplate('cloudflare-tunnel')));
    expect(m.fields['cpu.request']).toMatchObject({ raw: '10m' });
    roundTripPresent(dir, hr(TUNNEL, appTemplate('cloudflare-tunnel')), tunnel);
  });

  it('a HelmRelease that is not the first document of its file (the OCIRepository and the release of sonarr in one file)', () => {
    const file = `${SONARR}/release.yaml`;
    const repo = memRepo({ [file]: read(`${SONARR}/ocirepository.yaml`) + read(`${SONARR}/helmrelease.yaml`) });
    const spec = hr(file, appTemplate('sonarr'));
    const m = locateWorkload(repo, sonarr, spec);
    expect(m.fields['cpu.request']).toMatchObject({ file, documentIndex: 1, raw: '100m', yamlPath: 'spec.values.controllers.sonarr.containers.app.resources.requests.cpu' });
    expect(m.fields['memory.limit']).toMatchObject({ documentIndex: 1, raw: '4Gi' });
    // sonarr sets no replicas: controllers.sonarr exists, so replicas is added there, in document 2, the OCIRepository untouched.
    expect(m.fields.replicas).toMatchObject({ file, documentIndex: 1, yamlPath: 'spec.values.controllers.sonarr.replicas', raw: '', insert: { prefix: '        replicas: ', suffix: '\n' } });
    const { text } = checkInsertion(repo, spec, sonarr, 'replicas', 2);
    expect(text).toBe(repo.read(file)!.replace('      sonarr:\n        annotations:\n', '      sonarr:\n        replicas: 2\n        annotations:\n'));
    roundTripField(repo, spec, sonarr, 'cpu.request');
    roundTripField(repo, spec, sonarr, 'memory.limit');
    roundTripPresent(repo, spec, sonarr);
  });

  it('another chart (ceph-csi-drivers), its release named by release:, its own key paths', () => {
    const id: WorkloadId = { kind: 'Deployment', namespace: 'rook-ceph', name: 'rook-ceph.rbd.csi.ceph.com-ctrlplugin' };
    const res = 'operatorConfig.driverSpecDefaults.controllerPlugin.resources.provisioner';
    const spec = hr(
      `${APPS}/rook-ceph/ceph-csi-drivers/app`,
      { replicas: 'drivers.rbd.controllerPlugin.replicas', 'cpu.request': `${res}.requests.cpu`, 'memory.request': `${res}.requests.memory`, 'memory.limit': `${res}.limits.memory` },
      { release: 'ceph-csi-drivers' },
    );
    const m = locateWorkload(disk, id, spec);
    expect(m.fields.replicas).toMatchObject({ raw: '2', yamlPath: 'spec.values.drivers.rbd.controllerPlugin.replicas' });
    expect(m.fields['memory.request']).toMatchObject({ raw: '128Mi' });
    roundTripAll(disk, spec, id);
    expect(() => locateWorkload(disk, id, { ...spec, release: 'ceph' } as ManifestSpec)).toThrow(/HelmRelease ceph .* not found .*HelmReleases there: ceph-csi-drivers \(kubernetes\/apps\/rook-ceph\/ceph-csi-drivers\/app\/helmrelease\.yaml\)/);
  });
});

// A production overlay over the real cloudflare-tunnel app: patches set some values.
const OVERLAY = 'kubernetes/overlays/prod';
const patchDoc = (body: string) => `apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: cloudflare-tunnel\nspec:\n  values:\n    controllers:\n      cloudflare-tunnel:\n${body}`;

function overlay(kustomization: string, extra: Record<string, string> = {}) {
  return memRepo({ ...filesUnder(TUNNEL), [`${OVERLAY}/kustomization.yaml`]: kustomization, ...extra });
}

describe('helmrelease: a Kustomize overlay that patches the release', () => {
  const kustomization = [
    'apiVersion: kustomize.config.k8s.io/v1beta1',
    'kind: Kustomization',
    'resources:',
    '  - ../../apps/network/cloudflare-tunnel/app',
    'patchesStrategicMerge:',
    '  - first.yaml # applied first, so the patches below win',
    'patches:',
    '  - path: replicas.yaml',
    '  - path: more-replicas.yaml',
    '  - target:',
    '      kind: HelmRelease',
    '      name: cloudflare-tunnel',
    '    patch: |-',
    '      apiVersion: helm.toolkit.fluxcd.io/v2',
    '      kind: HelmRelease',
    '      metadata:',
    '        name: cloudflare-tunnel',
    '      spec:',
    '        values:',
    '          controllers:',
    '            cloudflare-tunnel:',
    '              containers:',
    '                app:',
    '                  resources:',
    '                    limits:',
    '                      memory: 512Mi # prod',
    '',
  ].join('\n');
  const repo = overlay(kustomization, {
    [`${OVERLAY}/first.yaml`]: patchDoc('        replicas: 1\n'),
    [`${OVERLAY}/replicas.yaml`]: patchDoc('        replicas: 3 # overridden by more-replicas.yaml\n'),
    [`${OVERLAY}/more-replicas.yaml`]: `# Peak season.\n${patchDoc('        replicas: 4\n')}`,
  });
  const spec = hr(OVERLAY, appTemplate('cloudflare-tunnel'));

  it('each key is edited where the environment gets it: the last patch that sets it, else the base', () => {
    const m = locateWorkload(repo, tunnel, spec);
    expect(m.fields.replicas).toMatchObject({ file: `${OVERLAY}/more-replicas.yaml`, raw: '4', yamlPath: 'spec.values.controllers.cloudflare-tunnel.replicas' });
    expect(m.fields['memory.limit']).toMatchObject({
      file: `${OVERLAY}/kustomization.yaml`,
      raw: '512Mi',
      yamlPath: 'patches[2].patch.spec.values.controllers.cloudflare-tunnel.containers.app.resources.limits.memory',
    });
    expect(repo.read(`${OVERLAY}/kustomization.yaml`)?.slice(...(m.fields['memory.limit']?.range ?? [0, 0]))).toBe('512Mi');
    expect(m.fields['cpu.request']).toMatchObject({ file: `${TUNNEL}/helmrelease.yaml`, raw: '10m' });
    const notes = m.notes.join('\n');
    expect(notes).toMatch(/replicas: the patch overrides spec\.values\.controllers\.cloudflare-tunnel\.replicas of kubernetes\/apps\/network\/cloudflare-tunnel\/app\/helmrelease\.yaml:\d+ \(2\); Augur edits the patch/);
    expect(notes).toMatch(/cpu\.request, memory\.request: edits base kubernetes\/apps\/network\/cloudflare-tunnel\/app \(.*helmrelease\.yaml\), shared by other overlays/);
    roundTripField(repo, spec, tunnel, 'replicas');
    roundTripPresent(repo, spec, tunnel);
  });

  it('the inline patch is edited inside its string: only that scalar changes', () => {
    const m = locateWorkload(repo, tunnel, spec);
    const loc = m.fields['memory.limit'];
    if (!loc) throw new Error('memory.limit not located');
    const out = applyEdits(repo, [editFor(loc, 768 * 2 ** 20)]).get(`${OVERLAY}/kustomization.yaml`);
    expect(out).toBe(kustomization.replace('memory: 512Mi # prod', 'memory: 768Mi # prod'));
  });

  it('a JSON 6902 patch of spec.values blocks the fields it may change, with a note', () => {
    const json = `${kustomization}  - target:\n      kind: HelmRelease\n      name: cloudflare-tunnel\n    patch: |-\n      - op: replace\n        path: /spec/values/controllers/cloudflare-tunnel/replicas\n        value: 5\n`;
    const m = locateWorkload(overlay(json, { [`${OVERLAY}/first.yaml`]: patchDoc('        replicas: 1\n'), [`${OVERLAY}/replicas.yaml`]: patchDoc(''), [`${OVERLAY}/more-replicas.yaml`]: patchDoc('') }), tunnel, spec);
    expect(m.fields.replicas).toBeUndefined();
    expect(m.blocked?.replicas).toMatch(/replicas: inline patch at kubernetes\/overlays\/prod\/kustomization\.yaml:\d+ \(patches\[3\]\) is a JSON 6902 patch whose operation \[0\] \(replace \/spec\/values\/controllers\/cloudflare-tunnel\/replicas\) changes spec\.values\.controllers\.cloudflare-tunnel\.replicas .*Write that change as a strategic-merge patch/);
    expect(m.fields['memory.limit']).toMatchObject({ raw: '512Mi' });
  });

  it("a component's patch applies too, and namePrefix renames the release (patches still name it as written)", () => {
    const repo2 = overlay('namePrefix: prod-\nresources:\n  - ../../apps/network/cloudflare-tunnel/app\ncomponents:\n  - ../../components/more\n', {
      'kubernetes/components/more/kustomization.yaml': 'apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\npatches:\n  - path: replicas.yaml\n',
      'kubernetes/components/more/replicas.yaml': patchDoc('        replicas: 5\n'),
    });
    const spec2 = hr(OVERLAY, appTemplate('cloudflare-tunnel'), { release: 'prod-cloudflare-tunnel' });
    const m = locateWorkload(repo2, tunnel, spec2);
    expect(m.fields.replicas).toMatchObject({ file: 'kubernetes/components/more/replicas.yaml', raw: '5' });
    roundTripPresent(repo2, spec2, tunnel);
    expect(() => locateWorkload(repo2, tunnel, hr(OVERLAY, appTemplate('cloudflare-tunnel')))).toThrow(/HelmReleases there: prod-cloudflare-tunnel/);
  });

  it("an absent key goes in the environment's patch when that patch holds its map, else in the HelmRelease", () => {
    const k = `resources:\n  - ../../apps/network/cloudflare-tunnel/app\npatches:\n  - path: p.yaml\n`;
    const body = '        containers:\n          app:\n            resources:\n              requests:\n                cpu: 50m\n';
    const repo2 = overlay(k, { [`${OVERLAY}/p.yaml`]: patchDoc(body) });
    const m = locateWorkload(repo2, tunnel, spec);
    expect(m.fields['cpu.request']).toMatchObject({ file: `${OVERLAY}/p.yaml`, raw: '50m' });
    expect(m.fields['memory.request']).toMatchObject({ file: `${OVERLAY}/p.yaml`, insert: { prefix: '                memory: ' } });
    const { text } = checkInsertion(repo2, spec, tunnel, 'memory.request', 96 * 2 ** 20);
    expect(text).toBe(patchDoc(body.replace('              requests:\n', '              requests:\n                memory: 96Mi\n')));
    // The patch sets no replicas and has no map for it beyond the controller: replicas stays where the base writes it.
    expect(m.fields.replicas).toMatchObject({ file: `${TUNNEL}/helmrelease.yaml`, raw: '2' });
  });

  it('a patch that removes a key, deletes the release or may apply by label selector blocks the field', () => {
    const k = (patches: string) => `resources:\n  - ../../apps/network/cloudflare-tunnel/app\npatches:\n${patches}`;
    const removes = overlay(k('  - path: p.yaml\n'), { [`${OVERLAY}/p.yaml`]: patchDoc('        replicas: null\n') });
    expect(locateWorkload(removes, tunnel, spec).blocked?.replicas).toMatch(
      /replicas: patch kubernetes\/overlays\/prod\/p\.yaml .*removes spec\.values\.controllers\.cloudflare-tunnel\.replicas \(null\), so Augur does not edit .*; write the value in place of the null, or remove it from the patch$/,
    );
    const replaced = overlay(k('  - path: p.yaml\n'), { [`${OVERLAY}/p.yaml`]: patchDoc('        $patch: replace\n        strategy: Recreate\n') });
    const m = locateWorkload(replaced, tunnel, spec);
    expect(m.fields.replicas).toBeUndefined();
    expect(m.blocked?.replicas).toMatch(/replaces spec\.values\.controllers\.cloudflare-tunnel without spec\.values\.controllers\.cloudflare-tunnel\.replicas, so Augur does not edit .*; add spec\.values\.controllers\.cloudflare-tunnel\.replicas to the patch$/);
    const maybe = overlay(k('  - path: p.yaml\n    target:\n      kind: HelmRelease\n      labelSelector: tier=edge\n'), { [`${OVERLAY}/p.yaml`]: patchDoc('        replicas: 6\n') });
    expect(locateWorkload(maybe, tunnel, spec).blocked?.replicas).toMatch(/replicas: .*may set spec\.values\.controllers\.cloudflare-tunnel\.replicas \(its target selects by label or annotation.*; give the patch a target by kind and name/);
  });
});

const release = (values: string, extra = '') => `apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: web
  namespace: shop
spec:
  interval: 1h
  chart:
    spec:
      chart: web
      sourceRef: { kind: HelmRepository, name: acme }
${extra}  values:
${values}`;
const web: WorkloadId = { kind: 'Deployment', namespace: 'shop', name: 'web' };
const at = (text: string) => memRepo({ 'apps/web/helmrelease.yaml': text });
const spec = (helm?: ManifestSpec['helm']) => hr('apps/web/helmrelease.yaml', helm);

describe('helmrelease: what Augur refuses, and why', () => {
  it('valuesFrom (the real kube-prometheus-stack): names the ConfigMap, the file it is generated from, and the fix', () => {
    const id: WorkloadId = { kind: 'Deployment', namespace: 'o11y', name: 'kube-prometheus-stack' };
    const path = `${APPS}/o11y/kube-prometheus-stack/app/helmrelease.yaml`;
    expect(() => locateWorkload(disk, id, hr(path, undefined))).toThrow(ManifestError);
    expect(() => locateWorkload(disk, id, hr(path, undefined))).toThrow(
      /helmrelease\.yaml:13 \(document 1\): spec\.valuesFrom of HelmRelease\/kube-prometheus-stack takes values from ConfigMap flux-metrics-configmap \(key flux-metrics\.yaml\), which Augur does not read or edit\. Flux merges spec\.values over them.*Fix: move the values Augur should size into spec\.values and remove spec\.valuesFrom; or: ConfigMap flux-metrics-configmap is generated by .*kustomization\.yaml configMapGenerator\[0\] from kubernetes\/apps\/o11y\/kube-prometheus-stack\/app\/resources\/flux-metrics\.yaml: point the target at that file with format: helm/,
    );
    const secret = release('    replicaCount: 2\n', '  valuesFrom:\n    - kind: Secret\n      name: web-values\n');
    expect(() => locateWorkload(at(secret), web, spec())).toThrow(/Secret web-values \(key values\.yaml\).*no kustomization Augur read generates them/);
  });

  it('a missing key path whose map is missing is a blocked field: the note names the file, the path and the fix', () => {
    const m = locateWorkload(at(release('    replicaCount: 2\n')), web, spec());
    expect(m.fields.replicas).toMatchObject({ raw: '2', yamlPath: 'spec.values.replicaCount' });
    expect(m.blocked?.['cpu.request']).toBe(
      'cpu.request: apps/web/helmrelease.yaml HelmRelease/web: key path spec.values.resources.requests.cpu not found (spec.values.resources is not set), ' +
        "and Augur adds a key only to a map that exists; add `helm.cpu.request: <key path>` to the target's manifest, the key path where this chart reads the container's CPU request; " +
        'or add spec.values.resources.requests to the values, where Augur can then add the key',
    );
    // With values files under spec.values, an absent key may be set there: blocked, not added.
    const withFiles = release('    replicaCount: 2\n    autoscaling:\n      enabled: false\n    resources:\n      requests:\n        cpu: 100m\n').replace('name: acme }\n', 'name: acme }\n      valuesFiles:\n        - charts/web/values-prod.yaml\n');
    const f = locateWorkload(at(withFiles), web, spec());
    expect(f.notes.join('\n')).toMatch(/HelmRelease\/web: spec\.chart\.spec\.valuesFiles \(charts\/web\/values-prod\.yaml\) apply under spec\.values, and Augur does not edit them/);
    expect(f.fields['cpu.request']).toMatchObject({ raw: '100m' });
    expect(f.fields['memory.request']).toBeUndefined();
    expect(f.blocked?.['memory.request']).toMatch(
      /key path spec\.values\.resources\.requests\.memory not found .*; the chart's spec\.chart\.spec\.valuesFiles \(charts\/web\/values-prod\.yaml\) apply under spec\.values and may set it, .*write the key in spec\.values by hand/,
    );
    const none = locateWorkload(at(release('')), web, spec());
    expect(none.fields).toEqual({});
    expect(none.blocked?.replicas).toMatch(/^replicas: .*neither spec\.values\.replicaCount nor the HPA switch spec\.values\.autoscaling\.enabled is in the values \(spec\.values is empty or not set\), so the chart may hard-code replicas in its template/);
  });

  it('an aliased value, a value whose anchor is reused, and a value inside a reused map are blocked; an unused anchor is edited', () => {
    const values = [
      '    defaults:',
      '      count: &count 3',
      '    replicaCount: *count',
      '    resources: &res',
      '      requests:',
      '        cpu: 100m',
      '    sidecar:',
      '      resources: *res',
      '    limits:',
      '      memory: &mem 1Gi',
      '    other:',
      '      memory: *mem',
      '    requestsMemory: &unused 256Mi',
      '',
    ].join('\n');
    const helm = { 'memory.limit': 'limits.memory', 'memory.request': 'requestsMemory' };
    const m = locateWorkload(at(release(values)), web, spec(helm));
    expect(m.fields.replicas).toBeUndefined();
    expect(m.fields['cpu.request']).toBeUndefined();
    expect(m.fields['memory.limit']).toBeUndefined();
    expect(m.fields['memory.request']).toMatchObject({ raw: '256Mi' });
    const b = m.blocked ?? {};
    expect(b.replicas).toMatch(/replicas: apps\/web\/helmrelease\.yaml:15: spec\.values\.replicaCount is the alias \*count of &count \(line 14\), so its value is written at the anchor.*Edit the anchor &count by hand, or write the value out in place of the alias to let Augur edit it here, or point helm\.replicas at another key$/);
    expect(b['cpu.request']).toMatch(/cpu\.request: apps\/web\/helmrelease\.yaml:18: spec\.values\.resources\.requests\.cpu is inside the anchor &res \(line 17\), which the alias \*res reuses at line 20; editing it would change that too/);
    expect(b['memory.limit']).toMatch(/memory\.limit: apps\/web\/helmrelease\.yaml:22: spec\.values\.limits\.memory carries the anchor &mem, which the alias \*mem reuses at line 24/);
    // The unused anchor stays; only the scalar after it changes (the shared helper reads `key: value` lines).
    const loc = m.fields['memory.request'];
    if (!loc) throw new Error('memory.request not located');
    const out = applyEdits(at(release(values)), [editFor(loc, 320 * 2 ** 20)]).get('apps/web/helmrelease.yaml');
    expect(out).toBe(release(values).replace('&unused 256Mi', '&unused 320Mi'));
  });

  it('a key path through an alias is blocked, not followed', () => {
    const values = '    base: &base\n      replicaCount: 2\n    app: *base\n';
    const m = locateWorkload(at(release(values)), web, spec({ replicas: 'app.replicaCount' }));
    expect(m.fields.replicas).toBeUndefined();
    expect(m.blocked?.replicas).toMatch(/replicas: apps\/web\/helmrelease\.yaml:\d+: spec\.values\.app\.replicaCount goes through spec\.values\.app, the alias \*base, which Augur does not follow: .*Write the values out in place of the alias to let Augur edit them here, or change them by hand, or point helm\.replicas at another key$/);
  });

  it('a HelmRelease name that is not there lists the HelmReleases found', () => {
    const text = `${release('    replicaCount: 2\n')}---\n${release('    replicaCount: 1\n').replace('name: web', 'name: worker')}---\napiVersion: helm.fluxcd.io/v1\nkind: HelmRelease\nmetadata:\n  name: legacy\n`;
    expect(() => locateWorkload(at(text), { ...web, name: 'api' }, spec())).toThrow(
      /HelmRelease api \(for Deployment shop\/api\) not found in apps\/web\/helmrelease\.yaml; HelmReleases there: web \(apps\/web\/helmrelease\.yaml \(document 1, line 1\), namespace shop\), worker \(apps\/web\/helmrelease\.yaml \(document 2, line \d+\), namespace shop\), legacy \(helm\.fluxcd\.io\/v1, not Flux v2\)\. Set release: in the target/,
    );
    expect(locateWorkload(at(text), { ...web, name: 'api' }, { ...spec(), release: 'worker' } as ManifestSpec).fields.replicas).toMatchObject({ raw: '1', documentIndex: 1 });
    // spec.targetNamespace is where the chart's workloads go.
    const elsewhere = release('    replicaCount: 2\n', '  targetNamespace: other\n');
    expect(() => locateWorkload(at(elsewhere), web, spec())).toThrow(/namespace other/);
    expect(() => locateWorkload(memRepo({}), web, spec())).toThrow(/apps\/web\/helmrelease\.yaml: no such file/);
  });

  it('the chart HPA switch: on, the HPA bounds are the fields and replicas is not edited', () => {
    const values = '    replicaCount: 2\n    autoscaling:\n      enabled: true\n      minReplicas: 2\n      maxReplicas: "8"\n';
    const m = locateWorkload(at(release(values)), web, spec());
    expect(m.autoscaler).toBe('hpa');
    expect(m.fields.replicas).toBeUndefined();
    expect(m.fields['hpa.maxReplicas']).toMatchObject({ raw: '8', style: 'double', yamlPath: 'spec.values.autoscaling.maxReplicas' });
    expect(m.notes.join('\n')).toMatch(/spec\.values\.autoscaling\.enabled is true, so the chart's HPA owns replicas; spec\.values\.replicaCount \(apps\/web\/helmrelease\.yaml:\d+: 2\) is not edited/);
    roundTripAll(at(release(values)), spec(), web);
    const bad = release('    autoscaling:\n      enabled: maybe\n');
    expect(() => locateWorkload(at(bad), web, spec())).toThrow(/apps\/web\/helmrelease\.yaml:\d+: spec\.values\.autoscaling\.enabled is "maybe", not true or false/);
  });
});

it('helmrelease: field keys the tests use are the ones the format returns', () => {
  const keys: FieldKey[] = ['replicas', 'cpu.request', 'memory.request', 'memory.limit'];
  expect(Object.keys(locateWorkload(disk, tunnel, hr(`${TUNNEL}/helmrelease.yaml`, appTemplate('cloudflare-tunnel'))).fields).sort()).toEqual([...keys].sort());
});

describe('helmrelease: app-template controllers without replicas (home-ops sonarr)', () => {
  const file = `${SONARR}/helmrelease.yaml`;
  const asMain = () => memRepo({ [file]: read(file).replace('    controllers:\n      sonarr:\n', '    controllers:\n      main:\n') });

  it('controllers.main.replicas absent: added under controllers.main; the other documents and the anchors keep their bytes', () => {
    const repo = asMain();
    const spec = hr(file, appTemplate('main'));
    const m = locateWorkload(repo, sonarr, spec);
    expect(m.fields.replicas).toMatchObject({ yamlPath: 'spec.values.controllers.main.replicas', raw: '', insert: { prefix: '        replicas: ', suffix: '\n' } });
    const { text } = checkInsertion(repo, spec, sonarr, 'replicas', 3);
    expect(text).toBe(repo.read(file)!.replace('      main:\n        annotations:\n', '      main:\n        replicas: 3\n        annotations:\n'));
    expect(text).toContain('SONARR__SERVER__PORT: &port 80');
    expect(text.match(/\*port/g)).toHaveLength(2);
  });

  it('the default replicaCount, absent with no HPA switch: blocked, the chart may hard-code replicas, and the app-template key is suggested', () => {
    const m = locateWorkload(asMain(), sonarr, hr(file, undefined));
    expect(m.fields.replicas).toBeUndefined();
    expect(m.blocked?.replicas).toBe(
      `replicas: ${file} HelmRelease/sonarr: neither spec.values.replicaCount nor the HPA switch spec.values.autoscaling.enabled is in the values (spec.values.replicaCount is not set), ` +
        'so the chart may hard-code replicas in its template, where Augur cannot change them. If the chart reads its replica count from a key, ' +
        "add `helm.replicas: controllers.main.replicas` to the target's manifest, the key path where this chart reads its replica count",
    );
    expect(m.blocked?.['cpu.request']).toMatch(/add `helm\.cpu\.request: controllers\.main\.containers\.app\.resources\.requests\.cpu` to the target's manifest/);
  });

  it('a configured key path whose map does not exist is blocked, naming the controller that does', () => {
    const m = locateWorkload(disk, sonarr, hr(file, appTemplate('main')));
    expect(m.blocked?.replicas).toBe(
      `replicas: ${file} HelmRelease/sonarr: key path spec.values.controllers.main.replicas not found (spec.values.controllers.main is not set), ` +
        "and Augur adds a key only to a map that exists; fix helm.replicas in the target's manifest: the key path where this chart reads its replica count " +
        '(this looks like the bjw-s app-template: `helm.replicas: controllers.sonarr.replicas`); or add spec.values.controllers.main to the values, where Augur can then add the key',
    );
  });

  it('a key path to an alias (*port) is blocked: edit the anchor &port by hand, or point helm.replicas at another key', () => {
    const m = locateWorkload(disk, sonarr, hr(file, { replicas: 'service.app.ports.http.port' }));
    expect(m.fields.replicas).toBeUndefined();
    expect(m.blocked?.replicas).toMatch(
      new RegExp(`^replicas: ${file.replace(/[/.]/g, '\\$&')}:\\d+: spec\\.values\\.service\\.app\\.ports\\.http\\.port is the alias \\*port of &port \\(line \\d+\\), .*Edit the anchor &port by hand, .*or point helm\\.replicas at another key$`),
    );
  });
});
