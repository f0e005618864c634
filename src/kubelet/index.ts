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
export type { Runtime, RuntimePodStatus, PodRef, ExecOptions } from './runtime.js';
export { SimRuntime, type SimRuntimeOptions } from './sim/sim-runtime.js';
export { DEFAULT_STAGES, RUN_SECONDS_ANNOTATION, EXIT_CODE_ANNOTATION, type Stage } from './sim/stages.js';
export type { Pod, Node, Taint, Toleration, Condition } from './types.js';
export { localNodeIdentity, simNodeIdentities, resolveRuntime, hostAddress, type RuntimeFlag } from './node-identities.js';
export { startSimFleetWorker, type SimFleet } from './sim-fleet.js';
export type { SimFleetWorkerData } from './sim-fleet-worker.js';
export { ensureNodeClientCertificate, ensureKubeletServingCertificate, requestCertificate, CLIENT_KUBELET_SIGNER, KUBELET_SERVING_SIGNER, type TlsBootstrapOptions, type NodeCredentials, type ServingCertificateOptions } from './tls-bootstrap.js';
export { createCsr, type CsrSubject } from './tls-bootstrap-csr.js';
export { RotatingTransport, runNodeClientRotation, rotationDeadline, jitteredFraction, type ClientRotationOptions } from './tls-bootstrap-rotation.js';
export { issueNodeClientCertificate } from './tls-bootstrap.js';
export { startCriRuntime, agentDirOf, clusterDnsIP, CriRuntime, CriClient, cleanupOwnContainerd, type StartedCri, type StartCriOptions } from './cri/index.js';
export { DEFAULT_IMAGE_GC_POLICY, validateImageGcPolicy, type ImageGcPolicy } from './cri/index.js';
export { DEFAULT_BRIDGE } from './cni/index.js';
export { KubeletServer, startKubeletServer, DEFAULT_KUBELET_PORT, type KubeletServerOptions, type KubeletBackend, type KubeletTls, type PodSource } from './server/index.js';
export { STOP_SECONDS_ANNOTATION } from './sim/stages.js';
export { VolumeManager, VolumeSetUpError, type VolumeManagerOptions, type Mount } from './volumes/index.js';
export { ProbeManager, type ProbeManagerOptions, type ProbeTarget } from './prober/index.js';
