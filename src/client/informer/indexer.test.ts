// The Indexer: keys, the built-in namespace index, custom indexes (node name, owner uid), updates that move objects between index values.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KObject } from '../../api/index.js';
import { byNodeName, byOwnerUid, Indexer, NAMESPACE_INDEX, objectKey, splitKey } from './indexer.js';

const pod = (ns: string, name: string, node?: string, owner?: string): KObject => ({
  metadata: { namespace: ns, name, ...(owner ? { ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'rs', uid: owner }] } : {}) },
  spec: node ? { nodeName: node } : {},
});

const keys = [
  { name: 'a namespaced object keys as ns/name', obj: pod('default', 'a'), key: 'default/a' },
  { name: 'a cluster-scoped object keys as its name', obj: { metadata: { name: 'n1' } }, key: 'n1' },
];
for (const c of keys) {
  test(c.name, () => {
    assert.equal(objectKey(c.obj), c.key);
    assert.deepEqual(splitKey(c.key), { namespace: c.obj.metadata.namespace ?? '', name: c.obj.metadata.name });
  });
}

test('objects are found by key, by namespace and by custom indexes', () => {
  const ix = new Indexer({ node: byNodeName, owner: byOwnerUid });
  ix.upsert(pod('a', 'p1', 'n1', 'u1'));
  ix.upsert(pod('a', 'p2', 'n2', 'u1'));
  ix.upsert(pod('b', 'p3', 'n1'));
  ix.upsert(pod('b', 'p4'));
  assert.equal(ix.size, 4);
  assert.equal(ix.getByName('a', 'p2')?.metadata.name, 'p2');
  const names = (objs: KObject[]) => objs.map((o) => o.metadata.name).sort();
  assert.deepEqual(names(ix.byIndex(NAMESPACE_INDEX, 'b')), ['p3', 'p4']);
  assert.deepEqual(names(ix.byIndex('node', 'n1')), ['p1', 'p3']);
  assert.deepEqual(names(ix.byIndex('owner', 'u1')), ['p1', 'p2']);
  assert.deepEqual(ix.indexValues('node').sort(), ['n1', 'n2'], 'unscheduled pods are not indexed');
});

test('an update moves the object between index values; a remove unfiles it', () => {
  const ix = new Indexer({ node: byNodeName });
  ix.upsert(pod('a', 'p1'));
  assert.deepEqual(ix.byIndex('node', 'n1'), []);
  const old = ix.upsert(pod('a', 'p1', 'n1'));
  assert.equal(old?.metadata.name, 'p1');
  assert.deepEqual(ix.indexKeys('node', 'n1'), ['a/p1']);
  ix.upsert(pod('a', 'p1', 'n2'));
  assert.deepEqual(ix.indexKeys('node', 'n1'), []);
  assert.deepEqual(ix.indexValues('node'), ['n2']);
  ix.remove('a/p1');
  assert.deepEqual(ix.indexValues('node'), []);
  assert.equal(ix.size, 0);
});

test('an index added later covers objects already stored; redefining a name is refused', () => {
  const ix = new Indexer();
  ix.upsert(pod('a', 'p1', 'n1'));
  ix.addIndexers({ node: byNodeName });
  assert.deepEqual(ix.indexKeys('node', 'n1'), ['a/p1']);
  ix.addIndexers({ node: byNodeName });
  assert.throws(() => ix.addIndexers({ node: () => [] }), /already exists/);
  assert.throws(() => ix.byIndex('nope', 'x'), /no index/);
});
