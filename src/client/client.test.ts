// The client against a real in-process API server, over HTTP/2 and HTTP/1.1: CRUD, errors, paging, selectors, watch, subresources, abort.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { KObject } from '../api/index.js';
import { ApiError, ExpiredError, FakeClock, isAlreadyExists, isConflict, isNotFound, type Status, type WatchEvent } from './index.js';
import { startTestServer, type TestServer } from './test-server.case.js';

let ts: TestServer;
before(async () => {
  ts = await startTestServer();
});
after(() => ts.stop());

interface ConfigMap extends KObject {
  data?: Record<string, string>;
}

for (const transport of ['h2', 'http/1.1'] as const) {
  const tag = transport === 'h2' ? 'h2' : 'h1';

  test(`${transport}: ConfigMaps are created, read, listed, updated, patched and deleted`, async () => {
    const cms = ts.client({ transport }).resource<ConfigMap>('configmaps', 'default');
    const name = `crud-${tag}`;
    const created = await cms.create({ metadata: { name, labels: { app: tag } }, data: { a: '1' } });
    assert.equal(created.metadata.name, name);
    assert.ok(created.metadata.uid);
    assert.equal((await cms.get(name)).data?.a, '1');
    const list = await cms.list({ labelSelector: `app=${tag}` });
    assert.deepEqual(list.items.map((i) => i.metadata.name), [name]);
    assert.equal(list.items[0]?.kind, 'ConfigMap', 'list items get their kind back');
    assert.ok(Number(list.metadata.resourceVersion) > 0);

    const updated = await cms.update({ ...created, data: { a: '2' } });
    assert.equal(updated.data?.a, '2');
    await assert.rejects(cms.update({ ...created, data: { a: 'stale' } }), (e) => isConflict(e) && (e as ApiError).code === 409);

    assert.deepEqual((await cms.patch(name, { data: { b: '3' } })).data, { a: '2', b: '3' });
    assert.deepEqual((await cms.patch(name, { data: { c: '4' } }, { type: 'strategic' })).data, { a: '2', b: '3', c: '4' });
    const jp = await cms.patch(name, [{ op: 'remove', path: '/data/a' }], { type: 'json' });
    assert.deepEqual(jp.data, { b: '3', c: '4' });

    await cms.delete(name);
    await assert.rejects(cms.get(name), (e: unknown) => {
      assert.ok(e instanceof ApiError);
      assert.equal(e.code, 404);
      assert.equal(e.reason, 'NotFound');
      assert.equal(e.message, `configmaps "${name}" not found`);
      assert.equal(e.status.kind, 'Status');
      assert.equal(e.status.details?.name, name);
      return isNotFound(e);
    });
  });

  test(`${transport}: a duplicate create is AlreadyExists; a bad object is Invalid with causes`, async () => {
    const cms = ts.client({ transport }).resource<ConfigMap>('configmaps', 'default');
    await cms.create({ metadata: { name: `dup-${tag}` } });
    await assert.rejects(cms.create({ metadata: { name: `dup-${tag}` } }), isAlreadyExists);
    await assert.rejects(cms.create({ metadata: { name: 'Not_A_Name' } }), (e: unknown) => e instanceof ApiError && e.code === 422 && e.reason === 'Invalid');
  });

  test(`${transport}: a watch sees ADDED, MODIFIED and DELETED`, async () => {
    const cms = ts.client({ transport }).resource<ConfigMap>('configmaps', 'default');
    const name = `watched-${tag}`;
    const start = await cms.list({ limit: 1 });
    const w = await cms.watch({ resourceVersion: start.metadata.resourceVersion, fieldSelector: `metadata.name=${name}`, allowWatchBookmarks: true });
    const seen: Array<WatchEvent<ConfigMap>> = [];
    const reading = (async () => {
      for await (const e of w) {
        seen.push(e);
        if (e.type === 'DELETED') w.close();
      }
    })();
    const c = await cms.create({ metadata: { name }, data: { v: '1' } });
    await cms.update({ ...c, data: { v: '2' } });
    await cms.delete(name);
    await reading;
    assert.deepEqual(seen.map((e) => `${e.type} ${e.object.data?.v}`), ['ADDED 1', 'MODIFIED 2', 'DELETED 2']);
    assert.equal(seen[0]?.object.kind, 'ConfigMap');
  });
}

test('lists page with limit and continue at one resourceVersion', async () => {
  const cms = ts.client().resource<ConfigMap>('configmaps', 'paging');
  await ts.client().resource('namespaces').create({ metadata: { name: 'paging' } });
  for (let i = 0; i < 5; i++) await cms.create({ metadata: { name: `p${i}` } });
  const names: string[] = [];
  let cont: string | undefined;
  const rvs = new Set<string>();
  let pages = 0;
  do {
    const page = await cms.list({ limit: 2, continue: cont });
    pages++;
    names.push(...page.items.map((i) => i.metadata.name!));
    rvs.add(page.metadata.resourceVersion!);
    cont = page.metadata.continue;
  } while (cont);
  assert.deepEqual(names, ['p0', 'p1', 'p2', 'p3', 'p4']);
  assert.equal(pages, 3);
  assert.equal(rvs.size, 1);
  const one = await cms.list({ fieldSelector: 'metadata.name=p3' });
  assert.deepEqual(one.items.map((i) => i.metadata.name), ['p3']);
  const all = await ts.client().resource('configmaps').list({ fieldSelector: 'metadata.namespace=paging' });
  assert.equal(all.items.length, 5, 'without a namespace the list spans all namespaces');
});

test('a watch from a version the server no longer has fails with ExpiredError (410)', async () => {
  const cms = ts.client().resource<ConfigMap>('configmaps', 'default');
  const cache = ts.server.parts.cache;
  const saved = cache.completeFrom;
  cache.completeFrom = cache.rev;
  try {
    const w = await cms.watch({ resourceVersion: '1' });
    await assert.rejects(
      (async () => {
        for await (const _ of w) {
          // nothing should arrive
        }
      })(),
      (e: unknown) => e instanceof ExpiredError && e.code === 410 && e.reason === 'Expired',
    );
  } finally {
    cache.completeFrom = saved;
  }
});

test('pods: create, updateStatus and the binding subresource', async () => {
  const pods = ts.client().resource('pods', 'default');
  const pod = await pods.create({ metadata: { name: 'bind-me' }, spec: { containers: [{ name: 'c', image: 'busybox' }] } });
  const withStatus = await pods.updateStatus({ ...pod, status: { phase: 'Pending', message: 'waiting' } });
  assert.equal((withStatus.status as { message?: string }).message, 'waiting');
  const st = await pods.subresource<Status>('bind-me', 'binding', {
    body: { apiVersion: 'v1', kind: 'Binding', metadata: { name: 'bind-me' }, target: { apiVersion: 'v1', kind: 'Node', name: 'node-1' } },
  });
  assert.equal(st.status, 'Success');
  assert.equal(((await pods.get('bind-me')).spec as { nodeName?: string }).nodeName, 'node-1');
  const gone = await pods.delete('bind-me', { gracePeriodSeconds: 0 });
  assert.equal(gone.kind === 'Status' ? 'Status' : (gone as KObject).metadata.name, 'bind-me');
});

test('cluster-scoped resources and other groups build their URLs from the registry', async () => {
  const c = ts.client();
  const ns = await c.resource('namespaces').get('kube-system');
  assert.equal(ns.metadata.name, 'kube-system');
  assert.equal(c.resource('deployments.apps', 'x').path('x', 'd'), '/apis/apps/v1/namespaces/x/deployments/d');
  assert.equal(c.resource('leases.coordination.k8s.io').path(undefined), '/apis/coordination.k8s.io/v1/leases');
  assert.equal(c.resource('nodes').path('ignored', 'n1', 'status'), '/api/v1/nodes/n1/status');
  assert.throws(() => c.resource('pods').path(undefined, 'p'), /namespace is required/);
  assert.throws(() => c.resource('nonsense'), /unknown resource/);
  const leases = c.resource({ group: 'coordination.k8s.io', version: 'v1', resource: 'leases' }, 'kube-system');
  assert.deepEqual((await leases.list()).items, []);
});

test('an aborted request rejects with the abort reason', async () => {
  const cms = ts.client().resource('configmaps', 'default');
  const ac = new AbortController();
  ac.abort(new Error('cancelled by test'));
  await assert.rejects(cms.get('x', { signal: ac.signal }), /cancelled by test/);
  const ac2 = new AbortController();
  const w = await cms.watch({ signal: ac2.signal });
  const reading = (async () => {
    for await (const _ of w) {
      // initial ADDED events, then nothing
    }
  })();
  ac2.abort();
  await assert.rejects(reading, (e: unknown) => e instanceof Error && e.name === 'AbortError');
});

test('a server that is not there is a connection error, not an ApiError', async () => {
  for (const transport of ['h2', 'http/1.1'] as const) {
    const c = ts.client({ server: 'https://127.0.0.1:1', transport });
    await assert.rejects(c.resource('configmaps', 'default').get('x'), (e: unknown) => !(e instanceof ApiError) && /ECONNREFUSED/.test(String(e)));
  }
});

test('the client throttles with a token bucket (qps/burst) on its clock', async () => {
  const clock = new FakeClock(Date.now());
  const cms = ts.client({ qps: 1, burst: 2, clock }).resource('configmaps', 'default');
  const done: number[] = [];
  const reqs = [0, 1, 2].map((i) => cms.list({ limit: 1 }).then(() => done.push(i)));
  await Promise.all(reqs.slice(0, 2));
  await new Promise((r) => setTimeout(r, 50));
  assert.deepEqual(done.sort(), [0, 1], 'the third request waits for a token');
  clock.step(1000);
  await reqs[2];
  assert.deepEqual(done.sort(), [0, 1, 2]);
});
