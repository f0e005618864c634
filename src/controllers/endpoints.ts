/** Endpoints controller: the legacy `Endpoints` object of every selector Service (ready and not-ready addresses per port set). */
import type { KObject } from '../api/index.js';
import { isAlreadyExists, unwrapTombstone, type ReconcileResult } from '../client/index.js';
import { keyOf, queueRunner, type ControllerContext, type StartedController } from './context.js';
import { ignoreNotFound } from './pod-control.js';
import { endpointPorts, podConditions, podInEndpoints, podIPs, publishNotReady, serviceLabels, serviceMatcher, servicesFor } from './service-pods.js';
import { jsonEqual, rec, str } from './util.js';

const NAME = 'endpoints-controller';

interface Address {
  ip: string;
  nodeName?: string;
  hostname?: string;
  targetRef: { kind: 'Pod'; namespace: string; name: string; uid: string };
}

export function startEndpointsController(ctx: ControllerContext): StartedController {
  const services = ctx.factory.informerFor('services');
  const pods = ctx.factory.informerFor('pods');
  const endpoints = ctx.factory.informerFor('endpoints');
  const client = ctx.client.resource('endpoints');
  const r = queueRunner(ctx, NAME, reconcile, ctx.workers ?? 4);
  const onPod = (a: KObject | undefined, b: KObject) => {
    for (const s of new Set([...servicesFor(services, b, b.metadata.labels), ...(a ? servicesFor(services, a, a.metadata.labels) : [])])) r.enqueue(keyOf(s));
  };
  services.addEventHandler({ onAdd: (s) => r.enqueue(keyOf(s)), onUpdate: (_a, b) => r.enqueue(keyOf(b)), onDelete: (s) => r.enqueue(keyOf(unwrapTombstone(s))) });
  pods.addEventHandler({ onAdd: (p) => onPod(undefined, p), onUpdate: (a, b) => onPod(a, b), onDelete: (t) => onPod(undefined, unwrapTombstone(t)) });

  async function reconcile(key: string): Promise<ReconcileResult | void> {
    const [ns = '', name = ''] = key.split('/');
    const svc = services.get(ns, name);
    const cur = endpoints.get(ns, name);
    if (!svc) {
      if (cur && cur.metadata.labels?.['endpoints.kubernetes.io/managed-by'] !== 'endpoint-controller-mirror') await client.inNamespace(ns).delete(name).catch(ignoreNotFound);
      return;
    }
    const matches = serviceMatcher(svc);
    if (!matches) return;
    const subsets = new Map<string, { addresses: Address[]; notReadyAddresses: Address[]; ports: unknown[] }>();
    for (const pod of pods.list(ns)) {
      if (!matches(pod.metadata.labels) || !podInEndpoints(pod, publishNotReady(svc))) continue;
      const ports = endpointPorts(pod, svc).map((p) => ({ ...p, name: p.name || undefined }));
      const sk = JSON.stringify(ports);
      let sub = subsets.get(sk);
      if (!sub) subsets.set(sk, (sub = { addresses: [], notReadyAddresses: [], ports }));
      const spec = rec(pod, 'spec');
      for (const ip of podIPs(pod)) {
        const a: Address = { ip, targetRef: { kind: 'Pod', namespace: ns, name: pod.metadata.name ?? '', uid: pod.metadata.uid ?? '' } };
        if (str(spec.nodeName)) a.nodeName = str(spec.nodeName);
        if (str(spec.hostname) && spec.subdomain === name) a.hostname = str(spec.hostname);
        (podConditions(pod, svc).ready ? sub.addresses : sub.notReadyAddresses).push(a);
      }
    }
    const list = [...subsets.values()].map((s) => {
      const o: Record<string, unknown> = { ports: s.ports };
      if (s.addresses.length) o.addresses = s.addresses.sort((a, b) => a.ip.localeCompare(b.ip));
      if (s.notReadyAddresses.length) o.notReadyAddresses = s.notReadyAddresses.sort((a, b) => a.ip.localeCompare(b.ip));
      return o;
    });
    const labels = serviceLabels(svc);
    const body = list.length ? list : undefined;
    if (cur) {
      if (jsonEqual(cur.subsets, body) && jsonEqual(cur.metadata.labels ?? {}, labels)) return;
      await client.update({ ...cur, subsets: body, metadata: { ...cur.metadata, labels } });
    } else {
      await client.create({ apiVersion: 'v1', kind: 'Endpoints', metadata: { name, namespace: ns, labels }, subsets: body }).catch((e: unknown) => (isAlreadyExists(e) ? undefined : Promise.reject(e)));
    }
  }
  return { name: NAME, done: r.run() };
}
