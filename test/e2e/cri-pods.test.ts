// Real pods on containerd through CRI: networking from the host and between pods, Deployments, graceful delete.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { BUSYBOX_IMAGE } from '../support/images.js';
import { inCidr, skipUnlessCri, type CriCluster } from '../support/containerd.js';
import { criSuite, type PodJson } from '../support/cri-suite.js';
import { waitUntil } from '../support/wait.js';

describe('cri runtime: pods and networking', { skip: skipUnlessCri(), timeout: 600_000 }, () => {
  let c: CriCluster;
  const hostPort = 20000 + Math.floor(Math.random() * 20000);
  const { pod, phase } = criSuite((cluster) => (c = cluster));

  test('kubectl run of a busybox httpd pod: Running, an IP in the node podCIDR, answers HTTP from the host', async () => {
    c.s.k(['run', 'web', '--image', BUSYBOX_IMAGE, '--', 'httpd', '-f', '-p', '8080', '-h', '/www']);
    await waitUntil('web Running', () => phase('web') === 'Running', 60_000);
    const p = pod('web');
    assert.ok(p.status.podIP && inCidr(p.status.podIP, c.podCIDR), `podIP ${p.status.podIP} in ${c.podCIDR}`);
    assert.equal(p.status.containerStatuses?.[0]?.ready, true);
    let body = '';
    await waitUntil('HTTP 200 from the pod', () => {
      void fetch(`http://${p.status.podIP}:8080/`, { signal: AbortSignal.timeout(2000) })
        .then((r) => r.text())
        .then((t) => (body = t))
        .catch(() => undefined);
      return body.includes('hello from k8ts busybox');
    }, 30_000);
    // The pod's own lo is up (containerd's loopback network; the k8ts conflist has no loopback plugin).
    const viaLo = c.s.kubectl(['exec', 'web', '--', 'sh', '-c', 'printf "GET / HTTP/1.0\\r\\n\\r\\n" | nc -w 3 127.0.0.1 8080']);
    assert.match(viaLo.stdout, /^HTTP\/1\.[01] 200[\s\S]*hello from k8ts busybox/, `${viaLo.stderr}`);
    // The container really runs in containerd, labelled with the pod's uid.
    const listed = await c.cri.listContainers({ label_selector: { 'io.kubernetes.pod.uid': p.metadata.uid } });
    assert.equal(listed.filter((x) => x.state === 'CONTAINER_RUNNING').length, 1);
    const node = JSON.parse(c.s.k(['get', 'node', c.node, '-o', 'json'])) as { status: { nodeInfo: { containerRuntimeVersion: string } } };
    assert.match(node.status.nodeInfo.containerRuntimeVersion, /^containerd:\/\/1\./);
  });

  test('a second pod reaches the first across the bridge (its termination message carries the page)', async () => {
    const ip = pod('web').status.podIP!;
    c.s.k(['apply', '-f', '-'], `apiVersion: v1
kind: Pod
metadata: {name: client}
spec:
  restartPolicy: Never
  containers:
  - name: c
    image: ${BUSYBOX_IMAGE}
    # busybox-static's wget crashes in getaddrinfo (static glibc); nc speaks HTTP/1.0 fine.
    command: [sh, -c, 'printf "GET / HTTP/1.0\\r\\n\\r\\n" | nc -w 5 ${ip} 8080 > /dev/termination-log']
`);
    await waitUntil('client finished', () => ['Succeeded', 'Failed'].includes(phase('client')), 60_000);
    const p = pod('client');
    assert.equal(p.status.phase, 'Succeeded');
    assert.match(p.status.containerStatuses?.[0]?.state.terminated?.message ?? '', /^HTTP\/1\.[01] 200[\s\S]*hello from k8ts busybox/);
    assert.ok(p.status.podIP && p.status.podIP !== ip && inCidr(p.status.podIP, c.podCIDR));
  });

  test('kubectl delete stops the container within the grace period (SIGTERM ignored → SIGKILL at the deadline)', async () => {
    const uid = pod('web').metadata.uid;
    const t0 = Date.now();
    c.s.k(['delete', 'pod', 'web', '--grace-period=3', '--wait=true']);
    const took = Date.now() - t0;
    // busybox httpd as PID 1 ignores SIGTERM: the runtime waits the grace period, then kills.
    assert.ok(took >= 2_500 && took < 20_000, `delete took ${took} ms`);
    const left = await c.cri.listContainers({ label_selector: { 'io.kubernetes.pod.uid': uid } });
    assert.equal(left.length, 0);
    assert.equal((await c.cri.listSandboxes({ label_selector: { 'io.kubernetes.pod.uid': uid } })).length, 0);
  });

  test('a container that handles SIGTERM is stopped long before a long grace period ends', async () => {
    c.s.k(['apply', '-f', '-'], `apiVersion: v1
kind: Pod
metadata: {name: polite}
spec:
  terminationGracePeriodSeconds: 60
  containers:
  - name: c
    image: ${BUSYBOX_IMAGE}
    command: [sh, -c, 'trap "exit 0" TERM; while true; do sleep 1; done']
`);
    await waitUntil('polite Running', () => phase('polite') === 'Running', 60_000);
    const t0 = Date.now();
    c.s.k(['delete', 'pod', 'polite', '--wait=true']);
    const took = Date.now() - t0;
    assert.ok(took < 20_000, `delete took ${took} ms (grace period 60 s)`);
  });

  test('pod DNS: resolv.conf has the cluster DNS (10th service IP), the namespace search path and ndots:5', async () => {
    c.s.k(['apply', '-f', '-'], `apiVersion: v1
kind: Pod
metadata: {name: dns}
spec:
  restartPolicy: Never
  dnsConfig: {searches: [example.internal]}
  containers:
  - {name: c, image: ${BUSYBOX_IMAGE}, command: [sh, -c, 'cat /etc/resolv.conf > /dev/termination-log']}
`);
    await waitUntil('dns finished', () => ['Succeeded', 'Failed'].includes(phase('dns')), 60_000);
    const conf = pod('dns').status.containerStatuses?.[0]?.state.terminated?.message ?? '';
    assert.match(conf, /^nameserver 10\.43\.0\.10$/m);
    assert.match(conf, /^search default\.svc\.cluster\.local svc\.cluster\.local cluster\.local.* example\.internal$/m);
    assert.match(conf, /^options ndots:5$/m);
  });

  test('hostNetwork pods share the node network (pod IP = host IP); hostPort reaches a pod through portmap', async () => {
    c.s.k(['apply', '-f', '-'], `apiVersion: v1
kind: Pod
metadata: {name: hostnet}
spec:
  hostNetwork: true
  restartPolicy: Never
  containers:
  - {name: c, image: ${BUSYBOX_IMAGE}, command: [sh, -c, 'ip -o -4 addr show > /dev/termination-log']}
---
apiVersion: v1
kind: Pod
metadata: {name: hostport}
spec:
  containers:
  - name: c
    image: ${BUSYBOX_IMAGE}
    command: [httpd, -f, -p, '8080', -h, /www]
    ports: [{containerPort: 8080, hostPort: ${hostPort}}]
`);
    await waitUntil('hostnet finished', () => ['Succeeded', 'Failed'].includes(phase('hostnet')), 60_000);
    const hn = pod('hostnet') as PodJson & { status: { hostIP?: string } };
    assert.equal(hn.status.podIP, hn.status.hostIP);
    assert.match(hn.status.containerStatuses?.[0]?.state.terminated?.message ?? '', new RegExp(`inet ${hn.status.hostIP!.replace(/\./g, '\\.')}/`));
    await waitUntil('hostport Running', () => phase('hostport') === 'Running', 60_000);
    const hostIP = (pod('hostport') as PodJson & { status: { hostIP?: string } }).status.hostIP!;
    let ok = false;
    await waitUntil(`HTTP via ${hostIP}:${hostPort}`, () => {
      void fetch(`http://${hostIP}:${hostPort}/`, { signal: AbortSignal.timeout(2000) })
        .then(async (r) => (ok = r.status === 200 && (await r.text()).includes('hello from k8ts busybox')))
        .catch(() => undefined);
      return ok;
    }, 30_000);
    c.s.k(['delete', 'pod', 'hostport', 'hostnet', '--grace-period=1']);
  });

  test("a Deployment's pods are real containers with their own IPs, each serving HTTP", async () => {
    c.s.k(['create', 'deployment', 'webd', '--image', BUSYBOX_IMAGE, '--replicas', '2', '--', 'httpd', '-f', '-p', '8080', '-h', '/www']);
    let ips: string[] = [];
    await waitUntil('2 Running pods', () => {
      const out = c.s.kubectl(['get', 'pods', '-l', 'app=webd', '-o', 'jsonpath={range .items[*]}{.status.phase} {.status.podIP}{"\\n"}{end}']).stdout;
      const lines = out.split('\n').filter((l) => l.startsWith('Running ') && l.split(' ')[1]);
      ips = lines.map((l) => l.split(' ')[1]!);
      return ips.length === 2;
    }, 90_000);
    assert.notEqual(ips[0], ips[1]);
    for (const ip of ips) {
      assert.ok(inCidr(ip, c.podCIDR));
      let ok = false;
      await waitUntil(`HTTP from ${ip}`, () => {
        void fetch(`http://${ip}:8080/`, { signal: AbortSignal.timeout(2000) })
          .then((r) => (ok = r.status === 200))
          .catch(() => undefined);
        return ok;
      }, 30_000);
    }
    c.s.k(['delete', 'deployment', 'webd']);
  });
});
