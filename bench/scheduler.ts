/**
 * `npm run bench:scheduler`: scheduler throughput shaped like upstream's
 * scheduler_perf 5000Nodes workloads (not a test).
 * Starts `k8ts server` (SQLite) as a child process without its own scheduler,
 * creates the nodes through the API (upstream node-default.yaml: 4 CPU, 32Gi,
 * 110 pods, Ready), and for each scenario, all through the API server:
 *  1. relabels the nodes' topology.kubernetes.io/zone as the scenario's
 *     labelNodePrepareStrategy does (PATCH per node; round-robin over the values,
 *     upstream picks one at random) or removes the label;
 *  2. creates the initial pods and schedules them with a fresh scheduler, stops it;
 *  3. creates the measured pods while no scheduler runs; starts a fresh
 *     scheduler (informers sync, as a restarted kube-scheduler) and times from
 *     caches-synced to the last successful POST pods/binding;
 *  4. deletes the scenario's pods (deletecollection, grace 0): upstream runs each
 *     workload on a fresh cluster.
 * Pods are upstream's templates (templates/*.yaml): one `pause` container with
 * port 80 and requests = limits = cpu 100m, memory 500Mi.
 *  - basic (SchedulingBasic/5000Nodes): no zone label; 1,000 init + 1,000 measured pod-default.
 *  - node affinity (SchedulingNodeAffinity/5000Nodes): every node zone=zone1; 5,000 init +
 *    1,000 measured pod-with-node-affinity (required: zone In [zone1, zone2]), both sets too.
 *  - pod anti-affinity (SchedulingPodAntiAffinity/5000Nodes): no zone label; 1,000 init in
 *    sched-0 + 1,000 measured in sched-1, pod-with-pod-anti-affinity (label color=green,
 *    required anti-affinity color=green on kubernetes.io/hostname, namespaces [sched-1, sched-0]).
 *  - pod affinity (SchedulingPodAffinity/5000Nodes): every node zone=zone1; 5,000 init in sched-0
 *    + 1,000 measured in sched-1, pod-with-pod-affinity (label color=blue, required affinity
 *    color=blue on topology.kubernetes.io/zone, namespaces [sched-1, sched-0]).
 *  - topology spreading (TopologySpreading/5000Nodes): zones moon-1/2/3; 5,000 init pod-default
 *    + 2,000 measured pod-with-topology-spreading (color=blue, maxSkew 5 on zone, DoNotSchedule).
 *  - topology spreading (k8ts: 10 zones, maxSkew 1): the harsher scenario k8ts reported before,
 *    no upstream counterpart: zones zone-0..9; 500 init pods app=spread (no constraint) + 1,000
 *    measured app=spread with maxSkew 1 on zone, DoNotSchedule, same namespace, requests 10m/10Mi.
 * Namespaces: upstream's createPods without a namespace uses namespace-<op index>, so init and
 * measured pods of basic, node affinity and spreading are in two namespaces too; each scenario's
 * namespaces get a scenario prefix (s2-sched-0, …) and the templates' `namespaces` fields follow.
 * Env: BENCH_NODES (5000), BENCH_PODS (measured pods of a 1,000-pod scenario; the others
 * scale: spreading ×2, the k8ts spreading row ×1), BENCH_INIT (initial pods of a 1,000-pod
 * scenario; the 5,000-pod ones ×5, the k8ts spreading row ×0.5); both default to 1,000 ×
 * BENCH_NODES/5000 below 5,000 nodes (anti-affinity needs a node per pod), BENCH_DECISIONS=0 to skip
 * the decision annotation, BENCH_ONLY=<name part> to run some scenarios (`none`: only the
 * memory run),
 * BENCH_MEMORY_PODS=N (e.g. 50000): afterwards schedule N more plain pods with a
 * fresh scheduler and report its memory (heap after GC and RSS, minus the bench's
 * baseline before that scheduler started; run node with --expose-gc for exact heap),
 * BENCH_CPU_PROFILE=DIR: write a .cpuprofile of each measured run (scheduler side) and one of the server's whole run.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '../src/client/index.js';
import { readKubeconfig } from '../src/pki/index.js';
import { setupScheduler } from '../src/scheduler/index.js';

const root = new URL('../', import.meta.url).pathname;
const NODES = Number(process.env.BENCH_NODES ?? 5000);
/** Measured / initial pods of a scenario that has 1,000 of them upstream; the others scale (by default with BENCH_NODES below 5,000, so anti-affinity still fits). */
const NODE_SCALE = Math.min(1, NODES / 5000);
const PODS_UNIT = process.env.BENCH_PODS ? Number(process.env.BENCH_PODS) / 1000 : NODE_SCALE;
const INIT_UNIT = process.env.BENCH_INIT ? Number(process.env.BENCH_INIT) / 1000 : NODE_SCALE;
const DECISIONS = process.env.BENCH_DECISIONS !== '0';
const MEMORY_PODS = Number(process.env.BENCH_MEMORY_PODS ?? 0);
const PROFILE_DIR = process.env.BENCH_CPU_PROFILE;
const ZONE = 'topology.kubernetes.io/zone';

type Spec = Record<string, unknown>;
interface PodTemplate {
  labels: Record<string, string>;
  spec: Spec;
  /** Container requests (and limits); upstream's templates: cpu 100m, memory 500Mi. */
  requests?: Record<string, string>;
}
interface PodSet {
  count: number;
  /** Namespace suffix; the scenario's prefix is added. */
  ns: string;
  template: (ns: (s: string) => string) => PodTemplate;
}
interface Scenario {
  name: string;
  /** Upstream scheduler_perf workload this mirrors, and its threshold (pods/s) on upstream's CI machines. */
  upstream?: string;
  floor?: number;
  /** Values of topology.kubernetes.io/zone given to the nodes round-robin; undefined: no zone label. */
  zones?: string[];
  /** Only this many nodes are schedulable (the others cordoned through the API for the scenario); default all. */
  nodes?: number;
  init: PodSet;
  measured: PodSet;
}

const term = (labels: Record<string, string>, topologyKey: string, namespaces?: string[]) => ({ labelSelector: { matchLabels: labels }, topologyKey, ...(namespaces ? { namespaces } : {}) });
/** templates/pod-default.yaml */
const podDefault = (): PodTemplate => ({ labels: {}, spec: {} });
/** templates/pod-with-node-affinity.yaml */
const podWithNodeAffinity = (): PodTemplate => ({ labels: {}, spec: { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: ZONE, operator: 'In', values: ['zone1', 'zone2'] }] }] } } } } });
/** templates/pod-with-pod-anti-affinity.yaml (namespaces ["sched-1", "sched-0"]) */
const podWithPodAntiAffinity = (ns: (s: string) => string): PodTemplate => ({ labels: { color: 'green' }, spec: { affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term({ color: 'green' }, 'kubernetes.io/hostname', [ns('sched-1'), ns('sched-0')])] } } } });
/** templates/pod-with-pod-affinity.yaml (namespaces ["sched-1", "sched-0"]) */
const podWithPodAffinity = (ns: (s: string) => string): PodTemplate => ({ labels: { color: 'blue' }, spec: { affinity: { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term({ color: 'blue' }, ZONE, [ns('sched-1'), ns('sched-0')])] } } } });
/** templates/pod-low-priority.yaml: cpu 900m (4 fill a node), terminationGracePeriodSeconds 0. */
const podLowPriority = (): PodTemplate => ({ labels: {}, spec: { terminationGracePeriodSeconds: 0 }, requests: { cpu: '900m', memory: '500Mi' } });
/**
 * templates/pod-high-priority.yaml: cpu 3000m, priority 10 — here through a
 * PriorityClass of value 10, since the Priority admission plugin (on in k8ts,
 * as in a real cluster) refuses a bare spec.priority.
 */
const HIGH_PRIORITY_CLASS = 'bench-high-priority';
const podHighPriority = (): PodTemplate => ({ labels: {}, spec: { priorityClassName: HIGH_PRIORITY_CLASS }, requests: { cpu: '3000m', memory: '500Mi' } });
/** templates/pod-with-topology-spreading.yaml */
const podWithTopologySpreading = (): PodTemplate => ({ labels: { color: 'blue' }, spec: { topologySpreadConstraints: [{ maxSkew: 5, topologyKey: ZONE, whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { color: 'blue' } } }] } });

const n = (unit: number, upstream: number) => Math.max(1, Math.round(unit * upstream));
const ONLY = process.env.BENCH_ONLY;
const ALL_SCENARIOS: Scenario[] = [
  { name: 'basic', upstream: 'SchedulingBasic/5000Nodes', floor: 680, init: { count: n(INIT_UNIT, 1000), ns: 'namespace-1', template: podDefault }, measured: { count: n(PODS_UNIT, 1000), ns: 'namespace-2', template: podDefault } },
  { name: 'node affinity', upstream: 'SchedulingNodeAffinity/5000Nodes', floor: 220, zones: ['zone1'], init: { count: n(INIT_UNIT, 5000), ns: 'namespace-1', template: podWithNodeAffinity }, measured: { count: n(PODS_UNIT, 1000), ns: 'namespace-2', template: podWithNodeAffinity } },
  { name: 'pod anti-affinity', upstream: 'SchedulingPodAntiAffinity/5000Nodes', floor: 60, init: { count: n(INIT_UNIT, 1000), ns: 'sched-0', template: podWithPodAntiAffinity }, measured: { count: n(PODS_UNIT, 1000), ns: 'sched-1', template: podWithPodAntiAffinity } },
  { name: 'pod affinity', upstream: 'SchedulingPodAffinity/5000Nodes', floor: 35, zones: ['zone1'], init: { count: n(INIT_UNIT, 5000), ns: 'sched-0', template: podWithPodAffinity }, measured: { count: n(PODS_UNIT, 1000), ns: 'sched-1', template: podWithPodAffinity } },
  { name: 'topology spreading', upstream: 'TopologySpreading/5000Nodes', floor: 460, zones: ['moon-1', 'moon-2', 'moon-3'], init: { count: n(INIT_UNIT, 5000), ns: 'namespace-1', template: podDefault }, measured: { count: n(PODS_UNIT, 2000), ns: 'namespace-2', template: podWithTopologySpreading } },
  {
    name: 'topology spreading (k8ts: 10 zones, maxSkew 1)',
    zones: Array.from({ length: 10 }, (_, i) => `zone-${i}`),
    init: { count: n(INIT_UNIT, 500), ns: 'spread', template: () => ({ labels: { app: 'spread' }, spec: {}, requests: { cpu: '10m', memory: '10Mi' } }) },
    measured: { count: n(PODS_UNIT, 1000), ns: 'spread', template: () => ({ labels: { app: 'spread' }, spec: { topologySpreadConstraints: [{ maxSkew: 1, topologyKey: ZONE, whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { app: 'spread' } } }] }, requests: { cpu: '10m', memory: '10Mi' } }) },
  },
  // PreemptionBasic: upstream runs it on 500 nodes (its 5000Nodes variant is commented out there as always failing); the other nodes are cordoned.
  { name: 'preemption', upstream: 'PreemptionBasic/500Nodes', nodes: Math.min(NODES, 500), init: { count: n(Math.min(NODES, 500) / 500, 2000), ns: 'namespace-1', template: podLowPriority }, measured: { count: n(Math.min(NODES, 500) / 500, 500), ns: 'namespace-2', template: podHighPriority } },
];
const slug = (name: string) => name.replace(/[^a-z0-9]+/g, '-').replace(/-$/, '');
const SCENARIOS = ONLY ? ALL_SCENARIOS.filter((s) => s.name.includes(ONLY) || slug(s.name).includes(ONLY)) : ALL_SCENARIOS;

async function startK8ts(dir: string): Promise<{ stop: () => Promise<void>; pid: number }> {
  // With BENCH_CPU_PROFILE the server writes its own profile (its whole life) there too.
  const prof = PROFILE_DIR ? ['--cpu-prof', '--cpu-prof-dir', PROFILE_DIR, '--cpu-prof-interval', '500'] : [];
  const proc = spawn(process.execPath, [...prof, '--import', 'tsx', join(root, 'src/cli/main.ts'), 'server', '--data-dir', dir, '--https-listen-port', '0', '--bind-address', '127.0.0.1', '--disable', 'scheduler,controllers,agent'], { cwd: root, stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  await new Promise<void>((resolve, reject) => {
    proc.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
      if (/ready on https/.test(err)) resolve();
    });
    proc.on('exit', () => reject(new Error(err)));
  });
  return { pid: proc.pid!, stop: () => new Promise((r) => (proc.once('exit', () => r()), proc.kill('SIGTERM'))) };
}

async function inParallel<T>(items: T[], width: number, fn: (x: T) => Promise<unknown>): Promise<void> {
  let i = 0;
  await Promise.all(Array.from({ length: width }, async () => {
    while (i < items.length) await fn(items[i++]!);
  }));
}

const UPSTREAM_REQUESTS = { cpu: '100m', memory: '500Mi' };
const podObj = (name: string, p: PodTemplate) => {
  const res = p.requests ?? UPSTREAM_REQUESTS;
  const resources = p.requests ? { requests: res } : { requests: res, limits: res };
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, labels: p.labels },
    spec: { containers: [{ name: 'pause', image: 'registry.k8s.io/pause:3.10', ports: p.requests ? undefined : [{ containerPort: 80 }], resources }], ...p.spec },
  };
};

/** CPU ms (user+system) a process has used so far, from /proc (independent of other load on the machine). */
function procCpuMs(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return ((Number(f[11]) + Number(f[12])) * 1000) / 100;
}
const selfCpuMs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

/** Heap after a full GC when node runs with --expose-gc (else as it stands), and RSS, in MB. */
function memoryMb(): { heap: number; rss: number } {
  (globalThis as { gc?: () => void }).gc?.();
  const m = process.memoryUsage();
  return { heap: m.heapUsed / 1048576, rss: m.rss / 1048576 };
}

interface RunResult {
  ms: number;
  heapMb: number;
  cpuPerPod: number;
  serverCpuPerPod: number;
  /** Memory of the bench process with the scheduler running, and before it started (baseline). */
  mem?: { heap: number; rss: number; baseHeap: number; baseRss: number };
}

/** Run a fresh scheduler until `count` pods are bound; returns ms from caches-synced to the last bind, and CPU ms per pod of this process (scheduler + informers) and of the server. */
async function schedule(client: Client, count: number, serverPid: number, o: { profile?: string; memory?: boolean } = {}): Promise<RunResult> {
  const base = o.memory ? memoryMb() : undefined;
  const ac = new AbortController();
  const setup = setupScheduler(client, {}, { recordDecisions: DECISIONS });
  let t0 = 0;
  let cpu0 = 0;
  let srv0 = 0;
  const session = o.profile && PROFILE_DIR ? new Session() : undefined;
  if (session) {
    session.connect();
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: 200 });
  }
  const origRun = setup.scheduler.run.bind(setup.scheduler);
  setup.scheduler.run = async (signal: AbortSignal) => {
    if (session) await session.post('Profiler.start');
    t0 = performance.now();
    cpu0 = selfCpuMs();
    srv0 = procCpuMs(serverPid);
    return origRun(signal);
  };
  // A scheduler that fails (e.g. its informers' LIST) ends the bench through main's cleanup, not as an unhandled rejection that leaves the server running.
  let failure: unknown;
  const running = setup.run(ac.signal).catch((e: unknown) => void (failure = e ?? new Error('scheduler failed')));
  const deadline = Date.now() + 900_000;
  let lastLog = Date.now();
  while (setup.scheduler.scheduled < count) {
    if (failure !== undefined) throw failure;
    if (Date.now() - lastLog > 5000) {
      lastLog = Date.now();
      process.stderr.write(`  … ${setup.scheduler.scheduled}/${count} bound, ${setup.scheduler.failed} failed attempts, queue ${JSON.stringify(setup.scheduler.queue.stats())}, synced ${t0 > 0}\n`);
    }
    if (Date.now() > deadline) throw new Error(`only ${setup.scheduler.scheduled}/${count} bound (failed attempts ${setup.scheduler.failed})`);
    await new Promise((r) => setTimeout(r, 5));
  }
  const ms = performance.now() - t0;
  const cpuPerPod = (selfCpuMs() - cpu0) / count;
  const serverCpuPerPod = (procCpuMs(serverPid) - srv0) / count;
  if (session) {
    const { profile } = await session.post('Profiler.stop');
    mkdirSync(PROFILE_DIR!, { recursive: true });
    writeFileSync(join(PROFILE_DIR!, `${o.profile}.cpuprofile`), JSON.stringify(profile));
    session.disconnect();
  }
  const heapMb = process.memoryUsage().heapUsed / 1048576;
  let mem: RunResult['mem'];
  if (base) {
    // Let the last events and watch updates land, then measure with the scheduler still running.
    await new Promise((r) => setTimeout(r, 2000));
    const now = memoryMb();
    mem = { heap: now.heap, rss: now.rss, baseHeap: base.heap, baseRss: base.rss };
  }
  ac.abort();
  await running;
  return { ms, heapMb, cpuPerPod, serverCpuPerPod, mem };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'k8ts-bench-sched-'));
  const server = await startK8ts(dir);
  const kc = await readKubeconfig(join(dir, 'kubeconfig.yaml'));
  const client = new Client({ server: kc.server, caPem: kc.caPem, clientCertPem: kc.clientCertPem, clientKeyPem: kc.clientKeyPem, qps: -1 });
  const rows: string[][] = [];
  let memoryLine = '';
  try {
    const t = performance.now();
    const nodes = client.resource('nodes');
    // templates/node-default.yaml, plus the hostname label a kubelet sets.
    await inParallel([...Array(NODES).keys()], 64, async (i) => {
      const name = `node-${i}`;
      await nodes.create({ apiVersion: 'v1', kind: 'Node', metadata: { name, labels: { 'kubernetes.io/hostname': name } } });
      const res = { cpu: '4', memory: '32Gi', pods: '110' };
      await nodes.patch(name, { status: { allocatable: res, capacity: res, conditions: [{ type: 'Ready', status: 'True' }], phase: 'Running' } }, { subresource: 'status' });
    });
    process.stderr.write(`${NODES} nodes created in ${Math.round(performance.now() - t)} ms\n`);
    const zoneOf: (string | undefined)[] = Array.from({ length: NODES }, () => undefined);
    const cordoned: boolean[] = Array.from({ length: NODES }, () => false);
    await client.resource('priorityclasses.scheduling.k8s.io').create({ apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name: HIGH_PRIORITY_CLASS }, value: 10 });
    const namespaces = client.resource('namespaces');
    for (const [k, sc] of SCENARIOS.entries()) {
      // labelNodePrepareStrategy, through the API, before this scenario's schedulers start.
      const tl = performance.now();
      let relabelled = 0;
      await inParallel([...Array(NODES).keys()], 64, async (i) => {
        const want = sc.zones?.[i % sc.zones.length];
        if (zoneOf[i] === want) return;
        await nodes.patch(`node-${i}`, { metadata: { labels: { [ZONE]: want ?? null } } });
        zoneOf[i] = want;
        relabelled++;
      });
      if (relabelled) process.stderr.write(`${sc.name}: ${relabelled} nodes relabelled (${ZONE}: ${sc.zones?.join('/') ?? 'none'}) in ${Math.round(performance.now() - tl)} ms\n`);
      // A smaller cluster (upstream's 500Nodes workloads): the other nodes cordoned, through the API.
      await inParallel([...Array(NODES).keys()], 64, async (i) => {
        const want = sc.nodes !== undefined && i >= sc.nodes;
        if (cordoned[i] === want) return;
        await nodes.patch(`node-${i}`, { spec: { unschedulable: want || null } });
        cordoned[i] = want;
      });
      const schedulable = sc.nodes ?? NODES;
      // Each scenario's namespaces carry its prefix (s<k>-sched-0, …); templates' `namespaces` fields follow.
      const ns = (x: string) => `s${k}-${x}`;
      const used = [...new Set([ns(sc.init.ns), ns(sc.measured.ns)])];
      for (const name of used) await namespaces.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
      const create = async (set: PodSet, prefix: string) => {
        const pods = client.resource('pods', ns(set.ns));
        const tpl = set.template(ns);
        await inParallel([...Array(set.count).keys()], 64, (i) => pods.create(podObj(`${prefix}-${i}`, tpl)));
      };
      await create(sc.init, 'init');
      await schedule(client, sc.init.count, server.pid);
      await create(sc.measured, 'm');
      const PODS = sc.measured.count;
      const { ms, heapMb, cpuPerPod, serverCpuPerPod } = await schedule(client, PODS, server.pid, { profile: slug(sc.name) });
      const rate = (PODS / ms) * 1000;
      rows.push([sc.name, sc.upstream ?? '(none)', schedulable === NODES ? String(NODES) : `${schedulable} of ${NODES}`, String(sc.init.count), String(PODS), rate.toFixed(0), sc.floor ? String(sc.floor) : '-', sc.floor ? (rate >= sc.floor ? 'yes' : 'no') : '-', cpuPerPod.toFixed(2), serverCpuPerPod.toFixed(2), heapMb.toFixed(0)]);
      process.stderr.write(`${sc.name}: ${rate.toFixed(0)} pods/s, scheduler CPU ${cpuPerPod.toFixed(2)} ms/pod, server CPU ${serverCpuPerPod.toFixed(2)} ms/pod\n`);
      // Upstream runs every workload on a fresh cluster: this one's pods go (no kubelet, so grace 0).
      for (const name of used) {
        const pods = client.resource('pods', name);
        await pods.deleteCollection({ gracePeriodSeconds: 0 });
        const left = (await pods.list()).items.length;
        if (left) throw new Error(`${left} pods left in ${name} after deletecollection`);
      }
    }
    if (MEMORY_PODS > 0) {
      // Memory: N more plain pods (10m/10Mi) on the same nodes, scheduled by a fresh scheduler that then holds every pod in its informer and cache.
      const ns = 'bench-memory';
      await client.resource('namespaces').create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
      const pods = client.resource('pods', ns);
      const t = performance.now();
      await inParallel([...Array(MEMORY_PODS).keys()], 64, (i) => pods.create(podObj(`mem-${i}`, { labels: {}, spec: {}, requests: { cpu: '10m', memory: '10Mi' } })));
      process.stderr.write(`${MEMORY_PODS} pods created in ${Math.round(performance.now() - t)} ms\n`);
      const r = await schedule(client, MEMORY_PODS, server.pid, { memory: true });
      const m = r.mem!;
      memoryLine = `memory: ${NODES} nodes, ${MEMORY_PODS} pods in the cluster (${MEMORY_PODS} scheduled by this scheduler at ${((MEMORY_PODS / r.ms) * 1000).toFixed(0)} pods/s): bench process heap ${m.heap.toFixed(0)} MB (baseline ${m.baseHeap.toFixed(0)}), RSS ${m.rss.toFixed(0)} MB (baseline ${m.baseRss.toFixed(0)})${(globalThis as { gc?: unknown }).gc ? ', heap after GC' : ' (no --expose-gc: heap includes garbage)'}`;
      process.stderr.write(memoryLine + '\n');
    }
  } finally {
    await client.close();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  const head = ['scenario', 'upstream workload', 'nodes', 'initial pods', 'measured pods', 'pods/s', 'upstream floor', 'above floor', 'sched CPU ms/pod', 'server CPU ms/pod', 'bench heap MB'];
  const all = [head, ...rows];
  const w = head.map((_, i) => Math.max(...all.map((r) => r[i]!.length)));
  process.stdout.write(`\nk8ts scheduler, end to end through the API server (decision annotations ${DECISIONS ? 'on' : 'off'}; load average at end ${loadavg().map((l) => l.toFixed(1)).join(' ')})\n`);
  for (const r of all) process.stdout.write(r.map((c, i) => c.padEnd(w[i]!)).join('  ') + '\n');
  if (memoryLine) process.stdout.write(memoryLine + '\n');
}

main().catch((e: unknown) => {
  process.stderr.write(`bench:scheduler: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
