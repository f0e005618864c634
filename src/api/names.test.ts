// Tests for names.ts: upstream validation_test.go / ip_test.go cases and messages.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  isCIdentifier,
  isConfigMapKey,
  isDNS1035Label,
  isDNS1123Label,
  isDNS1123Subdomain,
  isEnvVarName,
  isHTTPHeaderName,
  isQualifiedName,
  isRelaxedEnvVarName,
  isValidCIDR,
  isValidIP,
  isValidLabelValue,
  isValidPathSegmentName,
  isValidPortName,
  isValidPortNum,
  nameIsDNS1035Label,
  nameIsDNSLabel,
  validateObjectName,
  validatePathSegmentName,
} from './names.js';

const SUBDOMAIN =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const LABEL =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
const DNS1035 =
  "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')";
const NAME_PART =
  "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
const ENV =
  "a valid environment variable name must consist of alphabetic characters, digits, '_', '-', or '.', and must not start with a digit (e.g. 'my.env-name',  or 'MY_ENV.NAME',  or 'MyEnvName1', regex used for validation is '[-._a-zA-Z][-._a-zA-Z0-9]*')";

type Validator = (v: string) => string[];
// [validator name, validator, input, expected messages]
const cases: Array<[string, Validator, string, string[]]> = [
  ['isDNS1123Subdomain', isDNS1123Subdomain, 'example.com', []],
  ['isDNS1123Subdomain', isDNS1123Subdomain, 'a', []],
  ['isDNS1123Subdomain', isDNS1123Subdomain, '1.2.3', []],
  ['isDNS1123Subdomain', isDNS1123Subdomain, 'Example.com', [SUBDOMAIN]],
  ['isDNS1123Subdomain', isDNS1123Subdomain, 'a..b', [SUBDOMAIN]],
  ['isDNS1123Subdomain', isDNS1123Subdomain, '-a', [SUBDOMAIN]],
  ['isDNS1123Subdomain', isDNS1123Subdomain, '', [SUBDOMAIN]],
  ['isDNS1123Subdomain', isDNS1123Subdomain, 'a'.repeat(253), []],
  ['isDNS1123Subdomain', isDNS1123Subdomain, 'a'.repeat(254), ['must be no more than 253 characters']],
  ['isDNS1123Label', isDNS1123Label, 'my-name', []],
  ['isDNS1123Label', isDNS1123Label, '123-abc', []],
  ['isDNS1123Label', isDNS1123Label, 'a.b', ['must not contain dots']],
  ['isDNS1123Label', isDNS1123Label, 'Test2', [LABEL]],
  ['isDNS1123Label', isDNS1123Label, 'a'.repeat(64), ['must be no more than 63 characters']],
  ['isDNS1035Label', isDNS1035Label, 'my-name', []],
  ['isDNS1035Label', isDNS1035Label, '1abc', [DNS1035]],
  ['isDNS1035Label', isDNS1035Label, 'no-domain.com', [DNS1035]],
  ['isQualifiedName', isQualifiedName, 'app', []],
  ['isQualifiedName', isQualifiedName, 'example.com/My_Name-1.x', []],
  ['isQualifiedName', isQualifiedName, 'app:monolith', [NAME_PART]],
  ['isQualifiedName', isQualifiedName, '/a', ['prefix part must be non-empty']],
  ['isQualifiedName', isQualifiedName, 'a/', ['name part must be non-empty', NAME_PART]],
  ['isQualifiedName', isQualifiedName, 'Example.com/a', [`prefix part ${SUBDOMAIN}`]],
  ['isQualifiedName', isQualifiedName, 'a'.repeat(64), ['name part must be no more than 63 characters']],
  ['isValidLabelValue', isValidLabelValue, '', []],
  ['isValidLabelValue', isValidLabelValue, 'My_value-1.0', []],
  ['isValidLabelValue', isValidLabelValue, 'a'.repeat(64), ['must be no more than 63 characters']],
  ['isCIdentifier', isCIdentifier, '_my_Name1', []],
  [
    'isCIdentifier',
    isCIdentifier,
    '1a',
    ["a valid C identifier must start with alphabetic character or '_', followed by a string of alphanumeric characters or '_' (e.g. 'my_name',  or 'MY_NAME',  or 'MyName', regex used for validation is '[A-Za-z_][A-Za-z0-9_]*')"],
  ],
  ['isEnvVarName', isEnvVarName, 'my.env-name', []],
  ['isEnvVarName', isEnvVarName, '1A', [ENV]],
  ['isEnvVarName', isEnvVarName, '..', ["must not be '..'"]],
  ['isEnvVarName', isEnvVarName, '..a', ["must not start with '..'"]],
  ['isEnvVarName', isEnvVarName, 'a b', [ENV]],
  ['isRelaxedEnvVarName', isRelaxedEnvVarName, '1 A:b', []],
  ['isRelaxedEnvVarName', isRelaxedEnvVarName, '', ['environment variable name must be non-empty']],
  ['isRelaxedEnvVarName', isRelaxedEnvVarName, 'a=b', ["a valid environment variable name must consist only of printable ASCII characters other than '='"]],
  ['isConfigMapKey', isConfigMapKey, 'key.name', []],
  ['isConfigMapKey', isConfigMapKey, '.', ["must not be '.'"]],
  [
    'isConfigMapKey',
    isConfigMapKey,
    'a/b',
    ["a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')"],
  ],
  ['isHTTPHeaderName', isHTTPHeaderName, 'X-Header-Name', []],
  ['isHTTPHeaderName', isHTTPHeaderName, 'X_Header', ["a valid HTTP header must consist of alphanumeric characters or '-' (e.g. 'X-Header-Name', regex used for validation is '[-A-Za-z0-9]+')"]],
  ['isValidPortName', isValidPortName, 'http', []],
  ['isValidPortName', isValidPortName, 'a-b-1', []],
  ['isValidPortName', isValidPortName, '123', ['must contain at least one letter (a-z)']],
  ['isValidPortName', isValidPortName, 'a--b', ['must not contain consecutive hyphens']],
  ['isValidPortName', isValidPortName, '-ab', ['must not begin or end with a hyphen']],
  ['isValidPortName', isValidPortName, 'HTTP', ['must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)', 'must contain at least one letter (a-z)']],
  ['isValidPortName', isValidPortName, 'abcdefghijklmnop', ['must be no more than 15 characters']],
  ['isValidIP', isValidIP, '10.9.8.7', []],
  ['isValidIP', isValidIP, '010.009.008.007', []],
  ['isValidIP', isValidIP, '2001:db8::ffff', []],
  ['isValidIP', isValidIP, '::', []],
  ['isValidIP', isValidIP, '::ffff:1.2.3.4', []],
  ['isValidIP', isValidIP, '1:2:3:4:5:6:7:8', []],
  ['isValidIP', isValidIP, '1.2.3', ['must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)']],
  ['isValidIP', isValidIP, '1.2.3.256', ['must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)']],
  ['isValidIP', isValidIP, '1:2:3:4:5:6:7:8:9', ['must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)']],
  ['isValidIP', isValidIP, '1::2::3', ['must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)']],
  ['isValidIP', isValidIP, 'fe80::1%eth0', ['must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)']],
  ['isValidIP', isValidIP, '', ['must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)']],
  ['isValidCIDR', isValidCIDR, '10.9.8.0/24', []],
  ['isValidCIDR', isValidCIDR, '10.9.8.7/24', []],
  ['isValidCIDR', isValidCIDR, '2001:db8::/64', []],
  ['isValidCIDR', isValidCIDR, '::ffff:1.2.3.0/120', []],
  ['isValidCIDR', isValidCIDR, '10.0.0.0/33', ['must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)']],
  ['isValidCIDR', isValidCIDR, '10.0.0.0', ['must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)']],
  ['isValidCIDR', isValidCIDR, '10.0.0.0/', ['must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)']],
  ['isValidPathSegmentName', isValidPathSegmentName, 'ok', []],
  ['isValidPathSegmentName', isValidPathSegmentName, '.', ["may not be '.'"]],
  ['isValidPathSegmentName', isValidPathSegmentName, '..', ["may not be '..'"]],
  ['isValidPathSegmentName', isValidPathSegmentName, 'a/b%c', ["may not contain '/'", "may not contain '%'"]],
];

describe('validators', () => {
  for (const [name, fn, input, want] of cases) {
    it(`${name} ${want.length === 0 ? 'accepts' : 'rejects'} ${JSON.stringify(input.length > 20 ? `${input.slice(0, 8)}…(${input.length})` : input)}`, () => {
      assert.deepEqual(fn(input), want);
    });
  }

  it('isValidPortNum accepts 1..65535 only', () => {
    assert.deepEqual(isValidPortNum(1), []);
    assert.deepEqual(isValidPortNum(65535), []);
    assert.deepEqual(isValidPortNum(0), ['must be between 1 and 65535, inclusive']);
    assert.deepEqual(isValidPortNum(65536), ['must be between 1 and 65535, inclusive']);
  });
});

describe('object names', () => {
  it('treats a generateName prefix ending in a dash as valid', () => {
    assert.deepEqual(validateObjectName('web-', true), []);
    assert.deepEqual(validateObjectName('web-', false), [SUBDOMAIN]);
    assert.deepEqual(nameIsDNSLabel('web-', true), []);
    assert.deepEqual(nameIsDNS1035Label('web-', true), []);
  });

  it('masks the trailing dash the way upstream does, dropping two characters', () => {
    // "a.-" masks to "a" (upstream keeps name[:len-2]), so it passes even as a label.
    assert.deepEqual(nameIsDNSLabel('a.-', true), []);
    assert.deepEqual(validateObjectName('-', true), [SUBDOMAIN]);
  });

  it('uses the given name function', () => {
    assert.deepEqual(validateObjectName('my.svc', false, nameIsDNS1035Label), [DNS1035]);
  });

  it('checks path segments with and without the prefix rule', () => {
    assert.deepEqual(validatePathSegmentName('..', false), ["may not be '..'"]);
    assert.deepEqual(validatePathSegmentName('..', true), []);
    assert.deepEqual(validatePathSegmentName('a%', true), ["may not contain '%'"]);
  });
});
