/**
 * Builds a running scheduler from a client and a KubeSchedulerConfiguration:
 * informers (pods, nodes, namespaces, PriorityClasses, PDBs) feed the cache
 * and the queue; the Handle gives plugins the cache and the API.
 */
import type { KObject } from '../api/index.js';
import { setMaxListeners } from 'node:events';
import { EventRecorder, SharedInformerFactory, isForbidden, unwrapTombstone, type Client, type DeletedFinalStateUnknown, type SharedInformer } from '../client/index.js';
import { SchedulerCache } from './cache.js';
import { POINT_METHOD, resolveProfiles, type KubeSchedulerConfiguration } from './config.js';
import { DECISION_ANNOTATION, type Decision } from './decision.js';
import type { ClusterEvent, CycleState, Handle, Plugin, PluginFactory, PodDisruptionBudget, SchedulerApi, Workloads } from './framework/interface.js';
import type { NodeInfo } from './framework/node-info.js';
import type { PodInfo } from './framework/pod-info.js';
import { Framework } from './framework/runtime.js';
import type { Node, Pod } from './framework/types.js';
import { REGISTRY } from './plugins/registry.js';
import { Scheduler, type StatusWriter } from './scheduler.js';

export interface SchedulerSetup {
  scheduler: Scheduler;
  factory: SharedInformerFactory;
  /** Start informers, wait for sync, run until `signal` aborts. */
  run(signal: AbortSignal): Promise<void>;
}

interface PriorityClass extends KObject {
  value?: number;
  globalDefault?: boolean;
  preemptionPolicy?: string;
}

const rfc3339 = () => new Date().toISOString().replace(/\.\d+Z$/, 'Z');

export interface SetupOptions {
  log?: (m: string) => void;
  recordDecisions?: boolean;
  /** Extra plugins by name (upstream WithFrameworkOutOfTreeRegistry), usable in the config's profiles. */
  outOfTreeRegistry?: Record<string, PluginFactory>;
}

export function setupScheduler(client: Client, cfg: KubeSchedulerConfiguration, o: SetupOptions = {}): SchedulerSetup {
  const factory = new SharedInformerFactory(client);
  const pods = factory.informerFor<Pod>('pods');
  const nodes = factory.informerFor<Node>('nodes');
  const namespaces = factory.informerFor('namespaces');
  // Created in run() once access is confirmed: without the right, spec.priority alone counts.
  let pcs: SharedInformer<PriorityClass> | undefined;
  const pdbs = factory.informerFor('poddisruptionbudgets.policy');
  // For default topology spread constraints (upstream DefaultSelector): the pod's Services and controllers.
  const services = factory.informerFor('services');
  const rcs = factory.informerFor('replicationcontrollers');
  const rss = factory.informerFor('replicasets.apps');
  const sss = factory.informerFor('statefulsets.apps');
  const podsApi = client.resource<Pod>('pods');
  const cache = new SchedulerCache();
  let frameworks: Framework[] = [];

  const pcOf = (p: Pod): PriorityClass | undefined => {
    const name = p.spec?.priorityClassName;
    if (name) return pcs?.get('', name);
    return pcs?.list().find((c) => c.globalDefault);
  };
  const priority = (p: Pod): number => p.spec?.priority ?? pcOf(p)?.value ?? 0;

  const api: SchedulerApi = {
    async bind(pod, node, annotations) {
      await podsApi.inNamespace(pod.metadata.namespace ?? 'default').subresource(pod.metadata.name ?? '', 'binding', {
        body: { apiVersion: 'v1', kind: 'Binding', metadata: { name: pod.metadata.name, namespace: pod.metadata.namespace, uid: pod.metadata.uid, annotations }, target: { apiVersion: 'v1', kind: 'Node', name: node } },
      });
    },
    async deletePod(victim, reason) {
      const ns = victim.metadata.namespace ?? 'default';
      const c = podsApi.inNamespace(ns);
      const cond = { type: 'DisruptionTarget', status: 'True', reason: 'PreemptionByScheduler', message: `${victim.spec?.schedulerName ?? 'default-scheduler'}: preempting to accommodate a higher priority pod`, lastTransitionTime: rfc3339() };
      await c.patch(victim.metadata.name ?? '', { status: { conditions: [cond] } }, { type: 'strategic', subresource: 'status' }).catch(() => undefined);
      await c.delete(victim.metadata.name ?? '', { preconditions: victim.metadata.uid ? { uid: victim.metadata.uid } : undefined });
      recorders.get(victim.spec?.schedulerName ?? 'default-scheduler')?.event(victim, 'Normal', 'Preempted', reason);
    },
    async setNominatedNode(pod, node) {
      await podsApi.inNamespace(pod.metadata.namespace ?? 'default').patch(pod.metadata.name ?? '', { status: { nominatedNodeName: node ?? null } }, { type: 'merge', subresource: 'status' });
    },
  };

  const handleFor = (fw: () => Framework): Handle => ({
    nodes: () => cache.nodes(),
    node: (n) => cache.node(n),
    havePodsWithRequiredAntiAffinity: () => cache.havePodsWithRequiredAntiAffinity(),
    havePodsWithAffinity: () => cache.havePodsWithAffinity(),
    podsInNamespace: (ns) => cache.podsInNamespace(ns),
    nodeLabelsGeneration: () => cache.nodeLabelsGeneration(),
    podsWithRequiredAntiAffinity: () => cache.podsWithRequiredAntiAffinity(),
    podsWithAffinity: () => cache.podsWithAffinity(),
    countsBySelector: (q) => cache.countsBySelector(q), // S1 (issue 7)
    termGroups: (k) => cache.termGroups(k), // S1 (issue 7)
    namespaceLabels: (ns) => namespaces.get('', ns)?.metadata.labels,
    priority,
    runFilters: (s: CycleState, p: Pod, n: NodeInfo) => fw().runFilters(s, p, n),
    runAddPod: (s: CycleState, p: Pod, a: PodInfo, n: NodeInfo) => fw().runAddPod(s, p, a, n),
    runRemovePod: (s: CycleState, p: Pod, r: PodInfo, n: NodeInfo) => fw().runRemovePod(s, p, r, n),
    // P (issue 7): preemption's dry run counts nominated pods as upstream RunFilterPluginsWithNominatedPods does.
    nominatedPods: () => {
      const m = new Map<string, Pod[]>();
      for (const { pod, node } of scheduler.nominated.values()) (m.get(node) ?? m.set(node, []).get(node)!).push(pod);
      return m;
    },
    api,
    pdbs: () => pdbs.list() as PodDisruptionBudget[],
    // From the informers' namespace index (every scheduling cycle of a pod without constraints asks).
    workloads: (ns) => ({
      services: services.list(ns) as Workloads['services'],
      replicationControllers: rcs.list(ns) as Workloads['replicationControllers'],
      replicaSets: rss.list(ns) as Workloads['replicaSets'],
      statefulSets: sss.list(ns) as Workloads['statefulSets'],
    }),
    waitingPods: () => [...fw().waitingPods.values()],
    getWaitingPod: (uid) => fw().waitingPods.get(uid),
  });

  const registry: Record<string, PluginFactory> = { ...REGISTRY, ...o.outOfTreeRegistry };
  const profiles = resolveProfiles(cfg, (name, pt) => {
    const f = registry[name];
    if (!f) return false;
    const probe = f({}, handleFor(() => frameworks[0]!)) as Plugin & Record<string, unknown>;
    return typeof probe[POINT_METHOD[pt]] === 'function';
  }, registry);
  const byName = new Map<string, Framework>();
  for (const p of profiles) {
    let fw: Framework | undefined;
    const h = handleFor(() => fw!);
    const instances = new Map<string, Plugin>();
    for (const names of Object.values(p.plugins.points)) for (const n of names) if (!instances.has(n)) instances.set(n, registry[n]!(p.args[n] ?? {}, h));
    fw = new Framework(p.schedulerName, instances, p.plugins, h, p.percentageOfNodesToScore);
    byName.set(p.schedulerName, fw);
  }
  frameworks = [...byName.values()];
  const recorders = new Map([...byName.keys()].map((n) => [n, new EventRecorder(client, { component: n, onError: (e) => o.log?.(`scheduler: event: ${String(e)}`) })]));

  const writer: StatusWriter = {
    async podScheduledFalse(pod, reason, message, nominated) {
      const cond = { type: 'PodScheduled', status: 'False', reason, message, lastProbeTime: null, lastTransitionTime: rfc3339() };
      const status: Record<string, unknown> = { conditions: [cond] };
      if (nominated !== undefined) status.nominatedNodeName = nominated;
      await podsApi.inNamespace(pod.metadata.namespace ?? 'default').patch(pod.metadata.name ?? '', { status }, { type: 'strategic', subresource: 'status' });
    },
    async recordDecision(pod, d: Decision) {
      await podsApi.inNamespace(pod.metadata.namespace ?? 'default').patch(pod.metadata.name ?? '', { metadata: { annotations: { [DECISION_ANNOTATION]: JSON.stringify(d) } } }, { type: 'merge' });
    },
  };

  const scheduler = new Scheduler({
    profiles: byName,
    cache,
    recorders,
    writer,
    priority,
    currentPod: (ns, name) => pods.get(ns, name),
    podInitialBackoffMs: (cfg.podInitialBackoffSeconds ?? 1) * 1000,
    podMaxBackoffMs: (cfg.podMaxBackoffSeconds ?? 10) * 1000,
    recordDecisions: o.recordDecisions,
    log: o.log,
  });
  wireHandlers(scheduler, cache, pods, nodes, namespaces);

  return {
    scheduler,
    factory,
    async run(signal) {
      setMaxListeners(64, signal);
      try {
        await client.resource('priorityclasses.scheduling.k8s.io').list({ limit: 1 });
        pcs = factory.informerFor<PriorityClass>('priorityclasses.scheduling.k8s.io');
      } catch (e) {
        if (!isForbidden(e)) throw e;
        o.log?.('scheduler: may not list PriorityClasses; using spec.priority only (grant get/list/watch on priorityclasses)');
      }
      factory.start(signal);
      if (!(await factory.waitForCacheSync(signal))) return;
      o.log?.(`scheduler: caches synced (${cache.nodeCount} nodes), profiles ${[...byName.keys()].join(', ')}`);
      await scheduler.run(signal);
      await Promise.allSettled([...recorders.values()].map((r) => r.flush()));
    },
  };
}

const terminal = (p: Pod) => p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed';

/**
 * Did a pending pod change in a way that could change its scheduling (upstream
 * isPodUpdated)? The scheduler's own writes — status, the decision annotation —
 * do not count, so they do not re-queue a parked pod.
 */
export function isPodUpdated(old: Pod, cur: Pod): boolean {
  const strip = (p: Pod) => {
    const { resourceVersion: _rv, generation: _g, managedFields: _mf, finalizers: _f, annotations, ...meta } = p.metadata as Pod['metadata'] & { generation?: number; managedFields?: unknown; finalizers?: unknown };
    const a = { ...annotations };
    delete a[DECISION_ANNOTATION];
    return { ...p, metadata: { ...meta, annotations: a }, status: undefined };
  };
  return JSON.stringify(strip(old)) !== JSON.stringify(strip(cur));
}

const sameJson = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** Informer events → cache, queue and cluster events for the queueing hints (upstream eventhandlers.go). */
function wireHandlers(s: Scheduler, cache: SchedulerCache, pods: SharedInformer<Pod>, nodes: SharedInformer<Node>, namespaces: SharedInformer<KObject>): void {
  const ev = (resource: ClusterEvent['resource'], action: ClusterEvent['action'], oldObj?: unknown, newObj?: unknown) => s.onEvent({ resource, action, oldObj, newObj });
  const onPod = (old: Pod | undefined, p: Pod) => {
    if (p.spec?.nodeName) {
      s.queue.delete(p);
      if (terminal(p)) {
        const known = cache.hasPod(p);
        cache.removePod(p);
        if (known) ev('AssignedPod', 'Delete', p);
      } else {
        const wasAssumed = cache.isAssumed(p);
        const known = cache.hasPod(p);
        cache.addOrUpdatePod(p);
        // Our own binding confirmed is no news: the cycle already counted the pod.
        if (!known || (!wasAssumed && !old?.spec?.nodeName)) ev('AssignedPod', 'Add', undefined, p);
        else if (!wasAssumed && old && (!sameJson(old.metadata.labels, p.metadata.labels) || !sameJson(old.spec?.containers?.map((c) => c.resources), p.spec?.containers?.map((c) => c.resources)))) ev('AssignedPod', 'Update', old, p);
      }
      return;
    }
    const n = p.status?.nominatedNodeName;
    const key = `${p.metadata.namespace ?? ''}/${p.metadata.name ?? ''}`;
    // P (issue 7): an update without a nomination right after the scheduler nominated the pod in memory keeps it (upstream nominator's updateNominatedPod).
    const mine = s.nominated.get(key);
    if (n) s.nominated.set(key, { pod: p, node: n });
    else if (mine && !old?.status?.nominatedNodeName) s.nominated.set(key, { pod: p, node: mine.node });
    else s.nominated.delete(key);
    if (s.responsibleFor(p)) s.enqueue(p, old ? isPodUpdated(old, p) : true);
    else s.queue.delete(p);
  };
  pods.addEventHandler({
    onAdd: (p) => onPod(undefined, p),
    onUpdate: (old, p) => onPod(old, p),
    onDelete: (obj: Pod | DeletedFinalStateUnknown<Pod>) => {
      const p = unwrapTombstone(obj);
      s.queue.delete(p);
      s.nominated.delete(`${p.metadata.namespace ?? ''}/${p.metadata.name ?? ''}`);
      if (p.spec?.nodeName || cache.isAssumed(p)) {
        const placed = cache.hasPod(p);
        cache.removePod(p);
        if (placed || p.spec?.nodeName) ev('AssignedPod', 'Delete', p);
      }
    },
  });
  nodes.addEventHandler({
    onAdd: (n) => {
      cache.addOrUpdateNode(n);
      ev('Node', 'Add', undefined, n);
    },
    onUpdate: (old, n) => {
      cache.addOrUpdateNode(n);
      // Heartbeats (conditions, times) are no news to the scheduler.
      if (!sameJson([old.metadata.labels, old.spec, old.status?.allocatable, old.status?.images], [n.metadata.labels, n.spec, n.status?.allocatable, n.status?.images])) ev('Node', 'Update', old, n);
    },
    onDelete: (obj: Node | DeletedFinalStateUnknown<Node>) => {
      const n = unwrapTombstone(obj);
      cache.removeNode(n.metadata.name ?? '');
      ev('Node', 'Delete', n);
    },
  });
  namespaces.addEventHandler({
    onAdd: (n) => ev('Namespace', 'Add', undefined, n),
    onUpdate: (old, n) => {
      if (!sameJson(old.metadata.labels, n.metadata.labels)) ev('Namespace', 'Update', old, n);
    },
  });
}
