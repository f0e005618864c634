/**
 * Cluster DNS published by many nodes (issue 10): two token-joined agents
 * (`system:node:<name>`, `--runtime sim`), each in a network namespace this
 * test makes on a test bridge, each with its node's DNS as `--enable dns`
 * starts it (test/e2e/dns-node-instance.ts: startNodeDns with the node's own
 * credentials; the agent takes --enable only with --runtime cri), serving on
 * the node's InternalIP:53 and publishing only its slice `kube-dns-<node>`; the server
 * (host, bridge address only, no DNS/proxy of its own) runs the
 * kube-dns-endpoints controller (legacy Endpoints = union, readiness from the
 * Nodes). A kube-proxy (in-process, admin client) programs a third namespace,
 * so the DNATs it writes can be checked. Then: a node's attacks on other
 * slices are refused (403); a clean stop withdraws the slice; a crash leaves
 * it, and the endpoint turns not ready when the Node goes Unknown; deleting
 * that Node removes the slice and the address.
 *
 * Everything lives in namespaces, links and directories with a random
 * suffix, removed in after(); the host's own netfilter rules and routes are
 * never touched.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '../../src/client/index.js';
import { readKubeconfig } from '../../src/pki/index.js';
import { execRunner, startInformerProxy, type RunningProxy } from '../../src/proxy/index.js';
import { startServer, type K8tsServer } from '../support/k8ts-server.js';
import { findBinary, inCI } from '../support/require.js';

const root = new URL('../../', import.meta.url).pathname;
const k8ts = [process.execPath, '--import', 'tsx', join(root, 'src/cli/main.ts')];

function sh(args: string[], timeoutMs = 60_000): { code: number; out: string; err: string } {
  const r = spawnSync(args[0]!, args.slice(1), { encoding: 'utf8', timeout: timeoutMs });
  return { code: r.status ?? -1, out: r.stdout ?? '', err: r.stderr ?? r.error?.message ?? '' };
}
function must(args: string[]): string {
  const r = sh(args);
  if (r.code !== 0) throw new Error(`${args.join(' ')} failed (${r.code}): ${r.err}`);
  return r.out;
}

function skipReason(): string | undefined {
  const missing = [['ip', 'iproute2'], ['nsenter', 'util-linux'], ['iptables-save', 'iptables'], ['iptables-restore', 'iptables'], ['dig', 'dnsutils']].filter(([b]) => !findBinary(b!));
  if (missing.length) return inCI() ? undefined : `not installed: apt-get install ${[...new Set(missing.map((m) => m[1]))].join(' ')}`;
  if (process.getuid?.() !== 0) return inCI() ? undefined : 'needs root (network namespaces)';
  return undefined;
}

/** A free /24 for the test bridge, 10.250-254.x.0 (as test/support/netcluster.ts). */
function freeSubnet(): string {
  const used = sh(['ip', '-4', '-o', 'addr']).out + sh(['ip', '-4', 'route']).out;
  for (;;) {
    const net = `10.${250 + Math.floor(Math.random() * 5)}.${Math.floor(Math.random() * 256)}`;
    if (!used.includes(`${net}.`)) return net;
  }
}

interface Agent {
  name: string;
  ip: string;
  dataDir: string;
  proc: ChildProcess;
  log(): string;
  dns?: ChildProcess;
  dnsLog?(): string;
}

interface Slice {
  metadata: { name: string; labels?: Record<string, string>; resourceVersion?: string };
  endpoints?: Array<{ addresses: string[]; nodeName?: string; conditions?: { ready?: boolean; serving?: boolean } }>;
  ports?: unknown[];
}
interface Endpoints {
  subsets?: Array<{ addresses?: Array<{ ip: string; nodeName?: string }>; notReadyAddresses?: Array<{ ip: string }> }>;
}

describe('cluster DNS on many nodes (token-joined agents in netns)', { skip: skipReason(), timeout: 600_000 }, () => {
  const suffix = randomBytes(3).toString('hex');
  const bridge = `k8d-${suffix}`;
  const proxyNs = `k8dp-${suffix}`;
  const netns: string[] = [];
  let bridgeMade = false;
  let subnet = '';
  let srv: K8tsServer | undefined;
  let admin: Client | undefined;
  const agents: Agent[] = [];
  let proxy: RunningProxy | undefined;
  const abort = new AbortController();
  let scratch = '';

  const slices = async () => ((await admin!.resource('endpointslices.discovery.k8s.io', 'kube-system').list({ labelSelector: 'kubernetes.io/service-name=kube-dns' })).items as unknown as Slice[]);
  const endpoints = async () => (await admin!.resource('endpoints', 'kube-system').get('kube-dns').catch(() => undefined)) as unknown as Endpoints | undefined;
  const readyIPs = (ep: Endpoints | undefined) => (ep?.subsets ?? []).flatMap((s) => (s.addresses ?? []).map((a) => a.ip)).sort();
  const notReadyIPs = (ep: Endpoints | undefined) => (ep?.subsets ?? []).flatMap((s) => (s.notReadyAddresses ?? []).map((a) => a.ip)).sort();
  const natRules = () => sh(['ip', 'netns', 'exec', proxyNs, 'iptables-save', '-t', 'nat']).out;
  const logs = () => agents.map((a) => `--- ${a.name}\n${((a.dnsLog?.() ?? '') + a.log()).split('\n').filter((l) => /dns|error|fail/i.test(l)).slice(-20).join('\n')}`).join('\n') + `\n--- server\n${srv?.log().split('\n').filter((l) => /kube-dns|forbidden/i.test(l)).slice(-20).join('\n')}`;

  before(async () => {
    mkdirSync(join(root, '.bench/N1'), { recursive: true });
    scratch = mkdtempSync(join(root, '.bench/N1/dns-multinode-'));
    subnet = freeSubnet();
    const hostIP = `${subnet}.1`;
    must(['ip', 'link', 'add', bridge, 'type', 'bridge']);
    bridgeMade = true;
    must(['ip', 'addr', 'add', `${hostIP}/24`, 'dev', bridge]);
    must(['ip', 'link', 'set', bridge, 'up']);
    for (let i = 1; i <= 2; i++) {
      const ns = `k8d${i}-${suffix}`;
      must(['ip', 'netns', 'add', ns]);
      netns.push(ns);
      const hostEnd = `k8dv${i}-${suffix}`;
      must(['ip', 'link', 'add', hostEnd, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns]);
      must(['ip', 'link', 'set', hostEnd, 'master', bridge]);
      must(['ip', 'link', 'set', hostEnd, 'up']);
      must(['ip', '-n', ns, 'link', 'set', 'lo', 'up']);
      must(['ip', '-n', ns, 'addr', 'add', `${subnet}.${10 + i}/24`, 'dev', 'eth0']);
      must(['ip', '-n', ns, 'link', 'set', 'eth0', 'up']);
    }
    must(['ip', 'netns', 'add', proxyNs]);
    netns.push(proxyNs);
    must(['ip', '-n', proxyNs, 'link', 'set', 'lo', 'up']);

    // The API server on the host, on the bridge's address only, without DNS or proxy of its own; short grace so a dead node goes Unknown soon.
    if (process.env.K8TS_TEST_VERBOSE) process.stderr.write('starting the server\n');
    srv = await startServer(['--runtime', 'none', '--disable', 'agent,proxy,dns', '--bind-address', hostIP, '--node-monitor-grace-period', '10s']);
    const tok = spawnSync(k8ts[0]!, [...k8ts.slice(1), 'token', 'create', '--data-dir', srv.dataDir, '--description', 'dns e2e'], { cwd: root, encoding: 'utf8', timeout: 60_000 });
    const token = tok.stdout.trim();
    assert.match(token, /^[a-z0-9]{6}\.[a-z0-9]{16}$/, tok.stderr);
    for (let i = 1; i <= 2; i++) {
      const ns = netns[i - 1]!;
      const dataDir = mkdtempSync(join(scratch, `agent${i}-`));
      let out = '';
      const tee = (d: Buffer) => {
        out += d.toString();
        if (process.env.K8TS_TEST_VERBOSE) process.stderr.write(d.toString().replace(/^/gm, `[${ns}] `));
      };
      // The agent registers the node (InternalIP = eth0 here) with its own bootstrapped identity system:node:<ns>.
      const proc = spawn('nsenter', [`--net=/run/netns/${ns}`, '--', ...k8ts, 'agent', '--server', `https://${hostIP}:${srv.port}`, '--token', token, '--certificate-authority', join(srv.dataDir, 'pki/ca.crt'), '--runtime', 'sim', '--node-name', ns, '--data-dir', dataDir, '--lease-renew-interval', '2s'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
      proc.stdout!.on('data', tee);
      proc.stderr!.on('data', tee);
      agents.push({ name: ns, ip: `${subnet}.${10 + i}`, dataDir, proc, log: () => out });
    }
    // Each node's DNS, as `--enable dns` starts it (agent-network.ts → startNodeDns), with that node's credentials.
    for (const a of agents) {
      const kubeconfig = join(a.dataDir, 'agent', 'kubelet.kubeconfig');
      await waitFor(`${a.name} bootstrapped its client certificate\n${a.log()}`, () => existsSync(kubeconfig) || a.proc.exitCode !== null, 120_000);
      assert.equal(a.proc.exitCode, null, a.log());
      const dns = spawn('nsenter', [`--net=/run/netns/${a.name}`, '--', process.execPath, '--import', 'tsx', join(root, 'test/e2e/dns-node-instance.ts'), kubeconfig, a.name, a.ip], {
        cwd: root,
        stdio: ['ignore', 'pipe', 'pipe'],
        // Forwarded names go to a closed local port: nothing leaves the namespace.
        env: { ...process.env, K8TS_DNS_UPSTREAMS: '127.0.0.1:1', K8TS_DNS_METRICS_PORT: 'off', K8TS_DNS_ADDRESS: '' },
      });
      let out = '';
      const tee = (d: Buffer) => {
        out += d.toString();
        if (process.env.K8TS_TEST_VERBOSE) process.stderr.write(d.toString().replace(/^/gm, `[${a.name} dns] `));
      };
      dns.stdout!.on('data', tee);
      dns.stderr!.on('data', tee);
      a.dns = dns;
      a.dnsLog = () => out;
    }
    admin = new Client({ ...(await readKubeconfig(srv.kubeconfig)), qps: -1 });
    if (process.env.K8TS_TEST_VERBOSE) process.stderr.write('starting kube-proxy\n');
    proxy = await startInformerProxy({ client: admin, signal: abort.signal, runner: execRunner({ netns: proxyNs }), node: { nodeName: `dns-proxy-${suffix}`, clusterCIDR: '10.42.0.0/16' }, healthPort: 0, healthBindAddress: '127.0.0.1', syncPeriodMs: 1000 });
  });

  after(async () => {
    abort.abort();
    await proxy?.stop().catch(() => undefined);
    await admin?.close();
    await Promise.all(agents.map(async (a) => {
      if (a.dns) await stopProcess(a.dns, 'SIGTERM');
      await stopProcess(a.proc, 'SIGTERM');
    }));
    await srv?.stop();
    for (const ns of netns) {
      for (const pid of sh(['ip', 'netns', 'pids', ns]).out.split('\n').filter(Boolean)) sh(['kill', '-9', pid]);
      sh(['ip', 'netns', 'del', ns]);
    }
    if (bridgeMade) sh(['ip', 'link', 'del', bridge]);
    if (scratch) rmSync(scratch, { recursive: true, force: true });
    const left = sh(['ip', 'netns', 'list']).out.split('\n').filter((l) => l.includes(suffix));
    assert.deepEqual(left, [], 'no namespaces left behind');
    assert.notEqual(sh(['ip', 'link', 'show', bridge]).code, 0, 'bridge removed');
  });

  it('each agent publishes its own slice; Endpoints lists both; the Service exists; kube-proxy DNATs to both', async () => {
    const [a1, a2] = agents as [Agent, Agent];
    await waitFor(`both nodes serving DNS\n${logs()}`, () => agents.every((a) => /dns: serving cluster\.local on /.test(a.dnsLog?.() ?? '')) || agents.some((a) => a.proc.exitCode !== null || a.dns?.exitCode !== null), 180_000);
    assert.ok(agents.every((a) => a.proc.exitCode === null && a.dns?.exitCode === null), `an agent or DNS exited\n${logs()}`);
    await waitFor(`both kube-dns slices published\n${logs()}`, async () => (await slices()).filter((s) => s.endpoints?.length).length === 2, 120_000);
    const byName = new Map((await slices()).map((s) => [s.metadata.name, s]));
    for (const a of agents) {
      const s = byName.get(`kube-dns-${a.name}`);
      assert.ok(s, `slice kube-dns-${a.name}`);
      assert.deepEqual(s.endpoints?.map((e) => [e.addresses, e.nodeName]), [[[a.ip], a.name]]);
      assert.equal(s.metadata.labels?.['endpointslice.kubernetes.io/managed-by'], 'dns.k8ts.io');
    }
    // The legacy Endpoints is the union (one writer: the kube-dns-endpoints controller in the server).
    await waitFor(`Endpoints kube-dns lists both nodes\n${logs()}`, async () => readyIPs(await endpoints()).join(',') === [a1.ip, a2.ip].sort().join(','), 60_000);
    const svc = (await admin!.resource('services', 'kube-system').get('kube-dns')) as unknown as { spec: { clusterIP: string } };
    assert.equal(svc.spec.clusterIP, '10.43.0.10', 'created by the controller: no server DNS instance here');
    // Each instance really answers on its published address.
    for (const a of agents) {
      const d = sh(['ip', 'netns', 'exec', a.name, 'dig', `@${a.ip}`, '+short', '+time=2', '+tries=3', 'kube-dns.kube-system.svc.cluster.local']);
      assert.equal(d.out.trim(), '10.43.0.10', `${a.name}: ${d.err}`);
    }
    await waitFor(`kube-proxy DNATs 10.43.0.10:53 to both nodes\n${natRules()}`, () => {
      const r = natRules();
      return agents.every((a) => r.includes(`--to-destination ${a.ip}:53`));
    }, 60_000);
  });

  it("refuses a node's writes to other slices, other Services, foreign addresses (403) and keeps serving", async () => {
    const [a1, a2] = agents as [Agent, Agent];
    const kc = await readKubeconfig(join(a1.dataDir, 'agent', 'kubelet.kubeconfig'));
    const node = new Client({ ...kc, qps: -1 });
    try {
      const es = node.resource('endpointslices.discovery.k8s.io', 'kube-system');
      const own = (await es.get(`kube-dns-${a1.name}`)) as unknown as Slice;
      const other = (await es.get(`kube-dns-${a2.name}`)) as unknown as Slice;
      const refused = async (what: string, p: Promise<unknown>, msg: RegExp) => {
        const e = await p.then(
          () => undefined,
          (err: unknown) => err as { code?: number; message?: string },
        );
        assert.ok(e, `${what}: allowed`);
        assert.equal(e.code, 403, `${what}: ${e.message}`);
        assert.match(e.message ?? '', msg, what);
      };
      await refused('write another node\'s slice', es.update({ ...other, endpoints: [{ addresses: [a1.ip], nodeName: a1.name, conditions: { ready: true } }] } as never), /can only write its own kube-dns EndpointSlice "kube-system\/kube-dns-k8d1-/);
      await refused('delete another node\'s slice', es.delete(`kube-dns-${a2.name}`), /can only write its own kube-dns EndpointSlice/);
      await refused('a slice for another Service', es.update({ ...own, metadata: { ...own.metadata, labels: { ...own.metadata.labels, 'kubernetes.io/service-name': 'kubernetes' } } } as never), /can only publish endpoints of the Service "kube-system\/kube-dns"/);
      await refused('another node\'s address', es.update({ ...own, endpoints: [{ addresses: [a2.ip], nodeName: a1.name, conditions: { ready: true } }] } as never), new RegExp(`can only publish its own addresses: ${a2.ip.replace(/\./g, '\\.')} is not an InternalIP`));
      await refused('an address outside the cluster', es.update({ ...own, endpoints: [{ addresses: ['192.0.2.53'], nodeName: a1.name, conditions: { ready: true } }] } as never), /can only publish its own addresses: 192\.0\.2\.53/);
      await refused('endpoints on another node', es.update({ ...own, endpoints: [{ addresses: [a1.ip], nodeName: a2.name, conditions: { ready: true } }] } as never), /can only publish endpoints with nodeName set to itself/);
      await refused(
        'a slice in another namespace',
        node.resource('endpointslices.discovery.k8s.io', 'default').create({ apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name: `kube-dns-${a1.name}`, namespace: 'default', labels: { 'kubernetes.io/service-name': 'kube-dns' } }, addressType: 'IPv4', endpoints: [], ports: [] } as never),
        /can only write its own kube-dns EndpointSlice/,
      );
      await refused('the kube-dns Service', node.resource('services', 'kube-system').delete('kube-dns'), /forbidden/);
      // Nothing changed, and the server still serves.
      const after = new Map((await slices()).map((s) => [s.metadata.name, s]));
      assert.deepEqual(after.get(`kube-dns-${a2.name}`)?.endpoints?.[0]?.addresses, [a2.ip]);
      assert.deepEqual(after.get(`kube-dns-${a1.name}`)?.metadata.labels?.['kubernetes.io/service-name'], 'kube-dns');
      assert.equal(srv!.kubectl(['get', '--raw', '/readyz']).stdout.trim(), 'ok');
      // Its own slice it may write (the same content again).
      await es.update(own as never);
    } finally {
      await node.close();
    }
  });

  it('a clean stop withdraws the slice: Endpoints and kube-proxy drop the address', async () => {
    const [a1, a2] = agents as [Agent, Agent];
    await stopProcess(a2.dns!, 'SIGTERM');
    assert.match(a2.dnsLog!(), /dns: withdrew .*kube-dns endpoint/);
    await waitFor(`slice kube-dns-${a2.name} deleted`, async () => !(await slices()).some((s) => s.metadata.name === `kube-dns-${a2.name}`), 30_000);
    await waitFor(`Endpoints without ${a2.ip}`, async () => {
      const ep = await endpoints();
      return readyIPs(ep).join(',') === a1.ip && !notReadyIPs(ep).length;
    }, 30_000);
    await waitFor(`kube-proxy stops DNATing to ${a2.ip}\n${natRules()}`, () => {
      const r = natRules();
      return r.includes(`--to-destination ${a1.ip}:53`) && !r.includes(`--to-destination ${a2.ip}:53`);
    }, 30_000);
  });

  it('a crashed node keeps its slice, but its endpoint turns not ready when the Node does', async () => {
    const [a1] = agents as [Agent, Agent];
    // The whole node dies: its agent (no more heartbeats) and its DNS, without withdrawing anything.
    await Promise.all([stopProcess(a1.dns!, 'SIGKILL'), stopProcess(a1.proc, 'SIGKILL')]);
    assert.ok((await slices()).some((s) => s.metadata.name === `kube-dns-${a1.name}`), 'no withdrawal after SIGKILL');
    // The node lifecycle controller marks the Node Unknown after the 10 s grace; the controller follows.
    await waitFor(`kube-dns-${a1.name}'s endpoint not ready\n${logs()}`, async () => (await slices()).find((s) => s.metadata.name === `kube-dns-${a1.name}`)?.endpoints?.[0]?.conditions?.ready === false, 120_000);
    const node = (await admin!.resource('nodes').get(a1.name)) as unknown as { status: { conditions: Array<{ type: string; status: string }> } };
    assert.notEqual(node.status.conditions.find((c) => c.type === 'Ready')?.status, 'True');
    await waitFor('Endpoints moves the address to notReadyAddresses', async () => {
      const ep = await endpoints();
      return readyIPs(ep).length === 0 && notReadyIPs(ep).join(',') === a1.ip;
    }, 30_000);
    await waitFor(`kube-proxy stops DNATing to ${a1.ip}\n${natRules()}`, () => !natRules().includes(`--to-destination ${a1.ip}:53`), 30_000);
  });

  it("deleting the dead node's Node object removes its slice and its Endpoints address", async () => {
    const [a1] = agents as [Agent, Agent];
    await admin!.resource('nodes').delete(a1.name);
    await waitFor(`slice kube-dns-${a1.name} deleted (its Node is gone)\n${logs()}`, async () => !(await slices()).some((s) => s.metadata.name === `kube-dns-${a1.name}`), 60_000);
    await waitFor(`Endpoints without ${a1.ip}`, async () => {
      const ep = await endpoints();
      return ep !== undefined && !readyIPs(ep).length && !notReadyIPs(ep).length;
    }, 30_000);
    assert.match(srv!.log(), new RegExp(`deleted kube-dns-${a1.name}: its Node ${a1.name} no longer exists`));
  });
});

/** Poll (sync or async) until true; fails with `what` after `ms`. */
async function waitFor(what: string, fn: () => boolean | Promise<boolean>, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  const t0 = Date.now();
  if (process.env.K8TS_TEST_VERBOSE) process.stderr.write(`waiting for ${what.split('\n')[0]}\n`);
  while (Date.now() < end) {
    if (await Promise.resolve(fn()).catch(() => false)) {
      if (process.env.K8TS_TEST_VERBOSE) process.stderr.write(`  ok after ${Date.now() - t0} ms\n`);
      return;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  assert.fail(`timed out after ${ms / 1000}s waiting for ${what}`);
}

async function stopProcess(p: ChildProcess, sig: 'SIGTERM' | 'SIGKILL'): Promise<void> {
  if (p.exitCode !== null || p.signalCode !== null) return;
  const gone = new Promise((r) => p.once('exit', r));
  p.kill(sig);
  const t = setTimeout(() => p.kill('SIGKILL'), 20_000);
  await gone;
  clearTimeout(t);
}
