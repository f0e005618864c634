/**
 * Cluster DNS: the Kubernetes DNS specification (`<svc>.<ns>.svc.<zone>`,
 * SRV, headless and StatefulSet names, pod names, ExternalName, PTR) answered
 * from informer caches, other names forwarded to the host's resolvers.
 * @module
 */
export { ClusterZone, dashed, expandIPv6, parseReverse, NOERROR, NXDOMAIN, SERVFAIL, type ZoneAnswer, type ZoneOptions } from './zone.js';
export { DnsServer, parseUpstream, resolvConfNameservers, type DnsServerOptions, type Upstream } from './server.js';
export { InformerSource, StaticSource, SERVICE_NAME_LABEL, type DnsSource, type Service, type EndpointSlice, type SliceEndpoint } from './source.js';
export { DnsMetrics } from './metrics.js';
export { ensureKubeDnsObjects, withdrawKubeDns, dnsServiceIP, kubeDnsSliceName, kubeDnsService, kubeDnsServicePorts, KUBE_DNS_LABELS, DNS_MANAGED_BY, type KubeDnsOptions } from './kube-dns.js';
export type { DnsWorkerData } from './worker-main.js';
