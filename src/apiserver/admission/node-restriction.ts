/**
 * NodeRestriction admission: a kubelet may create only mirror pods bound to
 * itself, update only the status of pods bound to it, and change only its
 * own Node (not the node-restriction.kubernetes.io/ labels) and Lease; and
 * (k8ts: the cluster DNS runs in agents) write only the EndpointSlice
 * `kube-system/kube-dns-<its name>` of the kube-dns Service, whose endpoints
 * are its own addresses on itself.
 * @module
 */
import type { KObject } from '../../api/index.js';
import { KUBE_DNS_NAMESPACE, KUBE_DNS_SERVICE, kubeDnsSliceName } from '../../api/index.js';
import { nodeName } from '../auth/node-authorizer.js';
import { errors } from '../errors.js';
import type { WriteContext } from '../registry/resource-store.js';
import type { ServerParts } from '../rest/context.js';

const MIRROR = 'kubernetes.io/config.mirror';
const spec = (o: KObject | undefined) => (o?.spec ?? {}) as { nodeName?: string; serviceAccountName?: string };

function restrictedLabels(obj: KObject, old: KObject | undefined): string[] {
  const now = obj.metadata.labels ?? {};
  const before = old?.metadata.labels ?? {};
  const keys = new Set([...Object.keys(now), ...Object.keys(before)]);
  return [...keys].filter((k) => k.split('/')[0]!.endsWith('node-restriction.kubernetes.io') && now[k] !== before[k]);
}

export function installNodeRestriction(parts: ServerParts): void {
  const rs = (group: string, resource: string) => {
    const def = parts.registry.resource(group, 'v1', resource);
    return def ? parts.resources.get(def) : undefined;
  };
  const node = (ctx: WriteContext) => (ctx.user ? nodeName({ ...ctx.user }) : undefined);

  rs('', 'pods')?.hooks.push({
    async beforeCreate(obj, ctx) {
      const n = node(ctx);
      if (!n) return;
      if (!obj.metadata.annotations?.[MIRROR]) throw errors.forbidden(`pod does not have "${MIRROR}" annotation, node "${n}" can only create mirror pods`);
      if (spec(obj).nodeName !== n) throw errors.forbidden(`node "${n}" can only create pods with spec.nodeName set to itself`);
      if (spec(obj).serviceAccountName) throw errors.forbidden(`node "${n}" can not create pods that reference a service account`);
    },
    async beforeUpdate(obj, old, ctx) {
      const n = node(ctx);
      if (!n) return;
      if (ctx.subresource !== 'status') throw errors.forbidden(`node "${n}" can only update pod status`);
      if (spec(old).nodeName !== n) throw errors.forbidden(`node "${n}" can only update pod status for pods with spec.nodeName set to itself`);
    },
  });
  const nodeCheck = async (obj: KObject, old: KObject | undefined, ctx: WriteContext) => {
    const n = node(ctx);
    if (!n) return;
    if (obj.metadata.name !== n) throw errors.forbidden(`node "${n}" is not allowed to modify node "${obj.metadata.name ?? ''}"`);
    const bad = restrictedLabels(obj, old);
    if (bad.length) throw errors.forbidden(`is not allowed to modify labels: ${bad.join(', ')}`);
  };
  rs('', 'nodes')?.hooks.push({ beforeCreate: (o, c) => nodeCheck(o, undefined, c), beforeUpdate: (o, old, c) => nodeCheck(o, old, c) });
  const leaseCheck = async (obj: KObject, ctx: WriteContext) => {
    const n = node(ctx);
    if (n && (obj.metadata.name !== n || obj.metadata.namespace !== 'kube-node-lease')) throw errors.forbidden(`can only access node lease with the same name as the requesting node`);
  };
  const leases = parts.registry.resource('coordination.k8s.io', 'v1', 'leases');
  if (leases) parts.resources.get(leases)?.hooks.push({ beforeCreate: (o, c) => leaseCheck(o, c), beforeUpdate: (o, _old, c) => leaseCheck(o, c) });

  // ── kube-dns EndpointSlices (helper N1; the node authorizer allows the verbs): a node publishes only its own DNS endpoint ──
  const nodes = rs('', 'nodes');
  const slices = rs('discovery.k8s.io', 'endpointslices');
  const sliceCheck = async (obj: KObject, old: KObject | undefined, ctx: WriteContext) => {
    const n = node(ctx);
    if (!n) return;
    const own = kubeDnsSliceName(n);
    const ns = obj.metadata.namespace ?? '';
    if (ns !== KUBE_DNS_NAMESPACE || obj.metadata.name !== own) throw errors.forbidden(`node "${n}" can only write the EndpointSlice "${KUBE_DNS_NAMESPACE}/${own}", not "${ns}/${obj.metadata.name ?? obj.metadata.generateName ?? ''}"`);
    for (const o of old ? [obj, old] : [obj]) {
      if (o.metadata.labels?.['kubernetes.io/service-name'] !== KUBE_DNS_SERVICE) throw errors.forbidden(`node "${n}" can only publish endpoints of the Service "${KUBE_DNS_NAMESPACE}/${KUBE_DNS_SERVICE}" (label kubernetes.io/service-name=${KUBE_DNS_SERVICE})`);
    }
    const mine = new Set<string>();
    const status = (nodes?.getCached('', n)?.status ?? {}) as { addresses?: Array<{ type?: string; address?: string }> };
    for (const a of status.addresses ?? []) if ((a.type === 'InternalIP' || a.type === 'ExternalIP') && a.address) mine.add(a.address);
    for (const o of old ? [obj, old] : [obj]) {
      for (const e of ((o as { endpoints?: Array<{ addresses?: string[]; nodeName?: string; targetRef?: unknown }> }).endpoints ?? [])) {
        if (e.nodeName !== n) throw errors.forbidden(`node "${n}" can only publish endpoints with nodeName set to itself`);
        if (e.targetRef) throw errors.forbidden(`node "${n}" can not publish endpoints with a targetRef`);
        for (const ip of e.addresses ?? []) if (!mine.has(ip)) throw errors.forbidden(`node "${n}" can only publish its own addresses: ${ip} is not an InternalIP or ExternalIP of node "${n}"`);
      }
    }
  };
  slices?.hooks.push({ beforeCreate: (o, c) => sliceCheck(o, undefined, c), beforeUpdate: (o, old, c) => sliceCheck(o, old, c) });
  // ── end kube-dns EndpointSlices ──
}
