/**
 * rbac.authorization.k8s.io/v1 Role, ClusterRole, RoleBinding and
 * ClusterRoleBinding: defaults, validation and tables as upstream. Role and
 * ClusterRole have no printer upstream, so they get the generic
 * NAME / CREATED AT table.
 * @module
 */
import type { ResourceDef } from '../resource.js';
import { child, isRecord, type KObject } from '../object.js';
import { fieldErr, type FieldErr } from '../validation.js';
import { isDNS1123Subdomain, isValidPathSegmentName } from '../names.js';
import { AGE_COL, NAME_COL, age, arr, col, rec, str } from './common.js';
import { defineNamed, validateLabelSelector } from './core-more-util.js';

export const RBAC_GROUP = 'rbac.authorization.k8s.io';

const goStrings = (v: unknown[]) => `[]string{${v.map((x) => JSON.stringify(String(x))).join(', ')}}`;

/** validatePolicyRule. */
function validateRule(rule: Record<string, unknown>, namespaced: boolean, p: string): FieldErr[] {
  const errs: FieldErr[] = [];
  if (arr(rule.verbs).length === 0) errs.push(fieldErr.required(`${p}.verbs`, 'verbs must contain at least one value'));
  const urls = arr(rule.nonResourceURLs);
  if (urls.length > 0) {
    const invalid = (detail: string): FieldErr => ({ type: 'FieldValueInvalid', field: `${p}.nonResourceURLs`, message: `Invalid value: ${goStrings(urls)}: ${detail}` });
    if (namespaced) errs.push(invalid('namespaced rules cannot apply to non-resource URLs'));
    if (arr(rule.apiGroups).length || arr(rule.resources).length || arr(rule.resourceNames).length) {
      errs.push(invalid('rules cannot apply to both regular resources and non-resource URLs'));
    }
    return errs;
  }
  if (arr(rule.apiGroups).length === 0) errs.push(fieldErr.required(`${p}.apiGroups`, 'resource rules must supply at least one api group'));
  if (arr(rule.resources).length === 0) errs.push(fieldErr.required(`${p}.resources`, 'resource rules must supply at least one resource'));
  if (arr(rule.resourceNames).length > 0 && arr(rule.resources).length > 1) {
    errs.push(fieldErr.required(`${p}.resourceNames`, 'resource names cannot apply to multiple resources'));
  }
  return errs;
}

const validateRules = (o: KObject, namespaced: boolean) => arr(o.rules).flatMap((r, i) => validateRule(rec(r), namespaced, `rules[${i}]`));

function validateAggregation(o: KObject): FieldErr[] {
  if (!isRecord(o.aggregationRule)) return [];
  const selectors = arr(o.aggregationRule.clusterRoleSelectors);
  const errs: FieldErr[] = [];
  if (selectors.length === 0) {
    errs.push(fieldErr.required('aggregationRule.clusterRoleSelectors', 'at least one clusterRoleSelector required if aggregationRule is non-nil'));
  }
  selectors.forEach((s, i) => errs.push(...validateLabelSelector(s, `aggregationRule.clusterRoleSelectors[${i}]`)));
  return errs;
}

/** validateRoleBindingSubject. */
function validateSubject(s: Record<string, unknown>, namespaced: boolean, p: string): FieldErr[] {
  const errs: FieldErr[] = [];
  const name = str(s.name);
  const apiGroup = str(s.apiGroup);
  if (!name) errs.push(fieldErr.required(`${p}.name`));
  switch (s.kind) {
    case 'ServiceAccount':
      if (name) for (const m of isDNS1123Subdomain(name)) errs.push(fieldErr.invalid(`${p}.name`, name, m));
      if (apiGroup) errs.push(fieldErr.notSupported(`${p}.apiGroup`, apiGroup, ['']));
      if (!namespaced && !str(s.namespace)) errs.push(fieldErr.required(`${p}.namespace`));
      break;
    case 'User':
    case 'Group':
      if (!name) errs.push(fieldErr.invalid(`${p}.name`, name, `${s.kind === 'User' ? 'user' : 'group'} name cannot be empty`));
      if (apiGroup !== RBAC_GROUP) errs.push(fieldErr.notSupported(`${p}.apiGroup`, apiGroup, [RBAC_GROUP]));
      break;
    default:
      errs.push(fieldErr.notSupported(`${p}.kind`, str(s.kind), ['ServiceAccount', 'User', 'Group']));
  }
  return errs;
}

/** %#v of an rbac.RoleRef, as the "cannot change roleRef" error prints it. */
function goRoleRef(r: Record<string, unknown>): string {
  return `rbac.RoleRef{APIGroup:${JSON.stringify(str(r.apiGroup))}, Kind:${JSON.stringify(str(r.kind))}, Name:${JSON.stringify(str(r.name))}}`;
}

function validateBinding(o: KObject, old: KObject | undefined, namespaced: boolean): FieldErr[] {
  const ref = rec(o.roleRef);
  const errs: FieldErr[] = [];
  if (ref.apiGroup !== RBAC_GROUP) errs.push(fieldErr.notSupported('roleRef.apiGroup', str(ref.apiGroup), [RBAC_GROUP]));
  const kinds = namespaced ? ['Role', 'ClusterRole'] : ['ClusterRole'];
  if (!kinds.includes(str(ref.kind))) errs.push(fieldErr.notSupported('roleRef.kind', str(ref.kind), kinds));
  const name = str(ref.name);
  if (!name) errs.push(fieldErr.required('roleRef.name'));
  else for (const m of isValidPathSegmentName(name)) errs.push(fieldErr.invalid('roleRef.name', name, m));
  arr(o.subjects).forEach((s, i) => errs.push(...validateSubject(rec(s), namespaced, `subjects[${i}]`)));
  if (old) {
    const before = rec(old.roleRef);
    if (['apiGroup', 'kind', 'name'].some((k) => str(before[k]) !== str(ref[k]))) {
      errs.push({ type: 'FieldValueInvalid', field: 'roleRef', message: `Invalid value: ${goRoleRef(ref)}: cannot change roleRef` });
    }
  }
  return errs;
}

/** SetDefaults_RoleBinding / _ClusterRoleBinding / _Subject. */
function defaultBinding(o: KObject): void {
  const ref = child(o, 'roleRef');
  if (!ref.apiGroup) ref.apiGroup = RBAC_GROUP;
  for (const s of arr(o.subjects)) {
    if (!isRecord(s) || s.apiGroup) continue;
    // ServiceAccount subjects keep the core group "", which the wire form omits.
    if (s.kind === 'User' || s.kind === 'Group') s.apiGroup = RBAC_GROUP;
    else delete s.apiGroup;
  }
}

/** rbac.SubjectsStrings: users, groups and `namespace/name` service accounts, each joined by ", ". */
function subjectCells(o: KObject): [string, string, string] {
  const subjects = arr(o.subjects).map(rec);
  const of = (kind: string, f: (s: Record<string, unknown>) => string) => subjects.filter((s) => s.kind === kind).map(f).join(', ');
  return [of('User', (s) => str(s.name)), of('Group', (s) => str(s.name)), of('ServiceAccount', (s) => `${str(s.namespace)}/${str(s.name)}`)];
}

function bindingTable(what: string): ResourceDef['table'] {
  return {
    columns: [
      NAME_COL,
      col('Role', 'RoleRef can reference a Role in the current namespace or a ClusterRole in the global namespace.'),
      AGE_COL,
      col('Users', `Users in the ${what}`, 1),
      col('Groups', `Groups in the ${what}`, 1),
      col('ServiceAccounts', `ServiceAccounts in the ${what}`, 1),
    ],
    row: (o, now) => [o.metadata.name, `${str(rec(o.roleRef).kind)}/${str(rec(o.roleRef).name)}`, age(o.metadata.creationTimestamp, now), ...subjectCells(o)],
  };
}

// RBAC names only need to be valid path segments (minimalNameRequirements).
const pathSegment = (name: string) => isValidPathSegmentName(name);

export const roleDef = defineNamed(
  { group: RBAC_GROUP, version: 'v1', kind: 'Role', resource: 'roles', namespaced: true, validate: (o) => validateRules(o, true) },
  pathSegment,
);

export const clusterRoleDef = defineNamed(
  {
    group: RBAC_GROUP,
    version: 'v1',
    kind: 'ClusterRole',
    resource: 'clusterroles',
    namespaced: false,
    validate: (o) => [...validateRules(o, false), ...validateAggregation(o)],
  },
  pathSegment,
);

export const roleBindingDef = defineNamed(
  {
    group: RBAC_GROUP,
    version: 'v1',
    kind: 'RoleBinding',
    resource: 'rolebindings',
    namespaced: true,
    defaults: defaultBinding,
    validate: (o, old) => validateBinding(o, old, true),
    table: bindingTable('roleBinding'),
  },
  pathSegment,
);

export const clusterRoleBindingDef = defineNamed(
  {
    group: RBAC_GROUP,
    version: 'v1',
    kind: 'ClusterRoleBinding',
    resource: 'clusterrolebindings',
    namespaced: false,
    defaults: defaultBinding,
    validate: (o, old) => validateBinding(o, old, false),
    table: bindingTable('clusterRoleBinding'),
  },
  pathSegment,
);

export const RBAC_RESOURCES: ResourceDef[] = [clusterRoleBindingDef, clusterRoleDef, roleBindingDef, roleDef];
