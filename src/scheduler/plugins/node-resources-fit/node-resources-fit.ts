/** NodeResourcesFit: the pod's requests must fit the node's free allocatable; scores by a strategy (LeastAllocated default). */
import { MAX_NODE_SCORE, type CycleState, type Plugin } from '../../framework/interface.js';
import type { NodeInfo } from '../../framework/node-info.js';
import { parseResources, podRequests, CPU, MEMORY, PODS, type Resources } from '../../framework/resources.js';
import type { Node, Pod } from '../../framework/types.js';
import { unschedulable, type Status } from '../../framework/status.js';
import { NODE_RESOURCES_FIT } from '../names/names.js';

export const NAME = NODE_RESOURCES_FIT;
export const ERR_TOO_MANY_PODS = 'Too many pods';
export const insufficient = (r: string): string => `Insufficient ${r}`;

export type ScoringStrategyType = 'LeastAllocated' | 'MostAllocated' | 'RequestedToCapacityRatio';
export interface ResourceSpec {
  name: string;
  weight: number;
}
export interface NodeResourcesFitArgs {
  ignoredResources?: string[];
  scoringStrategy?: {
    type?: ScoringStrategyType;
    resources?: ResourceSpec[];
    requestedToCapacityRatio?: { shape: { utilization: number; score: number }[] };
  };
}

const PRE_FILTER_KEY = 'PreFilter' + NAME;
const PRE_SCORE_KEY = 'PreScore' + NAME;

/** The requested resources in upstream's order of checking (computed once per cycle). */
export function checkOrder(req: Resources): string[] {
  return [CPU, MEMORY, 'ephemeral-storage', ...Object.keys(req).filter((k) => k !== CPU && k !== MEMORY && k !== 'ephemeral-storage' && k !== PODS).sort()].filter((r) => (req[r] ?? 0) !== 0);
}

/** Reasons the pod does not fit, in upstream's order (pods, cpu, memory, ephemeral-storage, then the rest). */
export function fitsRequest(req: Resources, node: NodeInfo, ignored: Set<string> = new Set(), order: string[] = checkOrder(req)): string[] {
  const reasons: string[] = [];
  const alloc = node.allocatable;
  if (node.pods.size + 1 > (alloc[PODS] ?? 0)) reasons.push(ERR_TOO_MANY_PODS);
  for (const r of order) {
    const want = req[r] ?? 0;
    if (want === 0 || ignored.has(r)) continue;
    if (want > (alloc[r] ?? 0) - (node.requested[r] ?? 0)) reasons.push(insufficient(r));
  }
  return reasons;
}

/** The pod's request as the filter checks it, worked out once per cycle. */
interface PreFilterState {
  req: Resources;
  order: string[];
  /** cpu and memory wanted (0 when ignored), and the other checked resources with their amounts. */
  cpu: number;
  memory: number;
  others: [string, number][];
}

function preFilterState(req: Resources, ignored: Set<string>): PreFilterState {
  const order = checkOrder(req);
  const checked = (r: string) => (ignored.has(r) ? 0 : (req[r] ?? 0));
  const others = order.filter((r) => r !== CPU && r !== MEMORY && checked(r) !== 0).map((r): [string, number] => [r, req[r]!]);
  return { req, order, cpu: checked(CPU), memory: checked(MEMORY), others };
}

/** The common case without allocating or keyed lookups: does everything fit? */
function fitsQuickly(pre: PreFilterState, node: NodeInfo): boolean {
  if (node.pods.size + 1 > node.allocPods) return false;
  if (pre.cpu > node.allocCpu - node.reqCpu || pre.memory > node.allocMemory - node.reqMemory) return false;
  for (let i = 0; i < pre.others.length; i++) {
    const [r, want] = pre.others[i]!;
    if (want > (node.allocatable[r] ?? 0) - (node.requested[r] ?? 0)) return false;
  }
  return true;
}

/** Piecewise-linear shape (utilization 0..100 → score 0..10), scaled to 0..MAX_NODE_SCORE. */
function shapeScore(shape: { utilization: number; score: number }[], util: number): number {
  const pts = shape.map((p) => ({ u: p.utilization, s: (p.score * MAX_NODE_SCORE) / 10 }));
  if (pts.length === 0) return 0;
  if (util <= pts[0]!.u) return pts[0]!.s;
  for (let i = 1; i < pts.length; i++) {
    const a = pts[i - 1]!;
    const b = pts[i]!;
    if (util <= b.u) return a.s + ((b.s - a.s) * (util - a.u)) / (b.u - a.u);
  }
  return pts[pts.length - 1]!.s;
}

export function newNodeResourcesFit(args: NodeResourcesFitArgs = {}): Plugin {
  const ignored = new Set(args.ignoredResources ?? []);
  const type = args.scoringStrategy?.type ?? 'LeastAllocated';
  const resources = args.scoringStrategy?.resources ?? [
    { name: CPU, weight: 1 },
    { name: MEMORY, weight: 1 },
  ];
  const shape = args.scoringStrategy?.requestedToCapacityRatio?.shape ?? [
    { utilization: 0, score: 10 },
    { utilization: 100, score: 0 },
  ];
  const resourceScore = (requested: number, capacity: number): number => {
    if (capacity === 0) return 0;
    if (type === 'LeastAllocated') return requested > capacity ? 0 : Math.floor(((capacity - requested) * MAX_NODE_SCORE) / capacity);
    if (type === 'MostAllocated') return requested > capacity ? MAX_NODE_SCORE : Math.floor((requested * MAX_NODE_SCORE) / capacity);
    return Math.round(shapeScore(shape, Math.min(100, (requested * 100) / capacity)));
  };
  const statuses = new Map<string, Status>();
  let lastState: CycleState | undefined;
  let lastPre: PreFilterState | undefined;
  /** Does the pod's request fit the node's allocatable at all (no other pods; upstream isFit)? */
  const fitsEmpty = (req: Resources, node: Node) => {
    const alloc = parseResources(node.status?.allocatable);
    if ((alloc[PODS] ?? 0) < 1) return false;
    return Object.entries(req).every(([r, v]) => v === 0 || ignored.has(r) || r === PODS || v <= (alloc[r] ?? 0));
  };
  return {
    name: NAME,
    eventsToRegister: () => [
      // Freed resources: any assigned pod deleted (or finished); an update only if it asks for less.
      { resource: 'AssignedPod', actions: ['Delete'] },
      { resource: 'AssignedPod', actions: ['Update'], hint: (_pod, ev) => {
        const before = podRequests(ev.oldObj as Pod);
        const after = podRequests(ev.newObj as Pod);
        return Object.keys(before).some((r) => (after[r] ?? 0) < (before[r] ?? 0)) ? 'Queue' : 'Skip';
      } },
      // A new node big enough, or a node whose allocatable grew in a resource the pod requests.
      { resource: 'Node', actions: ['Add', 'Update'], hint: (pod, ev) => {
        const req = podRequests(pod);
        const node = ev.newObj as Node;
        if (!fitsEmpty(req, node)) return 'Skip';
        const old = ev.oldObj as Node | undefined;
        if (!old) return 'Queue';
        const a0 = parseResources(old.status?.allocatable);
        const a1 = parseResources(node.status?.allocatable);
        const grew = [PODS, ...Object.keys(req)].some((r) => (a1[r] ?? 0) > (a0[r] ?? 0));
        return grew ? 'Queue' : 'Skip';
      } },
    ],
    preFilter(state, pod) {
      state.write(PRE_FILTER_KEY, preFilterState(podRequests(pod), ignored));
      lastState = undefined;
      return [undefined, undefined];
    },
    filter(state, pod, node) {
      // The same cycle state as the last call (thousands of nodes per cycle): no lookup.
      if (state !== lastState) {
        lastState = state;
        lastPre = state.read<PreFilterState>(PRE_FILTER_KEY);
      }
      const pre = lastPre;
      if (pre && fitsQuickly(pre, node)) return undefined;
      const reasons = pre ? fitsRequest(pre.req, node, ignored, pre.order) : fitsRequest(podRequests(pod), node, ignored);
      if (reasons.length === 0) return undefined;
      // Few distinct reason lists occur: one Status each.
      const k = reasons.join('\u0000');
      let s = statuses.get(k);
      if (!s) {
        if (statuses.size > 256) statuses.clear();
        statuses.set(k, (s = unschedulable(...reasons)));
      }
      return s;
    },
    preScore(state, pod) {
      const req = podRequests(pod, true);
      // The pod's request of each scored resource, in the order of `resources`.
      state.write(PRE_SCORE_KEY, resources.map((r) => req[r.name] ?? 0));
      return undefined;
    },
    score(state, pod, node) {
      let want = state.read<number[]>(PRE_SCORE_KEY);
      if (!want) {
        const req = podRequests(pod, true);
        want = resources.map((r) => req[r.name] ?? 0);
      }
      let sum = 0;
      let weights = 0;
      for (let i = 0; i < resources.length; i++) {
        const r = resources[i]!;
        let cap: number;
        let used: number;
        if (r.name === CPU) {
          cap = node.allocCpu;
          used = node.nonZeroCpu;
        } else if (r.name === MEMORY) {
          cap = node.allocMemory;
          used = node.nonZeroMemory;
        } else {
          cap = node.allocatable[r.name] ?? 0;
          if (cap === 0) continue;
          used = node.requested[r.name] ?? 0;
        }
        sum += resourceScore(used + want[i]!, cap) * r.weight;
        weights += r.weight;
      }
      return weights === 0 ? 0 : Math.floor(sum / weights);
    },
  };
}
