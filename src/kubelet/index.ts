/**
 * The kubelet component: node registration, Lease and status heartbeats, pod
 * workers over a `Runtime` (sim now, CRI next).
 * @module
 */
export { NodeAgent, type NodeAgentOptions } from './node-agent.js';
export { NodeHeartbeats, LEASE_NAMESPACE, type HeartbeatOptions } from './node-heartbeat.js';
export { PodSyncer, type PodSyncerOptions } from './pod-syncer.js';
export { computePodStatus, podPhase } from './pod-status.js';
export { nodeObject, nodeStatus, nodeArch, SIM_CAPACITY, STOPPED_ANNOTATION, CONTROL_PLANE_LABEL, KUBELET_VERSION, type NodeIdentity } from './node-status.js';
export type { Runtime, RuntimePodStatus, PodRef } from './runtime.js';
export { SimRuntime, type SimRuntimeOptions } from './sim/sim-runtime.js';
export { DEFAULT_STAGES, RUN_SECONDS_ANNOTATION, EXIT_CODE_ANNOTATION, type Stage } from './sim/stages.js';
export type { Pod, Node, Taint, Toleration, Condition } from './types.js';
export { localNodeIdentity, simNodeIdentities, resolveRuntime, hostAddress, type RuntimeFlag } from './node-identities.js';
export { startSimFleetWorker, type SimFleet } from './sim-fleet.js';
export type { SimFleetWorkerData } from './sim-fleet-worker.js';
