/** What every controller receives: a client, the shared informers, a clock, an event recorder factory, the stop signal. */
import type { KObject } from '../api/index.js';
import type { QueueMetricsRegistry } from './metrics.js';
import { EventRecorder, isTooManyRequests, newRateLimitingQueue, runController, type Client, type Clock, type RateLimitingQueue, type ReconcileResult, type SharedInformerFactory } from '../client/index.js';

export interface ControllerContext {
  client: Client;
  factory: SharedInformerFactory;
  clock: Clock;
  signal: AbortSignal;
  log(msg: string): void;
  /** The cluster CA certificate (root-ca publisher). */
  caPem?: string;
  /** Signs a CSR (csr-signing controller). */
  /** Sign with the cluster CA; `days` from the CSR's spec.expirationSeconds (capped at the default one year, as upstream's --cluster-signing-duration). */
  signCsr?: (csrPem: string, usage: 'client' | 'server' | 'both', days?: number) => Promise<string>;
  workers?: number;
  /** Settings of the node controllers (nodeipam, nodelifecycle, taint-eviction-controller). */
  node?: NodeControllerSettings;
  /** HPA flags: --horizontal-pod-autoscaler-sync-period, --horizontal-pod-autoscaler-downscale-stabilization. */
  hpa?: { syncPeriodMs?: number; downscaleStabilizationMs?: number };
  /** Where the local-path provisioner makes volumes on this machine (`<data-dir>/storage` in `k8ts server`). */
  storageDir?: string;
  /** Metrics of every queue (served on /metrics by the manager's health server). */
  metrics?: QueueMetricsRegistry;
}

/** kube-controller-manager's node flags. */
export interface NodeControllerSettings {
  /** --cluster-cidr (default 10.42.0.0/16). */
  clusterCIDR?: string;
  /** --node-cidr-mask-size (default 24). */
  nodeCidrMaskSize?: number;
  /** --node-monitor-grace-period (default 40 s). */
  gracePeriodMs?: number;
  /** --node-eviction-rate (default 0.1 nodes/s per zone). */
  evictionQps?: number;
  /** --secondary-node-eviction-rate (default 0.01). */
  secondaryEvictionQps?: number;
  /** --unhealthy-zone-threshold (default 0.55). */
  unhealthyZoneThreshold?: number;
  /** --large-cluster-size-threshold (default 50). */
  largeClusterSizeThreshold?: number;
}

/** A started controller: `done` resolves once its workers stopped. */
export interface StartedController {
  name: string;
  done: Promise<void>;
}

export interface QueueRunner {
  queue: RateLimitingQueue<string>;
  enqueue(key: string | undefined): void;
  /** Events behind upstream's per-object spam filter (25, then one per 5 minutes; the recorder's default). */
  recorder: EventRecorder;
  /** Start workers once the informers are synced (call after the factory started). */
  run(): Promise<void>;
}

/** A keyed queue plus `runController` wiring, shared by every controller. */
export function queueRunner(ctx: ControllerContext, name: string, reconcile: (key: string) => Promise<ReconcileResult | void>, workers = ctx.workers ?? 2): QueueRunner {
  const raw = newRateLimitingQueue<string>({ clock: ctx.clock });
  const queue = ctx.metrics ? ctx.metrics.wrap(name, raw) : raw;
  const recorder = new EventRecorder(ctx.client, { component: name, clock: ctx.clock });
  return {
    queue,
    recorder,
    enqueue: (key) => {
      if (key !== undefined) queue.add(key);
    },
    run: () =>
      runController({
        queue,
        name,
        workers,
        signal: ctx.signal,
        waitForSync: (s) => ctx.factory.waitForCacheSync(s),
        // A 429 (the API server's in-flight limit) is back-pressure, not a failure: retry in a second without
        // counting towards the drop limit, so a large burst (5,000 pod creates) is never given up on.
        reconcile: (key) => reconcile(key).catch((e: unknown) => (isTooManyRequests(e) ? { requeueAfter: 1000 } : Promise.reject(e))),
        onError: (key, err, dropped) => {
          const msg = err instanceof Error ? err.message : String(err);
          if (!/conflict|the object has been modified|not found|already exists/i.test(msg) || dropped) ctx.log(`${name}: ${key}: ${msg}${dropped ? ' (dropped)' : ''}`);
        },
      }),
  };
}

/** Key of an object, or of a tombstone's object. */
export function keyOf(o: KObject | { obj: KObject }): string {
  const obj = 'metadata' in o ? o : o.obj;
  const { namespace, name } = obj.metadata;
  return namespace ? `${namespace}/${name ?? ''}` : (name ?? '');
}
