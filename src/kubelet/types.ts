/** The slices of Pod, Node and Lease that the node agent reads and writes (JSON shapes as upstream). */
import type { KObject } from '../api/index.js';

export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason?: string;
  message?: string;
  lastTransitionTime?: string | null;
  lastHeartbeatTime?: string;
  lastProbeTime?: string | null;
}

export interface Container {
  name: string;
  image?: string;
  /** Only on init containers: `Always` makes it a sidecar. */
  restartPolicy?: 'Always';
}

export interface Toleration {
  key?: string;
  operator?: 'Exists' | 'Equal';
  value?: string;
  effect?: string;
  tolerationSeconds?: number;
}

export interface PodSpec {
  nodeName?: string;
  hostNetwork?: boolean;
  restartPolicy?: 'Always' | 'OnFailure' | 'Never';
  terminationGracePeriodSeconds?: number;
  containers: Container[];
  initContainers?: Container[];
  tolerations?: Toleration[];
  readinessGates?: Array<{ conditionType: string }>;
}

export type ContainerState =
  | { waiting: { reason?: string; message?: string } }
  | { running: { startedAt?: string } }
  | { terminated: { exitCode: number; reason?: string; message?: string; startedAt?: string; finishedAt?: string; containerID?: string } };

export interface ContainerStatus {
  name: string;
  state: ContainerState;
  lastState: Partial<{ terminated: { exitCode: number; reason?: string; startedAt?: string; finishedAt?: string; containerID?: string } }>;
  ready: boolean;
  started?: boolean;
  restartCount: number;
  image: string;
  imageID: string;
  containerID?: string;
}

export interface PodStatus {
  phase?: string;
  conditions?: Condition[];
  hostIP?: string;
  hostIPs?: Array<{ ip: string }>;
  podIP?: string;
  podIPs?: Array<{ ip: string }>;
  startTime?: string;
  initContainerStatuses?: ContainerStatus[];
  containerStatuses?: ContainerStatus[];
  qosClass?: string;
  reason?: string;
  message?: string;
}

export interface Pod extends KObject {
  spec: PodSpec;
  status?: PodStatus;
}

export interface Taint {
  key: string;
  value?: string;
  effect: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';
  timeAdded?: string;
}

export interface NodeStatus {
  capacity?: Record<string, string>;
  allocatable?: Record<string, string>;
  conditions?: Condition[];
  addresses?: Array<{ type: string; address: string }>;
  daemonEndpoints?: { kubeletEndpoint: { Port: number } };
  nodeInfo?: Record<string, string>;
}

export interface Node extends KObject {
  spec?: { podCIDR?: string; podCIDRs?: string[]; unschedulable?: boolean; taints?: Taint[] };
  status?: NodeStatus;
}
