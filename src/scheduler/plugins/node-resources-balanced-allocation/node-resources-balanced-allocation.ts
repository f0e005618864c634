/** NodeResourcesBalancedAllocation: prefer nodes whose cpu and memory fractions stay close (1 − standard deviation). */
import { MAX_NODE_SCORE, type Plugin } from '../../framework/interface.js';
import { podRequests, CPU, MEMORY, type Resources } from '../../framework/resources.js';
import { NODE_RESOURCES_BALANCED_ALLOCATION } from '../names/names.js';

export const NAME = NODE_RESOURCES_BALANCED_ALLOCATION;
const KEY = 'PreScore' + NAME;

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
      const fractions: number[] = [];
      for (const r of names) {
        const cap = node.allocatable[r] ?? 0;
        if (cap === 0) continue;
        fractions.push(Math.min(1, ((node.nonZeroRequested[r] ?? 0) + (req[r] ?? 0)) / cap));
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
