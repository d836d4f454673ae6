// The proxy's reading of a request as RBAC sees it (its faults are used, and so tested, in
// test/integration/cluster.test.ts against the real API server).
import { describe, expect, it } from 'vitest';
import { requestInfo } from './kube-api.js';

describe('requestInfo: verb, group, resource, namespace, name and dry run of a request', () => {
  it.each([
    ['GET', '/apis/apps/v1/namespaces/shop/deployments/web', { verb: 'get', apiGroup: 'apps', resource: 'deployments', namespace: 'shop', name: 'web', dryRun: false }],
    ['GET', '/apis/autoscaling/v2/namespaces/shop/horizontalpodautoscalers', { verb: 'list', apiGroup: 'autoscaling', resource: 'horizontalpodautoscalers', namespace: 'shop', dryRun: false }],
    ['GET', '/api/v1/nodes', { verb: 'list', apiGroup: '', resource: 'nodes', dryRun: false }],
    ['GET', '/api/v1/pods?fieldSelector=status.phase%21%3DSucceeded', { verb: 'list', apiGroup: '', resource: 'pods', dryRun: false }],
    ['GET', '/api/v1/namespaces/shop/pods?watch=true', { verb: 'watch', apiGroup: '', resource: 'pods', namespace: 'shop', dryRun: false }],
    ['PATCH', '/apis/apps/v1/namespaces/shop/deployments/api?dryRun=All&fieldManager=augur&force=true', { verb: 'patch', apiGroup: 'apps', resource: 'deployments', namespace: 'shop', name: 'api', dryRun: true }],
    ['POST', '/apis/apps/v1/namespaces/shop/deployments?dryRun=All', { verb: 'create', apiGroup: 'apps', resource: 'deployments', namespace: 'shop', dryRun: true }],
    ['PUT', '/apis/coordination.k8s.io/v1/namespaces/augur/leases/augur', { verb: 'update', apiGroup: 'coordination.k8s.io', resource: 'leases', namespace: 'augur', name: 'augur', dryRun: false }],
    ['PATCH', '/api/v1/namespaces/shop/resourcequotas/compute/status', { verb: 'patch', apiGroup: '', resource: 'resourcequotas', subresource: 'status', namespace: 'shop', name: 'compute', dryRun: false }],
    ['DELETE', '/api/v1/namespaces/shop/events', { verb: 'deletecollection', apiGroup: '', resource: 'events', namespace: 'shop', dryRun: false }],
  ] as const)('%s %s', (method, url, expected) => {
    expect(requestInfo(method, url)).toEqual(expected);
  });

  it('is undefined for discovery and health paths, which RBAC does not see as resources', () => {
    for (const url of ['/version', '/api', '/apis', '/apis/apps/v1', '/readyz', '/openapi/v3']) expect(requestInfo('GET', url), url).toBeUndefined();
  });
});
