/**
 * The delaying queue (client-go `delaying_queue.go`): `addAfter` parks an
 * item until its time on the injected clock, then adds it. An item parked
 * twice keeps the earlier time. One clock timer, set for the earliest item.
 */
import { realClock, type CancelTimer, type Clock } from '../clock.js';
import { BasicQueue, type Queue } from './queue.js';

export interface DelayingQueue<T> extends Queue<T> {
  addAfter(item: T, ms: number): void;
}

interface Parked<T> {
  at: number;
  seq: number;
  item: T;
}

export class BasicDelayingQueue<T> extends BasicQueue<T> implements DelayingQueue<T> {
  /** Min-heap by (at, seq); entries whose time no longer matches `readyAt` are stale and skipped. */
  private heap: Parked<T>[] = [];
  private readonly readyAt = new Map<T, number>();
  private seq = 0;
  private timer: { at: number; cancel: CancelTimer } | undefined;

  constructor(protected readonly clock: Clock = realClock) {
    super();
  }

  addAfter(item: T, ms: number): void {
    if (this.shuttingDown()) return;
    if (ms <= 0) {
      this.add(item);
      return;
    }
    const at = this.clock.now() + ms;
    const have = this.readyAt.get(item);
    if (have !== undefined && have <= at) return;
    this.readyAt.set(item, at);
    this.heapPush({ at, seq: this.seq++, item });
    this.arm();
  }

  /** Items parked for later (tests, metrics). */
  waitingCount(): number {
    return this.readyAt.size;
  }

  override shutDown(): void {
    this.timer?.cancel();
    this.timer = undefined;
    this.heap = [];
    this.readyAt.clear();
    super.shutDown();
  }

  private arm(): void {
    const top = this.heap[0];
    if (!top) return;
    if (this.timer && this.timer.at <= top.at) return;
    this.timer?.cancel();
    this.timer = { at: top.at, cancel: this.clock.setTimer(top.at - this.clock.now(), () => this.fire()) };
  }

  private fire(): void {
    this.timer = undefined;
    const now = this.clock.now();
    for (let top = this.heap[0]; top && top.at <= now; top = this.heap[0]) {
      this.heapPop();
      if (this.readyAt.get(top.item) !== top.at) continue;
      this.readyAt.delete(top.item);
      this.add(top.item);
    }
    this.arm();
  }

  private heapPush(e: Parked<T>): void {
    const h = this.heap;
    h.push(e);
    for (let i = h.length - 1; i > 0; ) {
      const p = (i - 1) >> 1;
      if (!less(h[i]!, h[p]!)) break;
      [h[i], h[p]] = [h[p]!, h[i]!];
      i = p;
    }
  }

  private heapPop(): void {
    const h = this.heap;
    const last = h.pop()!;
    if (h.length === 0) return;
    h[0] = last;
    for (let i = 0; ; ) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && less(h[l]!, h[m]!)) m = l;
      if (r < h.length && less(h[r]!, h[m]!)) m = r;
      if (m === i) break;
      [h[i], h[m]] = [h[m]!, h[i]!];
      i = m;
    }
  }
}

function less<T>(a: Parked<T>, b: Parked<T>): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}
