// Tests for field-path.ts: upstream path_test.go and errors_test.go renderings.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  FieldError,
  GoStringSlice,
  aggregateErrorMessage,
  childPath,
  fieldDuplicate,
  fieldForbidden,
  fieldInternalError,
  fieldInvalid,
  fieldNotFound,
  fieldNotSupported,
  fieldRequired,
  fieldTooLong,
  fieldTooMany,
  fieldTypeInvalid,
  goFloat,
  goQuote,
  newPath,
  pathString,
} from './field-path.js';

describe('FieldPath', () => {
  const cases: Array<[string, string]> = [
    [newPath('spec').child('containers').index(0).child('image').toString(), 'spec.containers[0].image'],
    [newPath('metadata', 'labels').key('app').toString(), 'metadata.labels[app]'],
    [newPath('metadata').child('annotations').key('example.com/x').toString(), 'metadata.annotations[example.com/x]'],
    [newPath('root').key('a').index(3).key('b').child('c').toString(), 'root[a][3][b].c'],
    [childPath(null, 'values').index(0).key('app').toString(), 'values[0][app]'],
    [pathString(null), '<nil>'],
  ];
  for (const [got, want] of cases) {
    it(`renders ${want}`, () => {
      assert.equal(got, want);
    });
  }
});

describe('FieldError', () => {
  const p = newPath('spec').child('containers').index(0).child('image');
  const cases: Array<[string, FieldError, string]> = [
    ['Required', fieldRequired(p), 'spec.containers[0].image: Required value'],
    ['Required with detail', fieldRequired(p, 'name or generateName is required'), 'spec.containers[0].image: Required value: name or generateName is required'],
    ['Invalid with a string', fieldInvalid(p, 'x', 'bad'), 'spec.containers[0].image: Invalid value: "x": bad'],
    ['Invalid with a number', fieldInvalid(newPath('spec', 'replicas'), -1, 'must be greater than or equal to 0'), 'spec.replicas: Invalid value: -1: must be greater than or equal to 0'],
    ['Invalid with a float', fieldInvalid(newPath('f'), 0.5, 'x'), 'f: Invalid value: 0.5: x'],
    ['Invalid with a bool', fieldInvalid(newPath('f'), true, 'x'), 'f: Invalid value: true: x'],
    ['Invalid with null', fieldInvalid(newPath('f'), null, 'x'), 'f: Invalid value: null: x'],
    ['Invalid with a Go string slice', fieldInvalid(newPath('f'), new GoStringSlice(['a', 'b']), 'x'), 'f: Invalid value: []string{"a", "b"}: x'],
    ['Invalid with a nil Go slice', fieldInvalid(newPath('f'), new GoStringSlice(null), 'x'), 'f: Invalid value: []string(nil): x'],
    ['Invalid with quoting', fieldInvalid(newPath('f'), 'a"b\n\\', 'x'), 'f: Invalid value: "a\\"b\\n\\\\": x'],
    ['NotSupported', fieldNotSupported(newPath('spec', 'restartPolicy'), 'Sometimes', ['Always', 'OnFailure', 'Never']), 'spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"'],
    ['NotSupported without a list', fieldNotSupported(newPath('f'), 'x', []), 'f: Unsupported value: "x"'],
    ['Duplicate', fieldDuplicate(newPath('spec', 'ports').index(1), 'http'), 'spec.ports[1]: Duplicate value: "http"'],
    ['Forbidden', fieldForbidden(newPath('spec'), 'may not be changed'), 'spec: Forbidden: may not be changed'],
    ['TooLong', fieldTooLong(newPath('metadata', 'annotations'), 262144), 'metadata.annotations: Too long: may not be more than 262144 bytes'],
    ['TooLong of one byte', fieldTooLong(newPath('f'), 1), 'f: Too long: may not be more than 1 byte'],
    ['TooLong without a limit', fieldTooLong(newPath('f'), -1), 'f: Too long: value is too long'],
    ['TooMany', fieldTooMany(newPath('items'), 5, 3), 'items: Too many: 5: must have at most 3 items'],
    ['TooMany without an actual count', fieldTooMany(newPath('items'), -1, 1), 'items: Too many: must have at most 1 item'],
    ['TypeInvalid', fieldTypeInvalid(newPath('spec', 'replicas'), 'three', 'must be an integer'), 'spec.replicas: Invalid value: "three": must be an integer'],
    ['NotFound', fieldNotFound(newPath('spec', 'volumes'), 'data'), 'spec.volumes: Not found: "data"'],
    ['InternalError', fieldInternalError(newPath('f'), new Error('boom')), 'f: Internal error: boom'],
  ];
  for (const [name, err, want] of cases) {
    it(`renders ${name} as upstream's Error()`, () => {
      assert.equal(err.error(), want);
    });
  }

  it('gives a Status cause whose message is the text without the field', () => {
    assert.deepEqual(fieldRequired(p).toStatusCause(), { reason: 'FieldValueRequired', message: 'Required value', field: 'spec.containers[0].image' });
    assert.deepEqual(fieldInvalid(newPath('metadata', 'name'), 'A', 'bad').toStatusCause(), {
      reason: 'FieldValueInvalid',
      message: 'Invalid value: "A": bad',
      field: 'metadata.name',
    });
  });

  it('aggregates like ErrorList.ToAggregate', () => {
    const a = fieldRequired(newPath('a'));
    const b = fieldForbidden(newPath('b'), 'no');
    assert.equal(aggregateErrorMessage([]), '');
    assert.equal(aggregateErrorMessage([a]), 'a: Required value');
    assert.equal(aggregateErrorMessage([a, a]), 'a: Required value');
    assert.equal(aggregateErrorMessage([a, b]), '[a: Required value, b: Forbidden: no]');
  });
});

describe('Go formatting helpers', () => {
  const floats: Array<[number, string]> = [
    [0.5, '0.5'],
    [1.25, '1.25'],
    [123456.5, '123456.5'],
    [1234567.5, '1.2345675e+06'],
    [0.0001, '0.0001'],
    [0.00001, '1e-05'],
    [-2.5, '-2.5'],
    [Infinity, '+Inf'],
  ];
  for (const [f, want] of floats) {
    it(`prints the float ${f} as Go's %v does: ${want}`, () => {
      assert.equal(goFloat(f), want);
    });
  }

  const quotes: Array<[string, string]> = [
    ['plain', '"plain"'],
    ['tab\there', '"tab\\there"'],
    ['\u0000', '"\\x00"'],
    ['\u007f', '"\\x7f"'],
    ['héllo ✓', '"héllo ✓"'],
    ['\u200b', '"\\u200b"'],
  ];
  for (const [s, want] of quotes) {
    it(`quotes ${JSON.stringify(s)} as strconv.Quote does`, () => {
      assert.equal(goQuote(s), want);
    });
  }
});
