/**
 * A k8ts server whose own node runs real pods: `--runtime cri` with its own
 * containerd, a per-test bridge and cluster CIDR (no collisions with other
 * tests), the busybox test image imported; `stop()` removes pods, containerd,
 * mounts, the bridge, iptables chains, cgroups and the data dir.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CriClient, cleanupOwnContainerd, containerdPaths } from '../../src/kubelet/cri/index.js';
import { findBinary, inCI } from './require.js';
import { importTestImages } from './images.js';
import { startServer, type K8tsServer } from './k8ts-server.js';
import { waitUntil } from './wait.js';

/** For describe(): a skip reason when containerd, runc, CNI plugins, iptables or root are missing (outside CI). */
export function skipUnlessCri(): string | undefined {
  const missing: string[] = [];
  for (const [bin, pkg] of [['containerd', 'containerd'], ['ctr', 'containerd'], ['runc', 'runc'], ['iptables', 'iptables']] as const) if (!findBinary(bin)) missing.push(pkg);
  if (!existsSync('/usr/lib/cni/bridge')) missing.push('containernetworking-plugins');
  if (!findBinary('busybox')) missing.push('busybox-static');
  const reason = missing.length ? `not installed: apt-get install ${[...new Set(missing)].join(' ')}` : process.getuid?.() !== 0 ? 'real containers need root' : undefined;
  if (!reason || inCI()) return undefined;
  return reason;
}

export interface CriCluster {
  s: K8tsServer;
  bridge: string;
  clusterCIDR: string;
  /** The node's podCIDR once assigned, e.g. 10.163.0.0/24. */
  podCIDR: string;
  node: string;
  socket: string;
  cri: CriClient;
  stop(): Promise<void>;
}

function freeClusterCIDR(): string {
  const routes = spawnSync('ip', ['-4', 'route'], { encoding: 'utf8' }).stdout ?? '';
  for (;;) {
    const b = 150 + Math.floor(Math.random() * 100);
    if (!routes.includes(`10.${b}.`)) return `10.${b}.0.0/16`;
  }
}

export async function startCriCluster(extraArgs: string[] = []): Promise<CriCluster> {
  const dataDir = mkdtempSync(join(tmpdir(), 'k8ts-cri-'));
  const bridge = `k8t${randomBytes(4).toString('hex')}`;
  const clusterCIDR = freeClusterCIDR();
  const agentDir = join(dataDir, 'agent');
  const socket = containerdPaths(agentDir).socket;
  const prev = process.env.K8TS_CNI_BRIDGE;
  process.env.K8TS_CNI_BRIDGE = bridge;
  let s: K8tsServer;
  try {
    s = await startServer(['--runtime', 'cri', '--cluster-cidr', clusterCIDR, '--disable', 'proxy,dns', ...extraArgs], { dataDir, keepDir: true });
  } catch (e) {
    await cleanupOwnContainerd(agentDir, bridge);
    rmSync(dataDir, { recursive: true, force: true });
    throw e;
  } finally {
    if (prev === undefined) delete process.env.K8TS_CNI_BRIDGE;
    else process.env.K8TS_CNI_BRIDGE = prev;
  }
  const cri = new CriClient(socket);
  const stop = async () => {
    cri.close();
    await s.stop();
    await cleanupOwnContainerd(agentDir, bridge);
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    await waitUntil('containerd answering', () => /cri: containerd .* ready/.test(s.log()), 60_000);
    importTestImages(socket);
    let node = '';
    let podCIDR = '';
    await waitUntil('the node Ready with a podCIDR', () => {
      const r = s.kubectl(['get', 'nodes', '-o', 'jsonpath={range .items[*]}{.metadata.name} {.spec.podCIDR} {.status.conditions[?(@.type=="Ready")].status}{"\\n"}{end}']);
      const line = r.stdout.split('\n').find((l) => / True$/.test(l) && l.split(' ')[1]);
      if (line) [node = '', podCIDR = ''] = line.split(' ');
      return !!line;
    }, 60_000);
    // The not-ready taint goes with the first Ready status; pods created before would wait a scheduling round.
    await waitUntil('no not-ready taint', () => !/not-ready/.test(s.kubectl(['get', 'node', node, '-o', 'jsonpath={.spec.taints}']).stdout), 30_000);
    return { s, bridge, clusterCIDR, podCIDR, node, socket, cri, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}

/** True when `ip` is inside `cidr` (IPv4). */
export function inCidr(ip: string, cidr: string): boolean {
  const [base = '', bits = '32'] = cidr.split('/');
  const n = (a: string) => a.split('.').reduce((x, o) => (x << 8) + Number(o), 0) >>> 0;
  const mask = Number(bits) === 0 ? 0 : (~0 << (32 - Number(bits))) >>> 0;
  return ((n(ip) & mask) >>> 0) === ((n(base) & mask) >>> 0);
}
