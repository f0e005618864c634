// runController: forget on success, backoff on errors up to maxRetries, TerminalError dropped, requeueAfter — on a fake clock.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from './clock.js';
import { runController, TerminalError, type ReconcileResult } from './controller.js';
import { BasicRateLimitingQueue, ItemExponentialFailureRateLimiter } from './workqueue/index.js';

const tick = () => new Promise((r) => setImmediate(r));

function setup(reconcile: (key: string, n: number) => ReconcileResult | void, maxRetries = 3) {
  const clock = new FakeClock();
  const queue = new BasicRateLimitingQueue<string>({ clock, rateLimiter: new ItemExponentialFailureRateLimiter(10, 1000) });
  const ac = new AbortController();
  const calls: string[] = [];
  const errors: Array<{ key: string; dropped: boolean }> = [];
  const counts = new Map<string, number>();
  const done = runController({
    queue,
    workers: 2,
    signal: ac.signal,
    maxRetries,
    reconcile: async (key) => {
      const n = (counts.get(key) ?? 0) + 1;
      counts.set(key, n);
      calls.push(key);
      return reconcile(key, n);
    },
    onError: (key, _e, dropped) => errors.push({ key, dropped }),
  });
  return { clock, queue, ac, calls, errors, done };
}

test('a key that reconciles is processed once and forgotten', async () => {
  const s = setup(() => undefined);
  s.queue.add('a');
  await tick();
  assert.deepEqual(s.calls, ['a']);
  assert.equal(s.queue.numRequeues('a'), 0);
  s.ac.abort();
  await s.done;
});

test('a failing key is retried with growing backoff, then dropped after maxRetries', async () => {
  const s = setup(() => {
    throw new Error('boom');
  }, 3);
  s.queue.add('a');
  await tick();
  assert.equal(s.calls.length, 1);
  for (const wait of [10, 20, 40]) {
    s.clock.step(wait - 1);
    await tick();
    const before: number = s.calls.length;
    s.clock.step(1);
    await tick();
    assert.equal(s.calls.length, before + 1, `retried after ${wait} ms`);
  }
  assert.deepEqual(
    s.errors.map((e) => e.dropped),
    [false, false, false, true],
  );
  assert.equal(s.queue.numRequeues('a'), 0, 'a dropped key is forgotten');
  s.clock.step(10_000);
  await tick();
  assert.equal(s.calls.length, 4);
  s.ac.abort();
  await s.done;
});

test('a TerminalError is never retried', async () => {
  const s = setup(() => {
    throw new TerminalError('spec can never work');
  });
  s.queue.add('a');
  await tick();
  s.clock.step(100_000);
  await tick();
  assert.deepEqual(s.calls, ['a']);
  assert.deepEqual(s.errors, [{ key: 'a', dropped: true }]);
  s.ac.abort();
  await s.done;
});

test('requeueAfter checks the key again after that long, with no backoff counted', async () => {
  const s = setup((_k, n) => (n === 1 ? { requeueAfter: 500 } : undefined));
  s.queue.add('a');
  await tick();
  s.clock.step(499);
  await tick();
  assert.equal(s.calls.length, 1);
  s.clock.step(1);
  await tick();
  assert.equal(s.calls.length, 2);
  assert.equal(s.queue.numRequeues('a'), 0);
  s.ac.abort();
  await s.done;
});

test('an error then success resets the failure count', async () => {
  const s = setup((_k, n) => {
    if (n === 1) throw new Error('transient');
  });
  s.queue.add('a');
  await tick();
  assert.equal(s.queue.numRequeues('a'), 1);
  s.clock.step(10);
  await tick();
  assert.equal(s.calls.length, 2);
  assert.equal(s.queue.numRequeues('a'), 0);
  s.ac.abort();
  await s.done;
});

test('workers never reconcile one key concurrently and stop when the signal aborts', async () => {
  const clock = new FakeClock();
  const queue = new BasicRateLimitingQueue<string>({ clock });
  const ac = new AbortController();
  let running = 0;
  let maxRunning = 0;
  const release: Array<() => void> = [];
  const done = runController({
    queue,
    workers: 4,
    signal: ac.signal,
    reconcile: async () => {
      running++;
      maxRunning = Math.max(maxRunning, running);
      await new Promise<void>((r) => release.push(r));
      running--;
    },
  });
  queue.add('a');
  await tick();
  queue.add('a');
  queue.add('a');
  await tick();
  assert.equal(maxRunning, 1);
  release.shift()!();
  await tick();
  assert.equal(running, 1, 'the coalesced re-adds run once more');
  ac.abort();
  release.shift()!();
  await done;
  assert.equal(queue.shuttingDown(), true);
});

test('waitForSync gates the first reconcile', async () => {
  const clock = new FakeClock();
  const queue = new BasicRateLimitingQueue<string>({ clock });
  const ac = new AbortController();
  let synced!: (v: boolean) => void;
  const calls: string[] = [];
  const done = runController({
    queue,
    signal: ac.signal,
    waitForSync: () => new Promise<boolean>((r) => (synced = r)),
    reconcile: async (k) => void calls.push(k),
  });
  queue.add('a');
  await tick();
  assert.deepEqual(calls, []);
  synced(true);
  await tick();
  assert.deepEqual(calls, ['a']);
  ac.abort();
  await done;
});
