/**
 * RBAC state from the watch cache: Roles, ClusterRoles and bindings indexed
 * by subject (user, group, service-account username), kept current by cache
 * events, so a decision reads only the bindings that name the requester.
 * @module
 */
import { isRecord, type KObject } from '../../api/index.js';
import type { WatchCache } from '../watch-cache/watch-cache.js';
import type { Attributes } from './authorize.js';
import { ruleAllows, rulesOf, type PolicyRule } from './rbac-rules.js';
import type { UserInfo } from './user.js';

const G = 'rbac.authorization.k8s.io';
export const RBAC_BUCKETS = {
  roles: `/registry/${G}/roles/`,
  clusterroles: `/registry/${G}/clusterroles/`,
  rolebindings: `/registry/${G}/rolebindings/`,
  clusterrolebindings: `/registry/${G}/clusterrolebindings/`,
} as const;

export interface Binding {
  kind: 'RoleBinding' | 'ClusterRoleBinding';
  name: string;
  namespace: string;
  roleKind: string;
  roleName: string;
  /** Subjects as upstream describes them in reasons: `User "alice"`. */
  subjects: Array<{ key: string; text: string }>;
}

/** Where a rule set came from, as upstream's reasons name it. */
export interface RuleSource {
  binding: Binding;
  rules: PolicyRule[];
}

export function subjectKeys(u: UserInfo): string[] {
  return [`u:${u.username}`, ...u.groups.map((g) => `g:${g}`)];
}

const str = (v: unknown) => (typeof v === 'string' ? v : '');

export class RbacIndex {
  private readonly roles = new Map<string, PolicyRule[]>();
  private readonly clusterRoles = new Map<string, PolicyRule[]>();
  /** subject key → binding storage key → binding; role bindings are keyed by namespace first. */
  private readonly crbs = new Map<string, Map<string, Binding>>();
  private readonly rbs = new Map<string, Map<string, Map<string, Binding>>>();
  private readonly bindings = new Map<string, Binding>();
  private loaded = false;

  constructor(private readonly cache: WatchCache) {
    for (const bucket of Object.values(RBAC_BUCKETS)) {
      cache.listen(bucket, (evs) => {
        for (const e of evs) this.apply(bucket, e.key, e.type === 'DELETED' ? undefined : e.entry.obj);
      });
    }
  }

  private load(): void {
    if (this.loaded) return;
    this.loaded = true;
    for (const bucket of Object.values(RBAC_BUCKETS)) for (const e of this.cache.entries(bucket)) this.apply(bucket, e.key, e.obj);
  }

  private apply(bucket: string, key: string, obj: KObject | undefined): void {
    if (bucket === RBAC_BUCKETS.roles) {
      if (obj) this.roles.set(`${obj.metadata.namespace ?? ''}/${obj.metadata.name ?? ''}`, rulesOf(obj));
      else this.roles.delete(key.slice(bucket.length));
    } else if (bucket === RBAC_BUCKETS.clusterroles) {
      if (obj) this.clusterRoles.set(obj.metadata.name ?? '', rulesOf(obj));
      else this.clusterRoles.delete(key.slice(bucket.length));
    } else {
      this.removeBinding(key);
      if (obj) this.addBinding(key, obj, bucket === RBAC_BUCKETS.clusterrolebindings);
    }
  }

  private removeBinding(key: string): void {
    const b = this.bindings.get(key);
    if (!b) return;
    this.bindings.delete(key);
    for (const s of b.subjects) {
      if (b.kind === 'ClusterRoleBinding') this.crbs.get(s.key)?.delete(key);
      else this.rbs.get(s.key)?.get(b.namespace)?.delete(key);
    }
  }

  private addBinding(key: string, obj: KObject, cluster: boolean): void {
    const ns = obj.metadata.namespace ?? '';
    const ref = isRecord(obj.roleRef) ? obj.roleRef : {};
    const subjects: Binding['subjects'] = [];
    for (const s of Array.isArray(obj.subjects) ? obj.subjects.filter(isRecord) : []) {
      const name = str(s.name);
      if (s.kind === 'User') subjects.push({ key: `u:${name}`, text: `User "${name}"` });
      else if (s.kind === 'Group') subjects.push({ key: `g:${name}`, text: `Group "${name}"` });
      else if (s.kind === 'ServiceAccount') {
        const sns = str(s.namespace) || ns;
        subjects.push({ key: `u:system:serviceaccount:${sns}:${name}`, text: `ServiceAccount "${name}/${sns}"` });
      }
    }
    const b: Binding = { kind: cluster ? 'ClusterRoleBinding' : 'RoleBinding', name: obj.metadata.name ?? '', namespace: ns, roleKind: str(ref.kind), roleName: str(ref.name), subjects };
    this.bindings.set(key, b);
    for (const s of subjects) {
      if (cluster) {
        let m = this.crbs.get(s.key);
        if (!m) this.crbs.set(s.key, (m = new Map()));
        m.set(key, b);
      } else {
        let byNs = this.rbs.get(s.key);
        if (!byNs) this.rbs.set(s.key, (byNs = new Map()));
        let m = byNs.get(ns);
        if (!m) byNs.set(ns, (m = new Map()));
        m.set(key, b);
      }
    }
  }

  /** The rules a binding grants (empty when its role does not exist). */
  rulesOfBinding(b: Binding): PolicyRule[] {
    if (b.roleKind === 'ClusterRole') return this.clusterRoles.get(b.roleName) ?? [];
    if (b.roleKind === 'Role' && b.kind === 'RoleBinding') return this.roles.get(`${b.namespace}/${b.roleName}`) ?? [];
    return [];
  }

  /** The rules of a role a binding may reference. */
  roleRules(kind: string, namespace: string, name: string): PolicyRule[] | undefined {
    this.load();
    return kind === 'ClusterRole' ? this.clusterRoles.get(name) : this.roles.get(`${namespace}/${name}`);
  }

  /** Every binding naming the user that applies in `namespace` ('' = cluster-wide only). */
  *sources(u: UserInfo, namespace: string): Iterable<RuleSource> {
    this.load();
    const keys = subjectKeys(u);
    for (const k of keys) for (const b of this.crbs.get(k)?.values() ?? []) yield { binding: b, rules: this.rulesOfBinding(b) };
    if (!namespace) return;
    for (const k of keys) for (const b of this.rbs.get(k)?.get(namespace)?.values() ?? []) yield { binding: b, rules: this.rulesOfBinding(b) };
  }

  /** Every rule the user holds in `namespace` (plus cluster-wide ones). */
  rulesFor(u: UserInfo, namespace: string): PolicyRule[] {
    const out: PolicyRule[] = [];
    // Several bindings of one role grant its rules once.
    const seen = new Set<PolicyRule[]>();
    for (const s of this.sources(u, namespace)) {
      if (seen.has(s.rules)) continue;
      seen.add(s.rules);
      out.push(...s.rules);
    }
    return out;
  }

  /** The RBAC decision, with upstream's reason when allowed. */
  authorize(a: Attributes): { allowed: boolean; reason: string } {
    const keys = new Set(subjectKeys(a.user));
    for (const s of this.sources(a.user, a.namespace ?? '')) {
      if (!s.rules.some((r) => ruleAllows(a, r))) continue;
      const subj = s.binding.subjects.find((x) => keys.has(x.key))?.text ?? '';
      const where = s.binding.kind === 'RoleBinding' ? `RoleBinding "${s.binding.name}/${s.binding.namespace}"` : `ClusterRoleBinding "${s.binding.name}"`;
      return { allowed: true, reason: `RBAC: allowed by ${where} of ${s.binding.roleKind} "${s.binding.roleName}" to ${subj}` };
    }
    return { allowed: false, reason: '' };
  }

  /** All bindings (audit-rbac). */
  allBindings(): Binding[] {
    this.load();
    return [...this.bindings.values()];
  }
}
