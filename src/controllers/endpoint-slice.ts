/** EndpointSlice controller: slices of ≤ 100 endpoints per Service, by address type and resolved ports (upstream `endpointslice`). */
import type { KObject } from '../api/index.js';
import { byOwnerUid, unwrapTombstone, type ReconcileResult, type SharedInformer } from '../client/index.js';
import { keyOf, queueRunner, type ControllerContext, type StartedController } from './context.js';
import { ignoreNotFound } from './pod-control.js';
import { endpointPorts, podConditions, podInEndpoints, podIPs, serviceLabels, serviceMatcher, servicesFor, type EndpointPort } from './service-pods.js';
import { jsonEqual, ownerRefFor, rec, str } from './util.js';

const NAME = 'endpointslice-controller';
export const MANAGED_BY = 'endpointslice.kubernetes.io/managed-by';
export const CONTROLLER_ID = 'endpointslice-controller.k8s.io';
export const SERVICE_NAME = 'kubernetes.io/service-name';
export const MAX_ENDPOINTS = 100;

interface Endpoint {
  addresses: string[];
  conditions: { ready: boolean; serving: boolean; terminating: boolean };
  nodeName?: string;
  hostname?: string;
  targetRef: { kind: 'Pod'; namespace: string; name: string; uid: string };
}
interface Group {
  addressType: 'IPv4' | 'IPv6';
  ports: EndpointPort[];
  endpoints: Endpoint[];
}

export function startEndpointSliceController(ctx: ControllerContext): StartedController {
  const services = ctx.factory.informerFor('services');
  const pods = ctx.factory.informerFor('pods');
  const slices: SharedInformer = ctx.factory.informerFor('endpointslices.discovery.k8s.io', { indexers: { byOwnerUid } });
  const client = ctx.client.resource('endpointslices.discovery.k8s.io');
  const r = queueRunner(ctx, NAME, reconcile, ctx.workers ?? 4);
  const onPod = (a: KObject | undefined, b: KObject) => {
    const svcs = new Set([...servicesFor(services, b, b.metadata.labels), ...(a ? servicesFor(services, a, a.metadata.labels) : [])]);
    for (const s of svcs) r.enqueue(keyOf(s));
  };
  services.addEventHandler({ onAdd: (s) => r.enqueue(keyOf(s)), onUpdate: (_a, b) => r.enqueue(keyOf(b)), onDelete: (s) => r.enqueue(keyOf(unwrapTombstone(s))) });
  pods.addEventHandler({ onAdd: (p) => onPod(undefined, p), onUpdate: (a, b) => onPod(a, b), onDelete: (t) => onPod(undefined, unwrapTombstone(t)) });
  slices.addEventHandler({ onDelete: (t) => r.enqueue(sliceServiceKey(unwrapTombstone(t))), onUpdate: (_a, b) => r.enqueue(sliceServiceKey(b)) });

  async function reconcile(key: string): Promise<ReconcileResult | void> {
    const [ns = '', name = ''] = key.split('/');
    const svc = services.get(ns, name);
    if (!svc || svc.metadata.deletionTimestamp) return;
    const matches = serviceMatcher(svc);
    if (!matches) return;
    const families = ((rec(svc, 'spec').ipFamilies as string[] | undefined) ?? ['IPv4']).filter((f) => f === 'IPv4' || f === 'IPv6') as Array<'IPv4' | 'IPv6'>;
    const groups = new Map<string, Group>();
    for (const pod of pods.list(ns)) {
      if (!matches(pod.metadata.labels) || !podInEndpoints(pod, true)) continue;
      const ports = endpointPorts(pod, svc);
      for (const ip of podIPs(pod)) {
        const addressType = ip.includes(':') ? 'IPv6' : 'IPv4';
        if (!families.includes(addressType)) continue;
        const gk = `${addressType}|${JSON.stringify(ports)}`;
        let g = groups.get(gk);
        if (!g) groups.set(gk, (g = { addressType, ports, endpoints: [] }));
        const spec = rec(pod, 'spec');
        const ep: Endpoint = { addresses: [ip], conditions: podConditions(pod, svc), targetRef: { kind: 'Pod', namespace: ns, name: pod.metadata.name ?? '', uid: pod.metadata.uid ?? '' } };
        if (str(spec.nodeName)) ep.nodeName = str(spec.nodeName);
        if (str(spec.hostname) && spec.subdomain === name) ep.hostname = str(spec.hostname);
        g.endpoints.push(ep);
      }
    }
    const desired: Group[] = [];
    for (const g of groups.values()) {
      g.endpoints.sort((a, b) => a.targetRef.name.localeCompare(b.targetRef.name));
      for (let i = 0; i < g.endpoints.length; i += MAX_ENDPOINTS) desired.push({ ...g, endpoints: g.endpoints.slice(i, i + MAX_ENDPOINTS) });
    }
    if (!desired.length) desired.push({ addressType: families[0] ?? 'IPv4', ports: [], endpoints: [] });
    const existing = slices.indexer.byIndex('byOwnerUid', svc.metadata.uid ?? '').filter((s) => s.metadata.labels?.[MANAGED_BY] === CONTROLLER_ID && !s.metadata.deletionTimestamp);
    const unused = [...existing];
    const labels = { ...serviceLabels(svc), [SERVICE_NAME]: name, [MANAGED_BY]: CONTROLLER_ID };
    for (const g of desired) {
      const body = { addressType: g.addressType, endpoints: g.endpoints, ports: g.ports.length ? g.ports : null };
      const idx = unused.findIndex((s) => s.addressType === g.addressType && jsonEqual(s.ports ?? null, body.ports));
      const cur = idx >= 0 ? unused.splice(idx, 1)[0] : unused.find((s) => s.addressType === g.addressType) && unused.splice(unused.findIndex((s) => s.addressType === g.addressType), 1)[0];
      if (cur) {
        if (jsonEqual(cur.endpoints ?? [], g.endpoints) && jsonEqual(cur.ports ?? null, body.ports) && jsonEqual(cur.metadata.labels, labels)) continue;
        await client.update({ ...cur, ...body, metadata: { ...cur.metadata, labels } });
      } else {
        await client.create({ apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { generateName: `${name}-`, namespace: ns, labels, ownerReferences: [ownerRefFor(svc, 'v1', 'Service')] }, ...body });
      }
    }
    for (const s of unused) await client.inNamespace(ns).delete(s.metadata.name ?? '').catch(ignoreNotFound);
  }

  return { name: NAME, done: r.run() };
}

function sliceServiceKey(s: KObject): string | undefined {
  const svc = s.metadata.labels?.[SERVICE_NAME];
  return svc && s.metadata.labels?.[MANAGED_BY] === CONTROLLER_ID ? `${s.metadata.namespace ?? ''}/${svc}` : undefined;
}
