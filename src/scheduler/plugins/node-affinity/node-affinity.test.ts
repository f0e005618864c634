// Table-driven tests of node-affinity, asserting upstream's behaviour and reason strings.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CycleState } from '../../framework/interface.js';
import { filterAll, makeNode, makePod, nodeInfo, scoreAll } from '../../framework/testing.js';
import type { NodeSelectorRequirement, PodSpec } from '../../framework/types.js';
import { newNodeAffinity } from './node-affinity.js';

const REJECT = "UnschedulableAndUnresolvable: node(s) didn't match Pod's node affinity/selector";
const node = nodeInfo(makeNode('n1', { labels: { zone: 'a', gpus: '4', disk: 'ssd' } }));
const required = (...exprs: NodeSelectorRequirement[]): PodSpec => ({ affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: exprs }] } } } });

test('NodeAffinity Filter: nodeSelector and every operator', async (t) => {
  const cases: { name: string; spec: PodSpec; want: string }[] = [
    { name: 'no selector fits', spec: {}, want: '' },
    { name: 'nodeSelector match', spec: { nodeSelector: { zone: 'a' } }, want: '' },
    { name: 'nodeSelector mismatch', spec: { nodeSelector: { zone: 'b' } }, want: REJECT },
    { name: 'In', spec: required({ key: 'zone', operator: 'In', values: ['a', 'b'] }), want: '' },
    { name: 'In without the value', spec: required({ key: 'zone', operator: 'In', values: ['c'] }), want: REJECT },
    { name: 'NotIn', spec: required({ key: 'zone', operator: 'NotIn', values: ['a'] }), want: REJECT },
    { name: 'NotIn on a missing label matches', spec: required({ key: 'rack', operator: 'NotIn', values: ['x'] }), want: '' },
    { name: 'Exists', spec: required({ key: 'disk', operator: 'Exists' }), want: '' },
    { name: 'DoesNotExist', spec: required({ key: 'disk', operator: 'DoesNotExist' }), want: REJECT },
    { name: 'Gt', spec: required({ key: 'gpus', operator: 'Gt', values: ['3'] }), want: '' },
    { name: 'Gt equal is not greater', spec: required({ key: 'gpus', operator: 'Gt', values: ['4'] }), want: REJECT },
    { name: 'Lt', spec: required({ key: 'gpus', operator: 'Lt', values: ['5'] }), want: '' },
    { name: 'Lt with a non-integer label fails', spec: required({ key: 'zone', operator: 'Lt', values: ['5'] }), want: REJECT },
    { name: 'expressions in a term are ANDed', spec: required({ key: 'zone', operator: 'In', values: ['a'] }, { key: 'disk', operator: 'In', values: ['hdd'] }), want: REJECT },
    {
      name: 'terms are ORed',
      spec: { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['z'] }] }, { matchExpressions: [{ key: 'disk', operator: 'Exists' }] }] } } } },
      want: '',
    },
    { name: 'matchFields metadata.name', spec: { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n1'] }] }] } } } }, want: '' },
    { name: 'both nodeSelector and affinity must hold', spec: { nodeSelector: { zone: 'b' }, ...required({ key: 'disk', operator: 'Exists' }) }, want: REJECT },
  ];
  for (const c of cases) await t.test(c.name, () => assert.deepEqual(filterAll(newNodeAffinity(), makePod('p', c.spec), [node]), [c.want]));
});

test('NodeAffinity PreFilter narrows to matchFields node names', () => {
  const pl = newNodeAffinity();
  const spec: PodSpec = { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n2'] }] }] } } } };
  const [res] = pl.preFilter!(new CycleState(), makePod('p', spec), []);
  assert.deepEqual([...(res?.nodeNames ?? [])], ['n2']);
});

test('NodeAffinity addedAffinity (profile args) is enforced with its own reason', () => {
  const pl = newNodeAffinity({ addedAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['b'] }] }] } } });
  assert.deepEqual(filterAll(pl, makePod('p'), [node]), ["UnschedulableAndUnresolvable: node(s) didn't match scheduler-enforced node affinity"]);
});

test('NodeAffinity Score sums matching preferred weights, normalised', () => {
  const nodes = [nodeInfo(makeNode('a', { labels: { zone: 'a' } })), nodeInfo(makeNode('b', { labels: { zone: 'b', ssd: 'y' } })), nodeInfo(makeNode('c'))];
  const spec: PodSpec = {
    affinity: {
      nodeAffinity: {
        preferredDuringSchedulingIgnoredDuringExecution: [
          { weight: 2, preference: { matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] } },
          { weight: 5, preference: { matchExpressions: [{ key: 'ssd', operator: 'Exists' }] } },
        ],
      },
    },
  };
  assert.deepEqual(scoreAll(newNodeAffinity(), makePod('p', spec), nodes), [40, 100, 0]);
});
