// Table-driven tests of node-unschedulable, asserting upstream's behaviour and reason strings.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { filterAll, makeNode, makePod, nodeInfo } from '../../framework/testing.js';
import type { Toleration } from '../../framework/types.js';
import { newNodeUnschedulable } from './node-unschedulable.js';

test('NodeUnschedulable Filter', async (t) => {
  const cases: { name: string; cordoned: boolean; tols?: Toleration[]; want: string }[] = [
    { name: 'a schedulable node fits', cordoned: false, want: '' },
    { name: 'a cordoned node is rejected', cordoned: true, want: 'UnschedulableAndUnresolvable: node(s) were unschedulable' },
    { name: 'tolerating node.kubernetes.io/unschedulable fits a cordoned node', cordoned: true, tols: [{ key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' }], want: '' },
  ];
  for (const c of cases) await t.test(c.name, () => assert.deepEqual(filterAll(newNodeUnschedulable(), makePod('p', { tolerations: c.tols }), [nodeInfo(makeNode('n', { unschedulable: c.cordoned }))]), [c.want]));
});
