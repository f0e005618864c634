/** Kind-specific write steps: namespace lifecycle, and Service IP / NodePort allocation. */
import { isRecord, type KObject } from '../../api/index.js';
import { errors } from '../errors.js';
import type { ServerParts } from '../rest/context.js';
import { RangeAllocator, ipNumber, ipString, parseCidr } from './allocator.js';
import type { Hooks } from './resource-store.js';

const SYSTEM_NAMESPACES = new Set(['default', 'kube-system', 'kube-public', 'kube-node-lease']);

export interface KindHookOptions {
  serviceCIDR: string;
}

export function installKindHooks(parts: ServerParts, opts: KindHookOptions): { serviceIPs: RangeAllocator; nodePorts: RangeAllocator } {
  const nsDef = parts.registry.resource('', 'v1', 'namespaces')!;
  const nsStore = parts.resources.get(nsDef)!;
  // NamespaceLifecycle: no new objects in missing or terminating namespaces.
  const lifecycle: Hooks = {
    async beforeCreate(obj) {
      const ns = obj.metadata.namespace;
      if (!ns) return;
      const found = nsStore.getCached('', ns) ?? (await nsStore.getFresh('', ns))?.obj;
      if (!found) throw errors.notFound('', 'namespaces', ns);
      if (found.metadata.deletionTimestamp || (found.status as { phase?: string } | undefined)?.phase === 'Terminating') {
        throw errors.forbidden(`${obj.kind ?? 'object'} "${obj.metadata.name ?? ''}" is forbidden: unable to create new content in namespace ${ns} because it is being terminated`);
      }
    },
  };
  for (const [def, rs] of parts.resources) if (def.namespaced) rs.hooks.push(lifecycle);
  nsStore.hooks.push({
    async beforeUpdate(obj, old) {
      // Namespace deletion finishes when spec.finalizers is empty (namespace controller).
      const fin = (obj.spec as { finalizers?: string[] } | undefined)?.finalizers ?? [];
      if (old.metadata.deletionTimestamp && fin.length === 0 && (obj.metadata.finalizers ?? []).length === 0) obj.metadata.finalizers = [];
    },
  });
  const nsDelete = nsStore.delete.bind(nsStore);
  nsStore.delete = async (namespace, name, o) => {
    if (SYSTEM_NAMESPACES.has(name)) throw errors.forbidden(`namespaces "${name}" is forbidden: this namespace may not be deleted`);
    return nsDelete(namespace, name, o);
  };

  const { base, size } = parseCidr(opts.serviceCIDR);
  const serviceIPs = new RangeAllocator(parts.store, 'serviceips', base + 1, base + size - 2, ipString);
  const nodePorts = new RangeAllocator(parts.store, 'servicenodeports', 30000, 32767, String);
  const svcDef = parts.registry.resource('', 'v1', 'services')!;
  const svcStore = parts.resources.get(svcDef)!;
  const ownerOf = (o: KObject) => `${o.metadata.namespace ?? ''}/${o.metadata.name ?? ''}`;
  const claimed = new WeakMap<KObject, Array<() => Promise<void>>>();

  async function allocate(obj: KObject, old: KObject | undefined, dryRun: boolean): Promise<void> {
    const spec = (obj.spec ?? {}) as Record<string, unknown>;
    const oldSpec = (old?.spec ?? {}) as Record<string, unknown>;
    const undo: Array<() => Promise<void>> = [];
    claimed.set(obj, undo);
    const type = spec.type as string;
    if (type === 'ExternalName') {
      delete spec.clusterIP;
      delete spec.clusterIPs;
    } else if (old && oldSpec.clusterIP) {
      spec.clusterIP ??= oldSpec.clusterIP;
    } else if (spec.clusterIP === 'None') {
      spec.clusterIPs = ['None'];
    } else if (!dryRun) {
      if (typeof spec.clusterIP === 'string' && spec.clusterIP !== '') {
        const n = ipNumber(spec.clusterIP);
        if (!serviceIPs.inRange(n)) {
          throw errors.invalid('', 'Service', obj.metadata.name ?? '', [{ type: 'FieldValueInvalid', field: 'spec.clusterIPs', message: `Invalid value: ${JSON.stringify([spec.clusterIP])}: failed to allocate IP ${spec.clusterIP}: the provided IP (${spec.clusterIP}) is not in the valid range. The range of valid IPs is ${opts.serviceCIDR}` }]);
        }
        if (!(await serviceIPs.claim(n, ownerOf(obj)))) {
          throw errors.invalid('', 'Service', obj.metadata.name ?? '', [{ type: 'FieldValueInvalid', field: 'spec.clusterIPs', message: `Invalid value: ${JSON.stringify([spec.clusterIP])}: failed to allocate IP ${spec.clusterIP}: provided IP is already allocated` }]);
        }
        undo.push(() => serviceIPs.release(n));
      } else {
        const n = await serviceIPs.allocate(ownerOf(obj));
        spec.clusterIP = ipString(n);
        undo.push(() => serviceIPs.release(n));
      }
    }
    if (type !== 'ExternalName' && spec.clusterIP && spec.clusterIP !== 'None') {
      spec.clusterIPs = [spec.clusterIP];
      spec.ipFamilies ??= ['IPv4'];
      spec.ipFamilyPolicy ??= 'SingleStack';
    } else if (spec.clusterIP === 'None') {
      spec.ipFamilies ??= ['IPv4'];
      spec.ipFamilyPolicy ??= 'SingleStack';
    }
    const wantsNodePorts = type === 'NodePort' || (type === 'LoadBalancer' && spec.allocateLoadBalancerNodePorts !== false);
    const oldPorts = Array.isArray(oldSpec.ports) ? oldSpec.ports.filter(isRecord) : [];
    for (const p of Array.isArray(spec.ports) ? spec.ports.filter(isRecord) : []) {
      if (!wantsNodePorts) {
        delete p.nodePort;
        continue;
      }
      const prev = oldPorts.find((o) => o.port === p.port && o.protocol === p.protocol)?.nodePort;
      if (p.nodePort === undefined && typeof prev === 'number') p.nodePort = prev;
      if (typeof p.nodePort === 'number' && p.nodePort === prev) continue;
      if (dryRun) continue;
      if (typeof p.nodePort === 'number' && p.nodePort !== 0) {
        if (!(await nodePorts.claim(p.nodePort, ownerOf(obj)))) {
          const msg = nodePorts.inRange(p.nodePort) ? 'provided port is already allocated' : 'provided port is not in the valid range. The range of valid ports is 30000-32767';
          throw errors.invalid('', 'Service', obj.metadata.name ?? '', [{ type: 'FieldValueInvalid', field: 'spec.ports[0].nodePort', message: `Invalid value: ${p.nodePort}: ${msg}` }]);
        }
        const n = p.nodePort;
        undo.push(() => nodePorts.release(n));
      } else {
        const n = await nodePorts.allocate(ownerOf(obj));
        p.nodePort = n;
        undo.push(() => nodePorts.release(n));
      }
    }
    await allocateHealthCheckNodePort(obj, spec, oldSpec, type, dryRun, undo);
  }

  /**
   * A LoadBalancer Service with externalTrafficPolicy Local gets a health-check node port (kube-proxy serves
   * /healthz there so load balancers send traffic only to nodes with local endpoints), from the NodePort range.
   */
  async function allocateHealthCheckNodePort(obj: KObject, spec: Record<string, unknown>, oldSpec: Record<string, unknown>, type: unknown, dryRun: boolean, undo: Array<() => Promise<void>>): Promise<void> {
    const wants = type === 'LoadBalancer' && spec.externalTrafficPolicy === 'Local';
    const prev = typeof oldSpec.healthCheckNodePort === 'number' ? oldSpec.healthCheckNodePort : undefined;
    if (!wants) {
      // As with nodePorts, a port an update gives up is not released here (the write may still fail).
      delete spec.healthCheckNodePort;
      return;
    }
    if (spec.healthCheckNodePort === undefined && prev !== undefined) spec.healthCheckNodePort = prev;
    const want = spec.healthCheckNodePort;
    if (typeof want === 'number' && want === prev) return;
    if (dryRun) return;
    if (typeof want === 'number' && want !== 0) {
      if (!(await nodePorts.claim(want, ownerOf(obj)))) {
        const msg = nodePorts.inRange(want) ? 'provided port is already allocated' : 'provided port is not in the valid range. The range of valid ports is 30000-32767';
        throw errors.invalid('', 'Service', obj.metadata.name ?? '', [{ type: 'FieldValueInvalid', field: 'spec.healthCheckNodePort', message: `Invalid value: ${want}: ${msg}` }]);
      }
      undo.push(() => nodePorts.release(want));
    } else {
      const n = await nodePorts.allocate(ownerOf(obj));
      spec.healthCheckNodePort = n;
      undo.push(() => nodePorts.release(n));
    }
  }

  async function release(obj: KObject): Promise<void> {
    const spec = (obj.spec ?? {}) as Record<string, unknown>;
    if (typeof spec.clusterIP === 'string' && spec.clusterIP !== 'None' && spec.clusterIP !== '') await serviceIPs.release(spec.clusterIP);
    for (const p of Array.isArray(spec.ports) ? spec.ports.filter(isRecord) : []) if (typeof p.nodePort === 'number') await nodePorts.release(p.nodePort);
    if (typeof spec.healthCheckNodePort === 'number') await nodePorts.release(spec.healthCheckNodePort);
  }

  svcStore.hooks.push({
    beforeCreate: (obj, ctx) => allocate(obj, undefined, ctx.dryRun),
    async afterCreateFailed(obj) {
      for (const u of claimed.get(obj) ?? []) await u();
    },
    beforeUpdate: (obj, old, ctx) => (ctx.subresource === 'status' ? Promise.resolve() : allocate(obj, old, ctx.dryRun)),
    afterDelete: (obj) => release(obj),
  });
  installCsrHooks(parts);
  return { serviceIPs, nodePorts };
}

/** CertificateSigningRequests: the requester is who created it; Approved/Denied change only through /approval. */
function installCsrHooks(parts: ServerParts): void {
  const def = parts.registry.resource('certificates.k8s.io', 'v1', 'certificatesigningrequests');
  const rs = def && parts.resources.get(def);
  if (!rs) return;
  const decisions = (o: KObject) =>
    JSON.stringify(((o.status as { conditions?: Array<{ type?: string }> } | undefined)?.conditions ?? []).filter((c) => c.type === 'Approved' || c.type === 'Denied'));
  rs.hooks.push({
    async beforeCreate(obj, ctx) {
      const spec = (obj.spec ??= {}) as Record<string, unknown>;
      const u = ctx.user;
      if (!u) return;
      spec.username = u.username;
      if (u.uid) spec.uid = u.uid;
      else delete spec.uid;
      spec.groups = u.groups;
      if (u.extra) spec.extra = u.extra;
      else delete spec.extra;
    },
    async beforeUpdate(obj, old, ctx) {
      if (ctx.subresource !== 'approval' && decisions(obj) !== decisions(old)) {
        throw errors.invalid('certificates.k8s.io', 'CertificateSigningRequest', obj.metadata.name ?? '', [
          { type: 'FieldValueForbidden', field: 'status.conditions', message: 'Forbidden: updates may not add a condition of type "Approved" or "Denied"' },
        ]);
      }
      if (ctx.subresource === 'approval') {
        const status = (obj.status ?? {}) as Record<string, unknown>;
        obj.status = { ...((old.status as Record<string, unknown> | undefined) ?? {}), conditions: status.conditions };
      }
    },
  });
}
