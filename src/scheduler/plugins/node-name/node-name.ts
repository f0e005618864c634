/** NodeName: a pod naming spec.nodeName fits only that node. */
import type { Plugin } from '../../framework/interface.js';
import type { Node } from '../../framework/types.js';
import { unresolvable } from '../../framework/status.js';
import { NODE_NAME } from '../names/names.js';

export const NAME = NODE_NAME;
export const ERR_REASON = "node(s) didn't match the requested node name";

export function newNodeName(): Plugin {
  return {
    name: NAME,
    // Only the named node appearing helps.
    eventsToRegister: () => [{ resource: 'Node', actions: ['Add'], hint: (pod, ev) => ((ev.newObj as Node).metadata.name === pod.spec?.nodeName ? 'Queue' : 'Skip') }],
    filter(_state, pod, node) {
      const want = pod.spec?.nodeName;
      return want && want !== node.name ? unresolvable(ERR_REASON) : undefined;
    },
  };
}
