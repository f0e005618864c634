// Pod status as the kubelet writes it: phase rules, condition reasons, IPs, and sameStatus (no write loops).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { computePodStatus, podPhase } from './pod-status.js';
import { readinessGateChanged, sameStatus, statusOnlyUpdate } from './pod-syncer.js';
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
  const appDone = { ...rs, containers: [cs({ terminated: { exitCode: 0 } })] };
  assert.equal(podPhase(p, appDone), 'Running', 'the app finished; the running sidecar keeps the pod Running until the runtime stops it (upstream getPhase)');
  const sideStopped = { ...appDone, initContainers: [{ ...cs({ terminated: { exitCode: 143 } }), name: 'side' }] };
  assert.equal(podPhase(p, sideStopped), 'Succeeded', 'a terminated sidecar is ignored: the phase comes from the app containers');
  assert.equal(podPhase(p, { ...sideStopped, containers: [cs({ terminated: { exitCode: 2 } })] }), 'Failed');
  const done = computePodStatus(p, sideStopped, { hostIP: 'h', now: 0 });
  assert.equal(done.conditions?.find((c) => c.type === 'Initialized')?.status, 'True', 'initialized once a regular container ran');
});

test('a sidecar restarting after the app started keeps the pod Running; before, it keeps it Pending', () => {
  const p: Pod = { metadata: { name: 'p', namespace: 'default', uid: 'u' }, spec: { restartPolicy: 'Always', initContainers: [{ name: 'side', image: 'x', restartPolicy: 'Always' }, { name: 'init', image: 'x' }], containers: [{ name: 'a', image: 'x' }] } };
  const restarting = { ...cs({ running: {} }, { started: false, restartCount: 1 }), name: 'side' };
  const initOk = { ...cs({ terminated: { exitCode: 0 } }), name: 'init' };
  assert.equal(podPhase(p, { sandboxReady: true, initContainers: [restarting, initOk], containers: [cs({ running: {} })] }), 'Running');
  assert.equal(podPhase(p, { sandboxReady: true, initContainers: [restarting], containers: [] }), 'Pending');
  const failingInit = { ...cs({ terminated: { exitCode: 1 } }), name: 'init' };
  assert.equal(podPhase({ ...p, spec: { ...p.spec, restartPolicy: 'Never' } }, { sandboxReady: true, initContainers: [{ ...restarting, started: true }, failingInit], containers: [] }), 'Failed');
});

test('a status-only update (the echo of our own PATCH) does not resync the pod; spec, labels and deletion do', () => {
  const a = pod();
  assert.ok(statusOnlyUpdate(a, { ...a, status: { phase: 'Running' } }));
  assert.ok(!statusOnlyUpdate(a, { ...a, metadata: { ...a.metadata, deletionTimestamp: '2026-01-01T00:00:00Z' } }));
  assert.ok(!statusOnlyUpdate(a, { ...a, metadata: { ...a.metadata, labels: { x: 'y' } } }));
  assert.ok(!statusOnlyUpdate(a, { ...a, spec: { ...a.spec, activeDeadlineSeconds: 5 } as Pod['spec'] }));
});

test('conditions the kubelet does not own (DisruptionTarget, readiness gates) are kept; readiness gates hold Ready back with upstream messages', () => {
  const running = { sandboxReady: true, initContainers: [], containers: [cs({ running: {} }, { ready: true })] };
  const p = pod();
  p.spec.readinessGates = [{ conditionType: 'example.com/lb' }];
  p.status = { conditions: [{ type: 'DisruptionTarget', status: 'True', reason: 'EvictionByEvictionAPI', lastProbeTime: null, lastTransitionTime: '2026-01-01T00:00:00Z' }] };
  let st = computePodStatus(p, running, { hostIP: 'h', now: 0 });
  assert.equal(st.conditions?.find((c) => c.type === 'DisruptionTarget')?.reason, 'EvictionByEvictionAPI');
  let ready = st.conditions?.find((c) => c.type === 'Ready');
  assert.equal(ready?.status, 'False');
  assert.equal(ready?.reason, 'ReadinessGatesNotReady');
  assert.equal(ready?.message, 'corresponding condition of pod readiness gate "example.com/lb" does not exist.');
  assert.equal(st.conditions?.find((c) => c.type === 'ContainersReady')?.status, 'True');
  p.status = { conditions: [...st.conditions!, { type: 'example.com/lb', status: 'False', lastProbeTime: null, lastTransitionTime: '2026-01-01T00:00:00Z' }] };
  st = computePodStatus(p, running, { hostIP: 'h', now: 0 });
  assert.equal(st.conditions?.find((c) => c.type === 'Ready')?.message, 'the status of pod readiness gate "example.com/lb" is not "True", but False');
  p.status = { conditions: st.conditions!.map((c) => (c.type === 'example.com/lb' ? { ...c, status: 'True' } : c)) };
  st = computePodStatus(p, running, { hostIP: 'h', now: 0 });
  ready = st.conditions?.find((c) => c.type === 'Ready');
  assert.equal(ready?.status, 'True');
  assert.equal(st.conditions?.filter((c) => c.type === 'example.com/lb').length, 1);
});

test('a status-only update that flips a readiness-gate condition does resync the pod', () => {
  const a = pod();
  a.spec.readinessGates = [{ conditionType: 'example.com/lb' }];
  a.status = { conditions: [] };
  const b: Pod = { ...a, status: { conditions: [{ type: 'example.com/lb', status: 'True', lastProbeTime: null, lastTransitionTime: 'x' }] } };
  assert.ok(statusOnlyUpdate(a, b));
  assert.ok(readinessGateChanged(a, b));
  assert.ok(!readinessGateChanged(b, b));
});
