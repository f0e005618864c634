// Table-driven tests of queue, asserting upstream's behaviour and reason strings.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../client/index.js';
import { makePod } from './framework/testing.js';
import { newPrioritySort } from './plugins/priority-sort/priority-sort.js';
import { SchedulingQueue } from './queue.js';

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
