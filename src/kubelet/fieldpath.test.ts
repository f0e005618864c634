// The downward API's field resolution shared by env, downwardAPI volumes and subPathExpr.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FieldPathError, containerResourceValue, formatMap, podFieldValue, resourceContainer } from './fieldpath.js';
import type { Pod } from './types.js';

const pod = {
  metadata: { name: 'p', namespace: 'ns', uid: 'u1', labels: { app: 'web', tier: 'front' }, annotations: { note: 'a"b' } },
  spec: { nodeName: 'n1', serviceAccountName: 'sa', containers: [{ name: 'c' }] },
  status: { podIP: '10.42.0.5', podIPs: [{ ip: '10.42.0.5' }, { ip: 'fd00::5' }], hostIP: '192.0.2.1', hostIPs: [{ ip: '192.0.2.1' }] },
} as unknown as Pod;

test('metadata fields, subscripted labels and annotations, whole maps in FormatMap form', () => {
  assert.equal(podFieldValue(pod, 'metadata.name'), 'p');
  assert.equal(podFieldValue(pod, 'metadata.namespace'), 'ns');
  assert.equal(podFieldValue(pod, 'metadata.uid'), 'u1');
  assert.equal(podFieldValue(pod, "metadata.labels['app']"), 'web');
  assert.equal(podFieldValue(pod, "metadata.labels['absent']"), '');
  assert.equal(podFieldValue(pod, "metadata.annotations['note']"), 'a"b');
  assert.equal(podFieldValue(pod, 'metadata.labels'), 'app="web"\ntier="front"');
  assert.equal(podFieldValue(pod, 'metadata.annotations'), 'note="a\\"b"');
  assert.equal(formatMap(undefined), '');
});

test('spec and status fields: from the pod, or from what the kubelet knows (env before status is written)', () => {
  assert.equal(podFieldValue(pod, 'spec.nodeName'), 'n1');
  assert.equal(podFieldValue(pod, 'spec.serviceAccountName'), 'sa');
  assert.equal(podFieldValue(pod, 'status.podIP'), '10.42.0.5');
  assert.equal(podFieldValue(pod, 'status.podIPs'), '10.42.0.5,fd00::5');
  assert.equal(podFieldValue(pod, 'status.hostIPs'), '192.0.2.1');
  assert.equal(podFieldValue(pod, 'status.podIP', { podIPs: ['10.42.0.9'] }), '10.42.0.9');
  assert.equal(podFieldValue(pod, 'status.hostIP', { hostIPs: ['198.51.100.1'] }), '198.51.100.1');
  const bare = { metadata: { name: 'x' }, spec: { containers: [] } } as unknown as Pod;
  assert.equal(podFieldValue(bare, 'status.podIP'), '');
  assert.throws(() => podFieldValue(pod, 'spec.hostname'), (e: Error) => e instanceof FieldPathError && e.message === 'unsupported fieldPath: spec.hostname');
  assert.throws(() => podFieldValue(pod, "metadata.name['x']"), FieldPathError);
});

test('resourceFieldRef: ceil(value / divisor), node allocatable for a missing limit, the limit for a missing request', () => {
  const c = { name: 'c', resources: { limits: { cpu: '500m', memory: '64Mi' }, requests: { cpu: '250m' } } };
  const node = { cpu: '4', memory: '8Gi' };
  assert.equal(containerResourceValue(c, { resource: 'limits.memory', divisor: '1Mi' }, node), '64');
  assert.equal(containerResourceValue(c, { resource: 'requests.cpu', divisor: '1m' }, node), '250');
  assert.equal(containerResourceValue(c, { resource: 'requests.cpu' }, node), '1');
  assert.equal(containerResourceValue(c, { resource: 'limits.cpu' }, node), '1');
  assert.equal(containerResourceValue(c, { resource: 'requests.memory' }, node), String(64 * 1024 * 1024));
  const none = { name: 'n' };
  assert.equal(containerResourceValue(none, { resource: 'limits.cpu' }, node), '4');
  assert.equal(containerResourceValue(none, { resource: 'limits.memory', divisor: '1Gi' }, node), '8');
  assert.equal(containerResourceValue(none, { resource: 'requests.cpu' }, node), '0');
  assert.throws(() => containerResourceValue(c, { resource: 'limits.gpu' }, node), /unsupported container resource : limits.gpu/);
  assert.throws(() => containerResourceValue(undefined, { containerName: 'x', resource: 'limits.cpu' }, node), /container x not found/);
  const spec = { containers: [c], initContainers: [none] };
  assert.equal(resourceContainer(spec, { containerName: 'n', resource: 'limits.cpu' }, c), none);
  assert.equal(resourceContainer(spec, { resource: 'limits.cpu' }, c), c);
});
