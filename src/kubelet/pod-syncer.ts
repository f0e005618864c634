/**
 * The pod side of the agent: one pod informer for every node this process
 * serves (field selector spec.nodeName), a work queue of pod keys, and a
 * level-based sync that drives the runtime and writes pod status; graceful
 * deletion kills the pod and then deletes it with grace 0, as the kubelet does.
 */
import { byNodeName, newRateLimitingQueue, realClock, runController, isNotFound, type Client, type Clock, type SharedInformer, type SharedInformerFactory } from '../client/index.js';
import { computePodStatus } from './pod-status.js';
import { PodIpAllocator } from './pod-ips.js';
import { podTrace } from './pod-trace.js';
import type { Runtime } from './runtime.js';
import type { Node, Pod, PodStatus } from './types.js';

export interface PodSyncerOptions {
  client: Client;
  factory: SharedInformerFactory;
  runtime: Runtime;
  /** The node informer (the agent's nodes): podCIDR, addresses, failure injection. */
  nodes: SharedInformer<Node>;
  /** Nodes served by this process; with one node, the pod informer is narrowed to it. */
  serves(name: string): boolean;
  /** Dead nodes (sim failure injection) do nothing for their pods. */
  isStopped(name: string): boolean;
  singleNode?: string;
  clock?: Clock;
  workers?: number;
  log(msg: string): void;
}

const NODE_INDEX = 'nodeName';

export class PodSyncer {
  readonly pods: SharedInformer<Pod>;
  private readonly queue = newRateLimitingQueue<string>();
  private readonly ips = new PodIpAllocator();
  private readonly clock: Clock;
  /** uid → node of pods the runtime holds, to clean up after the object is gone. */
  private readonly known = new Map<string, { node: string; key: string }>();
  private readonly uidByKey = new Map<string, string>();
  readonly stats = { statusWrites: 0 };

  constructor(private readonly o: PodSyncerOptions) {
    this.clock = o.clock ?? realClock;
    const fieldSelector = o.singleNode ? `spec.nodeName=${o.singleNode}` : 'spec.nodeName!=';
    this.pods = o.factory.informerFor<Pod>('pods', { fieldSelector, indexers: { [NODE_INDEX]: byNodeName as (p: Pod) => string[] } });
    const enqueue = (p: Pod) => {
      if (o.serves(p.spec.nodeName ?? '')) this.queue.add(`${p.metadata.namespace}/${p.metadata.name}`);
    };
    this.pods.addEventHandler({
      onAdd: (p) => {
        podTrace.mark(p.metadata.uid, 'seen');
        enqueue(p);
      },
      // A status-only update (most often the echo of our own PATCH) needs no sync: upstream's pod config ignores them too.
      onUpdate: (a, b) => {
        if (!statusOnlyUpdate(a, b) || readinessGateChanged(a, b)) enqueue(b);
      },
      onDelete: (p) => {
        const pod = 'obj' in p ? (p.obj as Pod) : p;
        if (pod?.metadata) enqueue(pod);
      },
    });
    o.runtime.onChange((ref) => this.queue.add(`${ref.namespace}/${ref.name}`));
  }

  /** Requeue a node's pods (its podCIDR arrived, it came back to life). */
  resyncNode(name: string): void {
    for (const p of this.pods.list()) if (p.spec.nodeName === name) this.queue.add(`${p.metadata.namespace}/${p.metadata.name}`);
  }

  run(signal: AbortSignal): Promise<void> {
    return runController({
      name: 'pod-syncer',
      queue: this.queue,
      workers: this.o.workers ?? 8,
      signal,
      waitForSync: (s) => this.pods.waitForSync(s),
      reconcile: (key) => this.sync(key),
      onError: (key, err) => this.o.log(`pod ${key}: sync failed: ${String(err)}`),
    });
  }

  private async sync(key: string): Promise<void> {
    const [ns = '', name = ''] = key.split('/');
    const pod = this.pods.get(ns, name);
    const held = this.uidByKey.get(key);
    if (held && held !== pod?.metadata.uid) await this.forget(held, this.known.get(held)?.node ?? '');
    if (!pod) return;
    const nodeName = pod.spec.nodeName ?? '';
    if (!this.o.serves(nodeName) || this.o.isStopped(nodeName)) return;
    const uid = pod.metadata.uid ?? '';
    podTrace.mark(uid, 'sync');
    const rc = this.o.client.resource<Pod>('pods', ns);
    if (pod.metadata.deletionTimestamp) {
      const graceMs = (pod.metadata.deletionGracePeriodSeconds ?? pod.spec.terminationGracePeriodSeconds ?? 30) * 1000;
      await this.o.runtime.killPod(uid, graceMs);
      await this.forget(uid, nodeName);
      try {
        // gracePeriodSeconds also in the query: the server may not read DELETE bodies sent over HTTP/2.
        await this.o.client.request('DELETE', rc.path(ns, name), { query: { gracePeriodSeconds: 0 }, body: { kind: 'DeleteOptions', apiVersion: 'v1', gracePeriodSeconds: 0, preconditions: { uid } } });
      } catch (e) {
        if (!isNotFound(e)) throw e;
      }
      return;
    }
    const phase = pod.status?.phase;
    if (phase === 'Succeeded' || phase === 'Failed') {
      if (this.known.has(uid)) await this.forget(uid, nodeName);
      return;
    }
    const node = this.o.nodes.get('', nodeName);
    const hostIP = node?.status?.addresses?.find((a) => a.type === 'InternalIP')?.address ?? '127.0.0.1';
    let podIP: string | undefined = hostIP;
    if (!pod.spec.hostNetwork) {
      podIP = this.ips.allocate(nodeName, node?.spec?.podCIDR, uid, pod.status?.podIP);
      if (!podIP) return; // no podCIDR yet: resyncNode() brings us back
    }
    this.known.set(uid, { node: nodeName, key });
    this.uidByKey.set(key, uid);
    const rs = await this.o.runtime.syncPod(pod);
    // A runtime that networks pods itself (cri) reports the sandbox's IP; the allocator's is for sim.
    const reportedIP = rs.podIP === undefined ? podIP : rs.podIP || undefined;
    const status = computePodStatus(pod, rs, { hostIP, podIP: reportedIP, now: this.clock.now() });
    if (sameStatus(pod.status, status)) return;
    podTrace.mark(uid, 'patch');
    await rc.patch(name, { status }, { subresource: 'status' });
    this.stats.statusWrites++;
    if (status.phase !== 'Pending') {
      podTrace.mark(uid, 'patched');
      podTrace.flush(uid, key);
    }
    if (status.phase === 'Succeeded' || status.phase === 'Failed') await this.forget(uid, nodeName);
  }

  private async forget(uid: string, node: string): Promise<void> {
    podTrace.forget(uid);
    await this.o.runtime.killPod(uid, 0);
    this.ips.release(node, uid);
    const k = this.known.get(uid);
    if (k && this.uidByKey.get(k.key) === uid) this.uidByKey.delete(k.key);
    this.known.delete(uid);
  }
}

/** Only `status` (and the resourceVersion/managedFields that go with any write) differs between the two versions. */
export function statusOnlyUpdate(a: Pod, b: Pod): boolean {
  const ma = a.metadata;
  const mb = b.metadata;
  return (
    ma.uid === mb.uid &&
    ma.deletionTimestamp === mb.deletionTimestamp &&
    ma.deletionGracePeriodSeconds === mb.deletionGracePeriodSeconds &&
    JSON.stringify(ma.labels) === JSON.stringify(mb.labels) &&
    JSON.stringify(ma.annotations) === JSON.stringify(mb.annotations) &&
    JSON.stringify(a.spec) === JSON.stringify(b.spec)
  );
}

/** A condition named by one of the pod's readiness gates changed (set by another controller): Ready must be recomputed, as upstream's HandlePodReconcile does. */
export function readinessGateChanged(a: Pod, b: Pod): boolean {
  const gates = b.spec.readinessGates ?? [];
  const st = (p: Pod, t: string) => p.status?.conditions?.find((c) => c.type === t)?.status;
  return gates.some((g) => st(a, g.conditionType) !== st(b, g.conditionType));
}

/** Canonical JSON: sorted keys, no null/undefined/empty-object members (the server may drop or reorder them). */
function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical);
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) {
      const c = canonical((v as Record<string, unknown>)[k]);
      if (c === null || c === undefined || (typeof c === 'object' && !Array.isArray(c) && Object.keys(c).length === 0)) continue;
      out[k] = c;
    }
    return out;
  }
  return v;
}

export function sameStatus(a: PodStatus | undefined, b: PodStatus): boolean {
  if (!a) return false;
  const pick = (s: PodStatus) => JSON.stringify(canonical([s.phase, s.conditions, s.podIP, s.hostIP, s.startTime, s.initContainerStatuses, s.containerStatuses]));
  return pick(a) === pick(b);
}
