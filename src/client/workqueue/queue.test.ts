// The base queue and the delaying queue: coalescing, one worker per key, shutdown, timed adds on a fake clock.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../clock.js';
import { BasicDelayingQueue } from './delaying-queue.js';
import { BasicQueue } from './queue.js';

test('items come out in FIFO order and duplicates waiting in the queue coalesce', async () => {
  const q = new BasicQueue<string>();
  for (const k of ['a', 'b', 'a', 'c', 'b']) q.add(k);
  assert.equal(q.len(), 3);
  assert.deepEqual([await q.get(), await q.get(), await q.get()], ['a', 'b', 'c']);
});

test('an item being processed is not handed out again; re-adds while processing run once more after done', async () => {
  const q = new BasicQueue<string>();
  q.add('a');
  const first = await q.get();
  assert.equal(first, 'a');
  q.add('a');
  q.add('a');
  assert.equal(q.len(), 0, 'a is processing: re-adds only mark it dirty');
  let second: string | undefined;
  void q.get().then((k) => (second = k));
  await Promise.resolve();
  assert.equal(second, undefined, 'no worker gets a while another holds it');
  q.done('a');
  await Promise.resolve();
  assert.equal(second, 'a', 'done re-queues the dirty item exactly once');
  assert.equal(q.len(), 0);
  q.done('a');
  assert.equal(q.processingCount(), 0);
});

test('a waiting get is woken by add', async () => {
  const q = new BasicQueue<number>();
  const p = q.get();
  q.add(7);
  assert.equal(await p, 7);
});

test('shutDown wakes waiters with undefined, refuses adds and drains what was queued', async () => {
  const q = new BasicQueue<string>();
  q.add('x');
  const x = await q.get();
  q.add('y');
  q.shutDown();
  q.add('z');
  assert.equal(q.shuttingDown(), true);
  assert.equal(await q.get(), 'y');
  assert.equal(await q.get(), undefined);
  assert.equal(x, 'x');
});

test('shutDownWithDrain waits for items being processed', async () => {
  const q = new BasicQueue<string>();
  q.add('a');
  await q.get();
  let drained = false;
  const p = q.shutDownWithDrain().then(() => (drained = true));
  await Promise.resolve();
  assert.equal(drained, false);
  q.done('a');
  await p;
  assert.equal(drained, true);
});

test('addAfter adds items when the fake clock reaches their time, earliest first', async () => {
  const clock = new FakeClock(1000);
  const q = new BasicDelayingQueue<string>(clock);
  q.addAfter('late', 50);
  q.addAfter('early', 10);
  q.addAfter('now', 0);
  assert.equal(q.len(), 1);
  assert.equal(await q.get(), 'now');
  clock.step(9);
  assert.equal(q.len(), 0);
  clock.step(1);
  assert.equal(q.len(), 1);
  assert.equal(await q.get(), 'early');
  clock.step(40);
  assert.equal(await q.get(), 'late');
  assert.equal(q.waitingCount(), 0);
});

const parkedTwice = [
  { name: 'a second, earlier addAfter moves the item earlier', first: 100, second: 20, readyAt: 20 },
  { name: 'a second, later addAfter keeps the earlier time', first: 20, second: 100, readyAt: 20 },
  { name: 'the same delay twice parks the item once', first: 30, second: 30, readyAt: 30 },
];
for (const c of parkedTwice) {
  test(c.name, () => {
    const clock = new FakeClock();
    const q = new BasicDelayingQueue<string>(clock);
    q.addAfter('k', c.first);
    q.addAfter('k', c.second);
    assert.equal(q.waitingCount(), 1);
    clock.step(c.readyAt - 1);
    assert.equal(q.len(), 0);
    clock.step(1);
    assert.equal(q.len(), 1);
    clock.step(1000);
    assert.equal(q.len(), 1, 'the stale heap entry does not add it twice');
  });
}

test('shutDown of a delaying queue drops parked items and cancels its timer', async () => {
  const clock = new FakeClock();
  const q = new BasicDelayingQueue<string>(clock);
  q.addAfter('k', 10);
  q.shutDown();
  assert.equal(clock.pending, 0);
  clock.step(100);
  assert.equal(await q.get(), undefined);
});
