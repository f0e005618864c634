/**
 * NetworkPolicy enforced for real: a "node" network namespace with a bridge,
 * "pods" as network namespaces on veths running busybox httpd, the matching
 * Pods/Namespaces/NetworkPolicies in a real k8ts server (kubectl), and the
 * enforcer programming iptables inside the node namespace. Connections that
 * policies allow must connect; the others must fail.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { API_ONLY, startServer, type K8tsServer } from '../support/k8ts-server.js';
import { findBinary, inCI } from '../support/require.js';
import { waitUntil } from '../support/wait.js';
import { Client } from '../../src/client/index.js';
import { readKubeconfig } from '../../src/pki/index.js';
import { NETWORK_AGENT_USER, startNetpolEnforcer, type RunningNetpolEnforcer } from '../../src/proxy/netpol-enforcer.js';
import { cleanupNetpolRules } from '../../src/proxy/netpol.js';
import { execRunner } from '../../src/proxy/runner.js';

const root = new URL('../../', import.meta.url).pathname;
const sfx = randomBytes(3).toString('hex');
const NODE = `k8np-n-${sfx}`;

function missing(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root (network namespaces)';
  for (const [bin, pkg] of [['ip', 'iproute2'], ['iptables-restore', 'iptables'], ['busybox', 'busybox-static']] as const) if (!findBinary(bin)) return `${bin} not installed (apt-get install ${pkg})`;
  return undefined;
}
const why = missing();
const skip = why && !inCI() ? why : undefined;

function sh(args: string[]): string {
  const r = spawnSync(args[0]!, args.slice(1), { encoding: 'utf8', timeout: 30_000 });
  if (r.status !== 0) throw new Error(`${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}
const inNs = (ns: string, ...args: string[]) => sh(['ip', 'netns', 'exec', ns, ...args]);

interface FakePod {
  key: string;
  netns: string;
  ip: string;
}

/** Does `from` reach http://ip:port, getting the target's marker? */
function connect(from: FakePod, ip: string, port: number): Promise<string> {
  return new Promise((resolve) => {
    // busybox nc (this busybox's wget crashes with -T): an HTTP/1.0 GET, the body is the marker.
    const p = spawn('ip', ['netns', 'exec', from.netns, 'busybox', 'nc', '-w', '2', ip, String(port)], { stdio: ['pipe', 'pipe', 'pipe'] });
    p.stdin.end('GET / HTTP/1.0\r\n\r\n');
    let out = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const t = setTimeout(() => p.kill('SIGKILL'), 10_000);
    p.on('close', (code) => {
      clearTimeout(t);
      const body = out.split('\r\n\r\n')[1];
      resolve(code === 0 && out.startsWith('HTTP/1.') && body !== undefined ? body.trim() : 'FAILED');
    });
  });
}

describe('NetworkPolicy in network namespaces (iptables filter rules)', { skip }, () => {
  let srv: K8tsServer;
  let client: Client;
  let enforcer: RunningNetpolEnforcer;
  let scratch: string;
  const procs: ChildProcess[] = [];
  const pods: Record<string, FakePod> = {};
  const netnses: string[] = [];

  const addHost = (key: string, ip: string, ports: number[]) => {
    const ns = `k8np-${Object.keys(pods).length}-${sfx}`;
    const veth = `v${Object.keys(pods).length}${sfx}`;
    sh(['ip', 'netns', 'add', ns]);
    netnses.push(ns);
    inNs(NODE, 'ip', 'link', 'add', veth, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns);
    inNs(NODE, 'ip', 'link', 'set', veth, 'master', 'br0', 'up');
    inNs(ns, 'ip', 'link', 'set', 'lo', 'up');
    inNs(ns, 'ip', 'addr', 'add', `${ip}/24`, 'dev', 'eth0');
    inNs(ns, 'ip', 'link', 'set', 'eth0', 'up');
    const dir = join(scratch, key.replace('/', '_'));
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'index.html'), `${key}\n`);
    for (const port of ports) procs.push(spawn('ip', ['netns', 'exec', ns, 'busybox', 'httpd', '-f', '-p', String(port), '-h', dir], { stdio: 'ignore' }));
    pods[key] = { key, netns: ns, ip };
  };

  /** Poll until `from` → ip:port gives `want` (a marker, or FAILED). */
  const expectReach = async (from: string, to: string, port: number, allowed: boolean) => {
    const target = pods[to]!;
    const want = allowed ? to : 'FAILED';
    const end = Date.now() + 30_000;
    let got = '';
    while (Date.now() < end) {
      got = await connect(pods[from]!, target.ip, port);
      if (got === want) return;
      await new Promise((r) => setTimeout(r, 300));
    }
    assert.fail(`${from} → ${to}:${port}: expected ${allowed ? 'to connect' : 'to be refused'}, got ${got}`);
  };

  before(async () => {
    mkdirSync(join(root, '.bench/D'), { recursive: true });
    scratch = mkdtempSync(join(root, '.bench/D/netpol-'));
    sh(['ip', 'netns', 'add', NODE]);
    inNs(NODE, 'ip', 'link', 'set', 'lo', 'up');
    inNs(NODE, 'ip', 'link', 'add', 'br0', 'type', 'bridge');
    inNs(NODE, 'ip', 'addr', 'add', '10.77.0.1/24', 'dev', 'br0');
    inNs(NODE, 'ip', 'link', 'set', 'br0', 'up');
    // Bridged pod-to-pod frames go through iptables FORWARD (per network namespace).
    inNs(NODE, 'sysctl', '-qw', 'net.bridge.bridge-nf-call-iptables=1');
    addHost('alpha/client', '10.77.0.10', [80]);
    addHost('alpha/web', '10.77.0.11', [80, 8080]);
    addHost('beta/client', '10.77.0.12', [80]);
    addHost('ext/denied', '10.77.0.200', []);
    addHost('ext/allowed', '10.77.0.201', []);

    srv = await startServer([...API_ONLY, '--disable', 'scheduler,controllers,agent,proxy,dns']);
    srv.k(['create', 'namespace', 'alpha']);
    srv.k(['create', 'namespace', 'beta']);
    srv.k(['label', 'namespace', 'beta', 'team=beta']);
    const podYaml = (ns: string, name: string, app: string, ports: string) => `apiVersion: v1
kind: Pod
metadata: {name: ${name}, namespace: ${ns}, labels: {app: ${app}}}
spec:
  nodeName: n1
  containers: [{name: c, image: busybox, ports: [${ports}]}]
`;
    srv.k(['apply', '-f', '-'], podYaml('alpha', 'client', 'client', '{containerPort: 80}'));
    srv.k(['apply', '-f', '-'], podYaml('alpha', 'web', 'web', '{name: http, containerPort: 80}, {name: alt, containerPort: 8080}'));
    srv.k(['apply', '-f', '-'], podYaml('beta', 'client', 'client', '{containerPort: 80}'));
    for (const key of ['alpha/client', 'alpha/web', 'beta/client']) {
      const [ns, name] = key.split('/') as [string, string];
      const ip = pods[key]!.ip;
      srv.k(['patch', 'pod', name, '-n', ns, '--subresource=status', '--type=merge', '-p', JSON.stringify({ status: { phase: 'Running', podIP: ip, podIPs: [{ ip }] } })]);
    }
    client = new Client({ ...(await readKubeconfig(srv.kubeconfig)), qps: -1 });
    enforcer = await startNetpolEnforcer({ client, runner: execRunner({ netns: NODE }), nodeName: 'n1', minSyncMs: 100, resyncMs: 1000, log: (m) => console.log(`# ${m}`) });
    await enforcer.synced();
  });

  after(async () => {
    await enforcer?.stop();
    await client?.close();
    await srv?.stop();
    for (const p of procs) p.kill('SIGKILL');
    await Promise.all(procs.map((p) => (p.exitCode !== null || p.signalCode ? undefined : new Promise((r) => p.once('exit', r)))));
    for (const ns of [...netnses, NODE]) spawnSync('ip', ['netns', 'del', ns]);
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  it('without policies every pod reaches every pod', async () => {
    await expectReach('alpha/client', 'alpha/web', 80, true);
    await expectReach('beta/client', 'alpha/web', 8080, true);
    await expectReach('alpha/client', 'beta/client', 80, true);
    await expectReach('ext/denied', 'alpha/web', 80, true);
  });

  it('ingress: podSelector + port, namespaceSelector + named port, ipBlock with except; everything else denied', async () => {
    srv.k(['apply', '-f', '-'], `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web-allow, namespace: alpha}
spec:
  podSelector: {matchLabels: {app: web}}
  policyTypes: [Ingress]
  ingress:
  - from: [{podSelector: {matchLabels: {app: client}}}]
    ports: [{port: 80}]
  - from: [{namespaceSelector: {matchLabels: {team: beta}}, podSelector: {matchLabels: {app: client}}}]
    ports: [{port: alt}]
  - from: [{ipBlock: {cidr: 10.77.0.192/26, except: [10.77.0.200/32]}}]
`);
    await expectReach('alpha/client', 'alpha/web', 80, true);
    await expectReach('alpha/client', 'alpha/web', 8080, false);
    await expectReach('beta/client', 'alpha/web', 8080, true);
    await expectReach('beta/client', 'alpha/web', 80, false);
    await expectReach('ext/allowed', 'alpha/web', 80, true);
    await expectReach('ext/allowed', 'alpha/web', 8080, true);
    await expectReach('ext/denied', 'alpha/web', 80, false);
    const save = inNs(NODE, 'iptables-save', '-t', 'filter');
    assert.match(save, /-A FORWARD -m comment --comment "k8ts network policies" -j K8TS-NWPLCY/);
    assert.match(save, /-A K8TS-NWPLCY -d 10\.77\.0\.11\/32 .*-j K8TS-NWPLCY-I-/);
    assert.equal(save.match(/-A FORWARD .*-j K8TS-NWPLCY\b/g)?.length, 1, 'one jump from FORWARD after several syncs');
    // Another rule inserted first (as kube-proxy's KUBE-FORWARD jump would be): the resync puts ours back on top.
    inNs(NODE, 'iptables', '-I', 'FORWARD', '1', '-m', 'comment', '--comment', 'someone else', '-j', 'ACCEPT');
    await waitUntil('the policy jump to be FORWARD\'s first rule again', () => /^-A FORWARD -m comment --comment "k8ts network policies" -j K8TS-NWPLCY$/m.test(inNs(NODE, 'iptables', '-S', 'FORWARD').split('\n')[1] ?? ''));
    await expectReach('ext/denied', 'alpha/web', 80, false);
    inNs(NODE, 'iptables', '-D', 'FORWARD', '-m', 'comment', '--comment', 'someone else', '-j', 'ACCEPT');
  });

  it('egress: a pod limited to one peer and port; replies to allowed connections still flow', async () => {
    await expectReach('alpha/client', 'beta/client', 80, true);
    srv.k(['apply', '-f', '-'], `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: client-egress, namespace: alpha}
spec:
  podSelector: {matchLabels: {app: client}}
  policyTypes: [Egress]
  egress:
  - to: [{namespaceSelector: {}, podSelector: {matchLabels: {app: web}}}]
    ports: [{protocol: TCP, port: 80}]
`);
    await expectReach('alpha/client', 'beta/client', 80, false);
    await expectReach('alpha/client', 'alpha/web', 80, true);
    // beta/client → alpha/client is ingress for alpha/client (not policed): its replies leave through alpha/client's egress chain, allowed by conntrack.
    await expectReach('beta/client', 'alpha/client', 80, true);
  });

  it('the network agents\' identity (bootstrap policy) may read what they watch and nothing more', async () => {
    const can = (...args: string[]) => srv.kubectl(['auth', 'can-i', ...args, '--as', NETWORK_AGENT_USER]).stdout.trim();
    for (const what of [['watch', 'pods', '-A'], ['list', 'namespaces'], ['list', 'networkpolicies.networking.k8s.io', '-A'], ['watch', 'nodes']]) assert.equal(can(...what), 'yes', what.join(' '));
    for (const what of [['create', 'pods'], ['get', 'secrets'], ['update', 'nodes']]) assert.equal(can(...what), 'no', what.join(' '));
  });

  it('deleting the policies opens everything again; cleanup removes every chain', async () => {
    srv.k(['delete', 'networkpolicy', '-n', 'alpha', '--all']);
    await expectReach('alpha/client', 'alpha/web', 8080, true);
    await expectReach('alpha/client', 'beta/client', 80, true);
    await expectReach('ext/denied', 'alpha/web', 80, true);
    await enforcer.stop();
    const removed = await cleanupNetpolRules(execRunner({ netns: NODE }));
    assert.ok(removed >= 1);
    const save = inNs(NODE, 'iptables-save', '-t', 'filter');
    assert.doesNotMatch(save, /K8TS-NWPLCY/);
  });
});
