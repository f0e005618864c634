// Unit tests of the controllers' shared pieces: expectations (fake clock), pod claiming order, slow start, --controllers, Service port resolution, Job policies.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KObject } from '../api/index.js';
import { FakeClock, builtinRegistryForTests } from './test-support.js';
import { Expectations } from './expectations.js';
import { deletionOrder, podFromTemplate, runLimited, slowStartBatch } from './pod-control.js';
import { enabledControllers } from './manager.js';
import { endpointPorts, podConditions, podInEndpoints } from './service-pods.js';
import { backoffMs, formatIndexes, matchFailurePolicy, matchSuccessPolicy, parseIndexes } from './job/policy.js';
import { collectableDefs } from './garbage-collector.js';
import { intOrPercent, isPodAvailable } from './util.js';

test('expectations hold a controller back until its creates and deletes are observed, or expire', () => {
  const clock = new FakeClock(1000);
  const e = new Expectations(clock, 60_000);
  assert.ok(e.satisfied('a'));
  e.expect('a', 2, 1);
  assert.ok(!e.satisfied('a'));
  e.observedAdd('a');
  e.observedAdd('a');
  e.observedDel('a');
  assert.ok(e.satisfied('a'));
  e.expect('b', 1, 0);
  clock.step(61_000);
  assert.ok(e.satisfied('b'));
});

test('pods to delete first: unscheduled, pending, not ready, then newer', () => {
  const p = (name: string, node: string | undefined, phase: string, ready: boolean, created: string): KObject => ({
    metadata: { name, creationTimestamp: created },
    spec: node ? { nodeName: node } : {},
    status: { phase, conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] },
  });
  const pods = [p('old-ready', 'n', 'Running', true, '2024-01-01T00:00:00Z'), p('new-ready', 'n', 'Running', true, '2024-01-02T00:00:00Z'), p('unready', 'n', 'Running', false, '2024-01-01T00:00:00Z'), p('pending', 'n', 'Pending', false, '2024-01-01T00:00:00Z'), p('unscheduled', undefined, 'Pending', false, '2024-01-01T00:00:00Z')];
  assert.deepEqual(pods.sort(deletionOrder).map((x) => x.metadata.name), ['unscheduled', 'pending', 'unready', 'new-ready', 'old-ready']);
});

test('slow start creates in batches of 1, 2, 4 … and stops at the first failing batch', async () => {
  let n = 0;
  const r = await slowStartBatch(10, 1, async () => {
    n++;
    if (n > 4) throw new Error('quota');
  });
  assert.equal(n, 7); // 1 + 2 + 4: the third batch fails
  assert.equal(r.ok, 4);
  const ok = await slowStartBatch(5, 1, async () => undefined);
  assert.equal(ok.ok, 5);
});

test('a slow-start batch keeps at most `limit` calls in flight, and starts none after a failure', async () => {
  let inFlight = 0;
  let peak = 0;
  const r = await slowStartBatch(300, 1, async () => {
    peak = Math.max(peak, ++inFlight);
    await new Promise((res) => setImmediate(res));
    inFlight--;
  }, 8);
  assert.equal(r.ok, 300);
  assert.equal(peak, 8);
  let calls = 0;
  const results = await runLimited([1, 2, 3, 4, 5, 6], 2, async (x) => {
    calls++;
    await new Promise((res) => setImmediate(res));
    if (x === 1) throw new Error('no');
    return x;
  });
  assert.equal(calls, 2, 'the two in flight finish; nothing new starts');
  assert.deepEqual(results.map((x) => x?.status), ['rejected', 'fulfilled', undefined, undefined, undefined, undefined]);
});

test('a pod from a template carries labels, annotations and a controller owner reference', () => {
  const ref = { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'rs', uid: 'u', controller: true, blockOwnerDeletion: true };
  const pod = podFromTemplate({ metadata: { labels: { a: 'b' }, annotations: { x: 'y' } }, spec: { containers: [] } }, 'ns', ref, { generateName: 'rs-' });
  assert.deepEqual(pod.metadata, { generateName: 'rs-', namespace: 'ns', labels: { a: 'b' }, annotations: { x: 'y' }, ownerReferences: [ref] });
});

test('--controllers follows upstream: *, name, -name', () => {
  assert.ok(enabledControllers(['*']).includes('job'));
  assert.ok(!enabledControllers(['*', '-job']).includes('job'));
  assert.deepEqual(enabledControllers(['deployment', 'replicaset']).sort(), ['deployment', 'replicaset']);
});

test('Service ports resolve named target ports per pod; conditions follow readiness and termination', () => {
  const svc: KObject = { metadata: { name: 's' }, spec: { ports: [{ name: 'web', port: 80, targetPort: 'http' }, { port: 81, targetPort: 9090 }] } };
  const pod: KObject = { metadata: { name: 'p' }, spec: { containers: [{ ports: [{ name: 'http', containerPort: 8080 }] }] }, status: { phase: 'Running', podIP: '10.0.0.1', conditions: [{ type: 'Ready', status: 'True' }] } };
  assert.deepEqual(endpointPorts(pod, svc), [{ name: 'web', protocol: 'TCP', port: 8080 }, { name: '', protocol: 'TCP', port: 9090 }]);
  assert.deepEqual(podConditions(pod, svc), { ready: true, serving: true, terminating: false });
  const term = { ...pod, metadata: { ...pod.metadata, deletionTimestamp: '2024-01-01T00:00:00Z' } };
  assert.deepEqual(podConditions(term, svc), { ready: false, serving: true, terminating: true });
  assert.ok(podInEndpoints(term, true) && !podInEndpoints(term, false));
  assert.ok(!podInEndpoints({ ...pod, status: { phase: 'Succeeded', podIP: '10.0.0.1' } }, true));
  const notReady = { ...pod, status: { ...(pod.status as object), conditions: [{ type: 'Ready', status: 'False' }] } };
  assert.equal(podConditions(notReady, { ...svc, spec: { ...(svc.spec as object), publishNotReadyAddresses: true } }).ready, true);
});

test('Job helpers: index ranges, failure policy, success policy, backoff', () => {
  assert.equal(formatIndexes([4, 0, 1, 2, 7, 8]), '0-2,4,7,8'); // upstream writes a pair as "7,8"
  assert.deepEqual(parseIndexes('0-2,5'), [0, 1, 2, 5]);
  const job: KObject = {
    metadata: {},
    spec: {
      podFailurePolicy: { rules: [{ action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget' }] }, { action: 'FailJob', onExitCodes: { containerName: 'main', operator: 'In', values: [42] } }] },
      successPolicy: { rules: [{ succeededIndexes: '0-1' }, { succeededCount: 3 }] },
    },
  };
  const failed = (code: number, conds: unknown[] = []): KObject => ({ metadata: { name: 'p', namespace: 'n' }, status: { phase: 'Failed', conditions: conds, containerStatuses: [{ name: 'main', state: { terminated: { exitCode: code } } }] } });
  assert.deepEqual(matchFailurePolicy(job, failed(42)), { action: 'FailJob', message: 'Container main for pod n/p failed with exit code 42 matching FailJob rule at index 1' });
  assert.equal(matchFailurePolicy(job, failed(1, [{ type: 'DisruptionTarget', status: 'True' }]))?.action, 'Ignore');
  assert.equal(matchFailurePolicy(job, failed(1)), undefined);
  assert.equal(matchSuccessPolicy(job, new Set([0, 1])), 0);
  assert.equal(matchSuccessPolicy(job, new Set([2, 3, 4])), 1);
  assert.equal(matchSuccessPolicy(job, new Set([1])), undefined);
  assert.deepEqual([1, 2, 3, 10].map(backoffMs), [10_000, 20_000, 40_000, 360_000]);
});

test('the collector watches each deletable resource once, events excluded', () => {
  const defs = collectableDefs(builtinRegistryForTests().defs);
  const ids = defs.map((d) => `${d.group}/${d.resource}`);
  assert.equal(new Set(ids).size, ids.length);
  assert.ok(ids.includes('/pods') && ids.includes('apps/replicasets') && !ids.includes('/events'));
});

test('availability waits minReadySeconds after the Ready transition', () => {
  const pod: KObject = { metadata: {}, status: { conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: '2024-01-01T00:00:00Z' }] } };
  const t0 = Date.parse('2024-01-01T00:00:00Z');
  assert.ok(!isPodAvailable(pod, 5, t0 + 4000));
  assert.ok(isPodAvailable(pod, 5, t0 + 5000));
  assert.equal(intOrPercent('25%', 10, true, 0), 3);
  assert.equal(intOrPercent('25%', 10, false, 0), 2);
});

test('Endpoints mirroring: one slice per address type and port set, not-ready addresses not ready, non-IPs skipped', async () => {
  const { mirroredGroups } = await import('./endpointslice-mirroring.js');
  const ep: KObject = {
    metadata: { name: 'ext' },
    subsets: [
      { addresses: [{ ip: '10.0.0.1', hostname: 'a' }, { ip: 'fd00::1' }, { ip: 'not-an-ip' }], notReadyAddresses: [{ ip: '10.0.0.2' }], ports: [{ name: 'http', port: 80 }] },
      { addresses: [{ ip: '10.0.0.3' }], ports: [{ name: 'dns', port: 53, protocol: 'UDP' }] },
    ],
  } as KObject;
  const g = mirroredGroups(ep);
  assert.deepEqual(
    g.map((x) => [x.addressType, x.ports.map((p) => `${p.name}/${p.port}/${p.protocol}`).join(), x.endpoints.map((e) => `${e.addresses[0]}:${e.conditions.ready}`).join()]),
    [
      ['IPv4', 'http/80/TCP', '10.0.0.1:true,10.0.0.2:false'],
      ['IPv6', 'http/80/TCP', 'fd00::1:true'],
      ['IPv4', 'dns/53/UDP', '10.0.0.3:true'],
    ],
  );
  assert.equal(g[0]?.endpoints[0]?.hostname, 'a');
});
