// Tests for applyStrategicMergePatch against a small hand-written schema (no shared files needed).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { applyStrategicMergePatch, PatchError, type SchemaNode } from './index.js';

const ref = (name: string): SchemaNode => ({ allOf: [{ $ref: `#/components/schemas/${name}` }] });
const mergeBy = (key: string, item: SchemaNode): SchemaNode => ({
  type: 'array', items: item, 'x-kubernetes-patch-strategy': 'merge', 'x-kubernetes-patch-merge-key': key,
});
const strings: SchemaNode = { type: 'array', items: { type: 'string' } };

const schemas: Record<string, SchemaNode> = {
  Obj: { type: 'object', properties: { metadata: ref('Meta'), spec: ref('Spec') } },
  Meta: {
    type: 'object',
    properties: {
      labels: { type: 'object', additionalProperties: { type: 'string' } },
      finalizers: { ...strings, 'x-kubernetes-patch-strategy': 'merge' },
      ownerReferences: mergeBy('uid', { type: 'object' }),
    },
  },
  Spec: {
    type: 'object',
    properties: {
      items: mergeBy('name', ref('Item')),
      tags: strings,
      strategy: { ...ref('Strategy'), 'x-kubernetes-patch-strategy': 'retainKeys' },
      volumes: { ...mergeBy('name', { type: 'object' }), 'x-kubernetes-patch-strategy': 'merge,retainKeys' },
      selector: { type: 'object', additionalProperties: { type: 'string' }, 'x-kubernetes-patch-strategy': 'replace' },
      grid: { type: 'array', items: strings, 'x-kubernetes-patch-strategy': 'merge' },
      keyless: { type: 'array', items: { type: 'object' }, 'x-kubernetes-patch-strategy': 'merge' },
    },
  },
  Item: {
    type: 'object',
    properties: {
      name: { type: 'string' },
      image: { type: 'string' },
      env: mergeBy('name', { type: 'object' }),
      ports: mergeBy('containerPort', { type: 'object' }),
    },
  },
  Strategy: { type: 'object', properties: { type: { type: 'string' }, rollingUpdate: { type: 'object' } } },
};
const root = schemas.Obj as SchemaNode;
const resolve = (r: string): SchemaNode | undefined => schemas[r.slice('#/components/schemas/'.length)];
const smp = (doc: unknown, patch: unknown): unknown => applyStrategicMergePatch(doc, patch, root, resolve);

const items = (...names: string[]) => names.map((name) => ({ name, image: `${name}:1` }));

describe('applyStrategicMergePatch merges', () => {
  const cases: Array<{ name: string; doc: unknown; patch: unknown; want: unknown }> = [
    {
      name: 'maps merge recursively and null deletes a key',
      doc: { metadata: { labels: { a: '1', b: '2' } } },
      patch: { metadata: { labels: { b: null, c: '3' } } },
      want: { metadata: { labels: { a: '1', c: '3' } } },
    },
    {
      name: 'a merge list updates the element with the same key and keeps the rest',
      doc: { spec: { items: items('a', 'b') } },
      patch: { spec: { items: [{ name: 'b', image: 'b:2' }] } },
      want: { spec: { items: [{ name: 'a', image: 'a:1' }, { name: 'b', image: 'b:2' }] } },
    },
    {
      name: 'a new element without $setElementOrder goes before the elements the patch did not name',
      doc: { spec: { items: items('a', 'b') } },
      patch: { spec: { items: [{ name: 'c', image: 'c:1' }] } },
      want: { spec: { items: items('c', 'a', 'b') } },
    },
    {
      name: '$setElementOrder puts merged elements in the order it lists',
      doc: { spec: { items: items('a', 'b') } },
      patch: { spec: { '$setElementOrder/items': [{ name: 'b' }, { name: 'c' }, { name: 'a' }], items: [{ name: 'c', image: 'c:1' }] } },
      want: { spec: { items: items('b', 'c', 'a') } },
    },
    {
      name: '$setElementOrder alone reorders without changing content',
      doc: { spec: { items: items('a', 'b') } },
      patch: { spec: { '$setElementOrder/items': [{ name: 'b' }, { name: 'a' }] } },
      want: { spec: { items: items('b', 'a') } },
    },
    {
      name: '$setElementOrder orders a merged list of scalars',
      doc: { metadata: { finalizers: ['x', 'y'] } },
      patch: { metadata: { '$setElementOrder/finalizers': ['z', 'y', 'x'], finalizers: ['z'] } },
      want: { metadata: { finalizers: ['z', 'y', 'x'] } },
    },
    {
      name: 'nested merge lists merge by their own keys',
      doc: { spec: { items: [{ name: 'a', env: [{ name: 'A', value: '1' }, { name: 'B', value: '2' }], ports: [{ containerPort: 80 }] }] } },
      patch: { spec: { items: [{ name: 'a', env: [{ name: 'B', value: '3' }], ports: [{ containerPort: 80, name: 'http' }] }] } },
      want: { spec: { items: [{ name: 'a', env: [{ name: 'A', value: '1' }, { name: 'B', value: '3' }], ports: [{ containerPort: 80, name: 'http' }] }] } },
    },
    {
      name: 'a $patch: delete element removes the element with that key',
      doc: { spec: { items: items('a', 'b', 'c') } },
      patch: { spec: { items: [{ name: 'b', $patch: 'delete' }] } },
      want: { spec: { items: items('a', 'c') } },
    },
    {
      name: 'a $patch: replace element makes the other patch elements the list',
      doc: { spec: { items: items('a', 'b') } },
      patch: { spec: { items: [{ $patch: 'replace' }, { name: 'z', image: 'z:1' }] } },
      want: { spec: { items: items('z') } },
    },
    {
      name: '$patch: replace in a map replaces the map',
      doc: { metadata: { labels: { a: '1', b: '2' } } },
      patch: { metadata: { labels: { $patch: 'replace', c: '3' } } },
      want: { metadata: { labels: { c: '3' } } },
    },
    {
      name: '$patch: delete in a map leaves an empty map, as upstream does',
      doc: { spec: { strategy: { type: 'Recreate' } } },
      patch: { spec: { strategy: { $patch: 'delete' } } },
      want: { spec: { strategy: {} } },
    },
    {
      name: 'a list without patch strategy is replaced whole',
      doc: { spec: { tags: ['a', 'b'] } },
      patch: { spec: { tags: ['c'] } },
      want: { spec: { tags: ['c'] } },
    },
    {
      name: 'a merge list of scalars becomes the union, without duplicates',
      doc: { metadata: { finalizers: ['a', 'b'] } },
      patch: { metadata: { finalizers: ['b', 'c'] } },
      want: { metadata: { finalizers: ['a', 'b', 'c'] } },
    },
    {
      name: '$deleteFromPrimitiveList removes scalars from a merge list',
      doc: { metadata: { finalizers: ['a', 'b', 'c'] } },
      patch: { metadata: { '$deleteFromPrimitiveList/finalizers': ['a', 'c'] } },
      want: { metadata: { finalizers: ['b'] } },
    },
    {
      name: '$retainKeys drops the keys it does not list',
      doc: { spec: { strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1 } } } },
      patch: { spec: { strategy: { $retainKeys: ['type'], type: 'Recreate' } } },
      want: { spec: { strategy: { type: 'Recreate' } } },
    },
    {
      name: '$retainKeys works inside merge-list elements',
      doc: { spec: { volumes: [{ name: 'v', emptyDir: {} }] } },
      patch: { spec: { volumes: [{ name: 'v', $retainKeys: ['configMap', 'name'], configMap: { name: 'cm' } }] } },
      want: { spec: { volumes: [{ name: 'v', configMap: { name: 'cm' } }] } },
    },
    {
      name: 'a map with strategy replace is replaced whole',
      doc: { spec: { selector: { a: '1' } } },
      patch: { spec: { selector: { b: '2' } } },
      want: { spec: { selector: { b: '2' } } },
    },
    {
      name: 'fields the schema does not know merge like a JSON merge patch',
      doc: { spec: { extra: { a: 1, list: [1, 2] } } },
      patch: { spec: { extra: { b: 2, list: [3] } } },
      want: { spec: { extra: { a: 1, b: 2, list: [3] } } },
    },
    {
      name: 'a value of another JSON type replaces the old one',
      doc: { spec: { extra: 'text' } },
      patch: { spec: { extra: { a: 1 } } },
      want: { spec: { extra: { a: 1 } } },
    },
    {
      name: 'a new map loses its nulls and directives',
      doc: {},
      patch: { spec: { items: [{ name: 'a', image: null, env: [{ name: 'X', $patch: 'delete' }] }], extra: { k: null } } },
      want: { spec: { items: [{ name: 'a', env: [] }], extra: {} } },
    },
    {
      name: 'an empty patch list leaves a merge list alone',
      doc: { spec: { items: items('a') } },
      patch: { spec: { items: [] } },
      want: { spec: { items: items('a') } },
    },
    {
      name: 'a merge list of maps merges by uid in metadata',
      doc: { metadata: { ownerReferences: [{ uid: '1', name: 'a' }] } },
      patch: { metadata: { ownerReferences: [{ uid: '2', name: 'b' }, { uid: '1', controller: true }] } },
      want: { metadata: { ownerReferences: [{ uid: '2', name: 'b' }, { uid: '1', name: 'a', controller: true }] } },
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const doc = structuredClone(c.doc);
      const patch = structuredClone(c.patch);
      assert.deepEqual(smp(doc, patch), c.want);
      assert.deepEqual(doc, c.doc, 'the document is untouched');
      assert.deepEqual(patch, c.patch, 'the patch is untouched');
    });
  }

  it('the result shares no objects with the document', () => {
    const doc = { spec: { items: items('a') }, metadata: { labels: { a: '1' } } };
    const out = smp(doc, { metadata: { labels: { b: '2' } } }) as typeof doc;
    (out.spec.items[0] as { image: string }).image = 'changed';
    assert.equal(doc.spec.items[0]?.image, 'a:1');
  });
});

describe('applyStrategicMergePatch fails like upstream', () => {
  const cases: Array<{ name: string; doc?: unknown; patch: unknown; code: number; message: string | RegExp }> = [
    {
      name: 'an unknown $patch in a map is refused',
      patch: { metadata: { labels: { $patch: 'frob', a: '1' } } }, code: 500,
      message: 'unknown patch type: frob in map: map[$patch:frob a:1]',
    },
    {
      name: '$patch: merge in a list element is refused',
      doc: { spec: { items: items('a') } }, patch: { spec: { items: [{ name: 'a', $patch: 'merge' }] } }, code: 500,
      message: 'merging lists cannot yet be specified in the patch',
    },
    {
      name: 'a merge-list element without its merge key is refused',
      doc: { spec: { items: items('a') } }, patch: { spec: { items: [{ image: 'x' }] } }, code: 500,
      message: 'map: map[image:x] does not contain declared merge key: name',
    },
    {
      name: 'a map where the schema wants a list is invalid',
      doc: { spec: { items: items('a') } }, patch: { spec: { items: { name: 'a' } } }, code: 422,
      message: 'spec.items: expected a []interface {}, but received a map[string]interface {}',
    },
    {
      name: 'a list where the schema wants a map is invalid',
      patch: { metadata: { labels: ['a'] } }, code: 422,
      message: 'metadata.labels: expected a map[string]interface {}, but received a []interface {}',
    },
    {
      name: '$retainKeys that is not a list is a bad request',
      patch: { spec: { strategy: { $retainKeys: 'type' } } }, code: 400, message: 'invalid patch format of retainKeys',
    },
    {
      name: 'a patch key missing from $retainKeys is a bad request',
      patch: { spec: { strategy: { $retainKeys: ['type'], rollingUpdate: {} } } }, code: 400,
      message: 'invalid patch format of retainKeys',
    },
    {
      name: 'a patch list out of step with $setElementOrder is refused',
      doc: { spec: { items: items('a', 'b') } },
      patch: { spec: { '$setElementOrder/items': [{ name: 'a' }], items: [{ name: 'b', image: 'b:2' }] } }, code: 500,
      message: /^the order in patch list:\n\[map\[image:b:2 name:b\]\]\n doesn't match \$setElementOrder list:/,
    },
    {
      name: 'a malformed $setElementOrder key is a bad request',
      patch: { spec: { $setElementOrderitems: [] } }, code: 400, message: 'invalid patch format of setElementOrder list',
    },
    {
      name: '$deleteFromPrimitiveList that is not a list is a bad request',
      doc: { metadata: { finalizers: ['a'] } }, patch: { metadata: { '$deleteFromPrimitiveList/finalizers': 'a' } }, code: 400,
      message: 'invalid patch format of primitive list',
    },
    {
      name: 'lists of lists are refused',
      doc: { spec: { grid: [['a']] } }, patch: { spec: { grid: [['b']] } }, code: 422,
      message: 'lists of lists are not supported',
    },
    {
      name: 'a merge list mixing element types is refused',
      doc: { metadata: { finalizers: ['a'] } }, patch: { metadata: { finalizers: [1] } }, code: 500,
      message: 'list element types are not identical: [[a] [1]]',
    },
    {
      name: 'a merge list of maps without a merge key cannot merge',
      doc: { spec: { keyless: [{ a: 1 }] } }, patch: { spec: { keyless: [{ b: 1 }] } }, code: 500,
      message: 'cannot merge lists without merge key for spec.keyless',
    },
    {
      name: 'a patch that is not an object is a bad request',
      patch: [1], code: 400, message: 'json: cannot unmarshal array into Go value of type map[string]interface {}',
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      assert.throws(() => smp(c.doc ?? {}, c.patch), (err: unknown) => {
        assert.ok(err instanceof PatchError, String(err));
        assert.equal(err.code, c.code);
        if (typeof c.message === 'string') assert.equal(err.message, c.message);
        else assert.match(err.message, c.message);
        return true;
      });
    });
  }
});
