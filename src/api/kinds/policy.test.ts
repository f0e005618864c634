// policy/v1 PodDisruptionBudget: definition, status zeros, validation messages, table rows.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KObject } from '../object.js';
import { fieldErrText } from '../validation.js';
import { POLICY_RESOURCES, podDisruptionBudgetDef as pdb } from './policy.js';

const T0 = '2024-05-01T10:00:00Z';

function budget(spec: Record<string, unknown>): KObject {
  return { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'web', namespace: 'default', creationTimestamp: T0 }, spec: { selector: { matchLabels: { app: 'web' } }, ...spec } };
}

function check(obj: KObject): string[] {
  pdb.defaults!(obj);
  return pdb.validate!(obj).map(fieldErrText);
}

describe('policy/v1 PodDisruptionBudget', () => {
  it('is served as pdb with a status subresource and generations', () => {
    assert.deepEqual(
      POLICY_RESOURCES.map((d) => [d.group, d.version, d.kind, d.resource, d.shortNames, d.categories, d.schema, d.statusSubresource, d.generation]),
      [['policy', 'v1', 'PodDisruptionBudget', 'poddisruptionbudgets', ['pdb'], undefined, 'io.k8s.api.policy.v1.PodDisruptionBudget', true, true]],
    );
  });

  it('a new budget prints the four always-present status counters', () => {
    const b = budget({ minAvailable: 1 });
    pdb.defaults!(b);
    assert.deepEqual(b.status, { disruptionsAllowed: 0, currentHealthy: 0, desiredHealthy: 0, expectedPods: 0 });
  });

  const cases: Array<[string, Record<string, unknown>, string[]]> = [
    ['a budget with minAvailable passes', { minAvailable: 2 }, []],
    ['a budget with a maxUnavailable percentage passes', { maxUnavailable: '25%' }, []],
    ['a selector-only budget passes, as upstream allows', {}, []],
    [
      'minAvailable and maxUnavailable cannot both be set',
      { minAvailable: 1, maxUnavailable: 1 },
      [
        'spec: Invalid value: policy.PodDisruptionBudgetSpec{MinAvailable:(*intstr.IntOrString)(0xc0004a0080), Selector:(*v1.LabelSelector)(0xc0004a00a0), MaxUnavailable:(*intstr.IntOrString)(0xc0004a00c0), UnhealthyPodEvictionPolicy:(*policy.UnhealthyPodEvictionPolicyType)(nil)}: minAvailable and maxUnavailable cannot be both set',
      ],
    ],
    ['a percentage may not exceed 100%', { minAvailable: '150%' }, ['spec.minAvailable: Invalid value: intstr.IntOrString{Type:1, IntVal:0, StrVal:"150%"}: must not be greater than 100%']],
    ['a negative count is rejected', { maxUnavailable: -1 }, ['spec.maxUnavailable: Invalid value: -1: must be greater than or equal to 0']],
    [
      'an unknown unhealthy pod eviction policy is unsupported',
      { minAvailable: 1, unhealthyPodEvictionPolicy: 'Never' },
      ['spec.unhealthyPodEvictionPolicy: Unsupported value: "Never": supported values: "AlwaysAllow", "IfHealthyBudget"'],
    ],
    [
      'a selector operator must be a real one',
      { minAvailable: 1, selector: { matchExpressions: [{ key: 'app', operator: 'Near', values: ['web'] }] } },
      ['spec.selector.matchExpressions[0].operator: Invalid value: "Near": not a valid selector operator'],
    ],
  ];
  for (const [name, spec, want] of cases) it(name, () => assert.deepEqual(check(budget(spec)), want));

  const rows: Array<[string, Record<string, unknown>, unknown[]]> = [
    ['a minAvailable budget shows N/A for max unavailable', { minAvailable: 2 }, ['web', '2', 'N/A', 1, '2m']],
    ['a maxUnavailable budget shows N/A for min available', { maxUnavailable: '50%' }, ['web', 'N/A', '50%', 1, '2m']],
  ];
  for (const [name, spec, want] of rows) {
    it(name, () => {
      const b = budget(spec);
      b.status = { disruptionsAllowed: 1 };
      assert.deepEqual(pdb.table!.row(b, Date.parse(T0) + 120_000), want);
    });
  }
});
