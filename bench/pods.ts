/**
 * `npm run bench:pods`: real-pod figures on containerd (not a test). Starts
 * `k8ts server --runtime cri` (its own containerd, a private bridge), imports
 * the busybox image, then
 *   1. creates BENCH_PODS (50) pods at BENCH_RATE (5) per second and reports
 *      create → Running p50/p99 (image present), observed through a watch, and
 *      the CPU the server, the agent and containerd spent per pod;
 *   2. tops the node up to BENCH_TOTAL (100) running pods and reports RSS and
 *      the idle CPU of the processes with that many pods.
 * Options:
 *   BENCH_TRACE=1        the agent logs each pod's steps (K8TS_TRACE_PODS=1) and
 *                        the figure comes with a per-step breakdown (p50/p99);
 *   BENCH_AGENT=process  the node runs as its own `k8ts agent --runtime cri`
 *                        process against `k8ts server --disable agent`, so the
 *                        agent's memory and CPU are measured alone;
 *   BENCH_AGENT_MAIN=F   its entry point (default src/cli/main.ts under tsx;
 *                        dist/cli/main.js measures the compiled agent);
 *   BENCH_AGENT_NODE_ARGS='…'  node flags for that process (default
 *                        --max-semi-space-size=2, as the `k8ts` launcher gives
 *                        the agent; e.g. add --cpu-prof --cpu-prof-dir=D).
 * Wall-clock figures move with the machine's load; CPU per pod much less.
 * Everything is removed afterwards.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '../src/client/index.js';
import { parseTraceLine } from '../src/kubelet/pod-trace.js';
import { startCriCluster } from '../test/support/containerd.js';
import { BUSYBOX_IMAGE } from '../test/support/images.js';

const N = Number(process.env.BENCH_PODS ?? 50);
const RATE = Number(process.env.BENCH_RATE ?? 5);
const TOTAL = Number(process.env.BENCH_TOTAL ?? 100);
const TRACE = process.env.BENCH_TRACE === '1';
const SEPARATE = process.env.BENCH_AGENT === 'process';
const pct = (xs: number[], p: number): number => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))] ?? NaN;
const now = (): number => performance.timeOrigin + performance.now();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const TICK = 100; // USER_HZ

function rssMb(pid: number): number {
  try {
    return Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
  } catch {
    return NaN;
  }
}

/** Anonymous (heap, V8 spaces) vs file-backed (code, mapped libraries) resident memory. */
function smaps(pid: number): string {
  try {
    const t = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
    const kb = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+) kB`, 'm').exec(t)?.[1] ?? 0) / 1024;
    return `anonymous ${kb('Anonymous').toFixed(0)} MB, file ${(kb('Rss') - kb('Anonymous')).toFixed(0)} MB`;
  } catch {
    return 'no smaps';
  }
}

/** utime + stime of a process and its reaped children (containerd's CNI plugins, a shim's runc) in ms (0 when gone). */
function cpuMs(pid: number): number {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return ((Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) * 1000) / TICK;
  } catch {
    return 0;
  }
}

/** The live containerd-shim processes of this containerd (their CPU is containerd's work too). */
function shimPids(socket: string): number[] {
  const out: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const cmd = readFileSync(`/proc/${d}/cmdline`, 'utf8');
      if (cmd.startsWith('/usr/bin/containerd-shim') || cmd.includes('containerd-shim-runc')) if (cmd.includes(socket)) out.push(Number(d));
    } catch {
      /* gone */
    }
  }
  return out;
}

interface BenchPod {
  metadata: { name: string; resourceVersion?: string };
  spec?: { nodeName?: string };
  status?: { phase?: string };
}

const c = await startCriCluster([], {
  env: TRACE ? { K8TS_TRACE_PODS: '1' } : undefined,
  separateAgent: SEPARATE,
  agentMain: process.env.BENCH_AGENT_MAIN,
  agentNodeArgs: (process.env.BENCH_AGENT_NODE_ARGS ?? '--max-semi-space-size=2').split(' ').filter(Boolean),
});
const pki = join(c.s.dataDir, 'pki');
const client = new Client({ server: c.s.url, caPem: readFileSync(join(pki, 'ca.crt'), 'utf8'), certPem: readFileSync(join(pki, 'admin.crt'), 'utf8'), keyPem: readFileSync(join(pki, 'admin.key'), 'utf8'), qps: -1 });
const pods = client.resource<{ apiVersion: string; kind: string; metadata: { name: string }; spec: unknown }>('pods', 'default');
const podSpec = (name: string) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, labels: { bench: 'pods' } },
  spec: { terminationGracePeriodSeconds: 0, containers: [{ name: 'c', image: BUSYBOX_IMAGE, command: ['sleep', '86400'] }] },
});

// One watch sees every pod bound and Running the moment the server says so (a list every 50 ms cost the server more
// CPU than the pods did and quantised the figure).
const created = new Map<string, number>();
const bound = new Map<string, number>();
const running = new Map<string, number>();
const watching = new AbortController();
const watchLoop = (async () => {
  let rv = (await pods.list({ labelSelector: 'bench=pods', limit: 1 })).metadata.resourceVersion;
  while (!watching.signal.aborted) {
    try {
      const w = await pods.watch({ labelSelector: 'bench=pods', resourceVersion: rv, allowWatchBookmarks: true, signal: watching.signal });
      for await (const e of w) {
        const t = now();
        const p = e.object as unknown as BenchPod;
        rv = p.metadata.resourceVersion ?? rv;
        if (e.type === 'BOOKMARK' || e.type === 'DELETED') continue;
        if (p.spec?.nodeName && !bound.has(p.metadata.name)) bound.set(p.metadata.name, t);
        if (p.status?.phase === 'Running' && !running.has(p.metadata.name)) running.set(p.metadata.name, t);
      }
    } catch (e) {
      if (!watching.signal.aborted) console.error(`watch: ${(e as Error).message}`);
      await sleep(100);
    }
  }
})();

async function createAndWait(names: string[], rate: number): Promise<number[]> {
  for (const n of names) {
    const t = now();
    created.set(n, t);
    void pods.create(podSpec(n)).catch((e: Error) => console.error(`create ${n}: ${e.message}`));
    await sleep(Math.max(0, 1000 / rate - (now() - t)));
  }
  const deadline = Date.now() + 10 * 60_000;
  while (names.some((n) => !running.has(n)) && Date.now() < deadline) await sleep(20);
  return names.filter((n) => running.has(n)).map((n) => running.get(n)! - created.get(n)!);
}

const ctrdPid = Number(readFileSync(join(c.s.dataDir, 'agent/containerd/containerd.pid'), 'utf8'));
const serverPid = c.s.proc.pid!;
const agentPid = c.agent?.pid;
const cpuNow = () => ({ server: cpuMs(serverPid), agent: agentPid ? cpuMs(agentPid) : 0, containerd: cpuMs(ctrdPid), shims: shimPids(c.socket).reduce((a, p) => a + cpuMs(p), 0), bench: process.cpuUsage().user / 1000 + process.cpuUsage().system / 1000 });
const cpuDelta = (a: ReturnType<typeof cpuNow>, b: ReturnType<typeof cpuNow>, per: number) =>
  Object.entries(b)
    .filter(([k]) => k !== 'agent' || agentPid)
    .map(([k, v]) => `${k === 'server' && !agentPid ? 'server (incl. agent)' : k} ${((v - a[k as keyof typeof a]) / per).toFixed(1)}`)
    .join(', ');
const loadavg = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');

/** Per-step p50/p99 from the agent's `trace pod` lines plus the bench's own create and Running times. */
function breakdown(names: string[]): void {
  const traces = new Map<string, Map<string, number>>();
  for (const line of c.agentLog().split('\n')) {
    const t = parseTraceLine(line);
    if (t) traces.set(t.key.replace(/^default\//, ''), t.steps);
  }
  const steps: Array<[string, string, string]> = [
    ['create → bound (API + scheduler, seen by the bench)', 'create', 'bound'],
    ['create → agent informer sees it', 'create', 'seen'],
    ['seen → sync starts (queue)', 'seen', 'sync'],
    ['sync → RunPodSandbox called (network, ListPodSandbox)', 'sync', 'runSandbox'],
    ['RunPodSandbox (pause + netns + CNI)', 'runSandbox', 'sandbox'],
    ['  volumes set up (in parallel, from sync)', 'sync', 'volumes'],
    ['sandbox → image checked (PodSandboxStatus, volumes, ImageStatus)', 'sandbox', 'image'],
    ['image → env resolved', 'image', 'env'],
    ['CreateContainer', 'env', 'created'],
    ['StartContainer', 'created', 'started'],
    ['started → observed (ListContainers + ContainerStatus)', 'started', 'observed'],
    ['observed → status PATCH sent', 'observed', 'patch'],
    ['status PATCH', 'patch', 'patched'],
    ['patched → Running seen by the bench (watch)', 'patched', 'running'],
    ['total create → Running', 'create', 'running'],
  ];
  const rows: string[] = [];
  let complete = 0;
  for (const [label, from, to] of steps) {
    const xs: number[] = [];
    for (const n of names) {
      const tr = traces.get(n);
      const at = (k: string) => (k === 'create' ? created.get(n) : k === 'bound' ? bound.get(n) : k === 'running' ? running.get(n) : tr?.get(k));
      const a = at(from);
      const b = at(to);
      if (a !== undefined && b !== undefined) xs.push(b - a);
    }
    if (label.startsWith('total')) complete = xs.length;
    rows.push(`  ${label.padEnd(66)} p50 ${pct(xs, 50).toFixed(0).padStart(5)} ms   p99 ${pct(xs, 99).toFixed(0).padStart(5)} ms   (${xs.length})`);
  }
  console.log(`breakdown (${traces.size} traced pods, ${complete} complete):\n${rows.join('\n')}`);
}

try {
  console.log(`load average before: ${loadavg()}; agent ${SEPARATE ? `in its own process (${process.env.BENCH_AGENT_MAIN ?? 'tsx'})` : 'inside k8ts server'}`);
  // Warm-up: the first sandbox ever creates the bridge.
  await createAndWait(['warm'], 1);
  const names = Array.from({ length: N }, (_, i) => `p${i}`);
  const c0 = cpuNow();
  const lat = await createAndWait(names, RATE);
  const c1 = cpuNow();
  console.log(`pod startup (create → Running, image present), ${lat.length}/${N} pods at ${RATE}/s: p50 ${pct(lat, 50).toFixed(0)} ms, p99 ${pct(lat, 99).toFixed(0)} ms, max ${Math.max(...lat).toFixed(0)} ms (load average ${loadavg()})`);
  console.log(`CPU ms per pod: ${cpuDelta(c0, c1, N)}`);
  if (TRACE) breakdown(names);
  const more = TOTAL - N - 1;
  if (more > 0) {
    const t0 = performance.now();
    const l2 = await createAndWait(Array.from({ length: more }, (_, i) => `q${i}`), 20);
    console.log(`${N + 1 + l2.length} pods running on one node (the last ${more} created at 20/s took ${((performance.now() - t0) / 1000).toFixed(1)} s; p50 ${pct(l2, 50).toFixed(0)} ms, p99 ${pct(l2, 99).toFixed(0)} ms)`);
  }
  await sleep(5_000);
  const i0 = cpuNow();
  await sleep(10_000);
  const i1 = cpuNow();
  console.log(`idle CPU with ${TOTAL} pods, ms per second: ${cpuDelta(i0, i1, 10)}`);
  const agentRss = agentPid ? `; k8ts agent RSS ${rssMb(agentPid).toFixed(0)} MB (${smaps(agentPid)})` : '';
  console.log(`memory with ${TOTAL} pods: k8ts server process (${agentPid ? 'API server + controllers + scheduler' : 'API server + controllers + scheduler + node agent'}) RSS ${rssMb(serverPid).toFixed(0)} MB${agentRss}; containerd RSS ${rssMb(ctrdPid).toFixed(0)} MB`);
  const sandboxes = await c.cri.listSandboxes();
  console.log(`containerd holds ${sandboxes.filter((s) => s.state === 'SANDBOX_READY').length} ready sandboxes`);
} finally {
  const t0 = performance.now();
  watching.abort();
  await pods.deleteCollection({ labelSelector: 'bench=pods', gracePeriodSeconds: 0 }).catch(() => undefined);
  await watchLoop.catch(() => undefined);
  await client.close();
  await c.stop();
  console.log(`clean-up ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}
