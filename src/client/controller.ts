/**
 * The canonical controller loop (client-go's workqueue example, and
 * controller-runtime's `reconcileHandler`): N workers take keys; success
 * forgets the key (or parks it for `requeueAfter`); an error requeues it with
 * rate-limited backoff until `maxRetries`; a `TerminalError` is never retried.
 */
import type { RateLimitingQueue } from './workqueue/rate-limiting-queue.js';

/** An error retrying cannot fix (bad input, a spec that can never work): logged, the key dropped. */
export class TerminalError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TerminalError';
  }
}

export interface ReconcileResult {
  /** Check the key again after this many ms (level-triggered timed checks). */
  requeueAfter?: number;
  /** Requeue with rate-limited backoff although nothing failed. */
  requeue?: boolean;
}

export interface RunControllerOptions<T> {
  queue: RateLimitingQueue<T>;
  /** Concurrent reconciles (never two for one key; default 1). */
  workers?: number;
  reconcile(key: T, signal: AbortSignal): Promise<ReconcileResult | void>;
  /** Stops the workers: the queue shuts down, reconciles in flight finish. */
  signal: AbortSignal;
  /** Requeues of one failing key before it is dropped (default 15). */
  maxRetries?: number;
  /** Wait for this (informer caches) before the first reconcile. */
  waitForSync?: (signal: AbortSignal) => Promise<boolean | void>;
  /** Told of every failure; `dropped` when the key will not be retried (default: a line on stderr). */
  onError?: (key: T, err: unknown, dropped: boolean) => void;
  name?: string;
}

/** Runs until `signal` aborts; resolves after every worker has stopped. */
export async function runController<T>(o: RunControllerOptions<T>): Promise<void> {
  const { queue, signal } = o;
  const maxRetries = o.maxRetries ?? 15;
  const report =
    o.onError ??
    ((key: T, err: unknown, dropped: boolean) => {
      const msg = err instanceof Error ? err.message : String(err);
      process.stderr.write(`${o.name ?? 'controller'}: ${String(key)}: ${msg}${dropped ? ' (dropped)' : ' (will retry)'}\n`);
    });
  const stop = () => queue.shutDown();
  if (signal.aborted) stop();
  signal.addEventListener('abort', stop, { once: true });
  try {
    if (o.waitForSync && !signal.aborted) {
      const ok = await o.waitForSync(signal);
      if (ok === false || signal.aborted) return;
    }
    const worker = async () => {
      for (;;) {
        const key = await queue.get();
        if (key === undefined) return;
        try {
          const r = await o.reconcile(key, signal);
          if (r?.requeue && !r.requeueAfter) {
            queue.addRateLimited(key);
          } else {
            queue.forget(key);
            if (r?.requeueAfter && r.requeueAfter > 0) queue.addAfter(key, r.requeueAfter);
          }
        } catch (e) {
          if (e instanceof TerminalError || queue.numRequeues(key) >= maxRetries) {
            queue.forget(key);
            report(key, e, true);
          } else {
            queue.addRateLimited(key);
            report(key, e, false);
          }
        } finally {
          queue.done(key);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, o.workers ?? 1) }, worker));
  } finally {
    signal.removeEventListener('abort', stop);
  }
}
