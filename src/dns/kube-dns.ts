/**
 * The `kube-dns` Service in kube-system, as CoreDNS's manifests define it
 * (ClusterIP = service CIDR + 10, ports dns/53 UDP, dns-tcp/53 TCP,
 * metrics/9153), without a selector: the DNS server runs in the k8ts process
 * on the host network, so it publishes its own EndpointSlice (one per server,
 * named after the host) and Endpoints pointing at where it listens. kube-proxy
 * DNATs `10.43.0.10:53` to those endpoints like any other Service.
 * @module
 */
import { hostname } from 'node:os';
import type { KObject } from '../api/index.js';
import { isAlreadyExists, isNotFound, type Client } from '../client/index.js';

export const KUBE_DNS_LABELS = { 'k8s-app': 'kube-dns', 'kubernetes.io/cluster-service': 'true', 'kubernetes.io/name': 'CoreDNS' };
export const DNS_MANAGED_BY = 'dns.k8ts.io';

export interface KubeDnsOptions {
  /** The Service's ClusterIP (service CIDR + 10). */
  clusterIP: string;
  /** Where this server answers (a node address; loopback or unspecified addresses publish no endpoint). */
  endpointIP?: string;
  port: number;
  metricsPort?: number;
  nodeName?: string;
}

/** `10.43.0.0/16` → `10.43.0.10`. */
export function dnsServiceIP(serviceCIDR: string): string {
  const [base = '', bits = '32'] = serviceCIDR.split('/');
  const n = base.split('.').reduce((a, p) => (a << 8) + Number(p), 0) >>> 0;
  const mask = Number(bits) === 0 ? 0 : (0xffffffff << (32 - Number(bits))) >>> 0;
  const ip = ((n & mask) + 10) >>> 0;
  return [ip >>> 24, (ip >>> 16) & 255, (ip >>> 8) & 255, ip & 255].join('.');
}

async function upsert(client: Client, resource: string, obj: KObject, same: (cur: KObject) => boolean, merge: (cur: KObject) => KObject): Promise<void> {
  const rc = client.resource(resource, obj.metadata.namespace);
  let cur: KObject | undefined;
  try {
    cur = await rc.get(obj.metadata.name!);
  } catch (e) {
    if (!isNotFound(e)) throw e;
  }
  if (!cur) {
    await rc.create(obj).catch((e: unknown) => {
      if (!isAlreadyExists(e)) throw e;
    });
    return;
  }
  if (!same(cur)) await rc.update(merge(cur));
}

export async function ensureKubeDnsObjects(client: Client, o: KubeDnsOptions): Promise<void> {
  const ports = [
    { name: 'dns', port: 53, protocol: 'UDP', targetPort: o.port },
    { name: 'dns-tcp', port: 53, protocol: 'TCP', targetPort: o.port },
    ...(o.metricsPort ? [{ name: 'metrics', port: 9153, protocol: 'TCP', targetPort: o.metricsPort }] : []),
  ];
  const svc: KObject = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'kube-dns', namespace: 'kube-system', labels: { ...KUBE_DNS_LABELS }, annotations: { 'prometheus.io/port': '9153', 'prometheus.io/scrape': 'true' } },
    spec: { type: 'ClusterIP', clusterIP: o.clusterIP, clusterIPs: [o.clusterIP], ports },
  } as KObject;
  await upsert(
    client,
    'services',
    svc,
    (cur) => JSON.stringify((cur.spec as { ports?: unknown[] }).ports?.map((p) => ({ ...(p as object), nodePort: undefined }))) === JSON.stringify(ports.map((p) => ({ ...p, nodePort: undefined }))),
    (cur) => ({ ...cur, spec: { ...(cur.spec as object), ports } }),
  );
  const ip = o.endpointIP;
  const publishable = !!ip && !/^127\./.test(ip) && ip !== '::1' && ip !== '0.0.0.0' && ip !== '::';
  const epPorts = [
    { name: 'dns', port: o.port, protocol: 'UDP' },
    { name: 'dns-tcp', port: o.port, protocol: 'TCP' },
    ...(o.metricsPort ? [{ name: 'metrics', port: o.metricsPort, protocol: 'TCP' }] : []),
  ];
  const node = (o.nodeName ?? hostname()).toLowerCase().replace(/[^a-z0-9-]/g, '-').replace(/^-+|-+$/g, '').slice(0, 40) || 'server';
  const endpoints = publishable ? [{ addresses: [ip], conditions: { ready: true, serving: true, terminating: false }, ...(o.nodeName ? { nodeName: o.nodeName } : {}) }] : [];
  const slice: KObject = {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: `kube-dns-${node}`, namespace: 'kube-system', labels: { 'kubernetes.io/service-name': 'kube-dns', 'endpointslice.kubernetes.io/managed-by': DNS_MANAGED_BY, ...KUBE_DNS_LABELS } },
    addressType: 'IPv4',
    endpoints,
    ports: epPorts,
  } as KObject;
  const sliceKey = (x: KObject) => JSON.stringify([(x as { endpoints?: unknown }).endpoints ?? [], (x as { ports?: unknown }).ports ?? []]);
  await upsert(client, 'endpointslices.discovery.k8s.io', slice, (cur) => sliceKey(cur) === sliceKey(slice), (cur) => ({ ...cur, endpoints, ports: epPorts }) as KObject);
  if (publishable) {
    const subsets = [{ addresses: [{ ip, ...(o.nodeName ? { nodeName: o.nodeName } : {}) }], ports: epPorts }];
    const ep: KObject = {
      apiVersion: 'v1',
      kind: 'Endpoints',
      metadata: { name: 'kube-dns', namespace: 'kube-system', labels: { ...KUBE_DNS_LABELS, 'endpointslice.kubernetes.io/skip-mirror': 'true' } },
      subsets,
    } as KObject;
    await upsert(client, 'endpoints', ep, (cur) => JSON.stringify((cur as { subsets?: unknown }).subsets) === JSON.stringify(subsets), (cur) => ({ ...cur, subsets }) as KObject);
  }
}
