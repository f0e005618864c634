// Rate limiters and the rate-limiting queue on a fake clock, table-driven like client-go's default_rate_limiters_test.go.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../clock.js';
import { TokenBucket } from '../token-bucket.js';
import { BucketRateLimiter, defaultControllerRateLimiter, ItemExponentialFailureRateLimiter, MaxOfRateLimiter } from './rate-limiters.js';
import { BasicRateLimitingQueue } from './rate-limiting-queue.js';

const exponential = [
  { name: 'the first failure waits the base delay', failures: 1, want: 5 },
  { name: 'each further failure doubles the delay', failures: 4, want: 40 },
  { name: 'the tenth failure waits 2.56 s', failures: 10, want: 2560 },
  { name: 'the delay is capped at 1000 s', failures: 40, want: 1000_000 },
  { name: 'a very long failure streak stays capped', failures: 2000, want: 1000_000 },
];
for (const c of exponential) {
  test(`exponential backoff: ${c.name}`, () => {
    const rl = new ItemExponentialFailureRateLimiter<string>(5, 1000_000);
    let got = 0;
    for (let i = 0; i < c.failures; i++) got = rl.when('k');
    assert.equal(got, c.want);
    assert.equal(rl.numRequeues('k'), c.failures);
  });
}

test('exponential backoff: items are tracked separately and forget resets one', () => {
  const rl = new ItemExponentialFailureRateLimiter<string>(1, 1000);
  assert.deepEqual([rl.when('a'), rl.when('a'), rl.when('b'), rl.when('a')], [1, 2, 1, 4]);
  rl.forget('a');
  assert.equal(rl.numRequeues('a'), 0);
  assert.equal(rl.when('a'), 1);
  assert.equal(rl.numRequeues('b'), 1);
});

const bucket = [
  { name: 'the burst passes without delay', takes: 100, stepMs: 0, wantLast: 0 },
  { name: 'the first token past the burst waits one tenth of a second', takes: 101, stepMs: 0, wantLast: 100 },
  { name: 'further tokens queue up at 10 per second', takes: 105, stepMs: 0, wantLast: 500 },
  { name: 'time refills the bucket', takes: 101, stepMs: 100, wantLast: 0 },
];
for (const c of bucket) {
  test(`token bucket (10 qps, burst 100): ${c.name}`, () => {
    const clock = new FakeClock();
    const rl = new BucketRateLimiter<string>(new TokenBucket(10, 100, clock));
    let last = -1;
    for (let i = 0; i < c.takes; i++) {
      if (i === c.takes - 1) clock.step(c.stepMs);
      last = rl.when(`k${i}`);
    }
    assert.equal(last, c.wantLast);
  });
}

test('a token bucket wait sleeps on the clock and gives the token back when aborted', async () => {
  const clock = new FakeClock();
  const tb = new TokenBucket(1, 1, clock);
  await tb.wait();
  let done = false;
  const p = tb.wait().then(() => (done = true));
  clock.step(999);
  await Promise.resolve();
  assert.equal(done, false);
  clock.step(1);
  await p;
  const ac = new AbortController();
  const aborted = tb.wait(ac.signal);
  ac.abort(new Error('stop'));
  await assert.rejects(aborted, /stop/);
  clock.step(1000);
  assert.equal(tb.tryTake(), true, 'the aborted reservation was returned');
});

test('the default controller limiter is the max of per-item backoff and the overall bucket', () => {
  const clock = new FakeClock();
  const rl = defaultControllerRateLimiter<string>(clock);
  assert.equal(rl.when('a'), 5);
  assert.equal(rl.when('a'), 10);
  for (let i = 0; i < 98; i++) rl.when(`x${i}`);
  // The bucket is now empty: a fresh item waits for the bucket, not its own 5 ms.
  assert.equal(rl.when('fresh'), 100);
  assert.equal(rl.numRequeues('a'), 2);
  rl.forget('a');
  assert.equal(rl.numRequeues('a'), 0);
});

test('MaxOf reports the largest requeue count of its limiters', () => {
  const a = new ItemExponentialFailureRateLimiter<string>(1, 10);
  const b = new ItemExponentialFailureRateLimiter<string>(2, 10);
  const m = new MaxOfRateLimiter(a, b);
  a.when('k');
  m.when('k');
  assert.equal(m.numRequeues('k'), 2);
});

test('addRateLimited parks items for the limiter delay; forget resets the backoff', async () => {
  const clock = new FakeClock();
  const q = new BasicRateLimitingQueue<string>({ clock, rateLimiter: new ItemExponentialFailureRateLimiter(5, 1000) });
  q.addRateLimited('k');
  q.addRateLimited('k');
  assert.equal(q.numRequeues('k'), 2);
  clock.step(4);
  assert.equal(q.len(), 0);
  clock.step(1);
  assert.equal(q.len(), 1, 'the earlier of the two parked times wins');
  assert.equal(await q.get(), 'k');
  q.done('k');
  q.forget('k');
  assert.equal(q.numRequeues('k'), 0);
});
