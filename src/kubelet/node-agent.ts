/** The node agent: registers and heartbeats its nodes and runs their pods through a runtime (one process, 1..N nodes). */
import { setMaxListeners } from 'node:events';
import { SharedInformerFactory, type Client, type Clock } from '../client/index.js';
import { NodeHeartbeats } from './node-heartbeat.js';
import type { NodeIdentity } from './node-status.js';
import { PodSyncer } from './pod-syncer.js';
import type { Runtime } from './runtime.js';
import type { Node } from './types.js';

export interface NodeAgentOptions {
  client: Client;
  nodes: NodeIdentity[];
  runtime: Runtime;
  clock?: Clock;
  renewIntervalMs?: number;
  concurrency?: number;
  log(msg: string): void;
}

export class NodeAgent {
  readonly heartbeats: NodeHeartbeats;
  readonly pods: PodSyncer;
  private readonly factory: SharedInformerFactory;
  private readonly abort = new AbortController();
  private running: Promise<unknown> | undefined;

  /** The runtime its pods run on (the kubelet API serves logs and streams from it). */
  get runtime(): Runtime {
    return this.o.runtime;
  }

  constructor(private readonly o: NodeAgentOptions) {
    setMaxListeners(0, this.abort.signal);
    this.factory = new SharedInformerFactory(o.client);
    this.heartbeats = new NodeHeartbeats({ client: o.client, clock: o.clock, renewIntervalMs: o.renewIntervalMs, concurrency: o.concurrency, log: o.log });
    for (const n of o.nodes) this.heartbeats.add(n);
    const single = o.nodes.length === 1 ? o.nodes[0]?.name : undefined;
    const nodeInformer = this.factory.informerFor<Node>('nodes', single ? { fieldSelector: `metadata.name=${single}` } : {});
    const cidrs = new Map<string, string | undefined>();
    const onNode = (n: Node) => {
      const name = n.metadata.name ?? '';
      if (!this.heartbeats.has(name)) return;
      const wasStopped = this.heartbeats.isStopped(name);
      this.heartbeats.observe(n);
      const cidr = n.spec?.podCIDR;
      if (cidrs.get(name) !== cidr || (wasStopped && !this.heartbeats.isStopped(name))) {
        cidrs.set(name, cidr);
        this.pods.resyncNode(name);
      }
    };
    nodeInformer.addEventHandler({ onAdd: onNode, onUpdate: (_a, b) => onNode(b) });
    this.pods = new PodSyncer({
      client: o.client,
      factory: this.factory,
      runtime: o.runtime,
      nodes: nodeInformer,
      serves: (name) => this.heartbeats.has(name),
      isStopped: (name) => this.heartbeats.isStopped(name),
      singleNode: single,
      clock: o.clock,
      log: o.log,
    });
  }

  /** Registers every node (resolves when all are registered), then keeps them and their pods going until `stop`. */
  async start(): Promise<void> {
    const t0 = performance.now();
    await this.heartbeats.registerAll();
    this.o.log(`agent: ${this.o.nodes.length} node(s) registered in ${Math.round(performance.now() - t0)} ms (runtime ${this.o.runtime.name})`);
    this.heartbeats.start();
    this.factory.start(this.abort.signal);
    this.running = this.pods.run(this.abort.signal);
  }

  async stop(): Promise<void> {
    this.heartbeats.close();
    this.abort.abort();
    this.o.runtime.close();
    await Promise.allSettled([this.running, this.factory.shutdown()]);
  }
}
