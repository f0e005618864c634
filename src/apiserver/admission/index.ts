/**
 * Admission, installed as storage hooks after NamespaceLifecycle (kind-hooks)
 * in upstream's order: LimitRanger, ServiceAccount, NodeRestriction,
 * Priority, DefaultTolerationSeconds (pod-defaults), PodSecurity,
 * ResourceQuota; RBAC escalation checks belong to the RBAC registry.
 * @module
 */
import type { ServerParts } from '../rest/context.js';
import { installNodeRestriction } from './node-restriction.js';
import { installPodDefaults } from './pod-defaults.js';
import { installPodSecurity } from './pod-security.js';
import { installRbacEscalation } from './rbac-escalation.js';
import { installLimitRanger, installResourceQuota } from './resource-quota.js';

export function installAdmission(parts: ServerParts): void {
  installLimitRanger(parts);
  installNodeRestriction(parts);
  installPodDefaults(parts);
  installPodSecurity(parts);
  installRbacEscalation(parts);
  installResourceQuota(parts);
}
