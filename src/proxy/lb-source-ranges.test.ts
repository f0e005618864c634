/**
 * loadBalancerSourceRanges: reading the field or the annotation, the API's
 * validation, and `k8ts trace` over the firewall chains of the golden ruleset
 * (testdata/lb-source-ranges.yaml; the rules themselves are checked by the
 * golden test in ruleset.test.ts and on real iptables by test/e2e/proxy-lb-source-ranges.test.ts).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { BUILTIN_RESOURCES, fieldErrText, type KObject } from '../api/index.js';
import { fwChain } from './chain-names.js';
import { renderRuleset } from './restore.js';
import { buildRuleset, JUMP_RULES } from './ruleset.js';
import { canonicalIPv4CIDR, loadBalancerSourceRangesOf, servicePortsOf, stateFromObjects } from './service-info.js';
import { tracePacket } from './trace.js';
import { DEFAULT_NODE_CONFIG, type NodeConfig } from './types.js';

const svc = (spec: Record<string, unknown>, annotations?: Record<string, string>): KObject =>
  ({ kind: 'Service', metadata: { namespace: 'default', name: 's', ...(annotations ? { annotations } : {}) }, spec, status: { loadBalancer: { ingress: [{ ip: '192.168.1.20' }] } } }) as KObject;

describe('loadBalancerSourceRanges: what the proxy reads', () => {
  it('canonicalises IPv4 ranges and ignores the rest', () => {
    assert.equal(canonicalIPv4CIDR(' 203.0.113.7/25 '), '203.0.113.0/25');
    assert.equal(canonicalIPv4CIDR('0.0.0.0/0'), '0.0.0.0/0');
    assert.equal(canonicalIPv4CIDR('10.1.2.3/32'), '10.1.2.3/32');
    for (const bad of ['2001:db8::/64', '10.0.0.0', '10.0.0.0/33', 'nope/8', '']) assert.equal(canonicalIPv4CIDR(bad), undefined, bad);
  });

  it('takes the field, else the annotation (comma-separated); the field wins', () => {
    const ann = { 'service.beta.kubernetes.io/load-balancer-source-ranges': '10.0.0.0/8, 192.168.0.0/16,10.0.0.0/8' };
    assert.deepEqual(loadBalancerSourceRangesOf(svc({ type: 'LoadBalancer' }, ann)), ['10.0.0.0/8', '192.168.0.0/16']);
    assert.deepEqual(loadBalancerSourceRangesOf(svc({ type: 'LoadBalancer', loadBalancerSourceRanges: ['172.16.0.1/12'] }, ann)), ['172.16.0.0/12']);
    assert.deepEqual(loadBalancerSourceRangesOf(svc({ type: 'LoadBalancer' })), []);
  });

  it('applies only to LoadBalancer Services with ingress IPs', () => {
    const ports = (spec: Record<string, unknown>) => servicePortsOf(svc({ clusterIP: '10.43.0.9', ports: [{ port: 80 }], loadBalancerSourceRanges: ['10.0.0.0/8'], ...spec }));
    assert.deepEqual(ports({ type: 'LoadBalancer' })[0]!.loadBalancerSourceRanges, ['10.0.0.0/8']);
    assert.deepEqual(ports({ type: 'NodePort' })[0]!.loadBalancerSourceRanges, []);
  });
});

describe('loadBalancerSourceRanges: API validation (as upstream ValidateService)', () => {
  const check = (spec: Record<string, unknown>, annotations?: Record<string, string>): string[] => {
    const o = { metadata: { name: 's', namespace: 'default', ...(annotations ? { annotations } : {}) }, spec: { ports: [{ port: 80 }], ...spec } } as KObject;
    const serviceDef = BUILTIN_RESOURCES.find((d) => d.group === '' && d.resource === 'services')!;
    serviceDef.defaults?.(o);
    return (serviceDef.validate?.(o) ?? []).map(fieldErrText).filter((e) => /SourceRanges|source-ranges/.test(e));
  };
  it('accepts CIDRs (space-padded too) on a LoadBalancer', () => {
    assert.deepEqual(check({ type: 'LoadBalancer', loadBalancerSourceRanges: ['10.0.0.0/8', ' 2001:db8::/64 '] }), []);
    assert.deepEqual(check({ type: 'LoadBalancer' }, { 'service.beta.kubernetes.io/load-balancer-source-ranges': '10.0.0.0/8, 192.168.1.0/24' }), []);
    assert.deepEqual(check({ type: 'LoadBalancer' }, { 'service.beta.kubernetes.io/load-balancer-source-ranges': '' }), []);
  });
  it('refuses a range that is not a CIDR, and ranges on other types', () => {
    assert.deepEqual(check({ type: 'LoadBalancer', loadBalancerSourceRanges: ['10.0.0.0/8', '10.0.0.1'] }), [
      'spec.LoadBalancerSourceRanges: Invalid value: "[10.0.0.0/8 10.0.0.1]": must be a list of IP ranges. For example, 10.240.0.0/24,10.250.0.0/24 ',
    ]);
    assert.deepEqual(check({ type: 'NodePort', loadBalancerSourceRanges: ['10.0.0.0/8'] }), ["spec.LoadBalancerSourceRanges: Forbidden: may only be used when `type` is 'LoadBalancer'"]);
    assert.deepEqual(check({ type: 'LoadBalancer' }, { 'service.beta.kubernetes.io/load-balancer-source-ranges': '10.0.0.0/8,bad' }), [
      'metadata.annotations[service.beta.kubernetes.io/load-balancer-source-ranges]: Invalid value: "10.0.0.0/8,bad": must be a list of IP ranges. For example, 10.240.0.0/24,10.250.0.0/24 ',
    ]);
  });
});

describe('loadBalancerSourceRanges: k8ts trace through KUBE-FW and KUBE-PROXY-FIREWALL', () => {
  const doc = parse(readFileSync(join(import.meta.dirname, 'testdata', 'lb-source-ranges.yaml'), 'utf8')) as { node: Partial<NodeConfig> & { nodeName: string }; objects: KObject[] };
  const node = { ...DEFAULT_NODE_CONFIG, ...doc.node };
  const jumps = (t: string) => JUMP_RULES.filter((j) => j.table === t).map((j) => `-A ${j.chain} ${j.args}`).join('\n');
  const saved = renderRuleset(buildRuleset(stateFromObjects(doc.objects.filter((o) => o.kind === 'Service'), doc.objects.filter((o) => o.kind === 'EndpointSlice'), node.nodeName), node))
    .replace('*filter\n', `*filter\n${jumps('filter')}\n`)
    .replace('*nat\n', `*nat\n${jumps('nat')}\n`);
  const fw = fwChain('default/fw:http', 'tcp');
  const to = (src: string, hook: 'PREROUTING' | 'OUTPUT' = 'PREROUTING') => tracePacket(saved, { src, dst: '192.168.1.20', dport: 80, proto: 'tcp', dstIsLocal: true, hook });

  it('an allowed source goes KUBE-SERVICES → KUBE-FW → KUBE-EXT → KUBE-SVC and is DNATed', () => {
    const t = to('203.0.113.9');
    assert.deepEqual(t.choices.map((c) => c.destination), ['10.42.0.21:8080', '10.42.1.22:8080']);
    assert.equal(t.verdict, undefined);
    const fwStep = t.steps.find((s) => s.chain === fw);
    assert.match(fwStep?.rule ?? '', /-s 203\.0\.113\.0\/25 -j KUBE-EXT-/);
    assert.equal(fwStep?.note, 'source allowed by loadBalancerSourceRanges');
  });

  it('the node itself (source = the local ingress IP) is allowed when a range holds the node IP', () => {
    const t = to('192.168.1.20', 'OUTPUT');
    assert.equal(t.choices.length, 2);
    assert.ok(t.steps.some((s) => s.chain === fw && s.note === 'source allowed by loadBalancerSourceRanges'));
    // The range 192.168.1.0/24 holds the node IP: the ingress IP is allowed as a source, after the ranges.
    const rules = saved.split('\n').filter((l) => l.startsWith(`-A ${fw} `));
    assert.match(rules[2]!, /-s 192\.168\.1\.20\/32 -j KUBE-EXT-/);
    assert.match(rules[3]!, /will be dropped by KUBE-PROXY-FIREWALL"$/);
    const other = saved.split('\n').filter((l) => l.startsWith(`-A ${fwChain('default/fw-local', 'tcp')} `));
    assert.equal(other.length, 2, 'no range of fw-local holds the node IP: no extra rule');
  });

  it('another source falls off the end of KUBE-FW un-DNATed and is dropped in filter KUBE-PROXY-FIREWALL', () => {
    const t = to('198.18.0.1');
    assert.equal(t.choices.length, 0);
    assert.ok(t.steps.some((s) => s.chain === fw && s.note === 'source not in loadBalancerSourceRanges: not DNATed'));
    assert.equal(t.verdict, `DROP in filter KUBE-PROXY-FIREWALL (default/fw:http traffic not accepted by ${fw})`);
  });
});
