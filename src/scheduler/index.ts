/**
 * The scheduler component: kube-scheduler's framework (queue, cache, extension
 * points, in-tree plugins), KubeSchedulerConfiguration, leader-elected running,
 * and the decision record `k8ts explain pod` reads.
 * @module
 */
export { runScheduler, type RunSchedulerOptions } from './run.js';
export { setupScheduler, type SchedulerSetup, type SetupOptions } from './setup.js';
// For out-of-tree plugins (SetupOptions.outOfTreeRegistry).
export { Status, Code } from './framework/status.js';
export type { Plugin, PluginFactory, Handle, ClusterEvent, ClusterEventWithHint, QueueingHint, WaitingPodHandle } from './framework/interface.js';
export type { Pod, Node } from './framework/types.js';
export { resolveProfiles, numFeasibleNodesToFind, ConfigError, type KubeSchedulerConfiguration } from './config.js';
export { DECISION_ANNOTATION, parseDecision, type Decision, type Rejection } from './decision.js';
export { Scheduler } from './scheduler.js';
export type { SchedulerWorkerData } from './worker-main.js';
