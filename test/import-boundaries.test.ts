// The import-boundary check (scripts/check-imports.mjs) runs with the tests.
import { test } from 'node:test';
import assert from 'node:assert/strict';
// @ts-expect-error plain JS module without types
import { check } from '../scripts/check-imports.mjs';

test('components import each other only through index.ts, in the directions DESIGN.md draws', () => {
  const problems = check() as string[];
  assert.deepEqual(problems, []);
});
