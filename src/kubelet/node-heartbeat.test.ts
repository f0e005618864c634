// NodeHeartbeats on a fake clock and a fake transport: registration, Lease renewals every interval, silence when stopped.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Client, FakeClock, type Transport, type TransportRequest, type TransportResponse } from '../client/index.js';
import { NodeHeartbeats } from './node-heartbeat.js';
import { simNodeIdentities } from './node-identities.js';

/** Records requests; answers creates and patches by echoing the body with a uid. */
class FakeTransport implements Transport {
  readonly protocol = 'fake';
  readonly seen: string[] = [];
  async request(req: TransportRequest): Promise<TransportResponse> {
    const path = req.path.split('?')[0] ?? '';
    this.seen.push(`${req.method} ${path}`);
    const body = typeof req.body === 'string' ? (JSON.parse(req.body) as Record<string, unknown>) : {};
    const obj = { ...body, metadata: { ...((body.metadata as object | undefined) ?? {}), uid: 'uid-1', resourceVersion: '1' } };
    const text = new TextEncoder().encode(JSON.stringify(obj));
    return { status: req.method === 'POST' ? 201 : 200, headers: { 'content-type': 'application/json' }, body: (async function* () { yield text; })(), cancel() {} };
  }
  async close(): Promise<void> {}
}

const flush = () => new Promise((r) => setImmediate(r));

test('registers each node and its Lease, renews every interval, and falls silent when stopped', async () => {
  const clock = new FakeClock(Date.UTC(2026, 0, 1));
  const transport = new FakeTransport();
  const client = new Client({ server: 'https://fake', transport, qps: -1, clock });
  const hb = new NodeHeartbeats({ client, clock, renewIntervalMs: 10_000, tickMs: 100, log: () => undefined });
  for (const id of simNodeIdentities(2)) hb.add(id);
  await hb.registerAll();
  assert.deepEqual(transport.seen.filter((s) => s.startsWith('POST')).sort(), [
    'POST /api/v1/nodes',
    'POST /api/v1/nodes',
    'POST /apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases',
    'POST /apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases',
  ]);
  hb.start();
  const renewals = () => transport.seen.filter((s) => s.startsWith('PATCH /apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/')).length;
  for (let t = 0; t < 30_000; t += 100) {
    clock.step(100);
    await flush();
  }
  assert.ok(renewals() >= 5 && renewals() <= 6, `${renewals()} renewals of 2 nodes in 30 s`);
  hb.observe({ metadata: { name: 'sim-node-00001', annotations: { 'sim.k8ts.io/stopped': 'true' } } });
  const before = transport.seen.filter((s) => s.endsWith('/sim-node-00001')).length;
  for (let t = 0; t < 30_000; t += 100) {
    clock.step(100);
    await flush();
  }
  assert.equal(transport.seen.filter((s) => s.endsWith('/sim-node-00001')).length, before, 'a stopped node sends nothing');
  assert.ok(hb.isStopped('sim-node-00001'));
  hb.close();
});
