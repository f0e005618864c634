/** Pod IPs from a node's /24 podCIDR, host-local style: .1 is the gateway, pods get .2 upward, freed when they finish. */
export class PodIpAllocator {
  private readonly byNode = new Map<string, { cidr: string; byUid: Map<string, string>; used: Set<string> }>();

  /** The IP already held by this pod, or a new one; undefined when the node has no podCIDR yet or the range is full. */
  allocate(node: string, cidr: string | undefined, uid: string, current?: string): string | undefined {
    if (!cidr) return undefined;
    let r = this.byNode.get(node);
    if (!r || r.cidr !== cidr) {
      r = { cidr, byUid: new Map(), used: new Set() };
      this.byNode.set(node, r);
    }
    const have = r.byUid.get(uid);
    if (have) return have;
    const [base, bits] = cidr.split('/') as [string, string | undefined];
    const octets = base.split('.').map(Number);
    if (octets.length !== 4 || Number(bits) > 30) return undefined;
    const start = ((octets[0]! << 24) | (octets[1]! << 16) | (octets[2]! << 8) | octets[3]!) >>> 0;
    const size = 2 ** (32 - Number(bits));
    const toIp = (n: number) => [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
    if (current && !r.used.has(current)) {
      const n = current.split('.').map(Number);
      const v = ((n[0]! << 24) | (n[1]! << 16) | (n[2]! << 8) | n[3]!) >>> 0;
      if (v > start && v < start + size - 1) {
        r.used.add(current);
        r.byUid.set(uid, current);
        return current;
      }
    }
    for (let i = 2; i < size - 1; i++) {
      const ip = toIp(start + i);
      if (r.used.has(ip)) continue;
      r.used.add(ip);
      r.byUid.set(uid, ip);
      return ip;
    }
    return undefined;
  }

  release(node: string, uid: string): void {
    const r = this.byNode.get(node);
    const ip = r?.byUid.get(uid);
    if (!r || !ip) return;
    r.byUid.delete(uid);
    r.used.delete(ip);
  }
}
