// The Job controller against the in-memory API with a fake clock: backoffLimitPerIndex recreates a failed
// index only after that index's own back-off (10 s, then 20 s …), while other indexes are not held back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KObject } from '../../api/index.js';
import { FakeClock, SharedInformerFactory } from '../../client/index.js';
import { FakeApi, settle, until } from '../fake-api.case.js';
import { startJobController, FAILURE_COUNT_ANNOTATION } from './controller.js';
import { INDEX_ANNOTATION, backoffMs, indexBackoffRemaining, lastFailedPerIndex, podFinishedAt } from './policy.js';

const T0 = Date.UTC(2026, 0, 1);
const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');


const failedPod = (index: number, failuresBefore: number, finishedAt: number): KObject => ({
  metadata: { name: `p-${index}-${failuresBefore}`, namespace: 'n', annotations: { [INDEX_ANNOTATION]: String(index), [FAILURE_COUNT_ANNOTATION]: String(failuresBefore) }, creationTimestamp: iso(finishedAt - 5000) },
  status: { phase: 'Failed', containerStatuses: [{ name: 'c', state: { terminated: { exitCode: 1, finishedAt: iso(finishedAt) } } }] },
});

test('per-index back-off: 10 s doubling per failure of that index, capped at 6 minutes, from when the pod finished', () => {
  const clock = new FakeClock(T0);
  assert.equal(indexBackoffRemaining(undefined, clock.now()), 0);
  const first = failedPod(0, 0, T0);
  assert.equal(podFinishedAt(first), T0);
  assert.equal(indexBackoffRemaining(first, clock.now()), 10_000);
  clock.step(4000);
  assert.equal(indexBackoffRemaining(first, clock.now()), 6000);
  clock.step(6000);
  assert.equal(indexBackoffRemaining(first, clock.now()), 0);
  assert.equal(indexBackoffRemaining(failedPod(0, 1, clock.now()), clock.now()), 20_000);
  assert.equal(indexBackoffRemaining(failedPod(0, 3, clock.now()), clock.now()), 80_000);
  assert.equal(indexBackoffRemaining(failedPod(0, 12, clock.now()), clock.now()), 360_000);
  assert.equal(backoffMs(7), 360_000);
  const last = lastFailedPerIndex([failedPod(0, 0, T0), failedPod(0, 1, T0 + 20_000), failedPod(1, 0, T0 + 1000)]);
  assert.equal(last.get(0)?.metadata.name, 'p-0-1');
  assert.equal(last.get(1)?.metadata.name, 'p-1-0');
  // Without container statuses the Ready=False transition, then the deletion, then the creation time count.
  assert.equal(podFinishedAt({ metadata: { creationTimestamp: iso(T0) }, status: { conditions: [{ type: 'Ready', status: 'False', lastTransitionTime: iso(T0 + 7000) }] } }), T0 + 7000);
  assert.equal(podFinishedAt({ metadata: { creationTimestamp: iso(T0), deletionTimestamp: iso(T0 + 3000) } }), T0 + 3000);
});

test('Job controller: a failed index is recreated after its back-off, not at once; the other index runs on', async () => {
  const clock = new FakeClock(T0);
  const api = new FakeApi(clock);
  const client = api.client();
  const ac = new AbortController();
  const factory = new SharedInformerFactory(client, { resyncMs: 0 });
  const job = api.seed('batch/jobs', {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: 'j', namespace: 'n', generation: 1 },
    spec: {
      completionMode: 'Indexed',
      completions: 2,
      parallelism: 2,
      backoffLimit: 100,
      backoffLimitPerIndex: 3,
      selector: { matchLabels: { job: 'j' } },
      template: { metadata: { labels: { job: 'j' } }, spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'x' }] } },
    },
  });
  const started = startJobController({ client, factory, clock, signal: ac.signal, log: () => undefined });
  factory.start(ac.signal);
  const podsOf = (index: number) => api.list('/pods', 'n').filter((p) => p.metadata.annotations?.[INDEX_ANNOTATION] === String(index));
  const fail = (p: KObject) => api.setStatus('/pods', 'n', p.metadata.name ?? '', { phase: 'Failed', containerStatuses: [{ name: 'c', state: { terminated: { exitCode: 1, reason: 'Error', finishedAt: iso(clock.now()) } } }] });
  try {
    await until(() => podsOf(0).length === 1 && podsOf(1).length === 1, 'one pod per index');
    assert.equal(job.metadata.uid, podsOf(0)[0]?.metadata.ownerReferences?.[0]?.uid);

    fail(podsOf(0)[0]!);
    await until(() => (api.get('batch/jobs', 'n', 'j')?.status as { failed?: number } | undefined)?.failed === 1, 'the failure counted');
    await settle();
    assert.equal(podsOf(0).length, 1, 'no replacement at once');
    clock.step(9_000);
    await settle();
    assert.equal(podsOf(0).length, 1, 'none after 9 s');
    clock.step(1_000);
    await until(() => podsOf(0).length === 2, 'the replacement after 10 s');
    const second = podsOf(0).find((p) => p.status === undefined)!;
    assert.equal(second.metadata.annotations?.[FAILURE_COUNT_ANNOTATION], '1');
    assert.equal(podsOf(1).length, 1, 'index 1 untouched');

    // The index's second failure doubles its back-off.
    fail(second);
    await until(() => (api.get('batch/jobs', 'n', 'j')?.status as { failed?: number } | undefined)?.failed === 2, 'the second failure counted');
    clock.step(19_000);
    await settle();
    assert.equal(podsOf(0).length, 2, 'none after 19 s');
    clock.step(1_000);
    await until(() => podsOf(0).length === 3, 'the second replacement after 20 s');
    assert.ok(podsOf(0).some((p) => p.metadata.annotations?.[FAILURE_COUNT_ANNOTATION] === '2'));
  } finally {
    ac.abort();
    await started.done;
    await factory.shutdown();
    await api.close();
  }
});
