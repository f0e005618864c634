/**
 * The controllers component: one file or folder per controller, and the
 * controller manager that runs the enabled ones over shared informers.
 * @module
 */
export { startControllerManager, enabledControllers, type ManagerOptions, type RunningManager } from './manager.js';
export { CONTROLLERS, type ControllerName } from './registry.js';
export type { ControllerContext, StartedController } from './context.js';
export { startNodeIpamController, CidrSet, type NodeIpamOptions } from './node-ipam.js';
export { startNodeLifecycleController, type NodeLifecycleOptions } from './node-lifecycle.js';
export { startTaintManager, type TaintManagerOptions } from './taint-manager.js';
export type { RunningNodeController } from './node-lifecycle-types.js';
export { runControllerManager, type ElectedOptions } from './elected.js';
export type { ControllersWorkerData } from './worker-main.js';
