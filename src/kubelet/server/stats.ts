/** `/stats/summary`: the Summary API's shape (stats/v1alpha1), filled with what the agent knows without cAdvisor. */
import { freemem, totalmem, loadavg } from 'node:os';
import type { Pod } from '../types.js';

const iso = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

export function statsSummary(nodeName: string, startedMs: number, pods: Pod[], now = Date.now()): Record<string, unknown> {
  const time = iso(now);
  const total = totalmem();
  const free = freemem();
  const mem = process.memoryUsage();
  return {
    node: {
      nodeName,
      startTime: iso(startedMs),
      cpu: { time, usageNanoCores: Math.round((loadavg()[0] ?? 0) * 1e9) },
      memory: { time, availableBytes: free, usageBytes: total - free, workingSetBytes: total - free },
      systemContainers: [{ name: 'kubelet', startTime: iso(startedMs), memory: { time, usageBytes: mem.rss, workingSetBytes: mem.rss, rssBytes: mem.rss } }],
    },
    pods: pods.map((p) => ({
      podRef: { name: p.metadata.name, namespace: p.metadata.namespace, uid: p.metadata.uid },
      startTime: p.status?.startTime,
      containers: (p.status?.containerStatuses ?? []).map((c) => ({ name: c.name, startTime: (c.state && 'running' in c.state ? c.state.running.startedAt : undefined) ?? p.status?.startTime })),
    })),
  };
}
