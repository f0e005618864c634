/**
 * `npm run bench:pods`: real-pod figures on containerd (not a test). Starts
 * `k8ts server --runtime cri` (its own containerd, a private bridge), imports
 * the busybox image, then
 *   1. creates BENCH_PODS (50) pods at BENCH_RATE (5) per second and reports
 *      create → Running (observed by the API) p50/p99, image present;
 *   2. tops the node up to BENCH_TOTAL (100) running pods and reports the
 *      server process's RSS (API server + controllers + the node agent: the
 *      agent runs inside `k8ts server`) and containerd's RSS.
 * Everything is removed afterwards.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '../src/client/index.js';
import { startCriCluster } from '../test/support/containerd.js';
import { BUSYBOX_IMAGE } from '../test/support/images.js';

const N = Number(process.env.BENCH_PODS ?? 50);
const RATE = Number(process.env.BENCH_RATE ?? 5);
const TOTAL = Number(process.env.BENCH_TOTAL ?? 100);
const pct = (xs: number[], p: number): number => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))] ?? NaN;
const rssMb = (pid: number): number => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface PodList {
  items: Array<{ metadata: { name: string }; status?: { phase?: string } }>;
}

const c = await startCriCluster();
const pki = join(c.s.dataDir, 'pki');
const client = new Client({ server: c.s.url, caPem: readFileSync(join(pki, 'ca.crt'), 'utf8'), certPem: readFileSync(join(pki, 'admin.crt'), 'utf8'), keyPem: readFileSync(join(pki, 'admin.key'), 'utf8'), qps: -1 });
const pods = client.resource<{ apiVersion: string; kind: string; metadata: { name: string }; spec: unknown }>('pods', 'default');
const podSpec = (name: string) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, labels: { bench: 'pods' } },
  spec: { terminationGracePeriodSeconds: 0, containers: [{ name: 'c', image: BUSYBOX_IMAGE, command: ['sleep', '86400'] }] },
});

async function createAndWait(names: string[], rate: number): Promise<number[]> {
  const created = new Map<string, number>();
  const running = new Map<string, number>();
  const creating = (async () => {
    for (const n of names) {
      const t = performance.now();
      created.set(n, t);
      void pods.create(podSpec(n)).catch((e: Error) => console.error(`create ${n}: ${e.message}`));
      await sleep(Math.max(0, 1000 / rate - (performance.now() - t)));
    }
  })();
  const deadline = Date.now() + 10 * 60_000;
  while (running.size < names.length && Date.now() < deadline) {
    const list = (await pods.list({ labelSelector: 'bench=pods' })) as unknown as PodList;
    const now = performance.now();
    for (const p of list.items) if (p.status?.phase === 'Running' && created.has(p.metadata.name) && !running.has(p.metadata.name)) running.set(p.metadata.name, now);
    await sleep(50);
  }
  await creating;
  return names.filter((n) => running.has(n)).map((n) => running.get(n)! - created.get(n)!);
}

try {
  // Warm-up: the first sandbox ever creates the bridge.
  await createAndWait(['warm'], 1);
  const lat = await createAndWait(Array.from({ length: N }, (_, i) => `p${i}`), RATE);
  console.log(`pod startup (create → Running, image present), ${lat.length}/${N} pods at ${RATE}/s: p50 ${pct(lat, 50).toFixed(0)} ms, p99 ${pct(lat, 99).toFixed(0)} ms, max ${Math.max(...lat).toFixed(0)} ms`);
  const more = TOTAL - N - 1;
  if (more > 0) {
    const t0 = performance.now();
    const l2 = await createAndWait(Array.from({ length: more }, (_, i) => `q${i}`), 20);
    console.log(`${N + 1 + l2.length} pods running on one node (the last ${more} created at 20/s took ${((performance.now() - t0) / 1000).toFixed(1)} s; p50 ${pct(l2, 50).toFixed(0)} ms, p99 ${pct(l2, 99).toFixed(0)} ms)`);
  }
  await sleep(5_000);
  const ctrdPid = Number(readFileSync(join(c.s.dataDir, 'agent/containerd/containerd.pid'), 'utf8'));
  console.log(`memory with ${TOTAL} pods: k8ts server process (API server + controllers + scheduler + node agent) RSS ${rssMb(c.s.proc.pid!).toFixed(0)} MB; containerd RSS ${rssMb(ctrdPid).toFixed(0)} MB`);
  const sandboxes = await c.cri.listSandboxes();
  console.log(`containerd holds ${sandboxes.filter((s) => s.state === 'SANDBOX_READY').length} ready sandboxes`);
} finally {
  const t0 = performance.now();
  await pods.deleteCollection({ labelSelector: 'bench=pods', gracePeriodSeconds: 0 }).catch(() => undefined);
  await client.close();
  await c.stop();
  console.log(`clean-up ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}
