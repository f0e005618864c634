// The etcd backend against a real etcd on loopback: the shared conformance suite, then failure handling.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Etcd3 } from 'etcd3';
import { startEtcd, freePort, type EtcdInstance } from '../../../test/support/etcd.js';
import { skipUnlessBinary } from '../../../test/support/require.js';
import { runStoreConformance } from '../conformance.case.js';
import { CompactedError, TooLargeError, UnavailableError } from '../errors.js';
import type { KeyValue, Store, WatchEvent } from '../types.js';
import { MAX_VALUE_BYTES } from '../types.js';
import { credentialsFrom } from './client.js';
import { EtcdStore } from './index.js';

const enc = new TextEncoder();
const v = (s: string) => enc.encode(s);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Rejections and exceptions nobody handled while a test ran (etcd3/grpc internals must not leak any). */
function trackStrays(): { strays: unknown[]; stop(): void } {
  const strays: unknown[] = [];
  const onRejection = (r: unknown) => strays.push(r);
  const onException = (e: unknown) => strays.push(e);
  process.on('unhandledRejection', onRejection);
  process.on('uncaughtException', onException);
  return {
    strays,
    stop: () => {
      process.off('unhandledRejection', onRejection);
      process.off('uncaughtException', onException);
    },
  };
}

/**
 * Retries `f` until it resolves. Assertions inside must carry a message: node 20's
 * assert builds a missing message by parsing the caller's source, which can spin for
 * a long time under tsx + `--test`.
 */
async function eventually<T>(what: string, ms: number, f: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      return await f();
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`${what}: still failing after ${ms} ms`, { cause: err });
      await sleep(100);
    }
  }
}

function watchAll(store: Store, prefix: string, afterRevision: number, progressNotify = false) {
  const events: WatchEvent[] = [];
  const progress: number[] = [];
  const errors: Error[] = [];
  const w = store.watch(prefix, { afterRevision, progressNotify }, {
    onEvents: (evs) => events.push(...evs),
    onProgress: (r) => progress.push(r),
    onError: (e) => errors.push(e),
  });
  return { events, progress, errors, cancel: () => w.cancel() };
}

const skip = skipUnlessBinary('etcd', 'etcd-server');

test('etcd TLS options load PEM contents and refuse a certificate without its key', () => {
  const c = credentialsFrom({ ca: 'CA', cert: 'CERT', key: 'KEY' });
  assert.equal(c?.rootCertificate.toString(), 'CA');
  assert.equal(c?.certChain?.toString(), 'CERT');
  assert.equal(c?.privateKey?.toString(), 'KEY');
  assert.throws(() => credentialsFrom({ cert: 'CERT' }), /needs its key/);
  assert.ok(credentialsFrom({})!.rootCertificate.length > 1000, 'system CAs without a CA');
});

if (skip) {
  test('etcd store against a real etcd', { skip }, () => {});
} else {
  let shared: EtcdInstance | undefined;
  runStoreConformance('etcd', {
    open: async ({ progressIntervalMs }) => {
      shared = await startEtcd();
      return new EtcdStore({ endpoints: [shared.endpoint], progressIntervalMs });
    },
    teardown: async () => shared?.stop(),
  });

  describe('etcd store: etcd specifics', () => {
    let etcd: EtcdInstance;
    let store: EtcdStore;
    before(async () => {
      etcd = await startEtcd();
      store = new EtcdStore({ endpoints: [etcd.endpoint] });
    });
    after(async () => {
      await store?.close();
      await etcd?.stop();
    });

    test("etcd's own size limit (whole request over 1.5 MiB) is TooLarge", async () => {
      await assert.rejects(store.create('/registry/big/exactly-limit', new Uint8Array(MAX_VALUE_BYTES)), TooLargeError);
    });

    test('with one of two endpoints down, calls and watches use the live one', async () => {
      const s = new EtcdStore({ endpoints: [`http://127.0.0.1:${await freePort()}`, etcd.endpoint] });
      try {
        const t0 = Date.now();
        const w = watchAll(s, '/registry/two/', 0);
        for (let i = 0; i < 20; i++) await s.create(`/registry/two/${i}`, v('1'));
        assert.equal(await s.count('/registry/two/'), 20);
        await eventually('watch events', 10_000, async () => assert.equal(w.events.length, 20));
        w.cancel();
        assert.ok(Date.now() - t0 < 10_000, `took ${Date.now() - t0} ms`);
      } finally {
        await s.close();
      }
    });

    test('compactions made outside k8ts are found (compactedRevision and CompactedError)', async () => {
      const a = await store.create('/registry/ext/a', v('1'));
      const b = await store.update('/registry/ext/a', v('2'));
      await store.update('/registry/ext/a', v('3'));
      const raw = new Etcd3({ hosts: etcd.endpoint });
      try {
        await raw.kv.compact({ revision: b.modRevision });
      } finally {
        raw.close();
      }
      assert.equal(await store.compactedRevision(), b.modRevision);
      const err = await store.get('/registry/ext/a', { revision: a.modRevision }).catch((e: unknown) => e);
      assert.ok(err instanceof CompactedError, `got ${String(err)}`);
      assert.equal(err.compacted, b.modRevision);
      assert.equal(err.requested, a.modRevision);
    });
  });

  describe('etcd store: progress notifications', () => {
    let etcd: EtcdInstance;
    before(async () => {
      etcd = await startEtcd({ progressNotifyInterval: '10m' }); // etcd's default: no server-side help
    });
    after(async () => etcd?.stop());

    test('progress requests are sent only where etcd orders them (auto: not to 3.4.23), or when forced', async () => {
      const auto = new EtcdStore({ endpoints: [etcd.endpoint], progressIntervalMs: 100 });
      const forced = new EtcdStore({ endpoints: [etcd.endpoint], progressIntervalMs: 100, progressRequests: 'always' });
      try {
        const rev = await auto.currentRevision();
        const a = watchAll(auto, '/registry/p/', rev, true);
        const f = watchAll(forced, '/registry/p/', rev, true);
        await forced.create('/registry/elsewhere/x', v('1'));
        await sleep(1000);
        a.cancel();
        f.cancel();
        assert.ok(f.progress.length > 0 && f.progress.every((r) => r > rev), `forced progress ${f.progress.join(',')}`);
        const raw = new Etcd3({ hosts: etcd.endpoint });
        const version = (await raw.maintenance.status().finally(() => raw.close())).version;
        if (/^3\.4\.(\d|1\d|2[0-4])$/.test(version)) assert.deepEqual(a.progress, [], 'no requests to an unfixed etcd');
      } finally {
        await auto.close();
        await forced.close();
      }
    });
  });

  describe('etcd store: TLS', { skip: skipUnlessBinary('openssl', 'openssl') }, () => {
    test('https with client certificates (files or PEM contents); without a client certificate: Unavailable', async () => {
      const etcd = await startEtcd({ tls: true });
      const t = etcd.tls!;
      const store = new EtcdStore({ endpoints: [etcd.endpoint], tls: { caFile: t.caFile, certFile: t.certFile, keyFile: t.keyFile } });
      const pems = new EtcdStore({
        endpoints: [etcd.endpoint],
        tls: { ca: readFileSync(t.caFile, 'utf8'), cert: readFileSync(t.certFile), key: readFileSync(t.keyFile) },
      });
      const noCert = new EtcdStore({ endpoints: [etcd.endpoint], tls: { caFile: t.caFile }, retryMs: 500 });
      try {
        const w = watchAll(store, '/registry/tls/', await store.currentRevision());
        const kv = await store.create('/registry/tls/a', v('1'));
        assert.equal((await pems.get('/registry/tls/a'))?.modRevision, kv.modRevision);
        await eventually('watch over TLS', 5000, async () => assert.equal(w.events.length, 1));
        w.cancel();
        await assert.rejects(noCert.get('/registry/tls/a'), UnavailableError);
      } finally {
        await Promise.all([store.close(), pems.close(), noCert.close()]);
        await etcd.stop();
      }
    });
  });

  describe('etcd store: unavailable etcd', () => {
    test('a store pointed at a closed port rejects with Unavailable within 10 s and the process survives', async () => {
      const strays = trackStrays();
      const port = await freePort();
      const store = new EtcdStore({ endpoints: [`http://127.0.0.1:${port}`], watchReconnectMs: 2000 });
      try {
        const t0 = Date.now();
        const w = watchAll(store, '/registry/x/', 0);
        const calls = [
          store.get('/registry/x/a'),
          store.create('/registry/x/a', v('1')),
          store.update('/registry/x/a', v('1'), 5),
          store.delete('/registry/x/a'),
          store.list('/registry/x/'),
          store.currentRevision(),
          store.compactedRevision(),
        ];
        for (const r of await Promise.allSettled(calls)) {
          assert.equal(r.status, 'rejected');
          assert.ok(r.reason instanceof UnavailableError, `got ${String(r.reason)}`);
        }
        assert.ok(Date.now() - t0 < 10_000, `took ${Date.now() - t0} ms`);
        await eventually('watch error', 10_000, async () => assert.ok(w.errors[0] instanceof UnavailableError, `watch errors: ${w.errors.join('; ')}`));
        await sleep(200);
        assert.deepEqual(strays.strays, []);
      } finally {
        strays.stop();
        await store.close();
      }
    });

    test('killing etcd: calls reject with Unavailable; after a restart the store and its watch carry on, no gap, no duplicate', async () => {
      const strays = trackStrays();
      const etcd = await startEtcd();
      const store = new EtcdStore({ endpoints: [etcd.endpoint], retryMs: 1000 });
      const writer = new EtcdStore({ endpoints: [etcd.endpoint], retryMs: 1000 });
      try {
        const start = await store.currentRevision();
        const w = watchAll(store, '/registry/k/', start);
        const written: KeyValue[] = [];
        for (let i = 0; i < 5; i++) written.push(await store.create(`/registry/k/before-${i}`, v(String(i))));
        await eventually('events before the kill', 5000, async () => assert.equal(w.events.length, 5));

        etcd.kill();
        await sleep(100);
        const t0 = Date.now();
        await assert.rejects(store.create('/registry/k/during', v('x')), UnavailableError);
        await assert.rejects(store.get('/registry/k/before-0'), UnavailableError);
        assert.ok(Date.now() - t0 < 10_000, `took ${Date.now() - t0} ms`);

        await etcd.restart();
        // The other client writes as soon as etcd is back, while the watch may still be reconnecting.
        for (let i = 0; i < 5; i++) {
          written.push(await eventually('write after restart', 10_000, () => writer.create(`/registry/k/after-${i}`, v(String(i)))));
        }
        written.push(await eventually('store works again', 10_000, () => store.create('/registry/k/last', v('z'))));
        await eventually('events after the restart', 15_000, async () => assert.equal(w.events.length, written.length));
        await sleep(300);
        w.cancel();
        assert.deepEqual(w.errors, []);
        assert.deepEqual(
          w.events.map((e) => [e.kv.key, e.kv.modRevision]),
          written.map((kv) => [kv.key, kv.modRevision]),
        );
        assert.deepEqual(strays.strays, []);
      } finally {
        strays.stop();
        await store.close();
        await writer.close();
        await etcd.stop();
      }
    });
  });
}
