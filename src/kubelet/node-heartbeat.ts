/**
 * Registers Nodes and keeps them alive: a Lease renewal every 10 s per node
 * (spread over the interval, renewed in batches from one timer), node status
 * on change and at least every 5 minutes, as the kubelet's nodestatus and
 * nodelease loops do. A node annotated `sim.k8ts.io/stopped=true` falls silent.
 */
import { isAlreadyExists, isNotFound, microTime, realClock, type CancelTimer, type Client, type Clock } from '../client/index.js';
import { conditionsNeedUpdate, nodeObject, nodeStatus, STOPPED_ANNOTATION, type NodeIdentity } from './node-status.js';
import { runPool } from './pool.js';
import type { Node } from './types.js';

export const LEASE_NAMESPACE = 'kube-node-lease';

export interface HeartbeatOptions {
  client: Client;
  clock?: Clock;
  leaseDurationSeconds?: number;
  renewIntervalMs?: number;
  statusReportMs?: number;
  /** Requests in flight at once. */
  concurrency?: number;
  tickMs?: number;
  log(msg: string): void;
}

interface NodeState {
  id: NodeIdentity;
  nextRenew: number;
  lastStatus: number;
  registered: boolean;
  stopped: boolean;
  needStatus: boolean;
  busy: boolean;
}

export class NodeHeartbeats {
  private readonly nodes = new Map<string, NodeState>();
  private readonly clock: Clock;
  private readonly renewMs: number;
  private readonly statusMs: number;
  private timer: CancelTimer | undefined;
  private closed = false;
  /** Counters for benchmarks and tests. */
  readonly stats = { leaseRenewals: 0, statusUpdates: 0, errors: 0 };

  constructor(private readonly opts: HeartbeatOptions) {
    this.clock = opts.clock ?? realClock;
    this.renewMs = opts.renewIntervalMs ?? 10_000;
    this.statusMs = opts.statusReportMs ?? 300_000;
  }

  get names(): string[] {
    return [...this.nodes.keys()];
  }

  has(name: string): boolean {
    return this.nodes.has(name);
  }

  isStopped(name: string): boolean {
    return this.nodes.get(name)?.stopped ?? false;
  }

  add(id: NodeIdentity): void {
    // Spread first renewals over the interval so 5,000 nodes do not renew in one burst.
    this.nodes.set(id.name, { id, nextRenew: this.clock.now() + Math.random() * this.renewMs, lastStatus: 0, registered: false, stopped: false, needStatus: false, busy: false });
  }

  /** Create (or adopt) every Node and its Lease. */
  async registerAll(): Promise<void> {
    await runPool([...this.nodes.values()], this.opts.concurrency ?? 64, async (n) => {
      for (let attempt = 0; !this.closed; attempt++) {
        try {
          await this.register(n);
          return;
        } catch (e) {
          if (attempt % 10 === 0) this.opts.log(`node ${n.id.name}: registration failed (retrying): ${String(e)}`);
          await this.clock.sleep(Math.min(200 * 2 ** attempt, 5000));
        }
      }
    });
  }

  private async register(n: NodeState): Promise<void> {
    const nodes = this.opts.client.resource<Node>('nodes');
    const now = this.clock.now();
    let node: Node;
    try {
      node = await nodes.create(nodeObject(n.id, now));
      // Upstream keeps a Node's status on create; a server that drops it gets it as a status write.
      if (!node.status?.conditions?.length) node = await nodes.patch(n.id.name, { status: nodeStatus(n.id, now) }, { subresource: 'status' });
    } catch (e) {
      if (!isAlreadyExists(e)) throw e;
      const cur = await nodes.get(n.id.name);
      n.stopped = cur.metadata.annotations?.[STOPPED_ANNOTATION] === 'true';
      const want = nodeObject(n.id, now);
      node = await nodes.patch(n.id.name, { metadata: { labels: want.metadata.labels } });
      if (!n.stopped) node = await nodes.patch(n.id.name, { status: nodeStatus(n.id, now, cur.status) }, { subresource: 'status' });
    }
    const leases = this.opts.client.resource('leases.coordination.k8s.io', LEASE_NAMESPACE);
    const spec = { holderIdentity: n.id.name, leaseDurationSeconds: this.opts.leaseDurationSeconds ?? 40, renewTime: microTime(now) };
    try {
      await leases.create({
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: { name: n.id.name, namespace: LEASE_NAMESPACE, ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: n.id.name, uid: node.metadata.uid ?? '' }] },
        spec,
      });
    } catch (e) {
      if (!isAlreadyExists(e)) throw e;
      if (!n.stopped) await leases.patch(n.id.name, { spec });
    }
    n.registered = true;
    n.lastStatus = now;
    this.stats.statusUpdates++;
  }

  /** Start the renewal loop (one timer for all nodes). */
  start(): void {
    const tick = () => {
      if (this.closed) return;
      this.tick();
      this.timer = this.clock.setTimer(this.opts.tickMs ?? 100, tick);
    };
    tick();
  }

  /** What the node informer saw: failure injection and conditions someone else changed. */
  observe(node: Node): void {
    const n = this.nodes.get(node.metadata.name ?? '');
    if (!n) return;
    const stopped = node.metadata.annotations?.[STOPPED_ANNOTATION] === 'true';
    if (n.stopped && !stopped) {
      this.opts.log(`node ${n.id.name}: ${STOPPED_ANNOTATION} removed, resuming heartbeats`);
      n.nextRenew = this.clock.now();
      n.needStatus = true;
    } else if (!n.stopped && stopped) this.opts.log(`node ${n.id.name}: ${STOPPED_ANNOTATION}=true, heartbeats stop`);
    n.stopped = stopped;
    if (!stopped && n.registered && conditionsNeedUpdate(node.status?.conditions)) n.needStatus = true;
  }

  private tick(): void {
    const now = this.clock.now();
    const due: NodeState[] = [];
    for (const n of this.nodes.values()) {
      if (!n.registered || n.stopped || n.busy) continue;
      if (n.nextRenew <= now || n.needStatus || now - n.lastStatus >= this.statusMs) due.push(n);
    }
    if (!due.length) return;
    for (const n of due) n.busy = true;
    void runPool(due, this.opts.concurrency ?? 64, async (n) => {
      try {
        await this.beat(n, now);
      } catch (e) {
        this.stats.errors++;
        if (!isNotFound(e)) this.opts.log(`node ${n.id.name}: heartbeat failed: ${String(e)}`);
        else n.registered = false; // deleted: register again
        if (!n.registered && !this.closed) void this.register(n).catch(() => undefined);
      } finally {
        n.busy = false;
      }
    });
  }

  private async beat(n: NodeState, now: number): Promise<void> {
    if (n.nextRenew <= now) {
      n.nextRenew = now + this.renewMs;
      await this.opts.client.resource('leases.coordination.k8s.io', LEASE_NAMESPACE).patch(n.id.name, { spec: { holderIdentity: n.id.name, renewTime: microTime(this.clock.now()) } });
      this.stats.leaseRenewals++;
    }
    if (n.needStatus || now - n.lastStatus >= this.statusMs) {
      n.needStatus = false;
      n.lastStatus = now;
      const cur = await this.opts.client.resource<Node>('nodes').get(n.id.name);
      await this.opts.client.resource<Node>('nodes').patch(n.id.name, { status: nodeStatus(n.id, this.clock.now(), cur.status) }, { subresource: 'status' });
      this.stats.statusUpdates++;
    }
  }

  close(): void {
    this.closed = true;
    this.timer?.();
  }
}
