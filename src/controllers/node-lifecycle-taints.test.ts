// The node lifecycle rules: condition taints, NoExecute keys, zone states and rates, toleration decisions.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { desiredNoExecuteKey, evictionDelay, reconcileTaints, zoneEvictionQps, zoneState } from './node-lifecycle-taints.js';
import type { NodeObj } from './node-lifecycle-types.js';

const node = (conds: Record<string, 'True' | 'False' | 'Unknown'>, extra: Partial<NodeObj['spec']> = {}): NodeObj => ({
  metadata: { name: 'n' },
  spec: { ...extra },
  status: { conditions: Object.entries(conds).map(([type, status]) => ({ type, status })) },
});

test('an unreachable node gets unreachable NoSchedule and (when allowed) NoExecute taints', () => {
  const n = node({ Ready: 'Unknown' });
  assert.equal(desiredNoExecuteKey(n), 'node.kubernetes.io/unreachable');
  const t = reconcileTaints(n, desiredNoExecuteKey(n), '2026-01-01T00:00:00Z');
  assert.deepEqual(t, [
    { key: 'node.kubernetes.io/unreachable', effect: 'NoSchedule' },
    { key: 'node.kubernetes.io/unreachable', effect: 'NoExecute', timeAdded: '2026-01-01T00:00:00Z' },
  ]);
});

test('pressure conditions and spec.unschedulable become NoSchedule taints; foreign taints stay', () => {
  const n = node({ Ready: 'True', MemoryPressure: 'True', DiskPressure: 'True', PIDPressure: 'False' }, { unschedulable: true, taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }] });
  const keys = reconcileTaints(n, undefined, 'now')?.map((t) => `${t.key}:${t.effect}`);
  assert.deepEqual(keys, ['dedicated:NoSchedule', 'node.kubernetes.io/memory-pressure:NoSchedule', 'node.kubernetes.io/disk-pressure:NoSchedule', 'node.kubernetes.io/unschedulable:NoSchedule']);
});

test('a recovered node loses the managed taints, and an unchanged node needs no write', () => {
  const tainted = node({ Ready: 'True' }, { taints: [{ key: 'node.kubernetes.io/unreachable', effect: 'NoExecute' }, { key: 'node.kubernetes.io/unreachable', effect: 'NoSchedule' }] });
  assert.deepEqual(reconcileTaints(tainted, undefined, 'now'), []);
  assert.equal(reconcileTaints(node({ Ready: 'True' }), undefined, 'now'), undefined);
});

test('zone states and eviction rates follow upstream', () => {
  assert.equal(zoneState(3, 0), 'Normal');
  assert.equal(zoneState(2, 1), 'Normal');
  assert.equal(zoneState(2, 3), 'PartialDisruption');
  assert.equal(zoneState(0, 5), 'FullDisruption');
  assert.equal(zoneEvictionQps('Normal', 10), 0.1);
  assert.equal(zoneEvictionQps('PartialDisruption', 10), 0);
  assert.equal(zoneEvictionQps('PartialDisruption', 100), 0.01);
});

test('eviction: untolerated now, tolerated for the smallest tolerationSeconds, or forever', () => {
  const taints = [{ key: 'node.kubernetes.io/unreachable', effect: 'NoExecute' as const }];
  assert.equal(evictionDelay([], taints), 'now');
  assert.equal(evictionDelay([{ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 2 }], taints), 2);
  assert.equal(evictionDelay([{ operator: 'Exists' }], taints), undefined);
  assert.equal(evictionDelay([{ key: 'other', operator: 'Exists' }], taints), 'now');
  assert.equal(evictionDelay([], [{ key: 'x', effect: 'NoSchedule' }]), undefined);
});
