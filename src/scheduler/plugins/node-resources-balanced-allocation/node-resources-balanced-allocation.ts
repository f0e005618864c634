/** NodeResourcesBalancedAllocation: prefer nodes whose cpu and memory fractions stay close (1 − standard deviation). */
import { MAX_NODE_SCORE, type Plugin } from '../../framework/interface.js';
import type { NodeInfo } from '../../framework/node-info.js';
import { podRequests, CPU, MEMORY, type Resources } from '../../framework/resources.js';
import { NODE_RESOURCES_BALANCED_ALLOCATION } from '../names/names.js';

export const NAME = NODE_RESOURCES_BALANCED_ALLOCATION;
const KEY = 'PreScore' + NAME;

/** requested / allocatable of one resource after adding the pod (at most 1); -1 when the node has none of it. */
function fraction(node: NodeInfo, req: Resources, r: string): number {
  const cap = r === CPU ? node.allocCpu : r === MEMORY ? node.allocMemory : (node.allocatable[r] ?? 0);
  const used = r === CPU ? node.nonZeroCpu : r === MEMORY ? node.nonZeroMemory : (node.nonZeroRequested[r] ?? 0);
  return cap === 0 ? -1 : Math.min(1, (used + (req[r] ?? 0)) / cap);
}

export function newBalancedAllocation(args: { resources?: { name: string; weight: number }[] } = {}): Plugin {
  const names = (args.resources ?? [{ name: CPU, weight: 1 }, { name: MEMORY, weight: 1 }]).map((r) => r.name);
  return {
    name: NAME,
    preScore(state, pod) {
      state.write(KEY, podRequests(pod, true));
      return undefined;
    },
    score(state, pod, node) {
      const req = state.read<Resources>(KEY) ?? podRequests(pod, true);
      if (names.length === 2) {
        // The usual two resources, without a list per node.
        const a = fraction(node, req, names[0]!);
        const b = fraction(node, req, names[1]!);
        const std = a >= 0 && b >= 0 ? Math.abs(a - b) / 2 : 0;
        return Math.floor((1 - std) * MAX_NODE_SCORE);
      }
      const fractions: number[] = [];
      for (const r of names) {
        const f = fraction(node, req, r);
        if (f >= 0) fractions.push(f);
      }
      let std = 0;
      if (fractions.length === 2) std = Math.abs(fractions[0]! - fractions[1]!) / 2;
      else if (fractions.length > 2) {
        const mean = fractions.reduce((a, b) => a + b, 0) / fractions.length;
        std = Math.sqrt(fractions.reduce((a, f) => a + (f - mean) ** 2, 0) / fractions.length);
      }
      return Math.floor((1 - std) * MAX_NODE_SCORE);
    },
  };
}
