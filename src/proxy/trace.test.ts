/** The tracer over rendered golden rulesets: ClusterIP, NodePort (through KUBE-NODEPORTS and KUBE-EXT), no endpoints, counters. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import type { KObject } from '../api/index.js';
import { renderRuleset } from './restore.js';
import { buildRuleset, JUMP_RULES } from './ruleset.js';
import { stateFromObjects } from './service-info.js';
import { movedCounters, tracePacket } from './trace.js';
import { DEFAULT_NODE_CONFIG, type NodeConfig } from './types.js';

function saved(file: string): string {
  const doc = parse(readFileSync(join(import.meta.dirname, 'testdata', file), 'utf8')) as { node: Partial<NodeConfig> & { nodeName: string }; objects: KObject[] };
  const node = { ...DEFAULT_NODE_CONFIG, ...doc.node };
  const text = renderRuleset(buildRuleset(stateFromObjects(doc.objects.filter((o) => o.kind === 'Service'), doc.objects.filter((o) => o.kind === 'EndpointSlice'), node.nodeName), node));
  // As iptables-save shows it: the jumps from the built-in chains are there too.
  const jumps = (t: string) => JUMP_RULES.filter((j) => j.table === t).map((j) => `-A ${j.chain} ${j.args}`).join('\n');
  return text.replace('*filter\n', `*filter\n${jumps('filter')}\n`).replace('*nat\n', `*nat\n${jumps('nat')}\n`);
}

describe('k8ts trace: packet walk over the rules', () => {
  it('a pod → ClusterIP packet: PREROUTING → KUBE-SERVICES → KUBE-SVC → three endpoints at 1/3 each', () => {
    const t = tracePacket(saved('clusterip.yaml'), { src: '10.42.0.20', dst: '10.43.0.41', dport: 80, proto: 'tcp', dstIsLocal: false, hook: 'PREROUTING' });
    assert.deepEqual(t.choices.map((c) => [c.destination, c.probability.toFixed(4)]), [['10.42.0.5:8080', '0.3333'], ['10.42.0.6:8080', '0.3333'], ['10.42.1.7:8080', '0.3333']]);
    assert.match(t.steps[0]!.rule, /^-A PREROUTING .*-j KUBE-SERVICES$/);
    assert.equal(t.verdict, undefined);
  });

  it('a NodePort from the node: OUTPUT → KUBE-SERVICES → KUBE-NODEPORTS → KUBE-EXT (masquerade) → KUBE-SVC', () => {
    const t = tracePacket(saved('nodeport-lb.yaml'), { src: '192.168.1.20', dst: '192.168.1.20', dport: 30080, proto: 'tcp', dstIsLocal: true, hook: 'OUTPUT' });
    const chains = t.steps.map((s) => s.chain);
    assert.ok(chains.includes('KUBE-NODEPORTS') && chains.some((c) => c.startsWith('KUBE-EXT-')), chains.join(' '));
    assert.deepEqual(t.choices.map((c) => c.destination), ['10.42.0.11:80', '10.42.0.12:80']);
    assert.ok(t.steps.some((s) => /masquerade traffic for default\/web:http external destinations/.test(s.rule)));
  });

  it('a Service without endpoints ends in the filter table REJECT', () => {
    const t = tracePacket(saved('clusterip.yaml'), { src: '10.42.0.20', dst: '10.43.0.42', dport: 80, proto: 'tcp', dstIsLocal: false, hook: 'PREROUTING' });
    assert.equal(t.choices.length, 0);
    assert.match(t.verdict ?? '', /^REJECT in filter KUBE-SERVICES \(ns1\/empty has no endpoints\)$/);
  });

  it('reports the rules whose counters moved between two iptables-save -c outputs', () => {
    const before = '*nat\n[0:0] -A KUBE-SERVICES -j KUBE-SVC-A\n[5:300] -A KUBE-SVC-A -j KUBE-SEP-B\nCOMMIT\n';
    const after = '*nat\n[1:60] -A KUBE-SERVICES -j KUBE-SVC-A\n[5:300] -A KUBE-SVC-A -j KUBE-SEP-B\nCOMMIT\n';
    assert.deepEqual(movedCounters(before, after), [{ rule: 'nat -A KUBE-SERVICES -j KUBE-SVC-A', packets: 1 }]);
  });
});
