/** Upstream kube-proxy's chain names: base32(sha256(servicePortName + protocol [+ endpoint]))[:16]. */
import { createHash } from 'node:crypto';

export const KUBE_SERVICES = 'KUBE-SERVICES';
export const KUBE_EXTERNAL_SERVICES = 'KUBE-EXTERNAL-SERVICES';
export const KUBE_NODEPORTS = 'KUBE-NODEPORTS';
export const KUBE_POSTROUTING = 'KUBE-POSTROUTING';
export const KUBE_MARK_MASQ = 'KUBE-MARK-MASQ';
export const KUBE_FORWARD = 'KUBE-FORWARD';
export const KUBE_PROXY_FIREWALL = 'KUBE-PROXY-FIREWALL';
export const KUBE_FIREWALL = 'KUBE-FIREWALL';

/** Prefixes of per-Service chains (the ones a sync may delete when unused). */
export const SERVICE_CHAIN_PREFIXES = ['KUBE-SVC-', 'KUBE-SVL-', 'KUBE-EXT-', 'KUBE-FW-', 'KUBE-SEP-'];

const B32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** RFC 4648 base32 (Go's base32.StdEncoding), enough of it for a prefix. */
export function base32(buf: Uint8Array): string {
  let out = '';
  let bits = 0;
  let value = 0;
  for (const byte of buf) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += B32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
    value &= (1 << bits) - 1;
  }
  if (bits > 0) out += B32[(value << (5 - bits)) & 31];
  return out;
}

/**
 * Hashes are cached (upstream keeps them on its servicePortInfo/endpointInfo):
 * a sync of 10,000 Services × 5 endpoints would otherwise spend most of its
 * time in sha256. The cache is dropped when it grows past a bound.
 */
const hashCache = new Map<string, string>();
const MAX_CACHE = 500_000;

function hash16(input: string): string {
  let h = hashCache.get(input);
  if (h === undefined) {
    h = base32(createHash('sha256').update(input).digest()).slice(0, 16);
    if (hashCache.size >= MAX_CACHE) hashCache.clear();
    hashCache.set(input, h);
  }
  return h;
}

export function portProtoHash(servicePortName: string, protocol: string): string {
  return hash16(servicePortName + protocol);
}

/** `protocol` is lower case, as upstream passes it. */
export const svcChain = (spn: string, protocol: string): string => 'KUBE-SVC-' + portProtoHash(spn, protocol);
export const svlChain = (spn: string, protocol: string): string => 'KUBE-SVL-' + portProtoHash(spn, protocol);
export const extChain = (spn: string, protocol: string): string => 'KUBE-EXT-' + portProtoHash(spn, protocol);
export const fwChain = (spn: string, protocol: string): string => 'KUBE-FW-' + portProtoHash(spn, protocol);
export const sepChain = (spn: string, protocol: string, endpoint: string): string =>
  'KUBE-SEP-' + hash16(spn + protocol + endpoint);

export const isServiceChain = (chain: string): boolean => SERVICE_CHAIN_PREFIXES.some((p) => chain.startsWith(p));
