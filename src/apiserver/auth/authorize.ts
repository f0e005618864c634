/**
 * The authorizer every request and every access review goes through, in
 * kube-apiserver's order: the privileged group `system:masters`, then the
 * Node authorizer, then RBAC over the watch cache. There is no other
 * allowance: components pass with their upstream roles.
 * @module
 */
import type { WatchCache } from '../watch-cache/watch-cache.js';
import { NodeAuthorizer } from './node-authorizer.js';
import { RbacIndex } from './rbac-index.js';
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

export interface Authorizer {
  rbac: RbacIndex;
  node: NodeAuthorizer;
}

const authorizers = new WeakMap<object, Authorizer>();

/** The authorizer of one server (its watch cache), created on first use. */
export function authorizerFor(parts: { cache: WatchCache }): Authorizer {
  let a = authorizers.get(parts.cache);
  if (!a) authorizers.set(parts.cache, (a = { rbac: new RbacIndex(parts.cache), node: new NodeAuthorizer(parts.cache) }));
  return a;
}

/** Without a server's parts only `system:masters` is allowed (fail closed). */
export function authorize(a: Attributes, parts?: { cache: WatchCache }): Decision {
  if (a.user.groups.includes('system:masters')) return { allowed: true, reason: '' };
  if (!parts) return { allowed: false, reason: '' };
  const az = authorizerFor(parts);
  const n = az.node.authorize(a);
  if (n?.allowed) return n;
  const r = az.rbac.authorize(a);
  if (r.allowed) return r;
  return { allowed: false, reason: n?.reason ?? '' };
}

/** Upstream authorizes a list or watch with `fieldSelector=metadata.name=X` as a request for X. */
export function selectorName(query: URLSearchParams): string | undefined {
  for (const term of (query.get('fieldSelector') ?? '').split(',')) {
    const m = /^metadata\.name==?(.+)$/.exec(term.trim());
    if (m) return m[1];
  }
  return undefined;
}

/** The Forbidden message upstream writes for a denied request. */
export function forbiddenMessage(a: Attributes, reason = ''): string {
  const why = reason ? `: ${reason}` : '';
  if (a.path !== undefined) return `forbidden: User "${a.user.username}" cannot ${a.verb} path "${a.path}"${why}`;
  const res = a.subresource ? `${a.resource}/${a.subresource}` : a.resource!;
  const scope = a.namespace ? `in the namespace "${a.namespace}"` : 'at the cluster scope';
  const what = `${a.resource!}${a.group ? `.${a.group}` : ''}${a.name ? ` "${a.name}"` : ''}`;
  return `${what} is forbidden: User "${a.user.username}" cannot ${a.verb} resource "${res}" in API group "${a.group ?? ''}" ${scope}${why}`;
}
