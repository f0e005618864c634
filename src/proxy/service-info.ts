/** From Service and EndpointSlice objects to the proxy's model (pure). */
import type { KObject } from '../api/index.js';
import type { Endpoint, ProxyState, Protocol, ServicePort } from './types.js';

/** Services carrying this label are served by another proxy (upstream's service.kubernetes.io/service-proxy-name). */
export const SERVICE_PROXY_NAME_LABEL = 'service.kubernetes.io/service-proxy-name';
export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';
/** The annotation that held the source ranges before spec.loadBalancerSourceRanges (still honoured when the field is empty). */
export const LB_SOURCE_RANGES_ANNOTATION = 'service.beta.kubernetes.io/load-balancer-source-ranges';
const DEFAULT_STICKY_SECONDS = 10800;

interface SvcSpecPort {
  name?: string;
  port?: number;
  protocol?: string;
  nodePort?: number;
}

/** A dotted-quad IPv4 address (1–3 digits per octet, each ≤ 255), checked without a regex: it runs once per endpoint per sync. */
export function isIPv4(s: unknown): s is string {
  if (typeof s !== 'string') return false;
  const n = s.length;
  if (n < 7 || n > 15) return false;
  let dots = 0;
  let digits = 0;
  let value = 0;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c === 46) {
      if (digits === 0 || ++dots > 3) return false;
      digits = 0;
      value = 0;
    } else if (c >= 48 && c <= 57) {
      value = value * 10 + (c - 48);
      if (++digits > 3 || value > 255) return false;
    } else return false;
  }
  return dots === 3 && digits > 0;
}

/**
 * An IPv4 CIDR in canonical form (host bits cleared, as Go's IPNet.String()
 * and iptables-save print it), or undefined for anything else (IPv6 ranges
 * belong to an IPv6 proxier; invalid ones were refused by validation).
 */
export function canonicalIPv4CIDR(value: string): string | undefined {
  const v = value.trim();
  const slash = v.indexOf('/');
  if (slash < 0) return undefined;
  const ip = v.slice(0, slash);
  const bitsS = v.slice(slash + 1);
  if (!isIPv4(ip) || !/^\d{1,2}$/.test(bitsS)) return undefined;
  const bits = Number(bitsS);
  if (bits > 32) return undefined;
  const n = ip.split('.').reduce((a, o) => a * 256 + Number(o), 0);
  const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  const net = (n & mask) >>> 0;
  return `${net >>> 24}.${(net >>> 16) & 255}.${(net >>> 8) & 255}.${net & 255}/${bits}`;
}

/** Whether IPv4 `ip` lies in canonical IPv4 `cidr`. */
export function ipv4InCIDR(ip: string, cidr: string): boolean {
  const [base, bitsS] = cidr.split('/');
  const bits = Number(bitsS);
  const num = (s: string) => s.split('.').reduce((a, o) => a * 256 + Number(o), 0);
  const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  return ((num(ip) & mask) >>> 0) === ((num(base!) & mask) >>> 0);
}

/**
 * A LoadBalancer Service's source ranges (upstream's GetLoadBalancerSourceRanges):
 * spec.loadBalancerSourceRanges, else the comma-separated annotation; IPv4 only,
 * canonical, deduplicated, in order. Empty means every source is allowed.
 */
export function loadBalancerSourceRangesOf(svc: KObject): string[] {
  const spec = (svc.spec ?? {}) as { loadBalancerSourceRanges?: unknown };
  let raw: string[] = Array.isArray(spec.loadBalancerSourceRanges) ? spec.loadBalancerSourceRanges.map(String) : [];
  if (!raw.length) raw = (svc.metadata.annotations?.[LB_SOURCE_RANGES_ANNOTATION] ?? '').split(',');
  const out: string[] = [];
  for (const r of raw) {
    const c = canonicalIPv4CIDR(r);
    if (c && !out.includes(c)) out.push(c);
  }
  return out;
}

export function servicePortName(namespace: string, name: string, portName: string): string {
  return `${namespace}/${name}${portName ? ':' + portName : ''}`;
}

/** The ports of a Service the proxy serves (none for headless, ExternalName or foreign-proxy Services). */
export function servicePortsOf(svc: KObject): ServicePort[] {
  const spec = (svc.spec ?? {}) as Record<string, unknown>;
  const status = (svc.status ?? {}) as { loadBalancer?: { ingress?: Array<{ ip?: string; ipMode?: string }> } };
  if (svc.metadata.labels?.[SERVICE_PROXY_NAME_LABEL]) return [];
  if (spec.type === 'ExternalName') return [];
  const clusterIP = spec.clusterIP;
  if (!isIPv4(clusterIP)) return [];
  const type = String(spec.type ?? 'ClusterIP');
  const externalIPs = ((spec.externalIPs as string[] | undefined) ?? []).filter(isIPv4);
  const lbIPs = type === 'LoadBalancer' ? (status.loadBalancer?.ingress ?? []).filter((i) => isIPv4(i.ip) && i.ipMode !== 'Proxy').map((i) => i.ip!) : [];
  const sourceRanges = lbIPs.length ? loadBalancerSourceRangesOf(svc) : [];
  const affinity = spec.sessionAffinity === 'ClientIP';
  const timeout = (spec.sessionAffinityConfig as { clientIP?: { timeoutSeconds?: number } } | undefined)?.clientIP?.timeoutSeconds;
  const out: ServicePort[] = [];
  const ns = svc.metadata.namespace ?? 'default';
  const name = svc.metadata.name ?? '';
  for (const p of (spec.ports as SvcSpecPort[] | undefined) ?? []) {
    if (!p.port) continue;
    const nodePort = type === 'NodePort' || type === 'LoadBalancer' ? (p.nodePort ?? 0) : 0;
    const externallyAccessible = nodePort > 0 || lbIPs.length > 0 || externalIPs.length > 0;
    out.push({
      namespace: ns,
      name,
      portName: p.name ?? '',
      nameString: servicePortName(ns, name, p.name ?? ''),
      clusterIP,
      port: p.port,
      protocol: (p.protocol ?? 'TCP') as Protocol,
      nodePort,
      externalIPs,
      loadBalancerIPs: lbIPs,
      loadBalancerSourceRanges: sourceRanges,
      sessionAffinityClientIP: affinity,
      stickyMaxAgeSeconds: affinity ? (timeout ?? DEFAULT_STICKY_SECONDS) : 0,
      externalPolicyLocal: externallyAccessible && spec.externalTrafficPolicy === 'Local',
      internalPolicyLocal: spec.internalTrafficPolicy === 'Local',
      healthCheckNodePort: externallyAccessible && spec.externalTrafficPolicy === 'Local' ? Number(spec.healthCheckNodePort ?? 0) : 0,
    });
  }
  return out;
}

interface SliceEndpoint {
  addresses?: string[];
  conditions?: { ready?: boolean; serving?: boolean; terminating?: boolean };
  nodeName?: string;
}

/** Endpoints per `ns/name:port` from the EndpointSlices (IPv4 only), sorted by `ip:port`, deduplicated. */
export function endpointsFromSlices(slices: KObject[], nodeName: string): Map<string, Endpoint[]> {
  const byPort = new Map<string, Map<string, Endpoint>>();
  for (const s of slices) {
    if (s.addressType !== 'IPv4') continue;
    const svcName = s.metadata.labels?.[SERVICE_NAME_LABEL];
    if (!svcName) continue;
    const ns = s.metadata.namespace ?? 'default';
    for (const port of (s.ports as Array<{ name?: string; port?: number; protocol?: string }> | undefined) ?? []) {
      if (!port.port) continue;
      const key = servicePortName(ns, svcName, port.name ?? '') + '/' + (port.protocol ?? 'TCP');
      let m = byPort.get(key);
      if (!m) byPort.set(key, (m = new Map()));
      for (const e of (s.endpoints as SliceEndpoint[] | undefined) ?? []) {
        const ip = e.addresses?.[0];
        if (!isIPv4(ip)) continue;
        // Upstream: unset ready means ready; unset serving follows ready; unset terminating is false.
        const ready = e.conditions?.ready ?? true;
        const ep: Endpoint = {
          ip,
          port: port.port,
          ready,
          serving: e.conditions?.serving ?? ready,
          terminating: e.conditions?.terminating ?? false,
          nodeName: e.nodeName,
          isLocal: !!nodeName && e.nodeName === nodeName,
        };
        const id = `${ip}:${port.port}`;
        if (!m.has(id) || (ep.ready && !m.get(id)!.ready)) m.set(id, ep);
      }
    }
  }
  const out = new Map<string, Endpoint[]>();
  for (const [k, m] of byPort) {
    const ids = [...m.keys()];
    // Usually already in order (one slice, endpoints listed sorted): skip the sort then.
    for (let i = 1; i < ids.length; i++) {
      if (ids[i - 1]! > ids[i]!) {
        ids.sort(compareEndpoint);
        break;
      }
    }
    out.set(k, ids.map((id) => m.get(id)!));
  }
  return out;
}

/** Key of a ServicePort in the endpoints map: name string plus protocol. */
export const endpointKey = (sp: Pick<ServicePort, 'nameString' | 'protocol'>): string => `${sp.nameString}/${sp.protocol}`;

function compareEndpoint(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The whole proxy state from informer contents. Services sorted by name for stable output. */
export function stateFromObjects(services: KObject[], slices: KObject[], nodeName: string): ProxyState {
  const ports = services.flatMap(servicePortsOf).sort((a, b) => (a.nameString < b.nameString ? -1 : a.nameString > b.nameString ? 1 : a.protocol < b.protocol ? -1 : 1));
  return { services: ports, endpoints: endpointsFromSlices(slices, nodeName) };
}
