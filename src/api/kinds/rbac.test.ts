// Tests for rbac.authorization.k8s.io/v1: defaults, validation messages and table rows as upstream.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ResourceDef } from '../resource.js';
import type { KObject } from '../object.js';
import { fieldErrText } from '../validation.js';
import { RBAC_GROUP, RBAC_RESOURCES, clusterRoleBindingDef, clusterRoleDef, roleBindingDef, roleDef } from './rbac.js';

const NOW = Date.parse('2024-05-01T12:00:00Z');

function obj(name: string, ns: string | undefined, body: Record<string, unknown>): KObject {
  return { metadata: { name, ...(ns ? { namespace: ns } : {}), creationTimestamp: '2024-05-01T11:58:00Z' }, ...body };
}

function check(def: ResourceDef, o: KObject, old?: KObject): string[] {
  def.defaults?.(o);
  if (old) def.defaults?.(old);
  return (def.validate?.(o, old) ?? []).map(fieldErrText);
}

const rule = { apiGroups: [''], resources: ['pods'], verbs: ['get'] };
const binding = (ref: Record<string, unknown>, subjects: unknown[] = [{ kind: 'User', name: 'jane' }], ns = 'default') => obj('b', ns || undefined, { roleRef: ref, subjects });

describe('rbac resource definitions', () => {
  const cases: Array<[ResourceDef, string, string, boolean]> = [
    [roleDef, 'Role', 'roles', true],
    [clusterRoleDef, 'ClusterRole', 'clusterroles', false],
    [roleBindingDef, 'RoleBinding', 'rolebindings', true],
    [clusterRoleBindingDef, 'ClusterRoleBinding', 'clusterrolebindings', false],
  ];
  for (const [def, kind, resource, namespaced] of cases) {
    it(`serves ${kind} as ${RBAC_GROUP}/v1 ${resource}`, () => {
      assert.deepEqual([def.group, def.version, def.kind, def.resource, def.namespaced, def.schema], [RBAC_GROUP, 'v1', kind, resource, namespaced, `io.k8s.api.rbac.v1.${kind}`]);
      assert.equal(def.shortNames, undefined);
    });
  }
  it('lists all four kinds', () => assert.equal(RBAC_RESOURCES.length, 4));
});

describe('rbac defaults', () => {
  it('defaults the roleRef apiGroup and the User and Group subject apiGroups', () => {
    const o = binding({ kind: 'Role', name: 'r' }, [{ kind: 'User', name: 'u' }, { kind: 'Group', name: 'g' }, { kind: 'ServiceAccount', name: 's', namespace: 'n', apiGroup: '' }]);
    roleBindingDef.defaults?.(o);
    assert.deepEqual(o.roleRef, { kind: 'Role', name: 'r', apiGroup: RBAC_GROUP });
    assert.deepEqual(o.subjects, [
      { kind: 'User', name: 'u', apiGroup: RBAC_GROUP },
      { kind: 'Group', name: 'g', apiGroup: RBAC_GROUP },
      { kind: 'ServiceAccount', name: 's', namespace: 'n' },
    ]);
  });
});

describe('rbac validation', () => {
  const cases: Array<[string, ResourceDef, () => KObject, (() => KObject) | undefined, string[]]> = [
    ['accepts a role with a resource rule', roleDef, () => obj('pod-reader', 'default', { rules: [rule] }), undefined, []],
    ['accepts names that are only valid path segments', roleDef, () => obj('system:Controller_X', 'default', { rules: [rule] }), undefined, []],
    ['rejects names that cannot be path segments', clusterRoleDef, () => obj('a/b', undefined, {}), undefined, ['metadata.name: Invalid value: "a/b": may not contain \'/\'']],
    ['requires verbs, api groups and resources in a rule', roleDef, () => obj('r', 'default', { rules: [{}] }), undefined, [
      'rules[0].verbs: Required value: verbs must contain at least one value',
      'rules[0].apiGroups: Required value: resource rules must supply at least one api group',
      'rules[0].resources: Required value: resource rules must supply at least one resource',
    ]],
    ['rejects non-resource URLs in a namespaced role', roleDef, () => obj('r', 'default', { rules: [{ verbs: ['get'], nonResourceURLs: ['/healthz'], resources: ['pods'] }] }), undefined, [
      'rules[0].nonResourceURLs: Invalid value: []string{"/healthz"}: namespaced rules cannot apply to non-resource URLs',
      'rules[0].nonResourceURLs: Invalid value: []string{"/healthz"}: rules cannot apply to both regular resources and non-resource URLs',
    ]],
    ['rejects resource names over several resources', clusterRoleDef, () => obj('r', undefined, { rules: [{ ...rule, resources: ['pods', 'secrets'], resourceNames: ['x'] }] }), undefined, [
      'rules[0].resourceNames: Required value: resource names cannot apply to multiple resources',
    ]],
    ['accepts non-resource URLs in a cluster role', clusterRoleDef, () => obj('r', undefined, { rules: [{ verbs: ['get'], nonResourceURLs: ['/healthz'] }] }), undefined, []],
    ['requires cluster role selectors in an aggregation rule', clusterRoleDef, () => obj('agg', undefined, { aggregationRule: {} }), undefined, [
      'aggregationRule.clusterRoleSelectors: Required value: at least one clusterRoleSelector required if aggregationRule is non-nil',
    ]],
    ['validates aggregation selectors', clusterRoleDef, () => obj('agg', undefined, { aggregationRule: { clusterRoleSelectors: [{ matchExpressions: [{ key: 'a', operator: 'In' }] }] } }), undefined, [
      "aggregationRule.clusterRoleSelectors[0].matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'",
    ]],
    ['requires a roleRef kind and name', roleBindingDef, () => binding({}), undefined, [
      'roleRef.kind: Unsupported value: "": supported values: "Role", "ClusterRole"',
      'roleRef.name: Required value',
    ]],
    ['allows only ClusterRole in a cluster role binding', clusterRoleBindingDef, () => binding({ kind: 'Role', name: 'r' }, [], ''), undefined, ['roleRef.kind: Unsupported value: "Role": supported values: "ClusterRole"']],
    ['rejects a roleRef in another API group', roleBindingDef, () => binding({ apiGroup: 'example.com', kind: 'Role', name: 'r' }), undefined, [
      'roleRef.apiGroup: Unsupported value: "example.com": supported values: "rbac.authorization.k8s.io"',
    ]],
    ['requires a namespace for service accounts bound cluster-wide only', clusterRoleBindingDef, () => binding({ kind: 'ClusterRole', name: 'r' }, [{ kind: 'ServiceAccount', name: 'sa' }], ''), undefined, [
      'subjects[0].namespace: Required value',
    ]],
    ['lets a role binding omit the service account namespace', roleBindingDef, () => binding({ kind: 'Role', name: 'r' }, [{ kind: 'ServiceAccount', name: 'sa' }]), undefined, []],
    ['rejects unknown subject kinds and empty names', roleBindingDef, () => binding({ kind: 'Role', name: 'r' }, [{ kind: 'Robot', name: 'x' }, { kind: 'User', name: '' }]), undefined, [
      'subjects[0].kind: Unsupported value: "Robot": supported values: "ServiceAccount", "User", "Group"',
      'subjects[1].name: Required value',
      'subjects[1].name: Invalid value: "": user name cannot be empty',
    ]],
    ['rejects an apiGroup on service account subjects', roleBindingDef, () => binding({ kind: 'Role', name: 'r' }, [{ kind: 'ServiceAccount', name: 'sa', apiGroup: 'x' }]), undefined, [
      'subjects[0].apiGroup: Unsupported value: "x": supported values: ""',
    ]],
    ['keeps roleRef immutable', roleBindingDef, () => binding({ kind: 'ClusterRole', name: 'view' }), () => binding({ kind: 'ClusterRole', name: 'edit' }), [
      'roleRef: Invalid value: rbac.RoleRef{APIGroup:"rbac.authorization.k8s.io", Kind:"ClusterRole", Name:"view"}: cannot change roleRef',
    ]],
    ['allows subject changes when roleRef stays', clusterRoleBindingDef, () => binding({ kind: 'ClusterRole', name: 'view' }, [], ''), () => binding({ kind: 'ClusterRole', name: 'view' }, [{ kind: 'Group', name: 'g' }], ''), []],
  ];
  for (const [name, def, make, makeOld, want] of cases) {
    it(name, () => assert.deepEqual(check(def, make(), makeOld?.()), want));
  }
});

describe('rbac tables', () => {
  it('leaves Role and ClusterRole on the generic NAME / CREATED AT table', () => {
    assert.equal(roleDef.table, undefined);
    assert.equal(clusterRoleDef.table, undefined);
  });
  it('prints bindings as NAME ROLE AGE with USERS GROUPS SERVICEACCOUNTS when wide', () => {
    const o = binding({ kind: 'ClusterRole', name: 'view' }, [
      { kind: 'User', name: 'a' }, { kind: 'User', name: 'b' }, { kind: 'Group', name: 'g' },
      { kind: 'ServiceAccount', name: 'sa', namespace: 'kube-system' }, { kind: 'ServiceAccount', name: 'x' },
    ]);
    for (const def of [roleBindingDef, clusterRoleBindingDef]) {
      assert.deepEqual(def.table?.columns.map((c) => [c.name, c.priority]), [['Name', 0], ['Role', 0], ['Age', 0], ['Users', 1], ['Groups', 1], ['ServiceAccounts', 1]]);
      assert.deepEqual(def.table?.row(o, NOW), ['b', 'ClusterRole/view', '2m', 'a, b', 'g', 'kube-system/sa, /x']);
    }
  });
});
