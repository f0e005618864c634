/**
 * Leader election on a coordination.k8s.io/v1 Lease (client-go
 * `tools/leaderelection`): candidates try to acquire the Lease every retry
 * period; the holder renews it and steps down when it cannot renew within
 * the renew deadline. A Lease is free when its holder is empty or has not
 * changed it for leaseDurationSeconds, timed by this candidate's own clock
 * from when it last saw the record change (no trust in other clocks).
 */
import type { KObject } from '../api/index.js';
import { realClock, type Clock } from './clock.js';
import type { Client } from './client.js';
import { isNotFound } from './errors.js';
import type { ResourceClient } from './resource-client.js';

export interface LeaseSpec {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
}
export interface Lease extends KObject {
  spec?: LeaseSpec;
}

export interface LeaderElectionOptions {
  client: Client;
  namespace: string;
  /** The Lease's name (one per elected component, e.g. `kube-scheduler`). */
  name: string;
  /** Unique per candidate (hostname + random suffix, as upstream). */
  identity: string;
  /** How long others wait before taking an unrenewed Lease (default 15 s). */
  leaseDurationMs?: number;
  /** The leader steps down if it cannot renew for this long (default 10 s). */
  renewDeadlineMs?: number;
  /** Between attempts to acquire or renew (default 2 s). */
  retryPeriodMs?: number;
  /** On shutdown, clear the holder so another candidate takes over at once. */
  releaseOnCancel?: boolean;
  signal: AbortSignal;
  clock?: Clock;
  /** Leading begins; `signal` aborts when it ends. */
  onStartedLeading(signal: AbortSignal): void | Promise<void>;
  /** Leading ended (lost, or shut down). Not called if this candidate never led. */
  onStoppedLeading?(): void;
  /** Someone (maybe this candidate) holds the Lease now. */
  onNewLeader?(identity: string): void;
  onError?(err: unknown): void;
}

const JITTER = 1.2;

/** MicroTime: RFC 3339 with microseconds (`2024-01-02T03:04:05.000000Z`). */
export const microTime = (ms: number): string => new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');

export class LeaderElector {
  private readonly leases: ResourceClient<Lease>;
  private readonly clock: Clock;
  private readonly leaseMs: number;
  private readonly renewMs: number;
  private readonly retryMs: number;
  private observed: Lease | undefined;
  private observedTime = 0;
  private reportedLeader: string | undefined;

  constructor(private readonly o: LeaderElectionOptions) {
    this.clock = o.clock ?? realClock;
    this.leaseMs = o.leaseDurationMs ?? 15_000;
    this.renewMs = o.renewDeadlineMs ?? 10_000;
    this.retryMs = o.retryPeriodMs ?? 2_000;
    if (!(this.leaseMs > this.renewMs)) throw new Error('leader election: leaseDuration must be greater than renewDeadline');
    if (!(this.renewMs > JITTER * this.retryMs)) throw new Error(`leader election: renewDeadline must be greater than retryPeriod*${JITTER}`);
    if (!o.identity) throw new Error('leader election: identity is required');
    this.leases = o.client.resource<Lease>({ group: 'coordination.k8s.io', version: 'v1', resource: 'leases' }, o.namespace);
  }

  /** The holder this candidate last saw ('' when none). */
  get leader(): string {
    return this.observed?.spec?.holderIdentity ?? '';
  }

  isLeader(): boolean {
    return this.leader === this.o.identity;
  }

  /** Campaign, lead until the Lease is lost or the signal aborts, then return. */
  async run(): Promise<void> {
    const { signal } = this.o;
    while (!signal.aborted && !(await this.tryAcquireOrRenew())) {
      await this.clock.sleep(this.retryMs * (1 + Math.random() * (JITTER - 1)), signal).catch(() => undefined);
    }
    if (signal.aborted) return;
    const leading = new AbortController();
    const stop = () => leading.abort();
    signal.addEventListener('abort', stop, { once: true });
    void Promise.resolve()
      .then(() => this.o.onStartedLeading(leading.signal))
      .catch((e: unknown) => this.o.onError?.(e));
    try {
      await this.renewLoop(leading.signal);
    } finally {
      signal.removeEventListener('abort', stop);
      leading.abort();
      if (this.o.releaseOnCancel && signal.aborted) await this.release();
      this.o.onStoppedLeading?.();
    }
  }

  private async renewLoop(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      const deadline = this.clock.now() + this.renewMs;
      let renewed = false;
      while (!signal.aborted && !renewed) {
        renewed = await this.tryAcquireOrRenew(deadline);
        if (renewed || this.clock.now() + this.retryMs > deadline) break;
        await this.clock.sleep(this.retryMs, signal).catch(() => undefined);
      }
      if (!renewed) return;
      await this.clock.sleep(this.retryMs, signal).catch(() => undefined);
    }
  }

  /** One attempt; API calls are cut off at `deadline` (clock ms). */
  private async tryAcquireOrRenew(deadline?: number): Promise<boolean> {
    const ac = new AbortController();
    const onAbort = () => ac.abort();
    this.o.signal.addEventListener('abort', onAbort, { once: true });
    const cancel = deadline === undefined ? undefined : this.clock.setTimer(deadline - this.clock.now(), () => ac.abort());
    try {
      return await this.attempt(ac.signal);
    } catch (e) {
      if (!ac.signal.aborted) this.o.onError?.(e);
      return false;
    } finally {
      cancel?.();
      this.o.signal.removeEventListener('abort', onAbort);
    }
  }

  private async attempt(signal: AbortSignal): Promise<boolean> {
    const now = this.clock.now();
    const id = this.o.identity;
    const spec: LeaseSpec = { holderIdentity: id, leaseDurationSeconds: Math.ceil(this.leaseMs / 1000), acquireTime: microTime(now), renewTime: microTime(now), leaseTransitions: 0 };
    let cur: Lease;
    try {
      cur = await this.leases.get(this.o.name, { signal });
    } catch (e) {
      if (!isNotFound(e)) throw e;
      const created = await this.leases.create({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: this.o.name, namespace: this.o.namespace }, spec }, { signal });
      this.observe(created, now);
      return true;
    }
    const old = cur.spec ?? {};
    if (!this.observed || JSON.stringify(this.observed.spec ?? {}) !== JSON.stringify(old)) this.observe(cur, now);
    const holder = old.holderIdentity ?? '';
    const validMs = (old.leaseDurationSeconds ?? 0) * 1000;
    if (holder && holder !== id && this.observedTime + validMs > now) return false;
    if (holder === id) {
      spec.acquireTime = old.acquireTime ?? spec.acquireTime;
      spec.leaseTransitions = old.leaseTransitions ?? 0;
    } else spec.leaseTransitions = (old.leaseTransitions ?? 0) + 1;
    // Optimistic concurrency: the update carries cur's resourceVersion, so a rival's write makes it fail (409).
    const updated = await this.leases.update({ ...cur, spec }, { signal });
    this.observe(updated, now);
    return true;
  }

  private observe(lease: Lease, now: number): void {
    this.observed = lease;
    this.observedTime = now;
    const holder = lease.spec?.holderIdentity ?? '';
    if (holder && holder !== this.reportedLeader) {
      this.reportedLeader = holder;
      this.o.onNewLeader?.(holder);
    }
  }

  /** Step down visibly: an empty holder lets the next candidate take over without waiting. */
  private async release(): Promise<void> {
    const cur = this.observed;
    if (!cur || !this.isLeader()) return;
    const now = microTime(this.clock.now());
    const spec: LeaseSpec = { holderIdentity: '', leaseDurationSeconds: 1, acquireTime: now, renewTime: now, leaseTransitions: cur.spec?.leaseTransitions ?? 0 };
    try {
      this.observed = await this.leases.update({ ...cur, spec }, { signal: AbortSignal.timeout(this.renewMs) });
    } catch (e) {
      this.o.onError?.(e);
    }
  }
}

/** Campaign for the Lease and lead until it is lost or `signal` aborts (client-go's `RunOrDie`). */
export function runLeaderElection(o: LeaderElectionOptions): Promise<void> {
  return new LeaderElector(o).run();
}
