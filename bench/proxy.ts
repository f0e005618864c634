/**
 * kube-proxy benchmark: rule generation + iptables-restore for N Services ×
 * M endpoints, per backend (the system's `iptables-restore`, nf_tables on
 * Debian 12, and `iptables-legacy-restore`), at several sizes, each inside a
 * fresh scratch network namespace (never the host's). Per size:
 *
 * - full sync, cold: a fresh builder parses and generates every Service; the
 *   restore creates every chain (the proxy's first sync);
 * - full resync, warm: the builder keeps its per-Service fragments; the
 *   restore rewrites every chain, which all exist (the periodic full sync);
 * - partial sync: one Service's endpoints change (7 changes per round, each
 *   its own sync); only its chains are written.
 *
 * CPU times (this process for generation; the restore child's user+system
 * from /proc/self/stat) are the figures that survive a loaded machine; wall
 * times are printed too. The last column of the scaling table divides each
 * size's restore CPU by the smallest size's, per Service: ~1.0 is linear.
 *
 * `npm run bench:proxy [-- --services 1000,2000,5000,10000 --endpoints 5 --rounds 3 --backends nft,legacy --max-seconds 120]`
 * Needs root, iptables and iproute2.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { KObject } from '../src/api/index.js';
import { clearChainNameCache, execRunner, IncrementalRuleset, mustRun, planRestore, DEFAULT_NODE_CONFIG, type NodeConfig, type Ruleset } from '../src/proxy/index.js';

const { values } = parseArgs({
  options: {
    services: { type: 'string', default: '1000,2000,5000,10000' },
    endpoints: { type: 'string', default: '5' },
    rounds: { type: 'string', default: '3' },
    backends: { type: 'string', default: 'nft,legacy' },
    'max-seconds': { type: 'string', default: '120' },
  },
});
const SIZES = values.services!.split(',').map(Number);
const E = Number(values.endpoints);
const ROUNDS = Number(values.rounds);
const MAX_MS = Number(values['max-seconds']) * 1000;
/** One-Service changes measured per round (partial syncs). */
const PARTIAL_CHANGES = 7;
const BACKENDS: Record<string, string> = { nft: 'iptables-restore', legacy: 'iptables-legacy-restore' };
const node: NodeConfig = { ...DEFAULT_NODE_CONFIG, nodeName: 'bench', clusterCIDR: '10.42.0.0/16' };

function objects(S: number): { services: KObject[]; slices: KObject[] } {
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

/** CPU time (ms) of this process, and user/system of its waited-for children (10 ms ticks). */
function cpu(): { self: number; childUser: number; childSys: number } {
  const f = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]!.split(' ');
  const u = process.cpuUsage();
  return { self: (u.user + u.system) / 1000, childUser: Number(f[13]) * 10, childSys: Number(f[14]) * 10 };
}
const median = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)]!;

interface Row {
  lines: number;
  genCpu: number;
  restoreWall: number;
  restoreUser: number;
  restoreSys: number;
}

async function measure(ns: string, restoreBin: string, gen: () => { text: string; lines: number }): Promise<Row & { text: string }> {
  const runner = execRunner({ netns: ns });
  const c0 = cpu();
  const { text, lines } = gen();
  const c1 = cpu();
  const t1 = performance.now();
  if (text) await mustRun(runner, restoreBin, ['--noflush'], text);
  const t2 = performance.now();
  const c2 = cpu();
  return { text, lines, genCpu: c1.self - c0.self, restoreWall: t2 - t1, restoreUser: c2.childUser - c1.childUser, restoreSys: c2.childSys - c1.childSys };
}

const load = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
console.log(`kube-proxy iptables: Services × ${E} endpoints, ${ROUNDS} rounds per size (medians), each restore in a fresh network namespace; load average at start ${load()}`);
console.log('CPU = this process for generation, the restore child (user+sys) for iptables-restore; wall times move with the machine load.\n');

for (const backend of values.backends!.split(',')) {
  const bin = BACKENDS[backend] ?? backend;
  if (spawnSync(bin, ['--version']).status !== 0) {
    console.log(`${bin}: not available, skipped\n`);
    continue;
  }
  console.log(`### ${bin} (${spawnSync(bin.replace('-restore', ''), ['--version'], { encoding: 'utf8' }).stdout.trim()})\n`);
  console.log('| Services | rule lines | full sync (cold): generate CPU | restore wall | restore CPU user+sys | full resync (warm): generate CPU | restore wall | restore CPU | partial sync: lines | generate CPU | restore wall | restore CPU | restore CPU per Service vs smallest |');
  console.log('|---|---|---|---|---|---|---|---|---|---|---|---|---|');
  let basePerSvc = 0;
  for (const S of SIZES) {
    const { services, slices } = objects(S);
    const full: Row[] = [];
    const resync: Row[] = [];
    const partial: Row[] = [];
    let tooSlow = false;
    for (let round = 0; round < ROUNDS && !tooSlow; round++) {
      const ns = `k8ts-bench-proxy-${process.pid}-${backend}-${S}-${round}`;
      spawnSync('ip', ['netns', 'add', ns]);
      try {
        let builder!: IncrementalRuleset;
        let rs!: Ruleset;
        const f = await measure(ns, bin, () => {
          // Cold: parse + generate every Service (no cached chain-name hashes either), then render the restore input.
          clearChainNameCache();
          builder = new IncrementalRuleset(node);
          rs = builder.build(services, slices).ruleset;
          const p = planRestore(rs);
          return { text: p.text, lines: p.ruleLines };
        });
        full.push(f);
        if (f.restoreWall > MAX_MS) tooSlow = true;
        resync.push(
          await measure(ns, bin, () => {
            rs = builder.build(services, slices).ruleset;
            const p = planRestore(rs);
            return { text: p.text, lines: p.ruleLines };
          }),
        );
        // Several one-Service changes in a row (each its own partial sync).
        const slices2 = slices.slice();
        for (let change = 0; change < PARTIAL_CHANGES; change++) {
          const k = (round * 7919 + change * 104729 + 13) % S;
          const changed = structuredClone(slices2[k]!) as KObject & { endpoints: Array<{ addresses: string[] }> };
          changed.endpoints[0]!.addresses = [`10.99.${round}.${change + 1}`];
          slices2[k] = changed;
          const prev = rs;
          partial.push(
            await measure(ns, bin, () => {
              rs = builder.build(services, slices2).ruleset;
              const p = planRestore(rs, { previous: prev });
              return { text: p.text, lines: p.ruleLines };
            }),
          );
        }
      } finally {
        spawnSync('ip', ['netns', 'del', ns]);
      }
    }
    const m = (rows: Row[], k: keyof Row) => median(rows.map((r) => r[k]));
    const ms = (x: number) => (x >= 10_000 ? `${(x / 1000).toFixed(1)} s` : `${x.toFixed(0)} ms`);
    const rcpu = (rows: Row[]) => `${ms(median(rows.map((r) => r.restoreUser + r.restoreSys)))} (${ms(m(rows, 'restoreUser'))} + ${ms(m(rows, 'restoreSys'))})`;
    const perSvc = median(full.map((r) => r.restoreUser + r.restoreSys)) / S;
    if (!basePerSvc) basePerSvc = perSvc;
    console.log(
      `| ${S.toLocaleString('en-US')} | ${m(full, 'lines').toLocaleString('en-US')} | ${ms(m(full, 'genCpu'))} | ${ms(m(full, 'restoreWall'))} | ${rcpu(full)} | ${ms(m(resync, 'genCpu'))} | ${ms(m(resync, 'restoreWall'))} | ${rcpu(resync)} | ${m(partial, 'lines')} | ${ms(m(partial, 'genCpu'))} | ${ms(m(partial, 'restoreWall'))} | ${rcpu(partial)} | ${(perSvc / basePerSvc).toFixed(2)}× |`,
    );
    if (tooSlow) {
      console.log(`| (larger sizes skipped: a full restore took over ${MAX_MS / 1000} s) |`);
      break;
    }
  }
  console.log(`\nload average at end: ${load()}\n`);
}
