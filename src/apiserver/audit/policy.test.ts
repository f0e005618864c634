// audit.k8s.io/v1 Policy: the first matching rule decides the level.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { levelFor, parsePolicy, type PolicyRequest } from './policy.js';

const policy = parsePolicy(`
apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: [RequestReceived]
rules:
- level: None
  users: ["system:kube-proxy"]
  verbs: ["watch"]
- level: Metadata
  resources:
  - group: ""
    resources: ["secrets", "configmaps"]
- level: RequestResponse
  resources:
  - group: ""
    resources: ["pods/log", "pods/status"]
- level: None
  nonResourceURLs: ["/healthz*", "/version"]
- level: Request
  namespaces: ["kube-system"]
- level: Metadata
`);
const q = (o: Partial<PolicyRequest>): PolicyRequest => ({ user: 'alice', groups: [], verb: 'get', path: '/', isResource: true, group: '', ...o });

test('rules match in order, by user, verb, resource, subresource, namespace and URL', () => {
  assert.equal(levelFor(policy, q({ user: 'system:kube-proxy', verb: 'watch', resource: 'endpoints' })).level, 'None');
  assert.equal(levelFor(policy, q({ resource: 'secrets', namespace: 'kube-system' })).level, 'Metadata');
  assert.equal(levelFor(policy, q({ resource: 'pods', subresource: 'log' })).level, 'RequestResponse');
  assert.equal(levelFor(policy, q({ resource: 'pods', namespace: 'kube-system' })).level, 'Request');
  assert.equal(levelFor(policy, q({ isResource: false, path: '/healthz/etcd' })).level, 'None');
  assert.equal(levelFor(policy, q({ isResource: false, path: '/api' })).level, 'Metadata');
  assert.deepEqual(levelFor(policy, q({ resource: 'pods' })).omitStages, ['RequestReceived']);
});

test('a policy with an unknown level is refused', () => {
  assert.throws(() => parsePolicy('kind: Policy\nrules:\n- level: Everything\n'), /unknown level Everything/);
});
