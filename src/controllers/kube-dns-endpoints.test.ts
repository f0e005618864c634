// kube-dns published by many DNS instances: the planner (Endpoints = union, readiness from Nodes); the node authorizer's slice rule is tested in src/apiserver/auth/node-authorizer.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KObject } from '../api/index.js';
import { kubeDnsIPFrom, planKubeDns } from './kube-dns-endpoints.js';

const ports = [
  { name: 'dns', port: 53, protocol: 'UDP' },
  { name: 'dns-tcp', port: 53, protocol: 'TCP' },
];
const slice = (node: string, ip: string, ready = true, p: unknown[] = ports, managedBy = 'dns.k8ts.io'): KObject =>
  ({
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: `kube-dns-${node}`, namespace: 'kube-system', labels: { 'kubernetes.io/service-name': 'kube-dns', 'endpointslice.kubernetes.io/managed-by': managedBy } },
    addressType: 'IPv4',
    endpoints: [{ addresses: [ip], nodeName: node, conditions: { ready, serving: ready, terminating: false } }],
    ports: p,
  }) as KObject;
const nodeWith = (ready: string): KObject => ({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'n' }, status: { conditions: [{ type: 'Ready', status: ready }] } }) as KObject;

test('Endpoints is the union of the published slices; readiness follows each Node', () => {
  const nodes: Record<string, KObject> = { a: nodeWith('True'), b: nodeWith('True'), c: nodeWith('Unknown') };
  const plan = planKubeDns([slice('b', '10.0.0.12'), slice('a', '10.0.0.11'), slice('c', '10.0.0.13'), slice('x', '10.0.0.99', true, ports, 'someone-else')], (n) => nodes[n]);
  assert.deepEqual(plan.subsets, [
    { addresses: [{ ip: '10.0.0.11', nodeName: 'a' }, { ip: '10.0.0.12', nodeName: 'b' }], notReadyAddresses: [{ ip: '10.0.0.13', nodeName: 'c' }], ports },
  ]);
  assert.deepEqual([...plan.sliceUpdates.keys()], ['kube-dns-c'], 'only the Unknown node\'s slice is rewritten');
  assert.deepEqual(plan.sliceUpdates.get('kube-dns-c')?.[0]?.conditions, { ready: false, serving: false, terminating: false });
  // The node comes back: ready again; a node that is gone: not ready.
  nodes.c = nodeWith('True');
  const back = planKubeDns([slice('c', '10.0.0.13', false), slice('gone', '10.0.0.14')], (n) => nodes[n]);
  assert.deepEqual(back.sliceUpdates.get('kube-dns-c')?.[0]?.conditions?.ready, true);
  assert.deepEqual(back.sliceUpdates.get('kube-dns-gone')?.[0]?.conditions?.ready, false);
  // Different ports (a test instance on a free port) make their own subset; nothing published: no subsets.
  const mixed = planKubeDns([slice('a', '10.0.0.11'), slice('b', '10.0.0.12', true, [{ name: 'dns', port: 5353, protocol: 'UDP' }])], (n) => nodes[n]);
  assert.equal(mixed.subsets.length, 2);
  assert.deepEqual(planKubeDns([], () => undefined).subsets, []);
});

test('the kube-dns ClusterIP is the kubernetes Service IP + 9 (service CIDR + 10)', () => {
  assert.equal(kubeDnsIPFrom('10.43.0.1'), '10.43.0.10');
  assert.equal(kubeDnsIPFrom('10.96.0.1'), '10.96.0.10');
  assert.equal(kubeDnsIPFrom(''), undefined);
});
