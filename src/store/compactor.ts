/**
 * Periodic compaction, shared by every backend. Like kube-apiserver, each tick
 * compacts up to the revision seen at the previous tick, so at least one
 * interval of history stays available to watchers that fell behind; and, like
 * kine, it always spares the newest `minRetain` revisions.
 * @module
 */
import type { Store } from './types.js';

export interface CompactorOptions {
  /** Time between compactions (default 5 minutes, kube-apiserver's default). */
  intervalMs?: number;
  /** Never compact the newest this-many revisions (default 1000). */
  minRetain?: number;
  /** Called with errors from a failed compaction (they do not stop the compactor). */
  onError?: (err: unknown) => void;
  signal?: AbortSignal;
}

/** One compaction step: returns the revision to remember for the next step. */
export async function compactStep(store: Store, previous: number, minRetain: number): Promise<{ compactedTo: number; seen: number }> {
  const current = await store.currentRevision();
  const target = Math.min(previous, current - minRetain);
  const already = await store.compactedRevision();
  if (target > already) {
    await store.compact(target);
    return { compactedTo: target, seen: current };
  }
  return { compactedTo: already, seen: current };
}

/** Start compacting `store` periodically until `signal` aborts. */
export function startCompactor(store: Store, opts: CompactorOptions = {}): () => void {
  const interval = opts.intervalMs ?? 5 * 60_000;
  const minRetain = opts.minRetain ?? 1000;
  let previous = 0;
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    compactStep(store, previous, minRetain)
      .then((r) => void (previous = r.seen))
      .catch((err: unknown) => opts.onError?.(err))
      .finally(() => void (running = false));
  }, interval);
  timer.unref();
  const stop = () => clearInterval(timer);
  opts.signal?.addEventListener('abort', stop, { once: true });
  return stop;
}
