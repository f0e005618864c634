/** EndpointSlice controller: slices of ≤ 100 endpoints per Service, by address type and resolved ports (upstream `endpointslice`). */
import type { KObject } from '../api/index.js';
import { byOwnerUid, unwrapTombstone, type ReconcileResult, type SharedInformer } from '../client/index.js';
import { keyOf, queueRunner, type ControllerContext, type StartedController } from './context.js';
import { ignoreNotFound } from './pod-control.js';
import { endpointPorts, podConditions, podInEndpoints, podIPs, serviceLabels, serviceMatcher, servicesFor } from './service-pods.js';
import { jsonEqual, ownerRefFor, rec, str } from './util.js';
import { planSlices, type EndpointGroup, type SliceEndpoint } from './endpoint-slice-plan.js';

const NAME = 'endpointslice-controller';
export const MANAGED_BY = 'endpointslice.kubernetes.io/managed-by';
export const CONTROLLER_ID = 'endpointslice-controller.k8s.io';
export const SERVICE_NAME = 'kubernetes.io/service-name';
export const MAX_ENDPOINTS = 100;

type Endpoint = SliceEndpoint;
type Group = EndpointGroup;

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
  // upstream's endpointSliceTracker: a slice event that is this controller's own write needs no sync;
  // anyone else's change to a managed slice (an edit, a deletion) does.
  const ours = new Map<string, string>();
  const written = (s: KObject) => void ours.set(s.metadata.uid ?? '', s.metadata.resourceVersion ?? '');
  const foreign = (s: KObject, deleted: boolean) => {
    const mark = ours.get(s.metadata.uid ?? '');
    if (deleted) ours.delete(s.metadata.uid ?? '');
    return deleted ? mark !== 'deleted' : mark !== s.metadata.resourceVersion;
  };
  slices.addEventHandler({
    onDelete: (t) => {
      const s = unwrapTombstone(t);
      if (foreign(s, true)) r.enqueue(sliceServiceKey(s));
    },
    onUpdate: (_a, b) => foreign(b, false) && r.enqueue(sliceServiceKey(b)),
  });

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
    for (const g of groups.values()) g.endpoints.sort((a, b) => a.targetRef.name.localeCompare(b.targetRef.name));
    const existing = slices.indexer.byIndex('byOwnerUid', svc.metadata.uid ?? '').filter((s) => s.metadata.labels?.[MANAGED_BY] === CONTROLLER_ID && !s.metadata.deletionTimestamp);
    const labels = { ...serviceLabels(svc), [SERVICE_NAME]: name, [MANAGED_BY]: CONTROLLER_ID };
    const plan = planSlices([...groups.values()], existing, (s) => jsonEqual(s.metadata.labels, labels), families[0] ?? 'IPv4', MAX_ENDPOINTS);
    for (const u of plan.update) written(await client.update({ ...u.slice, addressType: u.addressType, ports: u.ports, endpoints: u.endpoints, metadata: { ...u.slice.metadata, labels } } as KObject));
    for (const c of plan.create) {
      written(await client.create({ apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { generateName: `${name}-`, namespace: ns, labels, ownerReferences: [ownerRefFor(svc, 'v1', 'Service')] }, addressType: c.addressType, endpoints: c.endpoints, ports: c.ports } as KObject));
    }
    for (const s of plan.delete) {
      ours.set(s.metadata.uid ?? '', 'deleted');
      await client.inNamespace(ns).delete(s.metadata.name ?? '').catch(ignoreNotFound);
    }
  }

  return { name: NAME, done: r.run() };
}

function sliceServiceKey(s: KObject): string | undefined {
  const svc = s.metadata.labels?.[SERVICE_NAME];
  return svc && s.metadata.labels?.[MANAGED_BY] === CONTROLLER_ID ? `${s.metadata.namespace ?? ''}/${svc}` : undefined;
}
