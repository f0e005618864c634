/**
 * Names shared by the DNS instances (src/dns/kube-dns.ts), the
 * kube-dns-endpoints controller and the API server's node authorizer /
 * NodeRestriction admission: no imports, so the API server can use them
 * without loading the DNS server.
 * @module
 */
import { hostname } from 'node:os';

export const KUBE_DNS_LABELS = { 'k8s-app': 'kube-dns', 'kubernetes.io/cluster-service': 'true', 'kubernetes.io/name': 'CoreDNS' };
/** `endpointslice.kubernetes.io/managed-by` of the slices DNS instances publish themselves. */
export const DNS_MANAGED_BY = 'dns.k8ts.io';
export const KUBE_DNS_NAMESPACE = 'kube-system';
export const KUBE_DNS_SERVICE = 'kube-dns';

/** The name of a DNS instance's EndpointSlice: `kube-dns-<node>` (node name sanitised; the host name without one). */
export function kubeDnsSliceName(nodeName?: string): string {
  const node = (nodeName ?? hostname()).toLowerCase().replace(/[^a-z0-9-]/g, '-').replace(/^-+|-+$/g, '').slice(0, 40) || 'server';
  return `kube-dns-${node}`;
}
