// The Kustomize install paths (deploy/base, deploy/overlays/*): each overlay is rendered with
// `kubectl kustomize` and every object is checked against the Kubernetes schema, the RBAC rules
// against src/cluster/permissions.ts, and the security and network settings the agent relies on.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLUSTER_RULES, DRY_RUN_ONLY_POLICY, LEASE_RULES, NAMESPACED_RULES, type PolicyRule } from '../../src/cluster/permissions.js';
import { parseConfig } from '../../src/config/load.js';
import { find, type K8sObject, keyOf, kustomize, rendered, ROOT, schemaProblems } from './k8s.js';

const OVERLAYS = ['cluster-wide', 'namespaced', 'cronjob'] as const;
type Overlay = (typeof OVERLAYS)[number];
/** `kubectl kustomize deploy/overlays/NAME` (or deploy/base), rendered once. */
const render = (which: Overlay | 'base'): K8sObject[] => rendered(which === 'base' ? 'base' : `overlays/${which}`);
/** An overlay above cluster-wide that adds the servicemonitor and webhook-ingress components, as a user's would. */
let withComponents: K8sObject[] | undefined;
const renderWithComponents = (): K8sObject[] => (withComponents ??= kustomize(join(import.meta.dirname, 'fixtures', 'overlays', 'with-components')));

const IMAGE = 'ghcr.io/augur-dev/augur:0.1.0';
/** The API groups every cluster serves (no CRD needed). */
const SCHEMA_BUILTIN = /^(v1|apps\/v1|batch\/v1|policy\/v1|networking\.k8s\.io\/v1|rbac\.authorization\.k8s\.io\/v1|admissionregistration\.k8s\.io\/v1)$/;
const CONFIG_PATH = '/etc/augur/augur.yaml';

/** A rule as an order-insensitive string; any key besides the three of PolicyRule is kept, so it fails. */
function canon(rule: PolicyRule | K8sObject): string {
  const { apiGroups, resources, verbs, ...rest } = rule as PolicyRule & Record<string, unknown>;
  return JSON.stringify({ apiGroups: [...apiGroups].sort(), resources: [...resources].sort(), verbs: [...verbs].sort(), ...rest });
}
function expectRules(actual: K8sObject[] | undefined, expected: PolicyRule[]): void {
  expect(actual, 'rules').toBeDefined();
  expect(actual!.map(canon).sort()).toEqual(expected.map(canon).sort());
}

describe('every overlay renders with kubectl kustomize', () => {
  const common = [
    'v1/ServiceAccount/augur/augur',
    'v1/ConfigMap/augur/augur-config',
    'networking.k8s.io/v1/NetworkPolicy/augur/augur',
    'rbac.authorization.k8s.io/v1/Role/augur/augur-leader-election',
    'rbac.authorization.k8s.io/v1/RoleBinding/augur/augur-leader-election',
    'admissionregistration.k8s.io/v1/ValidatingAdmissionPolicy//augur-dry-run-only',
    'admissionregistration.k8s.io/v1/ValidatingAdmissionPolicyBinding//augur-dry-run-only',
  ];
  const serve = ['apps/v1/Deployment/augur/augur', 'v1/Service/augur/augur', 'policy/v1/PodDisruptionBudget/augur/augur'];
  const clusterRbac = ['rbac.authorization.k8s.io/v1/ClusterRole//augur', 'rbac.authorization.k8s.io/v1/ClusterRoleBinding//augur'];
  const expected: Record<Overlay, string[]> = {
    'cluster-wide': [...common, ...serve, ...clusterRbac],
    namespaced: [...common, ...serve, 'rbac.authorization.k8s.io/v1/Role/shop/augur', 'rbac.authorization.k8s.io/v1/RoleBinding/shop/augur'],
    cronjob: [...common, 'batch/v1/CronJob/augur/augur', ...clusterRbac],
  };

  it.each(OVERLAYS)('%s: exactly the expected objects, in namespace augur (watched-namespace RBAC aside)', (overlay) => {
    expect(render(overlay).map(keyOf).sort()).toEqual([...expected[overlay]].sort());
  });

  it('the base has no namespace, no RBAC and no Secret: the overlays add them, the user creates the Secret', () => {
    for (const o of render('base')) expect(o.metadata.namespace, keyOf(o)).toBeUndefined();
    expect(render('base').map((o) => o.kind).sort()).toEqual(['ConfigMap', 'Deployment', 'NetworkPolicy', 'PodDisruptionBudget', 'Service', 'ServiceAccount']);
    for (const o of OVERLAYS) expect(render(o).filter((x) => x.kind === 'Secret' || x.kind === 'Namespace')).toEqual([]);
  });

  it('no overlay needs a CRD: the ServiceMonitor (Prometheus Operator) is only in components/servicemonitor', () => {
    for (const o of ['base', ...OVERLAYS] as const) expect(render(o).filter((x) => !SCHEMA_BUILTIN.test(x.apiVersion)).map(keyOf), o).toEqual([]);
    expect(renderWithComponents().map(keyOf).sort()).toEqual([...render('cluster-wide').map(keyOf), 'monitoring.coreos.com/v1/ServiceMonitor/augur/augur'].sort());
  });

  it('every object carries the app label', () => {
    for (const o of OVERLAYS) for (const obj of render(o)) expect(obj.metadata.labels?.['app.kubernetes.io/name'], keyOf(obj)).toBe('augur');
  });
});

describe('Kubernetes schema', () => {
  it.each(['base', ...OVERLAYS] as const)('%s: every object is valid (kubernetes-models schema, no unknown field)', (which) => {
    const problems = render(which).filter((o) => o.kind !== 'ServiceMonitor').flatMap(schemaProblems);
    expect(problems).toEqual([]);
  });

  it('the validator is not vacuous: it catches a wrong type, a missing required field and a misspelt field', () => {
    const deployment = structuredClone(find(render('cluster-wide'), 'Deployment'));
    const container = deployment.spec.template.spec.containers[0];
    container.ports[0].containerPort = 'eighty';
    container.securityContext.readOnlyRootFileSystem = true;
    delete deployment.spec.selector;
    const problems = schemaProblems(deployment).join('\n');
    expect(problems).toMatch(/containerPort must be integer/);
    expect(problems).toMatch(/selector/);
    expect(problems).toMatch(/readOnlyRootFileSystem: unknown field/);
    expect(schemaProblems({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'x' } })).toEqual([expect.stringMatching(/no schema/)]);
  });

  it('components/servicemonitor: the ServiceMonitor has what the CRD requires and selects the metrics port', () => {
    const sm = find(renderWithComponents(), 'ServiceMonitor');
    const svc = find(renderWithComponents(), 'Service');
    expect(sm.apiVersion).toBe('monitoring.coreos.com/v1');
    expect(sm.metadata).toMatchObject({ name: 'augur', namespace: 'augur' });
    expect(Object.keys(sm).sort()).toEqual(['apiVersion', 'kind', 'metadata', 'spec']);
    // spec.selector is required; endpoints is what makes it scrape anything.
    expect(Object.keys(sm.spec).sort()).toEqual(['endpoints', 'selector']);
    expect(Object.keys(sm.spec.selector)).toEqual(['matchLabels']);
    for (const [k, v] of Object.entries(sm.spec.selector.matchLabels as Record<string, string>)) expect(svc.metadata.labels[k]).toBe(v);
    expect(sm.spec.endpoints).toHaveLength(1);
    const [ep] = sm.spec.endpoints;
    expect(Object.keys(ep).sort()).toEqual(['interval', 'path', 'port']);
    expect(ep.port).toBe('http-metrics');
    expect(svc.spec.ports.map((p: K8sObject) => p.name)).toContain(ep.port);
    expect(ep.path).toBe('/metrics');
    expect(ep.interval).toMatch(/^(0|(([0-9]+)y)?(([0-9]+)w)?(([0-9]+)d)?(([0-9]+)h)?(([0-9]+)m)?(([0-9]+)s)?(([0-9]+)ms)?)$/); // the CRD's Duration pattern
  });
});

describe('RBAC is exactly src/cluster/permissions.ts', () => {
  function expectLeaseRole(objects: K8sObject[]): void {
    const role = find(objects, 'Role', 'augur-leader-election', 'augur');
    expectRules(role.rules, LEASE_RULES);
    const binding = find(objects, 'RoleBinding', 'augur-leader-election', 'augur');
    expect(binding.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'augur-leader-election' });
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: 'augur', namespace: 'augur' }]);
  }

  it.each(['cluster-wide', 'cronjob'] as const)('%s: a ClusterRole with NAMESPACED_RULES + CLUSTER_RULES, bound to the ServiceAccount, and the Lease Role', (overlay) => {
    const objects = render(overlay);
    expectRules(find(objects, 'ClusterRole', 'augur').rules, [...NAMESPACED_RULES, ...CLUSTER_RULES]);
    const binding = find(objects, 'ClusterRoleBinding', 'augur');
    expect(binding.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'augur' });
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: 'augur', namespace: 'augur' }]);
    expectLeaseRole(objects);
    expect(objects.filter((o) => o.kind === 'Role' || o.kind === 'ClusterRole')).toHaveLength(2);
  });

  it('namespaced: a Role with NAMESPACED_RULES in the watched namespace, no node access, no ClusterRole', () => {
    const objects = render('namespaced');
    const role = find(objects, 'Role', 'augur', 'shop');
    expectRules(role.rules, NAMESPACED_RULES);
    // CLUSTER_RULES (nodes, all pods) are cluster-wide by nature: not granted in this mode.
    const granted = (role.rules as PolicyRule[]).flatMap((r) => r.resources);
    for (const r of CLUSTER_RULES.flatMap((c) => c.resources)) expect(granted).not.toContain(r);
    const binding = find(objects, 'RoleBinding', 'augur', 'shop');
    expect(binding.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'augur' });
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: 'augur', namespace: 'augur' }]);
    expectLeaseRole(objects);
    expect(objects.filter((o) => o.kind === 'ClusterRole' || o.kind === 'ClusterRoleBinding')).toEqual([]);
    expect(objects.filter((o) => o.kind === 'Role')).toHaveLength(2);
  });
});

describe('the dry-run-only admission policy', () => {
  it.each(OVERLAYS)("%s: refuses every write of Augur's ServiceAccount that is not a dry run, but its Events and Lease", (overlay) => {
    const objects = render(overlay);
    const policy = find(objects, 'ValidatingAdmissionPolicy', DRY_RUN_ONLY_POLICY);
    const sa = find(objects, 'ServiceAccount', 'augur');
    expect(policy.spec.failurePolicy).toBe('Fail');
    // The user it matches is the ServiceAccount the overlay installs.
    expect(policy.spec.matchConditions).toEqual([
      { name: 'augur-service-account', expression: `request.userInfo.username == "system:serviceaccount:${sa.metadata.namespace}:${sa.metadata.name}"` },
    ]);
    expect(policy.spec.matchConstraints.resourceRules).toEqual([{ apiGroups: ['*'], apiVersions: ['*'], operations: ['CREATE', 'UPDATE', 'DELETE'], resources: ['*/*'] }]);
    const excluded = (policy.spec.matchConstraints.excludeResourceRules as K8sObject[]).map((r) => `${r.apiGroups.join()}/${r.resources.join()}`).sort();
    expect(excluded).toEqual(['/events', 'coordination.k8s.io/leases', 'events.k8s.io/events']);
    expect(policy.spec.validations.map((v: K8sObject) => v.expression)).toEqual(['request.dryRun == true']);
    const binding = find(objects, 'ValidatingAdmissionPolicyBinding', DRY_RUN_ONLY_POLICY);
    expect(binding.spec).toEqual({ policyName: DRY_RUN_ONLY_POLICY, validationActions: ['Deny'] });
  });

  it('what the policy lets through is exactly what RBAC grants as writes besides the dry-run verbs: Events and the Lease', () => {
    const writes = [...NAMESPACED_RULES, ...LEASE_RULES].flatMap((r) => (r.verbs.some((v) => ['create', 'update', 'delete'].includes(v)) ? r.resources : []));
    expect(writes.filter((r) => !['deployments', 'statefulsets', 'horizontalpodautoscalers'].includes(r)).sort()).toEqual(['events', 'leases']);
  });
});

/** The pod settings shared by the Deployment and the CronJob. */
function expectHardenedPod(pod: K8sObject, args: string[]): void {
  expect(pod.serviceAccountName).toBe('augur');
  expect(pod.automountServiceAccountToken).toBe(true);
  for (const key of ['hostNetwork', 'hostPID', 'hostIPC']) expect(pod[key], key).toBeUndefined();
  expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: 'RuntimeDefault' } });
  expect(pod.containers).toHaveLength(1);
  expect(pod.initContainers).toBeUndefined();
  const c = pod.containers[0];
  expect(c.image).toBe(IMAGE);
  expect(c.command).toBeUndefined(); // the image's entrypoint (tini, node dist/cli/main.js)
  expect(c.args).toEqual(args);
  const sc = c.securityContext;
  expect(sc).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
  expect(sc.privileged).not.toBe(true);
  expect(sc.capabilities.add).toBeUndefined();
  // What the container gets, container settings first (as the kubelet resolves them).
  expect(sc.runAsNonRoot ?? pod.securityContext.runAsNonRoot).toBe(true);
  expect(sc.runAsUser ?? pod.securityContext.runAsUser).toBe(1000);
  expect((sc.seccompProfile ?? pod.securityContext.seccompProfile).type).toBe('RuntimeDefault');
  expect(c.resources.requests).toEqual({ cpu: expect.anything(), memory: expect.anything() });
  expect(c.resources.limits).toEqual({ cpu: expect.anything(), memory: expect.anything() });
  // serve listens on 127.0.0.1 and $POD_IP: without it the kubelet's probes find nothing.
  expect(c.env).toEqual([
    { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
    ...(args[0] === 'serve' ? [{ name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } }] : []),
    { name: 'GITHUB_TOKEN', valueFrom: { secretKeyRef: { name: 'augur-github', key: 'token' } } },
  ]);
  // Writable: /tmp only (an emptyDir; the checkout and HOME). The config is read-only.
  const volumes = Object.fromEntries((pod.volumes as K8sObject[]).map((v) => [v.name, v]));
  const mounts = Object.fromEntries((c.volumeMounts as K8sObject[]).map((m) => [m.mountPath, m]));
  expect(Object.keys(mounts).sort()).toEqual(['/etc/augur', '/tmp']);
  expect(volumes[mounts['/tmp']!.name]!.emptyDir).toBeDefined();
  expect(mounts['/etc/augur']!.readOnly).toBe(true);
  expect(volumes[mounts['/etc/augur']!.name]!.configMap).toEqual({ name: 'augur-config' });
}

describe('the agent workload', () => {
  it.each(['cluster-wide', 'namespaced'] as const)('%s: Deployment: one replica, serve, hardened pod, probes on the metrics port', (overlay) => {
    const d = find(render(overlay), 'Deployment', 'augur');
    expect(d.spec.replicas).toBe(1); // enough: state is read back from the forge; two elect a leader
    expect(d.spec.strategy).toEqual({ type: 'Recreate' }); // never two pods at once
    expect(d.spec.selector.matchLabels).toEqual(d.spec.template.metadata.labels);
    const pod = d.spec.template.spec;
    expectHardenedPod(pod, ['serve', '-c', CONFIG_PATH]);
    const c = pod.containers[0];
    expect(c.ports).toEqual([{ name: 'http-metrics', containerPort: 8080, protocol: 'TCP' }]);
    expect(c.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'http-metrics' });
    expect(c.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'http-metrics' });
    // Augur waits up to 60 s for a running cycle after SIGTERM.
    expect(pod.terminationGracePeriodSeconds).toBeGreaterThan(60);
  });

  it('cronjob: a CronJob running one cycle every 6 hours, never two at once, with the same hardened pod', () => {
    const cj = find(render('cronjob'), 'CronJob', 'augur');
    expect(cj.spec.schedule).toBe('0 */6 * * *');
    expect(cj.spec.concurrencyPolicy).toBe('Forbid');
    const pod = cj.spec.jobTemplate.spec.template.spec;
    expect(pod.restartPolicy).toBe('Never');
    expectHardenedPod(pod, ['run', '--once', '-c', CONFIG_PATH]);
    expect(pod.containers[0].livenessProbe).toBeUndefined(); // run --once serves no HTTP
    // The CronJob's pod is the Deployment's, apart from what a one-shot run changes.
    const deployment = find(render('cluster-wide'), 'Deployment');
    const strip = (p: K8sObject) => {
      const { restartPolicy: _r, containers, ...rest } = structuredClone(p);
      const { args: _a, ports: _p, livenessProbe: _l, readinessProbe: _rp, env, ...container } = containers[0];
      return { ...rest, containers: [{ ...container, env: (env as K8sObject[]).filter((e) => e.name !== 'POD_IP') }] };
    };
    expect(strip(pod)).toEqual(strip(deployment.spec.template.spec));
  });

  it('runs as the image user: the Dockerfile runs as `node` (uid 1000 in the official node:20 bookworm-slim images)', () => {
    const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
    // The runtime stage (the last FROM) is the official Node image, whose `node` user the pod's runAsUser names.
    expect(dockerfile).toMatch(/^ARG NODE_IMAGE=node:20\.\d+\.\d+-bookworm-slim@sha256:[0-9a-f]{64}\s*$/m);
    expect([...dockerfile.matchAll(/^FROM (.+)$/gm)].at(-1)?.[1]?.trim()).toBe('${NODE_IMAGE}');
    expect(dockerfile).toMatch(/^USER node\s*$/m);
    expect(dockerfile).toMatch(/TMPDIR=\/tmp/);
  });

  it('the image tag is the package version', () => {
    const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    expect(IMAGE).toBe(`ghcr.io/augur-dev/augur:${version}`);
  });

  it.each(['cluster-wide', 'namespaced'] as const)('%s: the PodDisruptionBudget never blocks a drain of the single pod', (overlay) => {
    const pdb = find(render(overlay), 'PodDisruptionBudget', 'augur');
    expect(pdb.apiVersion).toBe('policy/v1');
    expect(pdb.spec.maxUnavailable).toBe(1);
    expect(pdb.spec.minAvailable).toBeUndefined();
    expect(pdb.spec.selector.matchLabels).toEqual(find(render(overlay), 'Deployment').spec.template.metadata.labels);
  });

  it.each(['cluster-wide', 'namespaced'] as const)('%s: the Service exposes the metrics port of the pod', (overlay) => {
    const svc = find(render(overlay), 'Service', 'augur');
    const pod = find(render(overlay), 'Deployment').spec.template;
    expect(svc.spec.ports).toEqual([{ name: 'http-metrics', port: 8080, targetPort: 'http-metrics', protocol: 'TCP' }]);
    for (const [k, v] of Object.entries(svc.spec.selector as Record<string, string>)) expect(pod.metadata.labels[k]).toBe(v);
  });
});

describe('the NetworkPolicy', () => {
  const ns = (name: string) => ({ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': name } } });
  const tcp = (port: number) => ({ protocol: 'TCP', port });

  it.each(OVERLAYS)('%s: selects the agent pod, ingress only Prometheus to the metrics port, egress only DNS, Prometheus, HTTPS and the API server', (overlay) => {
    const np = find(render(overlay), 'NetworkPolicy', 'augur');
    const workload = render(overlay).find((o) => o.kind === 'Deployment') ?? find(render(overlay), 'CronJob');
    const podLabels = (workload.kind === 'Deployment' ? workload.spec.template : workload.spec.jobTemplate.spec.template).metadata.labels;
    for (const [k, v] of Object.entries(np.spec.podSelector.matchLabels as Record<string, string>)) expect(podLabels[k]).toBe(v);
    expect([...np.spec.policyTypes].sort()).toEqual(['Egress', 'Ingress']);
    expect(np.spec.ingress).toEqual([{ from: [ns('monitoring')], ports: [tcp(8080)] }]);
    expect(np.spec.egress).toEqual([
      { to: [ns('kube-system')], ports: [{ protocol: 'UDP', port: 53 }, tcp(53)] },
      { to: [ns('monitoring')], ports: [tcp(9090)] },
      { to: [{ ipBlock: { cidr: '0.0.0.0/0' } }], ports: [tcp(443)] },
      { to: [{ ipBlock: { cidr: '0.0.0.0/0' } }], ports: [tcp(443), tcp(6443)] },
    ]);
  });
});

describe('components/webhook-ingress', () => {
  it('admits the webhooks to port 8080 from the ingress controller\'s namespace, and keeps the rest of the NetworkPolicy', () => {
    const np = find(renderWithComponents(), 'NetworkPolicy', 'augur');
    const base = find(render('cluster-wide'), 'NetworkPolicy', 'augur');
    expect(np.spec.ingress).toEqual([
      ...base.spec.ingress,
      { from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } } }], ports: [{ protocol: 'TCP', port: 8080 }] },
    ]);
    expect(np.spec.ingress[0].from).toEqual([{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }]);
    expect({ ...np.spec, ingress: [] }).toEqual({ ...base.spec, ingress: [] });
  });
});

describe('the guardrails file in the ConfigMap', () => {
  it.each(OVERLAYS)('%s: is a valid guardrails file for the GitHub forge, reading the in-cluster Prometheus', (overlay) => {
    const cm = find(render(overlay), 'ConfigMap', 'augur-config');
    expect(Object.keys(cm.data)).toEqual(['augur.yaml']);
    const { config } = parseConfig(cm.data['augur.yaml'], CONFIG_PATH);
    expect(config.prometheus?.url).toBe('http://prometheus-operated.monitoring:9090');
    expect(config.forge).toMatchObject({ type: 'github', token: { env: 'GITHUB_TOKEN' } });
    expect(config.targets.length).toBeGreaterThan(0);
  });
});
