/**
 * The built-in registry: every group table, and the kinds decodable from a
 * protobuf request body.
 * @module
 */
import { buildRegistry, type Registry } from './schema.js';
import { appsV1 } from './messages-apps-v1.js';
import { authenticationV1 } from './messages-authentication-v1.js';
import { authorizationV1 } from './messages-authorization-v1.js';
import { autoscalingV1 } from './messages-autoscaling-v1.js';
import { batchV1 } from './messages-batch-v1.js';
import { coordinationV1 } from './messages-coordination-v1.js';
import { certificatesV1 } from './messages-certificates-v1.js';
import { coreV1 } from './messages-core-v1.js';
import { coreV1Pod } from './messages-core-v1-pod.js';
import { coreV1Volumes } from './messages-core-v1-volumes.js';
import { metaV1 } from './messages-meta.js';
import { networkingV1 } from './messages-networking-v1.js';
import { policyV1 } from './messages-policy-v1.js';
import { rbacV1 } from './messages-rbac-v1.js';
import { schedulingV1 } from './messages-scheduling-v1.js';

export const GROUP_TABLES = [
  metaV1, coreV1, coreV1Pod, coreV1Volumes, appsV1, batchV1, rbacV1, networkingV1, policyV1,
  schedulingV1, coordinationV1, authenticationV1, authorizationV1, autoscalingV1, certificatesV1,
] as const;

export const registry: Registry = buildRegistry(GROUP_TABLES);

/**
 * Kinds registered in every group version (apimachinery's AddToGroupVersion):
 * a typed DELETE sends DeleteOptions under its client's apiVersion.
 */
const ANY_VERSION_KINDS: Readonly<Record<string, string>> = { DeleteOptions: 'meta.DeleteOptions' };

/** The root message for an envelope's apiVersion and kind, if known. */
export function rootMessage(apiVersion: string, kind: string): string | undefined {
  return registry.kinds.get(`${apiVersion} ${kind}`) ?? ANY_VERSION_KINDS[kind];
}

/** `"apps/v1 Deployment"`-style names of every decodable kind. */
export function supportedKinds(): string[] {
  return [...registry.kinds.keys(), ...Object.keys(ANY_VERSION_KINDS).map((k) => `*/* ${k}`)];
}
