/**
 * Simulated resource usage, read from a pod's annotations: `sim.k8ts.io/cpu-usage`
 * and `sim.k8ts.io/memory-usage` for the whole pod, or `…-usage.<container>` per
 * container. A pod-level value is shared evenly by the containers without their
 * own; an unparsable value counts as none. Read by the sim kubelet's
 * `/metrics/resource` and by the metrics-server for nodes without a kubelet API.
 * @module
 */
import type { KObject } from './object.js';
import { quantityToMillis, quantityToNumber } from './quantity.js';

export const SIM_USAGE_PREFIX = 'sim.k8ts.io/';

export interface SimUsage {
  name: string;
  /** CPU in cores (0.25 = 250m). */
  cores: number;
  /** Memory working set in bytes. */
  bytes: number;
}

const parse = (v: string | undefined, f: (q: string) => number): number | undefined => {
  if (v === undefined) return undefined;
  try {
    const n = f(v);
    return Number.isFinite(n) && n >= 0 ? n : undefined;
  } catch {
    return undefined;
  }
};

/** Per-container usage from a pod's sim annotations, or undefined when it carries none (or has no containers). */
export function simContainerUsage(pod: KObject): SimUsage[] | undefined {
  const ann = pod.metadata.annotations ?? {};
  if (!Object.keys(ann).some((k) => k.startsWith(`${SIM_USAGE_PREFIX}cpu-usage`) || k.startsWith(`${SIM_USAGE_PREFIX}memory-usage`))) return undefined;
  const names = ((pod as { spec?: { containers?: Array<{ name: string }> } }).spec?.containers ?? []).map((c) => c.name);
  if (!names.length) return undefined;
  const share = (resource: 'cpu' | 'memory', f: (q: string) => number): number[] => {
    const own = names.map((n) => parse(ann[`${SIM_USAGE_PREFIX}${resource}-usage.${n}`], f));
    const whole = parse(ann[`${SIM_USAGE_PREFIX}${resource}-usage`], f);
    const without = own.filter((v) => v === undefined).length;
    return own.map((v) => v ?? (whole !== undefined && without ? whole / without : 0));
  };
  const cpu = share('cpu', (q) => quantityToMillis(q) / 1000);
  const mem = share('memory', quantityToNumber);
  return names.map((name, i) => ({ name, cores: cpu[i]!, bytes: mem[i]! }));
}
