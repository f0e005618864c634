/**
 * Simulated usage: the `sim.k8ts.io/cpu-usage` and `sim.k8ts.io/memory-usage`
 * annotations (whole pod), or `…-usage.<container>` per container — the same
 * annotations the HPA controller's sim source and the sim kubelet read. A
 * pod-level value is shared evenly by containers without their own. A pod
 * with no usage annotation has no metrics (as a pod not scraped yet).
 * @module
 */
import { SIM_USAGE_PREFIX, simContainerUsage, type KObject } from '../api/index.js';

export { SIM_USAGE_PREFIX };

export interface SimContainerUsage {
  name: string;
  nanoCores: number;
  memoryBytes: number;
}

/** Per-container usage from a pod's annotations (src/api/sim-usage.ts), in metrics-server's units, or undefined when it carries none. */
export function simPodUsage(pod: KObject): SimContainerUsage[] | undefined {
  return simContainerUsage(pod)?.map((c) => ({ name: c.name, nanoCores: Math.round(c.cores * 1e9), memoryBytes: Math.round(c.bytes) }));
}
