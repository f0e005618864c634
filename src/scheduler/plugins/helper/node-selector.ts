/** Node selector terms (NodeAffinity, nodeSelector) and tolerations, matched as upstream's component-helpers. */
import { specMatchesNodeSelectorAndAffinity, tolerates } from '../../../api/index.js';
import type { Node, Pod, Taint, Toleration } from '../../framework/types.js';

// The matching itself lives in the api component, shared with the DaemonSet controller.
export { matchTerm, matchTerms, tolerates } from '../../../api/index.js';

/** nodeSelector and required node affinity both hold (upstream RequiredNodeAffinity.Match). */
export function podMatchesNodeSelectorAndAffinity(pod: Pod, node: Node): boolean {
  return specMatchesNodeSelectorAndAffinity(pod.spec, node);
}

/** The first taint passing `filter` that no toleration tolerates. */
export function findUntoleratedTaint(taints: Taint[], tolerations: Toleration[], filter: (t: Taint) => boolean): Taint | undefined {
  return taints.find((taint) => filter(taint) && !tolerations.some((t) => tolerates(t, taint)));
}
