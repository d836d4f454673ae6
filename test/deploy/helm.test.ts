// The Helm install path (deploy/helm/augur), rendered by Helm's template engine (test/deploy/
// helm.ts: Go text/template + Sprig + Helm's functions, values checked against
// values.schema.json first). Installed as release `augur` its defaults must render the objects of
// `kubectl kustomize deploy/overlays/cluster-wide` plus Helm's standard labels, and with
// values-cronjob.yaml those of deploy/overlays/cronjob.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { chartObjects, chartValues, type ChartObject, type ChartRenderOptions, renderChart, SchemaError, valuesProblems } from './helm.js';
import { DEPLOY, find, type K8sObject, keyOf, rendered, ROOT, schemaProblems, sorted } from './k8s.js';

const CHART = join(DEPLOY, 'helm', 'augur');
const FIXTURES = join(import.meta.dirname, 'fixtures');
const { version: VERSION } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
const CHART_VERSION = (YAML.parse(readFileSync(join(CHART, 'Chart.yaml'), 'utf8')) as { version: string }).version;
const kustomized = (overlay: 'cluster-wide' | 'cronjob'): K8sObject[] => rendered(`overlays/${overlay}`);
const objects = (opts: Partial<ChartRenderOptions> = {}): ChartObject[] => chartObjects(renderChart(CHART, { namespace: 'augur', ...opts }));

/** Helm's own labels and the config checksum, which a Kustomize render does not have. */
const HELM_ONLY = new Set(['helm.sh/chart', 'app.kubernetes.io/instance', 'app.kubernetes.io/version', 'app.kubernetes.io/managed-by', 'checksum/config']);
function withoutHelmLabels<T>(value: T): T {
  if (Array.isArray(value)) return value.map(withoutHelmLabels) as T;
  if (!value || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (HELM_ONLY.has(k)) continue;
    const stripped = withoutHelmLabels(v);
    if (k === 'annotations' && stripped && typeof stripped === 'object' && Object.keys(stripped).length === 0) continue;
    out[k] = stripped;
  }
  return out as T;
}

/** The pod template of a Deployment or a CronJob. */
const podOf = (o: ChartObject): ChartObject => (o.kind === 'CronJob' ? o.spec.jobTemplate.spec.template : o.spec.template);

describe('the template engine', () => {
  const engine = (values?: Record<string, unknown>) => renderChart(join(FIXTURES, 'engine-chart'), { namespace: 'ns', releaseName: 'rel', ...(values ? { values } : {}) });

  it('renders as Helm does: .Chart, .Release, .Template, include, Sprig, toYaml, tpl, Go truthiness, missing values as ""', () => {
    const text = engine().find((f) => f.file === 'templates/probe.txt')!.text;
    expect(text.split('\n')).toEqual([
      'chart=probe-1.2.3/4.5.6 release=rel/ns/Helm template=probe/templates/probe.txt base=probe/templates',
      'include=HELLO WORLD',
      'default=fallback quote="say \\"hi\\"" missing=[]',
      'item0=a',
      'item1=b',
      'toYaml:',
      '  a:',
      '    b: "2"',
      '  z: 1',
      `toJson=["a","b"] sha=${createHash('sha256').update('abc').digest('hex').slice(0, 8)} trunc=abc contains=true`,
      'tpl=say "hi"!',
      'empty-list=no zero=no',
      '',
    ]);
  });

  it('fails on `required` without the value, and leaves partials (_*.tpl) out', () => {
    expect(() => engine({ demand: { other: 1 } })).toThrow(/demand\.value is required/);
    expect(engine({ demand: { value: 'x' } }).map((f) => f.file)).toEqual(['templates/probe.txt', 'templates/required.yaml']);
  });
});

describe('Chart.yaml and values', () => {
  it('is an apiVersion v2 application chart whose appVersion is the package version (the default image tag)', () => {
    const chart = YAML.parse(readFileSync(join(CHART, 'Chart.yaml'), 'utf8')) as Record<string, unknown>;
    expect(chart).toMatchObject({ apiVersion: 'v2', name: 'augur', type: 'application', appVersion: VERSION });
    expect(chart.version).toMatch(/^\d+\.\d+\.\d+$/);
    expect(chartValues(CHART, {}).image).toMatchObject({ tag: '', digest: '' });
    expect(find(objects(), 'Deployment').spec.template.spec.containers[0].image).toBe(`ghcr.io/augur-dev/augur:${VERSION}`);
  });

  it('values.schema.json accepts the defaults and both values files, and refuses mistyped or unknown values with their path', () => {
    expect(valuesProblems(CHART, chartValues(CHART, {}))).toEqual([]);
    expect(valuesProblems(CHART, chartValues(CHART, { valuesFiles: [join(CHART, 'values-cronjob.yaml')] }))).toEqual([]);
    const bad = (values: Record<string, unknown>) => valuesProblems(CHART, chartValues(CHART, { values }));
    expect(bad({ serviceMonitor: { enabled: 'yes' } })).toEqual(["- at '/serviceMonitor/enabled': must be boolean"]);
    expect(bad({ nodeselector: { disk: 'ssd' } })).toEqual(["- at '/': must NOT have additional properties (nodeselector)"]);
    expect(bad({ image: { pullPolicy: 'Sometimes' } })).toEqual(["- at '/image/pullPolicy': must be equal to one of the allowed values"]);
    expect(bad({ image: { digest: 'latest' } })[0]).toMatch(/^- at '\/image\/digest': must match pattern/);
    expect(bad({ serviceMonitor: { interval: '1 minute' } })[0]).toMatch(/^- at '\/serviceMonitor\/interval': must match pattern/);
    expect(bad({ networkPolicy: { webhookFrom: [{ namespace: 'ingress-nginx' }] } })).toContain("- at '/networkPolicy/webhookFrom/0': must NOT have additional properties (namespace)");
    expect(bad({ podAnnotations: { 'prometheus.io/scrape': true } })).toEqual(["- at '/podAnnotations/prometheus.io~1scrape': must be string"]);
    // The render refuses them as `helm install` does, before any template runs.
    expect(() => objects({ values: { replicaCount: -1 } })).toThrow(SchemaError);
  });
});

describe('the defaults', () => {
  it('render exactly `kubectl kustomize deploy/overlays/cluster-wide`, plus Helm\'s labels', () => {
    const helm = objects();
    expect(helm.map(keyOf).sort()).toEqual(kustomized('cluster-wide').map(keyOf).sort());
    expect(sorted(helm.map(withoutHelmLabels))).toEqual(sorted(kustomized('cluster-wide')));
  });

  it('with values-cronjob.yaml render exactly `kubectl kustomize deploy/overlays/cronjob`, plus Helm\'s labels', () => {
    const helm = objects({ valuesFiles: [join(CHART, 'values-cronjob.yaml')] });
    expect(helm.map(keyOf).sort()).toEqual(kustomized('cronjob').map(keyOf).sort());
    expect(sorted(helm.map(withoutHelmLabels))).toEqual(sorted(kustomized('cronjob')));
  });

  it('label every object with the standard labels, and select the pod by name and instance only', () => {
    const helm = objects();
    for (const o of helm) {
      expect(o.metadata.labels, keyOf(o)).toEqual({
        'helm.sh/chart': `augur-${CHART_VERSION}`,
        'app.kubernetes.io/name': 'augur',
        'app.kubernetes.io/instance': 'augur',
        'app.kubernetes.io/version': VERSION,
        'app.kubernetes.io/managed-by': 'Helm',
      });
    }
    const selector = { 'app.kubernetes.io/name': 'augur', 'app.kubernetes.io/instance': 'augur' };
    const d = find(helm, 'Deployment');
    expect(d.spec.selector.matchLabels).toEqual(selector);
    expect(d.spec.template.metadata.labels).toEqual(selector);
    expect(find(helm, 'Service').spec.selector).toEqual(selector);
    expect(find(helm, 'PodDisruptionBudget').spec.selector.matchLabels).toEqual(selector);
    expect(find(helm, 'NetworkPolicy').spec.podSelector.matchLabels).toEqual(selector);
  });

  it('have no ServiceMonitor (it needs the Prometheus Operator), and every object is valid', () => {
    const helm = objects();
    expect(helm.filter((o) => o.kind === 'ServiceMonitor')).toEqual([]);
    expect(helm.flatMap(schemaProblems)).toEqual([]);
  });
});

describe('names', () => {
  it('are "<release>-augur" for another release, in its namespace, and every reference follows', () => {
    const helm = objects({ namespace: 'platform', releaseName: 'ops' });
    for (const o of helm) {
      expect(o.metadata.name, keyOf(o)).toMatch(/^ops-augur(-config|-leader-election|-dry-run-only)?$/);
      if (['ClusterRole', 'ClusterRoleBinding', 'ValidatingAdmissionPolicy', 'ValidatingAdmissionPolicyBinding'].includes(o.kind)) expect(o.metadata.namespace, keyOf(o)).toBeUndefined();
      else expect(o.metadata.namespace, keyOf(o)).toBe('platform');
      for (const s of o.subjects ?? []) expect(s).toEqual({ kind: 'ServiceAccount', name: 'ops-augur', namespace: 'platform' });
      expect(o.metadata.labels['app.kubernetes.io/instance']).toBe('ops');
    }
    const pod = find(helm, 'Deployment').spec.template.spec;
    expect(pod.serviceAccountName).toBe('ops-augur');
    expect(pod.volumes.find((v: K8sObject) => v.name === 'config').configMap.name).toBe('ops-augur-config');
    expect(find(helm, 'ClusterRoleBinding').roleRef.name).toBe('ops-augur');
    expect(find(helm, 'RoleBinding').roleRef.name).toBe('ops-augur-leader-election');
    expect(find(helm, 'ValidatingAdmissionPolicyBinding').spec.policyName).toBe('ops-augur-dry-run-only');
    // The dry-run-only policy names the ServiceAccount the pod runs as.
    expect(find(helm, 'ValidatingAdmissionPolicy').spec.matchConditions[0].expression).toBe('request.userInfo.username == "system:serviceaccount:platform:ops-augur"');
    expect(helm.flatMap(schemaProblems)).toEqual([]);
  });

  it('follow nameOverride, fullnameOverride and serviceAccount.name; a release named after the chart is not doubled', () => {
    expect(find(objects({ releaseName: 'augur-prod' }), 'Deployment').metadata.name).toBe('augur-prod');
    const renamed = objects({ values: { nameOverride: 'forecaster' } });
    expect(find(renamed, 'Deployment').metadata.name).toBe('augur-forecaster');
    expect(find(renamed, 'Deployment').spec.selector.matchLabels['app.kubernetes.io/name']).toBe('forecaster');
    const full = objects({ values: { fullnameOverride: 'scaler', serviceAccount: { name: 'robot' } } });
    expect(full.map((o) => o.metadata.name).sort()).toEqual(['robot', 'scaler', 'scaler', 'scaler', 'scaler', 'scaler', 'scaler', 'scaler-config', 'scaler-dry-run-only', 'scaler-dry-run-only', 'scaler-leader-election', 'scaler-leader-election']);
    expect(find(full, 'Deployment').spec.template.spec.serviceAccountName).toBe('robot');
    expect(find(full, 'ValidatingAdmissionPolicy').spec.matchConditions[0].expression).toContain(':robot"');
    // An existing ServiceAccount: none created, the pod and the bindings use it.
    const existing = objects({ values: { serviceAccount: { create: false, name: 'preexisting' } } });
    expect(existing.filter((o) => o.kind === 'ServiceAccount')).toEqual([]);
    expect(find(existing, 'ClusterRoleBinding').subjects[0].name).toBe('preexisting');
  });
});

describe('pod values', () => {
  const values = {
    nodeSelector: { 'kubernetes.io/os': 'linux', pool: 'system' },
    tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'platform', effect: 'NoSchedule' }],
    affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'arch', operator: 'In', values: ['amd64'] }] }] } } },
    podAnnotations: { 'cluster-autoscaler.kubernetes.io/safe-to-evict': 'true' },
    podLabels: { team: 'platform' },
    imagePullSecrets: [{ name: 'registry' }],
    extraEnv: [{ name: 'AUGUR_LOG_LEVEL', value: 'debug' }, { name: 'HTTPS_PROXY', value: 'http://proxy:3128' }],
    resources: { requests: { cpu: '200m', memory: '512Mi' }, limits: { memory: '2Gi' } },
    securityContext: { runAsUser: 1001 },
    priorityClassName: 'system-cluster-critical',
    image: { digest: `sha256:${'a'.repeat(64)}` },
    topologySpreadConstraints: [{ maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: { 'app.kubernetes.io/name': 'augur' } } }],
    extraVolumes: [{ name: 'ca', configMap: { name: 'corporate-ca' } }],
    extraVolumeMounts: [{ name: 'ca', mountPath: '/etc/ssl/corporate', readOnly: true }],
  };

  it.each([
    ['Deployment', []],
    ['CronJob', [join(CHART, 'values-cronjob.yaml')]],
  ] as const)('reach the %s pod: scheduling, annotations and labels, pull secrets, env, resources, security context, the digest', (kind, valuesFiles) => {
    const helm = objects({ values, valuesFiles: [...valuesFiles] });
    const template = podOf(find(helm, kind));
    const pod = template.spec;
    expect(pod.nodeSelector).toEqual(values.nodeSelector);
    expect(pod.tolerations).toEqual(values.tolerations);
    expect(pod.affinity).toEqual(values.affinity);
    expect(pod.imagePullSecrets).toEqual([{ name: 'registry' }]);
    expect(pod.priorityClassName).toBe('system-cluster-critical');
    expect(pod.topologySpreadConstraints).toEqual(values.topologySpreadConstraints);
    expect(pod.volumes.map((v: K8sObject) => v.name)).toEqual(['config', 'tmp', 'ca']);
    expect(pod.volumes[2]).toEqual(values.extraVolumes[0]);
    expect(template.metadata.annotations).toMatchObject(values.podAnnotations);
    expect(template.metadata.labels).toEqual({ 'app.kubernetes.io/name': 'augur', 'app.kubernetes.io/instance': 'augur', team: 'platform' });
    const c = pod.containers[0];
    expect(c.env.slice(-2)).toEqual(values.extraEnv);
    expect(c.env[0].name).toBe('POD_NAMESPACE');
    // Helm merges a map the user sets into the default key by key.
    expect(c.resources).toEqual({ requests: { cpu: '200m', memory: '512Mi' }, limits: { cpu: '1', memory: '2Gi' } });
    expect(c.securityContext).toMatchObject({ runAsUser: 1001, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false });
    expect(c.image).toBe(`ghcr.io/augur-dev/augur@sha256:${'a'.repeat(64)}`);
    expect(c.volumeMounts.map((m: K8sObject) => m.mountPath)).toEqual(['/etc/augur', '/tmp', '/etc/ssl/corporate']);
    expect(helm.flatMap(schemaProblems)).toEqual([]);
    // podLabels never reach a selector (a Deployment's selector cannot change on upgrade).
    if (kind === 'Deployment') expect(find(helm, 'Deployment').spec.selector.matchLabels).toEqual({ 'app.kubernetes.io/name': 'augur', 'app.kubernetes.io/instance': 'augur' });
  });

  it('checksum/config is the hash of the rendered ConfigMap: it changes with the guardrails file, and only with it', () => {
    const checksum = (opts: Partial<ChartRenderOptions>) => find(objects(opts), 'Deployment').spec.template.metadata.annotations['checksum/config'] as string;
    const files = renderChart(CHART, { namespace: 'augur' });
    const configmap = files.find((f) => f.file === 'templates/configmap.yaml')!.text;
    expect(checksum({})).toBe(createHash('sha256').update(configmap).digest('hex'));
    const config = `${chartValues(CHART, {}).config as string}# changed\n`;
    expect(checksum({ values: { config } })).not.toBe(checksum({}));
    expect(checksum({ values: { replicaCount: 2, podLabels: { a: 'b' } } })).toBe(checksum({}));
    const cronjob = find(objects({ valuesFiles: [join(CHART, 'values-cronjob.yaml')] }), 'CronJob');
    expect(podOf(cronjob).metadata.annotations['checksum/config']).toBe(checksum({}));
  });
});

describe('the ServiceMonitor', () => {
  it('is off by default, and when on carries the labels Prometheus selects by and the interval', () => {
    const helm = objects({ values: { serviceMonitor: { enabled: true, labels: { release: 'kube-prometheus-stack' }, interval: '30s' } } });
    const sm = find(helm, 'ServiceMonitor');
    expect(sm.apiVersion).toBe('monitoring.coreos.com/v1');
    expect(sm.metadata).toMatchObject({ name: 'augur', namespace: 'augur' });
    expect(sm.metadata.labels).toMatchObject({ release: 'kube-prometheus-stack', 'app.kubernetes.io/name': 'augur' });
    expect(sm.spec).toEqual({
      selector: { matchLabels: find(helm, 'Service').spec.selector },
      endpoints: [{ port: 'http-metrics', path: '/metrics', interval: '30s' }],
    });
    expect(find(helm, 'Service').metadata.labels).toMatchObject(sm.spec.selector.matchLabels);
    // The same object as components/servicemonitor, Helm's labels aside.
    const component = YAML.parse(readFileSync(join(DEPLOY, 'components', 'servicemonitor', 'servicemonitor.yaml'), 'utf8')) as K8sObject;
    const plain = withoutHelmLabels(find(objects({ values: { serviceMonitor: { enabled: true } } }), 'ServiceMonitor'));
    expect(plain).toEqual(component);
  });

  it('can live in Prometheus\'s namespace and select the Service across', () => {
    const sm = find(objects({ values: { serviceMonitor: { enabled: true, namespace: 'monitoring', scrapeTimeout: '10s' } } }), 'ServiceMonitor');
    expect(sm.metadata.namespace).toBe('monitoring');
    expect(sm.spec.namespaceSelector).toEqual({ matchNames: ['augur'] });
    expect(sm.spec.endpoints[0].scrapeTimeout).toBe('10s');
  });
});

describe('the NetworkPolicy', () => {
  it('admits the webhooks from networkPolicy.webhookFrom and keeps the metrics rule for the monitoring namespace', () => {
    const from = [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } } }, { ipBlock: { cidr: '192.0.2.0/24' } }];
    const np = find(objects({ values: { networkPolicy: { webhookFrom: from } } }), 'NetworkPolicy');
    expect(np.spec.ingress).toEqual([
      { from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }], ports: [{ protocol: 'TCP', port: 8080 }] },
      { from, ports: [{ protocol: 'TCP', port: 8080 }] },
    ]);
    expect(schemaProblems(np)).toEqual([]);
    // The same rule as components/webhook-ingress adds to the Kustomize install.
    const component = YAML.parse(readFileSync(join(DEPLOY, 'components', 'webhook-ingress', 'kustomization.yaml'), 'utf8')) as { patches: { patch: string }[] };
    const [op] = YAML.parse(component.patches[0]!.patch) as [{ value: K8sObject }];
    expect(find(objects({ values: { networkPolicy: { webhookFrom: [from[0]] } } }), 'NetworkPolicy').spec.ingress[1]).toEqual(op.value);
  });
});

describe('toggles', () => {
  it('render off cleanly: rbac.create=false leaves no RBAC, and every object stays valid', () => {
    const helm = objects({ valuesFiles: [join(FIXTURES, 'values-all-off.yaml')] });
    expect(helm.map((o) => o.kind).sort()).toEqual(['ConfigMap', 'Deployment', 'ServiceAccount']);
    expect(helm.flatMap(schemaProblems)).toEqual([]);
    const d = find(helm, 'Deployment');
    expect(d.spec.template.spec.containers[0].image).toBe('example.com/augur:9.9.9');
    expect(d.metadata.labels['app.kubernetes.io/version']).toBe('9.9.9');
    expect(d.spec.template.spec.containers[0].resources).toEqual({ requests: { cpu: '50m', memory: '128Mi' } });
  });
});

describe('NOTES.txt', () => {
  const notes = (opts: Partial<ChartRenderOptions> = {}) => renderChart(CHART, { namespace: 'augur', ...opts }).find((f) => f.file === 'templates/NOTES.txt')!.text;

  it('tells how to create the token Secret, check the config and watch the pod', () => {
    const text = notes({ releaseName: 'ops' });
    expect(text).toContain('kubectl -n augur create secret generic augur-github --from-literal=token="$GITHUB_TOKEN"');
    expect(text).toContain('kubectl -n augur get configmap ops-augur-config');
    expect(text).toContain('kubectl -n augur logs -l app.kubernetes.io/instance=ops');
    expect(text).toContain('kubectl -n augur port-forward deploy/ops-augur 8080');
    expect(text).not.toMatch(/<no value>|\{\{/);
  });

  it('says how to turn on the ServiceMonitor and the webhook rule when they are off, and not when they are on', () => {
    expect(notes()).toContain('--set serviceMonitor.enabled=true --set serviceMonitor.labels.release=kube-prometheus-stack');
    expect(notes()).toContain('set networkPolicy.webhookFrom');
    const on = notes({ values: { serviceMonitor: { enabled: true, labels: { release: 'kps' } }, networkPolicy: { webhookFrom: [{ ipBlock: { cidr: '10.0.0.0/8' } }] } } });
    expect(on).toContain('Prometheus scrapes it through the ServiceMonitor augur (labels: release=kps )');
    expect(on).not.toContain('webhookFrom');
    expect(notes({ valuesFiles: [join(CHART, 'values-cronjob.yaml')] })).toContain('a CronJob: augur run --once on "0 */6 * * *"');
  });
});
