import { test } from 'node:test';
import assert from 'node:assert/strict';
import { requestInfo } from './request-info.js';

const q = new URLSearchParams();
const cases: Array<[string, string, string, Partial<ReturnType<typeof requestInfo>>]> = [
  ['a namespaced list', 'GET', '/api/v1/namespaces/default/pods', { verb: 'list', resource: 'pods', namespace: 'default', name: '' }],
  ['a namespaced get', 'GET', '/api/v1/namespaces/default/pods/web', { verb: 'get', resource: 'pods', name: 'web' }],
  ['a subresource', 'POST', '/api/v1/namespaces/default/pods/web/binding', { verb: 'create', subresource: 'binding', name: 'web' }],
  ['a group resource across namespaces', 'GET', '/apis/apps/v1/deployments', { verb: 'list', group: 'apps', version: 'v1', resource: 'deployments' }],
  ['a namespace object', 'GET', '/api/v1/namespaces/kube-system', { verb: 'get', resource: 'namespaces', name: 'kube-system', namespace: '' }],
  ['a namespace status', 'PUT', '/api/v1/namespaces/foo/status', { verb: 'update', resource: 'namespaces', name: 'foo', subresource: 'status' }],
  ['a namespace finalize', 'PUT', '/api/v1/namespaces/foo/finalize', { resource: 'namespaces', name: 'foo', subresource: 'finalize' }],
  ['a legacy watch path', 'GET', '/api/v1/watch/namespaces/default/pods', { verb: 'watch', resource: 'pods', namespace: 'default' }],
  ['a delete collection', 'DELETE', '/api/v1/namespaces/default/pods', { verb: 'deletecollection' }],
  ['a cluster-scoped delete', 'DELETE', '/api/v1/nodes/n1', { verb: 'delete', resource: 'nodes', name: 'n1' }],
  ['group discovery is not a resource request', 'GET', '/apis/apps/v1', { isResourceRequest: false, group: 'apps', version: 'v1' }],
  ['a non-API path', 'GET', '/healthz', { isResourceRequest: false }],
];

for (const [name, method, path, want] of cases) {
  test(`request info: ${name}`, () => {
    const got = requestInfo(method, path, q);
    for (const [k, v] of Object.entries(want)) assert.deepEqual(got[k as keyof typeof got], v, `${k} of ${path}`);
  });
}

test('request info: ?watch=true makes a list a watch', () => {
  assert.equal(requestInfo('GET', '/api/v1/pods', new URLSearchParams('watch=true')).verb, 'watch');
});
