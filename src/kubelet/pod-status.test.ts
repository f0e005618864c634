// Pod status as the kubelet writes it: phase rules, condition reasons, IPs, and sameStatus (no write loops).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { computePodStatus, podPhase } from './pod-status.js';
import { sameStatus } from './pod-syncer.js';
import { PodIpAllocator } from './pod-ips.js';
import type { ContainerStatus, Pod } from './types.js';

const pod = (restartPolicy: 'Always' | 'OnFailure' | 'Never' = 'Always'): Pod => ({ metadata: { name: 'p', namespace: 'default', uid: 'u' }, spec: { restartPolicy, containers: [{ name: 'a', image: 'x' }] } });
const cs = (state: ContainerStatus['state'], extra: Partial<ContainerStatus> = {}): ContainerStatus => ({ name: 'a', state, lastState: {}, ready: false, restartCount: 0, image: 'x', imageID: '', ...extra });

test('phase: waiting is Pending, running is Running, exits follow the restart policy', () => {
  assert.equal(podPhase(pod(), { sandboxReady: true, initContainers: [], containers: [] }), 'Pending');
  assert.equal(podPhase(pod(), { sandboxReady: true, initContainers: [], containers: [cs({ running: {} })] }), 'Running');
  assert.equal(podPhase(pod('Never'), { sandboxReady: true, initContainers: [], containers: [cs({ terminated: { exitCode: 0 } })] }), 'Succeeded');
  assert.equal(podPhase(pod('Never'), { sandboxReady: true, initContainers: [], containers: [cs({ terminated: { exitCode: 1 } })] }), 'Failed');
  const crashLooping = cs({ waiting: { reason: 'CrashLoopBackOff' } }, { lastState: { terminated: { exitCode: 1 } }, restartCount: 1 });
  assert.equal(podPhase(pod('OnFailure'), { sandboxReady: true, initContainers: [], containers: [crashLooping] }), 'Running');
});

test('conditions carry upstream reasons and messages; hostIP and podIP are set', () => {
  const st = computePodStatus(pod(), { sandboxReady: true, initContainers: [], containers: [cs({ waiting: { reason: 'ContainerCreating' } })] }, { hostIP: '10.0.0.1', podIP: '10.42.0.2', now: 0 });
  const ready = st.conditions?.find((c) => c.type === 'Ready');
  assert.equal(ready?.reason, 'ContainersNotReady');
  assert.equal(ready?.message, 'containers with unready status: [a]');
  assert.deepEqual(st.podIPs, [{ ip: '10.42.0.2' }]);
  assert.deepEqual(st.hostIPs, [{ ip: '10.0.0.1' }]);
  assert.equal(st.startTime, '1970-01-01T00:00:00Z');
  const done = computePodStatus(pod('Never'), { sandboxReady: true, initContainers: [], containers: [cs({ terminated: { exitCode: 0 } })] }, { hostIP: 'h', now: 0 });
  assert.equal(done.conditions?.find((c) => c.type === 'Ready')?.reason, 'PodCompleted');
});

test('a status equal but for key order and dropped nulls is the same (no write)', () => {
  const st = computePodStatus(pod(), { sandboxReady: true, initContainers: [], containers: [cs({ running: {} }, { ready: true })] }, { hostIP: 'h', podIP: 'i', now: 0 });
  const roundTrip = JSON.parse(JSON.stringify(st, (_k, v: unknown) => (v === null ? undefined : v))) as typeof st;
  assert.ok(sameStatus(roundTrip, st));
  assert.ok(!sameStatus({ ...roundTrip, phase: 'Pending' }, st));
});

test('pod IPs: .2 upward in the node podCIDR, kept per pod, reused after release', () => {
  const a = new PodIpAllocator();
  assert.equal(a.allocate('n', undefined, 'u1'), undefined);
  assert.equal(a.allocate('n', '10.42.3.0/24', 'u1'), '10.42.3.2');
  assert.equal(a.allocate('n', '10.42.3.0/24', 'u2'), '10.42.3.3');
  assert.equal(a.allocate('n', '10.42.3.0/24', 'u1'), '10.42.3.2');
  a.release('n', 'u1');
  assert.equal(a.allocate('n', '10.42.3.0/24', 'u3'), '10.42.3.2');
  assert.equal(a.allocate('n', '10.42.3.0/24', 'u4', '10.42.3.77'), '10.42.3.77');
});

test('a sidecar (init container with restartPolicy Always) counts as initialized once running and started, and is reported running', () => {
  const p: Pod = { metadata: { name: 'p', namespace: 'default', uid: 'u' }, spec: { restartPolicy: 'Never', initContainers: [{ name: 'side', image: 'x', restartPolicy: 'Always' }], containers: [{ name: 'a', image: 'x' }] } };
  const side = (started: boolean) => ({ ...cs({ running: {} }, { started }), name: 'side' });
  assert.equal(podPhase(p, { sandboxReady: true, initContainers: [side(false)], containers: [] }), 'Pending', 'not started yet');
  const rs = { sandboxReady: true, initContainers: [side(true)], containers: [cs({ running: {} }, { ready: true, started: true })] };
  assert.equal(podPhase(p, rs), 'Running');
  const st = computePodStatus(p, rs, { hostIP: 'h', podIP: '10.42.0.3', now: 0 });
  assert.equal(st.conditions?.find((c) => c.type === 'Initialized')?.status, 'True');
  assert.ok('running' in st.initContainerStatuses![0]!.state);
  assert.equal(podPhase(p, { ...rs, containers: [cs({ terminated: { exitCode: 0 } })] }), 'Succeeded', 'the app finished; the sidecar does not hold the pod');
});
