// Table-driven tests of queue, asserting upstream's behaviour and reason strings.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../client/index.js';
import { makePod } from './framework/testing.js';
import { newPrioritySort } from './plugins/priority-sort/priority-sort.js';
import { SchedulingQueue } from './queue.js';
import { isPodUpdated } from './setup.js';

const newQueue = (clock: FakeClock) => new SchedulingQueue({ clock, less: newPrioritySort().less!, priority: (p) => p.spec?.priority ?? 0 });

test('activeQ pops by priority, then by arrival', async () => {
  const clock = new FakeClock(1000);
  const q = newQueue(clock);
  q.add(makePod('low', { priority: 1 }));
  clock.step(1);
  q.add(makePod('high', { priority: 9 }));
  clock.step(1);
  q.add(makePod('low2', { priority: 1 }));
  const ac = new AbortController();
  const order = [];
  for (let i = 0; i < 3; i++) order.push((await q.pop(ac.signal))!.pod.metadata.name);
  assert.deepEqual(order, ['high', 'low', 'low2']);
});

test('backoff doubles from 1 s to at most 10 s', () => {
  const q = newQueue(new FakeClock(0));
  assert.deepEqual([1, 2, 3, 4, 5, 6].map((a) => q.backoffMs(a)), [1000, 2000, 4000, 8000, 10000, 10000]);
});

test('unschedulable pods wait for a cluster event, then back off', async () => {
  const clock = new FakeClock(0);
  const q = newQueue(clock);
  const ac = new AbortController();
  q.add(makePod('p'));
  const qp = (await q.pop(ac.signal))!;
  q.addUnschedulable(qp, qp.pod, true);
  assert.deepEqual(q.stats(), { active: 0, backoff: 0, unschedulable: 1 });
  q.moveAllToActiveOrBackoff();
  assert.deepEqual(q.stats(), { active: 0, backoff: 1, unschedulable: 0 });
  clock.step(1000);
  const again = await q.pop(ac.signal);
  assert.equal(again?.pod.metadata.name, 'p');
  assert.equal(again?.attempts, 2);
});

test('an event during the cycle sends a failed pod to backoff, not the parking lot', async () => {
  const q = newQueue(new FakeClock(0));
  const ac = new AbortController();
  q.add(makePod('p'));
  const qp = (await q.pop(ac.signal))!;
  q.moveAllToActiveOrBackoff();
  q.addUnschedulable(qp, qp.pod, true);
  assert.deepEqual(q.stats(), { active: 0, backoff: 1, unschedulable: 0 });
});

test('queueing hints: a parked pod moves only on events its rejecting plugins say could help', () => {
  const clock = new FakeClock(0);
  const asked: string[] = [];
  const q = new SchedulingQueue({
    clock,
    less: newPrioritySort().less!,
    priority: () => 0,
    hint: (_pod, plugins, ev) => {
      asked.push(`${[...plugins].join('+')}:${ev.resource}/${ev.action}`);
      return plugins.has('NodeResourcesFit') && ev.resource === 'AssignedPod' && ev.action === 'Delete';
    },
  });
  const ac = new AbortController();
  return (async () => {
    q.add(makePod('p'));
    const qp = (await q.pop(ac.signal))!;
    q.addUnschedulable(qp, qp.pod, true, new Set(['NodeResourcesFit']));
    q.onEvent({ resource: 'AssignedPod', action: 'Update' });
    q.onEvent({ resource: 'Node', action: 'Update' });
    assert.deepEqual(q.stats(), { active: 0, backoff: 0, unschedulable: 1 });
    q.onEvent({ resource: 'AssignedPod', action: 'Delete' });
    assert.deepEqual(q.stats(), { active: 0, backoff: 1, unschedulable: 0 });
    assert.deepEqual(asked, ['NodeResourcesFit:AssignedPod/Update', 'NodeResourcesFit:Node/Update', 'NodeResourcesFit:AssignedPod/Delete']);
  })();
});

test('an unhelpful event during the cycle still parks the pod; a helpful one sends it to backoff', async () => {
  const q = new SchedulingQueue({ clock: new FakeClock(0), less: newPrioritySort().less!, priority: () => 0, hint: (_p, _pl, ev) => ev.resource === 'Node' });
  const ac = new AbortController();
  q.add(makePod('p'));
  let qp = (await q.pop(ac.signal))!;
  q.onEvent({ resource: 'AssignedPod', action: 'Add' });
  q.addUnschedulable(qp, qp.pod, true, new Set(['X']));
  assert.deepEqual(q.stats(), { active: 0, backoff: 0, unschedulable: 1 });
  q.delete(qp.pod);
  q.add(makePod('p2'));
  qp = (await q.pop(ac.signal))!;
  q.onEvent({ resource: 'Node', action: 'Add' });
  q.addUnschedulable(qp, qp.pod, true, new Set(['X']));
  assert.deepEqual(q.stats(), { active: 0, backoff: 1, unschedulable: 0 });
});

test('parked pods are retried after podMaxInUnschedulablePodsDuration (5 min) without any event; backoff counts from the failure', async () => {
  const clock = new FakeClock(0);
  const q = new SchedulingQueue({ clock, less: newPrioritySort().less!, priority: () => 0, hint: () => false });
  const ac = new AbortController();
  q.add(makePod('p'));
  const qp = (await q.pop(ac.signal))!;
  q.addUnschedulable(qp, qp.pod, true, new Set(['X']));
  clock.step(299_000);
  q.add(makePod('other'));
  await q.pop(ac.signal);
  assert.equal(q.stats().unschedulable, 1);
  clock.step(31_000);
  const again = await q.pop(ac.signal);
  // Parked for longer than its backoff: straight to activeQ.
  assert.equal(again?.pod.metadata.name, 'p');
});

test('the scheduler\'s own writes (status, decision annotation) do not re-queue a parked pod; a spec change does', async () => {
  const q = newQueue(new FakeClock(0));
  const ac = new AbortController();
  const p = makePod('p');
  q.add(p);
  const qp = (await q.pop(ac.signal))!;
  q.addUnschedulable(qp, qp.pod, true, new Set(['X']));
  const written = { ...p, metadata: { ...p.metadata, resourceVersion: '9', annotations: { 'scheduler.k8ts.io/last-decision': '{}' } }, status: { conditions: [{ type: 'PodScheduled', status: 'False' }] } };
  assert.equal(isPodUpdated(p, written), false);
  q.update(written, isPodUpdated(p, written));
  assert.equal(q.stats().unschedulable, 1);
  const changed = { ...written, spec: { ...p.spec, tolerations: [{ key: 'k', operator: 'Exists' as const }] } };
  assert.equal(isPodUpdated(written, changed), true);
  q.update(changed, true);
  assert.equal(q.stats().unschedulable, 0);
});
