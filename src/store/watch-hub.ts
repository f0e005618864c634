/**
 * In-process watch fan-out for backends that see every write themselves
 * (memory, sqlite). Each watcher gets its own ordered queue, flushed on a
 * microtask, so a watch callback never runs inside a write and a watcher that
 * starts from history sees history first, then live events, with no gap and
 * no duplicate.
 * @module
 */
import type { Watch, WatchCallbacks, WatchEvent } from './types.js';

type Item = { kind: 'events'; events: WatchEvent[] } | { kind: 'progress'; revision: number } | { kind: 'error'; err: Error };

class Watcher {
  private queue: Item[] = [];
  private scheduled = false;
  cancelled = false;
  /** Highest revision queued to this watcher; live events at or below it are skipped. */
  seen: number;

  constructor(
    readonly prefix: string,
    readonly progressNotify: boolean,
    private readonly cb: WatchCallbacks,
    after: number,
  ) {
    this.seen = after;
  }

  push(item: Item): void {
    if (this.cancelled) return;
    this.queue.push(item);
    if (!this.scheduled) {
      this.scheduled = true;
      queueMicrotask(() => this.flush());
    }
  }

  private flush(): void {
    this.scheduled = false;
    const items = this.queue;
    this.queue = [];
    for (const item of items) {
      if (this.cancelled) return;
      if (item.kind === 'events') this.cb.onEvents(item.events);
      else if (item.kind === 'progress') this.cb.onProgress?.(item.revision);
      else {
        this.cancelled = true;
        this.cb.onError(item.err);
      }
    }
  }
}

export class WatchHub {
  private watchers = new Set<Watcher>();
  private timer: NodeJS.Timeout | undefined;

  /** `currentRevision` is read when sending progress notifications every `progressIntervalMs`. */
  constructor(
    private readonly currentRevision: () => number,
    progressIntervalMs = 5000,
  ) {
    if (progressIntervalMs > 0) {
      this.timer = setInterval(() => this.progress(), progressIntervalMs);
      this.timer.unref();
    }
  }

  get size(): number {
    return this.watchers.size;
  }

  /**
   * Register a watcher. `history` (events after `after`, already committed)
   * is queued first; it must be read synchronously with this call, so that
   * no write can land between reading it and registering.
   */
  add(prefix: string, after: number, progressNotify: boolean, cb: WatchCallbacks, history: WatchEvent[]): Watch {
    const w = new Watcher(prefix, progressNotify, cb, after);
    if (history.length > 0) {
      w.push({ kind: 'events', events: history });
      w.seen = history[history.length - 1]!.kv.modRevision;
    }
    this.watchers.add(w);
    return {
      cancel: () => {
        w.cancelled = true;
        this.watchers.delete(w);
      },
    };
  }

  /** End a watcher with an error (used when history is unavailable). */
  fail(cb: WatchCallbacks, err: Error): Watch {
    const w = new Watcher('', false, cb, 0);
    w.push({ kind: 'error', err });
    return { cancel: () => void (w.cancelled = true) };
  }

  /** Fan out committed events (in revision order). */
  publish(events: WatchEvent[]): void {
    if (events.length === 0 || this.watchers.size === 0) return;
    for (const w of this.watchers) {
      let mine: WatchEvent[] | undefined;
      for (const e of events) {
        if (e.kv.modRevision <= w.seen || !e.kv.key.startsWith(w.prefix)) continue;
        (mine ??= []).push(e);
      }
      if (mine) {
        w.seen = mine[mine.length - 1]!.kv.modRevision;
        w.push({ kind: 'events', events: mine });
      }
    }
  }

  /** Send a progress notification to every watcher that asked for them. */
  progress(): void {
    const rev = this.currentRevision();
    for (const w of this.watchers) {
      if (!w.progressNotify) continue;
      if (rev > w.seen) w.seen = rev;
      w.push({ kind: 'progress', revision: w.seen });
    }
  }

  /** End every watch with `err` (the store is closing). */
  closeAll(err: Error): void {
    if (this.timer) clearInterval(this.timer);
    for (const w of this.watchers) w.push({ kind: 'error', err });
    this.watchers.clear();
  }
}
