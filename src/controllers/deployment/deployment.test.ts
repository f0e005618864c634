// Deployment rollout arithmetic against fake ReplicaSets: surge/unavailable, new-RS growth, old-RS scale-down, proportional scaling, conditions with a fake clock.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KObject } from '../../api/index.js';
import { FakeClock } from '../../client/index.js';
import { reconcileNewRS, reconcileOldRSs, scaleProportionally, isScalingEvent, type RolloutOps } from './rollout.js';
import { computeStatus, setAvailable, setProgressing } from './status.js';
import { equalIgnoreHash, surgeAndUnavailable, templateHash } from './util.js';

const dep = (replicas: number, strategy: Record<string, unknown> = {}, extra: Record<string, unknown> = {}): KObject => ({
  metadata: { name: 'd', namespace: 'n', generation: 1 },
  spec: { replicas, strategy: { type: 'RollingUpdate', rollingUpdate: strategy }, template: { metadata: { labels: { a: 'b' } } }, ...extra },
  status: {},
});
const rs = (name: string, replicas: number, available: number, created: string, desired?: number): KObject => ({
  metadata: { name, creationTimestamp: created, annotations: desired === undefined ? {} : { 'deployment.kubernetes.io/desired-replicas': String(desired) } },
  spec: { replicas },
  status: { replicas, availableReplicas: available, readyReplicas: available },
});
function fakeOps(): RolloutOps & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    podsOf: () => [],
    async scale(r, to) {
      calls.push(`${r.metadata.name ?? ''}:${to}`);
      const changed = (r.spec as { replicas: number }).replicas !== to;
      r.spec = { ...(r.spec as object), replicas: to };
      return changed;
    },
  };
}

test('maxSurge and maxUnavailable resolve ints and percentages as upstream (surge rounds up, unavailable down)', () => {
  assert.deepEqual(surgeAndUnavailable(dep(10)), [3, 2]);
  assert.deepEqual(surgeAndUnavailable(dep(10, { maxSurge: 0, maxUnavailable: 0 })), [0, 1]);
  assert.deepEqual(surgeAndUnavailable(dep(3, { maxSurge: '50%', maxUnavailable: '50%' })), [2, 1]);
  assert.deepEqual(surgeAndUnavailable(dep(4, { maxSurge: 2, maxUnavailable: '0%' })), [2, 0]);
  assert.deepEqual(surgeAndUnavailable({ ...dep(4), spec: { replicas: 4, strategy: { type: 'Recreate' } } }), [0, 0]);
});

test('a rolling update surges the new ReplicaSet, then scales old ones down within maxUnavailable', async () => {
  const d = dep(4, { maxSurge: 1, maxUnavailable: 1 });
  const old = rs('old', 4, 4, '2024-01-01T00:00:00Z');
  const nw = rs('new', 0, 0, '2024-01-02T00:00:00Z');
  const ops = fakeOps();
  assert.equal(await reconcileNewRS(d, [old, nw], nw, ops), true);
  assert.deepEqual(ops.calls, ['new:1']);
  assert.equal(await reconcileOldRSs(d, [old, nw], [old], nw, ops), true);
  // all=5, minAvailable=3, new unavailable=1 → may remove 1 from old.
  assert.deepEqual(ops.calls, ['new:1', 'old:3']);
  // Nothing available in the new RS: no further scale-down.
  assert.equal(await reconcileOldRSs(d, [old, nw], [old], nw, ops), false);
});

test('old ReplicaSets with unavailable pods are cleaned up first', async () => {
  const d = dep(3, { maxSurge: 0, maxUnavailable: 1 });
  const old = rs('old', 3, 1, '2024-01-01T00:00:00Z');
  const nw = rs('new', 0, 0, '2024-01-02T00:00:00Z');
  const ops = fakeOps();
  await reconcileOldRSs(d, [old, nw], [old], nw, ops);
  assert.deepEqual(ops.calls, ['old:2']);
});

test('scaling: a single active ReplicaSet takes the new size; several share it proportionally', async () => {
  const d = dep(6);
  const one = rs('one', 3, 3, '2024-01-01T00:00:00Z', 3);
  assert.equal(isScalingEvent(d, [one]), true);
  const ops = fakeOps();
  await scaleProportionally(d, one, [], ops);
  assert.deepEqual(ops.calls, ['one:6']);
  const d2 = dep(20, { maxSurge: 0, maxUnavailable: 1 });
  const a = rs('a', 5, 5, '2024-01-01T00:00:00Z', 10);
  const b = rs('b', 5, 0, '2024-01-02T00:00:00Z', 10);
  const ops2 = fakeOps();
  await scaleProportionally(d2, b, [a], ops2);
  assert.equal(ops2.calls.map((c) => Number(c.split(':')[1])).reduce((x, y) => x + y, 0), 20);
});

test('Progressing and Available conditions follow upstream reasons and the progress deadline (fake clock)', () => {
  const clock = new FakeClock(Date.parse('2024-01-01T00:00:00Z'));
  const d = dep(2, {}, { progressDeadlineSeconds: 10 });
  const nw = rs('d-abc', 2, 0, '2024-01-01T00:00:00Z');
  let st = computeStatus(d, [nw], nw);
  setAvailable(d, st, clock.now());
  const again = setProgressing(d, st, nw, clock.now());
  assert.equal((st.conditions as Array<{ reason: string }>).find((c) => c.reason === 'ReplicaSetUpdated') !== undefined, true);
  assert.ok(again && again > 10_000);
  const d1 = { ...d, status: st };
  clock.step(11_000);
  st = computeStatus(d1, [nw], nw);
  setProgressing(d1, st, nw, clock.now());
  const prog = (st.conditions as Array<{ type: string; status: string; reason: string; message: string }>).find((c) => c.type === 'Progressing');
  assert.equal(prog?.reason, 'ProgressDeadlineExceeded');
  assert.equal(prog?.message, 'ReplicaSet "d-abc" has timed out progressing.');
  const done = rs('d-abc', 2, 2, '2024-01-01T00:00:00Z');
  st = computeStatus({ ...d, status: st }, [done], done);
  setAvailable(d, st, clock.now());
  setProgressing({ ...d, status: st }, st, done, clock.now());
  const conds = st.conditions as Array<{ type: string; status: string; reason: string }>;
  assert.deepEqual(conds.map((c) => [c.type, c.status, c.reason]), [['Available', 'True', 'MinimumReplicasAvailable'], ['Progressing', 'True', 'NewReplicaSetAvailable']]);
});

test('the pod-template-hash is stable, depends on the template and collisionCount, and is ignored by template equality', () => {
  const t = { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'x' }] } };
  assert.equal(templateHash(t), templateHash(structuredClone(t)));
  assert.notEqual(templateHash(t), templateHash(t, 1));
  assert.match(templateHash(t), /^[bcdfghjklmnpqrstvwxz2456789]+$/);
  assert.ok(equalIgnoreHash(t, { ...t, metadata: { labels: { a: 'b', 'pod-template-hash': 'xyz' } } }));
  assert.ok(!equalIgnoreHash(t, { ...t, spec: { containers: [{ name: 'c', image: 'y' }] } }));
});
