/**
 * kube-proxy benchmark: rule generation + iptables-restore for 10,000 Services
 * × 5 endpoints (full sync), then a one-Service change (partial sync), applied
 * inside a scratch network namespace. Needs root, iptables and iproute2.
 * IPTABLES_RESTORE=iptables-legacy-restore measures the legacy backend instead of the system's (nft).
 * `npm run bench:proxy [-- --services N --endpoints M]`
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { KObject } from '../src/api/index.js';
import { execRunner, IncrementalRuleset, mustRun, planRestore, DEFAULT_NODE_CONFIG, type NodeConfig } from '../src/proxy/index.js';

const { values } = parseArgs({ options: { services: { type: 'string', default: '10000' }, endpoints: { type: 'string', default: '5' }, rounds: { type: 'string', default: '5' } } });
const S = Number(values.services);
const E = Number(values.endpoints);
const ROUNDS = Number(values.rounds);
const node: NodeConfig = { ...DEFAULT_NODE_CONFIG, nodeName: 'bench', clusterCIDR: '10.42.0.0/16' };

function objects(): { services: KObject[]; slices: KObject[] } {
  const services: KObject[] = [];
  const slices: KObject[] = [];
  for (let i = 0; i < S; i++) {
    const name = `svc-${i}`;
    services.push({ kind: 'Service', metadata: { namespace: 'bench', name }, spec: { type: 'ClusterIP', clusterIP: `10.43.${(i >> 8) & 255}.${i & 255}`, ports: [{ name: 'http', port: 80, protocol: 'TCP' }] } });
    slices.push({
      kind: 'EndpointSlice',
      metadata: { namespace: 'bench', name: `${name}-x`, labels: { 'kubernetes.io/service-name': name } },
      addressType: 'IPv4',
      ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
      endpoints: Array.from({ length: E }, (_, j) => {
        const n = i * E + j;
        return { addresses: [`10.${44 + (n >> 16)}.${(n >> 8) & 255}.${n & 255}`], conditions: { ready: true }, nodeName: 'bench' };
      }),
    });
  }
  return { services, slices };
}

const RESTORE = process.env.IPTABLES_RESTORE ?? 'iptables-restore';
const IPT = RESTORE.replace('-restore', '');
/** CPU time (ms) of this process and of its waited-for children: figures that mean something on a loaded machine. */
function cpu(): { self: number; children: number } {
  const f = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]!.split(' ');
  const u = process.cpuUsage();
  return { self: (u.user + u.system) / 1000, children: (Number(f[13]) + Number(f[14])) * 10 };
}
const median = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)]!;
const ns = `k8ts-bench-proxy-${process.pid}`;
spawnSync('ip', ['netns', 'add', ns]);
const runner = execRunner({ netns: ns });
try {
  const { services, slices } = objects();
  type Row = { gen: number; restore: number; lines: number; genCpu: number; restoreCpu: number };
  const full: Row[] = [];
  const partial: Row[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    // Full sync from an empty table: every chain written.
    await runner.run(IPT, ['-t', 'nat', '-F']);
    await runner.run(IPT, ['-t', 'nat', '-X']);
    await runner.run(IPT, ['-t', 'filter', '-F']);
    await runner.run(IPT, ['-t', 'filter', '-X']);
    let c0 = cpu();
    let t0 = performance.now();
    // A fresh builder: a full sync parses and generates every Service.
    const builder = new IncrementalRuleset(node);
    const rs = builder.build(services, slices).ruleset;
    const plan = planRestore(rs);
    let t1 = performance.now();
    let c1 = cpu();
    await mustRun(runner, RESTORE, ['--noflush'], plan.text);
    let t2 = performance.now();
    let c2 = cpu();
    full.push({ gen: t1 - t0, restore: t2 - t1, lines: plan.ruleLines, genCpu: c1.self - c0.self, restoreCpu: c2.children - c1.children });
    // One Service's endpoints change: only its chains are written.
    const k = (round * 7919) % S;
    const changed = structuredClone(slices[k]!) as KObject & { endpoints: Array<{ addresses: string[] }> };
    changed.endpoints[0]!.addresses = [`10.99.${round}.1`];
    const slices2 = slices.slice();
    slices2[k] = changed;
    c0 = cpu();
    t0 = performance.now();
    const rs2 = builder.build(services, slices2).ruleset;
    const plan2 = planRestore(rs2, { previous: rs });
    t1 = performance.now();
    c1 = cpu();
    await mustRun(runner, RESTORE, ['--noflush'], plan2.text);
    t2 = performance.now();
    c2 = cpu();
    partial.push({ gen: t1 - t0, restore: t2 - t1, lines: plan2.ruleLines, genCpu: c1.self - c0.self, restoreCpu: c2.children - c1.children });
  }
  const f = (x: number) => `${x.toFixed(0)} ms`;
  const line = (label: string, rows: Row[]) => {
    const m = (k: keyof Row) => median(rows.map((r) => r[k]));
    console.log(`  ${label} wall: generate ${f(m('gen'))} + ${RESTORE} ${f(m('restore'))} = ${f(median(rows.map((r) => r.gen + r.restore)))}; CPU: generate ${f(m('genCpu'))} + restore ${f(m('restoreCpu'))}  (${rows[0]!.lines} rule lines)`);
  };
  console.log(`kube-proxy iptables: ${S} Services × ${E} endpoints, ${ROUNDS} rounds, medians, restore inside netns ${ns}; load average ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`);
  line('full sync:   ', full);
  line('partial sync:', partial);
} finally {
  spawnSync('ip', ['netns', 'del', ns]);
}
