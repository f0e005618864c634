/**
 * `npm run bench:dns`: cluster DNS answering from its cache. The server runs
 * in this process over a static source of Services and EndpointSlices
 * (the same zone code the informer-fed server uses); a child process keeps a
 * fixed number of UDP queries in flight against it on loopback and records
 * each reply's latency. This process's CPU time per query (which other load
 * on the machine does not change) gives the rate one core could serve. Targets (issue 10): ≥ 20,000 queries/s, p99 < 2 ms.
 *
 * BENCH_DNS_SECONDS (default 5), BENCH_DNS_SERVICES (default 1,000),
 * BENCH_DNS_INFLIGHT (queries kept in flight per run, default 1,8,32,64).
 */
import { spawn } from 'node:child_process';
import dnsPacket from 'dns-packet';
import { DnsServer, StaticSource, type EndpointSlice, type Service } from '../src/dns/index.js';

const seconds = Number(process.env.BENCH_DNS_SECONDS ?? 5);
const nServices = Number(process.env.BENCH_DNS_SERVICES ?? 1000);
const inflights = (process.env.BENCH_DNS_INFLIGHT ?? '1,8,32,64').split(',').map(Number);

const services: Service[] = [];
const slices: EndpointSlice[] = [];
for (let i = 0; i < nServices; i++) {
  const ns = `ns-${i % 10}`;
  const headless = i % 10 === 9;
  services.push({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { namespace: ns, name: `svc-${i}` },
    spec: { type: 'ClusterIP', clusterIP: headless ? 'None' : `10.43.${(i >> 8) & 255}.${i & 255}`, ports: [{ name: 'http', port: 80, protocol: 'TCP' }] },
  });
  slices.push({
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { namespace: ns, name: `svc-${i}-x`, labels: { 'kubernetes.io/service-name': `svc-${i}` } },
    addressType: 'IPv4',
    endpoints: Array.from({ length: 5 }, (_, k) => ({ addresses: [`10.42.${(i >> 5) & 255}.${((i & 31) << 3) + k}`], conditions: { ready: true } })),
    ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
  });
}
const source = new StaticSource(services, slices);

// The query mix: A for ClusterIP Services (80%), headless A (10%), SRV (5%), NXDOMAIN in the zone (5%).
const queries: Buffer[] = [];
for (let i = 0; i < 2000; i++) {
  const s = i % nServices;
  const ns = `ns-${s % 10}`;
  const r = i % 20;
  const q =
    r < 16 ? { name: `svc-${s - (s % 10 === 9 ? 1 : 0)}.${ns}.svc.cluster.local`, type: 'A' as const }
    : r < 18 ? { name: `svc-${s - (s % 10) + 9}.${ns}.svc.cluster.local`, type: 'A' as const }
    : r < 19 ? { name: `_http._tcp.svc-${s}.${ns}.svc.cluster.local`, type: 'SRV' as const }
    : { name: `missing-${s}.${ns}.svc.cluster.local`, type: 'A' as const };
  queries.push(dnsPacket.encode({ type: 'query', id: 0, flags: dnsPacket.RECURSION_DESIRED, questions: [{ ...q, class: 'IN' }] }));
}

const loadGen = `
process.once('message', (workerData) => {
const dgram = require('node:dgram');
const { port, durationMs, warmupMs, inflight } = workerData;
const queries = workerData.queries.map((b) => Buffer.from(b, 'base64'));
const sock = dgram.createSocket('udp4');
let id = 0, count = 0, lost = 0, measuring = false;
const sent = new Map();
const lat = [];
function send() {
  id = (id + 1) & 0xffff;
  const q = Buffer.from(queries[id % queries.length]);
  q.writeUInt16BE(id, 0);
  sent.set(id, process.hrtime.bigint());
  sock.send(q, port, '127.0.0.1');
}
sock.on('message', (m) => {
  const i = m.readUInt16BE(0);
  const t = sent.get(i);
  if (t === undefined) return;
  sent.delete(i);
  if (measuring) { lat.push(Number(process.hrtime.bigint() - t) / 1e6); count++; }
  send();
});
// A lost datagram would leave a slot empty: refill after 500 ms.
const sweep = setInterval(() => {
  const now = process.hrtime.bigint();
  for (const [i, t] of sent) if (now - t > 500000000n) { sent.delete(i); lost++; send(); }
}, 100);
sock.bind(0, '127.0.0.1', () => {
  for (let i = 0; i < inflight; i++) send();
  setTimeout(() => {
    measuring = true;
    const t0 = process.hrtime.bigint();
    setTimeout(() => {
      measuring = false;
      clearInterval(sweep);
      process.send({ count, lost, elapsedMs: Number(process.hrtime.bigint() - t0) / 1e6, lat }, () => process.exit(0));
      sock.close();
    }, durationMs);
  }, warmupMs);
});
});
`;

interface Result {
  count: number;
  lost: number;
  elapsedMs: number;
  lat: number[];
}

/** One run: the load generator in its own process, so this process's CPU time is the server's alone. */
async function run(port: number, inflight: number): Promise<Result & { cpuUs: number }> {
  const child = spawn(process.execPath, ['-e', loadGen], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  child.send({ port, queries: queries.map((b) => b.toString('base64')), durationMs: seconds * 1000, warmupMs: 1000, inflight });
  let cpu0 = process.cpuUsage();
  const warm = setTimeout(() => (cpu0 = process.cpuUsage()), 1000);
  const r = await new Promise<Result>((resolve, reject) => {
    child.once('message', (m) => resolve(m as Result));
    child.once('error', reject);
  });
  clearTimeout(warm);
  const d = process.cpuUsage(cpu0);
  return { ...r, cpuUs: d.user + d.system };
}

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

const server = new DnsServer({ source, host: '127.0.0.1', port: 0, upstreams: [] });
await server.start();
const load = (await import('node:os')).loadavg()[0]!.toFixed(2);
console.log(`cluster DNS from cache: ${nServices} Services (10% headless, 5 endpoints each), ${seconds} s per run, loopback UDP, load average ${load}\n`);
console.log('| queries in flight | queries/s | p50 ms | p99 ms | max ms | lost | server CPU per query | queries/s per server core (CPU-bound) |');
console.log('|---|---|---|---|---|---|---|---|');
for (const inflight of inflights) {
  const r = await run(server.port, inflight);
  const sorted = r.lat.sort((a, b) => a - b);
  const qps = (r.count / r.elapsedMs) * 1000;
  const perQuery = r.cpuUs / Math.max(1, r.count);
  console.log(`| ${inflight} | ${Math.round(qps).toLocaleString('en-US')} | ${pct(sorted, 50).toFixed(3)} | ${pct(sorted, 99).toFixed(3)} | ${sorted[sorted.length - 1]!.toFixed(2)} | ${r.lost} | ${perQuery.toFixed(1)} µs | ${Math.round(1e6 / perQuery).toLocaleString('en-US')} |`);
}
// The zone alone (no sockets, no encoding): what the cache lookup costs.
const t0 = performance.now();
let n = 0;
while (performance.now() - t0 < 1000) {
  for (let i = 0; i < 1000; i++) server.zone.resolve(`svc-${i % nServices}.ns-${i % 10}.svc.cluster.local`, 'A');
  n += 1000;
}
console.log(`\nzone lookups alone: ${Math.round(n / ((performance.now() - t0) / 1000)).toLocaleString('en-US')}/s`);
// The cached-answer path alone (no sockets): what a repeat query costs inside the server.
{
  const msgs = queries.map((b, i) => {
    const m = Buffer.from(b);
    m.writeUInt16BE(i & 0xffff, 0);
    return m;
  });
  for (const m of msgs) await server.handle(m, 'udp');
  const c0 = process.cpuUsage();
  const t1 = performance.now();
  let k = 0;
  while (performance.now() - t1 < 1000) {
    for (let i = 0; i < 1000; i++) await server.handle(msgs[(k + i) % msgs.length]!, 'udp');
    k += 1000;
  }
  const c = process.cpuUsage(c0);
  console.log(`cached answers without sockets: ${((c.user + c.system) / k).toFixed(2)} µs CPU per query`);
}
console.log(`load average at end: ${(await import('node:os')).loadavg().map((x) => x.toFixed(2)).join(' ')}`);
await server.close();
