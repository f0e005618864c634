/** The defender's view of RBAC: for each subject and scope, the dangerous rights its bindings grant (`k8ts audit-rbac`). */
import { isRecord, type KObject } from '../../api/index.js';
import type { Attributes } from './authorize.js';
import { ruleAllows, rulesOf, type PolicyRule } from './rbac-rules.js';

export interface SubjectRights {
  subject: string;
  kind: string;
  scope: string;
  rights: string[];
  via: string[];
}

const U = { username: '', groups: [] };
const r = (verb: string, resource: string, group = '', subresource?: string, namespace?: string): Attributes => ({ user: U, verb, group, resource, subresource, namespace, name: 'any' });
const CHECKS: Array<[string, Attributes[]]> = [
  ['wildcard', []],
  ['secrets read', [r('get', 'secrets'), r('list', 'secrets'), r('watch', 'secrets')]],
  ['pods/exec', [r('create', 'pods', '', 'exec'), r('get', 'pods', '', 'exec')]],
  ['pods/attach', [r('create', 'pods', '', 'attach')]],
  ['escalate', [r('escalate', 'roles', 'rbac.authorization.k8s.io'), r('escalate', 'clusterroles', 'rbac.authorization.k8s.io')]],
  ['bind', [r('bind', 'roles', 'rbac.authorization.k8s.io'), r('bind', 'clusterroles', 'rbac.authorization.k8s.io')]],
  ['impersonate', [r('impersonate', 'users'), r('impersonate', 'groups'), r('impersonate', 'serviceaccounts')]],
  ['nodes/proxy', [r('get', 'nodes', '', 'proxy'), r('create', 'nodes', '', 'proxy')]],
  ['create pods in kube-system', [r('create', 'pods', '', undefined, 'kube-system')]],
  ['serviceaccounts/token', [r('create', 'serviceaccounts', '', 'token')]],
  ['rbac writes', [r('create', 'rolebindings', 'rbac.authorization.k8s.io'), r('create', 'clusterrolebindings', 'rbac.authorization.k8s.io')]],
  ['csr approve', [r('update', 'certificatesigningrequests', 'certificates.k8s.io', 'approval')]],
];

const isWildcard = (p: PolicyRule) => p.verbs.includes('*') && ((p.resources ?? []).includes('*') || (p.nonResourceURLs ?? []).includes('*'));

export function dangerousRights(roles: KObject[], clusterRoles: KObject[], bindings: KObject[]): SubjectRights[] {
  const roleRules = new Map<string, PolicyRule[]>();
  for (const o of roles) roleRules.set(`Role/${o.metadata.namespace ?? ''}/${o.metadata.name ?? ''}`, rulesOf(o));
  for (const o of clusterRoles) roleRules.set(`ClusterRole//${o.metadata.name ?? ''}`, rulesOf(o));
  const out = new Map<string, SubjectRights>();
  for (const b of bindings) {
    const ns = b.kind === 'RoleBinding' ? (b.metadata.namespace ?? '') : '';
    const ref = isRecord(b.roleRef) ? b.roleRef : {};
    const rules = roleRules.get(`${String(ref.kind)}/${ref.kind === 'Role' ? ns : ''}/${String(ref.name)}`) ?? [];
    const rights = CHECKS.filter(([label, attrs]) => (label === 'wildcard' ? rules.some(isWildcard) : attrs.some((a) => rules.some((p) => ruleAllows({ ...a, namespace: a.namespace ?? (ns || undefined) }, p))))).map(([l]) => l);
    if (!rights.length) continue;
    for (const s of Array.isArray(b.subjects) ? b.subjects.filter(isRecord) : []) {
      const kind = String(s.kind);
      const name = kind === 'ServiceAccount' ? `${String(s.namespace ?? ns)}:${String(s.name)}` : String(s.name);
      const scope = ns || 'cluster';
      const key = `${kind}|${name}|${scope}`;
      let e = out.get(key);
      if (!e) out.set(key, (e = { subject: name, kind, scope, rights: [], via: [] }));
      for (const x of rights) if (!e.rights.includes(x)) e.rights.push(x);
      e.via.push(`${b.kind === 'RoleBinding' ? 'rb' : 'crb'}/${b.metadata.name ?? ''}`);
    }
  }
  return [...out.values()].sort((a, b) => a.kind.localeCompare(b.kind) || a.subject.localeCompare(b.subject) || a.scope.localeCompare(b.scope));
}
