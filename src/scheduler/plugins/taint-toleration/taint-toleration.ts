/** TaintToleration: filters on NoSchedule/NoExecute taints, scores by untolerated PreferNoSchedule taints (fewer is better). */
import type { Plugin } from '../../framework/interface.js';
import { unresolvable } from '../../framework/status.js';
import type { Toleration } from '../../framework/types.js';
import { findUntoleratedTaint, tolerates } from '../helper/node-selector.js';
import { normalize } from '../helper/normalize-score.js';
import { TAINT_TOLERATION } from '../names/names.js';

export const NAME = TAINT_TOLERATION;
export const untoleratedTaintReason = (key: string, value: string | undefined): string => `node(s) had untolerated taint {${key}: ${value ?? ''}}`;
const PRE_SCORE_KEY = 'PreScore' + NAME;

export function newTaintToleration(): Plugin {
  return {
    name: NAME,
    filter(_state, pod, node) {
      const taint = findUntoleratedTaint(node.node.spec?.taints ?? [], pod.spec?.tolerations ?? [], (t) => t.effect === 'NoSchedule' || t.effect === 'NoExecute');
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
