/**
 * `node --import tsx bench/metrics-server.ts`: metrics-server figures (not a
 * test), CPU time per operation (process.cpuUsage, so other load on the
 * machine inflates it little): one kubelet's /metrics/resource body parsed
 * and decoded (110 pods × 2 containers), one scrape round stored for 100 such
 * nodes (22,000 series), and 10,000 PodMetrics objects built for a list.
 */
import { decodeResourceMetrics, MetricsStorage, parsePrometheusText, type NodeScrape } from '../src/metrics-server/index.js';
import { podMetrics } from '../src/metrics-server/objects.js';

const PODS_PER_NODE = 110;
const NODES = Number(process.env.BENCH_NODES ?? 100);

function cpuMs<T>(fn: () => T): { ms: number; value: T } {
  const c0 = process.cpuUsage();
  const value = fn();
  const c = process.cpuUsage(c0);
  return { ms: (c.user + c.system) / 1000, value };
}

function body(t: number, node: number): string {
  const lines = [`node_cpu_usage_seconds_total ${t / 100} ${t}`, `node_memory_working_set_bytes ${2 ** 31} ${t}`];
  for (let p = 0; p < PODS_PER_NODE; p++) {
    for (const c of ['app', 'sidecar']) {
      const l = `{container="${c}",namespace="ns-${node % 10}",pod="pod-${node}-${p}"}`;
      lines.push(`container_cpu_usage_seconds_total${l} ${(t / 1000) * 0.01 * (p + 1)} ${t}`, `container_memory_working_set_bytes${l} ${1_048_576 * (p + 1)} ${t}`, `container_start_time_seconds${l} 1 ${t}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

const text = body(1_700_000_000_000, 0);
const REPS = 200;
const parse = cpuMs(() => {
  let n = 0;
  for (let i = 0; i < REPS; i++) n += decodeResourceMetrics(parsePrometheusText(text), 0).containers.length;
  return n;
});
console.log(`parse+decode one kubelet body (${PODS_PER_NODE * 2} containers, ${(text.length / 1024).toFixed(0)} KiB): ${((parse.ms / REPS) * 1000).toFixed(0)} µs CPU`);

const storage = new MetricsStorage();
const rounds: Array<Map<string, NodeScrape>> = [0, 15_000].map((dt) => new Map(Array.from({ length: NODES }, (_, n) => [`node-${n}`, decodeResourceMetrics(parsePrometheusText(body(1_700_000_000_000 + dt, n)), 0)] as const)));
const stores = rounds.map((r) => cpuMs(() => storage.store(r)).ms);
console.log(`store one round of ${NODES} nodes (${NODES * PODS_PER_NODE * 2} container series): ${stores.map((m) => m.toFixed(1)).join(' / ')} ms CPU (first / second)`);

const keys = storage.podKeys().slice(0, 10_000);
const build = cpuMs(() => keys.map((k) => {
  const [ns, name] = k.split('/') as [string, string];
  const u = storage.podUsage(ns, name)!;
  return podMetrics({ metadata: { name, namespace: ns, labels: { app: 'x' } } }, u.containers, Date.now());
}));
const json = cpuMs(() => JSON.stringify({ items: build.value }).length);
console.log(`${keys.length} PodMetrics built: ${build.ms.toFixed(1)} ms CPU, serialised (${(json.value / 1e6).toFixed(1)} MB): ${json.ms.toFixed(1)} ms CPU`);
