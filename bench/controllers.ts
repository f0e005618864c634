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
 * `k8ts controller-manager` process runs them, so its own RSS is measured).
 * The targets at 500 nodes:
 *   BENCH_SIM_NODES=500 BENCH_REPLICAS=5000 BENCH_DEPLOYMENTS=1000 BENCH_ROLLOUT=1000 BENCH_STANDALONE_CM=1 npm run bench:controllers
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
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

const rssMb = (pid: number): number => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN) / 1024;
const isReady = (p: KObject) => ((p.status as { conditions?: Array<{ type: string; status: string }> } | undefined)?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');

async function startServer(dir: string): Promise<{ port: number; pid: number; stop: () => void }> {
  // BENCH_BUILT=1: the built server (controllers in a worker thread); else the sources under tsx (main thread).
  const entry = process.env.BENCH_BUILT === '1' ? [join(root, 'bin/k8ts.js')] : ['--import', 'tsx', join(root, 'src/cli/main.ts')];
  // --runtime none: pods run on the simulated nodes only (no real containers on the server's own node).
  const args = [...entry, 'server', '--data-dir', dir, '--https-listen-port', '0', '--bind-address', '127.0.0.1', '--cluster-cidr', CLUSTER_CIDR, '--runtime', SIM_NODES > 0 ? 'none' : 'sim'];
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

/** `k8ts controller-manager` as its own process against the server; its peak RSS is sampled. */
function startControllerManager(dir: string): { pid: number; peakMb: () => number; stop: () => void } {
  const entry = process.env.BENCH_BUILT === '1' ? [join(root, 'bin/k8ts.js')] : ['--import', 'tsx', join(root, 'src/cli/main.ts')];
  const proc = spawn(process.execPath, [...entry, 'controller-manager', '--kubeconfig', join(dir, 'kubeconfig.yaml'), '--secure-port=-1', '--cluster-cidr', CLUSTER_CIDR], { cwd: root, stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  proc.stderr!.on('data', (d: Buffer) => (log = (log + d.toString()).slice(-4000)));
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
  return { pid: proc.pid!, peakMb: () => peak, stop: () => (clearInterval(t), proc.kill('SIGTERM')) };
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
  for (const n of SIZES) {
    const [created, ready] = await measure(factory, async () => void (await deps.create(deployment(`big-${n}`, n))), n);
    rows.push(`| 1 Deployment × ${n} replicas | ${fmt(created)} | ${(n / (created / 1000)).toFixed(0)} pods/s | ${fmt(ready)} | ${rssMb(srv.pid).toFixed(0)} MB |`);
    await clean();
  }
  if (DEPLOYMENTS > 0) {
    const [created, ready] = await measure(
      factory,
      async () => {
        const names = Array.from({ length: DEPLOYMENTS }, (_x, i) => `d-${i}`);
        for (let i = 0; i < names.length; i += 50) await Promise.all(names.slice(i, i + 50).map((x) => deps.create(deployment(x, 3))));
      },
      DEPLOYMENTS * 3,
    );
    rows.push(`| ${DEPLOYMENTS} Deployments × 3 replicas | ${fmt(created)} | ${((DEPLOYMENTS * 3) / (created / 1000)).toFixed(0)} pods/s | ${fmt(ready)} | ${rssMb(srv.pid).toFixed(0)} MB |`);
    await clean();
  }
  if (ROLLOUT > 0) {
    const [ready, rolled] = await rollout(client, ROLLOUT);
    rows.push(`| rolling update of 1 Deployment × ${ROLLOUT} (first rollout Ready in ${fmt(ready)}) | — | — | ${fmt(rolled)} | ${rssMb(srv.pid).toFixed(0)} MB |`);
  }
  if (cm) rows.push(`| controller-manager process, peak RSS | | | | ${cm.peakMb().toFixed(0)} MB |`);
  ac.abort();
  await client.close();
  cm?.stop();
  srv.stop();
  rmSync(dir, { recursive: true, force: true });
  process.stdout.write(`controllers ${process.env.BENCH_BUILT === '1' ? 'in a worker thread' : 'on the main thread'}, SQLite, sim nodes: ${SIM_NODES}\n\n| workload | all pods created | rate | all Ready | server RSS |\n|---|---|---|---|---|\n${rows.join('\n')}\n`);
}

await main();
