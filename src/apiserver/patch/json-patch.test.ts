// Tests for applyJsonPatch: RFC 6902 results and kube-apiserver's (evanphx/json-patch v4) failures.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { applyJsonPatch, MAX_JSON_PATCH_OPERATIONS, PatchError } from './index.js';

const pod = () => ({
  metadata: { name: 'p', labels: { app: 'web', 'a/b': 'slash' } },
  spec: { containers: [{ name: 'c0', image: 'nginx' }, { name: 'c1', image: 'redis' }], replicas: 1 },
});

describe('applyJsonPatch applies operations', () => {
  const cases: Array<{ name: string; ops: unknown[]; check: (out: ReturnType<typeof pod>) => void }> = [
    {
      name: 'add sets a new object member',
      ops: [{ op: 'add', path: '/metadata/labels/tier', value: 'front' }],
      check: (o) => assert.equal(o.metadata.labels['tier' as 'app'], 'front'),
    },
    {
      name: 'add with "-" appends to an array',
      ops: [{ op: 'add', path: '/spec/containers/-', value: { name: 'c2', image: 'busybox' } }],
      check: (o) => assert.deepEqual(o.spec.containers.map((c) => c.name), ['c0', 'c1', 'c2']),
    },
    {
      name: 'add at an index inserts before it',
      ops: [{ op: 'add', path: '/spec/containers/0', value: { name: 'first', image: 'x' } }],
      check: (o) => assert.deepEqual(o.spec.containers.map((c) => c.name), ['first', 'c0', 'c1']),
    },
    {
      name: 'add with a negative index counts from the end, as evanphx v4 does',
      ops: [{ op: 'add', path: '/spec/containers/-1', value: { name: 'last', image: 'x' } }],
      check: (o) => assert.deepEqual(o.spec.containers.map((c) => c.name), ['c0', 'c1', 'last']),
    },
    {
      name: 'remove deletes an array element',
      ops: [{ op: 'remove', path: '/spec/containers/0' }],
      check: (o) => assert.deepEqual(o.spec.containers.map((c) => c.name), ['c1']),
    },
    {
      name: 'replace of a missing object member adds it, as kube-apiserver v1.32 does',
      ops: [{ op: 'replace', path: '/metadata/labels/new', value: 'v' }],
      check: (o) => assert.equal(o.metadata.labels['new' as 'app'], 'v'),
    },
    {
      name: 'escaped pointer tokens reach keys holding a slash',
      ops: [{ op: 'replace', path: '/metadata/labels/a~1b', value: 'changed' }],
      check: (o) => assert.equal(o.metadata.labels['a/b'], 'changed'),
    },
    {
      name: 'a passing test lets later operations run',
      ops: [{ op: 'test', path: '/spec/replicas', value: 1 }, { op: 'replace', path: '/spec/replicas', value: 3 }],
      check: (o) => assert.equal(o.spec.replicas, 3),
    },
    {
      name: 'move takes a value from one place to another',
      ops: [{ op: 'move', from: '/metadata/labels/app', path: '/metadata/labels/application' }],
      check: (o) => assert.deepEqual(o.metadata.labels, { 'a/b': 'slash', application: 'web' } as never),
    },
    {
      name: 'copy duplicates a value without aliasing it',
      ops: [{ op: 'copy', from: '/spec/containers/0', path: '/spec/containers/-' },
        { op: 'replace', path: '/spec/containers/2/name', value: 'copy' }],
      check: (o) => assert.deepEqual(o.spec.containers.map((c) => c.name), ['c0', 'c1', 'copy']),
    },
    {
      name: 'a null patch changes nothing',
      ops: null as unknown as unknown[],
      check: (o) => assert.deepEqual(o, pod()),
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const doc = pod();
      const out = applyJsonPatch(doc, c.ops) as ReturnType<typeof pod>;
      c.check(out);
      assert.deepEqual(doc, pod(), 'the input document is untouched');
    });
  }

  it('values taken from the patch are copies, so later edits do not reach the patch', () => {
    const ops = [{ op: 'add', path: '/spec/extra', value: { list: [1] } }];
    const out = applyJsonPatch(pod(), ops) as { spec: { extra: { list: number[] } } };
    out.spec.extra.list.push(2);
    assert.deepEqual(ops[0]?.value, { list: [1] });
  });
});

describe('applyJsonPatch fails like kube-apiserver', () => {
  const cases: Array<{ name: string; ops: unknown; code: number; message: string }> = [
    {
      name: 'add under a missing parent reports the missing path',
      ops: [{ op: 'add', path: '/spec/foo/bar', value: 1 }], code: 422,
      message: 'add operation does not apply: doc is missing path: "/spec/foo/bar": missing value',
    },
    {
      name: 'a failed test is an error',
      ops: [{ op: 'test', path: '/spec/replicas', value: 2 }], code: 422,
      message: 'testing value /spec/replicas failed: test failed',
    },
    {
      name: 'remove of a missing member names the key',
      ops: [{ op: 'remove', path: '/metadata/labels/nope' }], code: 422,
      message: "error in remove for path: '/metadata/labels/nope': Unable to remove nonexistent key: nope: missing value",
    },
    {
      name: 'remove under a missing parent reports the missing path',
      ops: [{ op: 'remove', path: '/spec/foo/bar' }], code: 422,
      message: 'remove operation does not apply: doc is missing path: "/spec/foo/bar": missing value',
    },
    {
      name: 'replace past the end of an array reports the missing key',
      ops: [{ op: 'replace', path: '/spec/containers/5', value: {} }], code: 422,
      message: 'replace operation does not apply: doc is missing key: /spec/containers/5: missing value',
    },
    {
      name: 'add past the end of an array is an invalid index',
      ops: [{ op: 'add', path: '/spec/containers/9', value: {} }], code: 422,
      message: "error in add for path: '/spec/containers/9': Unable to access invalid index: 9: invalid index referenced",
    },
    {
      name: 'an array index that is not a number is refused',
      ops: [{ op: 'add', path: '/spec/containers/x', value: {} }], code: 422,
      message: "error in add for path: '/spec/containers/x': value was not a proper array index: 'x': strconv.Atoi: parsing \"x\": invalid syntax",
    },
    {
      name: 'an unknown op is refused',
      ops: [{ op: 'frobnicate', path: '/spec' }], code: 422,
      message: 'Unexpected kind: frobnicate',
    },
    {
      name: 'move from a missing parent reports the from path',
      ops: [{ op: 'move', from: '/nope/x', path: '/spec/y' }], code: 422,
      message: 'move operation does not apply: doc is missing from path: /nope/x: missing value',
    },
    {
      name: 'a body that is not a list is a bad request',
      ops: { op: 'add' }, code: 400,
      message: 'json: cannot unmarshal object into Go value of type jsonpatch.Patch',
    },
    {
      name: 'an operation that is not an object is a bad request',
      ops: ['add'], code: 400,
      message: 'json: cannot unmarshal string into Go value of type jsonpatch.Operation',
    },
    {
      name: 'more than 10,000 operations is too large',
      ops: Array.from({ length: MAX_JSON_PATCH_OPERATIONS + 1 }, () => ({ op: 'test', path: '/spec/replicas', value: 1 })),
      code: 413, message: 'The allowed maximum operations in a JSON patch is 10000, got 10001',
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      assert.throws(() => applyJsonPatch(pod(), c.ops), (err: unknown) => {
        assert.ok(err instanceof PatchError);
        assert.equal(err.code, c.code);
        assert.equal(err.message, c.message);
        return true;
      });
    });
  }

  it('a 422 carries the generic Status message upstream sends', () => {
    assert.throws(() => applyJsonPatch(pod(), [{ op: 'test', path: '/spec/replicas', value: 9 }]), (err: unknown) => {
      assert.ok(err instanceof PatchError);
      assert.equal(err.reason, 'Invalid');
      assert.equal(err.statusMessage, 'the server rejected our request due to an error in our request');
      return true;
    });
  });

  it('a 413 carries the "Request entity too large" Status message', () => {
    const ops = Array.from({ length: MAX_JSON_PATCH_OPERATIONS + 1 }, () => ({ op: 'remove', path: '/x' }));
    assert.throws(() => applyJsonPatch(pod(), ops), (err: unknown) => err instanceof PatchError &&
      err.statusMessage === 'Request entity too large: The allowed maximum operations in a JSON patch is 10000, got 10001');
  });

  it('writing through __proto__ is refused and leaves Object.prototype alone', () => {
    assert.throws(() => applyJsonPatch({}, [{ op: 'add', path: '/__proto__/polluted', value: true }]), PatchError);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });
});
