/**
 * RBAC privilege-escalation prevention (pkg/registry/rbac/*\/policybased):
 * a Role or ClusterRole may grant only what its writer holds, unless the
 * writer may `escalate`; a binding may reference only a role whose rules its
 * writer holds, unless the writer may `bind` that role.
 * @module
 */
import { isRecord, type KObject } from '../../api/index.js';
import { authorize, authorizerFor } from '../auth/authorize.js';
import { compactString, rulesOf, uncovered, type PolicyRule } from '../auth/rbac-rules.js';
import type { UserInfo } from '../auth/user.js';
import { errors } from '../errors.js';
import type { Hooks, WriteContext } from '../registry/resource-store.js';
import type { ServerParts } from '../rest/context.js';

const G = 'rbac.authorization.k8s.io';

/** Upstream's CompactRules: pieces with the same target merge their verbs. */
function compact(rules: PolicyRule[]): PolicyRule[] {
  const byTarget = new Map<string, PolicyRule>();
  for (const r of rules) {
    const k = JSON.stringify([r.apiGroups, r.resources, r.resourceNames, r.nonResourceURLs]);
    const cur = byTarget.get(k);
    if (cur) cur.verbs = [...new Set([...cur.verbs, ...r.verbs])];
    else byTarget.set(k, { ...r, verbs: [...r.verbs] });
  }
  return [...byTarget.values()];
}

export function escalationMessage(resource: string, name: string, user: UserInfo, missing: PolicyRule[]): string {
  const groups = `[${user.groups.map((g) => JSON.stringify(g)).join(' ')}]`;
  return `${resource}.${G} "${name}" is forbidden: user "${user.username}" (groups=${groups}) is attempting to grant RBAC permissions not currently held:\n${compact(missing).map(compactString).join('\n')}`;
}

export function installRbacEscalation(parts: ServerParts): void {
  const rbac = () => authorizerFor(parts).rbac;
  const can = (user: UserInfo, verb: string, resource: string, namespace: string, name: string) =>
    authorize({ user, verb, group: G, version: 'v1', resource, namespace: namespace || undefined, name }, parts).allowed;
  const privileged = (u: UserInfo | undefined): u is undefined => !u || u.groups.includes('system:masters');

  const confirm = (user: UserInfo, resource: string, obj: KObject, rules: PolicyRule[]) => {
    const ns = obj.metadata.namespace ?? '';
    const missing = uncovered(rbac().rulesFor(user, ns), rules);
    if (missing.length) throw errors.forbidden(escalationMessage(resource, obj.metadata.name ?? '', user, missing), { name: obj.metadata.name, group: G, kind: resource });
  };

  const roleHook = (resource: 'roles' | 'clusterroles'): Hooks => {
    const check = async (obj: KObject, old: KObject | undefined, ctx: WriteContext) => {
      const u = ctx.user;
      if (privileged(u)) return;
      if (can(u, 'escalate', resource, obj.metadata.namespace ?? '', obj.metadata.name ?? '')) return;
      if (old && JSON.stringify(old.rules ?? []) === JSON.stringify(obj.rules ?? []) && JSON.stringify(old.aggregationRule) === JSON.stringify(obj.aggregationRule)) return;
      if (resource === 'clusterroles' && isRecord(obj.aggregationRule)) {
        if (uncovered(rbac().rulesFor(u, ''), [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }, { verbs: ['*'], nonResourceURLs: ['*'] }]).length) {
          throw errors.forbidden(`${resource}.${G} "${obj.metadata.name ?? ''}" is forbidden: must have cluster-admin privileges to use the aggregationRule`, { name: obj.metadata.name, group: G, kind: resource });
        }
      }
      confirm(u, resource, obj, rulesOf(obj));
    };
    return { beforeCreate: (o, c) => check(o, undefined, c), beforeUpdate: (o, old, c) => check(o, old, c) };
  };

  const bindingHook = (resource: 'rolebindings' | 'clusterrolebindings'): Hooks => {
    const check = async (obj: KObject, old: KObject | undefined, ctx: WriteContext) => {
      const u = ctx.user;
      if (privileged(u)) return;
      if (old && JSON.stringify(old.roleRef) === JSON.stringify(obj.roleRef) && JSON.stringify(old.subjects) === JSON.stringify(obj.subjects)) return;
      const ref = isRecord(obj.roleRef) ? obj.roleRef : {};
      const kind = typeof ref.kind === 'string' ? ref.kind : '';
      const name = typeof ref.name === 'string' ? ref.name : '';
      const ns = obj.metadata.namespace ?? '';
      if (can(u, 'bind', kind === 'ClusterRole' ? 'clusterroles' : 'roles', kind === 'Role' ? ns : ns, name)) return;
      const rules = rbac().roleRules(kind, ns, name);
      if (!rules) {
        const res = kind === 'ClusterRole' ? 'clusterroles' : 'roles';
        throw errors.forbidden(`${resource}.${G} "${obj.metadata.name ?? ''}" is forbidden: ${res}.${G} "${name}" not found`, { name: obj.metadata.name, group: G, kind: resource });
      }
      confirm(u, resource, obj, rules);
    };
    return { beforeCreate: (o, c) => check(o, undefined, c), beforeUpdate: (o, old, c) => check(o, old, c) };
  };

  for (const [res, hook] of [
    ['roles', roleHook('roles')],
    ['clusterroles', roleHook('clusterroles')],
    ['rolebindings', bindingHook('rolebindings')],
    ['clusterrolebindings', bindingHook('clusterrolebindings')],
  ] as const) {
    const def = parts.registry.resource(G, 'v1', res);
    if (def) parts.resources.get(def)?.hooks.push(hook);
  }
}
