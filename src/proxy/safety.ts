/**
 * Safety routes (issue 10 part 7): no packet for a Service or pod address may
 * leave through the host's uplink just because no rule matched. The Service
 * CIDR is routed to `lo` (a connection from the node still gets its route,
 * then DNAT in OUTPUT re-routes it to the pod; an unused Service IP dies
 * locally), and the cluster CIDR is `unreachable` behind the more specific
 * per-node pod routes (the bridge's own subnet, other nodes' podCIDRs).
 * `blackhole`/`unreachable` for the Service CIDR would break node → ClusterIP:
 * the route lookup fails before the OUTPUT hook can DNAT.
 * @module
 */
import { mustRun, type CommandRunner } from './runner.js';

export interface SafetyRoutes {
  serviceCIDR: string;
  clusterCIDR?: string;
}

/** The `ip route replace` argument lists for the safety routes. */
export function safetyRouteArgs(s: SafetyRoutes): string[][] {
  const out = [['route', 'replace', s.serviceCIDR, 'dev', 'lo', 'proto', 'static']];
  if (s.clusterCIDR) out.push(['route', 'replace', 'unreachable', s.clusterCIDR, 'proto', 'static', 'metric', '4000']);
  return out;
}

export async function ensureSafetyRoutes(runner: CommandRunner, s: SafetyRoutes): Promise<void> {
  for (const args of safetyRouteArgs(s)) await mustRun(runner, 'ip', args);
}

export async function removeSafetyRoutes(runner: CommandRunner, s: SafetyRoutes): Promise<void> {
  await runner.run('ip', ['route', 'del', s.serviceCIDR, 'dev', 'lo', 'proto', 'static']);
  if (s.clusterCIDR) await runner.run('ip', ['route', 'del', 'unreachable', s.clusterCIDR, 'proto', 'static', 'metric', '4000']);
}
