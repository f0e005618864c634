/**
 * The `kube-dns` Service in kube-system, as CoreDNS's manifests define it
 * (ClusterIP = service CIDR + 10, ports dns/53 UDP, dns-tcp/53 TCP,
 * metrics/9153), without a selector: the DNS servers run in k8ts processes on
 * the host network (the server's, and each `k8ts agent --enable dns`), so
 * each publishes its own EndpointSlice `kube-dns-<node>` with the address it
 * listens on, and withdraws it when it stops cleanly. kube-proxy DNATs
 * `10.43.0.10:53` to the ready endpoints of all of them like any other Service.
 *
 * Who writes what (docs/networking.md, "Cluster DNS on many nodes"):
 * - each instance: only its own slice (a token-joined agent, as
 *   `system:node:<name>`, may write nothing else: node authorizer +
 *   NodeRestriction admission);
 * - the server's instance: also the Service;
 * - the `kube-dns-endpoints` controller (src/controllers/kube-dns-endpoints.ts):
 *   the legacy Endpoints (the union of the slices), each endpoint's
 *   `conditions.ready` following its Node's Ready condition, and the Service
 *   if no server instance created it.
 * @module
 */
import type { KObject } from '../api/index.js';
import { isAlreadyExists, isConflict, isNotFound, type Client } from '../client/index.js';
import { DNS_MANAGED_BY, KUBE_DNS_LABELS, KUBE_DNS_NAMESPACE, KUBE_DNS_SERVICE, kubeDnsSliceName } from '../api/index.js';

export { DNS_MANAGED_BY, KUBE_DNS_LABELS, KUBE_DNS_NAMESPACE, KUBE_DNS_SERVICE, kubeDnsSliceName };

export interface KubeDnsOptions {
  /** The Service's ClusterIP (service CIDR + 10). */
  clusterIP: string;
  /** Where this server answers (a node address; loopback or unspecified addresses publish no endpoint). */
  endpointIP?: string;
  port: number;
  metricsPort?: number;
  nodeName?: string;
  /** Create/update the Service too (the server's instance; agents never may). Default true. */
  service?: boolean;
}

/** `10.43.0.0/16` → `10.43.0.10`. */
export function dnsServiceIP(serviceCIDR: string): string {
  const [base = '', bits = '32'] = serviceCIDR.split('/');
  const n = base.split('.').reduce((a, p) => (a << 8) + Number(p), 0) >>> 0;
  const mask = Number(bits) === 0 ? 0 : (0xffffffff << (32 - Number(bits))) >>> 0;
  const ip = ((n & mask) + 10) >>> 0;
  return [ip >>> 24, (ip >>> 16) & 255, (ip >>> 8) & 255, ip & 255].join('.');
}

/** The kube-dns Service's ports (targetPort = where the instances listen; the slices carry the real ports). */
export function kubeDnsServicePorts(port = 53, metricsPort: number | undefined = 9153) {
  return [
    { name: 'dns', port: 53, protocol: 'UDP', targetPort: port },
    { name: 'dns-tcp', port: 53, protocol: 'TCP', targetPort: port },
    ...(metricsPort ? [{ name: 'metrics', port: 9153, protocol: 'TCP', targetPort: metricsPort }] : []),
  ];
}

export function kubeDnsService(clusterIP: string, ports = kubeDnsServicePorts()): KObject {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: KUBE_DNS_SERVICE, namespace: KUBE_DNS_NAMESPACE, labels: { ...KUBE_DNS_LABELS }, annotations: { 'prometheus.io/port': '9153', 'prometheus.io/scrape': 'true' } },
    spec: { type: 'ClusterIP', clusterIP, clusterIPs: [clusterIP], ports },
  } as KObject;
}

async function upsert(client: Client, resource: string, obj: KObject, same: (cur: KObject) => boolean, merge: (cur: KObject) => KObject): Promise<void> {
  const rc = client.resource(resource, obj.metadata.namespace);
  for (let attempt = 0; ; attempt++) {
    let cur: KObject | undefined;
    try {
      cur = await rc.get(obj.metadata.name!);
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
    try {
      if (!cur) await rc.create(obj);
      else if (!same(cur)) await rc.update(merge(cur));
      return;
    } catch (e) {
      // Lost a race (created meanwhile, or a resourceVersion conflict with the controller): read again.
      if (attempt >= 4 || !(isAlreadyExists(e) || isConflict(e))) throw e;
    }
  }
}

export async function ensureKubeDnsObjects(client: Client, o: KubeDnsOptions): Promise<void> {
  if (o.service !== false) {
    const ports = kubeDnsServicePorts(o.port, o.metricsPort);
    await upsert(
      client,
      'services',
      kubeDnsService(o.clusterIP, ports),
      (cur) => JSON.stringify((cur.spec as { ports?: unknown[] }).ports?.map((p) => ({ ...(p as object), nodePort: undefined }))) === JSON.stringify(ports.map((p) => ({ ...p, nodePort: undefined }))),
      (cur) => ({ ...cur, spec: { ...(cur.spec as object), ports } }),
    );
  }
  const ip = o.endpointIP;
  const publishable = !!ip && !/^127\./.test(ip) && ip !== '::1' && ip !== '0.0.0.0' && ip !== '::';
  const epPorts = [
    { name: 'dns', port: o.port, protocol: 'UDP' },
    { name: 'dns-tcp', port: o.port, protocol: 'TCP' },
    ...(o.metricsPort ? [{ name: 'metrics', port: o.metricsPort, protocol: 'TCP' }] : []),
  ];
  const endpoints = publishable ? [{ addresses: [ip], conditions: { ready: true, serving: true, terminating: false }, ...(o.nodeName ? { nodeName: o.nodeName } : {}) }] : [];
  const slice: KObject = {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: {
      name: kubeDnsSliceName(o.nodeName),
      namespace: KUBE_DNS_NAMESPACE,
      labels: { 'kubernetes.io/service-name': KUBE_DNS_SERVICE, 'endpointslice.kubernetes.io/managed-by': DNS_MANAGED_BY, ...KUBE_DNS_LABELS },
    },
    addressType: 'IPv4',
    endpoints,
    ports: epPorts,
  } as KObject;
  const sliceKey = (x: KObject) => JSON.stringify([(x as { endpoints?: unknown }).endpoints ?? [], (x as { ports?: unknown }).ports ?? []]);
  await upsert(client, 'endpointslices.discovery.k8s.io', slice, (cur) => sliceKey(cur) === sliceKey(slice), (cur) => ({ ...cur, endpoints, ports: epPorts }) as KObject);
}

/**
 * A clean stop: delete this instance's slice, so kube-proxy stops sending
 * queries here at once (the kube-dns-endpoints controller then drops the
 * address from the Endpoints). A missing slice is fine.
 */
export async function withdrawKubeDns(client: Client, nodeName?: string): Promise<void> {
  try {
    await client.resource('endpointslices.discovery.k8s.io', KUBE_DNS_NAMESPACE).delete(kubeDnsSliceName(nodeName));
  } catch (e) {
    if (!isNotFound(e)) throw e;
  }
}
