/**
 * Container probes (startup, readiness, liveness) for the real-container
 * runtime: exec through the runtime's ExecSync, httpGet, tcpSocket and gRPC
 * health checks from the host to the pod IP.
 * @module
 */
export { ProbeManager, type ProbeManagerOptions, type ProbeTarget } from './probe-manager.js';
export { runProbe, type ExecSync, type ProbeContext } from './handlers.js';
export { grpcProbe, healthService, SERVING_STATUS } from './grpc-health.js';
export { probeTimings, KIND_TITLE, type ProbeKind, type ProbeSpec, type ProbedContainer, type ProbeOutcome } from './types.js';
