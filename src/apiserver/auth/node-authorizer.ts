/**
 * The Node authorizer: a kubelet (`system:node:<name>` in `system:nodes`) gets
 * the system:node rules, but reads Secrets, ConfigMaps, PVCs, PVs and
 * ServiceAccount tokens only when a pod bound to its node uses them, and
 * writes only its own Node and Lease (and its own kube-dns EndpointSlice,
 * for `k8ts agent --enable dns`). Pods are indexed by node from the
 * watch cache.
 * @module
 */
import { isRecord, type KObject } from '../../api/index.js';
import { KUBE_DNS_NAMESPACE, kubeDnsSliceName } from '../../api/index.js';
import type { WatchCache } from '../watch-cache/watch-cache.js';
import type { Attributes, Decision } from './authorize.js';
import { NODE_RULES } from './bootstrap-roles.js';
import { ruleAllows } from './rbac-rules.js';
import type { UserInfo } from './user.js';

const PODS = '/registry/pods/';
const PVCS = '/registry/persistentvolumeclaims/';

/** The node a kubelet identity speaks for, or undefined. */
export function nodeName(u: UserInfo): string | undefined {
  if (!u.groups.includes('system:nodes') || !u.username.startsWith('system:node:')) return undefined;
  return u.username.slice('system:node:'.length) || undefined;
}

type Refs = { secrets: Set<string>; configmaps: Set<string>; persistentvolumeclaims: Set<string>; serviceaccounts: Set<string> };

const rec = (v: unknown): Record<string, unknown> => (isRecord(v) ? v : {});
const list = (v: unknown): Array<Record<string, unknown>> => (Array.isArray(v) ? v.filter(isRecord) : []);
const s = (v: unknown) => (typeof v === 'string' ? v : '');

/** What a pod references (upstream's graph edges pod → secret/configmap/pvc/serviceaccount). */
export function podRefs(pod: KObject): Refs {
  const refs: Refs = { secrets: new Set(), configmaps: new Set(), persistentvolumeclaims: new Set(), serviceaccounts: new Set() };
  const spec = rec(pod.spec);
  const add = (set: Set<string>, v: unknown) => void (s(v) && set.add(s(v)));
  add(refs.serviceaccounts, spec.serviceAccountName || 'default');
  for (const p of list(spec.imagePullSecrets)) add(refs.secrets, p.name);
  for (const v of list(spec.volumes)) {
    add(refs.secrets, rec(v.secret).secretName);
    add(refs.configmaps, rec(v.configMap).name);
    add(refs.persistentvolumeclaims, rec(v.persistentVolumeClaim).claimName);
    if (isRecord(v.ephemeral)) add(refs.persistentvolumeclaims, `${pod.metadata.name ?? ''}-${s(v.name)}`);
    for (const src of list(rec(v.projected).sources)) {
      add(refs.secrets, rec(src.secret).name);
      add(refs.configmaps, rec(src.configMap).name);
    }
    for (const k of ['cephfs', 'cinder', 'flexVolume', 'rbd', 'iscsi', 'azureFile', 'scaleIO', 'storageos', 'csi']) add(refs.secrets, rec(rec(v[k]).secretRef).name);
  }
  for (const c of [...list(spec.containers), ...list(spec.initContainers), ...list(spec.ephemeralContainers)]) {
    for (const e of list(c.env)) {
      const from = rec(e.valueFrom);
      add(refs.secrets, rec(from.secretKeyRef).name);
      add(refs.configmaps, rec(from.configMapKeyRef).name);
    }
    for (const e of list(c.envFrom)) {
      add(refs.secrets, rec(e.secretRef).name);
      add(refs.configmaps, rec(e.configMapRef).name);
    }
  }
  return refs;
}

export class NodeAuthorizer {
  /** node name → pod storage key → pod. */
  private readonly byNode = new Map<string, Map<string, KObject>>();
  private readonly nodeOf = new Map<string, string>();
  private loaded = false;

  constructor(private readonly cache: WatchCache) {
    cache.listen(PODS, (evs) => {
      for (const e of evs) this.apply(e.key, e.type === 'DELETED' ? undefined : e.entry.obj);
    });
  }

  private apply(key: string, pod: KObject | undefined): void {
    const prev = this.nodeOf.get(key);
    if (prev !== undefined) this.byNode.get(prev)?.delete(key);
    this.nodeOf.delete(key);
    const node = s(rec(pod?.spec).nodeName);
    if (!pod || !node) return;
    let m = this.byNode.get(node);
    if (!m) this.byNode.set(node, (m = new Map()));
    m.set(key, pod);
    this.nodeOf.set(key, node);
  }

  /** Pods bound to a node (all namespaces). */
  podsOn(node: string): Iterable<KObject> {
    if (!this.loaded) {
      this.loaded = true;
      for (const e of this.cache.entries(PODS)) this.apply(e.key, e.obj);
    }
    return this.byNode.get(node)?.values() ?? [];
  }

  private related(node: string, kind: keyof Refs, namespace: string, name: string): boolean {
    for (const pod of this.podsOn(node)) if (pod.metadata.namespace === namespace && podRefs(pod)[kind].has(name)) return true;
    return false;
  }

  /** Allowed, or undefined (no opinion: RBAC decides). */
  authorize(a: Attributes): Decision | undefined {
    const node = nodeName(a.user);
    if (!node) return undefined;
    const deny = (why: string): Decision => ({ allowed: false, reason: why });
    const allow: Decision = { allowed: true, reason: '' };
    const ns = a.namespace ?? '';
    const name = a.name ?? '';
    const g = a.group ?? '';
    if (g === '' && ['secrets', 'configmaps', 'persistentvolumeclaims'].includes(a.resource ?? '') && !a.subresource) {
      if (!['get', 'list', 'watch'].includes(a.verb)) return deny(`can only read ${a.resource}`);
      if (!name) return deny(`can only get individual resources of this type`);
      return this.related(node, a.resource as keyof Refs, ns, name) ? allow : deny(`no relationship found between node '${node}' and this object`);
    }
    if (g === '' && a.resource === 'persistentvolumes') {
      if (a.verb !== 'get' || !name) return deny('can only get individual resources of this type');
      for (const pod of this.podsOn(node)) {
        for (const claim of podRefs(pod).persistentvolumeclaims) {
          const pvc = this.cache.get(PVCS, `${PVCS}${pod.metadata.namespace ?? ''}/${claim}`)?.obj;
          if (s(rec(pvc?.spec).volumeName) === name) return allow;
        }
      }
      return deny(`no relationship found between node '${node}' and this object`);
    }
    if (g === '' && a.resource === 'serviceaccounts' && a.subresource === 'token') {
      if (a.verb !== 'create') return deny('can only create tokens for individual service accounts');
      return this.related(node, 'serviceaccounts', ns, name) ? allow : deny(`no relationship found between node '${node}' and this object`);
    }
    if (g === 'coordination.k8s.io' && a.resource === 'leases') {
      if (ns !== 'kube-node-lease' || (name && name !== node)) return deny(`can only access node lease with the same name as the requesting node`);
    }
    if (g === '' && a.resource === 'pods' && (a.verb === 'delete' || a.subresource === 'eviction') && name) {
      // NodeRestriction's delete rule, checked here because deletes carry no admission user.
      const pod = this.cache.get(PODS, `${PODS}${ns}/${name}`)?.obj;
      if (pod && s(rec(pod.spec).nodeName) !== node) return deny(`can only delete pods with spec.nodeName set to itself`);
    }
    // ── kube-dns EndpointSlices (helper N1): `k8ts agent --enable dns` reads slices (its DNS answers from them) and
    // writes only kube-system/kube-dns-<itself>; NodeRestriction admission checks the content (labels, addresses). ──
    if (g === 'discovery.k8s.io' && a.resource === 'endpointslices' && !a.subresource) {
      if (['get', 'list', 'watch'].includes(a.verb)) return allow;
      const own = kubeDnsSliceName(node);
      if (!['create', 'update', 'patch', 'delete'].includes(a.verb) || ns !== KUBE_DNS_NAMESPACE || (name && name !== own)) {
        return deny(`node '${node}' can only write its own kube-dns EndpointSlice "${KUBE_DNS_NAMESPACE}/${own}"`);
      }
      return allow;
    }
    // ── end kube-dns EndpointSlices ──
    if (g === '' && a.resource === 'nodes' && name && name !== node && !['get', 'list', 'watch'].includes(a.verb)) {
      return deny(`can only modify its own node`);
    }
    return NODE_RULES.some((r) => ruleAllows(a, r)) ? allow : undefined;
  }
}
