// Tests for fields.ts: upstream fields/selector_test.go cases and error texts.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  escapeFieldValue,
  fieldSelectorToString,
  fieldsNotIn,
  matchesFields,
  parseFieldSelector,
  unescapeFieldValue,
} from './fields.js';

describe('parseFieldSelector', () => {
  // [input, String()]
  const valid: Array<[string, string]> = [
    ['', ''],
    ['a=b', 'a=b'],
    ['a==b', 'a=b'],
    ['a!=b', 'a!=b'],
    ['metadata.name=x,spec.nodeName=', 'metadata.name=x,spec.nodeName='],
    ['z=1,a=2', 'a=2,z=1'],
    ['a=,', 'a='],
    [',a=b,', 'a=b'],
    ['=', ''],
    ['a=b\\,c', 'a=b\\,c'],
    ['a=b\\=c', 'a=b\\=c'],
    ['a=b\\\\c', 'a=b\\\\c'],
    ['status.phase!=Running', 'status.phase!=Running'],
    [' a = b ', ' a = b '],
  ];
  for (const [input, want] of valid) {
    it(`parses ${JSON.stringify(input)} and prints it as ${JSON.stringify(want)}`, () => {
      assert.equal(fieldSelectorToString(parseFieldSelector(input)), want);
    });
  }

  it('keeps whitespace in field names and values, as upstream does', () => {
    assert.deepEqual(parseFieldSelector(' a = b ').requirements, [{ field: ' a ', operator: '=', value: ' b ' }]);
  });

  it('unescapes values and splits on unescaped commas only', () => {
    assert.deepEqual(parseFieldSelector('a=x\\,y,b!=\\\\').requirements, [
      { field: 'a', operator: '=', value: 'x,y' },
      { field: 'b', operator: '!=', value: '\\' },
    ]);
  });

  const invalid: Array<[string, string]> = [
    ['a', "invalid selector: 'a'; can't understand 'a'"],
    ['a=b,c', "invalid selector: 'a=b,c'; can't understand 'c'"],
    ['a=b=c', 'invalid field selector: unescaped character in value: 61'],
    ['a!==b', 'invalid field selector: unescaped character in value: 61'],
    ['a=\\x', 'invalid field selector: invalid escape sequence: \\x'],
    ['a=b\\', 'invalid field selector: invalid escape sequence: \\'],
  ];
  for (const [input, message] of invalid) {
    it(`rejects ${JSON.stringify(input)} with upstream's message`, () => {
      assert.throws(() => parseFieldSelector(input), { name: 'FieldSelectorError', message });
    });
  }
});

describe('escaping', () => {
  const cases: Array<[string, string]> = [
    ['', ''],
    ['a', 'a'],
    ['=', '\\='],
    [',', '\\,'],
    ['\\', '\\\\'],
    ['\\=\\,\\', '\\\\\\=\\\\\\,\\\\'],
  ];
  for (const [raw, escaped] of cases) {
    it(`escapes ${JSON.stringify(raw)} as ${JSON.stringify(escaped)} and back`, () => {
      assert.equal(escapeFieldValue(raw), escaped);
      assert.equal(unescapeFieldValue(escaped), raw);
    });
  }
});

describe('matchesFields', () => {
  const fields = { 'metadata.name': 'web', 'spec.nodeName': '', 'status.phase': 'Running' };
  const cases: Array<[string, boolean]> = [
    ['', true],
    ['metadata.name=web', true],
    ['metadata.name==web', true],
    ['metadata.name=db', false],
    ['metadata.name!=db', true],
    ['spec.nodeName=', true],
    ['spec.nodeName!=', false],
    ['status.phase=Running,metadata.name=web', true],
    ['status.phase=Running,metadata.name=db', false],
    ['missing=', true],
    ['missing!=x', true],
  ];
  for (const [selector, want] of cases) {
    it(`${want ? 'matches' : 'does not match'} a running pod named web with ${JSON.stringify(selector)}`, () => {
      assert.equal(matchesFields(parseFieldSelector(selector), fields), want);
    });
  }
});

describe('fieldsNotIn', () => {
  it('lists unsupported fields once, in selector order', () => {
    const allowed = new Set(['metadata.name', 'metadata.namespace']);
    assert.deepEqual(fieldsNotIn(parseFieldSelector('spec.x=1,metadata.name=a,spec.x!=2,a.b=c'), allowed), ['a.b', 'spec.x']);
    assert.deepEqual(fieldsNotIn(parseFieldSelector('metadata.name=a'), allowed), []);
  });
});
