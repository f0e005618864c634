// Table-driven tests of node-resources-balanced-allocation, asserting upstream's behaviour and reason strings.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeNode, makePod, nodeInfo, scoreAll } from '../../framework/testing.js';
import { newBalancedAllocation } from './node-resources-balanced-allocation.js';

test('NodeResourcesBalancedAllocation prefers nodes where cpu and memory fractions stay equal', () => {
  const pod = makePod('p', { containers: [{ name: 'a', resources: { requests: { cpu: '1', memory: '1Gi' } } }] });
  const balanced = nodeInfo(makeNode('b', { cpu: '4', memory: '4Gi' }));
  const skewed = nodeInfo(makeNode('s', { cpu: '2', memory: '8Gi' }));
  // balanced: 0.25/0.25 → 100; skewed: 0.5/0.125 → 1 − 0.1875 → 81
  assert.deepEqual(scoreAll(newBalancedAllocation(), pod, [balanced, skewed]), [100, 81]);
});
