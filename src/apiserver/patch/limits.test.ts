// Deeply nested input must fail with a PatchError, never a stack overflow; the depth cap itself must work.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  applyJsonPatch, applyMergePatch, applyStrategicMergePatch, MAX_PATCH_DEPTH, PatchError, type SchemaNode,
} from './index.js';

/** `{a:{a:…{}}}` with `levels` objects, built without recursion. */
function nested(levels: number): Record<string, unknown> {
  let value: Record<string, unknown> = {};
  for (let i = 1; i < levels; i++) value = { a: value };
  return value;
}

const schema: SchemaNode = { type: 'object' };
const noRefs = (): undefined => undefined;

describe('nesting depth', () => {
  const tooDeep = nested(10_000);
  const rejects: Array<{ name: string; run: () => unknown }> = [
    { name: 'a 10,000-level strategic merge patch is a bad request', run: () => applyStrategicMergePatch({}, tooDeep, schema, noRefs) },
    { name: 'a 10,000-level document under a strategic merge patch is a bad request', run: () => applyStrategicMergePatch(tooDeep, {}, schema, noRefs) },
    { name: 'a 10,000-level merge patch is a bad request', run: () => applyMergePatch({}, tooDeep) },
    { name: 'a 10,000-level JSON patch value is a bad request', run: () => applyJsonPatch({}, [{ op: 'add', path: '/x', value: tooDeep }]) },
    { name: 'a 10,000-level list nesting is a bad request', run: () => applyMergePatch({}, { x: JSON.parse(`${'['.repeat(10_000)}${']'.repeat(10_000)}`) as unknown }) },
  ];
  for (const c of rejects) {
    it(c.name, () => {
      assert.throws(c.run, (err: unknown) =>
        err instanceof PatchError && err.code === 400 && err.message.includes(`exceeded max depth of ${MAX_PATCH_DEPTH}`));
    });
  }

  it(`a patch exactly ${MAX_PATCH_DEPTH} levels deep still applies with every patch type`, () => {
    const deepest = nested(MAX_PATCH_DEPTH);
    assert.deepEqual(applyStrategicMergePatch({}, deepest, schema, noRefs), deepest);
    assert.deepEqual(applyStrategicMergePatch(deepest, deepest, schema, noRefs), deepest);
    assert.deepEqual(applyMergePatch(deepest, deepest), deepest);
    assert.deepEqual(applyJsonPatch(deepest, [{ op: 'add', path: '/b', value: 1 }, { op: 'remove', path: '/b' }]), deepest);
  });

  it('a JSON patch that builds a document deeper than the cap is refused', () => {
    const half = nested(MAX_PATCH_DEPTH - 1);
    const ops = [{ op: 'add', path: '/b', value: half }, { op: 'add', path: `/b${'/a'.repeat(MAX_PATCH_DEPTH - 3)}/c`, value: { d: {} } }];
    assert.throws(() => applyJsonPatch({}, ops), (err: unknown) => err instanceof PatchError && err.code === 400);
  });
});
