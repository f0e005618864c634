/**
 * Taint manager (NoExecuteTaintManager): evicts pods from nodes with NoExecute
 * taints they do not tolerate, at once or after their tolerationSeconds, with
 * upstream's TaintManagerEviction events; a scheduled eviction is cancelled
 * when the taint goes away first.
 */
import { EventRecorder, byNodeName, isNotFound, newRateLimitingQueue, realClock, runController, SharedInformerFactory, type Client, type Clock } from '../client/index.js';
import { evictionDelay } from './node-lifecycle-taints.js';
import type { QueueMetricsRegistry } from './metrics.js';
import { rfc3339, type NodeObj, type PodObj, type RunningNodeController } from './node-lifecycle-types.js';

export interface TaintManagerOptions {
  signal: AbortSignal;
  factory?: SharedInformerFactory;
  metrics?: QueueMetricsRegistry;
  clock?: Clock;
  workers?: number;
  log(msg: string): void;
}

const NODE_INDEX = 'nodeName';

export function startTaintManager(client: Client, opts: TaintManagerOptions): RunningNodeController {
  const clock = opts.clock ?? realClock;
  const ownFactory = !opts.factory;
  const factory = opts.factory ?? new SharedInformerFactory(client);
  const nodes = factory.informerFor<NodeObj>('nodes');
  const pods = factory.informerFor<PodObj>('pods', { indexers: { [NODE_INDEX]: byNodeName as (p: PodObj) => string[] } });
  const rawQueue = newRateLimitingQueue<string>({ clock });
  const queue = opts.metrics ? opts.metrics.wrap('taint-eviction-controller', rawQueue) : rawQueue;
  const recorder = new EventRecorder(client, { component: 'taint-eviction-controller', clock });
  /** pod key → when its eviction fires (ms). */
  const scheduled = new Map<string, number>();
  const noExecSig = (n: NodeObj | undefined) => (n?.spec?.taints ?? []).filter((t) => t.effect === 'NoExecute').map((t) => `${t.key}=${t.value ?? ''}`).sort().join(',');
  const enqueueNode = (name: string) => {
    for (const p of pods.list()) if (p.spec.nodeName === name) queue.add(`${p.metadata.namespace}/${p.metadata.name}`);
  };
  nodes.addEventHandler({
    onAdd: (n) => noExecSig(n) && enqueueNode(n.metadata.name ?? ''),
    onUpdate: (a, b) => noExecSig(a) !== noExecSig(b) && enqueueNode(b.metadata.name ?? ''),
  });
  const onPod = (p: PodObj) => p.spec.nodeName && queue.add(`${p.metadata.namespace}/${p.metadata.name}`);
  pods.addEventHandler({ onAdd: onPod, onUpdate: (_a, b) => onPod(b) });

  const evict = async (pod: PodObj): Promise<void> => {
    const ns = pod.metadata.namespace ?? '';
    const name = pod.metadata.name ?? '';
    recorder.event(pod, 'Normal', 'TaintManagerEviction', `Marking for deletion Pod ${ns}/${name}`);
    const api = client.resource<PodObj>('pods', ns);
    const conds = (pod.status?.conditions ?? []).filter((c) => c.type !== 'DisruptionTarget');
    conds.push({ type: 'DisruptionTarget', status: 'True', reason: 'DeletionByTaintManager', message: 'Taint manager: deleting due to NoExecute taint', lastTransitionTime: rfc3339(clock.now()) });
    try {
      await api.patch(name, { status: { conditions: conds } }, { subresource: 'status' });
      await api.delete(name, { preconditions: { uid: pod.metadata.uid } });
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
  };

  const reconcile = async (key: string): Promise<{ requeueAfter: number } | void> => {
    const [ns = '', name = ''] = key.split('/');
    const pod = pods.get(ns, name);
    const node = pod?.spec.nodeName ? nodes.get('', pod.spec.nodeName) : undefined;
    if (!pod || pod.metadata.deletionTimestamp || !node) {
      scheduled.delete(key);
      return;
    }
    const delay = evictionDelay(pod.spec.tolerations ?? [], node.spec?.taints ?? []);
    if (delay === undefined) {
      if (scheduled.delete(key)) recorder.event(pod, 'Normal', 'TaintManagerEviction', `Cancelling deletion of Pod ${ns}/${name}`);
      return;
    }
    if (delay === 'now') {
      scheduled.delete(key);
      return evict(pod);
    }
    const now = clock.now();
    let at = scheduled.get(key);
    if (at === undefined) {
      at = now + delay * 1000;
      scheduled.set(key, at);
    }
    if (at <= now) {
      scheduled.delete(key);
      return evict(pod);
    }
    return { requeueAfter: at - now };
  };

  factory.start(opts.signal);
  const done = (async () => {
    await runController({
      name: 'taint-eviction-controller',
      queue,
      workers: opts.workers ?? 4,
      signal: opts.signal,
      waitForSync: (s) => factory.waitForCacheSync(s),
      reconcile,
      onError: (k, e) => opts.log(`taint-manager: ${k}: ${String(e)}`),
    });
    if (ownFactory) await factory.shutdown();
  })();
  return { name: 'taint-eviction-controller', done };
}
