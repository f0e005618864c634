// Sidecar termination on containerd (KEP-753): when the app containers of a Never/OnFailure pod are done, the agent
// stops the sidecars (restartPolicy Always init containers) in reverse order and the pod reaches its final phase.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { BUSYBOX_IMAGE } from '../support/images.js';
import { skipUnlessCri, type CriCluster } from '../support/containerd.js';
import { criSuite } from '../support/cri-suite.js';
import { waitUntil } from '../support/wait.js';

/** A sidecar that notes it runs in /shared/<me> and, on SIGTERM, says whether <other> still runs, then exits 0. */
const sidecar = (me: string, other: string) =>
  `{name: ${me}, image: ${BUSYBOX_IMAGE}, restartPolicy: Always, volumeMounts: [{name: shared, mountPath: /shared}], command: [sh, -c, 'touch /shared/${me}; trap "if [ -e /shared/${other} ]; then echo ${me}: ${other} still running; else echo ${me}: ${other} already stopped; fi; rm -f /shared/${me}; exit 0" TERM; while true; do sleep 0.2; done']}`;

describe('cri runtime: sidecar termination', { skip: skipUnlessCri(), timeout: 600_000 }, () => {
  let c: CriCluster;
  const { pod, phase, apply } = criSuite((cluster) => (c = cluster));
  const runningIn = async (uid: string) =>
    (await c.cri.listContainers({ label_selector: { 'io.kubernetes.pod.uid': uid } })).filter((x) => x.state === 'CONTAINER_RUNNING').map((x) => x.labels['io.kubernetes.container.name']);

  test('restartPolicy Never: the app finishes, the sidecars stop last-first, the pod Succeeds', async () => {
    apply(`apiVersion: v1
kind: Pod
metadata: {name: job}
spec:
  restartPolicy: Never
  terminationGracePeriodSeconds: 20
  volumes: [{name: shared, emptyDir: {}}]
  initContainers:
  - ${sidecar('first', 'second')}
  - ${sidecar('second', 'first')}
  containers:
  - {name: app, image: ${BUSYBOX_IMAGE}, command: [sh, -c, 'sleep 4; echo done']}
`);
    await waitUntil('the pod Running with both sidecars and the app', () => phase('job') === 'Running', 60_000);
    const { uid } = pod('job').metadata;
    assert.deepEqual((await runningIn(uid)).sort(), ['app', 'first', 'second']);
    await waitUntil('the pod Succeeded', () => phase('job') === 'Succeeded', 90_000);
    const st = pod('job').status;
    for (const s of st.initContainerStatuses ?? []) {
      assert.equal(s.state.terminated?.exitCode, 0, `sidecar ${s.name} stopped by SIGTERM and exited 0: ${JSON.stringify(s.state)}`);
      assert.equal(s.restartCount, 0, `sidecar ${s.name} was not restarted`);
    }
    assert.equal(st.containerStatuses?.[0]?.state.terminated?.exitCode, 0);
    assert.equal(st.conditions?.find((x) => x.type === 'Initialized')?.status, 'True');
    assert.deepEqual(await runningIn(uid), [], 'nothing of the pod runs any more');
    // Reverse order: the second sidecar got SIGTERM while the first still ran; the first only after the second had gone.
    assert.match(c.s.k(['logs', 'job', '-c', 'second']), /second: first still running/);
    assert.match(c.s.k(['logs', 'job', '-c', 'first']), /first: second already stopped/);
    c.s.k(['delete', 'pod', 'job', '--grace-period=0', '--force']);
  });

  test('a failed app under Never fails the pod; under OnFailure a finished app stops a SIGTERM-deaf sidecar at the grace period', async () => {
    apply(`apiVersion: v1
kind: Pod
metadata: {name: fails}
spec:
  restartPolicy: Never
  volumes: [{name: shared, emptyDir: {}}]
  initContainers:
  - ${sidecar('side', 'none')}
  containers:
  - {name: app, image: ${BUSYBOX_IMAGE}, command: [sh, -c, 'sleep 2; exit 3']}
---
apiVersion: v1
kind: Pod
metadata: {name: deaf}
spec:
  restartPolicy: OnFailure
  terminationGracePeriodSeconds: 2
  initContainers:
  - {name: side, image: ${BUSYBOX_IMAGE}, restartPolicy: Always, command: [sleep, '3600']}
  containers:
  - {name: app, image: ${BUSYBOX_IMAGE}, command: [sh, -c, 'sleep 2']}
`);
    await waitUntil('fails Failed and deaf Succeeded', () => phase('fails') === 'Failed' && phase('deaf') === 'Succeeded', 120_000);
    const fails = pod('fails').status;
    assert.equal(fails.containerStatuses?.[0]?.state.terminated?.exitCode, 3);
    assert.ok(fails.initContainerStatuses?.[0]?.state.terminated, 'the sidecar of the failed pod was stopped');
    // sleep as PID 1 ignores SIGTERM: containerd kills it when the 2 s grace period ends.
    const deaf = pod('deaf').status;
    assert.equal(deaf.initContainerStatuses?.[0]?.state.terminated?.exitCode, 137);
    assert.equal(deaf.containerStatuses?.[0]?.state.terminated?.exitCode, 0);
    assert.deepEqual(await runningIn(pod('deaf').metadata.uid), []);
    c.s.k(['delete', 'pod', 'fails', 'deaf', '--grace-period=0', '--force']);
  });

  test('deleting a pod stops the app containers first, then the sidecars in reverse order', async () => {
    const dir = join(c.s.dataDir, `order-${Date.now()}`);
    const onTerm = (me: string) => `command: [sh, -c, 'trap "echo ${me} >> /order/log; exit 0" TERM; while true; do sleep 0.2; done']`;
    apply(`apiVersion: v1
kind: Pod
metadata: {name: ordered}
spec:
  terminationGracePeriodSeconds: 20
  volumes: [{name: order, hostPath: {path: ${dir}, type: DirectoryOrCreate}}]
  initContainers:
  - {name: first, image: ${BUSYBOX_IMAGE}, restartPolicy: Always, volumeMounts: [{name: order, mountPath: /order}], ${onTerm('first')}}
  - {name: second, image: ${BUSYBOX_IMAGE}, restartPolicy: Always, volumeMounts: [{name: order, mountPath: /order}], ${onTerm('second')}}
  containers:
  - {name: app, image: ${BUSYBOX_IMAGE}, volumeMounts: [{name: order, mountPath: /order}], ${onTerm('app')}}
`);
    await waitUntil('ordered Running', () => phase('ordered') === 'Running', 60_000);
    c.s.k(['delete', 'pod', 'ordered', '--wait=false']);
    await waitUntil('ordered gone', () => c.s.kubectl(['get', 'pod', 'ordered']).code !== 0, 60_000);
    assert.equal(readFileSync(join(dir, 'log'), 'utf8'), 'app\nsecond\nfirst\n');
    rmSync(dir, { recursive: true, force: true });
  });
});
