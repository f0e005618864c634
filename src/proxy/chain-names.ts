/** Upstream kube-proxy's chain names: base32(sha256(servicePortName + protocol [+ endpoint]))[:16]. */
import * as cryptoNs from 'node:crypto';
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

const B32_CODES = Array.from(B32, (c) => c.charCodeAt(0));

/** base32 of the first 10 bytes: exactly the 16 characters a chain name keeps (80 bits, no padding). */
function base32Prefix16(d: Uint8Array): string {
  const c = B32_CODES;
  // 5 bytes = 40 bits = 8 characters; each group split in two 20-bit halves to stay within 32-bit integers.
  const h0 = (d[0]! << 12) | (d[1]! << 4) | (d[2]! >> 4);
  const l0 = ((d[2]! & 15) << 16) | (d[3]! << 8) | d[4]!;
  const h1 = (d[5]! << 12) | (d[6]! << 4) | (d[7]! >> 4);
  const l1 = ((d[7]! & 15) << 16) | (d[8]! << 8) | d[9]!;
  return String.fromCharCode(
    c[h0 >>> 15]!, c[(h0 >>> 10) & 31]!, c[(h0 >>> 5) & 31]!, c[h0 & 31]!, c[l0 >>> 15]!, c[(l0 >>> 10) & 31]!, c[(l0 >>> 5) & 31]!, c[l0 & 31]!,
    c[h1 >>> 15]!, c[(h1 >>> 10) & 31]!, c[(h1 >>> 5) & 31]!, c[h1 & 31]!, c[l1 >>> 15]!, c[(l1 >>> 10) & 31]!, c[(l1 >>> 5) & 31]!, c[l1 & 31]!,
  );
}

/** One-shot sha256 (crypto.hash, Node >= 20.12), else the streaming API. */
const sha256: (s: string) => Uint8Array =
  typeof (cryptoNs as { hash?: unknown }).hash === 'function'
    ? (s) => (cryptoNs as unknown as { hash(alg: string, data: string, enc: 'buffer'): Buffer }).hash('sha256', s, 'buffer')
    : (s) => createHash('sha256').update(s).digest();

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
    h = base32Prefix16(sha256(input));
    if (hashCache.size >= MAX_CACHE) hashCache.clear();
    hashCache.set(input, h);
  }
  return h;
}

/** Forget cached hashes (benchmarks measure a cold start with it). */
export function clearChainNameCache(): void {
  hashCache.clear();
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
