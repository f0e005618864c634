// `k8ts killall` after a stopped server: pods outlive their kubelet (as upstream), and killall removes them, containerd, mounts, the bridge and the masquerade chain.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BUSYBOX_IMAGE } from '../support/images.js';
import { skipUnlessCri, startCriCluster, type CriCluster } from '../support/containerd.js';
import { waitUntil } from '../support/wait.js';

const root = join(import.meta.dirname, '..', '..');

describe('k8ts killall', { skip: skipUnlessCri(), timeout: 600_000 }, () => {
  let c: CriCluster;
  before(async () => {
    c = await startCriCluster();
  });
  after(async () => {
    await c?.stop();
  });

  test('leaves no container, containerd, mount, bridge or chain of the stopped server behind', async () => {
    c.s.k(['run', 'left', '--image', BUSYBOX_IMAGE, '--', 'sleep', '3600']);
    await waitUntil('the pod Running', () => /Running/.test(c.s.kubectl(['get', 'pod', 'left', '--no-headers']).stdout), 90_000);
    const dataDir = c.s.dataDir;
    await c.s.stop();
    const mounted = () => readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter((l) => l.includes(dataDir)).length;
    const containerd = () => spawnSync('pgrep', ['-f', join(dataDir, 'agent', 'containerd')], { encoding: 'utf8' }).stdout.trim();
    assert.ok(mounted() > 0, 'the pod keeps running after its server stopped, as with upstream kubelet restarts');
    const r = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'src/cli/main.ts'), 'killall', '--data-dir', dataDir, '--cluster-cidr', c.clusterCIDR], {
      encoding: 'utf8',
      env: { ...process.env, K8TS_CNI_BRIDGE: c.bridge },
      timeout: 180_000,
    });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`bridge ${c.bridge}: removed`));
    assert.equal(mounted(), 0);
    assert.equal(containerd(), '');
    assert.notEqual(spawnSync('ip', ['link', 'show', c.bridge]).status, 0, 'the bridge is gone');
    assert.doesNotMatch(spawnSync('iptables-save', ['-t', 'nat'], { encoding: 'utf8' }).stdout, new RegExp(`MASQ-${c.bridge}`));
  });
});
