// The local-path provisioner against a real API server: default StorageClass, WaitForFirstConsumer, PV per claim on the pod's node, bind, delete; static binding; the kubelet's VolumeManager mounts the result.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, SharedInformerFactory, realClock } from '../client/index.js';
import { readKubeconfig } from '../pki/index.js';
import { VolumeManager, type Pod } from '../kubelet/index.js';
import { startServer, API_ONLY, type K8tsServer } from '../../test/support/k8ts-server.js';
import { waitUntil } from '../../test/support/wait.js';
import { startLocalPathProvisioner, LOCAL_PATH_CLASS } from './local-path-provisioner.js';
import type { ControllerContext } from './context.js';

const isRoot = process.getuid?.() === 0;

describe('local-path provisioner', () => {
  let s: K8tsServer;
  let client: Client;
  let storage: string;
  let podsRoot: string;
  const abort = new AbortController();
  let done: Promise<void> | undefined;

  before(async () => {
    s = await startServer(API_ONLY);
    client = new Client({ ...(await readKubeconfig(s.kubeconfig)), qps: -1 });
    storage = mkdtempSync(join(tmpdir(), 'k8ts-a2-storage-'));
    podsRoot = mkdtempSync(join(tmpdir(), 'k8ts-a2-pods-'));
    const factory = new SharedInformerFactory(client, { resyncMs: 0 });
    const ctx: ControllerContext = { client, factory, clock: realClock, signal: abort.signal, log: (m) => console.error('LPP', m) };
    const c = startLocalPathProvisioner(ctx, { storageDir: storage, localNode: 'n1' });
    factory.start(abort.signal);
    done = Promise.all([c.done, factory.shutdown()]).then(() => undefined);
  });

  after(async () => {
    rmSync(storage, { recursive: true, force: true });
    rmSync(podsRoot, { recursive: true, force: true });
    abort.abort();
    await Promise.race([done?.catch(() => undefined), new Promise((r) => setTimeout(r, 10_000).unref())]);
    await client?.close();
    await s?.stop();
  });

  // kubectl's JSON, read loosely (a test of shapes, not a typed client).
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const getJson = (args: string[]): any => JSON.parse(s.k([...args, '-o', 'json']));

  test('creates the default StorageClass local-path', async () => {
    await waitUntil('StorageClass local-path', () => s.kubectl(['get', 'storageclass', LOCAL_PATH_CLASS]).code === 0);
    const sc = getJson(['get', 'storageclass', LOCAL_PATH_CLASS]);
    assert.equal(sc.provisioner, 'rancher.io/local-path');
    assert.equal(sc.volumeBindingMode, 'WaitForFirstConsumer');
    assert.equal(sc.reclaimPolicy, 'Delete');
    assert.equal(sc.metadata.annotations['storageclass.kubernetes.io/is-default-class'], 'true');
    assert.match(s.k(['get', 'storageclass']), /local-path \(default\)\s+rancher.io\/local-path\s+Delete\s+WaitForFirstConsumer/);
  });

  test('a claim waits for its first consumer, then gets a hostPath PV on the pod\'s node, bound both ways; deleting it deletes the PV and its directory', { skip: isRoot ? undefined : 'needs root' }, async () => {
    s.k(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'data', namespace: 'default' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '2Gi' } } } }));
    await waitUntil('WaitForFirstConsumer event', () => /WaitForFirstConsumer/.test(s.k(['get', 'events', '--field-selector', 'involvedObject.name=data'])));
    assert.equal(getJson(['get', 'pvc', 'data']).status.phase, 'Pending');

    const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'user', namespace: 'default' }, spec: { nodeName: 'n1', containers: [{ name: 'c', image: 'x', volumeMounts: [{ name: 'd', mountPath: '/data' }] }], volumes: [{ name: 'd', persistentVolumeClaim: { claimName: 'data' } }] } };
    s.k(['apply', '-f', '-'], JSON.stringify(pod));
    await waitUntil('PVC bound', () => getJson(['get', 'pvc', 'data']).status.phase === 'Bound');
    const pvc = getJson(['get', 'pvc', 'data']);
    const pvName = `pvc-${pvc.metadata.uid}`;
    assert.equal(pvc.spec.volumeName, pvName);
    assert.equal(pvc.status.capacity.storage, '2Gi');
    assert.equal(pvc.metadata.annotations['volume.kubernetes.io/storage-provisioner'], 'rancher.io/local-path');
    await waitUntil('PV bound', () => getJson(['get', 'pv', pvName]).status?.phase === 'Bound');
    const pv = getJson(['get', 'pv', pvName]);
    const dir = join(storage, `${pvName}_default_data`);
    assert.deepEqual(pv.spec.hostPath, { path: dir, type: 'DirectoryOrCreate' });
    assert.equal(pv.spec.storageClassName, LOCAL_PATH_CLASS, 'a claim without a class is served by the default class');
    assert.equal(pv.spec.claimRef.uid, pvc.metadata.uid);
    assert.deepEqual(pv.spec.nodeAffinity.required.nodeSelectorTerms[0].matchExpressions[0], { key: 'kubernetes.io/hostname', operator: 'In', values: ['n1'] });
    assert.match(s.k(['get', 'events', '--field-selector', 'involvedObject.name=data']), /ProvisioningSucceeded\s+.*Successfully provisioned volume pvc-/);

    // The node's VolumeManager turns the claim into the directory, world-writable like k3s's helper pod makes it.
    const vm = new VolumeManager({ client, rootDir: podsRoot, nodeName: 'n1', log: () => undefined, refreshMs: 0 });
    const apiPod = getJson(['get', 'pod', 'user']) as Pod;
    await vm.setUp(apiPod);
    assert.equal(statSync(dir).mode & 0o777, 0o777);
    assert.deepEqual(vm.mountsFor(apiPod, (apiPod.spec.containers as never[])[0]!), [{ hostPath: dir, containerPath: '/data', readonly: false, propagation: 'private' }]);
    await vm.tearDown(apiPod.metadata.uid!);

    s.k(['delete', 'pod', 'user', '--grace-period=0', '--force']);
    s.k(['delete', 'pvc', 'data', '--wait=false']);
    await waitUntil('PV deleted', () => s.kubectl(['get', 'pv', pvName]).code !== 0);
    assert.equal(existsSync(dir), false, 'directory removed with the PV');
  });

  test('a claim of a class without provisioner binds to the smallest matching Available PV', async () => {
    for (const [name, size] of [['big', '10Gi'], ['small', '1Gi'], ['tiny', '100Mi']] as const) {
      s.k(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name }, spec: { storageClassName: 'manual', capacity: { storage: size }, accessModes: ['ReadWriteOnce'], hostPath: { path: `/tmp/k8ts-a2-unused-${name}` } } }));
    }
    s.k(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'static', namespace: 'default' }, spec: { storageClassName: 'manual', accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '500Mi' } } } }));
    await waitUntil('static claim bound', () => getJson(['get', 'pvc', 'static']).status.phase === 'Bound');
    assert.equal(getJson(['get', 'pvc', 'static']).spec.volumeName, 'small');
    await waitUntil('PV bound', () => getJson(['get', 'pv', 'small']).status?.phase === 'Bound');
    assert.equal(getJson(['get', 'pv', 'big']).status?.phase ?? 'Available', 'Available');
    // Retain (the default of static PVs): the PV becomes Released when the claim goes.
    s.k(['delete', 'pvc', 'static', '--wait=false']);
    await waitUntil('PV released', () => getJson(['get', 'pv', 'small']).status?.phase === 'Released');
  });
});
