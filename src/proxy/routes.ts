/**
 * Multi-node pod network, host-gw style (flannel's host-gw backend, the
 * seed's 4.3.2): every node routes each other node's podCIDR to that node's
 * InternalIP, so a packet from a pod leaves its node unchanged (no NAT, no
 * encapsulation) and the receiver sees the sender's pod IP. Needs the nodes
 * on one L2 segment (the next hop must be on-link).
 *
 * Routes are installed with `ip route replace … proto 233`, so the set this
 * module owns can be found again after a restart (`ip route show proto 233`)
 * and stale ones removed when a node goes or changes address.
 * @module
 */
import type { KObject } from '../api/index.js';
import type { Client } from '../client/index.js';
import type { CommandRunner } from './runner.js';
import { startSyncLoop } from './sync-loop.js';

/** The routing protocol number marking k8ts's pod routes (unassigned in /etc/iproute2/rt_protos). */
export const ROUTE_PROTO = '233';

export interface PodRoute {
  /** The other node's pod CIDR. */
  cidr: string;
  /** Its InternalIP. */
  via: string;
  node: string;
}

function isV4Cidr(c: string): boolean {
  return /^\d+\.\d+\.\d+\.\d+\/\d+$/.test(c);
}

/** Routes this node needs: every other real node's IPv4 podCIDRs via its first IPv4 InternalIP. */
export function desiredRoutes(nodes: KObject[], self: string, localAddresses: readonly string[] = []): PodRoute[] {
  const out: PodRoute[] = [];
  for (const n of nodes) {
    const name = n.metadata.name ?? '';
    // Simulated nodes (label type=sim) have made-up addresses and no pods to reach.
    if (name === self || n.metadata.deletionTimestamp || n.metadata.labels?.type === 'sim') continue;
    const spec = (n.spec ?? {}) as { podCIDR?: string; podCIDRs?: string[] };
    const status = (n.status ?? {}) as { addresses?: Array<{ type: string; address: string }> };
    const via = status.addresses?.find((a) => a.type === 'InternalIP' && /^\d+\.\d+\.\d+\.\d+$/.test(a.address))?.address;
    // A next hop on this machine is this node under another name: its pods are local.
    if (!via || localAddresses.includes(via)) continue;
    const cidrs = spec.podCIDRs?.length ? spec.podCIDRs : spec.podCIDR ? [spec.podCIDR] : [];
    for (const cidr of cidrs) if (isV4Cidr(cidr)) out.push({ cidr, via, node: name });
  }
  return out.sort((a, b) => a.cidr.localeCompare(b.cidr));
}

/** Routes with our protocol tag now in the main table: cidr → next hop. */
export async function installedRoutes(runner: CommandRunner): Promise<Map<string, string>> {
  const r = await runner.run('ip', ['-4', 'route', 'show', 'proto', ROUTE_PROTO]);
  if (r.code !== 0) throw new Error(`ip route show: ${r.stderr.trim()}`);
  const m = new Map<string, string>();
  for (const line of r.stdout.split('\n')) {
    const x = /^(\S+) via (\S+)/.exec(line.trim());
    if (x) m.set(x[1]!.includes('/') ? x[1]! : `${x[1]}/32`, x[2]!);
  }
  return m;
}

/** Make the routes equal `want`: replace changed or missing ones, delete ours that are no longer wanted. */
export async function syncRoutes(runner: CommandRunner, want: PodRoute[], log?: (m: string) => void): Promise<{ added: number; removed: number }> {
  const have = await installedRoutes(runner);
  let added = 0;
  let removed = 0;
  const wanted = new Set(want.map((r) => r.cidr));
  for (const [cidr] of have) {
    if (wanted.has(cidr)) continue;
    const r = await runner.run('ip', ['route', 'del', cidr, 'proto', ROUTE_PROTO]);
    if (r.code === 0) removed++;
    else log?.(`routes: ip route del ${cidr}: ${r.stderr.trim()}`);
  }
  for (const route of want) {
    if (have.get(route.cidr) === route.via) continue;
    const r = await runner.run('ip', ['route', 'replace', route.cidr, 'via', route.via, 'proto', ROUTE_PROTO]);
    if (r.code === 0) added++;
    else log?.(`routes: ip route replace ${route.cidr} via ${route.via} (node ${route.node}): ${r.stderr.trim()}`);
  }
  return { added, removed };
}

export interface RouteControllerOptions {
  client: Client;
  runner: CommandRunner;
  /** This node's name (its own podCIDR is local, not routed). */
  nodeName: string;
  /** Minimum time between syncs (default 100 ms). */
  minSyncMs?: number;
  /** Remove our routes on stop (default false). */
  cleanupOnStop?: boolean;
  /** Addresses of this node: never used as a next hop. */
  localAddresses?: string[];
  log?: (msg: string) => void;
}

export interface RunningRouteController {
  /** Resolves after the next sync that starts after this call. */
  synced(): Promise<void>;
  stop(): Promise<void>;
}

/** Watch Nodes and keep this node's routes to the others' pod CIDRs. */
export async function startRouteController(o: RouteControllerOptions): Promise<RunningRouteController> {
  let lastKey = '';
  const loop = await startSyncLoop({
    client: o.client,
    resources: ['nodes'],
    minSyncMs: o.minSyncMs ?? 100,
    // Someone may delete a route by hand: check again now and then.
    resyncMs: 30_000,
    name: 'routes',
    log: o.log,
    async sync(force, c) {
      const want = desiredRoutes(c.get('nodes')!.list(), o.nodeName, o.localAddresses);
      const key = JSON.stringify(want);
      if (!force && key === lastKey) return;
      await syncRoutes(o.runner, want, o.log);
      lastKey = key;
    },
  });
  return {
    synced: () => loop.synced(),
    async stop() {
      await loop.stop();
      if (o.cleanupOnStop) await syncRoutes(o.runner, [], o.log);
    },
  };
}
