/** apps/v1: Deployment, ReplicaSet, StatefulSet, DaemonSet, ControllerRevision (definitions in apps-*.ts). */
import type { ResourceDef } from '../resource.js';
import { deploymentDef, replicaSetDef } from './apps-deployment.js';
import { controllerRevisionDef, statefulSetDef } from './apps-statefulset.js';
import { daemonSetDef } from './apps-daemonset.js';

export { deploymentDef, replicaSetDef, statefulSetDef, daemonSetDef, controllerRevisionDef };

export const APPS_RESOURCES: ResourceDef[] = [controllerRevisionDef, daemonSetDef, deploymentDef, replicaSetDef, statefulSetDef];
