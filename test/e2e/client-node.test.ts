// A second client, @kubernetes/client-node (the official JavaScript client), lists, writes and watches.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CoreV1Api, KubeConfig, Watch, makeInformer, type V1ConfigMap } from '@kubernetes/client-node';
import { API_ONLY, startServer, type K8tsServer } from '../support/k8ts-server.js';

describe('@kubernetes/client-node against k8ts', () => {
  let s: K8tsServer;
  let kc: KubeConfig;
  before(async () => {
    s = await startServer(API_ONLY);
    kc = new KubeConfig();
    kc.loadFromFile(s.kubeconfig);
  });
  after(async () => {
    await s?.stop();
  });

  test('lists namespaces and creates and reads a ConfigMap', async () => {
    const core = kc.makeApiClient(CoreV1Api);
    const ns = await core.listNamespace();
    assert.deepEqual(ns.items.map((n) => n.metadata?.name).sort(), ['default', 'kube-node-lease', 'kube-public', 'kube-system']);
    await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'from-js' }, data: { a: '1' } } });
    const cm = await core.readNamespacedConfigMap({ namespace: 'default', name: 'from-js' });
    assert.equal(cm.data?.a, '1');
    assert.ok(Number(cm.metadata?.resourceVersion) > 0);
  });

  test('watch delivers ADDED, MODIFIED and DELETED in order', async () => {
    const core = kc.makeApiClient(CoreV1Api);
    const list = await core.listNamespacedConfigMap({ namespace: 'default' });
    const events: string[] = [];
    const w = new Watch(kc);
    const req = await w.watch(
      '/api/v1/namespaces/default/configmaps',
      { resourceVersion: list.metadata?.resourceVersion, allowWatchBookmarks: true },
      (type: string, obj: V1ConfigMap) => {
        if (obj.metadata?.name === 'watched') events.push(type);
      },
      () => {},
    );
    await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'watched' } } });
    await core.patchNamespacedConfigMap({ namespace: 'default', name: 'watched', body: [{ op: 'add', path: '/data', value: { b: '2' } }] });
    await core.deleteNamespacedConfigMap({ namespace: 'default', name: 'watched' });
    const deadline = Date.now() + 5000;
    while (events.length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    req.abort();
    assert.deepEqual(events, ['ADDED', 'MODIFIED', 'DELETED']);
  });

  test('an informer lists then follows changes', async () => {
    const core = kc.makeApiClient(CoreV1Api);
    const informer = makeInformer(kc, '/api/v1/namespaces/default/configmaps', () => core.listNamespacedConfigMap({ namespace: 'default' }));
    const seen = new Set<string>();
    informer.on('add', (o: V1ConfigMap) => seen.add(o.metadata!.name!));
    await informer.start();
    await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'late' } } });
    const deadline = Date.now() + 5000;
    while (!seen.has('late') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    await informer.stop();
    assert.ok(seen.has('from-js'), 'initial list');
    assert.ok(seen.has('late'), 'watched add');
  });
});
