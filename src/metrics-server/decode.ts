/**
 * A kubelet's `/metrics/resource` as points (metrics-server's decode step):
 * node_cpu_usage_seconds_total / node_memory_working_set_bytes for the node,
 * container_cpu_usage_seconds_total / container_memory_working_set_bytes /
 * container_start_time_seconds per (namespace, pod, container). A series
 * without both CPU and memory is dropped, as upstream drops it.
 * @module
 */
import type { Sample } from './prometheus.js';

/** A cumulative CPU counter and the working set at one instant. */
export interface Point {
  /** When the kubelet read the counters (ms since the epoch). */
  timestampMs: number;
  /** CPU time used since start, in core-seconds (a counter). */
  cpuSeconds: number;
  memoryBytes: number;
  /** When the counter started at zero (container start), if known. */
  startMs?: number;
}

export interface ContainerPoint extends Point {
  namespace: string;
  pod: string;
  container: string;
}

export interface NodeScrape {
  node?: Point;
  containers: ContainerPoint[];
}

interface Partial_ {
  ts?: number;
  cpu?: number;
  mem?: number;
  start?: number;
}

/** `now` stands in for samples without a timestamp. */
export function decodeResourceMetrics(samples: Sample[], now: number): NodeScrape {
  const node: Partial_ = {};
  const containers = new Map<string, Partial_ & { namespace: string; pod: string; container: string }>();
  const containerOf = (s: Sample) => {
    const { namespace = '', pod = '', container = '' } = s.labels;
    if (!namespace || !pod || !container) return undefined;
    const key = `${namespace}/${pod}/${container}`;
    let c = containers.get(key);
    if (!c) containers.set(key, (c = { namespace, pod, container }));
    return c;
  };
  for (const s of samples) {
    if (!Number.isFinite(s.value) || s.value < 0) continue;
    const ts = s.timestampMs ?? now;
    switch (s.name) {
      case 'node_cpu_usage_seconds_total':
        node.cpu = s.value;
        node.ts = Math.max(node.ts ?? 0, ts);
        break;
      case 'node_memory_working_set_bytes':
        node.mem = s.value;
        node.ts = Math.max(node.ts ?? 0, ts);
        break;
      case 'container_cpu_usage_seconds_total': {
        const c = containerOf(s);
        if (c) (c.cpu = s.value), (c.ts = Math.max(c.ts ?? 0, ts));
        break;
      }
      case 'container_memory_working_set_bytes': {
        const c = containerOf(s);
        if (c) (c.mem = s.value), (c.ts = Math.max(c.ts ?? 0, ts));
        break;
      }
      case 'container_start_time_seconds': {
        const c = containerOf(s);
        if (c) c.start = s.value * 1000;
        break;
      }
    }
  }
  const out: NodeScrape = { containers: [] };
  if (node.cpu !== undefined && node.mem !== undefined) out.node = { timestampMs: node.ts ?? now, cpuSeconds: node.cpu, memoryBytes: node.mem };
  for (const c of containers.values()) {
    if (c.cpu === undefined || c.mem === undefined) continue;
    out.containers.push({ namespace: c.namespace, pod: c.pod, container: c.container, timestampMs: c.ts ?? now, cpuSeconds: c.cpu, memoryBytes: c.mem, ...(c.start !== undefined ? { startMs: c.start } : {}) });
  }
  return out;
}
