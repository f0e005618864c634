/**
 * scheduling.k8s.io/v1 PriorityClass: defaults, validation and table as
 * upstream, and the two system classes the API server creates at bootstrap.
 * @module
 */
import type { ResourceDef } from '../resource.js';
import type { KObject } from '../object.js';
import { fieldErr, type FieldErr } from '../validation.js';
import { AGE_COL, NAME_COL, age, col, define } from './common.js';
import { immutable } from './core-more-util.js';

export const SYSTEM_PRIORITY_CLASS_PREFIX = 'system-';
/** HighestUserDefinablePriority. */
export const HIGHEST_USER_DEFINABLE_PRIORITY = 1_000_000_000;
/** SystemCriticalPriority: system-cluster-critical; system-node-critical is 1000 more. */
export const SYSTEM_CRITICAL_PRIORITY = 2 * HIGHEST_USER_DEFINABLE_PRIORITY;

/** The built-in classes (upstream's systemPriorityClasses), ready to create at bootstrap. */
export const SYSTEM_PRIORITY_CLASSES: readonly KObject[] = [
  {
    apiVersion: 'scheduling.k8s.io/v1',
    kind: 'PriorityClass',
    metadata: { name: 'system-node-critical' },
    value: SYSTEM_CRITICAL_PRIORITY + 1000,
    description: 'Used for system critical pods that must not be moved from their current node.',
  },
  {
    apiVersion: 'scheduling.k8s.io/v1',
    kind: 'PriorityClass',
    metadata: { name: 'system-cluster-critical' },
    value: SYSTEM_CRITICAL_PRIORITY,
    description: 'Used for system critical pods that must run in the cluster, but can be moved to another node if necessary.',
  },
];

/** IsKnownSystemPriorityClass: '' when the class matches a built-in, else the reason. */
function systemClassError(name: string, value: unknown, globalDefault: boolean): string {
  const known = SYSTEM_PRIORITY_CLASSES.find((c) => c.metadata.name === name);
  if (!known) return `${name} is not a known system priority class`;
  if (known.value !== value) return `value of ${name} PriorityClass must be ${String(known.value)}`;
  if (globalDefault) return `globalDefault of ${name} PriorityClass must be false`;
  return '';
}

const POLICIES = ['PreemptLowerPriority', 'Never'];

function validatePriorityClass(pc: KObject, old?: KObject): FieldErr[] {
  const errs: FieldErr[] = [];
  const name = pc.metadata.name ?? '';
  const value = typeof pc.value === 'number' ? pc.value : 0;
  if (name.startsWith(SYSTEM_PRIORITY_CLASS_PREFIX)) {
    const reason = systemClassError(name, value, pc.globalDefault === true);
    if (reason) {
      errs.push(fieldErr.forbidden('metadata.name', `priority class names with '${SYSTEM_PRIORITY_CLASS_PREFIX}' prefix are reserved for system use only. error: ${reason}`));
    }
  } else if (value > HIGHEST_USER_DEFINABLE_PRIORITY) {
    errs.push(fieldErr.forbidden('value', `maximum allowed value of a user defined priority is ${HIGHEST_USER_DEFINABLE_PRIORITY}`));
  }
  const policy = pc.preemptionPolicy;
  if (policy === '') errs.push(fieldErr.required('preemptionPolicy'));
  else if (policy !== undefined && !POLICIES.includes(String(policy))) errs.push(fieldErr.notSupported('preemptionPolicy', policy, POLICIES));
  if (old) {
    if ((old.value ?? 0) !== value) errs.push(fieldErr.forbidden('value', 'may not be changed in an update.'));
    if (old.preemptionPolicy !== pc.preemptionPolicy) errs.push(immutable('preemptionPolicy', pc.preemptionPolicy));
  }
  return errs;
}

export const priorityClassDef = define({
  group: 'scheduling.k8s.io',
  version: 'v1',
  kind: 'PriorityClass',
  resource: 'priorityclasses',
  namespaced: false,
  shortNames: ['pc'],
  generation: true,
  defaults(pc) {
    pc.value ??= 0;
    pc.preemptionPolicy ??= 'PreemptLowerPriority';
  },
  validate: validatePriorityClass,
  table: {
    columns: [
      NAME_COL,
      col('Value', 'value represents the integer value of this priority class.', 0, 'integer'),
      col('Global-Default', 'globalDefault specifies whether this PriorityClass should be considered as the default priority for pods that do not have any priority class.', 0, 'boolean'),
      AGE_COL,
      col('PreemptionPolicy', 'preemptionPolicy is the Policy for preempting pods with lower priority.'),
    ],
    row: (pc, now) => [
      pc.metadata.name,
      typeof pc.value === 'number' ? pc.value : 0,
      pc.globalDefault === true,
      age(pc.metadata.creationTimestamp, now),
      typeof pc.preemptionPolicy === 'string' ? pc.preemptionPolicy : '',
    ],
  },
});

export const SCHEDULING_RESOURCES: ResourceDef[] = [priorityClassDef];
