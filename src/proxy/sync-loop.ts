/**
 * The informer-driven sync loop the node's network agents share (NetworkPolicy
 * enforcer, host-gw route controller): informers on some resources, any event
 * schedules one sync (at most one per `minSyncMs`, never two at once), a
 * periodic forced resync repairs what someone changed by hand, and callers can
 * wait for the next sync.
 * @module
 */
import type { KObject } from '../api/index.js';
import { SharedInformerFactory, type Client, type SharedInformer } from '../client/index.js';

export interface SyncLoopOptions {
  client: Client;
  /** Resources to inform on, e.g. `pods`, `networkpolicies.networking.k8s.io`. */
  resources: readonly string[];
  /** One sync from the informers' caches; `force` after start and on the periodic resync. */
  sync(force: boolean, caches: ReadonlyMap<string, SharedInformer<KObject>>): Promise<void>;
  /** Minimum time between syncs. */
  minSyncMs: number;
  /** Forced resync period (default 30 s). */
  resyncMs?: number;
  /** Prefix of logged sync failures, e.g. `netpol`. */
  name: string;
  log?: (msg: string) => void;
}

export interface SyncLoop {
  /** Resolves after the next sync that starts after this call. */
  synced(): Promise<void>;
  /** Syncs done so far (failed ones included). */
  readonly syncs: number;
  /** Stop the informers and wait for a running sync. */
  stop(): Promise<void>;
}

/** Start the informers, wait for their caches, run the first (forced) sync's timer and return. */
export async function startSyncLoop(o: SyncLoopOptions): Promise<SyncLoop> {
  const factory = new SharedInformerFactory(o.client);
  const caches = new Map(o.resources.map((r) => [r, factory.informerFor(r)] as const));
  const abort = new AbortController();
  let lastSyncAt = 0;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let dirty = false;
  let force = false;
  let syncs = 0;
  let waiters: Array<() => void> = [];
  const kick = (forced = false) => {
    dirty = true;
    force ||= forced;
    if (timer || running || abort.signal.aborted) return;
    timer = setTimeout(() => {
      timer = undefined;
      dirty = false;
      const f = force;
      force = false;
      const ws = waiters;
      waiters = [];
      running = o
        .sync(f, caches)
        .catch((e: unknown) => o.log?.(`${o.name}: sync failed: ${(e as Error).message}`))
        .finally(() => {
          syncs++;
          lastSyncAt = Date.now();
          running = undefined;
          for (const w of ws) w();
          if (dirty) kick();
        });
    }, Math.max(0, lastSyncAt + o.minSyncMs - Date.now()));
  };
  const h = { onAdd: () => kick(), onUpdate: () => kick(), onDelete: () => kick() };
  for (const inf of caches.values()) inf.addEventHandler(h);
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
    },
  };
}
