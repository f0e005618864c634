// The node authorizer's kube-dns EndpointSlice rule (helper N1, issue 10).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MemoryStore } from '../../store/index.js';
import { WatchCache } from '../watch-cache/watch-cache.js';
import { NodeAuthorizer } from './node-authorizer.js';

test('node authorizer: a node reads slices and writes only kube-system/kube-dns-<itself>', async () => {
  const store = new MemoryStore({ progressIntervalMs: 0 });
  const cache = new WatchCache(store, ['/registry/pods/']);
  await cache.start(() => {});
  const az = new NodeAuthorizer(cache);
  const user = { username: 'system:node:n1', groups: ['system:nodes', 'system:authenticated'] };
  const a = (verb: string, namespace: string, name?: string) => az.authorize({ user, verb, group: 'discovery.k8s.io', resource: 'endpointslices', namespace, name });
  for (const v of ['get', 'list', 'watch']) assert.equal(a(v, 'default')?.allowed, true, v);
  for (const v of ['create', 'update', 'patch', 'delete']) assert.equal(a(v, 'kube-system', 'kube-dns-n1')?.allowed, true, v);
  assert.equal(a('create', 'kube-system')?.allowed, true, 'create by body: admission checks the name');
  assert.match(a('update', 'kube-system', 'kube-dns-n2')?.reason ?? '', /can only write its own kube-dns EndpointSlice "kube-system\/kube-dns-n1"/);
  assert.equal(a('delete', 'kube-system', 'kube-dns-n2')?.allowed, false);
  assert.equal(a('create', 'default', 'kube-dns-n1')?.allowed, false);
  assert.equal(a('deletecollection', 'kube-system')?.allowed, false);
  assert.equal(az.authorize({ user: { username: 'jane', groups: [] }, verb: 'update', group: 'discovery.k8s.io', resource: 'endpointslices', namespace: 'kube-system', name: 'kube-dns-n1' }), undefined, 'not a node: RBAC decides');
});
