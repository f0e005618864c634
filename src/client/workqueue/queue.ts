/**
 * The base work queue (client-go `util/workqueue/queue.go`): FIFO, and no
 * item is processed by two workers at once.
 *
 * Invariants: `dirty` holds items that need processing; `processing` those
 * a worker holds (between get and done). An item is in `queue` iff it is
 * dirty and not processing. Adding an item that is processing only marks it
 * dirty; `done` queues it again, so re-adds during processing coalesce into
 * one more round.
 */

export interface Queue<T> {
  add(item: T): void;
  /** Items waiting (not counting ones being processed). */
  len(): number;
  /** The next item, waiting for one; undefined once the queue is shut down and empty. */
  get(): Promise<T | undefined>;
  /** The worker finished `item` (always call it, success or not). */
  done(item: T): void;
  /** Refuse new items; `get` drains what is queued, then returns undefined. */
  shutDown(): void;
  /** Shut down and wait until every item being processed is done. */
  shutDownWithDrain(): Promise<void>;
  shuttingDown(): boolean;
}

export class BasicQueue<T> implements Queue<T> {
  private items: T[] = [];
  private head = 0;
  private readonly dirty = new Set<T>();
  private readonly processing = new Set<T>();
  private waiters: Array<(item: T | undefined) => void> = [];
  private drainWaiters: Array<() => void> = [];
  private closing = false;

  add(item: T): void {
    if (this.closing || this.dirty.has(item)) return;
    this.dirty.add(item);
    if (this.processing.has(item)) return;
    this.push(item);
  }

  private push(item: T): void {
    const w = this.waiters.shift();
    if (w) {
      this.dirty.delete(item);
      this.processing.add(item);
      w(item);
      return;
    }
    this.items.push(item);
  }

  len(): number {
    return this.items.length - this.head;
  }

  get(): Promise<T | undefined> {
    if (this.len() > 0) {
      const item = this.items[this.head++]!;
      if (this.head > 1024 && this.head * 2 > this.items.length) {
        this.items = this.items.slice(this.head);
        this.head = 0;
      }
      this.dirty.delete(item);
      this.processing.add(item);
      return Promise.resolve(item);
    }
    if (this.closing) return Promise.resolve(undefined);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  done(item: T): void {
    if (!this.processing.delete(item)) return;
    if (this.dirty.has(item)) this.push(item);
    if (this.processing.size === 0 && this.drainWaiters.length) {
      const ws = this.drainWaiters;
      this.drainWaiters = [];
      for (const w of ws) w();
    }
  }

  shutDown(): void {
    this.closing = true;
    const ws = this.waiters;
    this.waiters = [];
    for (const w of ws) w(undefined);
  }

  shutDownWithDrain(): Promise<void> {
    this.shutDown();
    if (this.processing.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }

  shuttingDown(): boolean {
    return this.closing;
  }

  /** Items held by workers (tests, metrics). */
  processingCount(): number {
    return this.processing.size;
  }
}
