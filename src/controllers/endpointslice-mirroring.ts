/**
 * EndpointSliceMirroring controller (upstream `endpointslicemirroring`): the
 * custom Endpoints of a Service without a selector are mirrored into
 * EndpointSlices (≤ 1000 endpoints each, per address type and port set;
 * addresses ready, notReadyAddresses not), owned by the Service and labelled
 * managed-by `endpointslicemirroring-controller.k8s.io`. Endpoints labelled
 * `endpointslice.kubernetes.io/skip-mirror=true` (the apiserver's own
 * `kubernetes`) and leader-election Endpoints are left alone.
 */
import { isIP } from 'node:net';
import type { KObject } from '../api/index.js';
import { unwrapTombstone, type ReconcileResult } from '../client/index.js';
import { keyOf, queueRunner, type ControllerContext, type StartedController } from './context.js';
import { MANAGED_BY, SERVICE_NAME } from './endpoint-slice.js';
import { ignoreNotFound } from './pod-control.js';
import { jsonEqual, ownerRefFor, rec } from './util.js';

const NAME = 'endpointslicemirroring-controller';
export const MIRRORING_CONTROLLER_ID = 'endpointslicemirroring-controller.k8s.io';
export const SKIP_MIRROR = 'endpointslice.kubernetes.io/skip-mirror';
const LEADER_ANNOTATION = 'control-plane.alpha.kubernetes.io/leader';
const LAST_CHANGE = 'endpoints.kubernetes.io/last-change-trigger-time';
/** --mirroring-max-endpoints-per-subset. */
export const MAX_MIRRORED = 1000;

interface Address {
  ip: string;
  hostname?: string;
  nodeName?: string;
  targetRef?: Record<string, unknown>;
}
interface Subset {
  addresses?: Address[];
  notReadyAddresses?: Address[];
  ports?: Array<{ name?: string; port: number; protocol?: string; appProtocol?: string }>;
}
interface SliceEndpoint {
  addresses: string[];
  conditions: { ready: boolean };
  hostname?: string;
  nodeName?: string;
  targetRef?: Record<string, unknown>;
}
interface Group {
  addressType: 'IPv4' | 'IPv6';
  ports: Array<{ name: string; port: number; protocol: string; appProtocol?: string }>;
  endpoints: SliceEndpoint[];
}

/** The slices one Endpoints object mirrors to (pure: tested alone). */
export function mirroredGroups(ep: KObject): Group[] {
  const groups = new Map<string, Group>();
  for (const subset of (ep as unknown as { subsets?: Subset[] }).subsets ?? []) {
    const ports = (subset.ports ?? []).map((p) => ({ name: p.name ?? '', port: p.port, protocol: p.protocol ?? 'TCP', ...(p.appProtocol ? { appProtocol: p.appProtocol } : {}) }));
    const add = (a: Address, ready: boolean) => {
      const fam = isIP(a.ip);
      if (!fam) return; // upstream skips addresses that are not IPs
      const addressType = fam === 6 ? 'IPv6' : 'IPv4';
      const gk = `${addressType}|${JSON.stringify(ports)}`;
      let g = groups.get(gk);
      if (!g) groups.set(gk, (g = { addressType, ports, endpoints: [] }));
      const e: SliceEndpoint = { addresses: [a.ip], conditions: { ready } };
      if (a.hostname) e.hostname = a.hostname;
      if (a.nodeName) e.nodeName = a.nodeName;
      if (a.targetRef) e.targetRef = a.targetRef;
      g.endpoints.push(e);
    };
    for (const a of subset.addresses ?? []) add(a, true);
    for (const a of subset.notReadyAddresses ?? []) add(a, false);
  }
  const out: Group[] = [];
  for (const g of groups.values()) for (let i = 0; i < g.endpoints.length; i += MAX_MIRRORED) out.push({ ...g, endpoints: g.endpoints.slice(i, i + MAX_MIRRORED) });
  return out;
}

export function startEndpointSliceMirroringController(ctx: ControllerContext): StartedController {
  const services = ctx.factory.informerFor('services');
  const endpoints = ctx.factory.informerFor('endpoints');
  const slices = ctx.factory.informerFor('endpointslices.discovery.k8s.io');
  const client = ctx.client.resource('endpointslices.discovery.k8s.io');
  const r = queueRunner(ctx, NAME, reconcile, ctx.workers ?? 2);
  const enqueue = (o: KObject) => r.enqueue(keyOf(o));
  endpoints.addEventHandler({ onAdd: enqueue, onUpdate: (_a, b) => enqueue(b), onDelete: (t) => enqueue(unwrapTombstone(t)) });
  services.addEventHandler({ onAdd: enqueue, onUpdate: (_a, b) => enqueue(b), onDelete: (t) => enqueue(unwrapTombstone(t)) });
  const onSlice = (s: KObject) => {
    const svc = s.metadata.labels?.[SERVICE_NAME];
    if (svc && s.metadata.labels?.[MANAGED_BY] === MIRRORING_CONTROLLER_ID) r.enqueue(`${s.metadata.namespace ?? ''}/${svc}`);
  };
  slices.addEventHandler({ onUpdate: (_a, b) => onSlice(b), onDelete: (t) => onSlice(unwrapTombstone(t)) });

  async function reconcile(key: string): Promise<ReconcileResult | void> {
    const [ns = '', name = ''] = key.split('/');
    const ep = endpoints.get(ns, name);
    const svc = services.get(ns, name);
    const existing = slices.list(ns).filter((s) => s.metadata.labels?.[MANAGED_BY] === MIRRORING_CONTROLLER_ID && s.metadata.labels?.[SERVICE_NAME] === name && !s.metadata.deletionTimestamp);
    const mirror =
      ep && svc && !svc.metadata.deletionTimestamp && !rec(svc, 'spec').selector && ep.metadata.labels?.[SKIP_MIRROR] !== 'true' && !ep.metadata.annotations?.[LEADER_ANNOTATION];
    const desired = mirror ? mirroredGroups(ep) : [];
    const unused = [...existing];
    if (mirror) {
      const labels: Record<string, string> = { ...(ep.metadata.labels ?? {}), [SERVICE_NAME]: name, [MANAGED_BY]: MIRRORING_CONTROLLER_ID };
      const annotations = Object.fromEntries(Object.entries(ep.metadata.annotations ?? {}).filter(([k]) => k !== LAST_CHANGE));
      for (const g of desired) {
        const body = { addressType: g.addressType, endpoints: g.endpoints, ports: g.ports.length ? g.ports : null };
        let idx = unused.findIndex((s) => s.addressType === g.addressType && jsonEqual(s.ports ?? null, body.ports));
        if (idx < 0) idx = unused.findIndex((s) => s.addressType === g.addressType);
        const cur = idx >= 0 ? unused.splice(idx, 1)[0] : undefined;
        const meta = { labels, ...(Object.keys(annotations).length ? { annotations } : {}) };
        if (cur) {
          if (jsonEqual(cur.endpoints ?? [], g.endpoints) && jsonEqual(cur.ports ?? null, body.ports) && jsonEqual(cur.metadata.labels, labels)) continue;
          await client.update({ ...cur, ...body, metadata: { ...cur.metadata, ...meta } });
        } else {
          await client.create({ apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { generateName: `${name}-`, namespace: ns, ...meta, ownerReferences: [ownerRefFor(svc, 'v1', 'Service')] }, ...body });
        }
      }
    }
    for (const s of unused) await client.inNamespace(ns).delete(s.metadata.name ?? '').catch(ignoreNotFound);
  }

  return { name: NAME, done: r.run() };
}
