import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MemoryStore } from '../../store/index.js';
import { makeEntry, WatchCache, type CacheEvent } from './watch-cache.js';

const enc = new TextEncoder();
const B = '/registry/things/';

/** Each event's served JSON must be the object itself (resourceVersion included), however the stored text is shaped. */
test('watch cache: the JSON served to watchers is the object with its resourceVersion, for every stored shape', async () => {
  const store = new MemoryStore();
  const cache = new WatchCache(store, [B]);
  await cache.start(() => undefined);
  const seen: CacheEvent[] = [];
  const texts: string[] = [];
  cache.listen(B, (evs) => {
    for (const e of evs) {
      seen.push(e);
      texts.push(e.entry.json());
    }
  });
  const shapes = [
    { apiVersion: 'v1', kind: 'Thing', metadata: { name: 'a', annotations: { x: '{"quoted":"json","metadata":{}}' } }, spec: { n: 1.5 } },
    { apiVersion: 'v1', kind: 'Thing', metadata: {} },
    // Not the registry's key order, or carrying a stale resourceVersion: encoded from the object instead.
    { kind: 'Thing', apiVersion: 'v1', metadata: { name: 'c' } },
    { apiVersion: 'v1', kind: 'Thing', metadata: { name: 'd', resourceVersion: '999' } },
    { spec: { template: { metadata: { name: 'inner' } } }, apiVersion: 'v1', kind: 'Thing', metadata: { name: 'e' } },
  ];
  for (const [i, o] of shapes.entries()) await store.create(`${B}k${i}`, enc.encode(JSON.stringify(o)));
  const cur = await store.get(`${B}k0`);
  await store.update(`${B}k0`, enc.encode(JSON.stringify({ ...shapes[0], spec: { n: 2 } })), cur!.modRevision);
  await store.delete(`${B}k1`, (await store.get(`${B}k1`))!.modRevision);
  const deadline = Date.now() + 10_000;
  while (seen.length < shapes.length + 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  assert.equal(seen.length, shapes.length + 2);
  for (const [i, e] of seen.entries()) {
    const parsed = JSON.parse(texts[i]!) as { metadata: { resourceVersion: string } };
    assert.deepEqual(parsed, e.entry.obj);
    assert.equal(parsed.metadata.resourceVersion, String(e.rev));
    // Encoded once: later readers get the same text.
    assert.equal(e.entry.json(), texts[i]);
  }
  assert.equal(seen.at(-1)!.type, 'DELETED');
  cache.stop();
  await store.close?.();
});

test('makeEntry (reads) encodes from the object', () => {
  const e = makeEntry(`${B}x`, 7, enc.encode(JSON.stringify({ apiVersion: 'v1', kind: 'Thing', metadata: { name: 'x' } })));
  assert.deepEqual(JSON.parse(e.json()), { apiVersion: 'v1', kind: 'Thing', metadata: { name: 'x', resourceVersion: '7' } });
});
