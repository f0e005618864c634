/**
 * `npm run bench:nodes` (BENCH_NODES=5000): simulated-node figures (not a test). Starts
 * `k8ts server --runtime none --sim-nodes N` as a child process and prints the time until
 * all N nodes are Ready (with podCIDRs), the server's CPU and Lease renewals per second in
 * steady state (heartbeats), p99 of `GET /api/v1/pods` (kubectl get pods -A) meanwhile,
 * and the server's memory. The cluster CIDR is 10.64.0.0/10: /16 holds only 256 node /24s.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http2 from 'node:http2';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = new URL('../', import.meta.url).pathname;
const N = Number(process.env.BENCH_NODES ?? 1000);
const STEADY_S = Number(process.env.BENCH_STEADY_SECONDS ?? 30);

const pct = (xs: number[], p: number): number => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))] ?? NaN;
function cpuMs(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(f[11]) + Number(f[12])) * 10;
}
const rssMb = (pid: number): number => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const dataDir = mkdtempSync(join(tmpdir(), 'k8ts-bench-nodes-'));
const t0 = performance.now();
const proc = spawn(process.execPath, ['--import', 'tsx', join(root, 'src/cli/main.ts'), 'server', '--data-dir', dataDir, '--https-listen-port', '0', '--bind-address', '127.0.0.1', '--runtime', 'none', '--sim-nodes', String(N), '--disable', 'scheduler', '--cluster-cidr', '10.64.0.0/10'], { cwd: root, stdio: ['ignore', 'ignore', 'pipe'] });
let log = '';
proc.stderr!.on('data', (d: Buffer) => (log += d.toString()));
const cleanup = () => {
  if (proc.exitCode === null) proc.kill('SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
};
process.on('exit', cleanup);

try {
  let port = 0;
  while (!port) {
    if (proc.exitCode !== null) throw new Error(`server exited:\n${log}`);
    port = Number(/ready on https:\/\/[^:]+:(\d+)/.exec(log)?.[1] ?? 0);
    await sleep(100);
  }
  const pki = join(dataDir, 'pki');
  const session = http2.connect(`https://127.0.0.1:${port}`, { ca: readFileSync(join(pki, 'ca.crt')), cert: readFileSync(join(pki, 'admin.crt')), key: readFileSync(join(pki, 'admin.key')) });
  const get = (path: string): Promise<string> =>
    new Promise((resolve, reject) => {
      const req = session.request({ ':path': path });
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (d: string) => (body += d));
      req.on('end', () => resolve(body));
      req.on('error', reject);
    });
  interface NodeList { items: Array<{ spec?: { podCIDR?: string }; status?: { conditions?: Array<{ type: string; status: string }> } }> }
  let ready = 0;
  let withCidr = 0;
  while (ready < N || withCidr < N) {
    await sleep(1000);
    const list = JSON.parse(await get('/api/v1/nodes')) as NodeList;
    ready = list.items.filter((n) => n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')).length;
    withCidr = list.items.filter((n) => n.spec?.podCIDR).length;
    process.stderr.write(`\r${ready}/${N} Ready, ${withCidr} with podCIDR   `);
    if (performance.now() - t0 > 600_000) throw new Error(`only ${ready}/${N} Ready after 10 min`);
  }
  const readyS = (performance.now() - t0) / 1000;
  console.log(`nodes: ${N}`);
  console.log(`all Ready with podCIDRs: ${readyS.toFixed(1)} s after the server was spawned`);
  // Let the registration burst settle into the renewal rhythm, then measure a steady window.
  await sleep(12_000);
  const leaseRv = async () => JSON.parse(await get('/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases?limit=1')) as { metadata: { resourceVersion: string } };
  const rv0 = Number((await leaseRv()).metadata.resourceVersion);
  const cpu0 = cpuMs(proc.pid!);
  const w0 = performance.now();
  const lat: number[] = [];
  while (performance.now() - w0 < STEADY_S * 1000) {
    const s = performance.now();
    await get('/api/v1/pods');
    lat.push(performance.now() - s);
    await sleep(200);
  }
  const secs = (performance.now() - w0) / 1000;
  const cpu = (cpuMs(proc.pid!) - cpu0) / 1000 / secs;
  const writes = (Number((await leaseRv()).metadata.resourceVersion) - rv0) / secs;
  console.log(`steady state (${secs.toFixed(0)} s): server CPU ${(cpu * 100).toFixed(0)}% of one core (API server + agent + node controllers), ${writes.toFixed(0)} writes/s (Lease renewals ≈ ${(N / 10).toFixed(0)}/s expected)`);
  console.log(`GET /api/v1/pods during heartbeats: p50 ${pct(lat, 50).toFixed(1)} ms, p99 ${pct(lat, 99).toFixed(1)} ms (${lat.length} requests)`);
  console.log(`server RSS: ${rssMb(proc.pid!).toFixed(0)} MB`);
  const errs = log.split('\n').filter((l) => /failed|error/i.test(l));
  if (errs.length) console.log(`server log lines mentioning failures: ${errs.length}, e.g.\n  ${errs.slice(0, 3).map((l) => l.slice(0, 200)).join('\n  ')}`);
  console.log(`sim agent: ${process.env.K8TS_SIM_AGENT_INLINE === '1' ? 'inline (K8TS_SIM_AGENT_INLINE=1)' : 'worker thread'}`);
  session.close();
} finally {
  cleanup();
}
