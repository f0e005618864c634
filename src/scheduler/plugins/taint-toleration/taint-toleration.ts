/** TaintToleration: filters on NoSchedule/NoExecute taints, scores by untolerated PreferNoSchedule taints (fewer is better). */
import type { Plugin } from '../../framework/interface.js';
import { unresolvable } from '../../framework/status.js';
import type { Node, Pod, Toleration } from '../../framework/types.js';
import { findUntoleratedTaint, tolerates } from '../helper/node-selector.js';
import { normalize } from '../helper/normalize-score.js';
import { TAINT_TOLERATION } from '../names/names.js';

export const NAME = TAINT_TOLERATION;
export const untoleratedTaintReason = (key: string, value: string | undefined): string => `node(s) had untolerated taint {${key}: ${value ?? ''}}`;
const PRE_SCORE_KEY = 'PreScore' + NAME;

const doNotSchedule = (t: { effect?: string }) => t.effect === 'NoSchedule' || t.effect === 'NoExecute';
const untolerated = (pod: Pod, node: Node) => findUntoleratedTaint(node.spec?.taints ?? [], pod.spec?.tolerations ?? [], doNotSchedule) !== undefined;

export function newTaintToleration(): Plugin {
  return {
    name: NAME,
    // A node whose taints the pod now tolerates (upstream isSchedulableAfterNodeChange).
    eventsToRegister: () => [{ resource: 'Node', actions: ['Add', 'Update'], hint: (pod, ev) => {
      const old = ev.oldObj as Node | undefined;
      const was = old ? untolerated(pod, old) : true;
      return was && !untolerated(pod, ev.newObj as Node) ? 'Queue' : 'Skip';
    } }],
    filter(_state, pod, node) {
      const taints = node.taints;
      if (!taints) return undefined;
      const taint = findUntoleratedTaint(taints, pod.spec?.tolerations ?? [], doNotSchedule);
      return taint ? unresolvable(untoleratedTaintReason(taint.key, taint.value)) : undefined;
    },
    preScore(state, pod) {
      const tols = (pod.spec?.tolerations ?? []).filter((t) => !t.effect || t.effect === 'PreferNoSchedule');
      state.write(PRE_SCORE_KEY, tols);
      return undefined;
    },
    score(state, pod, node) {
      const tols = state.read<Toleration[]>(PRE_SCORE_KEY) ?? pod.spec?.tolerations ?? [];
      let n = 0;
      for (const taint of node.node.spec?.taints ?? []) if (taint.effect === 'PreferNoSchedule' && !tols.some((t) => tolerates(t, taint))) n++;
      return n;
    },
    normalizeScore(_state, _pod, scores) {
      normalize(true)(scores);
    },
  };
}
