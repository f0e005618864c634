/** NodePorts: a pod's hostPorts must be free on the node (0.0.0.0 conflicts with every IP). */
import type { Plugin } from '../../framework/interface.js';
import type { Pod } from '../../framework/types.js';
import type { HostPort } from '../../framework/pod-info.js';
import { hostPortsOf } from '../../framework/pod-info.js';
import { skip, unschedulable } from '../../framework/status.js';
import { NODE_PORTS } from '../names/names.js';

export const NAME = NODE_PORTS;
export const ERR_REASON = "node(s) didn't have free ports for the requested pod ports";
const KEY = 'PreFilter' + NAME;

export function conflicts(want: HostPort, used: HostPort): boolean {
  if (want.port !== used.port || want.protocol !== used.protocol) return false;
  return want.ip === used.ip || want.ip === '0.0.0.0' || used.ip === '0.0.0.0';
}

export function newNodePorts(): Plugin {
  return {
    name: NAME,
    eventsToRegister: () => [
      // A deleted pod frees ports only if it held one the pod wants.
      { resource: 'AssignedPod', actions: ['Delete'], hint: (pod, ev) => {
        const want = hostPortsOf(pod);
        const freed = hostPortsOf(ev.oldObj as Pod);
        return want.some((w) => freed.some((f) => conflicts(w, f))) ? 'Queue' : 'Skip';
      } },
      { resource: 'Node', actions: ['Add'] },
    ],
    preFilter(state, pod) {
      const ports = hostPortsOf(pod);
      if (ports.length === 0) return [undefined, skip()];
      state.write(KEY, ports);
      return [undefined, undefined];
    },
    filter(state, pod, node) {
      const want = state.read<HostPort[]>(KEY) ?? hostPortsOf(pod);
      for (const w of want) if (node.usedPorts.some((u) => conflicts(w, u))) return unschedulable(ERR_REASON);
      return undefined;
    },
  };
}
