/** Pod resource requests as upstream's resourcehelper computes them (containers, init containers, sidecars, overhead). */
import { quantity } from '../../api/index.js';
import type { Container, Pod } from './types.js';

/** Resource name → amount; `cpu` in millicores, everything else in base units (bytes, counts). */
export type Resources = Record<string, number>;

export const CPU = 'cpu';
export const MEMORY = 'memory';
export const PODS = 'pods';
export const EPHEMERAL_STORAGE = 'ephemeral-storage';
/** Scoring defaults for a container that requests nothing (upstream DefaultMilliCPURequest / DefaultMemoryRequest). */
export const DEFAULT_MILLI_CPU = 100;
export const DEFAULT_MEMORY = 200 * 1024 * 1024;

/**
 * Parsed quantities by text ('m' + text for millicores): the same few strings
 * ("100m", "128Mi") come back for every pod, and a pod's requests are read
 * several times per cycle (Filter, Score, assume, the informer's copy).
 */
const parsed = new Map<string, number | null>();

function parseQuantity(k: string, v: string): number | null {
  const key = k === CPU ? 'm' + v : v;
  let n = parsed.get(key);
  if (n === undefined) {
    try {
      n = k === CPU ? quantity.quantityToMillis(v) : quantity.quantityToNumber(v);
    } catch {
      n = null; // an unparsable quantity was rejected by validation; ignore it here
    }
    if (parsed.size >= 4096) parsed.clear();
    parsed.set(key, n);
  }
  return n;
}

export function parseResources(list: Record<string, string> | undefined): Resources {
  const out: Resources = {};
  if (!list) return out;
  for (const k in list) {
    if (!Object.hasOwn(list, k)) continue;
    const v = list[k] as unknown;
    const n = typeof v === 'string' ? parseQuantity(k, v) : parseQuantity(k, String(v));
    if (n !== null) out[k] = n;
  }
  return out;
}

// for…in over these own-property records (no Object.entries arrays: this runs for every pod several times).
export function addTo(into: Resources, r: Resources, sign = 1): void {
  for (const k in r) into[k] = (into[k] ?? 0) + sign * r[k]!;
}

function maxInto(into: Resources, r: Resources): void {
  for (const k in r) if (r[k]! > (into[k] ?? 0)) into[k] = r[k]!;
}

const isSidecar = (c: Container): boolean => c.restartPolicy === 'Always';

function containerRequests(c: Container, nonZero: boolean): Resources {
  const r = parseResources(c.resources?.requests);
  // Requests default to limits (API defaulting), in case the object skipped defaulting.
  const limits = c.resources?.limits;
  if (limits) {
    const lim = parseResources(limits);
    for (const k in lim) if (r[k] === undefined) r[k] = lim[k]!;
  }
  if (nonZero) {
    if (!r[CPU]) r[CPU] = DEFAULT_MILLI_CPU;
    if (!r[MEMORY]) r[MEMORY] = DEFAULT_MEMORY;
  }
  return r;
}

/** Effective requests: max(app containers + sidecars, each init step) + overhead. `nonZero` applies scoring defaults. */
export function podRequests(pod: Pod, nonZero = false): Resources {
  const spec = pod.spec ?? {};
  const reqs: Resources = {};
  for (const c of spec.containers ?? []) addTo(reqs, containerRequests(c, nonZero));
  const sidecars: Resources = {};
  const initMax: Resources = {};
  for (const c of spec.initContainers ?? []) {
    const r = containerRequests(c, nonZero);
    if (isSidecar(c)) {
      addTo(reqs, r);
      addTo(sidecars, r);
      maxInto(initMax, sidecars);
    } else {
      const step: Resources = { ...sidecars };
      addTo(step, r);
      maxInto(initMax, step);
    }
  }
  maxInto(reqs, initMax);
  if (spec.overhead) addTo(reqs, parseResources(spec.overhead));
  return reqs;
}
