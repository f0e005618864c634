/**
 * `npm run bench:api`: API server figures (not a test). Starts the built
 * `k8ts server` (SQLite store) as a child process and measures cold start to
 * /readyz, idle memory, 32-way creates, GET latency, a list of 10,000 pods
 * from the watch cache, and one write fanned out to 1,000 watchers — all over
 * HTTP/2 with the admin client certificate, as client-go would connect.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http2, { type ClientHttp2Session } from 'node:http2';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = new URL('../', import.meta.url).pathname;
const PODS = Number(process.env.BENCH_PODS ?? 10_000);
const WATCHERS = Number(process.env.BENCH_WATCHERS ?? 1000);

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
}

/** CPU time (user + system) a process has used, in ms: a figure the machine's other load does not inflate. */
function cpuMs(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(f[11]) + Number(f[12])) * 10;
}

function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

async function startServer(dir: string): Promise<{ port: number; pid: number; ms: number; stop: () => void }> {
  const t0 = performance.now();
  // The API server alone: no node, scheduler or controllers reacting to the 10,000 pods.
  const proc = spawn(process.execPath, [join(root, 'bin/k8ts.js'), 'server', '--data-dir', dir, '--https-listen-port', '0', '--bind-address', '127.0.0.1', '--runtime', 'none', '--disable', 'scheduler,controllers,agent'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  const port = await new Promise<number>((resolve, reject) => {
    proc.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
      const m = /ready on https:\/\/[^:]+:(\d+)/.exec(err);
      if (m) resolve(Number(m[1]));
    });
    proc.on('exit', () => reject(new Error(err)));
  });
  // The server logs "ready" once it serves; confirm with /readyz.
  const ca = readFileSync(join(dir, 'pki/ca.crt'));
  const s = http2.connect(`https://127.0.0.1:${port}`, { ca });
  const body = await get(s, '/readyz');
  s.close();
  if (body.text !== 'ok') throw new Error(`readyz: ${body.text}`);
  return { port, pid: proc.pid!, ms: performance.now() - t0, stop: () => proc.kill('SIGTERM') };
}

function connect(dir: string, port: number): ClientHttp2Session {
  return http2.connect(`https://127.0.0.1:${port}`, {
    ca: readFileSync(join(dir, 'pki/ca.crt')),
    cert: readFileSync(join(dir, 'pki/admin.crt')),
    key: readFileSync(join(dir, 'pki/admin.key')),
  });
}

function request(s: ClientHttp2Session, method: string, path: string, body?: string, accept = 'application/json'): Promise<{ code: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = s.request({ ':method': method, ':path': path, 'content-type': 'application/json', accept });
    let text = '';
    let code = 0;
    req.on('response', (h) => (code = Number(h[':status'])));
    req.setEncoding('utf8');
    req.on('data', (d: string) => (text += d));
    req.on('end', () => resolve({ code, text }));
    req.on('error', reject);
    if (body) req.end(body);
    else req.end();
  });
}
const get = (s: ClientHttp2Session, path: string) => request(s, 'GET', path);

const pod = (name: string) =>
  JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name, labels: { app: 'bench' } }, spec: { containers: [{ name: 'c', image: 'localhost/busybox:1.36', resources: { requests: { cpu: '10m', memory: '16Mi' } } }] } });

const dir = mkdtempSync(join(tmpdir(), 'k8ts-bench-api-'));
const out: Array<[string, string, string]> = [];
try {
  const first = await startServer(dir);
  out.push(['cold start to /readyz (first start, creates PKI)', `${first.ms.toFixed(0)} ms`, '< 1 s']);
  await new Promise((r) => setTimeout(r, 1000));
  out.push(['idle memory (RSS)', `${rssMb(first.pid).toFixed(0)} MB`, '< 100 MB']);
  first.stop();
  await new Promise((r) => setTimeout(r, 1500));
  const srv = await startServer(dir);
  out.push(['cold start to /readyz (restart)', `${srv.ms.toFixed(0)} ms`, '< 1 s']);

  const sessions = Array.from({ length: 4 }, () => connect(dir, srv.port));
  // 32 concurrent clients creating pods.
  const lat: number[] = [];
  let next = 0;
  const cpu0 = cpuMs(srv.pid);
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: 32 }, async (_, c) => {
      for (let i = next++; i < PODS; i = next++) {
        const t = performance.now();
        const r = await request(sessions[c % sessions.length]!, 'POST', '/api/v1/namespaces/default/pods', pod(`p-${i}`));
        if (r.code !== 201) throw new Error(`create: ${r.code} ${r.text}`);
        lat.push(performance.now() - t);
      }
    }),
  );
  const rate = PODS / ((performance.now() - t0) / 1000);
  const cpuPerCreate = (cpuMs(srv.pid) - cpu0) / PODS;
  out.push(['creates/s, 32 concurrent clients', rate.toFixed(0), '≥ 2,000']);
  out.push(['server CPU per create (load-independent)', `${(cpuPerCreate * 1000).toFixed(0)} µs`, '']);
  out.push(['create p99', `${pct(lat, 99).toFixed(1)} ms`, '< 50 ms']);

  const gl: number[] = [];
  for (let i = 0; i < 2000; i++) {
    const t = performance.now();
    await get(sessions[0]!, `/api/v1/namespaces/default/pods/p-${i % PODS}`);
    gl.push(performance.now() - t);
  }
  out.push(['GET p50 / p99', `${pct(gl, 50).toFixed(2)} / ${pct(gl, 99).toFixed(2)} ms`, 'p99 < 5 ms']);

  const ll: number[] = [];
  const tl: number[] = [];
  for (let i = 0; i < 5; i++) {
    let t = performance.now();
    const r = await get(sessions[0]!, '/api/v1/namespaces/default/pods?resourceVersion=0');
    ll.push(performance.now() - t);
    if ((JSON.parse(r.text) as { items: unknown[] }).items.length !== PODS) throw new Error('list size');
    t = performance.now();
    await request(sessions[0]!, 'GET', '/api/v1/namespaces/default/pods', undefined, 'application/json;as=Table;v=v1;g=meta.k8s.io');
    tl.push(performance.now() - t);
  }
  out.push([`list of ${PODS} pods (JSON, from the watch cache)`, `${pct(ll, 50).toFixed(0)} ms`, '< 300 ms']);
  out.push([`list of ${PODS} pods as a Table (kubectl get)`, `${pct(tl, 50).toFixed(0)} ms`, '']);

  // One write, many watchers.
  const wsessions = Array.from({ length: Math.ceil(WATCHERS / 100) }, () => connect(dir, srv.port));
  const { text } = await get(sessions[0]!, '/api/v1/namespaces/default/configmaps');
  const rv = (JSON.parse(text) as { metadata: { resourceVersion: string } }).metadata.resourceVersion;
  let sentAt = 0;
  const deliveries: number[] = [];
  const streams = [];
  for (let i = 0; i < WATCHERS; i++) {
    const st = wsessions[i % wsessions.length]!.request({ ':path': `/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=${rv}` });
    st.setEncoding('utf8');
    st.on('data', () => deliveries.push(performance.now() - sentAt));
    streams.push(st);
  }
  await new Promise((r) => setTimeout(r, 1500));
  const perWrite: number[] = [];
  for (let round = 0; round < 5; round++) {
    deliveries.length = 0;
    sentAt = performance.now();
    await request(sessions[0]!, 'POST', '/api/v1/namespaces/default/configmaps', JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `w-${round}` } }));
    const deadline = Date.now() + 10_000;
    while (deliveries.length < WATCHERS && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    perWrite.push(pct(deliveries, 99));
  }
  out.push([`one write reaches ${WATCHERS} watchers (p99 of deliveries)`, `${pct(perWrite, 50).toFixed(1)} ms`, '< 100 ms']);
  out.push(['server memory after the run (RSS)', `${rssMb(srv.pid).toFixed(0)} MB`, '']);
  for (const st of streams) st.close();
  for (const s of [...sessions, ...wsessions]) s.close();
  srv.stop();
} finally {
  await new Promise((r) => setTimeout(r, 500));
  rmSync(dir, { recursive: true, force: true });
}
const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
console.log(`\nAPI server benchmark (SQLite store, node ${process.versions.node}, ${PODS} pods, ${WATCHERS} watchers, load average at the end ${load})\n`);
console.log('| measure | k8ts | target |\n|---|---|---|');
for (const [a, b, c] of out) console.log(`| ${a} | ${b} | ${c} |`);
process.exit(0);
