/**
 * Node removal while the agent runs. k8ts registers a deleted Node again at
 * once (k3s-like; see node-heartbeat.ts), so the pods bound to the old Node
 * would otherwise keep running on a node the cluster forgot. When this node's
 * Node object disappears or comes back with a new uid, the pods that were
 * bound to the old one are deleted from the API (what PodGC does after its
 * 40 s quarantine for a node that stays gone) and every sandbox the runtime
 * still holds for a pod the API no longer has is removed — containers,
 * sandbox (CNI DEL: the netns and its address), volumes, pod cgroup, logs.
 * The pod network is then reset so the re-registered Node's podCIDR is used.
 * @module
 */
import { isNotFound, type Client } from '../../client/index.js';
import type { Node, Pod } from '../types.js';
import type { CriClient } from './cri-client.js';

export interface NodeRemovalOptions {
  client: Client;
  cri: CriClient;
  nodeName: string;
  runtime: {
    killPod(uid: string, gracePeriodMs: number): Promise<void>;
    /** Forget the pod network (bridge, conflist) so the next pod uses the Node's current podCIDR. */
    resetNetwork?(): void;
  };
  /** How often the Node is looked at (default 5 s). */
  periodMs?: number;
  log(msg: string): void;
}

/** When the pod was bound (its PodScheduled condition), in ms; 0 when unknown. */
function boundAt(pod: Pod): number {
  const c = (pod.status?.conditions ?? []).find((x) => x.type === 'PodScheduled' && x.status === 'True') as { lastTransitionTime?: string } | undefined;
  return c?.lastTransitionTime ? Date.parse(c.lastTransitionTime) : 0;
}

export class NodeRemovalWatch {
  private uid: string | undefined;
  private readonly timer: NodeJS.Timeout;
  private running: Promise<unknown> | undefined;
  private closed = false;
  readonly stats = { removals: 0, podsDeleted: 0, sandboxesRemoved: 0 };

  constructor(private readonly o: NodeRemovalOptions) {
    this.timer = setInterval(() => this.tick(), o.periodMs ?? 5_000);
    this.timer.unref();
  }

  private tick(): void {
    if (this.running || this.closed) return;
    this.running = this.check()
      .catch((e: Error) => this.o.log(`cri: node removal check: ${e.message}`))
      .finally(() => (this.running = undefined));
  }

  /** One look at the Node; true when it was found removed (and its pods were cleaned up). */
  async check(): Promise<boolean> {
    let node: Node | undefined;
    try {
      node = await this.o.client.resource<Node>('nodes').get(this.o.nodeName);
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
    const uid = node?.metadata.uid;
    if (this.uid === undefined) {
      // Not registered yet (or never seen): nothing was removed.
      this.uid = uid;
      return false;
    }
    if (uid === this.uid) return false;
    this.o.log(`cri: node ${this.o.nodeName} was deleted${uid ? ' and registered again' : ''}: removing the pods that ran on it`);
    await this.cleanUp(node);
    this.uid = uid;
    this.stats.removals++;
    return true;
  }

  /** Deletes the API pods bound to the old Node, then removes every sandbox whose pod the API no longer has. */
  async cleanUp(current: Node | undefined): Promise<void> {
    const since = current?.metadata.creationTimestamp ? Date.parse(current.metadata.creationTimestamp) : Infinity;
    const pods = (await this.o.client.resource<Pod>('pods').list({ fieldSelector: `spec.nodeName=${this.o.nodeName}` })).items;
    const keep = new Set<string>();
    for (const p of pods) {
      // Bound before the new Node existed: it was the old node's.
      if (boundAt(p) >= since) {
        keep.add(p.metadata.uid ?? '');
        continue;
      }
      const rc = this.o.client.resource<Pod>('pods', p.metadata.namespace);
      try {
        await this.o.client.request('DELETE', rc.path(p.metadata.namespace, p.metadata.name), { query: { gracePeriodSeconds: 0 }, body: { kind: 'DeleteOptions', apiVersion: 'v1', gracePeriodSeconds: 0, preconditions: { uid: p.metadata.uid } } });
        this.stats.podsDeleted++;
      } catch (e) {
        if (!isNotFound(e)) this.o.log(`cri: node removal: delete pod ${p.metadata.namespace}/${p.metadata.name}: ${(e as Error).message}`);
      }
    }
    const uids = new Set((await this.o.cri.listSandboxes()).map((s) => s.metadata?.uid ?? '').filter((u) => u && !keep.has(u)));
    for (const uid of uids) {
      await this.o.runtime.killPod(uid, 0).catch((e: Error) => this.o.log(`cri: node removal: pod ${uid}: ${e.message}`));
      this.stats.sandboxesRemoved++;
    }
    if (!keep.size && !(await this.o.cri.listSandboxes()).length) this.o.runtime.resetNetwork?.();
  }

  close(): void {
    this.closed = true;
    clearInterval(this.timer);
  }
}
