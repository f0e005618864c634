/**
 * The one conformance suite every store backend passes (hono-style shared
 * case file): each backend's test calls `runStoreConformance` with a factory.
 * @module
 */
import { describe, test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { CompactedError, ConflictError, KeyExistsError, NotFoundError, TooLargeError } from './errors.js';
import type { KeyValue, Store, WatchEvent } from './types.js';
import { MAX_VALUE_BYTES } from './types.js';

export interface BackendHarness {
  /** A new, empty store whose progress notifications come every `progressIntervalMs`. */
  open(opts: { progressIntervalMs: number }): Promise<Store>;
  /** Called once after the whole suite. */
  teardown?(): Promise<void>;
}

const enc = new TextEncoder();
const dec = new TextDecoder();
const v = (s: string) => enc.encode(s);
const text = (kv: KeyValue | undefined) => (kv ? dec.decode(kv.value) : undefined);

/** Collects watch events until `n` have arrived (or times out). */
function collect(store: Store, prefix: string, afterRevision: number, progressNotify = false) {
  const events: WatchEvent[] = [];
  const progress: number[] = [];
  let error: Error | undefined;
  let waiters: Array<() => void> = [];
  const wake = () => {
    const w = waiters;
    waiters = [];
    for (const f of w) f();
  };
  const watch = store.watch(prefix, { afterRevision, progressNotify }, {
    onEvents: (evs) => {
      events.push(...evs);
      wake();
    },
    onProgress: (rev) => {
      progress.push(rev);
      wake();
    },
    onError: (err) => {
      error = err;
      wake();
    },
  });
  const until = async (cond: () => boolean, what: string, ms = 5000) => {
    const deadline = Date.now() + ms;
    while (!cond()) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what}; have ${events.length} events, error ${error?.message}`);
      await new Promise<void>((res) => {
        const t = setTimeout(res, Math.min(left, 100));
        waiters.push(() => {
          clearTimeout(t);
          res();
        });
      });
    }
  };
  return {
    events,
    progress,
    get error() {
      return error;
    },
    cancel: () => watch.cancel(),
    waitFor: (n: number) => until(() => events.length >= n, `${n} events`),
    waitForError: () => until(() => error !== undefined, 'an error'),
    waitForProgress: () => until(() => progress.length > 0, 'a progress notification'),
  };
}

export function runStoreConformance(name: string, harness: BackendHarness): void {
  describe(`store conformance: ${name}`, () => {
    let store: Store;
    before(async () => {
      store = await harness.open({ progressIntervalMs: 200 });
    });
    after(async () => {
      await store?.close();
      await harness.teardown?.();
    });
    let n = 0;
    /** A fresh prefix per test, so tests share one store without seeing each other. */
    const fresh = () => `/registry/t${++n}-${Date.now()}/`;

    test('create gives each write a new, strictly increasing revision', async () => {
      const p = fresh();
      const a = await store.create(p + 'a', v('1'));
      const b = await store.create(p + 'b', v('2'));
      assert.ok(a.modRevision > 0, 'revision is positive');
      assert.ok(b.modRevision > a.modRevision, 'revisions increase');
      assert.equal(a.createRevision, a.modRevision);
      assert.equal(a.version, 1);
      assert.equal(await store.currentRevision(), b.modRevision);
    });

    test('create of an existing key fails with KeyExists and changes nothing', async () => {
      const p = fresh();
      await store.create(p + 'a', v('1'));
      const rev = await store.currentRevision();
      await assert.rejects(store.create(p + 'a', v('2')), KeyExistsError);
      assert.equal(text(await store.get(p + 'a')), '1');
      assert.equal(await store.currentRevision(), rev);
    });

    test('get of a missing key is undefined', async () => {
      assert.equal(await store.get(fresh() + 'nope'), undefined);
    });

    test('update with the expected revision succeeds and bumps version', async () => {
      const p = fresh();
      const a = await store.create(p + 'a', v('1'));
      const b = await store.update(p + 'a', v('2'), a.modRevision);
      assert.ok(b.modRevision > a.modRevision, 'update gets a newer revision');
      assert.equal(b.createRevision, a.createRevision);
      assert.equal(b.version, 2);
      assert.equal(text(await store.get(p + 'a')), '2');
    });

    test('update with a stale revision fails with Conflict carrying the current value', async () => {
      const p = fresh();
      const a = await store.create(p + 'a', v('1'));
      const b = await store.update(p + 'a', v('2'));
      const err = await store.update(p + 'a', v('3'), a.modRevision).catch((e: unknown) => e);
      assert.ok(err instanceof ConflictError, 'a ConflictError');
      assert.equal(err.current.modRevision, b.modRevision);
      assert.equal(text(err.current), '2');
      assert.equal(text(await store.get(p + 'a')), '2');
    });

    test('update of a missing key fails with NotFound', async () => {
      await assert.rejects(store.update(fresh() + 'a', v('1')), NotFoundError);
    });

    test('delete returns the last value at the delete revision', async () => {
      const p = fresh();
      const a = await store.create(p + 'a', v('1'));
      const d = await store.delete(p + 'a', a.modRevision);
      assert.ok(d.modRevision > a.modRevision, 'delete gets a newer revision');
      assert.equal(text(d), '1');
      assert.equal(await store.get(p + 'a'), undefined);
      assert.equal(await store.currentRevision(), d.modRevision);
      await assert.rejects(store.delete(p + 'a'), NotFoundError);
    });

    test('delete with a stale revision fails with Conflict and keeps the key', async () => {
      const p = fresh();
      const a = await store.create(p + 'a', v('1'));
      await store.update(p + 'a', v('2'));
      await assert.rejects(store.delete(p + 'a', a.modRevision), ConflictError);
      assert.equal(text(await store.get(p + 'a')), '2');
    });

    test('a key re-created after delete starts a new life', async () => {
      const p = fresh();
      await store.create(p + 'a', v('1'));
      await store.update(p + 'a', v('2'));
      await store.delete(p + 'a');
      const c = await store.create(p + 'a', v('3'));
      assert.equal(c.version, 1);
      assert.equal(c.createRevision, c.modRevision);
    });

    test('get at a past revision sees the value as it was then', async () => {
      const p = fresh();
      const a = await store.create(p + 'a', v('1'));
      const b = await store.update(p + 'a', v('2'));
      const d = await store.delete(p + 'a');
      assert.equal(text(await store.get(p + 'a', { revision: a.modRevision })), '1');
      assert.equal(text(await store.get(p + 'a', { revision: b.modRevision })), '2');
      assert.equal(await store.get(p + 'a', { revision: d.modRevision }), undefined);
      assert.equal(await store.get(p + 'a', { revision: a.modRevision - 1 }), undefined);
    });

    test('values round-trip byte for byte', async () => {
      const p = fresh();
      const bytes = new Uint8Array(256).map((_, i) => i);
      await store.create(p + 'bin', bytes);
      assert.deepEqual(Buffer.from((await store.get(p + 'bin'))!.value), Buffer.from(bytes));
    });

    test('list returns only keys under the prefix, in key order', async () => {
      const p = fresh();
      await store.create(p + 'b', v('b'));
      await store.create(p + 'a', v('a'));
      await store.create(p + 'c/x', v('cx'));
      await store.create(p.slice(0, -1) + 'x/z', v('sibling'));
      const r = await store.list(p);
      assert.deepEqual(r.kvs.map((kv) => kv.key), [p + 'a', p + 'b', p + 'c/x']);
      assert.equal(r.more, false);
      assert.equal(r.revision, await store.currentRevision());
      assert.equal(await store.count(p), 3);
    });

    test('list pages with limit and after at one consistent revision', async () => {
      const p = fresh();
      for (let i = 0; i < 25; i++) await store.create(p + String(i).padStart(3, '0'), v(String(i)));
      const first = await store.list(p, { limit: 10 });
      assert.equal(first.kvs.length, 10);
      assert.equal(first.more, true);
      assert.equal(first.remaining, 15);
      // Writes between pages must not show up in later pages of the same list.
      await store.create(p + '0105', v('late'));
      await store.delete(p + '020');
      const keys = first.kvs.map((kv) => kv.key);
      let page = first;
      while (page.more) {
        page = await store.list(p, { limit: 10, after: keys[keys.length - 1], revision: first.revision });
        assert.equal(page.revision, first.revision);
        keys.push(...page.kvs.map((kv) => kv.key));
      }
      assert.deepEqual(keys, Array.from({ length: 25 }, (_, i) => p + String(i).padStart(3, '0')));
    });

    test('list at a past revision sees the keys as they were', async () => {
      const p = fresh();
      await store.create(p + 'a', v('1'));
      const mid = await store.create(p + 'b', v('1'));
      await store.update(p + 'a', v('2'));
      await store.delete(p + 'b');
      const r = await store.list(p, { revision: mid.modRevision });
      assert.deepEqual(r.kvs.map((kv) => [kv.key, text(kv)]), [[p + 'a', '1'], [p + 'b', '1']]);
      assert.deepEqual((await store.list(p)).kvs.map((kv) => [kv.key, text(kv)]), [[p + 'a', '2']]);
    });

    test('watch delivers every event after the revision, in order, exactly once', async () => {
      const p = fresh();
      const a = await store.create(p + 'a', v('1'));
      await store.update(p + 'a', v('2'));
      const w = collect(store, p, a.modRevision);
      await store.create(p + 'b', v('1'));
      await store.delete(p + 'a');
      await store.create(p.slice(0, -1) + 'other/x', v('not mine'));
      await w.waitFor(3);
      await new Promise((r) => setTimeout(r, 100));
      w.cancel();
      assert.deepEqual(
        w.events.map((e) => [e.type, e.kv.key, text(e.kv)]),
        [['put', p + 'a', '2'], ['put', p + 'b', '1'], ['delete', p + 'a', '2']],
      );
      const revs = w.events.map((e) => e.kv.modRevision);
      assert.deepEqual(revs, [...revs].sort((x, y) => x - y));
      assert.equal(new Set(revs).size, revs.length);
      const upd = w.events[0]!;
      assert.equal(upd.type, 'put');
      assert.equal(text(upd.prev), '1');
    });

    test('a watch from the current revision sees only new events', async () => {
      const p = fresh();
      await store.create(p + 'old', v('1'));
      const w = collect(store, p, await store.currentRevision());
      const b = await store.create(p + 'new', v('1'));
      await w.waitFor(1);
      w.cancel();
      assert.equal(w.events.length, 1);
      assert.equal(w.events[0]!.kv.modRevision, b.modRevision);
    });

    test('a busy watch keeps order and loses nothing under concurrent writes', async () => {
      const p = fresh();
      const start = await store.currentRevision();
      const w = collect(store, p, start);
      const writes: Promise<KeyValue>[] = [];
      for (let i = 0; i < 300; i++) writes.push(store.create(p + i, v(String(i))));
      const done = await Promise.all(writes);
      await w.waitFor(300);
      w.cancel();
      assert.equal(w.events.length, 300);
      const revs = w.events.map((e) => e.kv.modRevision);
      for (let i = 1; i < revs.length; i++) assert.ok(revs[i]! > revs[i - 1]!, 'revisions increase');
      assert.deepEqual(new Set(revs), new Set(done.map((kv) => kv.modRevision)));
    });

    test('idle watchers get progress notifications with the current revision', async () => {
      const p = fresh();
      await store.create(fresh() + 'elsewhere', v('1'));
      const w = collect(store, p, 0 + (await store.currentRevision()), true);
      await store.create(fresh() + 'elsewhere-too', v('1'));
      const rev = await store.currentRevision();
      const deadline = Date.now() + 5000;
      while (!w.progress.some((r) => r >= rev) && Date.now() < deadline) await w.waitForProgress().then(() => new Promise((r) => setTimeout(r, 50)));
      w.cancel();
      assert.ok(w.progress.some((r) => r >= rev), `progress ${w.progress.join(',')} should reach ${rev}`);
      assert.equal(w.events.length, 0);
    });

    test('concurrent creates of one key: exactly one wins', async () => {
      const key = fresh() + 'race';
      const results = await Promise.allSettled(Array.from({ length: 16 }, (_, i) => store.create(key, v(String(i)))));
      assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
      for (const r of results) if (r.status === 'rejected') assert.ok(r.reason instanceof KeyExistsError, 'losers get KeyExists');
    });

    test('compare-and-swap loses no increment under contention', async () => {
      const key = fresh() + 'counter';
      await store.create(key, v('0'));
      const inc = async () => {
        for (;;) {
          const cur = (await store.get(key))!;
          try {
            await store.update(key, v(String(Number(text(cur)) + 1)), cur.modRevision);
            return;
          } catch (e) {
            if (!(e instanceof ConflictError)) throw e;
          }
        }
      };
      await Promise.all(Array.from({ length: 20 }, inc));
      assert.equal(text(await store.get(key)), '20');
    });

    test('values over 1.5 MiB are refused with TooLarge; 1 MiB is accepted', async () => {
      const p = fresh();
      await assert.rejects(store.create(p + 'big', new Uint8Array(MAX_VALUE_BYTES + 1)), TooLargeError);
      await store.create(p + 'ok', new Uint8Array(1024 * 1024));
      await assert.rejects(store.update(p + 'ok', new Uint8Array(MAX_VALUE_BYTES + 1)), TooLargeError);
      assert.equal((await store.get(p + 'ok'))!.value.byteLength, 1024 * 1024);
    });

    test('compaction makes older revisions unreadable with Compacted, newer ones intact', async () => {
      const p = fresh();
      const a = await store.create(p + 'a', v('1'));
      const b = await store.update(p + 'a', v('2'));
      const c = await store.create(p + 'b', v('1'));
      await store.compact(b.modRevision);
      assert.equal(await store.compactedRevision(), b.modRevision);
      await assert.rejects(store.get(p + 'a', { revision: a.modRevision }), CompactedError);
      await assert.rejects(store.list(p, { revision: a.modRevision }), CompactedError);
      assert.equal(text(await store.get(p + 'a', { revision: b.modRevision })), '2');
      assert.deepEqual((await store.list(p, { revision: c.modRevision })).kvs.map((kv) => text(kv)), ['2', '1']);
      assert.equal(text(await store.get(p + 'a')), '2');
      const w = collect(store, p, a.modRevision - 1);
      await w.waitForError();
      assert.ok(w.error instanceof CompactedError, `got ${w.error?.name}`);
      // From the compaction point on, watching still works.
      const ok = collect(store, p, b.modRevision);
      await ok.waitFor(1);
      ok.cancel();
      assert.equal(ok.events[0]!.kv.modRevision, c.modRevision);
    });
  });
}
