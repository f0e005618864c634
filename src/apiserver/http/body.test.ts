import { test } from 'node:test';
import assert from 'node:assert/strict';
import { duplicateJsonFields, jsonDepth } from './body.js';

const cases: Array<[string, string, string[]]> = [
  ['no duplicates', '{"a":1,"b":{"a":2}}', []],
  ['a duplicate at the top', '{"a":1,"a":2}', ['a']],
  ['a nested duplicate', '{"metadata":{"name":"x","name":"y"}}', ['metadata.name']],
  ['duplicates inside array elements', '{"spec":{"containers":[{"name":"a","name":"b"}]}}', ['spec.containers.name']],
  ['string values that look like keys are ignored', '{"a":"b:c","c":["a","a"]}', []],
  ['escaped quotes in keys', '{"a\\"b":1,"a\\"b":2}', ['a"b']],
  ['whitespace before the colon', '{ "a" : 1 , "a" : 2 }', ['a']],
];
for (const [name, text, want] of cases) {
  test(`duplicate fields: ${name}`, () => assert.deepEqual(duplicateJsonFields(text), want));
}

test('json depth counts nesting without parsing and skips strings', () => {
  assert.equal(jsonDepth('{"a":[{"b":"[[[["}]}'), 3);
  assert.equal(jsonDepth('[]'), 1);
});
