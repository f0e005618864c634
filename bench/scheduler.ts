/**
 * `npm run bench:scheduler`: scheduler_perf-like throughput (not a test).
 * Starts `k8ts server` (SQLite) as a child process without its own scheduler,
 * creates 5,000 Nodes through the API, and for each scenario: schedules the
 * initial pods, stops; creates the measured pods while no scheduler runs;
 * starts a fresh scheduler (informers sync, as a restarted kube-scheduler)
 * and times from caches-synced to the last successful POST pods/binding.
 * Every bind and every decision annotation goes through the API server.
 * Env: BENCH_NODES (5000), BENCH_PODS (1000 measured per scenario),
 * BENCH_INIT (500 initial pods), BENCH_DECISIONS=0 to skip the decision annotation,
 * BENCH_ONLY=<name part> to run some scenarios (`none`: only the memory run),
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
const PODS = Number(process.env.BENCH_PODS ?? 1000);
const INIT = Number(process.env.BENCH_INIT ?? 500);
const DECISIONS = process.env.BENCH_DECISIONS !== '0';
const ZONES = 10;
const MEMORY_PODS = Number(process.env.BENCH_MEMORY_PODS ?? 0);
const PROFILE_DIR = process.env.BENCH_CPU_PROFILE;

type Spec = Record<string, unknown>;
interface Scenario {
  name: string;
  floor: number;
  init: (i: number) => { labels: Record<string, string>; spec: Spec };
  measured: (i: number) => { labels: Record<string, string>; spec: Spec };
}

const plain = () => ({ labels: {}, spec: {} });
const term = (labels: Record<string, string>, topologyKey: string) => ({ labelSelector: { matchLabels: labels }, topologyKey });
const ONLY = process.env.BENCH_ONLY;
const ALL_SCENARIOS: Scenario[] = [
  { name: 'basic', floor: 680, init: plain, measured: plain },
  {
    name: 'node affinity',
    floor: 220,
    init: plain,
    measured: () => ({ labels: {}, spec: { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'perf-group', operator: 'In', values: ['g0'] }] }] } } } } }),
  },
  {
    name: 'pod anti-affinity',
    floor: 60,
    init: () => ({ labels: { color: 'green' }, spec: { affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term({ color: 'green' }, 'kubernetes.io/hostname')] } } } }),
    measured: () => ({ labels: { color: 'green' }, spec: { affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term({ color: 'green' }, 'kubernetes.io/hostname')] } } } }),
  },
  {
    name: 'pod affinity',
    floor: 35,
    init: () => ({ labels: { team: 'blue' }, spec: {} }),
    measured: () => ({ labels: { team: 'blue' }, spec: { affinity: { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term({ team: 'blue' }, 'topology.kubernetes.io/zone')] } } } }),
  },
  {
    name: 'topology spreading',
    floor: 460,
    init: () => ({ labels: { app: 'spread' }, spec: {} }),
    measured: () => ({ labels: { app: 'spread' }, spec: { topologySpreadConstraints: [{ maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { app: 'spread' } } }] } }),
  },
];
const SCENARIOS = ONLY ? ALL_SCENARIOS.filter((s) => s.name.includes(ONLY) || s.name.replace(/ /g, '-').includes(ONLY)) : ALL_SCENARIOS;

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

const podObj = (name: string, p: { labels: Record<string, string>; spec: Spec }) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, labels: p.labels },
  spec: { containers: [{ name: 'c', image: 'registry.k8s.io/pause:3.10', resources: { requests: { cpu: '10m', memory: '10Mi' } } }], ...p.spec },
});

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
  const running = setup.run(ac.signal);
  const deadline = Date.now() + 900_000;
  let lastLog = Date.now();
  while (setup.scheduler.scheduled < count) {
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
    await inParallel([...Array(NODES).keys()], 64, async (i) => {
      const name = `node-${i}`;
      await nodes.create({ apiVersion: 'v1', kind: 'Node', metadata: { name, labels: { 'kubernetes.io/hostname': name, 'topology.kubernetes.io/zone': `zone-${i % ZONES}`, 'perf-group': `g${i % 2}` } } });
      const res = { cpu: '4', memory: '32Gi', pods: '110' };
      await nodes.patch(name, { status: { allocatable: res, capacity: res, conditions: [{ type: 'Ready', status: 'True' }] } }, { subresource: 'status' });
    });
    process.stderr.write(`${NODES} nodes created in ${Math.round(performance.now() - t)} ms\n`);
    for (const [n, sc] of SCENARIOS.entries()) {
      // Each scenario in its own namespace: earlier pods stay (as in a real cluster) but match no selector.
      const ns = `bench-${n}`;
      await client.resource('namespaces').create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
      const pods = client.resource('pods', ns);
      await inParallel([...Array(INIT).keys()], 64, (i) => pods.create(podObj(`init-${i}`, sc.init(i))));
      await schedule(client, INIT, server.pid);
      await inParallel([...Array(PODS).keys()], 64, (i) => pods.create(podObj(`m-${i}`, sc.measured(i))));
      const { ms, heapMb, cpuPerPod, serverCpuPerPod } = await schedule(client, PODS, server.pid, { profile: sc.name.replace(/ /g, '-') });
      const rate = (PODS / ms) * 1000;
      rows.push([sc.name, String(NODES), String(INIT), String(PODS), rate.toFixed(0), String(sc.floor), rate >= sc.floor ? 'yes' : 'no', cpuPerPod.toFixed(2), serverCpuPerPod.toFixed(2), heapMb.toFixed(0)]);
      process.stderr.write(`${sc.name}: ${rate.toFixed(0)} pods/s, scheduler CPU ${cpuPerPod.toFixed(2)} ms/pod, server CPU ${serverCpuPerPod.toFixed(2)} ms/pod\n`);
    }
    if (MEMORY_PODS > 0) {
      // Memory: N more plain pods on the same nodes, scheduled by a fresh scheduler that then holds every pod in its informer and cache.
      const ns = 'bench-memory';
      await client.resource('namespaces').create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
      const pods = client.resource('pods', ns);
      const t = performance.now();
      await inParallel([...Array(MEMORY_PODS).keys()], 64, (i) => pods.create(podObj(`mem-${i}`, plain())));
      process.stderr.write(`${MEMORY_PODS} pods created in ${Math.round(performance.now() - t)} ms\n`);
      const r = await schedule(client, MEMORY_PODS, server.pid, { memory: true });
      const m = r.mem!;
      memoryLine = `memory: ${NODES} nodes, ${MEMORY_PODS + SCENARIOS.length * (INIT + PODS)} pods in the cluster (${MEMORY_PODS} scheduled by this scheduler at ${((MEMORY_PODS / r.ms) * 1000).toFixed(0)} pods/s): bench process heap ${m.heap.toFixed(0)} MB (baseline ${m.baseHeap.toFixed(0)}), RSS ${m.rss.toFixed(0)} MB (baseline ${m.baseRss.toFixed(0)})${(globalThis as { gc?: unknown }).gc ? ', heap after GC' : ' (no --expose-gc: heap includes garbage)'}`;
      process.stderr.write(memoryLine + '\n');
    }
  } finally {
    await client.close();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  const head = ['scenario', 'nodes', 'initial pods', 'measured pods', 'pods/s', 'upstream floor', 'above floor', 'sched CPU ms/pod', 'server CPU ms/pod', 'bench heap MB'];
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
