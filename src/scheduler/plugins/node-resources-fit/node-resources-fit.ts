/** NodeResourcesFit: the pod's requests must fit the node's free allocatable; scores by a strategy (LeastAllocated default). */
import { MAX_NODE_SCORE, type Plugin } from '../../framework/interface.js';
import type { NodeInfo } from '../../framework/node-info.js';
import { podRequests, CPU, MEMORY, PODS, type Resources } from '../../framework/resources.js';
import { unschedulable } from '../../framework/status.js';
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

/** Reasons the pod does not fit, in upstream's order (pods, cpu, memory, ephemeral-storage, then the rest). */
export function fitsRequest(req: Resources, node: NodeInfo, ignored: Set<string> = new Set()): string[] {
  const reasons: string[] = [];
  const alloc = node.allocatable;
  if (node.pods.size + 1 > (alloc[PODS] ?? 0)) reasons.push(ERR_TOO_MANY_PODS);
  const order = [CPU, MEMORY, 'ephemeral-storage', ...Object.keys(req).filter((k) => k !== CPU && k !== MEMORY && k !== 'ephemeral-storage' && k !== PODS).sort()];
  for (const r of order) {
    const want = req[r] ?? 0;
    if (want === 0 || ignored.has(r)) continue;
    if (want > (alloc[r] ?? 0) - (node.requested[r] ?? 0)) reasons.push(insufficient(r));
  }
  return reasons;
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
  return {
    name: NAME,
    preFilter(state, pod) {
      state.write(PRE_FILTER_KEY, podRequests(pod));
      return [undefined, undefined];
    },
    filter(state, pod, node) {
      const req = state.read<Resources>(PRE_FILTER_KEY) ?? podRequests(pod);
      const reasons = fitsRequest(req, node, ignored);
      return reasons.length ? unschedulable(...reasons) : undefined;
    },
    preScore(state, pod) {
      state.write(PRE_SCORE_KEY, podRequests(pod, true));
      return undefined;
    },
    score(state, pod, node) {
      const req = state.read<Resources>(PRE_SCORE_KEY) ?? podRequests(pod, true);
      let sum = 0;
      let weights = 0;
      for (const r of resources) {
        const cap = node.allocatable[r.name] ?? 0;
        if (cap === 0 && r.name !== CPU && r.name !== MEMORY) continue;
        const used = (r.name === CPU || r.name === MEMORY ? node.nonZeroRequested[r.name] : node.requested[r.name]) ?? 0;
        sum += resourceScore(used + (req[r.name] ?? 0), cap) * r.weight;
        weights += r.weight;
      }
      return weights === 0 ? 0 : Math.floor(sum / weights);
    },
  };
}
