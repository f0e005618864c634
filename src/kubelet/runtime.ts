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
  /** Runtimes that network pods themselves (cri: PodSandboxStatus) report the IP here; '' = not known yet. Unset: the agent allocates. */
  podIP?: string;
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

  // ---- Optional streaming / introspection (used by the kubelet API server, src/kubelet/server) ----

  /**
   * Path of the container's CRI-format log file (lines `<RFC3339Nano> stdout|stderr F|P msg`),
   * or undefined when the container (or, with `previous`, its previous instance) has no log.
   */
  containerLogPath?(ref: PodRef, container: string, previous: boolean): Promise<string | undefined>;
  /** Start an exec session; returns the URL of the runtime's streaming server (CRI Exec response url). */
  execStream?(ref: PodRef, container: string, cmd: string[], o: ExecOptions): Promise<string>;
  /** Start an attach session; returns the streaming server URL (CRI Attach response url). */
  attachStream?(ref: PodRef, container: string, o: ExecOptions): Promise<string>;
  /** Start a port-forward session; returns the streaming server URL (CRI PortForward response url). */
  portForwardStream?(ref: PodRef, ports: number[]): Promise<string>;
  /** The pods the runtime currently runs (kubelet `/pods`); optional. */
  listPods?(): Promise<Pod[]>;
  /** Cumulative CPU and working set of every running container (kubelet `/metrics/resource`; cri: ListContainerStats). */
  containerStats?(): Promise<ContainerStatsSample[]>;
}

/** One container's resource counters, as the kubelet's /metrics/resource reports them. */
export interface ContainerStatsSample {
  namespace: string;
  pod: string;
  container: string;
  /** The runtime's container ID (pod status `containerID` without the `containerd://` prefix). */
  id?: string;
  /** CPU time since the container started, in core-seconds. */
  cpuSeconds: number;
  memoryWorkingSetBytes: number;
  /** When the runtime read the counters (ms since the epoch). */
  timestampMs: number;
}

/** Which standard streams an exec/attach session wires up, and whether it allocates a TTY. */
export interface ExecOptions {
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  tty: boolean;
}
