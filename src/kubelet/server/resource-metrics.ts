/**
 * `/metrics/resource`: the kubelet's resource metrics endpoint, upstream's
 * metric names in Prometheus text (what metrics-server scrapes).
 *
 * - node: CPU time from /proc/stat (all CPUs, everything but idle and iowait)
 *   and working set as MemTotal − MemAvailable from /proc/meminfo (cAdvisor
 *   reads the root cgroup; on a dedicated node the two agree closely).
 * - containers: the runtime's counters (cri: ListContainerStats), only for
 *   containers the pod's status names as its current ones; pod series are
 *   their sums. A runtime without counters (sim) reports its pods'
 *   `sim.k8ts.io/cpu-usage` / `memory-usage` annotations, integrated into a
 *   CPU counter so a rate between two scrapes gives the annotated value back.
 * @module
 */
import { readFileSync } from 'node:fs';
import { simContainerUsage, type KObject } from '../../api/index.js';
import type { ContainerStatsSample, Runtime } from '../runtime.js';
import type { Pod } from '../types.js';

const USER_HZ = 100;

export interface NodeUsage {
  cpuSeconds: number;
  memoryWorkingSetBytes: number;
  timestampMs: number;
}

/** /proc/stat's aggregate `cpu` line as busy core-seconds, and /proc/meminfo's MemTotal − MemAvailable. */
export function readNodeUsage(stat = '/proc/stat', meminfo = '/proc/meminfo', now = Date.now()): NodeUsage | undefined {
  try {
    const line = readFileSync(stat, 'utf8').split('\n').find((l) => l.startsWith('cpu '));
    const f = (line ?? '').trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal (guest time is already in user)
    const busy = (f[0] ?? 0) + (f[1] ?? 0) + (f[2] ?? 0) + (f[5] ?? 0) + (f[6] ?? 0) + (f[7] ?? 0);
    const mem = readFileSync(meminfo, 'utf8');
    const kb = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+)`, 'm').exec(mem)?.[1] ?? NaN);
    const ws = (kb('MemTotal') - kb('MemAvailable')) * 1024;
    if (!line || !Number.isFinite(ws)) return undefined;
    return { cpuSeconds: busy / USER_HZ, memoryWorkingSetBytes: ws, timestampMs: now };
  } catch {
    return undefined;
  }
}

/** Per-container (cores, bytes) from a pod's sim annotations (src/api/sim-usage.ts). */
export function simAnnotatedUsage(pod: Pod): Array<{ name: string; cores: number; bytes: number }> | undefined {
  return simContainerUsage(pod as unknown as KObject);
}

const startedAt = (pod: Pod, container: string): number | undefined => {
  const st = pod.status?.containerStatuses?.find((c) => c.name === container);
  const s = st?.state && 'running' in st.state ? st.state.running.startedAt : undefined;
  const t = s ? Date.parse(s) : NaN;
  return Number.isFinite(t) ? t : undefined;
};

const isRunning = (p: Pod) => p.status?.phase === 'Running';

/** Integrates simulated usage into CPU counters, per container (monotonic even when an annotation changes). */
export class SimCounters {
  private readonly counters = new Map<string, { cpuSeconds: number; at: number }>();

  samples(pods: Pod[], now = Date.now()): ContainerStatsSample[] {
    const out: ContainerStatsSample[] = [];
    const seen = new Set<string>();
    for (const p of pods) {
      if (!isRunning(p)) continue;
      const usage = simAnnotatedUsage(p);
      if (!usage) continue;
      for (const c of usage) {
        const key = `${p.metadata.uid ?? ''}/${c.name}`;
        seen.add(key);
        const prev = this.counters.get(key);
        // First sight: as if the usage had been constant since the container started.
        const cpuSeconds = prev ? prev.cpuSeconds + (c.cores * Math.max(0, now - prev.at)) / 1000 : (c.cores * Math.max(0, now - (startedAt(p, c.name) ?? now))) / 1000;
        this.counters.set(key, { cpuSeconds, at: now });
        out.push({ namespace: p.metadata.namespace ?? '', pod: p.metadata.name ?? '', container: c.name, cpuSeconds, memoryWorkingSetBytes: c.bytes, timestampMs: now });
      }
    }
    for (const k of this.counters.keys()) if (!seen.has(k)) this.counters.delete(k);
    return out;
  }
}

const esc = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
const num = (v: number) => (Number.isInteger(v) ? String(v) : String(Number(v.toFixed(9))));

/** The exposition text. */
export function formatResourceMetrics(node: NodeUsage | undefined, containers: ContainerStatsSample[], starts: Map<string, number>, scrapeError: boolean): string {
  const lines: string[] = [];
  const family = (name: string, type: string, help: string, rows: string[]) => {
    lines.push(`# HELP ${name} [STABLE] ${help}`, `# TYPE ${name} ${type}`, ...rows);
  };
  const cl = (c: ContainerStatsSample) => `{container="${esc(c.container)}",namespace="${esc(c.namespace)}",pod="${esc(c.pod)}"}`;
  family('container_cpu_usage_seconds_total', 'counter', 'Cumulative cpu time consumed by the container in core-seconds', containers.map((c) => `container_cpu_usage_seconds_total${cl(c)} ${num(c.cpuSeconds)} ${Math.round(c.timestampMs)}`));
  family('container_memory_working_set_bytes', 'gauge', 'Current working set of the container in bytes', containers.map((c) => `container_memory_working_set_bytes${cl(c)} ${num(c.memoryWorkingSetBytes)} ${Math.round(c.timestampMs)}`));
  family('container_start_time_seconds', 'gauge', 'Start time of the container since unix epoch in seconds', containers.flatMap((c) => {
    const s = starts.get(`${c.namespace}/${c.pod}/${c.container}`);
    return s === undefined ? [] : [`container_start_time_seconds${cl(c)} ${num(s / 1000)} ${Math.round(c.timestampMs)}`];
  }));
  if (node) {
    family('node_cpu_usage_seconds_total', 'counter', 'Cumulative cpu time consumed by the node in core-seconds', [`node_cpu_usage_seconds_total ${num(node.cpuSeconds)} ${Math.round(node.timestampMs)}`]);
    family('node_memory_working_set_bytes', 'gauge', 'Current working set of the node in bytes', [`node_memory_working_set_bytes ${num(node.memoryWorkingSetBytes)} ${Math.round(node.timestampMs)}`]);
  }
  const pods = new Map<string, { namespace: string; pod: string; cpu: number; mem: number; ts: number }>();
  for (const c of containers) {
    const k = `${c.namespace}/${c.pod}`;
    const p = pods.get(k) ?? { namespace: c.namespace, pod: c.pod, cpu: 0, mem: 0, ts: 0 };
    p.cpu += c.cpuSeconds;
    p.mem += c.memoryWorkingSetBytes;
    p.ts = Math.max(p.ts, c.timestampMs);
    pods.set(k, p);
  }
  const pl = (p: { namespace: string; pod: string }) => `{namespace="${esc(p.namespace)}",pod="${esc(p.pod)}"}`;
  family('pod_cpu_usage_seconds_total', 'counter', 'Cumulative cpu time consumed by the pod in core-seconds', [...pods.values()].map((p) => `pod_cpu_usage_seconds_total${pl(p)} ${num(p.cpu)} ${Math.round(p.ts)}`));
  family('pod_memory_working_set_bytes', 'gauge', 'Current working set of the pod in bytes', [...pods.values()].map((p) => `pod_memory_working_set_bytes${pl(p)} ${num(p.mem)} ${Math.round(p.ts)}`));
  family('scrape_error', 'gauge', '1 if there was an error while getting container metrics, 0 otherwise', [`scrape_error ${scrapeError ? 1 : 0}`]);
  return `${lines.join('\n')}\n`;
}

/** Everything for one request: the runtime's counters (or the sim annotations) for this node's current containers. */
export async function resourceMetricsText(runtime: Runtime | undefined, pods: Pod[], sim: SimCounters): Promise<string> {
  const starts = new Map<string, number>();
  const current = new Map<string, Pod>();
  for (const p of pods) {
    if (!isRunning(p)) continue;
    current.set(`${p.metadata.namespace}/${p.metadata.name}`, p);
    for (const c of p.status?.containerStatuses ?? []) {
      const s = startedAt(p, c.name);
      if (s !== undefined) starts.set(`${p.metadata.namespace}/${p.metadata.name}/${c.name}`, s);
    }
  }
  let containers: ContainerStatsSample[] = [];
  let scrapeError = false;
  if (runtime?.containerStats) {
    try {
      containers = (await runtime.containerStats()).filter((c) => {
        const p = current.get(`${c.namespace}/${c.pod}`);
        const st = p?.status?.containerStatuses?.find((s) => s.name === c.container);
        // Only the container instance the pod's status names (an exited earlier instance is not the pod's usage).
        return !!st && (!c.id || !st.containerID || st.containerID.endsWith(`://${c.id}`));
      });
    } catch {
      scrapeError = true;
    }
  } else containers = sim.samples([...current.values()]);
  return formatResourceMetrics(readNodeUsage(), containers, starts, scrapeError);
}
