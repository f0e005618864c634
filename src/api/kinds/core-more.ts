/**
 * The rest of core/v1: LimitRange, ResourceQuota, PersistentVolume,
 * PersistentVolumeClaim, ReplicationController, PodTemplate, ComponentStatus.
 * Each kind lives in a core-more-*.ts file; this is the list the registry serves.
 * @module
 */
import type { ResourceDef } from '../resource.js';
import { limitRangeDef, resourceQuotaDef } from './core-more-quota.js';
import { persistentVolumeClaimDef, persistentVolumeDef } from './core-more-volumes.js';
import { componentStatusDef, podTemplateDef, replicationControllerDef } from './core-more-workloads.js';

export { limitRangeDef, resourceQuotaDef } from './core-more-quota.js';
export { persistentVolumeClaimDef, persistentVolumeDef, accessModesString } from './core-more-volumes.js';
export { componentStatusDef, podTemplateDef, replicationControllerDef } from './core-more-workloads.js';

export const CORE_MORE_RESOURCES: ResourceDef[] = [
  componentStatusDef,
  limitRangeDef,
  persistentVolumeClaimDef,
  persistentVolumeDef,
  podTemplateDef,
  replicationControllerDef,
  resourceQuotaDef,
];
