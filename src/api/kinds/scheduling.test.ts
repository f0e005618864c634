// Tests for scheduling.k8s.io/v1 PriorityClass: defaults, validation messages, table rows and the system classes.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KObject } from '../object.js';
import { fieldErrText } from '../validation.js';
import { SCHEDULING_RESOURCES, SYSTEM_PRIORITY_CLASSES, priorityClassDef } from './scheduling.js';

const pc = (name: string, body: Record<string, unknown> = {}): KObject => ({ metadata: { name, creationTimestamp: '2024-05-01T11:00:00Z' }, ...body });

function check(o: KObject, old?: KObject): string[] {
  priorityClassDef.defaults?.(o);
  if (old) priorityClassDef.defaults?.(old);
  return (priorityClassDef.validate?.(o, old) ?? []).map(fieldErrText);
}

describe('PriorityClass definition', () => {
  it('is cluster-scoped scheduling.k8s.io/v1 priorityclasses with short name pc', () => {
    assert.deepEqual(SCHEDULING_RESOURCES, [priorityClassDef]);
    const d = priorityClassDef;
    assert.deepEqual([d.group, d.version, d.resource, d.namespaced, d.shortNames, d.schema], ['scheduling.k8s.io', 'v1', 'priorityclasses', false, ['pc'], 'io.k8s.api.scheduling.v1.PriorityClass']);
  });
  it('defaults preemptionPolicy to PreemptLowerPriority and keeps Never', () => {
    const a = pc('a', { value: 10 });
    const b = pc('b', { value: 10, preemptionPolicy: 'Never' });
    priorityClassDef.defaults?.(a);
    priorityClassDef.defaults?.(b);
    assert.deepEqual([a.preemptionPolicy, b.preemptionPolicy], ['PreemptLowerPriority', 'Never']);
  });
});

describe('PriorityClass validation', () => {
  const cases: Array<[string, () => KObject, (() => KObject) | undefined, string[]]> = [
    ['accepts a user class up to one billion', () => pc('high', { value: 1_000_000_000 }), undefined, []],
    ['rejects a user class above one billion', () => pc('higher', { value: 1_000_000_001 }), undefined, ['value: Forbidden: maximum allowed value of a user defined priority is 1000000000']],
    ['reserves the system- prefix for known classes', () => pc('system-mine', { value: 1 }), undefined, [
      "metadata.name: Forbidden: priority class names with 'system-' prefix are reserved for system use only. error: system-mine is not a known system priority class",
    ]],
    ['requires a system class to keep its value', () => pc('system-node-critical', { value: 5 }), undefined, [
      "metadata.name: Forbidden: priority class names with 'system-' prefix are reserved for system use only. error: value of system-node-critical PriorityClass must be 2000001000",
    ]],
    ['requires a system class not to be the global default', () => pc('system-cluster-critical', { value: 2_000_000_000, globalDefault: true }), undefined, [
      "metadata.name: Forbidden: priority class names with 'system-' prefix are reserved for system use only. error: globalDefault of system-cluster-critical PriorityClass must be false",
    ]],
    ['accepts the built-in system classes', () => structuredClone(SYSTEM_PRIORITY_CLASSES[0]!), undefined, []],
    ['rejects an unknown preemption policy', () => pc('p', { value: 1, preemptionPolicy: 'Sometimes' }), undefined, [
      'preemptionPolicy: Unsupported value: "Sometimes": supported values: "PreemptLowerPriority", "Never"',
    ]],
    ['forbids changing the value', () => pc('p', { value: 2 }), () => pc('p', { value: 1 }), ['value: Forbidden: may not be changed in an update.']],
    ['keeps the preemption policy immutable', () => pc('p', { value: 1, preemptionPolicy: 'Never' }), () => pc('p', { value: 1 }), ['preemptionPolicy: Invalid value: "Never": field is immutable']],
    ['allows changing the description', () => pc('p', { value: 1, description: 'b' }), () => pc('p', { value: 1, description: 'a' }), []],
  ];
  for (const [name, make, makeOld, want] of cases) {
    it(name, () => assert.deepEqual(check(make(), makeOld?.()), want));
  }
});

describe('PriorityClass table and system classes', () => {
  it('prints NAME VALUE GLOBAL-DEFAULT AGE PREEMPTIONPOLICY', () => {
    const o = pc('high', { value: 1000, globalDefault: true });
    priorityClassDef.defaults?.(o);
    assert.deepEqual(priorityClassDef.table?.columns.map((c) => c.name.toUpperCase()), ['NAME', 'VALUE', 'GLOBAL-DEFAULT', 'AGE', 'PREEMPTIONPOLICY']);
    assert.deepEqual(priorityClassDef.table?.row(o, Date.parse('2024-05-01T12:00:00Z')), ['high', 1000, true, '60m', 'PreemptLowerPriority']);
  });
  it('exports system-node-critical and system-cluster-critical with upstream values and descriptions', () => {
    assert.deepEqual(
      SYSTEM_PRIORITY_CLASSES.map((c) => [c.metadata.name, c.value, c.description]),
      [
        ['system-node-critical', 2000001000, 'Used for system critical pods that must not be moved from their current node.'],
        ['system-cluster-critical', 2000000000, 'Used for system critical pods that must run in the cluster, but can be moved to another node if necessary.'],
      ],
    );
  });
});
