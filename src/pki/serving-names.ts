// The names the API server's serving certificate must carry (kubeadm's list plus this host's).
import { hostname, networkInterfaces } from 'node:os';
import { canonicalIp } from './ip.js';

/** Inputs for the apiserver certificate's subject alternative names. */
export interface ApiserverNameOptions {
  /** Cluster DNS domain (default `cluster.local`). */
  clusterDomain?: string;
  /** First IP of the service CIDR, the `kubernetes` Service's ClusterIP (default 10.43.0.1). */
  serviceIP?: string;
  extraDnsNames?: readonly string[];
  extraIps?: readonly string[];
  /** This host's name (default `os.hostname()`). */
  hostname?: string;
  /** This host's addresses (default: every non-internal address from `os.networkInterfaces()`). */
  hostIps?: readonly string[];
}

/** DNS names and IPs for a certificate, de-duplicated (names lower-cased, IPs canonical). */
export interface SubjectAltNames {
  dnsNames: string[];
  ips: string[];
}

export const DEFAULT_CLUSTER_DOMAIN = 'cluster.local';
export const DEFAULT_SERVICE_IP = '10.43.0.1';

/** Every non-internal IPv4 and IPv6 address of this host (link-local included, zone ids dropped). */
export function hostAddresses(): string[] {
  const out: string[] = [];
  for (const addrs of Object.values(networkInterfaces())) {
    for (const a of addrs ?? []) if (!a.internal) out.push(a.address);
  }
  return out;
}

/** De-duplicates names (lower-cased, order kept) and IPs (canonical, order kept). */
export function normaliseSans(dnsNames: readonly string[], ips: readonly string[]): SubjectAltNames {
  const dns = [...new Set(dnsNames.map((n) => n.trim().toLowerCase()).filter((n) => n !== ''))];
  return { dnsNames: dns, ips: [...new Set(ips.map(canonicalIp))] };
}

/**
 * The apiserver certificate's SANs: kubeadm's `kubernetes`,
 * `kubernetes.default`, `kubernetes.default.svc`,
 * `kubernetes.default.svc.<domain>`, plus `localhost` and the host name;
 * 127.0.0.1, ::1, the `kubernetes` Service IP and the host's addresses; plus
 * the extras.
 */
export function apiserverSans(opts: ApiserverNameOptions = {}): SubjectAltNames {
  const domain = opts.clusterDomain ?? DEFAULT_CLUSTER_DOMAIN;
  return normaliseSans(
    [
      'kubernetes',
      'kubernetes.default',
      'kubernetes.default.svc',
      `kubernetes.default.svc.${domain}`,
      'localhost',
      opts.hostname ?? hostname(),
      ...(opts.extraDnsNames ?? []),
    ],
    [
      '127.0.0.1',
      '::1',
      opts.serviceIP ?? DEFAULT_SERVICE_IP,
      ...(opts.hostIps ?? hostAddresses()),
      ...(opts.extraIps ?? []),
    ],
  );
}

/** True if `have` covers every name and IP in `want`. */
export function coversSans(have: SubjectAltNames, want: SubjectAltNames): boolean {
  const dns = new Set(have.dnsNames.map((n) => n.toLowerCase()));
  const ips = new Set(have.ips);
  return want.dnsNames.every((n) => dns.has(n)) && want.ips.every((ip) => ips.has(ip));
}
