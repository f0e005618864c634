/** SchedulingGates: a pod with spec.schedulingGates waits outside the active queue. */
import type { Plugin } from '../../framework/interface.js';
import { unresolvable } from '../../framework/status.js';
import { SCHEDULING_GATES } from '../names/names.js';

export const NAME = SCHEDULING_GATES;

export function newSchedulingGates(): Plugin {
  return {
    name: NAME,
    preEnqueue(pod) {
      const gates = pod.spec?.schedulingGates ?? [];
      if (gates.length === 0) return undefined;
      return unresolvable(`waiting for scheduling gates: [${gates.map((g) => g.name).join(' ')}]`);
    },
  };
}
