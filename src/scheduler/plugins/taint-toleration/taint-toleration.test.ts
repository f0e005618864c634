// Table-driven tests of taint-toleration, asserting upstream's behaviour and reason strings.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { filterAll, makeNode, makePod, nodeInfo, scoreAll } from '../../framework/testing.js';
import type { Taint, Toleration } from '../../framework/types.js';
import { newTaintToleration } from './taint-toleration.js';

const node = (taints: Taint[]) => nodeInfo(makeNode('n', { taints }));
const pod = (tolerations: Toleration[] = []) => makePod('p', { tolerations });

test('TaintToleration Filter', async (t) => {
  const cases: { name: string; taints: Taint[]; tols?: Toleration[]; want: string }[] = [
    { name: 'a node without taints fits', taints: [], want: '' },
    { name: 'NoSchedule without toleration is rejected with upstream text', taints: [{ key: 'dedicated', value: 'infra', effect: 'NoSchedule' }], want: 'UnschedulableAndUnresolvable: node(s) had untolerated taint {dedicated: infra}' },
    { name: 'NoExecute without toleration is rejected', taints: [{ key: 'k', effect: 'NoExecute' }], want: 'UnschedulableAndUnresolvable: node(s) had untolerated taint {k: }' },
    { name: 'PreferNoSchedule never filters', taints: [{ key: 'k', value: 'v', effect: 'PreferNoSchedule' }], want: '' },
    { name: 'Equal toleration with the same value tolerates', taints: [{ key: 'k', value: 'v', effect: 'NoSchedule' }], tols: [{ key: 'k', operator: 'Equal', value: 'v', effect: 'NoSchedule' }], want: '' },
    { name: 'Equal toleration with another value does not', taints: [{ key: 'k', value: 'v', effect: 'NoSchedule' }], tols: [{ key: 'k', operator: 'Equal', value: 'w' }], want: 'UnschedulableAndUnresolvable: node(s) had untolerated taint {k: v}' },
    { name: 'Exists toleration of the key tolerates any value', taints: [{ key: 'k', value: 'v', effect: 'NoExecute' }], tols: [{ key: 'k', operator: 'Exists' }], want: '' },
    { name: 'empty key with Exists tolerates everything', taints: [{ key: 'a', effect: 'NoSchedule' }, { key: 'b', effect: 'NoExecute' }], tols: [{ operator: 'Exists' }], want: '' },
    { name: 'effect must match when set', taints: [{ key: 'k', effect: 'NoExecute' }], tols: [{ key: 'k', operator: 'Exists', effect: 'NoSchedule' }], want: 'UnschedulableAndUnresolvable: node(s) had untolerated taint {k: }' },
    { name: 'tolerationSeconds still tolerates at scheduling time', taints: [{ key: 'k', effect: 'NoExecute' }], tols: [{ key: 'k', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 30 }], want: '' },
  ];
  for (const c of cases) await t.test(c.name, () => assert.deepEqual(filterAll(newTaintToleration(), pod(c.tols), [node(c.taints)]), [c.want]));
});

test('TaintToleration Score prefers fewer untolerated PreferNoSchedule taints', () => {
  const nodes = [node([]), node([{ key: 'a', effect: 'PreferNoSchedule' }]), node([{ key: 'a', effect: 'PreferNoSchedule' }, { key: 'b', effect: 'PreferNoSchedule' }])];
  assert.deepEqual(scoreAll(newTaintToleration(), pod(), nodes), [100, 50, 0]);
  assert.deepEqual(scoreAll(newTaintToleration(), pod([{ key: 'a', operator: 'Exists', effect: 'PreferNoSchedule' }]), nodes), [100, 100, 0]);
});
