/** Which nodes an agent serves: the machine's own node and `sim-node-NNNNN` simulated ones, and the runtime choice. */
import { cpus, hostname, networkInterfaces, release, totalmem, type as osType } from 'node:os';
import { SIM_CAPACITY, nodeArch, type NodeIdentity } from './node-status.js';
import { missingRuntimePieces } from './cri/containerd.js';

export type RuntimeFlag = 'auto' | 'cri' | 'sim' | 'none';

/**
 * cri: containerd through CRI (fails with one line naming the Debian packages
 * when a piece is missing); auto: cri when containerd, runc and the CNI
 * plugins are installed and we are root, otherwise sim (said once, clearly).
 */
export function resolveRuntime(
  flag: RuntimeFlag,
  log: (msg: string) => void,
  opts: { endpoint?: string; missing?: () => string | undefined; isRoot?: boolean } = {},
): 'cri' | 'sim' | 'none' {
  const missingPieces = opts.missing ?? missingRuntimePieces;
  const root = opts.isRoot ?? process.getuid?.() === 0;
  if (flag === 'cri') {
    const missing = opts.endpoint ? undefined : missingPieces();
    if (missing) throw new Error(missing);
    if (!opts.endpoint && !root) throw new Error('--runtime cri runs its own containerd and needs root (or give --container-runtime-endpoint)');
    return 'cri';
  }
  if (flag === 'auto') {
    const missing = opts.endpoint ? undefined : missingPieces();
    if (!missing && (opts.endpoint || root)) return 'cri';
    log(`agent: --runtime auto: ${missing ?? 'containerd needs root'}; the local node runs simulated pods (as --runtime sim)`);
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

/** `runtime` is `sim` or a full `name://version` (e.g. `containerd://1.6.20~ds1`). */
export function localNodeIdentity(runtime: string, name = hostname().toLowerCase(), controlPlane = true): NodeIdentity {
  return {
    name,
    address: hostAddress(),
    controlPlane,
    capacity: { cpu: String(cpus().length), memory: `${Math.floor(totalmem() / 1024)}Ki`, pods: '110', 'ephemeral-storage': SIM_CAPACITY['ephemeral-storage'] },
    os: osType().toLowerCase(),
    arch: nodeArch(),
    runtime: runtime.includes('://') ? runtime : `${runtime}://0.1.0`,
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
