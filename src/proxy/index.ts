/**
 * The proxy component: kube-proxy in iptables mode. A pure ruleset builder
 * (Services + EndpointSlices → iptables-restore text, upstream's chain
 * layout), a proxier that applies it atomically with partial syncs, health
 * and metrics, the safety routes, and the packet tracer behind `k8ts trace`.
 * @module
 */
export * from './types.js';
export * from './chain-names.js';
export { servicePortsOf, endpointsFromSlices, stateFromObjects, servicePortName, endpointKey, isIPv4, SERVICE_NAME_LABEL, loadBalancerSourceRangesOf, LB_SOURCE_RANGES_ANNOTATION } from './service-info.js';
export { IncrementalRuleset } from './incremental.js';
export { buildRuleset, assembleRuleset, buildServiceFragment, categorizeEndpoints, type Fragment, probability, JUMP_RULES, type JumpRule } from './ruleset.js';
export { planRestore, renderRuleset, parseSave, missingJumps, planCleanup, isOurChain, type RestorePlan } from './restore.js';
export { execRunner, mustRun, type CommandRunner, type RunResult } from './runner.js';
export { Proxier, cleanupRules, type ProxierOptions, type ProxySource, type SyncResult } from './proxier.js';
export { staleConntrackDeletes } from './conntrack.js';
export { ensureSafetyRoutes, removeSafetyRoutes, safetyRouteArgs, type SafetyRoutes } from './safety.js';
export { startInformerProxy, type InformerProxyOptions, type RunningProxy } from './run.js';
export { tracePacket, formatTrace, parseRule, splitArgs, movedCounters, parseCounters, type Packet, type TraceResult, type TraceStep, type Choice } from './trace.js';
// ── NetworkPolicy enforcement and host-gw pod routes (helper D's files: netpol*.ts, routes*.ts) ──
export { buildNetpolRules, netpolStateFrom, applyNetpolRules, cleanupNetpolRules, NETPOL_CHAIN, type NetpolState, type NetpolRuleset, type NetworkPolicy } from './netpol.js';
export { startNetpolEnforcer, startNetworkAgents, NETWORK_AGENT_USER, type NetpolEnforcerOptions, type RunningNetpolEnforcer } from './netpol-enforcer.js';
export { desiredRoutes, syncRoutes, startRouteController, ROUTE_PROTO, type PodRoute, type RunningRouteController } from './routes.js';
// ── end ──
