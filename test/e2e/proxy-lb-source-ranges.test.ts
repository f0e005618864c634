/**
 * loadBalancerSourceRanges on real iptables, in network namespaces this test
 * makes (test/e2e/proxy-netns.ts): a k8ts server whose ServiceLB hands out the
 * node's address as the LoadBalancer IP, the proxier in the "node" netns, and
 * connections from two source addresses of the "outside" netns. An allowed
 * source gets the pod's answer; any other gets nothing (its SYN is dropped by
 * KUBE-PROXY-FIREWALL after falling off the end of KUBE-FW-<hash>).
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { stringify } from 'yaml';
import { Client } from '../../src/client/index.js';
import { readKubeconfig } from '../../src/pki/index.js';
import { ensureSafetyRoutes, execRunner, fwChain, removeSafetyRoutes, startInformerProxy, type RunningProxy } from '../../src/proxy/index.js';
import { startServer, type K8tsServer } from '../support/k8ts-server.js';
import { findBinary, inCI } from '../support/require.js';
import { waitUntil } from '../support/wait.js';
import { FakeNode, must, type FakePod } from './proxy-netns.js';

const root = new URL('../../', import.meta.url).pathname;
const NEEDED: Array<[string, string]> = [['iptables-restore', 'iptables'], ['ip', 'iproute2'], ['busybox', 'busybox-static']];
const missing = NEEDED.filter(([b]) => !findBinary(b)).map(([b, p]) => `${b} not installed (apt-get install ${p})`);
const notRoot = process.getuid?.() !== 0 ? 'needs root (network namespaces, iptables)' : undefined;
const skip = inCI() ? undefined : (missing[0] ?? notRoot);

/** A second address of the outside netns: a source no range below allows (except fw-ann's). */
const OTHER_SOURCE = '192.168.250.9';

const CONNECT = `
const net = require('node:net');
const [la, ip, port, ms] = process.argv.slice(1);
const s = net.connect({ host: ip, port: Number(port), localAddress: la });
let out = '';
const done = (t) => { process.stdout.write(t); process.exit(0); };
s.setTimeout(Number(ms), () => done('!timeout'));
s.on('connect', () => s.write('GET / HTTP/1.0\\r\\n\\r\\n'));
s.on('data', (d) => (out += d));
s.on('end', () => done((out.split('\\r\\n\\r\\n')[1] ?? '!empty').trim()));
s.on('error', (e) => done('!' + e.code));
`;

/**
 * One HTTP GET from netns `ns` with source address `from`: the body, or `!timeout` / `!<error code>`.
 * An answer comes at once; the timeout is what a dropped SYN looks like (generous for allowed
 * connections on a loaded machine, shorter where a drop is expected).
 */
function getFrom(ns: string, from: string, ip: string, port: number, ms = 8000): Promise<string> {
  return new Promise((resolve) => {
    const p = spawn('ip', ['netns', 'exec', ns, process.execPath, '-e', CONNECT, from, ip, String(port), String(ms)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.on('close', () => resolve(out || '!no output'));
  });
}

describe('loadBalancerSourceRanges in network namespaces', { skip, timeout: 240_000 }, () => {
  let srv: K8tsServer;
  let net: FakeNode;
  let proxy: RunningProxy;
  let client: Client;
  let p1: FakePod;
  let cl: FakePod;
  const abort = new AbortController();
  const lb = (name: string, port: number, extra: { ranges?: string[]; annotation?: string }) => [
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name, namespace: 'default', ...(extra.annotation ? { annotations: { 'service.beta.kubernetes.io/load-balancer-source-ranges': extra.annotation } } : {}) },
      spec: { type: 'LoadBalancer', ...(extra.ranges ? { loadBalancerSourceRanges: extra.ranges } : {}), ports: [{ port, targetPort: 80, protocol: 'TCP' }] },
    },
    {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { name: `${name}-1`, namespace: 'default', labels: { 'kubernetes.io/service-name': name } },
      addressType: 'IPv4',
      ports: [{ port: 80, protocol: 'TCP' }],
      endpoints: [{ addresses: [p1.ip], conditions: { ready: true }, nodeName: 'node-a' }],
    },
  ];

  before(async () => {
    srv = await startServer(['--runtime', 'none', '--disable', 'scheduler,agent,proxy,dns']);
    net = new FakeNode();
    net.setup();
    p1 = net.addPod('p1', 11);
    cl = net.addPod('client', 20);
    must(['ip', '-n', net.outside, 'addr', 'add', `${OTHER_SOURCE}/24`, 'dev', 'up0']);
    srv.k(['create', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'node-a' } }));
    const now = new Date().toISOString();
    srv.k(['patch', 'node', 'node-a', '--subresource=status', '--type=merge', '-p', JSON.stringify({ status: { conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'ok', lastHeartbeatTime: now, lastTransitionTime: now }], addresses: [{ type: 'InternalIP', address: net.nodeIP }] } })]);
    // fw: the outside's first address and the node (192.168.250.0/30 holds .1 and .2); fw-ann: only OTHER_SOURCE, by the annotation.
    const objs = [...lb('fw', 8091, { ranges: ['192.168.250.0/30'] }), ...lb('fw-ann', 8092, { annotation: `${OTHER_SOURCE}/32` }), ...lb('open', 8093, {})];
    srv.k(['apply', '-f', '-'], objs.map((o) => stringify(o)).join('---\n'));
    srv.k(['create', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'client', namespace: 'default' }, spec: { nodeName: 'node-a', containers: [{ name: 'c', image: 'busybox' }] } }));
    srv.k(['patch', 'pod', 'client', '--subresource=status', '--type=merge', '-p', JSON.stringify({ status: { phase: 'Running', podIP: cl.ip, podIPs: [{ ip: cl.ip }], hostIP: net.nodeIP } })]);
    client = new Client({ ...(await readKubeconfig(srv.kubeconfig)), qps: -1 });
    const runner = execRunner({ netns: net.node });
    proxy = await startInformerProxy({ client, signal: abort.signal, runner, node: { nodeName: 'node-a', clusterCIDR: '10.42.0.0/16', nodeIP: net.nodeIP }, healthPort: -1, syncPeriodMs: 1000 });
    await ensureSafetyRoutes(runner, { serviceCIDR: '10.43.0.0/16', clusterCIDR: '10.42.0.0/16' });
    // ServiceLB sets the ingress IP (the node's), then the proxy programs the firewall chains.
    await waitUntil('both firewalled Services programmed on the ingress IP', () => {
      const saved = net.iptablesSave();
      // (iptables-save orders the matches its own way: -d … -p tcp -m comment … -m tcp --dport …)
      const lines = saved.split('\n').filter((l) => l.startsWith('-A KUBE-SERVICES ') && l.includes(`-d ${net.nodeIP}/32 `) && / -j KUBE-FW-/.test(l));
      return [8091, 8092].every((p) => lines.some((l) => l.includes(`--dport ${p} `)));
    }, 60_000);
  });

  after(async () => {
    abort.abort();
    await proxy?.stop();
    await client?.close();
    if (net) {
      await removeSafetyRoutes(execRunner({ netns: net.node }), { serviceCIDR: '10.43.0.0/16', clusterCIDR: '10.42.0.0/16' });
      net.destroy();
    }
    await srv?.stop();
  });

  it('answers an allowed source and drops the others (field)', async () => {
    assert.equal(await getFrom(net.outside, net.outsideIP, net.nodeIP, 8091), 'p1');
    assert.equal(await getFrom(net.outside, OTHER_SOURCE, net.nodeIP, 8091, 2500), '!timeout');
    // The drop is the firewall's: the same source reaches a Service without ranges.
    assert.equal(await getFrom(net.outside, OTHER_SOURCE, net.nodeIP, 8093), 'p1');
    const counters = must(['ip', 'netns', 'exec', net.node, 'iptables', '-t', 'filter', '-L', 'KUBE-PROXY-FIREWALL', '-v', '-x', '-n']);
    const dropped = counters.split('\n').find((l) => l.includes('dpt:8091'));
    assert.ok(dropped && Number(dropped.trim().split(/\s+/)[0]) > 0, counters);
  });

  it('honours the annotation when the field is empty', async () => {
    assert.equal(await getFrom(net.outside, OTHER_SOURCE, net.nodeIP, 8092), 'p1');
    assert.equal(await getFrom(net.outside, net.outsideIP, net.nodeIP, 8092, 2500), '!timeout');
  });

  it('lets the node itself through when a range holds its address', async () => {
    assert.equal(await getFrom(net.node, net.nodeIP, net.nodeIP, 8091), 'p1');
    assert.equal(await getFrom(net.node, net.nodeIP, net.nodeIP, 8092, 2500), '!timeout');
  });

  it('k8ts trace shows the firewall chain and the filter DROP for a source outside the ranges', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'trace', 'pod/client', `${net.nodeIP}:8091`, '--kubeconfig', srv.kubeconfig, '--netns', net.node], { cwd: root, encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.status, 0, r.stderr);
    const fw = fwChain('default/fw', 'tcp');
    assert.match(r.stdout, new RegExp(`-A KUBE-SERVICES .*--dport 8091 -j ${fw}`), r.stdout);
    assert.match(r.stdout, new RegExp(`-A ${fw} -m comment --comment "other traffic to default/fw will be dropped by KUBE-PROXY-FIREWALL"`), r.stdout);
    assert.match(r.stdout, new RegExp(`verdict: DROP in filter KUBE-PROXY-FIREWALL \\(default/fw traffic not accepted by ${fw}\\)`), r.stdout);
  });

  it('removing the ranges removes the firewall (its KUBE-FW chain deleted) and opens the LB to everyone', async () => {
    const fw = fwChain('default/fw', 'tcp');
    srv.k(['patch', 'svc', 'fw', '--type=json', '-p', JSON.stringify([{ op: 'remove', path: '/spec/loadBalancerSourceRanges' }])]);
    await waitUntil('the KUBE-FW chain of fw gone', () => !net.iptablesSave().includes(`:${fw} `), 20_000);
    assert.doesNotMatch(net.iptablesSave(), /dport 8091 -j DROP/);
    assert.equal(await getFrom(net.outside, OTHER_SOURCE, net.nodeIP, 8091), 'p1');
  });

  it('the API refuses a range that is not a CIDR, and ranges on a ClusterIP Service', () => {
    const bad = srv.kubectl(['create', '-f', '-'], { input: JSON.stringify({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'bad', namespace: 'default' }, spec: { type: 'LoadBalancer', loadBalancerSourceRanges: ['10.0.0.0/8', '10.0.0.1'], ports: [{ port: 80 }] } }) });
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /spec\.LoadBalancerSourceRanges: Invalid value: "\[10\.0\.0\.0\/8 10\.0\.0\.1\]": must be a list of IP ranges/);
    const wrongType = srv.kubectl(['create', '-f', '-'], { input: JSON.stringify({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'bad2', namespace: 'default' }, spec: { loadBalancerSourceRanges: ['10.0.0.0/8'], ports: [{ port: 80 }] } }) });
    assert.notEqual(wrongType.code, 0);
    assert.match(wrongType.stderr, /spec\.LoadBalancerSourceRanges: Forbidden: may only be used when `type` is 'LoadBalancer'/);
  });

  it('k8ts proxy --cleanup removes the firewall chains and rules with the rest', async () => {
    assert.match(net.iptablesSave(), /^:KUBE-FW-/m, 'fw-ann still has its chain');
    await proxy.stop();
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'proxy', '--cleanup', '--netns', net.node], { cwd: root, encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.status, 0, r.stderr);
    const left = net.iptablesSave();
    assert.doesNotMatch(left, /KUBE-FW-|KUBE-PROXY-FIREWALL/, left);
  });
});
