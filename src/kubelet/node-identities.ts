/** Which nodes an agent serves: the machine's own node and `sim-node-NNNNN` simulated ones, and the runtime choice. */
import { cpus, hostname, networkInterfaces, release, totalmem, type as osType } from 'node:os';
import { SIM_CAPACITY, nodeArch, type NodeIdentity } from './node-status.js';

export type RuntimeFlag = 'auto' | 'cri' | 'sim' | 'none';

/** auto/cri fall back to sim until the CRI runtime lands (said once, clearly). */
export function resolveRuntime(flag: RuntimeFlag, log: (msg: string) => void): 'sim' | 'none' {
  if (flag === 'auto' || flag === 'cri') {
    log(`agent: --runtime ${flag}: containerd (CRI) is not supported yet; the local node runs simulated pods (as --runtime sim)`);
    return 'sim';
  }
  return flag;
}

export function hostAddress(): string {
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return '127.0.0.1';
}

export function localNodeIdentity(runtime: 'sim', name = hostname().toLowerCase(), controlPlane = true): NodeIdentity {
  return {
    name,
    address: hostAddress(),
    controlPlane,
    capacity: { cpu: String(cpus().length), memory: `${Math.floor(totalmem() / 1024)}Ki`, pods: '110', 'ephemeral-storage': SIM_CAPACITY['ephemeral-storage'] },
    os: osType().toLowerCase(),
    arch: nodeArch(),
    runtime: `${runtime}://0.1.0`,
    kernelVersion: release(),
    osImage: 'k8ts',
  };
}

/** Simulated nodes get addresses in 172.16.0.0/12 (documentation-free private space, never routed by k8ts). */
export function simNodeIdentities(count: number, prefix = 'sim-node-', first = 1): NodeIdentity[] {
  return Array.from({ length: count }, (_, k) => {
    const i = first + k;
    return {
      name: `${prefix}${String(i).padStart(5, '0')}`,
      address: `172.${16 + ((i >> 16) & 15)}.${(i >> 8) & 255}.${i & 255}`,
      simulated: true,
      capacity: { ...SIM_CAPACITY },
      runtime: 'sim://0.1.0',
      kernelVersion: '5.15.0-sim',
      osImage: 'k8ts simulated node',
    };
  });
}
