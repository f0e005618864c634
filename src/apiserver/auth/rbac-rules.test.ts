// Table-driven RBAC rule matching and coverage, from the examples in upstream's "Using RBAC Authorization" page.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Attributes } from './authorize.js';
import { ruleAllows, uncovered, type PolicyRule } from './rbac-rules.js';

const user = { username: 'jane', groups: ['system:authenticated'] };
const req = (verb: string, resource: string, extra: Partial<Attributes> = {}): Attributes => ({ user, verb, group: '', namespace: 'default', resource, ...extra });

const podReader: PolicyRule = { apiGroups: [''], resources: ['pods'], verbs: ['get', 'watch', 'list'] };
const podAndLogReader: PolicyRule = { apiGroups: [''], resources: ['pods', 'pods/log'], verbs: ['get', 'list'] };
const namedConfigMap: PolicyRule = { apiGroups: [''], resources: ['configmaps'], resourceNames: ['my-configmap'], verbs: ['update', 'get'] };
const deployments: PolicyRule = { apiGroups: ['apps'], resources: ['deployments'], verbs: ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'] };
const anyScale: PolicyRule = { apiGroups: ['*'], resources: ['*/scale'], verbs: ['get', 'update'] };
const healthz: PolicyRule = { nonResourceURLs: ['/healthz', '/healthz/*'], verbs: ['get', 'post'] };
const everything: PolicyRule = { apiGroups: ['*'], resources: ['*'], verbs: ['*'] };

const cases: Array<[string, PolicyRule, Attributes, boolean]> = [
  ['pod-reader may get pods', podReader, req('get', 'pods', { name: 'p' }), true],
  ['pod-reader may list pods', podReader, req('list', 'pods'), true],
  ['pod-reader may not create pods', podReader, req('create', 'pods'), false],
  ['pod-reader may not get secrets', podReader, req('get', 'secrets', { name: 's' }), false],
  ['pods does not include pods/log', podReader, req('get', 'pods', { subresource: 'log', name: 'p' }), false],
  ['pods/log names the subresource', podAndLogReader, req('get', 'pods', { subresource: 'log', name: 'p' }), true],
  ['resourceNames: the named object', namedConfigMap, req('get', 'configmaps', { name: 'my-configmap' }), true],
  ['resourceNames: another object', namedConfigMap, req('get', 'configmaps', { name: 'other' }), false],
  ['resourceNames cannot restrict list', namedConfigMap, req('list', 'configmaps'), false],
  ['resourceNames cannot restrict create', namedConfigMap, req('create', 'configmaps'), false],
  ['apiGroups must match', deployments, req('get', 'deployments', { group: 'extensions', name: 'd' }), false],
  ['apiGroups match', deployments, req('delete', 'deployments', { group: 'apps', name: 'd' }), true],
  ['*/scale matches any scale subresource', anyScale, req('update', 'deployments', { group: 'apps', subresource: 'scale', name: 'd' }), true],
  ['*/scale does not match the resource', anyScale, req('get', 'deployments', { group: 'apps', name: 'd' }), false],
  ['wildcards allow everything', everything, req('escalate', 'clusterroles', { group: 'rbac.authorization.k8s.io' }), true],
  ['wildcard resources include subresources', everything, req('create', 'pods', { subresource: 'exec', name: 'p' }), true],
  ['resource rules never allow paths', everything, { user, verb: 'get', path: '/healthz' }, false],
  ['nonResourceURL exact', healthz, { user, verb: 'get', path: '/healthz' }, true],
  ['nonResourceURL prefix', healthz, { user, verb: 'post', path: '/healthz/etcd' }, true],
  ['nonResourceURL prefix needs the slash', healthz, { user, verb: 'get', path: '/healthzz' }, false],
  ['nonResourceURL verb', healthz, { user, verb: 'put', path: '/healthz' }, false],
  ['path rules never allow resources', healthz, req('get', 'pods'), false],
];

for (const [name, rule, attrs, want] of cases) test(`ruleAllows: ${name}`, () => assert.equal(ruleAllows(attrs, rule), want));

test('coverage: wildcards cover everything, including URLs', () => {
  assert.deepEqual(uncovered([everything, { nonResourceURLs: ['*'], verbs: ['*'] }], [podReader, healthz, anyScale]), []);
});

test('coverage: missing pieces are reported one by one', () => {
  const missing = uncovered([podReader], [{ apiGroups: [''], resources: ['pods', 'secrets'], verbs: ['get', 'delete'] }]);
  assert.deepEqual(missing, [
    { verbs: ['get'], apiGroups: [''], resources: ['secrets'] },
    { verbs: ['delete'], apiGroups: [''], resources: ['pods'] },
    { verbs: ['delete'], apiGroups: [''], resources: ['secrets'] },
  ]);
});

test('coverage: */scale covers one scale subresource, not the reverse', () => {
  assert.deepEqual(uncovered([anyScale], [{ apiGroups: ['apps'], resources: ['deployments/scale'], verbs: ['get'] }]), []);
  assert.equal(uncovered([{ apiGroups: ['apps'], resources: ['deployments/scale'], verbs: ['get', 'update'] }], [anyScale]).length, 2);
});

test('coverage: resourceNames narrow what an owner holds', () => {
  assert.deepEqual(uncovered([namedConfigMap], [{ ...namedConfigMap, verbs: ['get'] }]), []);
  assert.equal(uncovered([namedConfigMap], [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get'] }]).length, 1);
  assert.deepEqual(uncovered([{ apiGroups: [''], resources: ['configmaps'], verbs: ['get'] }], [{ ...namedConfigMap, verbs: ['get'] }]), []);
});

test('coverage: a star verb or group in the servant needs a star in the owner', () => {
  assert.equal(uncovered([deployments], [{ apiGroups: ['apps'], resources: ['deployments'], verbs: ['*'] }]).length, 1);
  assert.equal(uncovered([podReader], [{ apiGroups: ['*'], resources: ['pods'], verbs: ['get'] }]).length, 1);
});

test('coverage: URL prefixes', () => {
  assert.deepEqual(uncovered([{ nonResourceURLs: ['/apis/*'], verbs: ['get'] }], [{ nonResourceURLs: ['/apis/apps'], verbs: ['get'] }]), []);
  assert.equal(uncovered([{ nonResourceURLs: ['/apis'], verbs: ['get'] }], [{ nonResourceURLs: ['/apis/*'], verbs: ['get'] }]).length, 1);
});
