/** NodeAffinity: nodeSelector and required node affinity filter; preferred terms score (sum of matching weights). */
import type { Plugin } from '../../framework/interface.js';
import { skip, unresolvable } from '../../framework/status.js';
import type { Node, NodeSelectorTerm, Pod } from '../../framework/types.js';
import { matchTerm, matchTerms, podMatchesNodeSelectorAndAffinity } from '../helper/node-selector.js';
import { normalize } from '../helper/normalize-score.js';
import { NODE_AFFINITY } from '../names/names.js';

export const NAME = NODE_AFFINITY;
export const ERR_REASON_POD = "node(s) didn't match Pod's node affinity/selector";
export const ERR_REASON_ENFORCED = "node(s) didn't match scheduler-enforced node affinity";

export interface NodeAffinityArgs {
  /** Profile-wide affinity every pod must also satisfy. */
  addedAffinity?: { requiredDuringSchedulingIgnoredDuringExecution?: { nodeSelectorTerms: NodeSelectorTerm[] } };
}

/** Node names a required affinity pins the pod to via matchFields metadata.name In (for PreFilter). */
function pinnedNodeNames(pod: Pod): Set<string> | undefined {
  const terms = pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? [];
  if (terms.length === 0) return undefined;
  const names = new Set<string>();
  for (const t of terms) {
    const f = (t.matchFields ?? []).find((m) => m.key === 'metadata.name' && m.operator === 'In');
    if (!f) return undefined;
    for (const v of f.values ?? []) names.add(v);
  }
  return names;
}

export function newNodeAffinity(args: NodeAffinityArgs = {}): Plugin {
  const added = args.addedAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
  const matches = (pod: Pod, node: Node) => (!added || matchTerms(added, node)) && podMatchesNodeSelectorAndAffinity(pod, node);
  const ENFORCED = unresolvable(ERR_REASON_ENFORCED);
  const POD = unresolvable(ERR_REASON_POD);
  return {
    name: NAME,
    // A node that now matches the pod's selector/affinity and did not before.
    eventsToRegister: () => [{ resource: 'Node', actions: ['Add', 'Update'], hint: (pod, ev) => {
      if (!matches(pod, ev.newObj as Node)) return 'Skip';
      const old = ev.oldObj as Node | undefined;
      return !old || !matches(pod, old) ? 'Queue' : 'Skip';
    } }],
    preFilter(_state, pod) {
      const hasSelector = Object.keys(pod.spec?.nodeSelector ?? {}).length > 0;
      const req = pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
      if (!hasSelector && !req && !added) return [undefined, skip()];
      const names = pinnedNodeNames(pod);
      return [names ? { nodeNames: names } : undefined, undefined];
    },
    filter(_state, pod, node) {
      if (added && !matchTerms(added, node.node)) return ENFORCED;
      return podMatchesNodeSelectorAndAffinity(pod, node.node) ? undefined : POD;
    },
    preScore(_state, pod) {
      return (pod.spec?.affinity?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? []).length ? undefined : skip();
    },
    score(_state, pod, node) {
      let s = 0;
      for (const p of pod.spec?.affinity?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? []) {
        if (p.weight && matchTerm(p.preference, node.node)) s += p.weight;
      }
      return s;
    },
    normalizeScore(_state, _pod, scores) {
      normalize(false)(scores);
    },
  };
}
