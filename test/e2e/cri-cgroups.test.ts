// Pod-level cgroups on a real containerd (QoS class cgroups, pod limits read back from the cgroup files, removal with the
// pod), then node removal: deleting the Node while the agent runs removes its pods' containers, sandboxes, netns and
// cgroups, and the node comes back empty; the `k8ts killall` clean-up leaves no cgroup, shim or netns behind.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { cgroupDir, cgroupV2 } from '../../src/kubelet/cri/pod-cgroups.js';
import { shimPids } from '../../src/kubelet/cri/cleanup.js';
import { cleanupOwnContainerd, containerdPaths } from '../../src/kubelet/cri/index.js';
import { BUSYBOX_IMAGE } from '../support/images.js';
import { inCidr, skipUnlessCri, startCriCluster, type CriCluster } from '../support/containerd.js';
import { waitUntil } from '../support/wait.js';

const podYaml = (name: string, resources: string) => `apiVersion: v1
kind: Pod
metadata: {name: ${name}}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: c
    image: ${BUSYBOX_IMAGE}
    command: [sleep, "3600"]
${resources}`;

describe('cri runtime: pod cgroups and node removal', { skip: skipUnlessCri(), timeout: 600_000 }, () => {
  let c: CriCluster;
  const cgroupRoot = () => `/k8ts-${c.bridge}`;
  const read = (controller: 'cpu' | 'memory', rel: string, file: string) => readFileSync(join(cgroupDir(controller, rel)!, file), 'utf8').trim();
  const exists = (rel: string) => (['cpu', 'memory'] as const).some((ctl) => existsSync(cgroupDir(ctl, rel)!));
  const uidOf = (pod: string) => c.s.k(['get', 'pod', pod, '-o', 'jsonpath={.metadata.uid}']);
  const running = (pod: string) => /Running/.test(c.s.kubectl(['get', 'pod', pod, '--no-headers']).stdout);
  /** Network namespaces of this test's containerd (bind mounts under its state dir). */
  const netnsMounts = () => readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter((l) => l.includes(containerdPaths(join(c.s.dataDir, 'agent')).state) && l.includes('netns')).length;

  before(async () => {
    c = await startCriCluster();
  });
  after(async () => {
    await c?.stop();
  });

  test('Guaranteed, Burstable and BestEffort pods get their QoS cgroup and pod-level limits; the pod cgroup goes with the pod', async () => {
    c.s.k(['apply', '-f', '-'], podYaml('guaranteed', '    resources: {limits: {cpu: 250m, memory: 64Mi}}'));
    c.s.k(['apply', '-f', '-'], podYaml('burstable', '    resources: {requests: {cpu: 100m}, limits: {cpu: 200m}}'));
    c.s.k(['apply', '-f', '-'], podYaml('besteffort', ''));
    await waitUntil('the pods Running', () => running('guaranteed') && running('burstable') && running('besteffort'), 90_000);
    const b = `${cgroupRoot()}/kubepods/burstable/pod${uidOf('burstable')}`;
    const burstableClass = `${cgroupRoot()}/kubepods/burstable`;
    const g = `${cgroupRoot()}/kubepods/pod${uidOf('guaranteed')}`;
    const be = `${cgroupRoot()}/kubepods/besteffort/pod${uidOf('besteffort')}`;
    assert.equal(c.s.k(['get', 'pod', 'guaranteed', '-o', 'jsonpath={.status.qosClass}']), 'Guaranteed');
    if (cgroupV2()) {
      assert.equal(read('memory', g, 'memory.max'), String(64 * 1024 * 1024));
      assert.equal(read('cpu', g, 'cpu.max'), '25000 100000');
      assert.equal(read('memory', be, 'memory.max'), 'max');
      assert.equal(read('cpu', `${cgroupRoot()}/kubepods/besteffort`, 'cpu.weight'), '1');
      assert.equal(read('cpu', b, 'cpu.max'), '20000 100000');
      assert.equal(read('memory', b, 'memory.max'), 'max');
    } else {
      assert.equal(read('memory', g, 'memory.limit_in_bytes'), String(64 * 1024 * 1024));
      assert.equal(read('cpu', g, 'cpu.cfs_quota_us'), '25000');
      assert.equal(read('cpu', g, 'cpu.cfs_period_us'), '100000');
      assert.equal(read('cpu', g, 'cpu.shares'), '256');
      assert.equal(read('cpu', be, 'cpu.shares'), '2');
      assert.equal(read('cpu', be, 'cpu.cfs_quota_us'), '-1');
      assert.ok(Number(read('memory', be, 'memory.limit_in_bytes')) > 2 ** 62, 'no memory limit on a BestEffort pod');
      assert.equal(read('cpu', `${cgroupRoot()}/kubepods/besteffort`, 'cpu.shares'), '2');
      // Burstable: shares from the request, the quota from the limit (every container has one), no memory limit.
      assert.equal(read('cpu', b, 'cpu.shares'), '102');
      assert.equal(read('cpu', b, 'cpu.cfs_quota_us'), '20000');
      assert.ok(Number(read('memory', b, 'memory.limit_in_bytes')) > 2 ** 62);
      assert.equal(read('cpu', burstableClass, 'cpu.shares'), '102', 'the class weighs what its pods requested');
      // The containers run inside the pod cgroup (v1: /proc/self/cgroup shows the host path).
      assert.match(c.s.k(['exec', 'besteffort', '--', 'cat', '/proc/self/cgroup']), new RegExp(`memory:${be}/[0-9a-f]{64}`));
    }
    // The sandbox and the container sit below the pod cgroup.
    const ids = readdirSync(cgroupDir('cpu', g)!).filter((d) => /^[0-9a-f]{64}$/.test(d));
    assert.equal(ids.length, 2, `sandbox + container cgroups under ${g}: ${ids.join(', ')}`);
    c.s.k(['delete', 'pod', 'guaranteed', 'burstable', '--wait=true']);
    await waitUntil('the Guaranteed and Burstable pod cgroups removed', () => !exists(g) && !exists(b), 30_000);
    if (!cgroupV2()) assert.equal(read('cpu', burstableClass, 'cpu.shares'), '2', 'an empty Burstable class is back to the minimum');
    assert.ok(exists(be), 'the other pod keeps its cgroup');
  });

  test('a Node deleted while its agent runs: its pods are deleted, their containers, sandboxes, netns and cgroups removed; the node comes back and runs new pods', async () => {
    assert.ok(running('besteffort'));
    const uid = uidOf('besteffort');
    const be = `${cgroupRoot()}/kubepods/besteffort/pod${uid}`;
    const sandboxes = async () => (await c.cri.listSandboxes({ label_selector: { 'io.kubernetes.pod.uid': uid } })).length;
    assert.equal(await sandboxes(), 1);
    assert.ok(netnsMounts() >= 1, 'the running pod has a network namespace');
    c.s.k(['delete', 'node', c.node]);
    await waitUntil('the pod deleted from the API', () => /NotFound/.test(c.s.kubectl(['get', 'pod', 'besteffort']).stderr), 60_000);
    let left = 1;
    await waitUntil('its sandbox removed', () => {
      void sandboxes().then((n) => (left = n), () => undefined);
      return left === 0;
    }, 60_000);
    assert.equal((await c.cri.listContainers({ label_selector: { 'io.kubernetes.pod.uid': uid } })).length, 0, 'no container left');
    await waitUntil('its pod cgroup removed', () => !exists(be), 30_000);
    assert.equal(netnsMounts(), 0, 'no network namespace left');
    assert.match(c.s.log(), new RegExp(`node ${c.node} was deleted`));
    // The agent registers the node again; new pods run on it, with addresses from its podCIDR.
    let podCIDR = '';
    await waitUntil('the node Ready again', () => {
      const r = c.s.kubectl(['get', 'node', c.node, '-o', 'jsonpath={.spec.podCIDR} {.status.conditions[?(@.type=="Ready")].status}']).stdout;
      podCIDR = r.split(' ')[0] ?? '';
      return / True$/.test(r) && !!podCIDR && !/not-ready/.test(c.s.kubectl(['get', 'node', c.node, '-o', 'jsonpath={.spec.taints}']).stdout);
    }, 90_000);
    c.s.k(['apply', '-f', '-'], podYaml('after', ''));
    await waitUntil('a new pod Running', () => running('after'), 90_000);
    const ip = c.s.k(['get', 'pod', 'after', '-o', 'jsonpath={.status.podIP}']);
    assert.ok(inCidr(ip, podCIDR), `${ip} in ${podCIDR}`);
  });

  test('the clean-up `k8ts killall` runs, after the server stopped, leaves no pod cgroup, shim or network namespace', async () => {
    assert.ok(running('after'));
    assert.ok(shimPids(c.socket).length > 0, 'the running pod has a shim');
    await c.s.stop();
    assert.ok(exists(cgroupRoot()), 'pods outlive their agent');
    // What killall does for the node's containers (its kube-proxy clean-up would touch the host's netfilter rules).
    await cleanupOwnContainerd(join(c.s.dataDir, 'agent'), c.bridge);
    assert.equal(exists(cgroupRoot()), false, 'the k8ts cgroup root is gone');
    assert.deepEqual(shimPids(c.socket), []);
    assert.equal(netnsMounts(), 0);
    assert.notEqual(spawnSync('ip', ['link', 'show', c.bridge]).status, 0, 'the bridge is gone');
  });
});
