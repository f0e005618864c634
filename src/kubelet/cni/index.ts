/**
 * Pod networking for the cri runtime with the standard CNI plugins: a conflist
 * for the node's podCIDR (bridge with hairpin mode and the gateway, host-local
 * IPAM, portmap for hostPort; containerd adds loopback), the sysctls pods need, and one
 * masquerade chain for pod traffic leaving the cluster CIDR; all removable.
 * @module
 */
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureSysctl, run } from '../cri/host.js';

export interface CniNetwork {
  /** Network name (CNI result files are named after it). */
  name: string;
  /** Linux bridge name, at most 15 characters (k8ts0 by default). */
  bridge: string;
  /** The node's podCIDR, e.g. 10.42.0.0/24. */
  podCIDR: string;
  /** The cluster's pod network (masquerade applies to traffic leaving it). */
  clusterCIDR: string;
  /** host-local IPAM state. */
  ipamDir: string;
}

export const DEFAULT_BRIDGE = 'k8ts0';

export function gatewayOf(cidr: string): string {
  const [ip = ''] = cidr.split('/');
  const o = ip.split('.').map(Number);
  o[3] = (o[3] ?? 0) + 1;
  return o.join('.');
}

export function conflist(n: CniNetwork): object {
  return {
    cniVersion: '1.0.0',
    name: n.name,
    plugins: [
      {
        type: 'bridge',
        bridge: n.bridge,
        isGateway: true,
        ipMasq: false,
        hairpinMode: true,
        ipam: { type: 'host-local', dataDir: n.ipamDir, ranges: [[{ subnet: n.podCIDR, gateway: gatewayOf(n.podCIDR) }]], routes: [{ dst: '0.0.0.0/0' }] },
      },
      { type: 'portmap', capabilities: { portMappings: true } },
      // No `loopback` here: containerd's CRI plugin brings up each sandbox's lo with its own loopback network
      // (libcni results `cni-loopback-*`); a second one in this chain was one more plugin exec per pod.
    ],
  };
}

export function writeConflist(confDir: string, n: CniNetwork): string {
  mkdirSync(confDir, { recursive: true });
  for (const f of readdirSync(confDir)) if (f.endsWith('.conflist') || f.endsWith('.conf')) rmSync(join(confDir, f), { force: true });
  const path = join(confDir, `10-${n.name}.conflist`);
  writeFileSync(path, `${JSON.stringify(conflist(n), null, 2)}\n`);
  return path;
}

/** ip_forward and bridge-nf-call-iptables (kube-proxy's rules must see bridged traffic): set and checked. */
export function ensureNetworkSysctls(): string[] {
  return [ensureSysctl('net.ipv4.ip_forward', '1'), ensureSysctl('net.bridge.bridge-nf-call-iptables', '1')].filter((e): e is string => !!e);
}

export const masqChain = (bridge: string): string => `K8TS-MASQ-${bridge}`.slice(0, 28);

const jumpArgs = (n: CniNetwork) => ['POSTROUTING', '-m', 'comment', '--comment', `k8ts ${n.bridge} pod masquerade`, '-j', masqChain(n.bridge)];

/** Pods' traffic to outside the cluster CIDR leaves with the node's address. Idempotent. */
export function ensureMasquerade(n: CniNetwork): string | undefined {
  const chain = masqChain(n.bridge);
  run('iptables', ['-w', '5', '-t', 'nat', '-N', chain]);
  run('iptables', ['-w', '5', '-t', 'nat', '-F', chain]);
  const add = run('iptables', ['-w', '5', '-t', 'nat', '-A', chain, '-s', n.podCIDR, '!', '-d', n.clusterCIDR, '-m', 'comment', '--comment', 'k8ts: pod traffic leaving the cluster', '-j', 'MASQUERADE']);
  if (add.code !== 0) return `iptables: ${add.out.trim()}`;
  if (run('iptables', ['-w', '5', '-t', 'nat', '-C', ...jumpArgs(n)]).code !== 0) {
    const j = run('iptables', ['-w', '5', '-t', 'nat', '-A', ...jumpArgs(n)]);
    if (j.code !== 0) return `iptables: ${j.out.trim()}`;
  }
  return undefined;
}

/**
 * Removes what this network left on the host: the masquerade chain, the
 * bridge, libcni's cached results, and the portmap chains when no rule of any
 * other network remains in them.
 */
export function cleanupNetwork(n: Pick<CniNetwork, 'name' | 'bridge'>): void {
  const chain = masqChain(n.bridge);
  while (run('iptables', ['-w', '5', '-t', 'nat', '-D', 'POSTROUTING', '-m', 'comment', '--comment', `k8ts ${n.bridge} pod masquerade`, '-j', chain]).code === 0) {
    /* every copy */
  }
  run('iptables', ['-w', '5', '-t', 'nat', '-F', chain]);
  run('iptables', ['-w', '5', '-t', 'nat', '-X', chain]);
  run('ip', ['link', 'del', n.bridge]);
  try {
    for (const f of readdirSync('/var/lib/cni/results')) if (f.startsWith(`${n.name}-`)) rmSync(join('/var/lib/cni/results', f), { force: true });
  } catch {
    /* none */
  }
  removeEmptyPortmapChains();
}

function removeEmptyPortmapChains(): void {
  const rules = (c: string) => run('iptables', ['-w', '5', '-t', 'nat', '-S', c]);
  const empty = (c: string) => {
    const r = rules(c);
    return r.code === 0 && r.out.split('\n').filter((l) => l.startsWith('-A')).length === 0;
  };
  // SETMARK holds a fixed mark rule; DNAT holds per-pod jumps; MASQ the fixed masquerade rules.
  if (!empty('CNI-HOSTPORT-DNAT')) return;
  run('iptables', ['-w', '5', '-t', 'nat', '-D', 'PREROUTING', '-m', 'addrtype', '--dst-type', 'LOCAL', '-j', 'CNI-HOSTPORT-DNAT']);
  run('iptables', ['-w', '5', '-t', 'nat', '-D', 'OUTPUT', '-m', 'addrtype', '--dst-type', 'LOCAL', '-j', 'CNI-HOSTPORT-DNAT']);
  run('iptables', ['-w', '5', '-t', 'nat', '-D', 'POSTROUTING', '-m', 'comment', '--comment', 'CNI portfwd requiring masquerade', '-j', 'CNI-HOSTPORT-MASQ']);
  for (const c of ['CNI-HOSTPORT-DNAT', 'CNI-HOSTPORT-MASQ', 'CNI-HOSTPORT-SETMARK']) {
    run('iptables', ['-w', '5', '-t', 'nat', '-F', c]);
    run('iptables', ['-w', '5', '-t', 'nat', '-X', c]);
  }
}
