/** NodeUnschedulable: cordoned nodes (spec.unschedulable) only take pods tolerating node.kubernetes.io/unschedulable. */
import type { Plugin } from '../../framework/interface.js';
import type { Node, Pod } from '../../framework/types.js';
import { unresolvable } from '../../framework/status.js';
import { tolerates } from '../helper/node-selector.js';
import { NODE_UNSCHEDULABLE } from '../names/names.js';

export const NAME = NODE_UNSCHEDULABLE;
export const ERR_REASON_UNSCHEDULABLE = 'node(s) were unschedulable';
const TAINT = { key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' as const };

export function newNodeUnschedulable(): Plugin {
  const fits = (pod: Pod, node: Node) => !node.spec?.unschedulable || (pod.spec?.tolerations ?? []).some((t) => tolerates(t, TAINT));
  return {
    name: NAME,
    // A node added, or uncordoned, that the pod may use.
    eventsToRegister: () => [{ resource: 'Node', actions: ['Add', 'Update'], hint: (pod, ev) => {
      const old = ev.oldObj as Node | undefined;
      return fits(pod, ev.newObj as Node) && (!old || !fits(pod, old)) ? 'Queue' : 'Skip';
    } }],
    filter(_state, pod, node) {
      if (!node.unschedulable) return undefined;
      return fits(pod, node.node) ? undefined : unresolvable(ERR_REASON_UNSCHEDULABLE);
    },
  };
}
