/**
 * `npm run bench:controllers`: controller-manager figures (not a test). Starts
 * `k8ts server` (controllers in-process, SQLite) as a child process, creates a
 * Deployment of N replicas and times until N pods exist (and are Ready when
 * `BENCH_SIM_NODES` > 0 gives the cluster simulated nodes), then M Deployments
 * × 3 replicas. Env: BENCH_REPLICAS (default "100,1000"), BENCH_DEPLOYMENTS
 * (default 100), BENCH_SIM_NODES (default 0), BENCH_READY_TIMEOUT_S (default 60),
 * BENCH_BUILT=1 (run the built server: controllers in a worker thread),
 * BENCH_ROLLOUT (default 0: replicas of a Deployment whose rolling update is timed),
 * BENCH_STANDALONE_CM=1 (the server runs without controllers and a separate
 * `k8ts controller-manager` process runs them, so its own RSS is measured),
 * BENCH_CPU_PROF=DIR (server and controller manager run with --cpu-prof into DIR:
 * one profile per thread, so the API server, scheduler and sim fleet threads are told apart).
 * Each row also prints the CPU each process used during it (from /proc, so the
 * figures can be compared across runs on a loaded machine) and the load average.
 * The issue's targets at 500 nodes:
 *   BENCH_SIM_NODES=500 BENCH_REPLICAS=5000 BENCH_DEPLOYMENTS=1000 BENCH_ROLLOUT=1000 BENCH_STANDALONE_CM=1 npm run bench:controllers
 */
import { spawn } from 'node:child_process';
import { request as httpsRequest } from 'node:https';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, SharedInformerFactory } from '../src/client/index.js';
import type { KObject } from '../src/api/index.js';

const root = new URL('../', import.meta.url).pathname;
const SIZES = (process.env.BENCH_REPLICAS ?? '100,1000').split(',').map(Number);
const DEPLOYMENTS = Number(process.env.BENCH_DEPLOYMENTS ?? 100);
const SIM_NODES = Number(process.env.BENCH_SIM_NODES ?? 0);
const READY_TIMEOUT_MS = Number(process.env.BENCH_READY_TIMEOUT_S ?? 60) * 1000;
const ROLLOUT = Number(process.env.BENCH_ROLLOUT ?? 0);
const STANDALONE = process.env.BENCH_STANDALONE_CM === '1';
/** 500+ nodes need more than the default /16's 256 node CIDRs. */
const CLUSTER_CIDR = SIM_NODES > 200 ? '10.64.0.0/12' : '10.42.0.0/16';

const PROF_DIR = process.env.BENCH_CPU_PROF;
const profArgs = (name: string): string[] => (PROF_DIR ? ['--cpu-prof', `--cpu-prof-dir=${join(PROF_DIR, name)}`] : []);

/** CPU seconds (user + system) a process used so far, from /proc. */
function cpuSeconds(pid: number): number {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch {
    return NaN;
  }
}
/** CPU of the processes of a phase: the server (API server + scheduler + sim fleet threads), the controller manager, this bench. */
function cpuMeter(pids: Record<string, number | undefined>): () => string {
  const start = Object.entries(pids).map(([n, pid]) => [n, pid, pid ? cpuSeconds(pid) : NaN] as const);
  const self = process.cpuUsage();
  return () => {
    const parts = start.filter(([, pid]) => pid).map(([n, pid, t0]) => `${n} ${(cpuSeconds(pid!) - t0).toFixed(1)} s`);
    const me = process.cpuUsage(self);
    parts.push(`bench ${((me.user + me.system) / 1e6).toFixed(1)} s`);
    return `${parts.join(', ')}; load ${loadavg().map((x) => x.toFixed(1)).join(' ')}`;
  };
}

const rssMb = (pid: number): number => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN) / 1024;
const isReady = (p: KObject) => ((p.status as { conditions?: Array<{ type: string; status: string }> } | undefined)?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');

async function startServer(dir: string): Promise<{ port: number; pid: number; stop: () => void }> {
  // BENCH_BUILT=1: the built server (controllers in a worker thread); else the sources under tsx (main thread).
  const entry = process.env.BENCH_BUILT === '1' ? [join(root, 'bin/k8ts.js')] : ['--import', 'tsx', join(root, 'src/cli/main.ts')];
  // --runtime none: pods run on the simulated nodes only (no real containers on the server's own node).
  const args = [...profArgs('server'), ...entry, 'server', '--data-dir', dir, '--https-listen-port', '0', '--bind-address', '127.0.0.1', '--cluster-cidr', CLUSTER_CIDR, '--runtime', SIM_NODES > 0 ? 'none' : 'sim'];
  if (SIM_NODES > 0) args.push('--sim-nodes', String(SIM_NODES));
  if (STANDALONE) args.push('--disable', 'controllers');
  const proc = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  const port = await new Promise<number>((resolve, reject) => {
    proc.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
      const m = /ready on https:\/\/[^:]+:(\d+)/.exec(err);
      if (m) resolve(Number(m[1]));
    });
    proc.on('exit', (c) => reject(new Error(`server exited ${c}: ${err}`)));
  });
  return { port, pid: proc.pid!, stop: () => proc.kill('SIGTERM') };
}

function deployment(name: string, replicas: number): KObject {
  return { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name }, spec: { replicas, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name, bench: 'x' } }, spec: { containers: [{ name: 'c', image: 'registry.k8s.io/pause:3.10' }] } } } };
}

/** Waits until `count` pods with the bench label exist, then until they are Ready; returns [createdMs, readyMs | undefined]. */
async function measure(factory: SharedInformerFactory, start: () => Promise<void>, count: number): Promise<[number, number | undefined]> {
  const inf = factory.informerFor('pods', { namespace: 'default', labelSelector: 'bench=x' });
  const t0 = performance.now();
  await start();
  let created: number | undefined;
  let ready: number | undefined;
  const deadline = t0 + Math.max(READY_TIMEOUT_MS, 120_000);
  while (performance.now() < deadline) {
    const pods = inf.list().filter((p) => !p.metadata.deletionTimestamp);
    if (created === undefined && pods.length >= count) created = performance.now() - t0;
    if (pods.filter(isReady).length >= count) {
      ready = performance.now() - t0;
      break;
    }
    if (created !== undefined && (SIM_NODES === 0 || performance.now() - t0 > READY_TIMEOUT_MS)) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  if (ready === undefined) {
    const pods = inf.list().filter((p) => !p.metadata.deletionTimestamp);
    process.stderr.write(`  (at the deadline: ${pods.length} of ${count} pods created, ${pods.filter(isReady).length} Ready)\n`);
  }
  return [created ?? NaN, ready];
}

/**
 * `k8ts controller-manager` as its own process against the server; its peak RSS is sampled.
 * It serves its secure port on a free loopback port, so the bench can read its workqueue metrics.
 */
function startControllerManager(dir: string): { pid: number; peakMb: () => number; metricsPort: () => number | undefined; stop: () => void } {
  const entry = process.env.BENCH_BUILT === '1' ? [join(root, 'bin/k8ts.js')] : ['--import', 'tsx', join(root, 'src/cli/main.ts')];
  const proc = spawn(process.execPath, [...profArgs('cm'), ...entry, 'controller-manager', '--kubeconfig', join(dir, 'kubeconfig.yaml'), '--secure-port', '0', '--bind-address', '127.0.0.1', '--cluster-cidr', CLUSTER_CIDR], { cwd: root, stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  let port: number | undefined;
  proc.stderr!.on('data', (d: Buffer) => {
    log = (log + d.toString()).slice(-4000);
    port ??= Number(/serving securely on [^ ]+:(\d+)/.exec(log)?.[1]) || undefined;
  });
  process.on('exit', () => process.stderr.write(`controller-manager log (tail):\n${log}\n`));
  let peak = 0;
  const t = setInterval(() => {
    try {
      peak = Math.max(peak, rssMb(proc.pid!));
    } catch {
      /* exited */
    }
  }, 500);
  t.unref();
  return { pid: proc.pid!, peakMb: () => peak, metricsPort: () => port, stop: () => (clearInterval(t), proc.kill('SIGTERM')) };
}

/** GET a text endpoint over HTTPS with the admin client certificate (server certificate not verified). */
function getText(port: number, path: string, pki: string): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    const req = httpsRequest({ host: '127.0.0.1', port, path, rejectUnauthorized: false, cert: readFileSync(join(pki, 'admin.crt')), key: readFileSync(join(pki, 'admin.key')) }, (res) => {
      let b = '';
      res.on('data', (d: Buffer) => (b += d.toString()));
      res.on('end', () => resolve(b));
    });
    req.on('error', reject);
    req.end();
  });
}

/** The API server's write requests so far (apiserver_request_total without reads), by verb, resource and subresource. */
async function apiWrites(port: number, pki: string): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  const text = await getText(port, '/metrics', pki).catch(() => '');
  for (const m of text.matchAll(/^apiserver_request_total\{([^}]*)\} (\S+)$/gm)) {
    const l = Object.fromEntries([...m[1]!.matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1]!, x[2]!]));
    if (['GET', 'LIST', 'WATCH'].includes(l.verb ?? '')) continue;
    const k = `${l.verb} ${l.resource}${l.subresource ? `/${l.subresource}` : ''}${Number(l.code) >= 400 ? ` (${l.code})` : ''}`;
    out.set(k, (out.get(k) ?? 0) + Number(m[2]));
  }
  return out;
}

/** Workqueue adds and retries per controller, from the controller manager's /metrics (admin client certificate). */
async function queueStats(port: number, pki: string): Promise<string> {
  const body = await getText(port, '/metrics', pki);
  const get = (metric: string) => new Map([...body.matchAll(new RegExp(`^${metric}\\{name="([^"]+)"\\} (\\S+)$`, 'gm'))].map((m) => [m[1]!, Number(m[2])]));
  const adds = get('workqueue_adds_total');
  const retries = get('workqueue_retries_total');
  const work = get('workqueue_work_duration_seconds_sum');
  const count = get('workqueue_work_duration_seconds_count');
  return [...adds]
    .filter(([, n]) => n > 0)
    .sort((a, b) => b[1] - a[1])
    .map(([n, a]) => `${n}: ${a} adds, ${count.get(n) ?? 0} reconciles (${(work.get(n) ?? 0).toFixed(1)} s), ${retries.get(n) ?? 0} retries`)
    .join('\n');
}

/** Times a rolling update of an n-replica Deployment (all pods Ready first): template change → all updated, Ready, old ReplicaSets at 0. */
async function rollout(client: Client, n: number): Promise<[number | undefined, number | undefined]> {
  const deps = client.resource('deployments.apps', 'default');
  const name = `roll-${n}`;
  await deps.create({ ...deployment(name, n), metadata: { name } });
  type D = KObject & { status?: { observedGeneration?: number; updatedReplicas?: number; readyReplicas?: number; availableReplicas?: number; replicas?: number } };
  const done = (d: D) => d.status?.observedGeneration === d.metadata.generation && d.status?.updatedReplicas === n && d.status?.availableReplicas === n && d.status?.replicas === n;
  const wait = async (ms: number): Promise<number | undefined> => {
    const t0 = performance.now();
    while (performance.now() - t0 < ms) {
      if (done((await deps.get(name)) as D)) return performance.now() - t0;
      await new Promise((r) => setTimeout(r, 200));
    }
    return undefined;
  };
  const ready = await wait(Math.max(READY_TIMEOUT_MS, 120_000));
  if (ready === undefined) return [undefined, undefined];
  const t0 = performance.now();
  await deps.patch(name, { spec: { template: { metadata: { annotations: { 'bench/rev': '2' } } } } });
  const rolled = await wait(Math.max(READY_TIMEOUT_MS, 120_000));
  return [ready, rolled === undefined ? undefined : performance.now() - t0];
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'k8ts-bench-cm-'));
  const srv = await startServer(dir);
  const cm = STANDALONE ? startControllerManager(dir) : undefined;
  const pki = join(dir, 'pki');
  const client = new Client({ server: `https://127.0.0.1:${srv.port}`, caPem: readFileSync(join(pki, 'ca.crt'), 'utf8'), certPem: readFileSync(join(pki, 'admin.crt'), 'utf8'), keyPem: readFileSync(join(pki, 'admin.key'), 'utf8'), qps: -1 });
  const ac = new AbortController();
  const factory = new SharedInformerFactory(client);
  factory.informerFor('pods', { namespace: 'default', labelSelector: 'bench=x' });
  factory.start(ac.signal);
  await factory.waitForCacheSync();
  // Measure a settled cluster: every simulated node registered and Ready (their registration is not the workload).
  if (SIM_NODES > 0) {
    const t0 = performance.now();
    const nodes = client.resource('nodes');
    for (;;) {
      const list = await nodes.list().catch(() => ({ items: [] as KObject[] }));
      if (list.items.filter(isReady).length >= SIM_NODES) break;
      if (performance.now() - t0 > 300_000) throw new Error(`only ${list.items.filter(isReady).length} of ${SIM_NODES} nodes Ready after 5 minutes`);
      await new Promise((r) => setTimeout(r, 1000));
    }
    process.stderr.write(`${SIM_NODES} nodes Ready in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
  }
  // … and a controller manager that leads with every controller started, so its start-up is not timed either.
  if (cm) {
    const t0 = performance.now();
    for (;;) {
      const port = cm.metricsPort();
      // A stand-by also answers /readyz: wait for the ReplicaSet controller's queue in the metrics instead.
      if (port && (await getText(port, '/metrics', pki).catch(() => '')).includes('workqueue_depth{name="replicaset-controller"}')) break;
      if (performance.now() - t0 > 300_000) throw new Error('the controller manager did not become ready in 5 minutes');
      await new Promise((r) => setTimeout(r, 500));
    }
    process.stderr.write(`controller manager ready in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
  }
  const deps = client.resource('deployments.apps', 'default');
  const rows: string[] = [];
  // Rows also go to stderr as they come: a long run interrupted still tells what it measured.
  const push = rows.push.bind(rows);
  rows.push = (...r: string[]) => (r.forEach((x) => process.stderr.write(`${x}\n`)), push(...r));
  const pods = client.resource('pods', 'default');
  const clean = async () => {
    await deps.deleteCollection({ labelSelector: '' }).catch(() => undefined);
    await pods.deleteCollection({ labelSelector: 'bench=x', gracePeriodSeconds: 0 }).catch(() => undefined);
    const inf = factory.informerFor('pods', { namespace: 'default', labelSelector: 'bench=x' });
    while (inf.list().length) await new Promise((r) => setTimeout(r, 100));
  };
  const fmt = (ms: number | undefined) => (ms === undefined || Number.isNaN(ms) ? '—' : `${(ms / 1000).toFixed(2)} s`);
  const cpuRows: string[] = [];
  const meter = async (label: string, pods: number) => {
    const done = cpuMeter({ server: srv.pid, 'controller-manager': cm?.pid });
    const w0 = await apiWrites(srv.port, pki);
    return async () => {
      const line = `${label}: CPU ${done()}`;
      const w1 = await apiWrites(srv.port, pki);
      const diff = [...w1].map(([k, n]) => [k, n - (w0.get(k) ?? 0)] as const).filter(([, n]) => n > 0).sort((a, b) => b[1] - a[1]);
      const total = diff.reduce((a, [, n]) => a + n, 0);
      const writes = `  API writes: ${total} (${(total / pods).toFixed(2)} per pod): ${diff.slice(0, 12).map(([k, n]) => `${k} ${n}`).join(', ')}`;
      process.stderr.write(`  ${line}\n${writes}\n`);
      cpuRows.push(line, writes);
    };
  };
  for (const n of SIZES) {
    const cpu = await meter(`1 Deployment × ${n}`, n);
    const [created, ready] = await measure(factory, async () => void (await deps.create(deployment(`big-${n}`, n))), n);
    await cpu();
    rows.push(`| 1 Deployment × ${n} replicas | ${fmt(created)} | ${(n / (created / 1000)).toFixed(0)} pods/s | ${fmt(ready)} | ${rssMb(srv.pid).toFixed(0)} MB |`);
    await clean();
  }
  if (DEPLOYMENTS > 0) {
    const cpu = await meter(`${DEPLOYMENTS} Deployments × 3`, DEPLOYMENTS * 3);
    const [created, ready] = await measure(
      factory,
      async () => {
        const names = Array.from({ length: DEPLOYMENTS }, (_x, i) => `d-${i}`);
        for (let i = 0; i < names.length; i += 50) await Promise.all(names.slice(i, i + 50).map((x) => deps.create(deployment(x, 3))));
      },
      DEPLOYMENTS * 3,
    );
    await cpu();
    rows.push(`| ${DEPLOYMENTS} Deployments × 3 replicas | ${fmt(created)} | ${((DEPLOYMENTS * 3) / (created / 1000)).toFixed(0)} pods/s | ${fmt(ready)} | ${rssMb(srv.pid).toFixed(0)} MB |`);
    await clean();
  }
  if (ROLLOUT > 0) {
    const cpu = await meter(`rollout of ${ROLLOUT} (create + update)`, ROLLOUT * 2);
    const [ready, rolled] = await rollout(client, ROLLOUT);
    await cpu();
    rows.push(`| rolling update of 1 Deployment × ${ROLLOUT} (first rollout Ready in ${fmt(ready)}) | — | — | ${fmt(rolled)} | ${rssMb(srv.pid).toFixed(0)} MB |`);
  }
  if (cm) rows.push(`| controller-manager process, peak RSS | | | | ${cm.peakMb().toFixed(0)} MB |`);
  const mport = cm?.metricsPort();
  if (mport) cpuRows.push('', 'controller-manager work queues (whole run):', await queueStats(mport, pki).catch((e: unknown) => String(e)));
  ac.abort();
  await client.close();
  cm?.stop();
  srv.stop();
  rmSync(dir, { recursive: true, force: true });
  process.stdout.write(`controllers ${process.env.BENCH_BUILT === '1' ? 'in a worker thread' : 'on the main thread'}, SQLite, sim nodes: ${SIM_NODES}\n\n| workload | all pods created | rate | all Ready | server RSS |\n|---|---|---|---|---|\n${rows.join('\n')}\n\n${cpuRows.join('\n')}\n`);
}

await main();
