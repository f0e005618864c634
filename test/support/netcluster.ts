/**
 * A cluster whose nodes are network namespaces this test makes, for the
 * service-networking e2e tests (issue 10) on real containerd pods:
 *
 * ```
 *  host netns                                   node netns k8n<i>-<sfx> (one per node)
 *  k8ts server --runtime none                   k8ts agent --runtime cri --enable proxy,dns
 *    --disable agent,proxy,dns                    own containerd, CNI bridge k8c<i><sfx> (podCIDR)
 *    --bind-address 10.25x.y.1                    kube-proxy, NetworkPolicy, host-gw routes, DNS
 *  bridge k8n-<sfx> 10.25x.y.1/24 ──veth k8v<i>-<sfx>── eth0 10.25x.y.(10+i)/24 (the node's InternalIP)
 * ```
 *
 * The API server runs on the host without a node of its own (so no kube-proxy
 * or DNS ever touches the host's netfilter rules), listening only on the test
 * bridge's address. Each agent runs under `nsenter --net` (not `ip netns exec`,
 * which remounts /sys and so hides the cgroup hierarchies runc needs), so its
 * containerd, CNI plugins, iptables rules, sysctls and routes all live in the
 * node's namespace. Node namespaces have no default route: nothing leaves for
 * the host's uplink. `stop()` runs `k8ts killall` inside each node namespace,
 * then deletes the namespaces, veths, bridge and data directories.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { containerdPaths } from '../../src/kubelet/cri/index.js';
import { skipUnlessCri } from './containerd.js';
import { must, sh, type Sh } from './exec.js';
import { importTestImages, BUSYBOX_IMAGE } from './images.js';
import { startServer, type K8tsServer } from './k8ts-server.js';
import { findBinary, inCI } from './require.js';
import { waitUntil } from './wait.js';

const root = new URL('../../', import.meta.url).pathname;

export { BUSYBOX_IMAGE, type Sh };

/** For describe(): why these tests cannot run here (outside CI), or undefined. */
export function skipUnlessNetCluster(): string | undefined {
  const cri = skipUnlessCri();
  if (cri) return cri;
  const missing = [['nsenter', 'util-linux'], ['ip', 'iproute2'], ['iptables-save', 'iptables'], ['conntrack', 'conntrack']].filter(([b]) => !findBinary(b!));
  if (missing.length && !inCI()) return `not installed: apt-get install ${missing.map((m) => m[1]).join(' ')}`;
  return undefined;
}

export interface NetNode {
  /** Node name = its network namespace's name, `k8n<i>-<suffix>`. */
  name: string;
  netns: string;
  /** InternalIP (on the test bridge). */
  ip: string;
  /** The CNI bridge inside the node namespace. */
  cniBridge: string;
  podCIDR: string;
  dataDir: string;
  agent: ChildProcess;
  log(): string;
}

export interface NetCluster {
  suffix: string;
  /** The host's test bridge and its address (where the API server listens). */
  bridge: string;
  hostIP: string;
  s: K8tsServer;
  nodes: NetNode[];
  /** Run a command inside a node's network namespace (`ip netns exec`: a fresh /sys, the node's view). */
  inNode(node: NetNode, args: string[], timeoutMs?: number): Sh;
  iptablesSave(node: NetNode, table?: 'nat' | 'filter'): string;
  /** `kubectl exec POD -- sh -c SCRIPT`: stdout, or throws with stderr. */
  exec(pod: string, script: string, opts?: { namespace?: string; timeoutMs?: number }): Sh;
  /** Create pods from YAML/JSON and wait until they run with an IP; returns name → pod IP. */
  runPods(manifest: string, names: string[], namespace?: string): Promise<Record<string, string>>;
  stop(): Promise<void>;
}

/** A free /24 for the test bridge: 10.250-254.x.0/24 (other cri tests draw cluster CIDRs from 10.150-249). */
function freeSubnet(): string {
  const used = sh(['ip', '-4', '-o', 'addr']).out + sh(['ip', '-4', 'route']).out;
  for (;;) {
    const net = `10.${250 + Math.floor(Math.random() * 5)}.${Math.floor(Math.random() * 256)}`;
    if (!used.includes(`${net}.`)) return net;
  }
}

/** A busybox httpd pod answering `/` with its name and `/cgi-bin/ip` with the client's address as it saw it. */
export function webPod(name: string, node: string, labels: Record<string, string>, namespace = 'default'): object {
  const script = [
    'mkdir -p /tmp/www/cgi-bin',
    'hostname > /tmp/www/index.html',
    `printf '#!/bin/sh\\necho Content-Type: text/plain\\necho\\necho "$REMOTE_ADDR"\\n' > /tmp/www/cgi-bin/ip`,
    'chmod +x /tmp/www/cgi-bin/ip',
    'exec httpd -f -p 80 -h /tmp/www',
  ].join(' && ');
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace, labels },
    spec: {
      nodeName: node,
      terminationGracePeriodSeconds: 0,
      containers: [{ name: 'web', image: BUSYBOX_IMAGE, command: ['sh', '-c', script], ports: [{ name: 'http', containerPort: 80 }] }],
    },
  };
}

/** A pod that only sleeps: the client side of `kubectl exec … nc`. */
export function clientPod(name: string, node: string, labels: Record<string, string> = {}, namespace = 'default'): object {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace, labels },
    spec: { nodeName: node, terminationGracePeriodSeconds: 0, containers: [{ name: 'c', image: BUSYBOX_IMAGE, command: ['sleep', '36000'] }] },
  };
}

/**
 * Shell: one HTTP/1.0 GET with busybox nc (busybox-static's wget crashes in getaddrinfo), printing the
 * body's last line. `nc` is `nc` inside a pod, `busybox nc` on a node.
 */
export const httpGet = (ip: string, port: number, path = '/', o: { waitS?: number; nc?: string } = {}): string =>
  `printf 'GET ${path} HTTP/1.0\\r\\n\\r\\n' | ${o.nc ?? 'nc'} -w ${o.waitS ?? 2} ${ip} ${port} | tail -n 1`;

export async function startNetCluster(opts: { nodes?: number } = {}): Promise<NetCluster> {
  const count = opts.nodes ?? 2;
  const suffix = randomBytes(3).toString('hex');
  const bridge = `k8n-${suffix}`;
  const subnet = freeSubnet();
  const hostIP = `${subnet}.1`;
  const nodes: NetNode[] = [];
  let s: K8tsServer | undefined;
  const created: { netns: string[]; bridge: boolean } = { netns: [], bridge: false };

  const inNode = (node: NetNode, args: string[], timeoutMs?: number) => sh(['ip', 'netns', 'exec', node.netns, ...args], { timeoutMs });
  const nsenter = (netns: string, args: string[]) => ['nsenter', `--net=/run/netns/${netns}`, '--', ...args];
  const k8ts = [process.execPath, '--import', 'tsx', join(root, 'src/cli/main.ts')];

  const stop = async () => {
    // Agents first (SIGTERM: they stop the kubelet, proxy and DNS; pods keep running in their shims).
    await Promise.all(nodes.map((n) => stopProcess(n.agent)));
    for (const n of nodes) {
      // killall inside the node: pods (CNI DEL), containerd, mounts, the CNI bridge, chains, routes.
      const r = sh(nsenter(n.netns, [...k8ts, 'killall', '--data-dir', n.dataDir]), { timeoutMs: 120_000, env: { ...process.env, K8TS_CNI_BRIDGE: n.cniBridge } });
      if (r.code !== 0) process.stderr.write(`netcluster: killall in ${n.netns}: ${r.err}\n`);
    }
    await s?.stop();
    for (const ns of created.netns) {
      for (const pid of sh(['ip', 'netns', 'pids', ns]).out.split('\n').filter(Boolean)) sh(['kill', '-9', pid]);
      sh(['ip', 'netns', 'del', ns]);
    }
    if (created.bridge) sh(['ip', 'link', 'del', bridge]);
    for (const n of nodes) {
      rmSync(n.dataDir, { recursive: true, force: true });
      // libcni's cache of this node's networks (k8ts-<cni bridge>-*), in case killall missed it.
      try {
        for (const f of readdirSync('/var/lib/cni/results')) if (f.startsWith(`k8ts-${n.cniBridge}-`)) rmSync(join('/var/lib/cni/results', f), { force: true });
      } catch {
        /* none */
      }
    }
  };

  try {
    must(['ip', 'link', 'add', bridge, 'type', 'bridge']);
    created.bridge = true;
    must(['ip', 'addr', 'add', `${hostIP}/24`, 'dev', bridge]);
    must(['ip', 'link', 'set', bridge, 'up']);
    for (let i = 1; i <= count; i++) {
      const netns = `k8n${i}-${suffix}`;
      must(['ip', 'netns', 'add', netns]);
      created.netns.push(netns);
      const hostEnd = `k8v${i}-${suffix}`;
      must(['ip', 'link', 'add', hostEnd, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', netns]);
      must(['ip', 'link', 'set', hostEnd, 'master', bridge]);
      must(['ip', 'link', 'set', hostEnd, 'up']);
      must(['ip', '-n', netns, 'link', 'set', 'lo', 'up']);
      must(['ip', '-n', netns, 'addr', 'add', `${subnet}.${10 + i}/24`, 'dev', 'eth0']);
      must(['ip', '-n', netns, 'link', 'set', 'eth0', 'up']);
    }
    // The API server on the host, on the bridge's address only; no node of its own (no proxy, no DNS here).
    s = await startServer(['--runtime', 'none', '--disable', 'agent,proxy,dns', '--bind-address', hostIP]);
    for (let i = 1; i <= count; i++) {
      const netns = created.netns[i - 1]!;
      const dataDir = mkdtempSync(join(tmpdir(), `k8ts-net${i}-`));
      const cniBridge = `k8c${i}${suffix}`;
      const agent = spawn(
        'nsenter',
        nsenter(netns, [...k8ts, 'agent', '--kubeconfig', s.kubeconfig, '--runtime', 'cri', '--node-name', netns, '--data-dir', dataDir, '--enable', 'proxy,dns', '--lease-renew-interval', '2s']).slice(1),
        // Forwarded DNS names go to a closed local port: nothing leaves the node namespace.
        { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, K8TS_CNI_BRIDGE: cniBridge, K8TS_DNS_UPSTREAMS: '127.0.0.1:1', K8TS_DNS_METRICS_PORT: 'off' } },
      );
      let out = '';
      agent.stdout!.on('data', (d: Buffer) => (out += d.toString()));
      agent.stderr!.on('data', (d: Buffer) => (out += d.toString()));
      nodes.push({ name: netns, netns, ip: `${subnet}.${10 + i}`, cniBridge, podCIDR: '', dataDir, agent, log: () => out });
    }
    const srv = s;
    for (const n of nodes) {
      await waitUntil(`containerd of ${n.name} answering\n${n.log()}`, () => /cri: containerd .* ready/.test(n.log()) || n.agent.exitCode !== null, 90_000);
      if (n.agent.exitCode !== null) throw new Error(`agent ${n.name} exited:\n${n.log()}`);
      importTestImages(containerdPaths(join(n.dataDir, 'agent')).socket);
    }
    // The agents ask for kubelet serving certificates as the admin (their kubeconfig): approve them by hand.
    await waitUntil('kubelet serving certificates issued', () => {
      const csrs = JSON.parse(srv.k(['get', 'csr', '-o', 'json'])) as { items: Array<{ metadata: { name: string }; spec: { signerName: string }; status?: { conditions?: unknown[] } }> };
      for (const c of csrs.items) if (c.spec.signerName === 'kubernetes.io/kubelet-serving' && !c.status?.conditions?.length) srv.kubectl(['certificate', 'approve', c.metadata.name]);
      return nodes.every((n) => /serving certificate for .* issued/.test(n.log()));
    }, 90_000);
    await waitUntil('nodes Ready with podCIDRs, untainted', () => {
      const r = JSON.parse(srv.k(['get', 'nodes', '-o', 'json'])) as { items: Array<{ metadata: { name: string }; spec: { podCIDR?: string; taints?: Array<{ key: string }> }; status: { conditions?: Array<{ type: string; status: string }> } }> };
      for (const n of nodes) {
        const o = r.items.find((x) => x.metadata.name === n.name);
        n.podCIDR = o?.spec.podCIDR ?? '';
        if (!o || !n.podCIDR || o.status.conditions?.find((c) => c.type === 'Ready')?.status !== 'True' || o.spec.taints?.some((t) => /not-ready/.test(t.key))) return false;
      }
      return true;
    }, 90_000);
    await waitUntil('proxy and DNS running in every node', () => nodes.every((n) => /proxy: iptables mode on node/.test(n.log()) && /dns: serving cluster.local/.test(n.log()) && /network: NetworkPolicy enforcement/.test(n.log())), 90_000);
    return {
      suffix,
      bridge,
      hostIP,
      s: srv,
      nodes,
      inNode,
      iptablesSave: (n, table) => inNode(n, ['iptables-save', ...(table ? ['-t', table] : [])]).out,
      exec(pod, script, o = {}) {
        const r = srv.kubectl(['exec', '-n', o.namespace ?? 'default', pod, '--', 'sh', '-c', script], { timeoutMs: o.timeoutMs ?? 60_000 });
        return { code: r.code, out: r.stdout, err: r.stderr };
      },
      async runPods(manifest, names, namespace = 'default') {
        srv.k(['apply', '-f', '-'], manifest);
        const ips: Record<string, string> = {};
        await waitUntil(`pods ${names.join(', ')} Running`, () => {
          const r = JSON.parse(srv.k(['get', 'pods', '-n', namespace, '-o', 'json'])) as { items: Array<{ metadata: { name: string }; status: { phase?: string; podIP?: string; containerStatuses?: Array<{ ready: boolean }> } }> };
          for (const name of names) {
            const p = r.items.find((x) => x.metadata.name === name);
            if (p?.status.phase !== 'Running' || !p.status.podIP || !p.status.containerStatuses?.every((c) => c.ready)) return false;
            ips[name] = p.status.podIP;
          }
          return true;
        }, 120_000);
        return ips;
      },
      stop,
    };
  } catch (e) {
    await stop();
    throw e;
  }
}

async function stopProcess(p: ChildProcess): Promise<void> {
  if (p.exitCode !== null || p.signalCode !== null) return;
  const gone = new Promise((r) => p.once('exit', r));
  p.kill('SIGTERM');
  const t = setTimeout(() => p.kill('SIGKILL'), 15_000);
  await gone;
  clearTimeout(t);
}

/** Leftovers of a cluster with this suffix on the host (for the tests' own clean-up check). */
export function leftovers(c: Pick<NetCluster, 'suffix' | 'bridge'>, dataDirs: string[]): string[] {
  const out: string[] = [];
  if (sh(['ip', 'link', 'show', c.bridge]).code === 0) out.push(`bridge ${c.bridge}`);
  for (const ns of sh(['ip', 'netns', 'list']).out.split('\n')) if (ns.includes(c.suffix)) out.push(`netns ${ns.split(' ')[0]}`);
  for (const d of dataDirs) if (existsSync(d)) out.push(`dir ${d}`);
  return out;
}
