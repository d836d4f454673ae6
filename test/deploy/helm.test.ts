// The Helm install path (deploy/helm/augur): there is no helm binary here, so the chart is
// rendered by test/deploy/helm-render.ts, which implements exactly the template subset the chart
// may use (documented in deploy/README.md) and throws on anything else. With its defaults the chart
// must render the objects of `kubectl kustomize deploy/overlays/cluster-wide`, and with
// values-cronjob.yaml those of deploy/overlays/cronjob.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { chartObjects, mergeValues, renderChart, renderTemplate, type RenderScope, toYaml } from './helm-render.js';
import { DEPLOY, find, type K8sObject, keyOf, rendered, ROOT, schemaProblems, sorted } from './k8s.js';

const CHART = join(DEPLOY, 'helm', 'augur');
const render = (overlay: 'cluster-wide' | 'cronjob'): K8sObject[] => rendered(`overlays/${overlay}`);

describe('the template subset renderer', () => {
  const scope: RenderScope = {
    values: { a: { b: 'x', n: 3, on: true, off: false, empty: '', list: [1, 2], map: { z: 1, y: { q: '1' } } }, text: 'one\ntwo\n' },
    release: { name: 'rel', namespace: 'ns' },
  };
  const r = (t: string) => renderTemplate(t, scope);

  it('substitutes values and the release', () => {
    expect(r('{{ .Values.a.b }}-{{ .Values.a.n }}-{{ .Values.a.on }}/{{ .Release.Namespace }}/{{ .Release.Name }}')).toBe('x-3-true/ns/rel');
  });

  it('renders toYaml with sorted keys and no final newline, and indents like Helm', () => {
    expect(toYaml({ z: 1, y: { q: '1' } })).toBe('y:\n  q: "1"\nz: 1');
    expect(r('k:\n  {{- toYaml .Values.a.map | nindent 2 }}\n')).toBe('k:\n  y:\n    q: "1"\n  z: 1\n');
    expect(r('{{ .Values.text | indent 2 }}')).toBe('  one\n  two\n  ');
    expect(YAML.parse(r('data:\n  f: |\n    {{- .Values.text | nindent 4 }}\n'))).toEqual({ data: { f: 'one\ntwo\n' } });
  });

  it('takes if/else with Go truthiness, and trims on the side of the dash', () => {
    expect(r('{{ if .Values.a.on }}yes{{ else }}no{{ end }}')).toBe('yes');
    expect(r('{{ if .Values.a.off }}yes{{ else }}no{{ end }}')).toBe('no');
    expect(r('{{ if .Values.a.empty }}yes{{ end }}|{{ if .Values.a.list }}list{{ end }}|{{ if .Values.a.nothing }}x{{ end }}')).toBe('|list|');
    expect(r('{{ if .Values.a.off }}{{ if .Values.a.on }}inner{{ end }}{{ else }}outer{{ end }}')).toBe('outer');
    expect(r('a\n  {{- if .Values.a.on }}\nb\n{{- end }}\nc')).toBe('a\nb\nc');
    expect(r('a  {{- /* note */ -}}  b')).toBe('ab');
  });

  it('throws on anything outside the subset, and on a missing or non-scalar value', () => {
    for (const t of [
      '{{ include "x" . }}',
      '{{ range .Values.a.list }}{{ end }}',
      '{{ .Values.a.b | quote }}',
      '{{ default "x" .Values.a.b }}',
      '{{ .Values.a.b | indent 2 | indent 2 }}',
      '{{ .Chart.Name }}',
      '{{ .Values.a.missing }}',
      '{{ .Values.a.map }}',
      '{{ if .Values.a.on }}',
      '{{ end }}',
      '{{-.Values.a.b }}',
      '{{ with .Values.a }}{{ end }}',
    ])
      expect(() => r(t), t).toThrow();
  });

  it('merges values files like helm -f', () => {
    expect(mergeValues({ a: { b: 1, c: 2 }, l: [1], d: 1 }, { a: { c: 3 }, l: [2], d: null })).toEqual({ a: { b: 1, c: 3 }, l: [2] });
  });
});

describe('the chart', () => {
  it('Chart.yaml is an apiVersion v2 application chart whose appVersion is the image tag', () => {
    const chart = YAML.parse(readFileSync(join(CHART, 'Chart.yaml'), 'utf8')) as Record<string, unknown>;
    expect(chart).toMatchObject({ apiVersion: 'v2', name: 'augur', type: 'application' });
    expect(chart.version).toMatch(/^\d+\.\d+\.\d+$/);
    const values = YAML.parse(readFileSync(join(CHART, 'values.yaml'), 'utf8')) as { image: { tag: string } };
    const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    expect(chart.appVersion).toBe(values.image.tag);
    expect(values.image.tag).toBe(version);
  });

  it('with its defaults renders exactly `kubectl kustomize deploy/overlays/cluster-wide`', () => {
    const helm = chartObjects(renderChart(CHART, { namespace: 'augur' }));
    expect(helm.map(keyOf).sort()).toEqual(render('cluster-wide').map(keyOf).sort());
    expect(sorted(helm)).toEqual(sorted(render('cluster-wide')));
  });

  it('with values-cronjob.yaml renders exactly `kubectl kustomize deploy/overlays/cronjob`', () => {
    const helm = chartObjects(renderChart(CHART, { namespace: 'augur', valuesFiles: [join(CHART, 'values-cronjob.yaml')] }));
    expect(helm.map(keyOf).sort()).toEqual(render('cronjob').map(keyOf).sort());
    expect(sorted(helm)).toEqual(sorted(render('cronjob')));
  });

  it('puts every namespaced object, and the ServiceAccount subjects, in the release namespace', () => {
    const helm = chartObjects(renderChart(CHART, { namespace: 'platform', releaseName: 'other' }));
    for (const o of helm) {
      if (['ClusterRole', 'ClusterRoleBinding', 'ValidatingAdmissionPolicy', 'ValidatingAdmissionPolicyBinding'].includes(o.kind)) expect(o.metadata.namespace, keyOf(o)).toBeUndefined();
      else expect(o.metadata.namespace, keyOf(o)).toBe('platform');
      for (const s of o.subjects ?? []) expect(s.namespace).toBe('platform');
    }
    expect(helm.filter((o) => o.kind !== 'ServiceMonitor').flatMap(schemaProblems)).toEqual([]);
    // The dry-run-only policy names the ServiceAccount in the release namespace.
    expect(find(helm, 'ValidatingAdmissionPolicy').spec.matchConditions[0].expression).toBe('request.userInfo.username == "system:serviceaccount:platform:augur"');
  });

  it('renders its toggles off cleanly: rbac.create=false leaves no RBAC, and every object stays valid', () => {
    const off = join(import.meta.dirname, 'fixtures', 'values-all-off.yaml');
    const helm = chartObjects(renderChart(CHART, { namespace: 'augur', valuesFiles: [off] }));
    expect(helm.map((o) => o.kind).sort()).toEqual(['ConfigMap', 'Deployment', 'ServiceAccount']);
    expect(helm.flatMap(schemaProblems)).toEqual([]);
    const d = find(helm, 'Deployment');
    expect(d.spec.template.spec.containers[0].image).toBe('example.com/augur:9.9.9');
    expect(d.spec.template.spec.containers[0].resources).toEqual({ requests: { cpu: '50m', memory: '128Mi' } });
  });

  it('NOTES.txt renders and tells how to create the token Secret', () => {
    const notes = renderChart(CHART, { namespace: 'augur' }).find((f) => f.file.endsWith('NOTES.txt'));
    expect(notes?.text).toContain('kubectl -n augur create secret generic augur-github --from-literal=token=');
  });
});
