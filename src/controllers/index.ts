/**
 * The controllers component: one file or folder per controller, and the
 * controller manager that runs the enabled ones over shared informers.
 * @module
 */
export { startControllerManager, enabledControllers, type ManagerOptions, type RunningManager } from './manager.js';
export { CONTROLLERS, type ControllerName } from './registry.js';
export type { ControllerContext, StartedController, NodeControllerSettings } from './context.js';
export { ServiceAccountClients, CONTROLLER_SERVICE_ACCOUNTS } from './identities.js';
export { QueueMetricsRegistry } from './metrics.js';
export { startControllerManagerHealthServer, type ManagerHealth, type RunningHealthServer } from './health-server.js';
export { serveControllerManager, type SecureServing, type ManagerServing } from './serving.js';
export { startNodeIpamController, CidrSet, type NodeIpamOptions } from './node-ipam.js';
export { startNodeLifecycleController, type NodeLifecycleOptions } from './node-lifecycle.js';
export { startTaintManager, type TaintManagerOptions } from './taint-manager.js';
export type { RunningNodeController } from './node-lifecycle-types.js';
export { runControllerManager, type ElectedOptions } from './elected.js';
export type { ControllersWorkerData } from './worker-main.js';
export { startLocalPathProvisioner, LOCAL_PATH_CLASS, LOCAL_PATH_PROVISIONER, DEFAULT_STORAGE_DIR, type LocalPathOptions } from './local-path-provisioner.js';
export { startServiceLbController, serviceLbAddresses } from './service-lb.js';
