// VolumeManager on the real filesystem with real tmpfs mounts, against a real API server for configMap, secret, token and PVC volumes.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { lstatSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, statSync, statfsSync, symlinkSync, writeFileSync, existsSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, FakeClock } from '../../client/index.js';
import { readKubeconfig } from '../../pki/index.js';
import type { Pod } from '../types.js';
import { startServer, API_ONLY, type K8tsServer } from '../../../test/support/k8ts-server.js';
import { waitUntil } from '../../../test/support/wait.js';
import { writeAtomic, DATA_DIR } from './atomic-writer.js';
import { checkHostPathType } from './host-path.js';
import { mountPoints, unmountUnder } from './mounts.js';
import { VolumeManager, VolumeSetUpError } from './volume-manager.js';

const isRoot = process.getuid?.() === 0;
const mode = (p: string) => statSync(p).mode & 0o7777;
const read = (p: string) => readFileSync(p, 'utf8');
const file = (data: string, m = 0o644) => ({ data: Buffer.from(data), mode: m });

function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'k8ts-a2-vol-'));
}

function pod(uid: string, spec: Record<string, unknown>, meta: Record<string, unknown> = {}): Pod {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name: `pod-${uid}`, namespace: 'default', uid, ...meta }, spec: { containers: [{ name: 'c', image: 'x' }], ...spec } } as Pod;
}

function manager(root: string, client?: Client, extra: Partial<ConstructorParameters<typeof VolumeManager>[0]> = {}): { vm: VolumeManager; events: string[] } {
  const events: string[] = [];
  const vm = new VolumeManager({
    client: client ?? new Client({ server: 'https://127.0.0.1:1', qps: -1 }),
    rootDir: root,
    nodeName: 'n1',
    log: () => undefined,
    event: (_p, type, reason, message) => events.push(`${type} ${reason} ${message}`),
    refreshMs: 0,
    ...extra,
  });
  return { vm, events };
}

describe('atomic writer', () => {
  test('writes through ..data, swaps atomically on change, drops removed keys, and skips identical payloads', async () => {
    const dir = tmp();
    try {
      assert.equal(await writeAtomic(dir, new Map([['a', file('1')], ['sub/b', file('2', 0o600)]])), true);
      assert.equal(readlinkSync(join(dir, 'a')), '..data/a');
      const first = readlinkSync(join(dir, DATA_DIR));
      assert.match(first, /^\.\.\d{4}_\d\d_\d\d_\d\d_\d\d_\d\d\./);
      assert.equal(read(join(dir, 'sub/b')), '2');
      assert.equal(mode(join(dir, 'sub/b')), 0o600);
      assert.equal(mode(join(dir, 'a')), 0o644);
      assert.equal(await writeAtomic(dir, new Map([['a', file('1')], ['sub/b', file('2', 0o600)]])), false, 'same payload: no write');
      assert.equal(await writeAtomic(dir, new Map([['a', file('changed')]])), true);
      const second = readlinkSync(join(dir, DATA_DIR));
      assert.notEqual(second, first);
      assert.equal(existsSync(join(dir, first)), false, 'old timestamped dir removed');
      assert.equal(existsSync(join(dir, 'sub')), false, 'removed key no longer visible');
      assert.equal(read(join(dir, 'a')), 'changed');
      await assert.rejects(writeAtomic(dir, new Map([['../evil', file('x')]])), /must not contain '\.\.'/);
      await assert.rejects(writeAtomic(dir, new Map([['/abs', file('x')]])), /must be relative path/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('hostPath type checks', () => {
  test('create-or-check each type with upstream messages', async () => {
    const dir = tmp();
    const sock = join(dir, 's.sock');
    const server = net.createServer().listen(sock);
    await new Promise((r) => server.once('listening', r));
    try {
      await checkHostPathType(join(dir, 'new/dir'), 'DirectoryOrCreate');
      assert.ok(statSync(join(dir, 'new/dir')).isDirectory());
      assert.equal(mode(join(dir, 'new/dir')), 0o755);
      await checkHostPathType(join(dir, 'f'), 'FileOrCreate');
      assert.ok(statSync(join(dir, 'f')).isFile());
      await assert.rejects(checkHostPathType(join(dir, 'missing/f'), 'FileOrCreate'), /no such file or directory/);
      await assert.rejects(checkHostPathType(join(dir, 'f'), 'Directory'), { message: `hostPath type check failed: ${join(dir, 'f')} is not a directory` });
      await assert.rejects(checkHostPathType(join(dir, 'f'), 'DirectoryOrCreate'), /is not a directory/);
      await assert.rejects(checkHostPathType(join(dir, 'new'), 'File'), { message: `hostPath type check failed: ${join(dir, 'new')} is not a file` });
      await assert.rejects(checkHostPathType(join(dir, 'nope'), 'Directory'), /is not a directory/);
      await checkHostPathType(sock, 'Socket');
      await assert.rejects(checkHostPathType(join(dir, 'f'), 'Socket'), /is not a socket file$/);
      await checkHostPathType('/dev/null', 'CharDevice');
      await assert.rejects(checkHostPathType(join(dir, 'f'), 'CharDevice'), /is not a character device$/);
      await assert.rejects(checkHostPathType('/dev/null', 'BlockDevice'), { message: 'hostPath type check failed: /dev/null is not a block device' });
      await assert.rejects(checkHostPathType('/dev/null', 'Bogus' as never), { message: 'Bogus is an invalid volume type' });
      await checkHostPathType(join(dir, 'whatever'), '');
    } finally {
      server.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('emptyDir, hostPath and subPath', { skip: isRoot ? undefined : 'needs root for tmpfs mounts' }, () => {
  test('disk and Memory emptyDirs, subPath creation and escape, tearDown unmounts and removes', async () => {
    const root = tmp();
    const host = tmp();
    const { vm, events } = manager(root);
    const uid = 'e1';
    const p = pod(uid, {
      volumes: [
        { name: 'scratch', emptyDir: {} },
        { name: 'mem', emptyDir: { medium: 'Memory', sizeLimit: '16Mi' } },
        { name: 'host', hostPath: { path: host, type: 'Directory' } },
        { name: 'bad', hostPath: { path: join(host, 'absent'), type: 'Directory' } },
      ],
      containers: [
        {
          name: 'c',
          env: [{ name: 'SUB', value: 'from-env' }],
          volumeMounts: [
            { name: 'scratch', mountPath: '/scratch' },
            { name: 'mem', mountPath: '/mem', subPath: 'a/b' },
            { name: 'host', mountPath: '/host', readOnly: true, mountPropagation: 'HostToContainer' },
            { name: 'scratch', mountPath: '/expr', subPathExpr: '$(SUB)' },
          ],
        },
        { name: 'escape', volumeMounts: [{ name: 'host', mountPath: '/x', subPath: 'link' }] },
      ],
    });
    try {
      await assert.rejects(vm.setUp(p), (e: unknown) => e instanceof VolumeSetUpError && e.message === `MountVolume.SetUp failed for volume "bad" : hostPath type check failed: ${join(host, 'absent')} is not a directory`);
      assert.deepEqual(events, [`Warning FailedMount MountVolume.SetUp failed for volume "bad" : hostPath type check failed: ${join(host, 'absent')} is not a directory`]);
      mkdirSync(join(host, 'absent'));
      await vm.setUp(p);
      const scratch = join(root, uid, 'volumes/kubernetes.io~empty-dir/scratch');
      const mem = join(root, uid, 'volumes/kubernetes.io~empty-dir/mem');
      assert.equal(mode(scratch), 0o777);
      assert.ok((await mountPoints()).includes(mem), 'Memory emptyDir is a tmpfs mount');
      const fs = statfsSync(mem);
      assert.equal(fs.blocks * fs.bsize, 16 * 1024 * 1024, 'tmpfs size is the sizeLimit');
      await vm.setUp(p); // idempotent: no second mount
      assert.equal((await mountPoints()).filter((m) => m === mem).length, 1);

      const mounts = vm.mountsFor(p, (p.spec.containers as never[])[0]!);
      assert.deepEqual(mounts, [
        { hostPath: scratch, containerPath: '/scratch', readonly: false, propagation: 'private' },
        { hostPath: join(mem, 'a/b'), containerPath: '/mem', readonly: false, propagation: 'private' },
        { hostPath: host, containerPath: '/host', readonly: true, propagation: 'hostToContainer' },
        { hostPath: join(scratch, 'from-env'), containerPath: '/expr', readonly: false, propagation: 'private' },
      ]);
      assert.ok(statSync(join(mem, 'a/b')).isDirectory(), 'subPath created inside the volume');
      symlinkSync('/etc', join(host, 'link'));
      assert.throws(() => vm.mountsFor(p, (p.spec.containers as never[])[1]!), /not within volume path/);

      writeFileSync(join(mem, 'data'), 'x');
      await vm.tearDown(uid);
      assert.equal((await mountPoints()).some((m) => m.startsWith(join(root, uid))), false, 'tmpfs unmounted');
      assert.equal(existsSync(join(root, uid)), false, 'pod dir removed');
      assert.ok(existsSync(host), 'hostPath left alone');
    } finally {
      await vm.tearDown(uid).catch(() => undefined);
      rmSync(root, { recursive: true, force: true });
      rmSync(host, { recursive: true, force: true });
    }
  });
});

describe('API-backed volumes', { skip: isRoot ? undefined : 'needs root for tmpfs mounts' }, () => {
  let s: K8tsServer;
  let client: Client;
  let root: string;
  const created: string[] = [];

  before(async () => {
    s = await startServer(API_ONLY);
    const creds = await readKubeconfig(s.kubeconfig);
    client = new Client({ ...creds, qps: -1 });
    root = tmp();
  });

  after(async () => {
    await client?.close();
    await s?.stop();
    await unmountUnder(root); // anything a failed test left mounted
    rmSync(root, { recursive: true, force: true });
  });

  /** Create a pod in the API (TokenRequest binds to it) and return it. */
  async function apiPod(name: string, spec: Record<string, unknown>, labels?: Record<string, string>): Promise<Pod> {
    const p = await client.resource<Pod>('pods', 'default').create({ apiVersion: 'v1', kind: 'Pod', metadata: { name, labels, annotations: { team: 'a"b' } }, spec: { containers: [{ name: 'c', image: 'x' }], ...spec } } as Pod);
    created.push(p.metadata.uid!);
    return p;
  }

  test('configMap, secret (tmpfs), downwardAPI and items/modes; updates swap ..data; missing objects fail with upstream text', async () => {
    const cms = client.resource('configmaps', 'default');
    const secrets = client.resource('secrets', 'default');
    await cms.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg' }, data: { 'app.conf': 'v=1', other: 'o' }, binaryData: { 'bin': Buffer.from([0, 1, 2]).toString('base64') } });
    await secrets.create({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'sec' }, data: { password: Buffer.from('s3cret').toString('base64') } });
    const p = await apiPod('vols', {
      volumes: [
        { name: 'cfg', configMap: { name: 'cfg' } },
        { name: 'cfg-items', configMap: { name: 'cfg', items: [{ key: 'app.conf', path: 'conf/app.conf', mode: 0o400 }], defaultMode: 0o640 } },
        { name: 'sec', secret: { secretName: 'sec' } },
        { name: 'opt', configMap: { name: 'absent', optional: true } },
        {
          name: 'info',
          downwardAPI: {
            items: [
              { path: 'name', fieldRef: { fieldPath: 'metadata.name' } },
              { path: 'uid', fieldRef: { fieldPath: 'metadata.uid' } },
              { path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } },
              { path: 'annotations', fieldRef: { fieldPath: 'metadata.annotations' } },
              { path: 'mem', resourceFieldRef: { containerName: 'c', resource: 'limits.memory', divisor: '1Mi' } },
              { path: 'cpu', resourceFieldRef: { containerName: 'c', resource: 'requests.cpu', divisor: '1m' } },
            ],
          },
        },
      ],
      containers: [{ name: 'c', image: 'x', resources: { limits: { memory: '64Mi', cpu: '500m' }, requests: { cpu: '250m', memory: '64Mi' } }, volumeMounts: [{ name: 'cfg', mountPath: '/etc/app.conf', subPath: 'app.conf' }, { name: 'sec', mountPath: '/s' }] }],
    }, { app: 'web', tier: 'front' });
    const uid = p.metadata.uid!;
    const { vm } = manager(root, client);
    try {
      await vm.setUp(p);
      const v = (plugin: string, name: string, f = '') => join(root, uid, 'volumes', plugin, name, f);
      assert.equal(read(v('kubernetes.io~configmap', 'cfg', 'app.conf')), 'v=1');
      assert.deepEqual([...readFileSync(v('kubernetes.io~configmap', 'cfg', 'bin'))], [0, 1, 2]);
      assert.equal(mode(v('kubernetes.io~configmap', 'cfg', 'app.conf')), 0o644, 'default mode 0644');
      assert.equal(read(v('kubernetes.io~configmap', 'cfg-items', 'conf/app.conf')), 'v=1');
      assert.equal(mode(v('kubernetes.io~configmap', 'cfg-items', 'conf/app.conf')), 0o400, 'per-item mode');
      assert.equal(existsSync(v('kubernetes.io~configmap', 'cfg-items', 'other')), false, 'only the listed items');
      assert.equal(read(v('kubernetes.io~secret', 'sec', 'password')), 's3cret');
      assert.equal(mode(v('kubernetes.io~secret', 'sec', 'password')), 0o644);
      assert.ok((await mountPoints()).includes(v('kubernetes.io~secret', 'sec')), 'secret volume on tmpfs');
      assert.ok(statSync(v('kubernetes.io~configmap', 'opt')).isDirectory(), 'optional missing configMap: empty volume');
      assert.equal(read(v('kubernetes.io~downward-api', 'info', 'name')), 'vols');
      assert.equal(read(v('kubernetes.io~downward-api', 'info', 'uid')), uid);
      assert.equal(read(v('kubernetes.io~downward-api', 'info', 'labels')), 'app="web"\ntier="front"');
      assert.equal(read(v('kubernetes.io~downward-api', 'info', 'annotations')), 'team="a\\"b"');
      assert.equal(read(v('kubernetes.io~downward-api', 'info', 'mem')), '64');
      assert.equal(read(v('kubernetes.io~downward-api', 'info', 'cpu')), '250');

      const [sub, sec] = vm.mountsFor(p, (p.spec.containers as never[])[0]!);
      assert.equal(read(sub!.hostPath), 'v=1', 'subPath of a configMap key resolves to the file');
      assert.equal(sub!.readonly, true, 'API-data volumes mount read-only');
      assert.equal(sec!.readonly, true);

      // An update is visible through the same path after the next setUp, via a new ..data target.
      const before = readlinkSync(v('kubernetes.io~configmap', 'cfg', DATA_DIR));
      const cm = await cms.get('cfg');
      await cms.update({ ...cm, data: { 'app.conf': 'v=2' } });
      await vm.setUp(p);
      assert.equal(read(v('kubernetes.io~configmap', 'cfg', 'app.conf')), 'v=2');
      assert.notEqual(readlinkSync(v('kubernetes.io~configmap', 'cfg', DATA_DIR)), before);
      assert.equal(existsSync(v('kubernetes.io~configmap', 'cfg', 'other')), false, 'removed key disappears');
    } finally {
      await vm.tearDown(uid);
    }
    assert.equal((await mountPoints()).some((m) => m.startsWith(join(root, uid))), false);
  });

  test('secret updates propagate on the refresh timer without a setUp call', async () => {
    const secrets = client.resource('secrets', 'default');
    await secrets.create({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'rot' }, data: { k: Buffer.from('one').toString('base64') } });
    const p = await apiPod('rot', { volumes: [{ name: 's', secret: { secretName: 'rot' } }] });
    const { vm } = manager(root, client, { refreshMs: 200 });
    const f = join(root, p.metadata.uid!, 'volumes/kubernetes.io~secret/s/k');
    try {
      await vm.setUp(p);
      assert.equal(read(f), 'one');
      const cur = await secrets.get('rot');
      await secrets.update({ ...cur, data: { k: Buffer.from('two').toString('base64') } });
      await waitUntil('secret update in the volume', () => read(f) === 'two');
    } finally {
      vm.close();
      await vm.tearDown(p.metadata.uid!);
    }
  });

  test('missing configMap, secret and key fail with upstream messages and a FailedMount event', async () => {
    const p = await apiPod('missing', {
      volumes: [
        { name: 'a', configMap: { name: 'nope' } },
        { name: 'b', secret: { secretName: 'nope' } },
        { name: 'c', configMap: { name: 'cfg', items: [{ key: 'ghost', path: 'g' }] } },
      ],
    });
    const { vm, events } = manager(root, client);
    try {
      await assert.rejects(vm.setUp(p), (e: unknown) => {
        assert.ok(e instanceof VolumeSetUpError);
        assert.deepEqual(e.failures, [
          { volume: 'a', message: 'configmap "nope" not found' },
          { volume: 'b', message: 'secret "nope" not found' },
          { volume: 'c', message: 'configmap references non-existent config key: ghost' },
        ]);
        return true;
      });
      assert.equal(events[0], 'Warning FailedMount MountVolume.SetUp failed for volume "a" : configmap "nope" not found');
    } finally {
      await vm.tearDown(p.metadata.uid!);
    }
  });

  test('projected: bound ServiceAccount token (refreshed at 80% of its lifetime), kube-root-ca.crt and namespace', async () => {
    await client.resource('serviceaccounts', 'default').create({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'robot' } });
    await client.resource('configmaps', 'default').create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'kube-root-ca.crt' }, data: { 'ca.crt': 'PEM' } });
    const p = await apiPod('tok', {
      serviceAccountName: 'robot',
      volumes: [
        {
          name: 'kube-api-access',
          projected: {
            defaultMode: 420,
            sources: [
              { serviceAccountToken: { expirationSeconds: 600, path: 'token', audience: 'vault' } },
              { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
              { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
            ],
          },
        },
      ],
    });
    const clock = new FakeClock(Date.now());
    const { vm } = manager(root, client, { clock });
    const dir = join(root, p.metadata.uid!, 'volumes/kubernetes.io~projected/kube-api-access');
    try {
      await vm.setUp(p);
      assert.ok((await mountPoints()).includes(dir), 'projected volume on tmpfs');
      assert.equal(read(join(dir, 'ca.crt')), 'PEM');
      assert.equal(read(join(dir, 'namespace')), 'default');
      const token = read(join(dir, 'token'));
      const claims = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;
      assert.deepEqual(claims.aud, ['vault']);
      assert.equal(Number(claims.exp) - Number(claims.iat), 600);
      assert.match(JSON.stringify(claims), new RegExp(p.metadata.uid!), 'token bound to the pod');
      // The token is accepted by the API server as the ServiceAccount.
      const review = await client.request<{ status: { authenticated?: boolean; user?: { username?: string } } }>('POST', '/apis/authentication.k8s.io/v1/tokenreviews', { body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token, audiences: ['vault'] } } });
      assert.equal(review.status.user?.username, 'system:serviceaccount:default:robot');

      await vm.setUp(p);
      assert.equal(read(join(dir, 'token')), token, 'reused before 80% of the lifetime');
      await new Promise((r) => setTimeout(r, 1100)); // a new token gets a new iat
      clock.step(481_000); // past 80 % of 600 s: the refresh timer fires
      await waitUntil('token refreshed', () => read(join(dir, 'token')) !== token);
    } finally {
      vm.close();
      await vm.tearDown(p.metadata.uid!);
    }
  });

  test('persistentVolumeClaim: unbound fails; bound to a hostPath or local PV mounts its path', async () => {
    const data = tmp();
    const pvs = client.resource('persistentvolumes');
    const pvcs = client.resource('persistentvolumeclaims', 'default');
    try {
      await pvs.create({ apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: 'pv-host' }, spec: { capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], hostPath: { path: join(data, 'hp'), type: 'DirectoryOrCreate' }, storageClassName: 'manual' } });
      await pvs.create({ apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: 'pv-local' }, spec: { capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], local: { path: join(data, 'local') }, storageClassName: 'manual', nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: ['n1'] }] }] } } } });
      for (const [claim, pv] of [['c-host', 'pv-host'], ['c-local', 'pv-local']] as const) {
        await pvcs.create({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: claim }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, storageClassName: 'manual' } });
        const cur = await pvcs.get(claim);
        await pvcs.update({ ...cur, spec: { ...(cur.spec as object), volumeName: pv } });
        const withVol = await pvcs.get(claim);
        await pvcs.updateStatus({ ...withVol, status: { phase: 'Bound' } });
      }
      const { vm } = manager(root, client);
      const unbound = pod('pvc0', { volumes: [{ name: 'd', persistentVolumeClaim: { claimName: 'ghost' } }] });
      await assert.rejects(vm.setUp(unbound), /persistentvolumeclaim "ghost" not found/);
      await pvcs.create({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'pending' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } });
      await assert.rejects(vm.setUp(pod('pvc1', { volumes: [{ name: 'd', persistentVolumeClaim: { claimName: 'pending' } }] })), /PVC default\/pending has non-bound phase \("Pending"\) or empty pvc.Spec.VolumeName \(""\)/);

      const p = pod('pvc2', {
        volumes: [
          { name: 'h', persistentVolumeClaim: { claimName: 'c-host' } },
          { name: 'l', persistentVolumeClaim: { claimName: 'c-local', readOnly: true } },
        ],
        containers: [{ name: 'c', volumeMounts: [{ name: 'h', mountPath: '/h' }, { name: 'l', mountPath: '/l' }] }],
      });
      await assert.rejects(vm.setUp(p), /MountVolume.SetUp failed for volume "l" : path ".*local" does not exist/);
      mkdirSync(join(data, 'local'));
      await vm.setUp(p);
      assert.ok(lstatSync(join(data, 'hp')).isDirectory(), 'DirectoryOrCreate made the hostPath PV dir');
      assert.deepEqual(vm.mountsFor(p, (p.spec.containers as never[])[0]!).map((m) => [m.hostPath, m.readonly]), [
        [join(data, 'hp'), false],
        [join(data, 'local'), true],
      ]);
      await vm.tearDown('pvc2');
      assert.ok(existsSync(join(data, 'hp')), 'PV data survives the pod');
    } finally {
      rmSync(data, { recursive: true, force: true });
    }
  });
});
