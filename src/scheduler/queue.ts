/**
 * The scheduling queue (upstream PriorityQueue): activeQ ordered by the
 * profile's QueueSort (priority, then arrival); backoffQ holding failed pods
 * for 1 s doubling to 10 s; unschedulable pods parked until a cluster event
 * (node added/updated, pod deleted…) could make them fit, or 5 minutes pass.
 */
import type { Clock } from '../client/index.js';
import type { QueuedPod } from './framework/interface.js';
import { keyOf, type Pod } from './framework/types.js';
import { Heap } from './heap.js';

export interface QueueOptions {
  clock: Clock;
  less: (a: QueuedPod, b: QueuedPod) => boolean;
  priority: (p: Pod) => number;
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  /** Unschedulable pods are retried after this even without an event (default 5 min). */
  maxUnschedulableMs?: number;
}

interface Entry extends QueuedPod {
  key: string;
  backoffUntil: number;
  parkedAt: number;
}

export class SchedulingQueue {
  private readonly active: Heap<Entry>;
  private readonly backoff = new Heap<Entry>((a, b) => a.backoffUntil < b.backoffUntil);
  private readonly unschedulable = new Map<string, Entry>();
  /** Pods popped and being scheduled; an event during their cycle sends them to backoff, not the parking lot. */
  private readonly inFlight = new Map<string, Entry>();
  private moveCycle = 0;
  private readonly popCycle = new Map<string, number>();
  private waiter: (() => void) | undefined;
  private closed = false;

  constructor(private readonly o: QueueOptions) {
    this.active = new Heap<Entry>((a, b) => o.less(a, b));
  }

  private entry(pod: Pod, prev?: Entry): Entry {
    return { pod, key: keyOf(pod), priority: this.o.priority(pod), timestamp: prev?.timestamp ?? this.o.clock.now(), attempts: prev?.attempts ?? 0, backoffUntil: 0, parkedAt: 0 };
  }

  has(pod: Pod): boolean {
    const k = keyOf(pod);
    return this.active.has(k) || this.backoff.has(k) || this.unschedulable.has(k) || this.inFlight.has(k);
  }

  /** A new pending pod. */
  add(pod: Pod): void {
    const k = keyOf(pod);
    if (this.inFlight.has(k)) return;
    this.delete(pod);
    this.active.push(k, this.entry(pod));
    this.wake();
  }

  /** The pod object changed while waiting: keep its place, refresh its object; parked pods get another try. */
  update(pod: Pod): void {
    const k = keyOf(pod);
    const inAct = this.active.get(k) ?? this.backoff.get(k);
    if (inAct) {
      inAct.pod = pod;
      inAct.priority = this.o.priority(pod);
      this.active.fix(k);
      return;
    }
    const parked = this.unschedulable.get(k);
    if (parked) {
      this.unschedulable.delete(k);
      parked.pod = pod;
      this.requeue(parked);
      return;
    }
    const f = this.inFlight.get(k);
    if (f) f.pod = pod;
    else this.add(pod);
  }

  delete(pod: Pod): void {
    const k = keyOf(pod);
    this.active.remove(k);
    this.backoff.remove(k);
    this.unschedulable.delete(k);
  }

  /** Wait for the next pod; undefined once closed (or `signal` aborted: close() wakes the waiter). */
  async pop(signal: AbortSignal): Promise<QueuedPod | undefined> {
    for (;;) {
      if (this.closed || signal.aborted) return undefined;
      this.flushBackoff();
      const e = this.active.pop();
      if (e) {
        e.attempts++;
        this.inFlight.set(e.key, e);
        this.popCycle.set(e.key, this.moveCycle);
        return e;
      }
      const next = this.backoff.peek();
      let cancel: (() => void) | undefined;
      await new Promise<void>((resolve) => {
        this.waiter = resolve;
        const wait = next ? Math.max(1, next.backoffUntil - this.o.clock.now()) : this.unschedulable.size ? 30_000 : 0;
        if (wait) cancel = this.o.clock.setTimer(wait, resolve);
      });
      cancel?.();
      this.waiter = undefined;
    }
  }

  /** Scheduling finished (bound or handed back): the pod is no longer in flight. */
  done(pod: Pod): void {
    this.inFlight.delete(keyOf(pod));
    this.popCycle.delete(keyOf(pod));
  }

  backoffMs(attempts: number): number {
    const init = this.o.initialBackoffMs ?? 1000;
    const max = this.o.maxBackoffMs ?? 10_000;
    return Math.min(max, init * 2 ** Math.max(0, attempts - 1));
  }

  /** The cycle failed. `unschedulable`: park it unless an event arrived meanwhile; else (error) back off. */
  addUnschedulable(qp: QueuedPod, pod: Pod, unschedulable: boolean): void {
    const k = keyOf(pod);
    const e = this.inFlight.get(k) ?? this.entry(pod, { ...qp, key: k, backoffUntil: 0, parkedAt: 0 });
    e.pod = pod;
    const moved = (this.popCycle.get(k) ?? -1) < this.moveCycle;
    this.done(pod);
    if (unschedulable && !moved) {
      e.parkedAt = this.o.clock.now();
      this.unschedulable.set(k, e);
    } else this.requeue(e);
  }

  private requeue(e: Entry): void {
    e.backoffUntil = this.o.clock.now() + this.backoffMs(e.attempts);
    if (e.backoffUntil <= this.o.clock.now()) this.active.push(e.key, e);
    else this.backoff.push(e.key, e);
    this.wake();
  }

  /** A cluster event may help parked pods: move them all to backoff/active (filter with `may`). */
  moveAllToActiveOrBackoff(may: (p: Pod) => boolean = () => true): void {
    this.moveCycle++;
    for (const [k, e] of this.unschedulable) {
      if (!may(e.pod)) continue;
      this.unschedulable.delete(k);
      if (e.backoffUntil === 0) e.backoffUntil = 1;
      this.requeue(e);
    }
  }

  private flushBackoff(): void {
    const now = this.o.clock.now();
    for (let e = this.backoff.peek(); e && e.backoffUntil <= now; e = this.backoff.peek()) {
      this.backoff.pop();
      this.active.push(e.key, e);
    }
    const max = this.o.maxUnschedulableMs ?? 300_000;
    for (const [k, e] of this.unschedulable) {
      if (now - e.parkedAt >= max) {
        this.unschedulable.delete(k);
        this.active.push(k, e);
      }
    }
  }

  private wake(): void {
    this.waiter?.();
  }

  close(): void {
    this.closed = true;
    this.wake();
  }

  stats(): { active: number; backoff: number; unschedulable: number } {
    return { active: this.active.size, backoff: this.backoff.size, unschedulable: this.unschedulable.size };
  }
}
