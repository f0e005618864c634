/** Golden tests for rule generation: testdata/<case>.yaml (node + objects) → testdata/<case>.rules. UPDATE_GOLDEN=1 rewrites them. */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import type { KObject } from '../api/index.js';
import { sepChain, svcChain } from './chain-names.js';
import { planRestore, renderRuleset, parseSave, planCleanup, missingJumps } from './restore.js';
import { buildRuleset, probability, JUMP_RULES } from './ruleset.js';
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
    }
  });
});
