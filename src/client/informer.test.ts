// Informers against a real API server: sync, handlers, indexes, server-side watch closes, broken connections and a forced 410.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { KObject } from '../api/index.js';
import { DeletedFinalStateUnknown, SharedInformerFactory, type IndexFunc } from './index.js';
import { startProxy, until, type CuttableProxy } from './test-proxy.case.js';
import { startTestServer, type TestServer } from './test-server.case.js';

let ts: TestServer;
let proxy: CuttableProxy;
before(async () => {
  ts = await startTestServer();
  proxy = await startProxy(ts.port);
});
after(async () => {
  await proxy.close();
  await ts.stop();
});

const byTeam: IndexFunc = (o) => (o.metadata.labels?.team ? [o.metadata.labels.team] : []);

for (const transport of ['h2', 'http/1.1'] as const) {
  test(`${transport}: an informer syncs, fires handlers, keeps indexes, and survives watch closes, cuts and a 410`, async () => {
    const ns = `inf-${transport === 'h2' ? 'h2' : 'h1'}`;
    const admin = ts.client({ transport });
    await admin.resource('namespaces').create({ metadata: { name: ns } });
    const cms = admin.resource('configmaps', ns);
    for (const [name, team] of [['a', 'red'], ['b', 'red'], ['c', 'blue']] as const) await cms.create({ metadata: { name, labels: { team } } });

    // The informer reaches the server through the proxy, so the test can break its connections.
    const viaProxy = ts.client({ transport, server: `https://127.0.0.1:${proxy.port}` });
    const errors: string[] = [];
    const factory = new SharedInformerFactory(viaProxy, {
      namespace: ns,
      watchTimeoutSeconds: 1,
      backoffInitialMs: 50,
      backoffMaxMs: 200,
      onError: (e, phase) => errors.push(`${phase}: ${String(e)}`),
    });
    const inf = factory.informerFor('configmaps', { indexers: { team: byTeam } });
    assert.equal(factory.informerFor('configmaps'), inf, 'one informer per resource and selectors');
    assert.notEqual(factory.informerFor('configmaps', { labelSelector: 'team=red' }), inf);
    const log: string[] = [];
    inf.addEventHandler({
      onAdd: (o, initial) => log.push(`add ${o.metadata.name}${initial ? ' initial' : ''}`),
      onUpdate: (a, b) => {
        if (a.metadata.resourceVersion !== b.metadata.resourceVersion) log.push(`update ${b.metadata.name}`);
      },
      onDelete: (o) => log.push(o instanceof DeletedFinalStateUnknown ? `tombstone ${o.key}` : `delete ${o.metadata.name}`),
    });
    const ac = new AbortController();
    factory.start(ac.signal);
    try {
      assert.equal(await factory.waitForCacheSync(AbortSignal.timeout(5000)), true);
      assert.deepEqual(log.filter((l) => l.startsWith('add')).sort(), ['add a initial', 'add b initial', 'add c initial']);
      const names = (objs: KObject[]) => objs.map((o) => o.metadata.name).sort();
      assert.deepEqual(names(inf.indexer.byIndex('team', 'red')), ['a', 'b']);
      assert.equal(inf.get(ns, 'c')?.metadata.labels?.team, 'blue');

      // Watch events flow, across several server-side watch timeouts (1 s each).
      log.length = 0;
      await cms.create({ metadata: { name: 'd', labels: { team: 'blue' } } });
      await cms.patch('a', { metadata: { labels: { team: 'blue' } } });
      await cms.delete('b');
      await until('three events', () => log.length >= 3);
      assert.deepEqual(log, ['add d', 'update a', 'delete b']);
      assert.deepEqual(names(inf.indexer.byIndex('team', 'blue')), ['a', 'c', 'd']);
      assert.deepEqual(inf.indexer.byIndex('team', 'red'), []);
      await new Promise((r) => setTimeout(r, 2200));
      await cms.create({ metadata: { name: 'e' } });
      await until('an event after the watch was re-opened by timeouts', () => inf.get(ns, 'e') !== undefined);

      // Break every connection; while the informer is cut off, change things and let the
      // server's watch window move past the informer's version, so its rewatch gets 410.
      log.length = 0;
      proxy.cut();
      await cms.delete('c');
      await cms.create({ metadata: { name: 'f' } });
      const cache = ts.server.parts.cache;
      cache.completeFrom = cache.rev;
      proxy.resume();
      await until('relist after 410', () => log.includes(`tombstone ${ns}/c`) && log.includes('add f'), 8000);
      assert.ok(errors.some((e) => /Expired|too old/.test(e)), `the informer saw a 410: ${errors.join(' | ')}`);
      assert.deepEqual(names(inf.list()), ['a', 'd', 'e', 'f']);
      assert.equal(inf.lastSyncResourceVersion, String(cache.rev));

      // And it keeps watching afterwards.
      await cms.create({ metadata: { name: 'g' } });
      await until('watching after the relist', () => inf.get(ns, 'g') !== undefined);
    } finally {
      ac.abort();
      await factory.shutdown();
    }
  });
}
