/** ImageLocality: prefer nodes that already hold the pod's images, weighted by size and how widely each image is spread. */
import { MAX_NODE_SCORE, type Handle, type Plugin } from '../../framework/interface.js';
import { normalizedImageName } from '../../framework/node-info.js';
import type { Pod } from '../../framework/types.js';
import { IMAGE_LOCALITY } from '../names/names.js';

export const NAME = IMAGE_LOCALITY;
const MB = 1024 * 1024;
const MIN_THRESHOLD = 23 * MB;
const MAX_CONTAINER_THRESHOLD = 1000 * MB;

export { normalizedImageName };

const PRE_SCORE_KEY = 'PreScore' + NAME;

interface PreScoreState {
  wanted: string[];
  containers: number;
  /** How many nodes hold each wanted image (upstream's imageStates): counted on first need, once per cycle. */
  spread?: Map<string, number>;
  total: number;
}

export function newImageLocality(_args: Record<string, unknown>, h: Handle): Plugin {
  const prepare = (pod: Pod): PreScoreState => {
    const containers = [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])];
    return { wanted: containers.filter((c) => c.image).map((c) => normalizedImageName(c.image!)), containers: containers.length, total: 0 };
  };
  return {
    name: NAME,
    preScore(state, pod) {
      state.write(PRE_SCORE_KEY, prepare(pod));
      return undefined;
    },
    score(state, pod, node) {
      let pre = state.read<PreScoreState>(PRE_SCORE_KEY);
      if (!pre) state.write(PRE_SCORE_KEY, (pre = prepare(pod)));
      let sum = 0;
      if (node.imageSizes.size) {
        for (const w of pre.wanted) {
          const size = node.imageSizes.get(w);
          if (size === undefined) continue;
          if (!pre.spread) {
            const nodes = h.nodes();
            pre.total = nodes.length || 1;
            pre.spread = new Map(pre.wanted.map((x) => [x, 0]));
            for (const n of nodes) if (n.imageSizes.size) for (const x of pre.wanted) if (n.imageSizes.has(x)) pre.spread.set(x, pre.spread.get(x)! + 1);
          }
          sum += size * ((pre.spread.get(w) ?? 0) / pre.total);
        }
      }
      const max = MAX_CONTAINER_THRESHOLD * Math.max(1, pre.containers);
      const clamped = Math.min(Math.max(sum, MIN_THRESHOLD), max);
      return Math.floor((MAX_NODE_SCORE * (clamped - MIN_THRESHOLD)) / (max - MIN_THRESHOLD));
    },
  };
}
