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
import { Client, SharedInformerFactory } from '../client/index.js';
import { applyNetpolRules, buildNetpolRules, cleanupNetpolRules, netpolStateFrom } from './netpol.js';
import type { CommandRunner } from './runner.js';
import { startRouteController } from './routes.js';

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

export interface RunningNetpolEnforcer {
  /** Resolves after the next sync that starts after this call. */
  synced(): Promise<void>;
  /** Syncs done so far. */
  readonly syncs: number;
  stop(): Promise<void>;
}

export async function startNetpolEnforcer(o: NetpolEnforcerOptions): Promise<RunningNetpolEnforcer> {
  const factory = new SharedInformerFactory(o.client);
  const pods = factory.informerFor('pods');
  const namespaces = factory.informerFor('namespaces');
  const policies = factory.informerFor('networkpolicies.networking.k8s.io');
  const abort = new AbortController();
  const minSync = o.minSyncMs ?? 200;
  let lastText = '';
  let lastSyncAt = 0;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let dirty = false;
  let syncs = 0;
  let waiters: Array<() => void> = [];

  const sync = async (force: boolean) => {
    const rs = buildNetpolRules(netpolStateFrom(pods.list(), namespaces.list(), policies.list() as KObject[]), { nodeName: o.nodeName });
    if (force || rs.text !== lastText) {
      await applyNetpolRules(o.runner, rs);
      lastText = rs.text;
    }
    syncs++;
  };
  const kick = (force = false) => {
    dirty = true;
    if (timer || running || abort.signal.aborted) return;
    const wait = Math.max(0, lastSyncAt + minSync - Date.now());
    timer = setTimeout(() => {
      timer = undefined;
      dirty = false;
      const ws = waiters;
      waiters = [];
      running = sync(force)
        .catch((e: unknown) => o.log?.(`netpol: sync failed: ${(e as Error).message}`))
        .finally(() => {
          lastSyncAt = Date.now();
          running = undefined;
          for (const w of ws) w();
          if (dirty) kick();
        });
    }, wait);
  };
  const h = { onAdd: () => kick(), onUpdate: () => kick(), onDelete: () => kick() };
  pods.addEventHandler(h);
  namespaces.addEventHandler(h);
  policies.addEventHandler(h);
  factory.start(abort.signal);
  await factory.waitForCacheSync(abort.signal);
  kick(true);
  const resync = setInterval(() => kick(true), o.resyncMs ?? 30_000);
  resync.unref();
  return {
    get syncs() {
      return syncs;
    },
    synced() {
      return new Promise<void>((resolve) => {
        waiters.push(resolve);
        kick();
      });
    },
    async stop() {
      abort.abort();
      clearInterval(resync);
      if (timer) clearTimeout(timer);
      await running;
      await factory.shutdown();
      if (o.cleanupOnStop) await cleanupNetpolRules(o.runner);
    },
  };
}

/** The identity the node's network agents (policy enforcer, route controller) use, and its read-only role. */
export const NETWORK_AGENT_USER = 'system:k8ts:network-agent';
export const NETWORK_AGENT_ROLE = 'k8ts:network-agent';


export interface NetworkAgentsOptions {
  /** Client credentials for a user and groups, signed by the cluster CA (ComponentContext.credentialsFor). */
  credentials(user: string, groups: string[]): Promise<{ server: string; caPem: string; certPem: string; keyPem: string }>;
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
