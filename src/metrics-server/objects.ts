/**
 * metrics.k8s.io/v1beta1 objects as metrics-server writes them: NodeMetrics
 * (`usage`) and PodMetrics (`containers[].usage`), CPU in canonical decimal
 * quantities from nanocores, memory in binary ones from bytes, `window` as a
 * Go duration, labels copied from the node or pod, creationTimestamp now.
 * @module
 */
import type { KObject } from '../api/index.js';

export const METRICS_API_VERSION = 'metrics.k8s.io/v1beta1';

/** RFC 3339 seconds; the last few answers are kept (a list formats the same instants over and over). */
const isoCache = new Map<number, string>();
function iso(ms: number): string {
  const sec = Math.floor(ms / 1000);
  let v = isoCache.get(sec);
  if (v === undefined) {
    if (isoCache.size > 64) isoCache.clear();
    isoCache.set(sec, (v = new Date(sec * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z')));
  }
  return v;
}

/** Nanocores as a canonical DecimalSI quantity: the largest suffix that keeps an integer (`250m`, `1234567n`, `2`). */
export function cpuQuantity(nanoCores: number): string {
  const n = Math.max(0, Math.round(nanoCores));
  if (n === 0) return '0';
  for (const [div, suffix] of [[1e12, 'k'], [1e9, ''], [1e6, 'm'], [1e3, 'u']] as const) if (n % div === 0) return `${n / div}${suffix}`;
  return `${n}n`;
}
/** Bytes with the largest binary suffix that divides them exactly (`34Mi`, `12289`), as a BinarySI Quantity prints. */
export function memoryQuantity(bytes: number): string {
  let v = BigInt(Math.max(0, Math.round(bytes)));
  if (v === 0n) return '0';
  let i = 0;
  while (i < 6 && v % 1024n === 0n) (v /= 1024n), i++;
  return `${v}${['', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei'][i]}`;
}

/** Go's time.Duration String() for a non-negative duration: `15s`, `1.5s`, `2m0.25s`, `1h0m0s`, `500ms`. */
export function goDuration(ms: number): string {
  const ns = Math.round(ms * 1e6);
  if (ns === 0) return '0s';
  if (ns < 1e6) return ns < 1e3 ? `${ns}ns` : `${trim(ns / 1e3)}µs`;
  if (ns < 1e9) return `${trim(ns / 1e6)}ms`;
  const totalS = ns / 1e9;
  const h = Math.floor(totalS / 3600);
  const m = Math.floor((totalS - h * 3600) / 60);
  const s = trim(totalS - h * 3600 - m * 60);
  if (h) return `${h}h${m}m${s}s`;
  if (m) return `${m}m${s}s`;
  return `${s}s`;
}
const trim = (v: number): string => String(Number(v.toFixed(9)));

export interface UsageValues {
  timestampMs: number;
  windowMs: number;
  nanoCores: number;
  memoryBytes: number;
}

const meta = (o: KObject, now: number) => ({
  name: o.metadata.name,
  ...(o.metadata.namespace ? { namespace: o.metadata.namespace } : {}),
  creationTimestamp: iso(now),
  ...(o.metadata.labels ? { labels: o.metadata.labels } : {}),
});

export function nodeMetrics(node: KObject, u: UsageValues, now: number): KObject {
  return {
    kind: 'NodeMetrics',
    apiVersion: METRICS_API_VERSION,
    metadata: meta(node, now),
    timestamp: iso(u.timestampMs),
    window: goDuration(u.windowMs),
    usage: { cpu: cpuQuantity(u.nanoCores), memory: memoryQuantity(u.memoryBytes) },
  } as KObject;
}

export function podMetrics(pod: KObject, containers: Array<{ name: string; usage: UsageValues }>, now: number): KObject {
  // The pod's timestamp and window: its newest reading and the narrowest window (metrics-server's own choice).
  const ts = Math.max(...containers.map((c) => c.usage.timestampMs));
  const win = Math.min(...containers.map((c) => c.usage.windowMs));
  return {
    kind: 'PodMetrics',
    apiVersion: METRICS_API_VERSION,
    metadata: meta(pod, now),
    timestamp: iso(ts),
    window: goDuration(win),
    containers: containers.map((c) => ({ name: c.name, usage: { cpu: cpuQuantity(c.usage.nanoCores), memory: memoryQuantity(c.usage.memoryBytes) } })),
  } as KObject;
}
