// Pod lifecycle on containerd: CrashLoopBackOff, init containers in order, env sources, resources, hooks, termination messages.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BUSYBOX_IMAGE } from '../support/images.js';
import { skipUnlessCri, type CriCluster } from '../support/containerd.js';
import { criSuite, type ContainerStatusJson as CStatus } from '../support/cri-suite.js';
import { waitUntil } from '../support/wait.js';

describe('cri runtime: pod lifecycle', { skip: skipUnlessCri(), timeout: 600_000 }, () => {
  let c: CriCluster;
  const { pod, phase, apply } = criSuite((cluster) => (c = cluster));
  const finished = (name: string) => waitUntil(`${name} finished`, () => ['Succeeded', 'Failed'].includes(phase(name)), 90_000);

  before(() => {
    apply(`apiVersion: v1
kind: ConfigMap
metadata: {name: settings}
data: {color: blue, size: large}
---
apiVersion: v1
kind: Secret
metadata: {name: creds}
stringData: {password: s3cret}
`);
  });

  test('a crashing container backs off: CrashLoopBackOff, restartCount grows, lastState has its exit code', async () => {
    apply(`apiVersion: v1
kind: Pod
metadata: {name: crash}
spec:
  containers:
  - {name: c, image: ${BUSYBOX_IMAGE}, command: [sh, -c, 'echo boom; exit 3']}
`);
    let cs: CStatus | undefined;
    await waitUntil('two restarts and CrashLoopBackOff', () => {
      cs = pod('crash').status.containerStatuses?.[0];
      return !!cs && cs.restartCount >= 2 && cs.state.waiting?.reason === 'CrashLoopBackOff';
    }, 90_000);
    assert.equal(cs!.lastState.terminated?.exitCode, 3);
    assert.equal(cs!.lastState.terminated?.reason, 'Error');
    assert.match(cs!.state.waiting?.message ?? '', /^back-off (10|20|40)s restarting failed container=c pod=crash_default/);
    assert.match(c.s.k(['get', 'pod', 'crash']), /CrashLoopBackOff/);
    // Back-off: the restarts after the first are at least 10 s apart.
    const events = c.s.k(['get', 'events', '--field-selector', 'involvedObject.name=crash', '-o', 'jsonpath={range .items[*]}{.reason}{"\\n"}{end}']);
    assert.match(events, /BackOff/);
    c.s.k(['delete', 'pod', 'crash', '--grace-period=1']);
  });

  test('init containers run one at a time, in order, before the app container', async () => {
    apply(`apiVersion: v1
kind: Pod
metadata: {name: inits}
spec:
  restartPolicy: Never
  initContainers:
  - {name: first, image: ${BUSYBOX_IMAGE}, command: [sh, -c, 'sleep 2']}
  - {name: second, image: ${BUSYBOX_IMAGE}, command: [sh, -c, 'sleep 1']}
  containers:
  - {name: app, image: ${BUSYBOX_IMAGE}, command: [sh, -c, 'true']}
`);
    await waitUntil('Init:0/2 or Init:1/2 seen', () => /Init:[01]\/2/.test(c.s.kubectl(['get', 'pod', 'inits']).stdout), 60_000);
    await finished('inits');
    const p = pod('inits');
    assert.equal(p.status.phase, 'Succeeded');
    const [first, second] = p.status.initContainerStatuses!;
    const app = p.status.containerStatuses![0]!;
    const t = (s?: string) => Date.parse(s ?? '');
    assert.equal(first!.state.terminated?.reason, 'Completed');
    assert.ok(t(second!.state.terminated?.startedAt) >= t(first!.state.terminated?.finishedAt), 'second starts after first finished');
    assert.ok(t(app.state.terminated?.startedAt) >= t(second!.state.terminated?.finishedAt), 'app starts after second finished');
  });

  test('a sidecar (init container with restartPolicy Always) starts first and keeps running beside the app', async () => {
    apply(`apiVersion: v1
kind: Pod
metadata: {name: sidecar}
spec:
  initContainers:
  - {name: side, image: ${BUSYBOX_IMAGE}, restartPolicy: Always, command: [sleep, '3600']}
  containers:
  - {name: app, image: ${BUSYBOX_IMAGE}, command: [sleep, '3600']}
`);
    await waitUntil('sidecar pod Running', () => phase('sidecar') === 'Running', 60_000);
    const uid = c.s.kubectl(['get', 'pod', 'sidecar', '-o', 'jsonpath={.metadata.uid}']).stdout;
    const running = (await c.cri.listContainers({ label_selector: { 'io.kubernetes.pod.uid': uid } })).filter((x) => x.state === 'CONTAINER_RUNNING').map((x) => x.labels['io.kubernetes.container.name']).sort();
    assert.deepEqual(running, ['app', 'side']);
    assert.match(c.s.k(['get', 'pod', 'sidecar', '-o', 'jsonpath={.status.initContainerStatuses[0].state}']), /"running"/, 'the sidecar is reported running, not Completed');
    assert.equal(c.s.k(['get', 'pod', 'sidecar', '-o', 'jsonpath={.status.conditions[?(@.type=="Initialized")].status}']), 'True');
    c.s.k(['delete', 'pod', 'sidecar', '--grace-period=0', '--force']);
  });

  test('a failing init container with restartPolicy Never fails the pod; the app container never runs', async () => {
    apply(`apiVersion: v1
kind: Pod
metadata: {name: badinit}
spec:
  restartPolicy: Never
  initContainers:
  - {name: bad, image: ${BUSYBOX_IMAGE}, command: [sh, -c, 'exit 7']}
  containers:
  - {name: app, image: ${BUSYBOX_IMAGE}, command: [sh, -c, 'true']}
`);
    await finished('badinit');
    const p = pod('badinit');
    assert.equal(p.status.phase, 'Failed');
    assert.equal(p.status.initContainerStatuses?.[0]?.state.terminated?.exitCode, 7);
    assert.equal(p.status.containerStatuses?.[0]?.state.terminated, undefined);
  });

  test('env from values with $(VAR) expansion, ConfigMaps, Secrets, envFrom, the downward API; runAsUser; memory limit in the cgroup', async () => {
    apply(`apiVersion: v1
kind: Pod
metadata: {name: envs, labels: {app: envtest}}
spec:
  restartPolicy: Never
  containers:
  - name: c
    image: ${BUSYBOX_IMAGE}
    command: [sh, -c, 'echo "$COLOR|$PASS|$POD|$NS|$GREETING|$APP|$MEM|$cfg_size|$(id -u)|$(cat /sys/fs/cgroup/memory/memory.limit_in_bytes)" > /dev/termination-log']
    envFrom:
    - {prefix: cfg_, configMapRef: {name: settings}}
    env:
    - {name: COLOR, valueFrom: {configMapKeyRef: {name: settings, key: color}}}
    - {name: PASS, valueFrom: {secretKeyRef: {name: creds, key: password}}}
    - {name: POD, valueFrom: {fieldRef: {fieldPath: metadata.name}}}
    - {name: NS, valueFrom: {fieldRef: {fieldPath: metadata.namespace}}}
    - {name: APP, valueFrom: {fieldRef: {fieldPath: "metadata.labels['app']"}}}
    - {name: GREETING, value: "hi-$(POD)"}
    - {name: MEM, valueFrom: {resourceFieldRef: {resource: limits.memory, divisor: 1Mi}}}
    resources: {limits: {memory: 64Mi, cpu: 250m}}
    securityContext: {runAsUser: 65534}
`);
    await finished('envs');
    const p = pod('envs');
    assert.equal(p.status.phase, 'Succeeded');
    assert.equal(p.status.containerStatuses?.[0]?.state.terminated?.message, 'blue|s3cret|envs|default|hi-envs|envtest|64|large|65534|67108864\n');
  });

  test('a missing ConfigMap key keeps the container waiting with CreateContainerConfigError', async () => {
    apply(`apiVersion: v1
kind: Pod
metadata: {name: nokey}
spec:
  containers:
  - name: c
    image: ${BUSYBOX_IMAGE}
    command: [sleep, '3600']
    env: [{name: X, valueFrom: {configMapKeyRef: {name: settings, key: nope}}}]
`);
    await waitUntil('CreateContainerConfigError', () => pod('nokey').status.containerStatuses?.[0]?.state.waiting?.reason === 'CreateContainerConfigError', 60_000);
    assert.match(pod('nokey').status.containerStatuses![0]!.state.waiting!.message!, /couldn't find key nope in ConfigMap default\/settings/);
    c.s.k(['delete', 'pod', 'nokey', '--grace-period=0', '--force']);
  });

  test('postStart runs before the container goes on; FallbackToLogsOnError reports the log tail', async () => {
    apply(`apiVersion: v1
kind: Pod
metadata: {name: hooks}
spec:
  restartPolicy: Never
  containers:
  - name: c
    image: ${BUSYBOX_IMAGE}
    command: [sh, -c, 'for i in $(seq 100); do [ -f /tmp/hook ] && break; sleep 0.1; done; cat /tmp/hook > /dev/termination-log']
    lifecycle:
      postStart: {exec: {command: [sh, -c, 'echo from-poststart > /tmp/hook']}}
  - name: logs
    image: ${BUSYBOX_IMAGE}
    terminationMessagePolicy: FallbackToLogsOnError
    command: [sh, -c, 'echo last words; exit 1']
`);
    await finished('hooks');
    const cs = pod('hooks').status.containerStatuses!;
    assert.equal(cs.find((x) => x.name === 'c')?.state.terminated?.message, 'from-poststart\n');
    const logs = cs.find((x) => x.name === 'logs')?.state.terminated;
    assert.equal(logs?.exitCode, 1);
    assert.equal(logs?.message, 'last words');
  });

  test('a container over its memory limit is OOMKilled', async () => {
    apply(`apiVersion: v1
kind: Pod
metadata: {name: oom}
spec:
  restartPolicy: Never
  containers:
  - name: c
    image: ${BUSYBOX_IMAGE}
    command: [sh, -c, 'x=$(head -c 200000000 /dev/zero | tr "\\\\0" a); echo survived']
    resources: {limits: {memory: 20Mi}}
`);
    await finished('oom');
    const t = pod('oom').status.containerStatuses?.[0]?.state.terminated;
    assert.equal(t?.reason, 'OOMKilled');
    assert.equal(t?.exitCode, 137);
  });

  test('containerd under k8ts care: killed, it is restarted; running pods survive and new pods start', async () => {
    apply(`apiVersion: v1
kind: Pod
metadata: {name: survivor}
spec:
  containers:
  - {name: c, image: ${BUSYBOX_IMAGE}, command: [sleep, '3600']}
`);
    await waitUntil('survivor Running', () => phase('survivor') === 'Running', 60_000);
    const pidFile = join(c.s.dataDir, 'agent/containerd/containerd.pid');
    const pid = Number(readFileSync(pidFile, 'utf8'));
    process.kill(pid, 'SIGKILL');
    await waitUntil('containerd restarted', () => Number(readFileSync(pidFile, 'utf8')) !== pid && /containerd exited \(SIGKILL\); restarting/.test(c.s.log()), 30_000);
    apply(`apiVersion: v1
kind: Pod
metadata: {name: newcomer}
spec:
  containers:
  - {name: c, image: ${BUSYBOX_IMAGE}, command: [sleep, '3600']}
`);
    await waitUntil('newcomer Running', () => phase('newcomer') === 'Running', 90_000);
    const survivor = pod('survivor').status.containerStatuses![0]!;
    assert.equal(survivor.restartCount, 0);
    assert.ok(survivor.state.running);
    c.s.k(['delete', 'pod', 'survivor', 'newcomer', '--grace-period=0', '--force']);
  });
});
