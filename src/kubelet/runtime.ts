/** The contract between the node agent and a container runtime (`sim` now, CRI next): sandbox, containers, status. */
import type { ContainerStatus, Pod } from './types.js';

/** What the runtime knows about one pod; the agent turns it into `pod.status`. */
export interface RuntimePodStatus {
  /** The sandbox (network namespace, pause container) exists and has its IP. */
  sandboxReady: boolean;
  /** Init containers in spec order (only those the runtime has reached are present). */
  initContainers: ContainerStatus[];
  /** App containers in spec order (only those the runtime has reached are present). */
  containers: ContainerStatus[];
}

export interface PodRef {
  namespace: string;
  name: string;
  uid: string;
}

export interface Runtime {
  /** e.g. `sim`, `containerd` (goes into nodeInfo.containerRuntimeVersion as `name://version`). */
  readonly name: string;
  readonly version: string;
  /**
   * Level-based: make the runtime match the pod (create the sandbox, start the
   * containers whose turn it is, restart per restartPolicy) and return its status.
   */
  syncPod(pod: Pod): Promise<RuntimePodStatus>;
  /** Stop every container and remove the sandbox, taking at most `gracePeriodMs`. */
  killPod(uid: string, gracePeriodMs: number): Promise<void>;
  /** Called when a pod's status changed by itself (a container exited, a back-off ended). */
  onChange(fn: (ref: PodRef) => void): void;
  /** Stop timers; the runtime is unusable afterwards. */
  close(): void;
}
