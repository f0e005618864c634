// The ReplicaSet controller against the in-memory API with a fake clock: slow-start creation, pod status
// changes batched, intermediate status counts coalesced (one write per 250 ms), the settled status at once,
// and its own status writes not waking it again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KObject } from '../api/index.js';
import { FakeClock, SharedInformerFactory } from '../client/index.js';
import { FakeApi, settle, until } from './fake-api.case.js';
import { POD_STATUS_BATCH_MS, STATUS_WRITE_INTERVAL_MS, startReplicaSetController } from './replica-set.js';
import { queueRunner, type ControllerContext } from './context.js';

const ready = { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] };

test('ReplicaSet: creates in slow-start batches, batches pod status changes and coalesces its status writes', async () => {
  const clock = new FakeClock(Date.UTC(2026, 0, 1));
  const api = new FakeApi(clock);
  const client = api.client();
  const ac = new AbortController();
  const factory = new SharedInformerFactory(client, { resyncMs: 0 });
  api.seed('apps/replicasets', {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name: 'rs', namespace: 'n', generation: 1 },
    spec: { replicas: 10, selector: { matchLabels: { app: 'a' } }, template: { metadata: { labels: { app: 'a' } }, spec: { containers: [{ name: 'c', image: 'x' }] } } },
  });
  const started = startReplicaSetController({ client, factory, clock, signal: ac.signal, log: () => undefined });
  factory.start(ac.signal);
  const pods = () => api.list('/pods', 'n');
  const statusWrites = () => api.writes.filter((w) => w.resource === 'apps/replicasets/status');
  const status = () => (api.get('apps/replicasets', 'n', 'rs')?.status ?? {}) as { replicas?: number; readyReplicas?: number; observedGeneration?: number };
  try {
    await until(() => pods().length === 10, '10 pods');
    const creates = api.writes.filter((w) => w.verb === 'create' && w.resource === '/pods');
    assert.equal(creates.length, 10, 'exactly the missing pods, once');
    assert.ok(creates.every((w) => w.object?.metadata.ownerReferences?.[0]?.controller === true));
    await until(() => status().observedGeneration === 1, 'the first status (new generation: written at once)');
    await settle();
    const afterCreate = statusWrites().length;
    assert.notEqual(status().replicas, 10, 'the count of 10 waits for the write interval');
    clock.step(STATUS_WRITE_INTERVAL_MS);
    await until(() => status().replicas === 10, 'replicas 10 after the interval');

    // Nine pods become Ready without time passing: batched, nothing synced or written yet.
    const before = statusWrites().length;
    for (const p of pods().slice(0, 9)) api.setStatus('/pods', 'n', p.metadata.name ?? '', ready);
    await settle();
    assert.equal(statusWrites().length, before, 'pod status changes wait for the batch period');
    clock.step(POD_STATUS_BATCH_MS);
    await until(() => status().readyReplicas === 9, 'one write with 9 ready');
    assert.equal(statusWrites().length, before + 1, 'nine pod updates, one status write');

    // The last one settles the ReplicaSet: written as soon as the batch period ends, not held back further.
    api.setStatus('/pods', 'n', pods()[9]!.metadata.name ?? '', ready);
    await settle();
    clock.step(POD_STATUS_BATCH_MS);
    await until(() => status().readyReplicas === 10, 'all ready');
    await settle();
    assert.equal(statusWrites().length, before + 2, 'its own status writes do not wake it again');
    assert.ok(afterCreate >= 1);
  } finally {
    ac.abort();
    await started.done;
    await factory.shutdown();
    await api.close();
  }
});

test('events about one object pass upstream’s spam filter: 25 at once, then one per 5 minutes', async () => {
  const clock = new FakeClock(0);
  const api = new FakeApi(clock);
  const client = api.client();
  const ctx = { client, factory: new SharedInformerFactory(client, { resyncMs: 0 }), clock, signal: new AbortController().signal, log: () => undefined } as ControllerContext;
  const rec = queueRunner(ctx, 'replicaset-controller', async () => undefined).recorder;
  const seen = async () => {
    await rec.flush();
    return api.writes.filter((w) => w.resource === '/events' && w.verb === 'create').map((w) => (w.object as unknown as { message: string }).message);
  };
  const rs: KObject = { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'rs', namespace: 'n', uid: 'u1' } };
  const other: KObject = { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'rs2', namespace: 'n', uid: 'u2' } };
  for (let i = 0; i < 100; i++) rec.event(rs, 'Normal', 'SuccessfulCreate', `Created pod: p${i}`);
  assert.equal((await seen()).length, 25);
  assert.equal(rec.dropped, 75);
  rec.event(rs, 'Warning', 'FailedCreate', 'quota');
  rec.event(other, 'Normal', 'SuccessfulCreate', 'Created pod: q');
  assert.equal((await seen()).length, 27, 'another type or object has its own bucket');
  clock.step(299_000);
  rec.event(rs, 'Normal', 'SuccessfulCreate', 'Created pod: late');
  assert.equal((await seen()).length, 27);
  clock.step(1_000);
  rec.event(rs, 'Normal', 'SuccessfulCreate', 'Created pod: later');
  assert.equal((await seen()).at(-1), 'Created pod: later');
  await api.close();
});
