/** Which UDP conntrack entries to flush after a sync (upstream's conntrack.CleanStaleEntries), as `conntrack -D` argument lists. */
import { categorizeEndpoints } from './ruleset.js';
import { endpointKey } from './service-info.js';
import type { ProxyState } from './types.js';

export function staleConntrackDeletes(prev: ProxyState | undefined, next: ProxyState): string[][] {
  if (!prev) return [];
  const out: string[][] = [];
  const prevByKey = new Map(prev.services.map((s) => [endpointKey(s), s]));
  for (const sp of next.services) {
    if (sp.protocol !== 'UDP') continue;
    const key = endpointKey(sp);
    const before = prevByKey.get(key);
    const oldEps = before ? categorizeEndpoints(prev.endpoints.get(key) ?? [], before).all : [];
    const newEps = categorizeEndpoints(next.endpoints.get(key) ?? [], sp).all;
    const ips = [sp.clusterIP, ...sp.externalIPs, ...sp.loadBalancerIPs];
    // A Service that had no endpoints: replies were REJECTs cached in conntrack; forget them.
    if (oldEps.length === 0 && newEps.length > 0) {
      for (const ip of ips) out.push(['-D', '-p', 'udp', '--orig-dst', ip, '--orig-port-dst', String(sp.port)]);
      if (sp.nodePort) out.push(['-D', '-p', 'udp', '--orig-port-dst', String(sp.nodePort)]);
    }
    // Endpoints that went away: their NAT entries would keep sending packets to nothing.
    const still = new Set(newEps.map((e) => `${e.ip}:${e.port}`));
    for (const e of oldEps) {
      if (still.has(`${e.ip}:${e.port}`)) continue;
      for (const ip of ips) out.push(['-D', '-p', 'udp', '--orig-dst', ip, '--orig-port-dst', String(sp.port), '--dst-nat', e.ip]);
      if (sp.nodePort) out.push(['-D', '-p', 'udp', '--orig-port-dst', String(sp.nodePort), '--dst-nat', e.ip]);
    }
  }
  return out;
}
