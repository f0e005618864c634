// Table-driven tests of node-name, asserting upstream's behaviour and reason strings.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { filterAll, makeNode, makePod, nodeInfo } from '../../framework/testing.js';
import { newNodeName } from './node-name.js';

test('NodeName Filter', async (t) => {
  const nodes = [nodeInfo(makeNode('a')), nodeInfo(makeNode('b'))];
  await t.test('no nodeName fits every node', () => assert.deepEqual(filterAll(newNodeName(), makePod('p'), nodes), ['', '']));
  await t.test('nodeName fits only that node', () =>
    assert.deepEqual(filterAll(newNodeName(), makePod('p', { nodeName: 'b' }), nodes), ["UnschedulableAndUnresolvable: node(s) didn't match the requested node name", '']));
});
