/** Golden tests for rule generation: testdata/<case>.yaml (node + objects) → testdata/<case>.rules. UPDATE_GOLDEN=1 rewrites them. */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import type { KObject } from '../api/index.js';
import { sepChain, svcChain } from './chain-names.js';
import { planRestore, renderRuleset, parseSave, planCleanup, missingJumps, SPLIT_CHAINS } from './restore.js';
import { execRunner, mustRun } from './runner.js';
import { requireBinary } from '../../test/support/require.js';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { buildRuleset, probability, JUMP_RULES, LARGE_CLUSTER_ENDPOINTS } from './ruleset.js';
import { stateFromObjects } from './service-info.js';
import { staleConntrackDeletes } from './conntrack.js';
import { IncrementalRuleset } from './incremental.js';
import { DEFAULT_NODE_CONFIG, type NodeConfig } from './types.js';

const dir = join(import.meta.dirname, 'testdata');

function load(name: string): { node: NodeConfig; services: KObject[]; slices: KObject[] } {
  const doc = parse(readFileSync(join(dir, name), 'utf8')) as { node: Partial<NodeConfig> & { nodeName: string }; objects: KObject[] };
  return {
    node: { ...DEFAULT_NODE_CONFIG, ...doc.node },
    services: doc.objects.filter((o) => o.kind === 'Service'),
    slices: doc.objects.filter((o) => o.kind === 'EndpointSlice'),
  };
}

describe('proxy rule generation (golden files)', () => {
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.yaml'))) {
    it(`${file} renders as testdata/${file.replace('.yaml', '.rules')}`, () => {
      const { node, services, slices } = load(file);
      const text = renderRuleset(buildRuleset(stateFromObjects(services, slices, node.nodeName), node));
      const golden = join(dir, file.replace('.yaml', '.rules'));
      if (process.env.UPDATE_GOLDEN === '1' || !existsSync(golden)) writeFileSync(golden, text);
      assert.equal(text, readFileSync(golden, 'utf8'));
    });
  }
});

describe('proxy rule details', () => {
  it('names chains with upstream hashes', () => {
    // Values from upstream's proxier_test.go.
    assert.equal(svcChain('ns1/svc1:p80', 'tcp'), 'KUBE-SVC-XPGD46QRK7WJZT7O');
    assert.equal(sepChain('ns1/svc1:p80', 'tcp', '10.180.0.1:80'), 'KUBE-SEP-SXIVWICOYRO3J4NJ');
  });

  it('formats probabilities as upstream (1/n with 10 decimals)', () => {
    assert.equal(probability(3), '0.3333333333');
    assert.equal(probability(2), '0.5000000000');
  });

  it('spreads 3 endpoints with 1/3, 1/2 and a final unconditional jump', () => {
    const { node, services, slices } = load('clusterip.yaml');
    const rs = buildRuleset(stateFromObjects(services, slices, node.nodeName), node);
    const rules = rs.nat.get(svcChain('ns1/svc1:p80', 'tcp'))!;
    const jumps = rules.filter((r) => r.includes('KUBE-SEP-'));
    assert.equal(jumps.length, 3);
    assert.match(jumps[0]!, /--probability 0\.3333333333 /);
    assert.match(jumps[1]!, /--probability 0\.5000000000 /);
    assert.doesNotMatch(jumps[2]!, /statistic/);
  });

  it('writes only changed chains on a partial sync and deletes unused ones', () => {
    const { node, services, slices } = load('clusterip.yaml');
    const before = buildRuleset(stateFromObjects(services, slices, node.nodeName), node);
    const slice = structuredClone(slices[0]!) as KObject & { endpoints: unknown[] };
    slice.endpoints = slice.endpoints.slice(0, 1);
    const after = buildRuleset(stateFromObjects(services, [slice, ...slices.slice(1)], node.nodeName), node);
    const plan = planRestore(after, { previous: before });
    assert.deepEqual(plan.written, { filter: 0, nat: 1 }, plan.text);
    assert.match(plan.text, new RegExp(`^:${svcChain('ns1/svc1:p80', 'tcp')} `, 'm'));
    assert.equal(plan.deleted.length, 2);
    for (const c of plan.deleted) assert.match(plan.text, new RegExp(`^-X ${c}$`, 'm'));
    assert.equal(planRestore(after, { previous: after }).text, '');
  });

  it('finds missing jump rules and plans a cleanup from iptables-save output', () => {
    const saved = parseSave(['*nat', ':PREROUTING ACCEPT [0:0]', ':KUBE-SERVICES - [0:0]', ':KUBE-SVC-AAAA - [0:0]', ':OTHER - [0:0]', `-A PREROUTING ${JUMP_RULES.find((j) => j.chain === 'PREROUTING')!.args}`, 'COMMIT', ''].join('\n'));
    const missing = missingJumps(saved);
    assert.equal(missing.length, JUMP_RULES.length - 1);
    const text = planCleanup(saved);
    assert.match(text, /^-D PREROUTING .*-j KUBE-SERVICES$/m);
    assert.match(text, /^-X KUBE-SVC-AAAA$/m);
    assert.doesNotMatch(text, /OTHER/);
  });

  it('flushes UDP conntrack entries of removed endpoints and of Services that gain endpoints', () => {
    const { node, services, slices } = load('clusterip.yaml');
    const full = stateFromObjects(services, slices, node.nodeName);
    const none = stateFromObjects(services, slices.filter((s) => s.metadata.name !== 'kube-dns-x'), node.nodeName);
    assert.deepEqual(staleConntrackDeletes(full, none), [['-D', '-p', 'udp', '--orig-dst', '10.43.0.10', '--orig-port-dst', '53', '--dst-nat', '10.42.0.2']]);
    assert.deepEqual(staleConntrackDeletes(none, full), [['-D', '-p', 'udp', '--orig-dst', '10.43.0.10', '--orig-port-dst', '53']]);
  });

  it('drops per-endpoint comments in large cluster mode (> 1000 endpoints), in both builders', () => {
    const node: NodeConfig = { ...DEFAULT_NODE_CONFIG, nodeName: 'n1', clusterCIDR: '10.42.0.0/16' };
    const objs = (nSvc: number, nEp: number) => {
      const services: KObject[] = [];
      const slices: KObject[] = [];
      for (let i = 0; i < nSvc; i++) {
        services.push({ kind: 'Service', metadata: { namespace: 'big', name: `s${i}` }, spec: { clusterIP: `10.43.${i >> 8}.${i & 255}`, ports: [{ name: 'p', port: 80 }] } } as KObject);
        slices.push({
          kind: 'EndpointSlice',
          metadata: { namespace: 'big', name: `s${i}-a`, labels: { 'kubernetes.io/service-name': `s${i}` } },
          addressType: 'IPv4',
          ports: [{ name: 'p', port: 8080 }],
          endpoints: Array.from({ length: nEp }, (_, j) => ({ addresses: [`10.42.${i}.${j + 1}`], conditions: { ready: true } })),
        } as KObject);
      }
      return { services, slices };
    };
    const big = objs(201, 5); // 1005 endpoints
    const small = { services: big.services, slices: big.slices.map((s, i) => (i === 0 ? { ...s, endpoints: [] } : s)) }; // 1000: not large
    const render = (o: { services: KObject[]; slices: KObject[] }) => renderRuleset(buildRuleset(stateFromObjects(o.services, o.slices, node.nodeName), node));
    const largeText = render(big);
    const sep = sepChain('big/s7:p', 'tcp', '10.42.7.1:8080');
    const svc = svcChain('big/s7:p', 'tcp');
    assert.match(largeText, new RegExp(`^-A ${sep} -s 10\\.42\\.7\\.1/32 -j KUBE-MARK-MASQ$`, 'm'));
    assert.match(largeText, new RegExp(`^-A ${sep} -m tcp -p tcp -j DNAT --to-destination 10\\.42\\.7\\.1:8080$`, 'm'));
    assert.match(largeText, new RegExp(`^-A ${svc} -m statistic --mode random --probability 0\\.2000000000 -j ${sep}$`, 'm'));
    assert.match(largeText, /^-A KUBE-SERVICES -m comment --comment "big\/s7:p cluster IP" /m, 'top-level rules keep their comments');
    assert.doesNotMatch(largeText, /-A KUBE-SEP-\S+ -m comment/);
    const smallText = render(small);
    assert.ok(LARGE_CLUSTER_ENDPOINTS === 1000);
    assert.match(smallText, new RegExp(`^-A ${sep} -m comment --comment big/s7:p -s 10\\.42\\.7\\.1/32 -j KUBE-MARK-MASQ$`, 'm'));
    // The incremental builder flips mode with the pure one and rebuilds every Service when it does.
    const inc = new IncrementalRuleset(node);
    assert.equal(renderRuleset(inc.build(big.services, big.slices).ruleset), largeText);
    assert.equal(inc.largeCluster, true);
    assert.equal(renderRuleset(inc.build(small.services, small.slices).ruleset), smallText);
    assert.equal(inc.largeCluster, false);
    assert.equal(inc.rebuilt, 201);
    assert.equal(renderRuleset(inc.build(big.services, big.slices).ruleset), largeText);
    assert.equal(inc.rebuilt, 201);
  });

  it('the incremental builder equals the pure one and rebuilds only changed Services', () => {
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.yaml'))) {
      const { node, services, slices } = load(file);
      const inc = new IncrementalRuleset(node);
      const first = inc.build(services, slices).ruleset;
      assert.equal(renderRuleset(first), renderRuleset(buildRuleset(stateFromObjects(services, slices, node.nodeName), node)), file);
      const again = inc.build(services, slices);
      assert.equal(inc.rebuilt, 0);
      assert.equal(planRestore(again.ruleset, { previous: first }).text, '');
      const changed = slices.map((s, i) => (i === 0 ? { ...s, endpoints: [] } : s));
      const third = inc.build(services, changed).ruleset;
      assert.equal(inc.rebuilt, 1);
      assert.equal(renderRuleset(third), renderRuleset(buildRuleset(stateFromObjects(services, changed, node.nodeName), node)), file);
      // The builder's change hint gives the same partial sync as comparing every chain.
      const hinted = planRestore(third, { previous: again.ruleset });
      const scanned = planRestore({ filter: third.filter, nat: third.nat }, { previous: again.ruleset });
      assert.deepEqual(hinted.written, scanned.written, file);
      assert.deepEqual([...hinted.deleted].sort(), [...scanned.deleted].sort(), file);
      assert.deepEqual(hinted.text.split('\n').sort(), scanned.text.split('\n').sort(), file);
      assert.notEqual(scanned.text, '', file);
    }
  });

  it('splits a large input into per-Service transactions that iptables-restore applies as the unsplit one (real iptables, own netns)', async (t) => {
    const node: NodeConfig = { ...DEFAULT_NODE_CONFIG, nodeName: 'n1', clusterCIDR: '10.42.0.0/16' };
    const services: KObject[] = [];
    const slices: KObject[] = [];
    for (let i = 0; i < 500; i++) {
      services.push({ kind: 'Service', metadata: { namespace: 'big', name: `s${i}` }, spec: { type: i % 5 ? 'ClusterIP' : 'NodePort', clusterIP: `10.43.${i >> 8}.${i & 255}`, ports: [{ name: 'p', port: 80, nodePort: 30000 + i }] } } as KObject);
      slices.push({
        kind: 'EndpointSlice',
        metadata: { namespace: 'big', name: `s${i}-a`, labels: { 'kubernetes.io/service-name': `s${i}` } },
        addressType: 'IPv4',
        ports: [{ name: 'p', port: 8080 }],
        endpoints: Array.from({ length: 5 }, (_, j) => ({ addresses: [`10.42.${i >> 3}.${((i & 7) << 5) + j + 1}`], conditions: { ready: true } })),
      } as KObject);
    }
    const rs = new IncrementalRuleset(node).build(services, slices).ruleset;
    assert.ok(rs.nat.size > SPLIT_CHAINS);
    const plan = planRestore(rs, { existing: { filter: new Set(), nat: new Set(['KUBE-SVC-STALESTALESTALE1']) }, missingJumps: JUMP_RULES });
    const sections = plan.text.split('COMMIT\n').filter(Boolean);
    assert.ok(sections.length > 5, `${sections.length} sections`);
    // Every chain is declared in the section that writes it, before any rule jumping to it in that section or later.
    const declaredIn = new Map<string, number>();
    sections.forEach((sec, i) => {
      for (const m of sec.matchAll(/^:(\S+) /gm)) declaredIn.set(m[1]!, i);
    });
    sections.forEach((sec, i) => {
      for (const m of sec.matchAll(/^-A (\S+) .* -j (KUBE-\S+)$/gm)) {
        assert.ok((declaredIn.get(m[1]!) ?? 99) === i, `${m[1]} written in section ${i}`);
        assert.ok((declaredIn.get(m[2]!) ?? 99) <= i, `${m[2]} declared before section ${i} jumps to it`);
      }
    });
    const last = sections[sections.length - 1]!;
    assert.match(last, /^\*nat\n:KUBE-SERVICES /);
    assert.match(last, /^-X KUBE-SVC-STALESTALESTALE1$/m);
    assert.match(last, /^-I PREROUTING 1 /m);
    // The same lines as the unsplit input, in other transactions.
    const expected = [...rs.filter.values(), ...rs.nat.values()].flat();
    expected.push('-X KUBE-SVC-STALESTALESTALE1', ...JUMP_RULES.map((j) => `-I ${j.chain} 1 ${j.args}`));
    assert.deepEqual(plan.text.split('\n').filter((l) => l.startsWith('-')).sort(), expected.sort());

    if (!requireBinary(t, 'iptables-restore', 'iptables') || !requireBinary(t, 'ip', 'iproute2')) return;
    if (process.getuid?.() !== 0) return t.skip('needs root (network namespaces)');
    const ns = `k8ts-split-${randomBytes(4).toString('hex')}`;
    assert.equal(spawnSync('ip', ['netns', 'add', ns]).status, 0);
    try {
      const runner = execRunner({ netns: ns });
      await mustRun(runner, 'iptables-restore', ['--noflush'], ['*nat', ':KUBE-SVC-STALESTALESTALE1 - [0:0]', 'COMMIT', ''].join('\n'));
      await mustRun(runner, 'iptables-restore', ['--noflush'], plan.text);
      const saved = parseSave(await mustRun(runner, 'iptables-save', [])).get('nat')!;
      assert.equal(saved.has('KUBE-SVC-STALESTALESTALE1'), false, 'stale chain deleted');
      for (const [chain, rules] of rs.nat) assert.equal(saved.get(chain)?.length ?? -1, rules.length, chain);
      // A resync over existing chains (flush and refill) applies too, and changes nothing.
      await mustRun(runner, 'iptables-restore', ['--noflush'], planRestore(rs).text);
      const again = parseSave(await mustRun(runner, 'iptables-save', [])).get('nat')!;
      assert.deepEqual([...again.keys()].sort(), [...saved.keys()].sort());
    } finally {
      spawnSync('ip', ['netns', 'del', ns]);
    }
  });
});
