// kube-dns published by many DNS instances: the planner (Endpoints = union, readiness from Nodes); the node authorizer's slice rule is tested in src/apiserver/auth/node-authorizer.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KObject } from '../api/index.js';
import { FakeClock, SharedInformerFactory } from '../client/index.js';
import { FakeApi, settle, until } from './fake-api.case.js';
import { kubeDnsIPFrom, orphanedKubeDnsSlices, planKubeDns, startKubeDnsEndpointsController } from './kube-dns-endpoints.js';

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

test('orphaned slices: every endpoint names a Node that does not exist; self-published only; never one without a nodeName', () => {
  const nodes: Record<string, KObject> = { a: nodeWith('True') };
  const serverOwn = slice('x', '10.0.0.20');
  serverOwn.metadata.name = 'kube-dns';
  delete (serverOwn as unknown as { endpoints: Array<{ nodeName?: string }> }).endpoints[0]!.nodeName;
  const mixed = { ...slice('m', '10.0.0.30'), endpoints: [{ addresses: ['10.0.0.30'], nodeName: 'gone' }, { addresses: ['10.0.0.31'], nodeName: 'a' }] } as KObject;
  const empty = { ...slice('e', '10.0.0.40'), endpoints: [] } as KObject;
  const got = orphanedKubeDnsSlices([slice('a', '10.0.0.11'), slice('gone', '10.0.0.12'), slice('other', '10.0.0.13', true, ports, 'someone-else'), serverOwn, mixed, empty], (n) => nodes[n]);
  assert.deepEqual(got.map((o) => [o.name, o.nodes]), [['kube-dns-gone', ['gone']]]);
});

test('controller: a deleted Node\'s slice and Endpoints address go at once; a Node never seen, after the grace', async () => {
  const clock = new FakeClock(Date.UTC(2026, 0, 1));
  const api = new FakeApi(clock);
  const client = api.client();
  const ac = new AbortController();
  const factory = new SharedInformerFactory(client, { resyncMs: 0 });
  api.seed('/services', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'kubernetes', namespace: 'default' }, spec: { clusterIP: '10.43.0.1' } } as KObject);
  for (const n of ['a', 'b']) api.seed('/nodes', { ...nodeWith('True'), metadata: { name: n } });
  const serverOwn = slice('srv', '10.0.0.20');
  serverOwn.metadata.name = 'kube-dns';
  delete (serverOwn as unknown as { endpoints: Array<{ nodeName?: string }> }).endpoints[0]!.nodeName;
  for (const s of [slice('a', '10.0.0.11'), slice('b', '10.0.0.12'), slice('never', '10.0.0.13'), slice('x', '10.0.0.99', true, ports, 'someone-else'), serverOwn]) api.seed('discovery.k8s.io/endpointslices', s);
  const grace = 60_000;
  const logs: string[] = [];
  const started = startKubeDnsEndpointsController({ client, factory, clock, signal: ac.signal, log: (m) => logs.push(m) }, { orphanGraceMs: grace });
  factory.start(ac.signal);
  const sliceNames = () => api.list('discovery.k8s.io/endpointslices', 'kube-system').map((s) => s.metadata.name).sort();
  const ips = () => {
    const subs = (api.get('/endpoints', 'kube-system', 'kube-dns') as { subsets?: Array<{ addresses?: Array<{ ip: string }>; notReadyAddresses?: Array<{ ip: string }> }> } | undefined)?.subsets ?? [];
    return subs.flatMap((s) => [...(s.addresses ?? []), ...(s.notReadyAddresses ?? [])].map((a) => a.ip)).sort();
  };
  try {
    await until(() => ips().join() === '10.0.0.11,10.0.0.12,10.0.0.13,10.0.0.20', 'the Endpoints with every self-published address');
    assert.ok(sliceNames().includes('kube-dns-never'), 'a Node never seen keeps its slice during the grace');
    await client.resource('nodes').delete('b');
    await until(() => !sliceNames().includes('kube-dns-b'), 'the deleted Node\'s slice removed');
    await until(() => ips().join() === '10.0.0.11,10.0.0.13,10.0.0.20', 'its address gone from the Endpoints');
    assert.ok(sliceNames().includes('kube-dns-never'));
    clock.step(grace);
    await until(() => !sliceNames().includes('kube-dns-never'), 'the slice of a Node never seen removed after the grace');
    await until(() => ips().join() === '10.0.0.11,10.0.0.20', 'and its address');
    await settle();
    assert.deepEqual(sliceNames(), ['kube-dns', 'kube-dns-a', 'kube-dns-x'], 'the live Node\'s, the server\'s own (no nodeName) and a foreign slice stay');
    assert.equal(api.writes.filter((w) => w.verb === 'delete' && w.resource === 'discovery.k8s.io/endpointslices').length, 2, 'one delete each, by this controller');
  } finally {
    ac.abort();
    await started.done;
    await factory.shutdown();
    await api.close();
  }
});
