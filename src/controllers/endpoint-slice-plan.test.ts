// EndpointSlice placement: one pod's change rewrites one slice, new endpoints fill slices with room, emptied
// slices go, and a Service without endpoints keeps one empty placeholder slice.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { planSlices, type EndpointGroup, type ExistingSlice, type SliceEndpoint } from './endpoint-slice-plan.js';

const ep = (i: number, ready = true): SliceEndpoint => ({
  addresses: [`10.42.${Math.floor(i / 250)}.${(i % 250) + 1}`],
  conditions: { ready, serving: ready, terminating: false },
  targetRef: { kind: 'Pod', namespace: 'n', name: `p-${String(i).padStart(4, '0')}`, uid: `u${i}` },
});
const ports = [{ name: 'http', protocol: 'TCP', port: 80 }];
const group = (eps: SliceEndpoint[]): EndpointGroup => ({ addressType: 'IPv4', ports, endpoints: eps });
const range = (a: number, b: number) => Array.from({ length: b - a }, (_x, i) => ep(a + i));
const slice = (name: string, eps: SliceEndpoint[], p: unknown = ports): ExistingSlice => ({ metadata: { name, uid: name }, addressType: 'IPv4', ports: p, endpoints: eps });
const ok = () => true;

test('a new Service gets slices of at most 100 endpoints', () => {
  const plan = planSlices([group(range(0, 250))], [], ok, 'IPv4', 100);
  assert.deepEqual(plan.create.map((c) => c.endpoints.length), [100, 100, 50]);
  assert.equal(plan.update.length + plan.delete.length, 0);
});

test('an endpoint added in the middle of the name order goes into the slice with room; nothing else is rewritten', () => {
  const existing = [slice('a', range(0, 100)), slice('b', range(100, 200)), slice('c', range(200, 250))];
  const plan = planSlices([group([...range(0, 250), ep(1000)].sort((x, y) => x.targetRef.name.localeCompare(y.targetRef.name)))], existing, ok, 'IPv4', 100);
  assert.deepEqual(plan.update.map((u) => [u.slice.metadata.name, u.endpoints.length]), [['c', 51]]);
  assert.equal(plan.create.length + plan.delete.length, 0);
});

test('one pod turning not-ready rewrites only its slice; unchanged slices are left alone', () => {
  const existing = [slice('a', range(0, 100)), slice('b', range(100, 200))];
  const eps = range(0, 200);
  eps[150] = ep(150, false);
  const plan = planSlices([group(eps)], existing, ok, 'IPv4', 100);
  assert.deepEqual(plan.update.map((u) => u.slice.metadata.name), ['b']);
  assert.equal(plan.update[0]!.endpoints.find((e) => e.targetRef.uid === 'u150')?.conditions.ready, false);
});

test('removed endpoints leave their slice (emptied slices are deleted); new ones fill slices being rewritten first', () => {
  const existing = [slice('a', range(0, 100)), slice('b', range(100, 110)), slice('c', range(110, 120))];
  const plan = planSlices([group([...range(0, 90), ...range(110, 120), ep(500)])], existing, ok, 'IPv4', 100);
  assert.deepEqual(plan.update.map((u) => [u.slice.metadata.name, u.endpoints.length]), [['a', 91]]);
  assert.deepEqual(plan.delete.map((s) => s.metadata.name), ['b']);
  assert.equal(plan.create.length, 0);
});

test('no endpoints: one empty placeholder slice stays, the others go; changed ports reuse a slice', () => {
  const existing = [slice('a', range(0, 100)), slice('b', range(100, 150))];
  const empty = planSlices([], existing.map((s) => ({ ...s, ports: null })), ok, 'IPv4', 100);
  assert.deepEqual(empty.update.map((u) => [u.slice.metadata.name, u.endpoints.length, u.ports]), [['a', 0, null]]);
  assert.deepEqual(empty.delete.map((s) => s.metadata.name), ['b']);
  const none = planSlices([], [], ok, 'IPv6', 100);
  assert.deepEqual(none.create, [{ addressType: 'IPv6', ports: null, endpoints: [] }]);
  const moved = planSlices([group(range(0, 10))], [slice('old', range(0, 10), [{ name: 'http', protocol: 'TCP', port: 8080 }])], ok, 'IPv4', 100);
  assert.deepEqual(moved.update.map((u) => [u.slice.metadata.name, u.ports]), [['old', ports]]);
  assert.equal(moved.create.length + moved.delete.length, 0);
});

test('slices whose labels are out of date are rewritten', () => {
  const existing = [slice('a', range(0, 100)), slice('b', range(100, 150))];
  const plan = planSlices([group(range(0, 150))], existing, (s) => s.metadata.name !== 'b', 'IPv4', 100);
  assert.deepEqual(plan.update.map((u) => u.slice.metadata.name), ['b']);
});
