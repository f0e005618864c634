/** What every controller receives: a client, the shared informers, a clock, an event recorder factory, the stop signal. */
import type { KObject } from '../api/index.js';
import { EventRecorder, newRateLimitingQueue, runController, type Client, type Clock, type RateLimitingQueue, type ReconcileResult, type SharedInformerFactory } from '../client/index.js';

export interface ControllerContext {
  client: Client;
  factory: SharedInformerFactory;
  clock: Clock;
  signal: AbortSignal;
  log(msg: string): void;
  /** The cluster CA certificate (root-ca publisher). */
  caPem?: string;
  /** Signs a CSR (csr-signing controller). */
  signCsr?: (csrPem: string, usage: 'client' | 'server' | 'both') => Promise<string>;
  workers?: number;
}

/** A started controller: `done` resolves once its workers stopped. */
export interface StartedController {
  name: string;
  done: Promise<void>;
}

export interface QueueRunner {
  queue: RateLimitingQueue<string>;
  enqueue(key: string | undefined): void;
  recorder: EventRecorder;
  /** Start workers once the informers are synced (call after the factory started). */
  run(): Promise<void>;
}

/** A keyed queue plus `runController` wiring, shared by every controller. */
export function queueRunner(ctx: ControllerContext, name: string, reconcile: (key: string) => Promise<ReconcileResult | void>, workers = ctx.workers ?? 2): QueueRunner {
  const queue = newRateLimitingQueue<string>({ clock: ctx.clock });
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
        reconcile: (key) => reconcile(key),
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
