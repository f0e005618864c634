// REST semantics against a real `k8ts server`: finalizers, graceful deletion, binding, Service allocation,
// namespace lifecycle, watch versions and bookmarks, field validation warnings, Secrets' stringData.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { API_ONLY, startServer, type K8tsServer } from '../support/k8ts-server.js';
import { call, until, watchLines } from '../support/https.js';

type Obj = { metadata: { name: string; resourceVersion: string; deletionTimestamp?: string; finalizers?: string[]; uid: string }; spec?: Record<string, unknown>; status?: Record<string, unknown>; data?: Record<string, string> };

describe('REST semantics', () => {
  let s: K8tsServer;
  before(async () => {
    s = await startServer(API_ONLY);
  });
  after(async () => {
    if (process.env.K8TS_TEST_LOG) console.log(s?.log());
    await s?.stop();
  });
  const NS = '/api/v1/namespaces/default';
  const pod = (name: string, extra: Record<string, unknown> = {}) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { containers: [{ name: 'c', image: 'busybox' }], ...extra } });

  test('generateName gives a unique name with a 5-character suffix', async () => {
    const r = await call(s, 'POST', `${NS}/configmaps`, { body: { metadata: { generateName: 'gen-' } } });
    assert.equal(r.code, 201);
    assert.match(r.json<Obj>().metadata.name, /^gen-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
  });

  test('an object with a finalizer is only marked for deletion until the finalizer is removed', async () => {
    await call(s, 'POST', `${NS}/configmaps`, { body: { metadata: { name: 'fin', finalizers: ['example.com/hold'] } } });
    const d = await call(s, 'DELETE', `${NS}/configmaps/fin`);
    assert.equal(d.code, 200);
    const held = (await call(s, 'GET', `${NS}/configmaps/fin`)).json<Obj>();
    assert.ok(held.metadata.deletionTimestamp, 'deletionTimestamp set');
    const p = await call(s, 'PATCH', `${NS}/configmaps/fin`, { body: { metadata: { finalizers: null } }, type: 'application/merge-patch+json' });
    assert.equal(p.code, 200);
    assert.equal((await call(s, 'GET', `${NS}/configmaps/fin`)).code, 404);
  });

  test('pods/binding sets spec.nodeName once; a second binding is a Conflict', async () => {
    await call(s, 'POST', `${NS}/pods`, { body: pod('bindme') });
    const b = await call(s, 'POST', `${NS}/pods/bindme/binding`, { body: { apiVersion: 'v1', kind: 'Binding', metadata: { name: 'bindme' }, target: { kind: 'Node', name: 'node-a' } } });
    assert.equal(b.code, 201);
    const got = (await call(s, 'GET', `${NS}/pods/bindme`)).json<Obj>();
    assert.equal(got.spec!.nodeName, 'node-a');
    const again = await call(s, 'POST', `${NS}/pods/bindme/binding`, { body: { target: { kind: 'Node', name: 'node-b' } } });
    assert.equal(again.code, 409);
  });

  test('deleting a pod bound to a node is graceful; grace 0 removes it', async () => {
    await call(s, 'POST', `${NS}/pods`, { body: pod('graceful', { nodeName: 'node-a', terminationGracePeriodSeconds: 20 }) });
    const d = (await call(s, 'DELETE', `${NS}/pods/graceful`)).json<Obj & { metadata: { deletionGracePeriodSeconds: number } }>();
    assert.equal(d.metadata.deletionGracePeriodSeconds, 20);
    assert.ok(d.metadata.deletionTimestamp);
    const now = await call(s, 'DELETE', `${NS}/pods/graceful`, { body: { gracePeriodSeconds: 0 } });
    assert.equal(now.code, 200);
    assert.equal((await call(s, 'GET', `${NS}/pods/graceful`)).code, 404);
  });

  test('a status update changes only status, and a main update cannot change status', async () => {
    const created = (await call(s, 'POST', `${NS}/pods`, { body: pod('st') })).json<Obj>();
    const st = await call(s, 'PUT', `${NS}/pods/st/status`, { body: { ...pod('st'), metadata: { name: 'st', resourceVersion: created.metadata.resourceVersion, labels: { sneaky: 'x' } }, spec: { containers: [{ name: 'c', image: 'other' }] }, status: { phase: 'Running' } } });
    assert.equal(st.code, 200);
    const after = (await call(s, 'GET', `${NS}/pods/st`)).json<Obj & { metadata: { labels?: Record<string, string> } }>();
    assert.equal(after.status!.phase, 'Running');
    assert.equal((after.spec!.containers as Array<{ image: string }>)[0]!.image, 'busybox');
    assert.equal(after.metadata.labels?.sneaky, undefined);
    const main = await call(s, 'PATCH', `${NS}/pods/st`, { body: { status: { phase: 'Failed' } }, type: 'application/merge-patch+json' });
    assert.equal(main.code, 200);
    assert.equal((await call(s, 'GET', `${NS}/pods/st`)).json<Obj>().status!.phase, 'Running');
  });

  test('Services get distinct ClusterIPs and NodePorts, freed on delete; headless and ExternalName get none', async () => {
    const ips = new Set<string>();
    for (let i = 0; i < 5; i++) {
      const r = await call(s, 'POST', `${NS}/services`, { body: { metadata: { name: `svc-${i}` }, spec: { type: 'NodePort', selector: { app: 'x' }, ports: [{ port: 80 }] } } });
      assert.equal(r.code, 201, r.body);
      const spec = r.json<Obj>().spec as { clusterIP: string; ports: Array<{ nodePort: number; targetPort: number }> };
      assert.match(spec.clusterIP, /^10\.43\./);
      assert.ok(spec.ports[0]!.nodePort >= 30000 && spec.ports[0]!.nodePort <= 32767);
      assert.equal(spec.ports[0]!.targetPort, 80);
      ips.add(spec.clusterIP);
    }
    assert.equal(ips.size, 5);
    const fixed = await call(s, 'POST', `${NS}/services`, { body: { metadata: { name: 'fixed' }, spec: { clusterIP: '10.43.200.200', ports: [{ port: 80 }] } } });
    assert.equal(fixed.code, 201);
    const clash = await call(s, 'POST', `${NS}/services`, { body: { metadata: { name: 'clash' }, spec: { clusterIP: '10.43.200.200', ports: [{ port: 80 }] } } });
    assert.equal(clash.code, 422);
    assert.match(clash.json<{ message: string }>().message, /provided IP is already allocated/);
    await call(s, 'DELETE', `${NS}/services/fixed`);
    const reuse = await call(s, 'POST', `${NS}/services`, { body: { metadata: { name: 'reuse' }, spec: { clusterIP: '10.43.200.200', ports: [{ port: 80 }] } } });
    assert.equal(reuse.code, 201, 'the freed IP can be claimed again');
    const headless = (await call(s, 'POST', `${NS}/services`, { body: { metadata: { name: 'headless' }, spec: { clusterIP: 'None', ports: [{ port: 80 }] } } })).json<Obj>();
    assert.equal(headless.spec!.clusterIP, 'None');
    const ext = (await call(s, 'POST', `${NS}/services`, { body: { metadata: { name: 'ext' }, spec: { type: 'ExternalName', externalName: 'example.com' } } })).json<Obj>();
    assert.equal(ext.spec!.clusterIP, undefined);
    const badName = await call(s, 'POST', `${NS}/services`, { body: { metadata: { name: '1abc' }, spec: { ports: [{ port: 80 }] } } });
    assert.equal(badName.code, 422);
    const badPort = await call(s, 'POST', `${NS}/services`, { body: { metadata: { name: 'badport' }, spec: { ports: [{ port: 70000 }] } } });
    assert.equal(badPort.code, 422);
    assert.match(badPort.json<{ message: string }>().message, /spec\.ports\[0\]\.port: Invalid value: 70000: must be between 1 and 65535, inclusive/);
  });

  test('Secret stringData is merged into data and not stored', async () => {
    const r = (await call(s, 'POST', `${NS}/secrets`, { body: { metadata: { name: 'sd' }, data: { a: Buffer.from('1').toString('base64') }, stringData: { b: 'two' } } })).json<Obj & { stringData?: unknown }>();
    assert.equal(Buffer.from(r.data!.b!, 'base64').toString(), 'two');
    assert.equal(r.stringData, undefined);
  });

  test('objects cannot be created in missing or terminating namespaces; system namespaces cannot be deleted', async () => {
    const missing = await call(s, 'POST', '/api/v1/namespaces/nope/configmaps', { body: { metadata: { name: 'x' } } });
    assert.equal(missing.code, 404);
    assert.match(missing.json<{ message: string }>().message, /namespaces "nope" not found/);
    await call(s, 'POST', '/api/v1/namespaces', { body: { metadata: { name: 'doomed' } } });
    const del = (await call(s, 'DELETE', '/api/v1/namespaces/doomed')).json<Obj>();
    assert.equal(del.status!.phase, 'Terminating');
    const blocked = await call(s, 'POST', '/api/v1/namespaces/doomed/configmaps', { body: { metadata: { name: 'x' } } });
    assert.equal(blocked.code, 403);
    assert.match(blocked.json<{ message: string }>().message, /because it is being terminated/);
    // The namespace goes once its `kubernetes` finalizer is removed through /finalize.
    const ns = (await call(s, 'GET', '/api/v1/namespaces/doomed')).json<Obj>();
    const fin = await call(s, 'PUT', '/api/v1/namespaces/doomed/finalize', { body: { ...ns, spec: { finalizers: [] } } });
    assert.equal(fin.code, 200, fin.body);
    assert.equal((await call(s, 'GET', '/api/v1/namespaces/doomed')).code, 404);
    const sys = await call(s, 'DELETE', '/api/v1/namespaces/kube-system');
    assert.equal(sys.code, 403);
  });

  test('a watch from an old resourceVersion replays the events after it', async () => {
    const list = (await call(s, 'GET', `${NS}/configmaps`)).json<{ metadata: { resourceVersion: string } }>();
    await call(s, 'POST', `${NS}/configmaps`, { body: { metadata: { name: 'replayed' } } });
    const w = watchLines(s, `${NS}/configmaps?watch=true&resourceVersion=${list.metadata.resourceVersion}`);
    await until(() => w.lines.some((l) => l.includes('"replayed"')));
    w.stop();
    assert.match(w.lines[0]!, /^\{"type":"ADDED","object":\{.*"name":"replayed"/);
  });

  test('a watch with timeoutSeconds ends; resourceVersion=0 starts with synthetic ADDED events', async () => {
    const w = watchLines(s, `${NS}/configmaps?watch=true&resourceVersion=0&timeoutSeconds=1&fieldSelector=metadata.name%3Dreplayed`);
    await w.ended;
    assert.equal(w.lines.length, 1);
    assert.match(w.lines[0]!, /"type":"ADDED"/);
  });

  test('fieldValidation=Warn returns a Warning header and drops the unknown field', async () => {
    const r = await call(s, 'POST', `${NS}/configmaps?fieldValidation=Warn`, { body: { metadata: { name: 'warned' }, extra: 1 } });
    assert.equal(r.code, 201);
    assert.match(String(r.headers.warning), /299 - "unknown field \\"extra\\""/);
    assert.equal((r.json() as Record<string, unknown>).extra, undefined);
  });

  test('a list with limit returns a continue token and remainingItemCount', async () => {
    for (let i = 0; i < 4; i++) await call(s, 'POST', `${NS}/endpoints`, { body: { metadata: { name: `ep-${i}` } } });
    const first = (await call(s, 'GET', `${NS}/endpoints?limit=3`)).json<{ metadata: { continue: string; remainingItemCount: number }; items: unknown[] }>();
    assert.equal(first.items.length, 3);
    assert.ok(first.metadata.continue);
    const rest = (await call(s, 'GET', `${NS}/endpoints?limit=3&continue=${encodeURIComponent(first.metadata.continue)}`)).json<{ metadata: { continue?: string }; items: unknown[] }>();
    assert.equal(first.items.length + rest.items.length, 5, 'four endpoints plus kubernetes');
    assert.equal(rest.metadata.continue, undefined);
  });

  test('an update with a stale resourceVersion is a Conflict with the upstream message', async () => {
    const c = (await call(s, 'POST', `${NS}/configmaps`, { body: { metadata: { name: 'cas' } } })).json<Obj>();
    await call(s, 'PUT', `${NS}/configmaps/cas`, { body: { metadata: { name: 'cas', resourceVersion: c.metadata.resourceVersion }, data: { a: '1' } } });
    const stale = await call(s, 'PUT', `${NS}/configmaps/cas`, { body: { metadata: { name: 'cas', resourceVersion: c.metadata.resourceVersion }, data: { a: '2' } } });
    assert.equal(stale.code, 409);
    assert.equal(stale.json<{ message: string }>().message, 'Operation cannot be fulfilled on configmaps "cas": the object has been modified; please apply your changes to the latest version and try again');
  });
});
