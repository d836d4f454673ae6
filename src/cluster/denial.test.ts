// Who refused, from the API server's own words (messages as kube-apiserver v1.32 writes them).
import { describe, expect, it } from 'vitest';
import { classifyDenial } from './denial.js';
import { describeDenial } from '../forge/reasons.js';

describe('classifyDenial', () => {
  it('a ValidatingAdmissionPolicy (403 or 422, its reason decides), with the policy, binding and message', () => {
    const m = `deployments.apps "web" is forbidden: ValidatingAdmissionPolicy 'replicas-step' with binding 'replicas-step-prod' denied request: replicas may grow by at most 2`;
    expect(classifyDenial(422, m)).toEqual({ by: 'policy', name: 'replicas-step', binding: 'replicas-step-prod', message: 'replicas may grow by at most 2' });
    expect(classifyDenial(403, m).by).toBe('policy');
  });

  it('a webhook, with its name and message', () => {
    const m = 'admission webhook "validate.kyverno.svc-fail" denied the request: policy require-requests/autogen: replicas above 8 need a review';
    expect(classifyDenial(403, m)).toEqual({ by: 'webhook', name: 'validate.kyverno.svc-fail', message: 'policy require-requests/autogen: replicas above 8 need a review' });
  });

  it('a quota, telling an object-count quota from a requests quota', () => {
    const count = 'deployments.apps "web-augur-dryrun" is forbidden: exceeded quota: objects, requested: count/deployments.apps=1, used: count/deployments.apps=1, limited: count/deployments.apps=1';
    expect(classifyDenial(403, count)).toMatchObject({ by: 'quota', name: 'objects', counts: true });
    const cpu = 'pods "x" is forbidden: exceeded quota: compute, requested: requests.cpu=2,requests.memory=1Gi, used: requests.cpu=19, limited: requests.cpu=20';
    expect(classifyDenial(403, cpu)).toMatchObject({ by: 'quota', name: 'compute', counts: false, message: expect.stringMatching(/^exceeded quota: compute/) });
  });

  it('RBAC: a permission the user lacks, with the verb, resource and namespace', () => {
    const m = 'deployments.apps "web" is forbidden: User "system:serviceaccount:augur:augur" cannot patch resource "deployments" in API group "apps" in the namespace "shop"';
    expect(classifyDenial(403, m)).toMatchObject({ by: 'rbac', user: 'system:serviceaccount:augur:augur', verb: 'patch', resource: 'deployments.apps', namespace: 'shop' });
    expect(classifyDenial(403, 'nodes is forbidden: User "system:serviceaccount:augur:augur" cannot list resource "nodes" in API group "" at the cluster scope')).toMatchObject({ by: 'rbac', verb: 'list', resource: 'nodes' });
  });

  it('validation, and anything else', () => {
    expect(classifyDenial(422, 'Deployment.apps "web" is invalid: spec.replicas: Invalid value: -1')).toMatchObject({ by: 'invalid' });
    expect(classifyDenial(409, 'Operation cannot be fulfilled')).toMatchObject({ by: 'other', status: 409 });
  });

  it('words each so the reader knows whom to ask, and never blames RBAC for admission', () => {
    expect(describeDenial({ by: 'policy', name: 'p', message: 'no' })).toMatch(/admission policy of the cluster: ask its owner/);
    expect(describeDenial({ by: 'webhook', name: 'w.x.y', message: 'no' })).toMatch(/ask the owner of that policy/);
    expect(describeDenial({ by: 'quota', name: 'q', message: 'exceeded', counts: false })).toMatch(/ask the namespace's owner/);
    expect(describeDenial({ by: 'rbac', verb: 'patch', resource: 'deployments.apps', namespace: 'shop', message: '' })).toMatch(/a permission Augur lacks, not a verdict on the change; ask the cluster admin/);
    for (const by of ['policy', 'webhook'] as const) expect(describeDenial({ by, name: 'n', message: 'm' })).not.toMatch(/RBAC|grant/);
  });
});
