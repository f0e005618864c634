/** Node IPAM (range allocator): a /24 podCIDR per Node from the cluster CIDR, never two alike, freed when the Node goes. */
import { EventRecorder, newRateLimitingQueue, realClock, runController, SharedInformerFactory, type Client, type Clock } from '../client/index.js';
import type { QueueMetricsRegistry } from './metrics.js';
import { rfc3339, type NodeObj, type RunningNodeController } from './node-lifecycle-types.js';

export interface NodeIpamOptions {
  clusterCIDR: string;
  /** Node CIDR prefix length (default 24). */
  nodeMaskSize?: number;
  signal: AbortSignal;
  factory?: SharedInformerFactory;
  metrics?: QueueMetricsRegistry;
  clock?: Clock;
  log(msg: string): void;
}

/** A bitmap of the node-sized blocks of a cluster CIDR. */
export class CidrSet {
  private readonly base: number;
  readonly size: number;
  private readonly used: Uint8Array;
  private next = 0;

  constructor(readonly clusterCIDR: string, readonly nodeMask = 24) {
    const [ip = '', bitsText = ''] = clusterCIDR.split('/');
    const o = ip.split('.').map(Number);
    const bits = Number(bitsText);
    if (o.length !== 4 || o.some((x) => !Number.isInteger(x) || x < 0 || x > 255) || !Number.isInteger(bits) || bits > nodeMask || bits < 8) {
      throw new Error(`--cluster-cidr ${clusterCIDR}: want an IPv4 CIDR of /8 to /${nodeMask}`);
    }
    const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
    this.base = (((o[0]! << 24) | (o[1]! << 16) | (o[2]! << 8) | o[3]!) & mask) >>> 0;
    this.size = 2 ** (nodeMask - bits);
    this.used = new Uint8Array(this.size);
  }

  private indexOf(cidr: string): number | undefined {
    const [ip = '', bits] = cidr.split('/');
    if (Number(bits) !== this.nodeMask) return undefined;
    const o = ip.split('.').map(Number);
    const v = ((o[0]! << 24) | (o[1]! << 16) | (o[2]! << 8) | o[3]!) >>> 0;
    const i = (v - this.base) / 2 ** (32 - this.nodeMask);
    return Number.isInteger(i) && i >= 0 && i < this.size ? i : undefined;
  }

  private cidrAt(i: number): string {
    const v = (this.base + i * 2 ** (32 - this.nodeMask)) >>> 0;
    return `${[v >>> 24, (v >>> 16) & 255, (v >>> 8) & 255, v & 255].join('.')}/${this.nodeMask}`;
  }

  /** Mark a CIDR taken (an existing node's); false if outside the range. */
  occupy(cidr: string): boolean {
    const i = this.indexOf(cidr);
    if (i === undefined) return false;
    this.used[i] = 1;
    return true;
  }

  release(cidr: string): void {
    const i = this.indexOf(cidr);
    if (i !== undefined) this.used[i] = 0;
  }

  /** The next free CIDR (round robin, as upstream), or undefined when exhausted. */
  allocate(): string | undefined {
    for (let k = 0; k < this.size; k++) {
      const i = (this.next + k) % this.size;
      if (this.used[i]) continue;
      this.used[i] = 1;
      this.next = (i + 1) % this.size;
      return this.cidrAt(i);
    }
    return undefined;
  }
}

export function startNodeIpamController(client: Client, opts: NodeIpamOptions): RunningNodeController {
  const clock = opts.clock ?? realClock;
  const cidrs = new CidrSet(opts.clusterCIDR, opts.nodeMaskSize ?? 24);
  const ownFactory = !opts.factory;
  const factory = opts.factory ?? new SharedInformerFactory(client);
  const nodes = factory.informerFor<NodeObj>('nodes');
  const rawQueue = newRateLimitingQueue<string>({ clock });
  const queue = opts.metrics ? opts.metrics.wrap('nodeipam', rawQueue) : rawQueue;
  const recorder = new EventRecorder(client, { component: 'node-ipam-controller', clock });
  const held = new Map<string, string>();
  nodes.addEventHandler({
    onAdd: (n) => queue.add(n.metadata.name ?? ''),
    onUpdate: (_a, n) => queue.add(n.metadata.name ?? ''),
    onDelete: (d) => {
      const n = ('obj' in d ? d.obj : d) as NodeObj;
      const name = n.metadata.name ?? '';
      const cidr = held.get(name) ?? n.spec?.podCIDR;
      if (cidr) cidrs.release(cidr);
      held.delete(name);
    },
  });
  const reconcile = async (name: string): Promise<void> => {
    const node = nodes.get('', name);
    if (!node) return;
    if (node.spec?.podCIDR) {
      if (held.get(name) !== node.spec.podCIDR) {
        cidrs.occupy(node.spec.podCIDR);
        held.set(name, node.spec.podCIDR);
      }
      return;
    }
    if (held.has(name)) return; // patch in flight / cache behind
    const cidr = cidrs.allocate();
    if (!cidr) {
      recorder.event(node, 'Normal', 'CIDRNotAvailable', `Node ${name} status is now: CIDRNotAvailable`);
      const conds = (node.status?.conditions ?? []).filter((c) => c.type !== 'NetworkUnavailable');
      conds.push({ type: 'NetworkUnavailable', status: 'True', reason: 'NoCIDRAvailable', message: `no /${cidrs.nodeMask} left in cluster CIDR ${opts.clusterCIDR}`, lastTransitionTime: rfc3339(clock.now()), lastHeartbeatTime: rfc3339(clock.now()) });
      await client.resource('nodes').patch(name, { status: { conditions: conds } }, { subresource: 'status' });
      opts.log(`node-ipam: no podCIDR left for node ${name} in ${opts.clusterCIDR}`);
      return;
    }
    held.set(name, cidr);
    try {
      // No event on success, as upstream's range allocator: 5,000 nodes would mean 5,000 more writes.
      await client.resource('nodes').patch(name, { spec: { podCIDR: cidr, podCIDRs: [cidr] } });
    } catch (e) {
      cidrs.release(cidr);
      held.delete(name);
      throw e;
    }
  };
  factory.start(opts.signal);
  const done = (async () => {
    // Occupy every existing podCIDR before handing out new ones.
    if (!(await nodes.waitForSync(opts.signal))) return;
    for (const n of nodes.list()) if (n.spec?.podCIDR && cidrs.occupy(n.spec.podCIDR)) held.set(n.metadata.name ?? '', n.spec.podCIDR);
    await runController({ name: 'node-ipam', queue, workers: 16, signal: opts.signal, reconcile, onError: (k, e) => opts.log(`node-ipam: ${k}: ${String(e)}`) });
    if (ownFactory) await factory.shutdown();
  })();
  return { name: 'node-ipam', done };
}
