/** policy/v1 PodDisruptionBudget as upstream v1.32: validation, status zeros, table. */
import type { ResourceDef } from '../resource.js';
import type { KObject } from '../object.js';
import { fieldErr, type FieldErr } from '../validation.js';
import { AGE_COL, NAME_COL, age, col, define, rec } from './common.js';
import {
  goPtr,
  intOrStringText,
  invalidGo,
  nonNegative,
  notMoreThan100Percent,
  num,
  settleGeneration,
  statusZeros,
  validateIntOrPercent,
  validateLabelSelector,
} from './apps-common.js';

const EVICTION_POLICIES = ['AlwaysAllow', 'IfHealthyBudget'];

function validatePDB(obj: KObject, old?: KObject): FieldErr[] {
  const spec = rec(obj.spec);
  const errs: FieldErr[] = [];
  const min = spec.minAvailable;
  const max = spec.maxUnavailable;
  const has = (v: unknown): boolean => v !== undefined && v !== null;
  if (has(min) && has(max)) {
    // Upstream prints the whole spec with %#v (pointers as addresses); the sentence after it is what matters.
    const rendered = `policy.PodDisruptionBudgetSpec{MinAvailable:${goPtr('intstr.IntOrString', min, 4)}, Selector:${goPtr('v1.LabelSelector', spec.selector, 5)}, MaxUnavailable:${goPtr('intstr.IntOrString', max, 6)}, UnhealthyPodEvictionPolicy:${goPtr('policy.UnhealthyPodEvictionPolicyType', spec.unhealthyPodEvictionPolicy, 7)}}`;
    errs.push(invalidGo('spec', rendered, 'minAvailable and maxUnavailable cannot be both set'));
  }
  for (const [v, path] of [
    [min, 'spec.minAvailable'],
    [max, 'spec.maxUnavailable'],
  ] as const) {
    if (has(v)) errs.push(...validateIntOrPercent(v, path), ...notMoreThan100Percent(v, path));
  }
  errs.push(...validateLabelSelector(spec.selector, 'spec.selector'));
  const policy = spec.unhealthyPodEvictionPolicy;
  if (has(policy) && !EVICTION_POLICIES.includes(String(policy))) errs.push(fieldErr.notSupported('spec.unhealthyPodEvictionPolicy', policy, EVICTION_POLICIES));
  if (old) {
    settleGeneration(obj, old);
    const s = rec(obj.status);
    for (const f of ['disruptionsAllowed', 'currentHealthy', 'desiredHealthy', 'expectedPods']) errs.push(...nonNegative(`status.${f}`, s[f]));
  }
  return errs;
}

export const podDisruptionBudgetDef = define({
  group: 'policy',
  version: 'v1',
  kind: 'PodDisruptionBudget',
  resource: 'poddisruptionbudgets',
  namespaced: true,
  shortNames: ['pdb'],
  statusSubresource: true,
  generation: true,
  subresources: [{ name: 'status', group: 'policy', version: 'v1', kind: 'PodDisruptionBudget', verbs: ['get', 'patch', 'update'] }],
  defaults(obj) {
    statusZeros(obj, ['disruptionsAllowed', 'currentHealthy', 'desiredHealthy', 'expectedPods']);
  },
  validate: validatePDB,
  table: {
    columns: [
      NAME_COL,
      col('Min Available', 'The minimum number of pods that must be available.'),
      col('Max Unavailable', 'The maximum number of pods that may be unavailable.'),
      col('Allowed Disruptions', 'Calculated number of pods that may be disrupted at this time.', 0, 'integer'),
      AGE_COL,
    ],
    row(obj, now) {
      const spec = rec(obj.spec);
      const text = (v: unknown): string => (v === undefined || v === null ? 'N/A' : intOrStringText(v));
      return [obj.metadata.name, text(spec.minAvailable), text(spec.maxUnavailable), num(rec(obj.status).disruptionsAllowed), age(obj.metadata.creationTimestamp, now)];
    },
  },
});

export const POLICY_RESOURCES: ResourceDef[] = [podDisruptionBudgetDef];
