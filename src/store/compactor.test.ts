import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compactStep } from './compactor.js';
import { MemoryStore } from './memory/index.js';

const v = (s: string) => new TextEncoder().encode(s);

test('a compaction step compacts to the revision seen one step earlier, sparing the newest revisions', async () => {
  const store = new MemoryStore({ progressIntervalMs: 0 });
  for (let i = 0; i < 50; i++) await store.create(`/k/${i}`, v('x'));
  // First step: nothing seen before, so nothing is compacted yet.
  let r = await compactStep(store, 0, 10);
  assert.equal(r.compactedTo, 0);
  assert.equal(r.seen, 50);
  for (let i = 50; i < 100; i++) await store.create(`/k/${i}`, v('x'));
  r = await compactStep(store, r.seen, 10);
  assert.equal(r.compactedTo, 50);
  assert.equal(await store.compactedRevision(), 50);
  // minRetain wins when the previous tick is too recent.
  r = await compactStep(store, 95, 10);
  assert.equal(r.compactedTo, 90);
  await store.close();
});
