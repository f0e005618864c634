/** NodeUnschedulable: cordoned nodes (spec.unschedulable) only take pods tolerating node.kubernetes.io/unschedulable. */
import type { Plugin } from '../../framework/interface.js';
import { unresolvable } from '../../framework/status.js';
import { tolerates } from '../helper/node-selector.js';
import { NODE_UNSCHEDULABLE } from '../names/names.js';

export const NAME = NODE_UNSCHEDULABLE;
export const ERR_REASON_UNSCHEDULABLE = 'node(s) were unschedulable';
const TAINT = { key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' as const };

export function newNodeUnschedulable(): Plugin {
  return {
    name: NAME,
    filter(_state, pod, node) {
      if (!node.node.spec?.unschedulable) return undefined;
      if ((pod.spec?.tolerations ?? []).some((t) => tolerates(t, TAINT))) return undefined;
      return unresolvable(ERR_REASON_UNSCHEDULABLE);
    },
  };
}
