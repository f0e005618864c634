/**
 * Node lifecycle controller: watches Leases and node status; after the grace
 * period without a heartbeat it marks the node's conditions Unknown, and it
 * keeps the node's condition taints in line (TaintNodesByCondition NoSchedule
 * at once, NoExecute not-ready/unreachable rate-limited per zone), removing
 * them when the node recovers. Eviction itself is the taint manager's.
 */
import { EventRecorder, realClock, SharedInformerFactory, isConflict, isNotFound, type Client, type Clock } from '../client/index.js';
import { desiredNoExecuteKey, readyStatus, reconcileTaints, zoneEvictionQps, zoneOf, zoneState, type ZoneState } from './node-lifecycle-taints.js';
import { rfc3339, type LeaseObj, type NodeObj, type PodObj, type RunningNodeController } from './node-lifecycle-types.js';

export interface NodeLifecycleOptions {
  /** --node-monitor-grace-period (default 40 s). */
  gracePeriodMs?: number;
  /** How often nodes are checked (default min(5 s, grace/4)). */
  monitorPeriodMs?: number;
  /** --node-eviction-rate (default 0.1 nodes/s per zone). */
  evictionQps?: number;
  /** --secondary-node-eviction-rate (default 0.01). */
  secondaryEvictionQps?: number;
  /** --unhealthy-zone-threshold (default 0.55). */
  unhealthyZoneThreshold?: number;
  /** --large-cluster-size-threshold (default 50). */
  largeClusterSizeThreshold?: number;
  signal: AbortSignal;
  factory?: SharedInformerFactory;
  clock?: Clock;
  log(msg: string): void;
}

interface Health {
  /** Local time we last saw the node alive (lease renewed or Ready heartbeat moved). */
  probe: number;
  leaseRenew?: string;
  heartbeat?: string;
}

const MONITORED = ['Ready', 'MemoryPressure', 'DiskPressure', 'PIDPressure'];

export function startNodeLifecycleController(client: Client, opts: NodeLifecycleOptions): RunningNodeController {
  const clock = opts.clock ?? realClock;
  const grace = opts.gracePeriodMs ?? 40_000;
  const period = opts.monitorPeriodMs ?? Math.max(200, Math.min(5000, grace / 4));
  const ownFactory = !opts.factory;
  const factory = opts.factory ?? new SharedInformerFactory(client);
  const nodes = factory.informerFor<NodeObj>('nodes');
  const leases = factory.informerFor<LeaseObj>('leases.coordination.k8s.io', { namespace: 'kube-node-lease' });
  const pods = factory.informerFor<PodObj>('pods');
  const recorder = new EventRecorder(client, { component: 'node-controller', clock });
  const health = new Map<string, Health>();
  /** Per zone: tokens for NoExecute tainting (burst 1) and the last refill time. */
  const buckets = new Map<string, { tokens: number; at: number }>();
  const zoneStates = new Map<string, ZoneState>();
  let fullDisruption = false;
  const nodesApi = client.resource<NodeObj>('nodes');

  const observe = (name: string, lease?: LeaseObj, node?: NodeObj) => {
    const h = health.get(name) ?? { probe: clock.now() };
    const renew = lease?.spec?.renewTime;
    if (renew && renew !== h.leaseRenew) {
      h.leaseRenew = renew;
      h.probe = clock.now();
    }
    const hb = node?.status?.conditions?.find((c) => c.type === 'Ready')?.lastHeartbeatTime;
    if (hb && hb !== h.heartbeat) {
      h.heartbeat = hb;
      h.probe = clock.now();
    }
    health.set(name, h);
  };
  leases.addEventHandler({ onAdd: (l) => observe(l.metadata.name ?? '', l), onUpdate: (_a, l) => observe(l.metadata.name ?? '', l) });
  nodes.addEventHandler({
    onAdd: (n) => observe(n.metadata.name ?? '', undefined, n),
    onUpdate: (_a, n) => observe(n.metadata.name ?? '', undefined, n),
    onDelete: (d) => health.delete((('obj' in d ? d.obj : d) as NodeObj).metadata.name ?? ''),
  });

  const takeToken = (zone: string, qps: number): boolean => {
    const now = clock.now();
    const b = buckets.get(zone) ?? { tokens: 1, at: now };
    b.tokens = Math.min(1, b.tokens + ((now - b.at) / 1000) * qps);
    b.at = now;
    buckets.set(zone, b);
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  };

  const markUnknown = async (node: NodeObj): Promise<void> => {
    const now = rfc3339(clock.now());
    const conds = [...(node.status?.conditions ?? [])];
    let changed = false;
    for (const type of MONITORED) {
      const i = conds.findIndex((c) => c.type === type);
      const c = conds[i];
      if (c?.status === 'Unknown') continue;
      // upstream: a node whose kubelet never posted status gets NodeStatusNeverUpdated.
      const next = c
        ? { type, status: 'Unknown' as const, reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.', lastHeartbeatTime: c.lastHeartbeatTime ?? now, lastTransitionTime: now }
        : { type, status: 'Unknown' as const, reason: 'NodeStatusNeverUpdated', message: 'Kubelet never posted node status.', lastHeartbeatTime: node.metadata.creationTimestamp ?? now, lastTransitionTime: now };
      if (i >= 0) conds[i] = next;
      else conds.push(next);
      changed = true;
    }
    if (!changed) return;
    const name = node.metadata.name ?? '';
    await nodesApi.patch(name, { metadata: { resourceVersion: node.metadata.resourceVersion }, status: { conditions: conds } }, { subresource: 'status' });
    if (readyStatus(node) !== 'Unknown') {
      opts.log(`node-lifecycle: node ${name} stopped posting status (no heartbeat for ${Math.round(grace / 1000)}s): Unknown`);
      recorder.event(node, 'Normal', 'NodeNotReady', `Node ${name} status is now: NodeNotReady`);
      await markPodsNotReady(name, now);
    }
  };

  /** upstream MarkPodsNotReady: the pods of an unresponsive node are no longer Ready (Services stop sending to them). */
  const markPodsNotReady = async (nodeName: string, now: string): Promise<void> => {
    for (const p of pods.list()) {
      if (p.spec.nodeName !== nodeName || p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed') continue;
      const conds = p.status?.conditions ?? [];
      if (conds.find((c) => c.type === 'Ready')?.status !== 'True') continue;
      const next = conds.map((c) => (c.type === 'Ready' ? { ...c, status: 'False', lastTransitionTime: now } : c));
      await client.resource<PodObj>('pods', p.metadata.namespace).patch(p.metadata.name ?? '', { status: { conditions: next } }, { subresource: 'status' }).catch((e: unknown) => {
        if (!isNotFound(e)) opts.log(`node-lifecycle: pod ${p.metadata.namespace}/${p.metadata.name}: ${String(e)}`);
      });
    }
  };

  const monitor = async (): Promise<void> => {
    const all = nodes.list();
    const now = clock.now();
    const zones = new Map<string, { ready: number; notReady: number }>();
    for (const n of all) {
      const z = zones.get(zoneOf(n)) ?? { ready: 0, notReady: 0 };
      if (readyStatus(n) === 'True') z.ready++;
      else z.notReady++;
      zones.set(zoneOf(n), z);
    }
    for (const [zone, z] of zones) {
      const st = zoneState(z.ready, z.notReady, opts.unhealthyZoneThreshold);
      if (zoneStates.get(zone) !== st) {
        if (zoneStates.has(zone) || st !== 'Normal') opts.log(`node-lifecycle: zone "${zone}" is now in state ${st}`);
        zoneStates.set(zone, st);
      }
    }
    const allFullyDisrupted = zones.size > 0 && [...zones.keys()].every((z) => zoneStates.get(z) === 'FullDisruption');
    if (allFullyDisrupted !== fullDisruption) {
      // upstream: with every zone fully disrupted the fault is more likely ours (or the network's) than the nodes':
      // stop all evictions and lift the NoExecute taints; on leaving, start every node's grace period afresh.
      opts.log(allFullyDisrupted ? 'node-lifecycle: every zone is fully disrupted: evictions stopped (master disruption mode)' : 'node-lifecycle: disruption mode left: evictions resume');
      if (!allFullyDisrupted) for (const h of health.values()) h.probe = now;
      fullDisruption = allFullyDisrupted;
    }
    for (const n of all) {
      const name = n.metadata.name ?? '';
      try {
        const h = health.get(name);
        if (h && now - h.probe > grace && readyStatus(n) !== 'Unknown') {
          await markUnknown(n);
          continue; // the update event brings the taints next round
        }
        // NoExecute: add rate-limited per zone (none in master disruption mode), swap or remove at once.
        let noExec = desiredNoExecuteKey(n);
        const curNoExec = (n.spec?.taints ?? []).find((t) => t.effect === 'NoExecute' && (t.key === 'node.kubernetes.io/unreachable' || t.key === 'node.kubernetes.io/not-ready'));
        if (allFullyDisrupted) noExec = undefined;
        else if (noExec && !curNoExec) {
          const zone = zoneOf(n);
          const z = zones.get(zone) ?? { ready: 0, notReady: 0 };
          const qps = zoneEvictionQps(zoneStates.get(zone) ?? 'Normal', z.ready + z.notReady, opts.evictionQps, opts.secondaryEvictionQps, opts.largeClusterSizeThreshold);
          if (qps <= 0 || !takeToken(zone, qps)) noExec = undefined;
        }
        const next = reconcileTaints(n, noExec, rfc3339(now));
        if (next) await nodesApi.patch(name, { metadata: { resourceVersion: n.metadata.resourceVersion }, spec: { taints: next } });
      } catch (e) {
        if (!isConflict(e) && !isNotFound(e)) opts.log(`node-lifecycle: node ${name}: ${String(e)}`);
      }
    }
  };

  factory.start(opts.signal);
  const done = (async () => {
    if (!(await factory.waitForCacheSync(opts.signal))) return;
    // Nodes start with a full grace period from now, as upstream does after a restart.
    for (const n of nodes.list()) if (!health.has(n.metadata.name ?? '')) health.set(n.metadata.name ?? '', { probe: clock.now() });
    while (!opts.signal.aborted) {
      await monitor().catch((e: unknown) => opts.log(`node-lifecycle: ${String(e)}`));
      await clock.sleep(period, opts.signal).catch(() => undefined);
    }
    if (ownFactory) await factory.shutdown();
  })();
  return { name: 'node-lifecycle', done };
}
