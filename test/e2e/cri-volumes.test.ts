// Every volume type inside a real busybox container on containerd: the container copies what it sees into a hostPath dir the test reads.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BUSYBOX_IMAGE } from '../support/images.js';
import { skipUnlessCri, startCriCluster, type CriCluster } from '../support/containerd.js';
import { waitUntil } from '../support/wait.js';

describe('cri runtime: volumes', { skip: skipUnlessCri(), timeout: 600_000 }, () => {
  let c: CriCluster;
  let out: string;
  let storage: string;
  const read = (f: string) => (existsSync(join(out, f)) ? readFileSync(join(out, f), 'utf8') : '');
  const apply = (yaml: string) => c.s.k(['apply', '-f', '-'], yaml);

  before(async () => {
    out = mkdtempSync(join(tmpdir(), 'k8ts-a2-out-'));
    storage = mkdtempSync(join(tmpdir(), 'k8ts-a2-pv-'));
    c = await startCriCluster();
  });
  after(async () => {
    await c?.stop();
    rmSync(out, { recursive: true, force: true });
    rmSync(storage, { recursive: true, force: true });
  });

  test('configMap, secret, projected token, downwardAPI, emptyDir (disk, Memory), hostPath, PVC and subPath show their content; updates propagate', async () => {
    apply(`apiVersion: v1
kind: ConfigMap
metadata: {name: settings}
data: {color: blue, app.conf: "listen=80"}
---
apiVersion: v1
kind: Secret
metadata: {name: creds}
stringData: {password: s3cret}
---
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata: {name: a2-local}
provisioner: rancher.io/local-path
volumeBindingMode: WaitForFirstConsumer
reclaimPolicy: Delete
parameters: {nodePath: ${storage}}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: data}
spec:
  storageClassName: a2-local
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 1Gi}}
`);
    const script = [
      'cat /cfg/color > /out/cfg-color',
      'cat /etc/app.conf > /out/subpath',
      '(touch /cfg/new 2>/dev/null && echo rw || echo ro) > /out/cfg-ro',
      'cat /sec/password > /out/sec',
      'grep " /sec " /proc/mounts | cut -d" " -f3 > /out/sec-fs',
      'stat -c %a /sec/..data/password > /out/sec-mode',
      'cat /var/run/secrets/kubernetes.io/serviceaccount/namespace > /out/sa-ns',
      'cat /var/run/secrets/kubernetes.io/serviceaccount/token > /out/sa-token',
      'test -s /var/run/secrets/kubernetes.io/serviceaccount/ca.crt && echo yes > /out/sa-ca',
      'cat /info/name > /out/info-name',
      'grep " /mem " /proc/mounts | cut -d" " -f3,4 > /out/mem-mount',
      'echo hi > /scratch/x && cat /scratch/x > /out/scratch',
      'echo persisted > /data/file',
      'cat /hostfile > /out/hostfile',
      'echo done > /out/done',
      'while true; do cat /sec/password > /out/sec-now; cat /info/labels > /out/labels-now; sleep 1; done',
    ].join('; ');
    apply(JSON.stringify({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'vols', labels: { app: 'vols' } },
      spec: {
        terminationGracePeriodSeconds: 1,
        containers: [{
          name: 'c',
          image: BUSYBOX_IMAGE,
          command: ['sh', '-c', script],
          volumeMounts: [
            { name: 'out', mountPath: '/out' },
            { name: 'cfg', mountPath: '/cfg' },
            { name: 'cfg', mountPath: '/etc/app.conf', subPath: 'app.conf' },
            { name: 'sec', mountPath: '/sec' },
            { name: 'info', mountPath: '/info' },
            { name: 'scratch', mountPath: '/scratch' },
            { name: 'mem', mountPath: '/mem' },
            { name: 'data', mountPath: '/data' },
            { name: 'hostfile', mountPath: '/hostfile', readOnly: true },
          ],
        }],
        volumes: [
          { name: 'out', hostPath: { path: out, type: 'Directory' } },
          { name: 'cfg', configMap: { name: 'settings' } },
          { name: 'sec', secret: { secretName: 'creds' } },
          { name: 'info', downwardAPI: { items: [{ path: 'name', fieldRef: { fieldPath: 'metadata.name' } }, { path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } }] } },
          { name: 'scratch', emptyDir: {} },
          { name: 'mem', emptyDir: { medium: 'Memory', sizeLimit: '8Mi' } },
          { name: 'data', persistentVolumeClaim: { claimName: 'data' } },
          { name: 'hostfile', hostPath: { path: join(out, 'seed'), type: 'FileOrCreate' } },
        ],
      },
    }));
    await waitUntil('the container wrote its findings', () => read('done') === 'done\n', 120_000);
    assert.equal(read('cfg-color'), 'blue');
    assert.equal(read('subpath'), 'listen=80');
    assert.equal(read('cfg-ro'), 'ro\n', 'configMap volumes are read-only');
    assert.equal(read('sec'), 's3cret');
    assert.equal(read('sec-fs'), 'tmpfs\n', 'secret volume on tmpfs');
    assert.equal(read('sec-mode'), '644\n');
    assert.equal(read('sa-ns'), 'default');
    assert.equal(read('sa-token').split('.').length, 3, 'a JWT');
    assert.equal(read('sa-ca'), 'yes\n');
    assert.equal(read('info-name'), 'vols');
    assert.match(read('mem-mount'), /^tmpfs rw.*size=8192k/);
    assert.equal(read('scratch'), 'hi\n');
    assert.equal(read('hostfile'), '', 'FileOrCreate made an empty file');
    assert.ok(existsSync(join(out, 'seed')));
    // The token authenticates as the pod's ServiceAccount.
    const review = JSON.parse(c.s.k(['create', '-o', 'json', '-f', '-'], JSON.stringify({ apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token: read('sa-token') } }))) as { status: { user?: { username?: string } } };
    assert.equal(review.status.user?.username, 'system:serviceaccount:default:default');
    // The PVC was provisioned under the class's nodePath and the container's write landed there.
    const pvc = JSON.parse(c.s.k(['get', 'pvc', 'data', '-o', 'json'])) as { metadata: { uid: string }; status: { phase: string } };
    assert.equal(pvc.status.phase, 'Bound');
    assert.equal(readFileSync(join(storage, `pvc-${pvc.metadata.uid}_default_data`, 'file'), 'utf8'), 'persisted\n');

    // Updates: a new secret value and a new label reach the running container.
    c.s.k(['apply', '-f', '-'], c.s.k(['create', 'secret', 'generic', 'creds', '--from-literal=password=rotated', '--dry-run=client', '-o', 'yaml']));
    c.s.k(['label', 'pod', 'vols', 'stage=two']);
    await waitUntil('secret update inside the container', () => read('sec-now') === 'rotated', 120_000);
    await waitUntil('label update inside the container', () => read('labels-now').includes('stage="two"'), 120_000);

    c.s.k(['delete', 'pod', 'vols', '--wait=true', '--timeout=60s']);
    c.s.k(['delete', 'pvc', 'data', '--wait=false']);
    await waitUntil('PV deleted with its claim', () => !/pvc-/.test(c.s.kubectl(['get', 'pv', '-o', 'name']).stdout), 60_000);
  });

  test('a hostPath type mismatch keeps the pod from starting with a FailedMount event', async () => {
    apply(JSON.stringify({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'badhost' },
      spec: { terminationGracePeriodSeconds: 1, containers: [{ name: 'c', image: BUSYBOX_IMAGE, command: ['sleep', '600'], volumeMounts: [{ name: 'h', mountPath: '/h' }] }], volumes: [{ name: 'h', hostPath: { path: join(out, 'no-such-dir'), type: 'Directory' } }] },
    }));
    const want = `MountVolume.SetUp failed for volume "h" : hostPath type check failed: ${join(out, 'no-such-dir')} is not a directory`;
    await waitUntil('FailedMount event', () => c.s.kubectl(['get', 'events', '--field-selector', 'involvedObject.name=badhost', '-o', 'jsonpath={range .items[*]}{.reason}: {.message}{"\\n"}{end}']).stdout.includes(`FailedMount: ${want}`), 60_000);
    assert.notEqual(c.s.kubectl(['get', 'pod', 'badhost', '-o', 'jsonpath={.status.phase}']).stdout, 'Running');
    c.s.k(['delete', 'pod', 'badhost', '--wait=true', '--timeout=60s']);
  });
});
