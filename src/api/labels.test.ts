// Tests for labels.ts: upstream selector_test.go cases and error texts seen from real API servers.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  type LabelSelectorObject,
  labelSelectorToString,
  matchesLabels,
  parseLabelSelector,
  selectorFromLabelSelector,
} from './labels.js';

const NAME_PART =
  "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
const LABEL_VALUE =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";

describe('parseLabelSelector', () => {
  // [input, canonical String()]
  const valid: Array<[string, string]> = [
    ['', ''],
    ['x=a,y=b,z=c', 'x=a,y=b,z=c'],
    ['z=c,x=a', 'x=a,z=c'],
    ['x==a', 'x==a'],
    ['x!=a', 'x!=a'],
    ['x=', 'x='],
    ['x= ', 'x='],
    [' x = a ', 'x=a'],
    ['x in (b,a)', 'x in (a,b)'],
    ['x in (foo,,baz),y,z notin ()', 'x in (,baz,foo),y,z notin ()'],
    ['x notin (a)', 'x notin (a)'],
    ['x in (a,)', 'x in (,a)'],
    ['x in (,a)', 'x in (,a)'],
    ['x in (a,a)', 'x in (a)'],
    ['x', 'x'],
    ['!x', '!x'],
    ['x,!y', 'x,!y'],
    ['a>1', 'a>1'],
    ['a<5', 'a<5'],
    ['\tx\n=\ra', 'x=a'],
    ['in in (in)', 'in in (in)'],
    ['notin=in', 'notin=in'],
    ['example.com/app=web', 'example.com/app=web'],
    ['app=web,tier in (backend,frontend)', 'app=web,tier in (backend,frontend)'],
  ];
  for (const [input, want] of valid) {
    it(`parses ${JSON.stringify(input)} and prints it as ${JSON.stringify(want)}`, () => {
      assert.equal(labelSelectorToString(parseLabelSelector(input)), want);
    });
  }

  const invalid: Array<[string, string]> = [
    ['x=a||y=b', `unable to parse requirement: values[0][x]: Invalid value: "a||y": ${LABEL_VALUE}`],
    ['x in (a b)', "unable to parse requirement: found 'b', expected: ',' or ')'"],
    ['x in (a', "unable to parse requirement: found '', expected: ',' or ')'"],
    ['x in a', "unable to parse requirement: found 'a' expected: '('"],
    ['x in', "unable to parse requirement: found '' expected: '('"],
    ['x in (=)', "unable to parse requirement: found '=', expected: ',', ')' or identifier"],
    ['x in (a,=)', "unable to parse requirement: found '=', expected: ',', or identifier"],
    ['x y', "unable to parse requirement: found 'y', expected: in, notin, =, ==, !=, gt, lt"],
    ['x=(', "unable to parse requirement: found '(', expected: identifier"],
    ['!=a', "found '!=', expected: !, identifier, or 'end of string'"],
    ['!!x', "unable to parse requirement: found '!', expected: identifier"],
    ['x=a b', "found 'b', expected: ',' or 'end of string'"],
    ['!x=a', "found '=', expected: ',' or 'end of string'"],
    ['x,', "found '', expected: identifier after ','"],
    [',x', "found ',', expected: !, identifier, or 'end of string'"],
    ['x>a', `unable to parse requirement: values[0]: Invalid value: "a": for 'Gt', 'Lt' operators, the value must be an integer`],
    ['x<-5', `unable to parse requirement: values[0][x]: Invalid value: "-5": ${LABEL_VALUE}`],
    ['x>', `unable to parse requirement: values[0]: Invalid value: "": for 'Gt', 'Lt' operators, the value must be an integer`],
    ['app:monolith', `unable to parse requirement: <nil>: Invalid value: "app:monolith": ${NAME_PART}`],
    ['*bar', `unable to parse requirement: <nil>: Invalid value: "*bar": ${NAME_PART}`],
    [
      'a/b/c ?=? def',
      "unable to parse requirement: <nil>: Invalid value: \"a/b/c\": a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
    ],
    [
      'app.kubernetes_io/name=x',
      "unable to parse requirement: <nil>: Invalid value: \"app.kubernetes_io/name\": prefix part a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
    ],
    [`x=${'a'.repeat(64)}`, `unable to parse requirement: values[0][x]: Invalid value: "${'a'.repeat(64)}": must be no more than 63 characters`],
  ];
  for (const [input, message] of invalid) {
    it(`rejects ${JSON.stringify(input)} with upstream's message`, () => {
      assert.throws(() => parseLabelSelector(input), { name: 'LabelSelectorError', message });
    });
  }
});

describe('selectorFromLabelSelector', () => {
  const valid: Array<[string, LabelSelectorObject, string]> = [
    ['an empty object selects everything', {}, ''],
    ['matchLabels become sorted equality requirements', { matchLabels: { tier: 'db', app: 'web' } }, 'app=web,tier=db'],
    [
      'all four operators translate',
      {
        matchExpressions: [
          { key: 'z', operator: 'In', values: ['b', 'a'] },
          { key: 'y', operator: 'NotIn', values: ['c'] },
          { key: 'x', operator: 'Exists' },
          { key: 'w', operator: 'DoesNotExist', values: [] },
        ],
      },
      '!w,x,y notin (c),z in (a,b)',
    ],
    ['matchLabels and matchExpressions combine', { matchLabels: { a: 'b' }, matchExpressions: [{ key: 'a', operator: 'Exists' }] }, 'a=b,a'],
  ];
  for (const [name, obj, want] of valid) {
    it(`${name}`, () => {
      assert.equal(labelSelectorToString(selectorFromLabelSelector(obj)), want);
    });
  }

  const invalid: Array<[string, LabelSelectorObject, string]> = [
    ['an unknown operator is refused', { matchExpressions: [{ key: 'a', operator: 'Gt' }] }, '"Gt" is not a valid label selector operator'],
    ['In without values is refused', { matchExpressions: [{ key: 'a', operator: 'In' }] }, "values: Invalid value: []string(nil): for 'in', 'notin' operators, values set can't be empty"],
    [
      'Exists with values is refused',
      { matchExpressions: [{ key: 'a', operator: 'Exists', values: ['x', 'y'] }] },
      'values: Invalid value: []string{"x", "y"}: values set must be empty for exists and does not exist',
    ],
    ['a bad key is reported at "key"', { matchLabels: { '-a': 'b' } }, `key: Invalid value: "-a": ${NAME_PART}`],
    [
      'several problems are aggregated in brackets',
      { matchLabels: { 'bad key': 'v@' } },
      `[key: Invalid value: "bad key": ${NAME_PART}, values[0][bad key]: Invalid value: "v@": ${LABEL_VALUE}]`,
    ],
  ];
  for (const [name, obj, message] of invalid) {
    it(`${name}`, () => {
      assert.throws(() => selectorFromLabelSelector(obj), { name: 'LabelSelectorError', message });
    });
  }
});

describe('matchesLabels', () => {
  const cases: Array<[string, Record<string, string> | undefined, boolean]> = [
    ['', undefined, true],
    ['', { a: 'b' }, true],
    ['x=y', { x: 'y' }, true],
    ['x=y', { x: 'z' }, false],
    ['x=y', undefined, false],
    ['x==y', { x: 'y' }, true],
    ['x!=y', { x: 'z' }, true],
    ['x!=y', {}, true],
    ['x!=y', { x: 'y' }, false],
    ['x in (a,b)', { x: 'b' }, true],
    ['x in (a,b)', { x: 'c' }, false],
    ['x notin (a,b)', {}, true],
    ['x notin (a,b)', { x: 'a' }, false],
    ['x', { x: '' }, true],
    ['x', {}, false],
    ['!x', {}, true],
    ['!x', { x: 'v' }, false],
    ['x=', { x: '' }, true],
    ['x>1', { x: '2' }, true],
    ['x>1', { x: '1' }, false],
    ['x<1', { x: '-3' }, true],
    ['x>1', { x: 'two' }, false],
    ['x>1', {}, false],
    ['x=a,y=b', { x: 'a', y: 'b' }, true],
    ['x=a,y=b', { x: 'a' }, false],
    ['constructor', {}, false],
  ];
  for (const [selector, labels, want] of cases) {
    it(`${want ? 'matches' : 'does not match'} ${JSON.stringify(labels)} with ${JSON.stringify(selector)}`, () => {
      assert.equal(matchesLabels(parseLabelSelector(selector), labels), want);
    });
  }
});
