/**
 * Runs NetworkPolicy enforcement on a node: informers on Pods, Namespaces
 * and NetworkPolicies feed `buildNetpolRules`; a change schedules a sync
 * (at most one per `minSyncMs`), an unchanged ruleset is not re-applied
 * except by the periodic full resync, which also repairs rules someone else
 * flushed.
 * @module
 */
import { networkInterfaces } from 'node:os';
import type { KObject } from '../api/index.js';
import { Client, type ClientOptions } from '../client/index.js';
import { applyNetpolRules, buildNetpolRules, cleanupNetpolRules, netpolStateFrom } from './netpol.js';
import type { CommandRunner } from './runner.js';
import { startRouteController } from './routes.js';
import { startSyncLoop, type SyncLoop } from './sync-loop.js';

export interface NetpolEnforcerOptions {
  client: Client;
  runner: CommandRunner;
  /** Police only this node's pods (default: every pod with an IP). */
  nodeName?: string;
  /** Minimum time between syncs (default 200 ms). */
  minSyncMs?: number;
  /** Full resync period (default 30 s). */
  resyncMs?: number;
  /** Remove every chain on stop (default false: rules stay, as kube-proxy's do). */
  cleanupOnStop?: boolean;
  log?: (msg: string) => void;
}

/** synced(), syncs and stop() (which also removes the chains with cleanupOnStop). */
export type RunningNetpolEnforcer = SyncLoop;

export async function startNetpolEnforcer(o: NetpolEnforcerOptions): Promise<RunningNetpolEnforcer> {
  let lastText = '';
  const loop = await startSyncLoop({
    client: o.client,
    resources: ['pods', 'namespaces', 'networkpolicies.networking.k8s.io'],
    minSyncMs: o.minSyncMs ?? 200,
    resyncMs: o.resyncMs,
    name: 'netpol',
    log: o.log,
    async sync(force, c) {
      const list = (r: string) => c.get(r)!.list() as KObject[];
      const rs = buildNetpolRules(netpolStateFrom(list('pods'), list('namespaces'), list('networkpolicies.networking.k8s.io')), { nodeName: o.nodeName });
      if (force || rs.text !== lastText) {
        await applyNetpolRules(o.runner, rs);
        lastText = rs.text;
      }
    },
  });
  return {
    get syncs() {
      return loop.syncs;
    },
    synced: () => loop.synced(),
    async stop() {
      await loop.stop();
      if (o.cleanupOnStop) await cleanupNetpolRules(o.runner);
    },
  };
}

/** The identity the node's network agents (policy enforcer, route controller) use, and its read-only role. */
export const NETWORK_AGENT_USER = 'system:k8ts:network-agent';
export const NETWORK_AGENT_ROLE = 'k8ts:network-agent';

export interface NetworkAgentsOptions {
  /**
   * Client credentials for a user and groups, signed by the cluster CA (ComponentContext.credentialsFor);
   * `k8ts agent` hands over its own credentials whatever the user.
   */
  credentials(user: string, groups: string[]): Promise<ClientOptions>;
  runner: CommandRunner;
  nodeName: string;
  log?: (msg: string) => void;
}

/** Start NetworkPolicy enforcement and the host-gw route controller for this node (what `k8ts server`'s proxy slot runs). */
export async function startNetworkAgents(o: NetworkAgentsOptions): Promise<{ stop(): Promise<void> }> {
  // Its ClusterRole and binding (k8ts:network-agent) come from the bootstrap policy: no admin step here.
  const client = new Client({ ...(await o.credentials(NETWORK_AGENT_USER, [])), qps: -1, userAgent: 'k8ts-network-agent/v1.32.0 (k8ts)' });
  const policy = await startNetpolEnforcer({ client, runner: o.runner, nodeName: o.nodeName, log: o.log });
  const localAddresses = Object.values(networkInterfaces()).flatMap((l) => (l ?? []).map((a) => a.address));
  const routes = await startRouteController({ client, runner: o.runner, nodeName: o.nodeName, localAddresses, log: o.log });
  o.log?.(`network: NetworkPolicy enforcement and host-gw routes on node ${o.nodeName}`);
  return {
    async stop() {
      await Promise.allSettled([policy.stop(), routes.stop()]);
      await client.close();
    },
  };
}
