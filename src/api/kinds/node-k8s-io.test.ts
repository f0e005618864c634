// Tests for node.k8s.io/v1 RuntimeClass: validation messages and table rows as upstream.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KObject } from '../object.js';
import { fieldErrText } from '../validation.js';
import { NODE_RESOURCES, runtimeClassDef } from './node-k8s-io.js';

const rc = (body: Record<string, unknown>): KObject => ({ metadata: { name: 'gvisor', creationTimestamp: '2024-05-01T09:00:00Z' }, ...body });
const check = (o: KObject, old?: KObject) => (runtimeClassDef.validate?.(o, old) ?? []).map(fieldErrText);
const LABEL_MSG =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";

describe('RuntimeClass', () => {
  it('is cluster-scoped node.k8s.io/v1 runtimeclasses', () => {
    assert.deepEqual(NODE_RESOURCES, [runtimeClassDef]);
    const d = runtimeClassDef;
    assert.deepEqual([d.group, d.version, d.resource, d.namespaced, d.schema], ['node.k8s.io', 'v1', 'runtimeclasses', false, 'io.k8s.api.node.v1.RuntimeClass']);
  });
  const cases: Array<[string, () => KObject, (() => KObject) | undefined, string[]]> = [
    ['accepts a DNS-label handler', () => rc({ handler: 'runsc' }), undefined, []],
    ['rejects a missing handler with the DNS label message', () => rc({}), undefined, [`handler: Invalid value: "": ${LABEL_MSG}`]],
    ['rejects a handler with dots', () => rc({ handler: 'kata.v2' }), undefined, ['handler: Invalid value: "kata.v2": must not contain dots']],
    ['validates the scheduling node selector', () => rc({ handler: 'runc', scheduling: { nodeSelector: { 'a/b/c': 'x' } } }), undefined, [
      "scheduling.nodeSelector: Invalid value: \"a/b/c\": a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
    ]],
    ['keeps the handler immutable', () => rc({ handler: 'kata' }), () => rc({ handler: 'runsc' }), ['handler: Invalid value: "kata": field is immutable']],
  ];
  for (const [name, make, makeOld, want] of cases) {
    it(name, () => assert.deepEqual(check(make(), makeOld?.()), want));
  }
  it('prints NAME HANDLER AGE', () => {
    assert.deepEqual(runtimeClassDef.table?.columns.map((c) => c.name.toUpperCase()), ['NAME', 'HANDLER', 'AGE']);
    assert.deepEqual(runtimeClassDef.table?.row(rc({ handler: 'runsc' }), Date.parse('2024-05-01T12:00:00Z')), ['gvisor', 'runsc', '3h']);
  });
});
