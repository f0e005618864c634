/**
 * Admission, installed as storage hooks after NamespaceLifecycle (kind-hooks)
 * in upstream's order: LimitRanger, ServiceAccount, NodeRestriction,
 * TaintNodesByCondition, Priority, DefaultTolerationSeconds (pod-defaults),
 * PodSecurity, DefaultStorageClass, ResourceQuota; RBAC escalation checks
 * belong to the RBAC registry.
 * @module
 */
import type { ServerParts } from '../rest/context.js';
import { DEFAULT_STORAGE_CLASS, installDefaultStorageClass } from './default-storage-class.js';
import { installNodeRestriction } from './node-restriction.js';
import { installPodDefaults } from './pod-defaults.js';
import { installPodSecurity } from './pod-security.js';
import { installRbacEscalation } from './rbac-escalation.js';
import { installLimitRanger, installResourceQuota } from './resource-quota.js';
import { installTaintNodesByCondition, TAINT_NODES_BY_CONDITION } from './taint-nodes-by-condition.js';

/** Plugins `--disable-admission-plugins` may turn off. */
export const OPTIONAL_ADMISSION_PLUGINS = [TAINT_NODES_BY_CONDITION, DEFAULT_STORAGE_CLASS];

export interface AdmissionOptions {
  /** Names from OPTIONAL_ADMISSION_PLUGINS not to install. */
  disabled?: string[];
}

export function installAdmission(parts: ServerParts, opts: AdmissionOptions = {}): void {
  const off = new Set(opts.disabled ?? []);
  installLimitRanger(parts);
  installNodeRestriction(parts);
  if (!off.has(TAINT_NODES_BY_CONDITION)) installTaintNodesByCondition(parts);
  installPodDefaults(parts);
  installPodSecurity(parts);
  installRbacEscalation(parts);
  // Before ResourceQuota, which counts storage per class.
  if (!off.has(DEFAULT_STORAGE_CLASS)) installDefaultStorageClass(parts);
  installResourceQuota(parts);
}
