// Tests for applyMergePatch: RFC 7386 semantics and evanphx/json-patch's input checks.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { applyMergePatch, PatchError } from './index.js';

describe('applyMergePatch', () => {
  const cases: Array<{ name: string; doc: unknown; patch: unknown; want: unknown }> = [
    {
      name: 'members merge recursively and untouched members stay',
      doc: { metadata: { name: 'x', labels: { a: '1' } }, spec: { replicas: 1 } },
      patch: { metadata: { labels: { b: '2' } } },
      want: { metadata: { name: 'x', labels: { a: '1', b: '2' } }, spec: { replicas: 1 } },
    },
    {
      name: 'null deletes a member',
      doc: { metadata: { labels: { a: '1', b: '2' } } },
      patch: { metadata: { labels: { a: null } } },
      want: { metadata: { labels: { b: '2' } } },
    },
    {
      name: 'null for a missing member changes nothing',
      doc: { a: 1 },
      patch: { b: null },
      want: { a: 1 },
    },
    {
      name: 'arrays are replaced whole, never merged',
      doc: { spec: { containers: [{ name: 'a', image: 'x' }, { name: 'b', image: 'y' }] } },
      patch: { spec: { containers: [{ name: 'a', image: 'z' }] } },
      want: { spec: { containers: [{ name: 'a', image: 'z' }] } },
    },
    {
      name: 'a new object member loses its null members',
      doc: {},
      patch: { spec: { a: 1, b: null, c: { d: null, e: 2 } } },
      want: { spec: { a: 1, c: { e: 2 } } },
    },
    {
      name: 'an object replaces a scalar',
      doc: { spec: 'x' },
      patch: { spec: { a: 1 } },
      want: { spec: { a: 1 } },
    },
    {
      name: 'a scalar replaces an object',
      doc: { spec: { a: 1 } },
      patch: { spec: 5 },
      want: { spec: 5 },
    },
    {
      name: 'an array patch becomes the document',
      doc: { a: 1 },
      patch: [1, 2],
      want: [1, 2],
    },
    {
      name: 'an empty patch changes nothing',
      doc: { a: { b: [1] } },
      patch: {},
      want: { a: { b: [1] } },
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const doc = structuredClone(c.doc);
      const patch = structuredClone(c.patch);
      assert.deepEqual(applyMergePatch(doc, patch), c.want);
      assert.deepEqual(doc, c.doc, 'the document is untouched');
      assert.deepEqual(patch, c.patch, 'the patch is untouched');
    });
  }

  it('the result shares no objects with the document', () => {
    const doc = { spec: { template: { labels: { a: '1' } } }, metadata: { name: 'x' } };
    const out = applyMergePatch(doc, { metadata: { generation: 2 } }) as typeof doc;
    out.spec.template.labels.a = 'changed';
    assert.equal(doc.spec.template.labels.a, '1');
  });

  it('a "__proto__" member stays data and never becomes the prototype', () => {
    const patch: unknown = JSON.parse('{"__proto__": {"polluted": true}}');
    const out = applyMergePatch({}, patch) as Record<string, unknown>;
    assert.equal(Object.getPrototypeOf(out), Object.prototype);
    assert.deepEqual(Object.keys(out), ['__proto__']);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });

  const failures: Array<{ name: string; doc: unknown; patch: unknown; message: string }> = [
    { name: 'a null patch is refused', doc: {}, patch: null, message: 'Invalid JSON Patch' },
    { name: 'a scalar patch is refused', doc: {}, patch: 'x', message: 'Invalid JSON Patch' },
    { name: 'a null document is refused', doc: null, patch: {}, message: 'Invalid JSON Document' },
  ];
  for (const f of failures) {
    it(f.name, () => {
      assert.throws(() => applyMergePatch(f.doc, f.patch), (err: unknown) =>
        err instanceof PatchError && err.code === 400 && err.reason === 'BadRequest' && err.message === f.message);
    });
  }
});
