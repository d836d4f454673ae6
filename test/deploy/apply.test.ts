// The install paths against a real Kubernetes API server (test/support/kube-apiserver.ts), as a
// platform team runs them on a fresh cluster: `kubectl apply -k` of every overlay without the
// Prometheus Operator's CRDs, and the Helm chart with non-default values, checked by the server's
// own validation (a server-side dry run with strict field validation).
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startKubeApiServer, type KubeApiServer } from '../support/kube-apiserver.js';
import { chartObjects, renderChart } from './helm.js';
import { DEPLOY, keyOf } from './k8s.js';

let kube: KubeApiServer;
beforeAll(async () => {
  kube = await startKubeApiServer();
  kube.kubectl(['create', 'namespace', 'augur']);
  kube.kubectl(['create', 'namespace', 'platform']);
}, 180_000);
afterAll(async () => {
  await kube?.stop();
});

const crds = () => kube.kubectl(['get', 'crd', '-o', 'name']).trim();

it.each(['cluster-wide', 'cronjob'])('kubectl apply -k deploy/overlays/%s works on a cluster without the Prometheus Operator', (overlay) => {
  expect(crds()).toBe('');
  const out = kube.kubectl(['apply', '--dry-run=server', '-k', join(DEPLOY, 'overlays', overlay)]);
  expect(out).toMatch(/deployment\.apps\/augur created|cronjob\.batch\/augur created/);
  expect(out).not.toMatch(/ServiceMonitor/i);
});

it('the ServiceMonitor component is the only part that needs the CRD: refused without it, accepted with it', () => {
  const component = join(import.meta.dirname, 'fixtures', 'overlays', 'with-components');
  expect(() => kube.kubectl(['apply', '--dry-run=server', '-k', component])).toThrow(/no matches for kind "ServiceMonitor"/);
  kube.kubectl(['apply', '-f', join(import.meta.dirname, '..', 'fixtures', 'crds', 'servicemonitor.yaml')]);
  kube.kubectl(['wait', '--for=condition=established', '--timeout=60s', 'crd/servicemonitors.monitoring.coreos.com']);
  expect(kube.kubectl(['apply', '--dry-run=server', '-k', component])).toContain('servicemonitor.monitoring.coreos.com/augur created');
}, 120_000);

it('the chart, with every value a platform team sets, is accepted by the API server field for field', () => {
  const files = renderChart(join(DEPLOY, 'helm', 'augur'), {
    namespace: 'platform',
    releaseName: 'ops',
    values: {
      nodeSelector: { 'kubernetes.io/os': 'linux' },
      tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'platform', effect: 'NoSchedule' }],
      affinity: { podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 1, podAffinityTerm: { topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: { 'app.kubernetes.io/name': 'augur' } } } }] } },
      podAnnotations: { 'example.com/owner': 'platform' },
      podLabels: { team: 'platform' },
      imagePullSecrets: [{ name: 'registry' }],
      extraEnv: [{ name: 'AUGUR_LOG_LEVEL', value: 'debug' }],
      serviceAccount: { annotations: { 'example.com/role': 'augur' } },
      serviceMonitor: { enabled: true, labels: { release: 'kube-prometheus-stack' }, interval: '30s' },
      networkPolicy: { webhookFrom: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } } }] },
      commonLabels: { 'example.com/cost-center': 'platform' },
      topologySpreadConstraints: [{ maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'ScheduleAnyway' }],
      extraVolumes: [{ name: 'ca', configMap: { name: 'corporate-ca' } }],
      extraVolumeMounts: [{ name: 'ca', mountPath: '/etc/ssl/corporate', readOnly: true }],
      image: { digest: `sha256:${'0'.repeat(64)}` },
    },
  });
  const objects = chartObjects(files);
  expect(objects.map(keyOf)).toContain('monitoring.coreos.com/v1/ServiceMonitor/platform/ops-augur');
  const list = JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects });
  const out = kube.kubectl(['apply', '--dry-run=server', '--validate=strict', '-f', '-'], list);
  expect(out.trim().split('\n')).toHaveLength(objects.length);
  expect(out).toContain('deployment.apps/ops-augur created (server dry run)');
}, 120_000);
