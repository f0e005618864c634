/**
 * The scheduling queue (upstream PriorityQueue): activeQ ordered by the
 * profile's QueueSort (priority, then arrival); backoffQ holding failed pods
 * for 1 s doubling to 10 s; unschedulable pods parked until a cluster event
 * that could make them schedulable — decided per rejecting plugin by its
 * queueing hints (upstream 1.32 QueueingHintFn) — or until 5 minutes pass.
 */
import type { Clock } from '../client/index.js';
import type { ClusterEvent, QueuedPod } from './framework/interface.js';
import { keyOf, type Pod } from './framework/types.js';
import { Heap } from './heap.js';

export interface QueueOptions {
  clock: Clock;
  less: (a: QueuedPod, b: QueuedPod) => boolean;
  priority: (p: Pod) => number;
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  /** Unschedulable pods are retried after this even without an event (upstream podMaxInUnschedulablePodsDuration, 5 min). */
  maxUnschedulableMs?: number;
  /**
   * Could `ev` make `pod` schedulable, given the plugins that rejected it?
   * (The framework asks each plugin's queueing hints.) Default: yes.
   */
  hint?: (pod: Pod, plugins: ReadonlySet<string>, ev: ClusterEvent) => boolean;
  /** The plugins that registered `ev` (or registered nothing, so take every event); undefined: all. */
  interested?: (ev: ClusterEvent) => ReadonlySet<string> | undefined;
}

interface Entry extends QueuedPod {
  key: string;
  backoffUntil: number;
  parkedAt: number;
  /** When its last cycle failed: backoff counts from here, as upstream (a pod parked long enough goes straight to activeQ). */
  failedAt: number;
  /** Plugins that rejected the pod in its last cycle (empty: any event may help). */
  plugins: ReadonlySet<string>;
}

/** How often parked pods are checked against maxUnschedulableMs (upstream flushes every 30 s). */
const FLUSH_EVERY_MS = 30_000;
/** Events kept for pods in their scheduling cycle; beyond this, those pods are simply retried. */
const MAX_INFLIGHT_EVENTS = 5000;
const NONE: ReadonlySet<string> = new Set();

export class SchedulingQueue {
  private readonly active: Heap<Entry>;
  private readonly backoff = new Heap<Entry>((a, b) => a.backoffUntil < b.backoffUntil);
  private readonly unschedulable = new Map<string, Entry>();
  /** Parked pods by rejecting plugin, and those rejected by none in particular (any event may help). */
  private readonly byPlugin = new Map<string, Set<string>>();
  private readonly anyEvent = new Set<string>();
  /** Pods popped and being scheduled or bound; events during their cycle are kept and checked when they fail. */
  private readonly inFlight = new Map<string, Entry>();
  /** Cluster events seen while pods were in flight, numbered; `popSeq` is the number at each pod's pop. */
  private events: { seq: number; ev: ClusterEvent }[] = [];
  private seq = 0;
  /** Events up to this number were dropped (too many): pods popped before it count as moved. */
  private droppedUpTo = 0;
  private readonly popSeq = new Map<string, number>();
  private lastFlush: number;
  private waiter: (() => void) | undefined;
  private closed = false;
  /** Pods moved out of the parking lot by events (metrics, tests). */
  moved = 0;

  constructor(private readonly o: QueueOptions) {
    this.active = new Heap<Entry>((a, b) => o.less(a, b));
    this.lastFlush = o.clock.now();
  }

  private entry(pod: Pod, prev?: Partial<Entry>): Entry {
    return { pod, key: keyOf(pod), priority: this.o.priority(pod), timestamp: prev?.timestamp ?? this.o.clock.now(), attempts: prev?.attempts ?? 0, backoffUntil: 0, parkedAt: 0, failedAt: -1, plugins: NONE };
  }

  has(pod: Pod): boolean {
    const k = keyOf(pod);
    return this.active.has(k) || this.backoff.has(k) || this.unschedulable.has(k) || this.inFlight.has(k);
  }

  /** Is the pod parked as unschedulable (tests)? */
  isParked(pod: Pod): boolean {
    return this.unschedulable.has(keyOf(pod));
  }

  /** A new pending pod. */
  add(pod: Pod): void {
    const k = keyOf(pod);
    if (this.inFlight.has(k)) return;
    this.delete(pod);
    this.active.push(k, this.entry(pod));
    this.wake();
  }

  /**
   * The pod object changed while waiting: keep its place and refresh its object.
   * A parked pod gets another try only when `meaningful` (its spec or labels
   * changed — not the scheduler's own status/annotation writes, upstream isPodUpdated).
   */
  update(pod: Pod, meaningful = true): void {
    const k = keyOf(pod);
    const inActive = this.active.get(k);
    if (inActive) {
      inActive.pod = pod;
      inActive.priority = this.o.priority(pod);
      this.active.fix(k);
      return;
    }
    const inBackoff = this.backoff.get(k);
    if (inBackoff) {
      inBackoff.pod = pod;
      inBackoff.priority = this.o.priority(pod);
      return;
    }
    const parked = this.unschedulable.get(k);
    if (parked) {
      parked.pod = pod;
      parked.priority = this.o.priority(pod);
      if (!meaningful) return;
      this.unpark(k);
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
    this.unpark(k);
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
        this.popSeq.set(e.key, this.seq);
        return e;
      }
      const next = this.backoff.peek();
      let cancel: (() => void) | undefined;
      await new Promise<void>((resolve) => {
        this.waiter = resolve;
        const wait = next ? Math.max(1, next.backoffUntil - this.o.clock.now()) : this.unschedulable.size ? FLUSH_EVERY_MS : 0;
        if (wait) cancel = this.o.clock.setTimer(wait, resolve);
      });
      cancel?.();
      this.waiter = undefined;
    }
  }

  /** Scheduling finished (bound or handed back): the pod is no longer in flight. */
  done(pod: Pod): void {
    const k = keyOf(pod);
    this.inFlight.delete(k);
    this.popSeq.delete(k);
    if (this.popSeq.size === 0) this.events = [];
  }

  backoffMs(attempts: number): number {
    const init = this.o.initialBackoffMs ?? 1000;
    const max = this.o.maxBackoffMs ?? 10_000;
    return Math.min(max, init * 2 ** Math.max(0, attempts - 1));
  }

  /**
   * The cycle failed. `unschedulable`: park it (remembering the rejecting
   * `plugins`) unless an event during its cycle could have helped; an error backs off.
   */
  addUnschedulable(qp: QueuedPod, pod: Pod, unschedulable: boolean, plugins: ReadonlySet<string> = NONE): void {
    const k = keyOf(pod);
    const e = this.inFlight.get(k) ?? this.entry(pod, qp);
    e.pod = pod;
    e.plugins = plugins.has('') ? NONE : plugins;
    e.failedAt = this.o.clock.now();
    const since = this.popSeq.get(k) ?? this.seq;
    const moved = since < this.droppedUpTo || this.events.some((x) => x.seq > since && this.helps(e, x.ev));
    this.done(pod);
    if (unschedulable && !moved) {
      e.parkedAt = this.o.clock.now();
      this.park(k, e);
    } else this.requeue(e);
  }

  private helps(e: Entry, ev: ClusterEvent): boolean {
    if (ev.resource === 'Wildcard' || e.plugins.size === 0 || !this.o.hint) return true;
    return this.o.hint(e.pod, e.plugins, ev);
  }

  private requeue(e: Entry): void {
    e.backoffUntil = (e.failedAt >= 0 ? e.failedAt : this.o.clock.now()) + this.backoffMs(e.attempts);
    if (e.backoffUntil <= this.o.clock.now()) this.active.push(e.key, e);
    else this.backoff.push(e.key, e);
    this.wake();
  }

  private park(k: string, e: Entry): void {
    this.unpark(k);
    this.unschedulable.set(k, e);
    if (e.plugins.size === 0) this.anyEvent.add(k);
    for (const p of e.plugins) (this.byPlugin.get(p) ?? this.byPlugin.set(p, new Set()).get(p)!).add(k);
  }

  private unpark(k: string): void {
    const e = this.unschedulable.get(k);
    if (!e) return;
    this.unschedulable.delete(k);
    this.anyEvent.delete(k);
    for (const p of e.plugins) {
      const set = this.byPlugin.get(p);
      set?.delete(k);
      if (set?.size === 0) this.byPlugin.delete(p);
    }
  }

  /**
   * A cluster event: parked pods that it could help (by their rejecting
   * plugins' queueing hints) move to backoff/active; pods in flight remember it.
   * Only pods rejected by a plugin interested in the event are looked at, so
   * thousands of parked pods cost nothing on events none of their plugins registered.
   */
  onEvent(ev: ClusterEvent): void {
    if (this.popSeq.size) {
      this.seq++;
      if (this.events.length >= MAX_INFLIGHT_EVENTS) {
        this.droppedUpTo = this.seq;
        this.events = [];
      } else this.events.push({ seq: this.seq, ev });
    }
    if (this.unschedulable.size === 0) return;
    const interested = ev.resource === 'Wildcard' ? undefined : this.o.interested?.(ev);
    let keys: Iterable<string>;
    if (!interested) keys = [...this.unschedulable.keys()];
    else {
      const set = new Set(this.anyEvent);
      for (const p of interested) for (const k of this.byPlugin.get(p) ?? []) set.add(k);
      keys = set;
    }
    for (const k of keys) {
      const e = this.unschedulable.get(k);
      if (!e || !this.helps(e, ev)) continue;
      this.unpark(k);
      this.moved++;
      this.requeue(e);
    }
  }

  /** Move every parked pod (optionally those `may` accepts), whatever their hints say. */
  moveAllToActiveOrBackoff(may: (p: Pod) => boolean = () => true): void {
    if (this.popSeq.size) {
      this.seq++;
      this.events.push({ seq: this.seq, ev: { resource: 'Wildcard', action: 'Update' } });
    }
    for (const [k, e] of [...this.unschedulable]) {
      if (!may(e.pod)) continue;
      this.unpark(k);
      this.moved++;
      this.requeue(e);
    }
  }

  private flushBackoff(): void {
    const now = this.o.clock.now();
    for (let e = this.backoff.peek(); e && e.backoffUntil <= now; e = this.backoff.peek()) {
      this.backoff.pop();
      this.active.push(e.key, e);
    }
    if (now - this.lastFlush < FLUSH_EVERY_MS) return;
    this.lastFlush = now;
    const max = this.o.maxUnschedulableMs ?? 300_000;
    for (const [k, e] of [...this.unschedulable]) {
      if (now - e.parkedAt >= max) {
        this.unpark(k);
        this.requeue(e);
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
