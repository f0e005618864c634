// The RBAC index follows the watch cache: bindings by user, group and service account, kept current as they change.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryStore } from '../../store/index.js';
import { WatchCache } from '../watch-cache/watch-cache.js';
import { RBAC_BUCKETS } from './rbac-index.js';
import { authorize, type Attributes } from './authorize.js';

const enc = (o: object) => new TextEncoder().encode(JSON.stringify(o));
const G = 'rbac.authorization.k8s.io';

async function setup() {
  const store = new MemoryStore({ progressIntervalMs: 0 });
  const cache = new WatchCache(store, [...Object.values(RBAC_BUCKETS), '/registry/pods/']);
  await store.create(`${RBAC_BUCKETS.clusterroles}secret-reader`, enc({ metadata: { name: 'secret-reader' }, rules: [{ apiGroups: [''], resources: ['secrets'], verbs: ['get', 'list'] }] }));
  await store.create(`${RBAC_BUCKETS.roles}dev/pod-reader`, enc({ metadata: { name: 'pod-reader', namespace: 'dev' }, rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }] }));
  await cache.start(() => {});
  const settle = async () => {
    await cache.waitFor((await store.list('/', { limit: 1 })).revision, 2000);
  };
  return { store, cache, parts: { cache }, settle };
}

const attrs = (username: string, groups: string[], verb: string, resource: string, namespace?: string): Attributes => ({ user: { username, groups }, verb, group: '', resource, namespace, name: 'x' });

test('bindings grant by user, group and service account; role bindings only in their namespace', async () => {
  const { store, cache, parts, settle } = await setup();
  await store.create(`${RBAC_BUCKETS.rolebindings}dev/read-pods`, enc({ metadata: { name: 'read-pods', namespace: 'dev' }, roleRef: { apiGroup: G, kind: 'Role', name: 'pod-reader' }, subjects: [{ kind: 'User', apiGroup: G, name: 'jane' }] }));
  await store.create(`${RBAC_BUCKETS.rolebindings}dev/read-secrets`, enc({ metadata: { name: 'read-secrets', namespace: 'dev' }, roleRef: { apiGroup: G, kind: 'ClusterRole', name: 'secret-reader' }, subjects: [{ kind: 'Group', apiGroup: G, name: 'manager' }, { kind: 'ServiceAccount', name: 'bot' }] }));
  await settle();
  assert.equal(authorize(attrs('jane', [], 'get', 'pods', 'dev'), parts).allowed, true);
  assert.match(authorize(attrs('jane', [], 'get', 'pods', 'dev'), parts).reason, /RBAC: allowed by RoleBinding "read-pods\/dev" of Role "pod-reader" to User "jane"/);
  assert.equal(authorize(attrs('jane', [], 'get', 'pods', 'prod'), parts).allowed, false);
  assert.equal(authorize(attrs('jane', [], 'get', 'pods'), parts).allowed, false);
  assert.equal(authorize(attrs('dave', ['manager'], 'get', 'secrets', 'dev'), parts).allowed, true);
  assert.equal(authorize(attrs('dave', ['manager'], 'get', 'secrets', 'prod'), parts).allowed, false);
  assert.equal(authorize(attrs('system:serviceaccount:dev:bot', ['system:serviceaccounts'], 'list', 'secrets', 'dev'), parts).allowed, true);
  assert.equal(authorize(attrs('system:serviceaccount:prod:bot', ['system:serviceaccounts'], 'list', 'secrets', 'dev'), parts).allowed, false);
  cache.stop();
});

test('changes to bindings and roles apply at once; a binding to a missing role grants nothing', async () => {
  const { store, cache, parts, settle } = await setup();
  const crb = `${RBAC_BUCKETS.clusterrolebindings}readers`;
  await store.create(crb, enc({ metadata: { name: 'readers' }, roleRef: { apiGroup: G, kind: 'ClusterRole', name: 'secret-reader' }, subjects: [{ kind: 'User', apiGroup: G, name: 'jane' }] }));
  await settle();
  assert.equal(authorize(attrs('jane', [], 'get', 'secrets', 'any'), parts).allowed, true);
  assert.equal(authorize(attrs('jane', [], 'get', 'secrets'), parts).allowed, true);
  const cur = await store.get(crb);
  await store.update(crb, enc({ metadata: { name: 'readers' }, roleRef: { apiGroup: G, kind: 'ClusterRole', name: 'secret-reader' }, subjects: [{ kind: 'User', apiGroup: G, name: 'bob' }] }), cur!.modRevision);
  await settle();
  assert.equal(authorize(attrs('jane', [], 'get', 'secrets', 'any'), parts).allowed, false);
  assert.equal(authorize(attrs('bob', [], 'get', 'secrets', 'any'), parts).allowed, true);
  await store.delete(`${RBAC_BUCKETS.clusterroles}secret-reader`);
  await settle();
  assert.equal(authorize(attrs('bob', [], 'get', 'secrets', 'any'), parts).allowed, false);
  await store.delete(crb);
  await settle();
  assert.equal(authorize(attrs('bob', [], 'get', 'secrets', 'any'), parts).allowed, false);
  cache.stop();
});

test('system:masters is allowed everything; without a server nothing else is', () => {
  assert.equal(authorize({ user: { username: 'root', groups: ['system:masters'] }, verb: 'delete', resource: 'nodes' }).allowed, true);
  assert.equal(authorize({ user: { username: 'jane', groups: [] }, verb: 'get', path: '/version' }).allowed, false);
});
