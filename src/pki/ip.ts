// Canonical IP address text, so SANs compare equal however they were written.

/**
 * Returns the canonical text of an IP address: IPv4 as a dotted quad (no
 * leading zeros accepted, as Go's net.ParseIP), IPv6 in RFC 5952 form (lower
 * case, longest zero run compressed, zone id dropped). The WHATWG URL parser
 * validates and canonicalises IPv6; it also turns an IPv4-mapped address into
 * hex groups, which every X.509 encoder accepts. Throws on anything else.
 */
export function canonicalIp(ip: string): string {
  const bare = ip.trim().replace(/^\[(.*)\]$/, '$1');
  if (bare.includes(':')) {
    const zoneless = bare.split('%')[0] ?? '';
    try {
      return new URL(`http://[${zoneless}]/`).hostname.slice(1, -1);
    } catch {
      throw new Error(`not an IP address: ${JSON.stringify(ip)}`);
    }
  }
  const parts = bare.split('.');
  if (parts.length === 4 && parts.every((p) => /^(0|[1-9]\d{0,2})$/.test(p) && Number(p) <= 255)) return bare;
  throw new Error(`not an IP address: ${JSON.stringify(ip)}`);
}
