/** The Node object a kubelet registers and the status it reports (upstream labels, condition reasons and messages). */
import type { Condition, Node, NodeStatus } from './types.js';

export const KUBELET_VERSION = 'v1.32.0-k8ts';
export const STOPPED_ANNOTATION = 'sim.k8ts.io/stopped';
export const CONTROL_PLANE_LABEL = 'node-role.kubernetes.io/control-plane';

export interface NodeIdentity {
  name: string;
  address: string;
  controlPlane?: boolean;
  /** Simulated nodes carry `type: kwok`-like marker labels/annotations. */
  simulated?: boolean;
  capacity: { cpu: string; memory: string; pods: string; 'ephemeral-storage': string };
  os?: string;
  arch?: string;
  runtime: string;
  kernelVersion?: string;
  osImage?: string;
  /** The kubelet API's port (status.daemonEndpoints.kubeletEndpoint.Port; default 10250). */
  kubeletPort?: number;
}

const iso = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

export function nodeArch(a: string = process.arch): string {
  return a === 'x64' ? 'amd64' : a === 'ia32' ? '386' : a;
}

/** The four kubelet conditions, healthy; keeps lastTransitionTime of unchanged ones. */
export function healthyConditions(now: number, old: Condition[] | undefined): Condition[] {
  const mk = (type: string, status: 'True' | 'False', reason: string, message: string): Condition => {
    const prev = old?.find((c) => c.type === type);
    return { type, status, lastHeartbeatTime: iso(now), lastTransitionTime: prev?.status === status && prev.lastTransitionTime ? prev.lastTransitionTime : iso(now), reason, message };
  };
  return [
    mk('MemoryPressure', 'False', 'KubeletHasSufficientMemory', 'kubelet has sufficient memory available'),
    mk('DiskPressure', 'False', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'),
    mk('PIDPressure', 'False', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'),
    mk('Ready', 'True', 'KubeletReady', 'kubelet is posting ready status'),
  ];
}

/** True when the server's copy of the conditions differs from healthy (e.g. the lifecycle controller set Unknown). */
export function conditionsNeedUpdate(old: Condition[] | undefined): boolean {
  const want: Record<string, string> = { MemoryPressure: 'False', DiskPressure: 'False', PIDPressure: 'False', Ready: 'True' };
  for (const [type, status] of Object.entries(want)) if (old?.find((c) => c.type === type)?.status !== status) return true;
  return false;
}

export function nodeStatus(id: NodeIdentity, now: number, old?: NodeStatus): NodeStatus {
  return {
    capacity: { ...id.capacity },
    allocatable: { ...id.capacity },
    conditions: healthyConditions(now, old?.conditions),
    addresses: [
      { type: 'InternalIP', address: id.address },
      { type: 'Hostname', address: id.name },
    ],
    daemonEndpoints: { kubeletEndpoint: { Port: id.kubeletPort ?? 10250 } },
    nodeInfo: {
      machineID: '',
      systemUUID: '',
      bootID: '',
      kernelVersion: id.kernelVersion ?? '',
      osImage: id.osImage ?? '',
      containerRuntimeVersion: id.runtime,
      kubeletVersion: KUBELET_VERSION,
      kubeProxyVersion: KUBELET_VERSION,
      operatingSystem: id.os ?? 'linux',
      architecture: id.arch ?? nodeArch(),
    },
  };
}

export function nodeObject(id: NodeIdentity, now: number): Node {
  const labels: Record<string, string> = {
    'kubernetes.io/hostname': id.name,
    'kubernetes.io/os': id.os ?? 'linux',
    'kubernetes.io/arch': id.arch ?? nodeArch(),
    'beta.kubernetes.io/os': id.os ?? 'linux',
    'beta.kubernetes.io/arch': id.arch ?? nodeArch(),
  };
  if (id.controlPlane) labels[CONTROL_PLANE_LABEL] = 'true';
  if (id.simulated) labels['type'] = 'sim';
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: id.name, labels, annotations: { 'node.alpha.kubernetes.io/ttl': '0' } },
    spec: {},
    status: nodeStatus(id, now),
  };
}

/** Sim nodes' capacity (KWOK's defaults are similar: a big machine). */
export const SIM_CAPACITY = { cpu: '32', memory: '256Gi', pods: '110', 'ephemeral-storage': '100Gi' } as const;
