/**
 * The authorizer every request and every access review goes through. Until
 * RBAC lands (the security issue) it allows `system:masters` everything and
 * lets anyone read the public health and version paths — nothing else.
 * @module
 */
import type { UserInfo } from './user.js';

export interface Attributes {
  user: UserInfo;
  verb: string;
  /** Resource requests. */
  namespace?: string;
  group?: string;
  version?: string;
  resource?: string;
  subresource?: string;
  name?: string;
  /** Non-resource requests. */
  path?: string;
}

export interface Decision {
  allowed: boolean;
  reason: string;
}

const PUBLIC_PATHS = ['/version', '/healthz', '/livez', '/readyz'];

/** Built-in component identities, trusted fully until RBAC (the security issue) gives each its upstream role. */
const COMPONENT_USERS = new Set(['system:kube-scheduler', 'system:kube-controller-manager', 'system:kube-proxy']);

export function authorize(a: Attributes): Decision {
  if (a.user.groups.includes('system:masters')) return { allowed: true, reason: '' };
  if (COMPONENT_USERS.has(a.user.username) || a.user.groups.includes('system:nodes')) return { allowed: true, reason: '' };
  if (a.path !== undefined && a.verb === 'get') {
    const base = a.path.replace(/\/$/, '') || '/';
    if (PUBLIC_PATHS.some((p) => base === p || base.startsWith(`${p}/`))) return { allowed: true, reason: '' };
  }
  // Anyone may ask who they are and what they may do (system:basic-user).
  if (a.group === 'authentication.k8s.io' && a.resource === 'selfsubjectreviews' && a.verb === 'create') return { allowed: true, reason: '' };
  if (a.group === 'authorization.k8s.io' && (a.resource === 'selfsubjectaccessreviews' || a.resource === 'selfsubjectrulesreviews') && a.verb === 'create') {
    return { allowed: true, reason: '' };
  }
  return { allowed: false, reason: '' };
}

/** The Forbidden message upstream writes for a denied request. */
export function forbiddenMessage(a: Attributes): string {
  if (a.path !== undefined) return `forbidden: User "${a.user.username}" cannot ${a.verb} path "${a.path}"`;
  const res = a.subresource ? `${a.resource}/${a.subresource}` : a.resource!;
  const scope = a.namespace ? `in the namespace "${a.namespace}"` : 'at the cluster scope';
  const what = `${a.resource!}${a.group ? `.${a.group}` : ''}${a.name ? ` "${a.name}"` : ''}`;
  return `${what} is forbidden: User "${a.user.username}" cannot ${a.verb} resource "${res}" in API group "${a.group ?? ''}" ${scope}`;
}
