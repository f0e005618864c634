/**
 * Simulated usage: the `sim.k8ts.io/cpu-usage` and `sim.k8ts.io/memory-usage`
 * annotations (whole pod), or `…-usage.<container>` per container — the same
 * annotations the HPA controller's sim source and the sim kubelet read. A
 * pod-level value is shared evenly by containers without their own. A pod
 * with no usage annotation has no metrics (as a pod not scraped yet).
 * @module
 */
import { quantity, type KObject } from '../api/index.js';

export const SIM_USAGE_PREFIX = 'sim.k8ts.io/';

export interface SimContainerUsage {
  name: string;
  nanoCores: number;
  memoryBytes: number;
}

const parse = (v: string | undefined, f: (q: string) => number): number | undefined => {
  if (v === undefined) return undefined;
  try {
    const n = f(v);
    return Number.isFinite(n) && n >= 0 ? n : undefined;
  } catch {
    return undefined; // an unparsable annotation is a missing metric
  }
};
const cores = (q: string) => quantity.quantityToMillis(q) * 1e6;
const bytes = (q: string) => quantity.quantityToNumber(q);

/** Per-container usage from a pod's annotations, or undefined when it carries none. */
export function simPodUsage(pod: KObject): SimContainerUsage[] | undefined {
  const ann = pod.metadata.annotations ?? {};
  if (!Object.keys(ann).some((k) => k.startsWith(`${SIM_USAGE_PREFIX}cpu-usage`) || k.startsWith(`${SIM_USAGE_PREFIX}memory-usage`))) return undefined;
  const spec = (pod as { spec?: { containers?: Array<{ name: string }> } }).spec;
  const names = (spec?.containers ?? []).map((c) => c.name);
  if (!names.length) return undefined;
  const share = (resource: 'cpu' | 'memory', f: (q: string) => number): number[] => {
    const own = names.map((n) => parse(ann[`${SIM_USAGE_PREFIX}${resource}-usage.${n}`], f));
    const whole = parse(ann[`${SIM_USAGE_PREFIX}${resource}-usage`], f);
    const without = own.filter((v) => v === undefined).length;
    return own.map((v) => v ?? (whole !== undefined && without ? whole / without : 0));
  };
  const cpu = share('cpu', cores);
  const mem = share('memory', bytes);
  return names.map((name, i) => ({ name, nanoCores: Math.round(cpu[i]!), memoryBytes: Math.round(mem[i]!) }));
}
