/** Tiny builders for plugin tests (upstream st.MakePod / st.MakeNode in spirit). */
import { CycleState, type Handle, type Plugin, type SchedulerApi, type Workloads } from './interface.js';
import { NodeInfo } from './node-info.js';
import { newPodInfo } from './pod-info.js';
import type { Node, Pod, PodSpec } from './types.js';

export function makeNode(name: string, o: { labels?: Record<string, string>; cpu?: string; memory?: string; pods?: string; taints?: NonNullable<Node['spec']>['taints']; unschedulable?: boolean; extra?: Record<string, string>; images?: { names: string[]; sizeBytes: number }[] } = {}): Node {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels: { 'kubernetes.io/hostname': name, ...o.labels } },
    spec: { taints: o.taints, unschedulable: o.unschedulable },
    status: { allocatable: { cpu: o.cpu ?? '4', memory: o.memory ?? '8Gi', pods: o.pods ?? '110', ...o.extra }, images: o.images },
  };
}

let seq = 0;
export function makePod(name: string, spec: PodSpec = {}, o: { labels?: Record<string, string>; namespace?: string; cpu?: string; memory?: string; node?: string; created?: string } = {}): Pod {
  const requests: Record<string, string> = {};
  if (o.cpu) requests.cpu = o.cpu;
  if (o.memory) requests.memory = o.memory;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: o.namespace ?? 'default', uid: `uid-${name}-${seq++}`, labels: o.labels, creationTimestamp: o.created ?? '2024-01-01T00:00:00Z' },
    spec: { containers: spec.containers ?? [{ name: 'c', image: 'nginx', resources: { requests } }], schedulerName: 'default-scheduler', ...spec, nodeName: spec.nodeName ?? o.node },
  };
}

export function nodeInfo(node: Node, pods: Pod[] = []): NodeInfo {
  const ni = new NodeInfo(node);
  for (const p of pods) ni.addPod(newPodInfo({ ...p, spec: { ...p.spec, nodeName: node.metadata.name } }));
  return ni;
}

export const noApi: SchedulerApi = {
  bind: async () => undefined,
  deletePod: async () => undefined,
  setNominatedNode: async () => undefined,
};

/** A Handle over fixed nodes; filters run `filters` in order. */
export function testHandle(nodes: NodeInfo[], filters: Plugin[] = [], o: { nsLabels?: Record<string, Record<string, string>>; api?: SchedulerApi; workloads?: Record<string, Workloads> } = {}): Handle {
  return {
    nodes: () => nodes,
    node: (n) => nodes.find((x) => x.name === n),
    namespaceLabels: (ns) => o.nsLabels?.[ns],
    priority: (p) => p.spec?.priority ?? 0,
    runFilters: (s, p, n) => {
      for (const f of filters) {
        const st = f.filter?.(s, p, n);
        if (st && !st.isSuccess()) return st.withPlugin(f.name);
      }
      return undefined;
    },
    runAddPod: (s, p, a, n) => filters.forEach((f) => f.addPod?.(s, p, a, n)),
    runRemovePod: (s, p, r, n) => filters.forEach((f) => f.removePod?.(s, p, r, n)),
    api: o.api ?? noApi,
    pdbs: () => [],
    waitingPods: () => [],
    getWaitingPod: () => undefined,
    workloads: (ns) => o.workloads?.[ns] ?? { services: [], replicationControllers: [], replicaSets: [], statefulSets: [] },
  };
}

/** Run PreFilter then Filter of one plugin on each node: reason text per node ('' = fits). */
export function filterAll(pl: Plugin, pod: Pod, nodes: NodeInfo[]): string[] {
  const state = new CycleState();
  const [, pre] = pl.preFilter?.(state, pod, nodes) ?? [undefined, undefined];
  if (pre?.code === 'Skip') return nodes.map(() => '');
  if (pre && !pre.isSuccess()) return nodes.map(() => `prefilter: ${pre.message()}`);
  return nodes.map((n) => {
    const s = pl.filter?.(state, pod, n);
    return s && !s.isSuccess() ? `${s.code}: ${s.message()}` : '';
  });
}

/** Run PreScore, Score and NormalizeScore of one plugin over nodes. */
export function scoreAll(pl: Plugin, pod: Pod, nodes: NodeInfo[]): number[] {
  const state = new CycleState();
  const pre = pl.preScore?.(state, pod, nodes);
  if (pre?.code === 'Skip') return nodes.map(() => 0);
  const scores = nodes.map((n) => ({ name: n.name, score: pl.score!(state, pod, n) }));
  pl.normalizeScore?.(state, pod, scores);
  return scores.map((s) => s.score);
}
