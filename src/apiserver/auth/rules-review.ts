/** SelfSubjectRulesReview: the rules a user holds in a namespace, as RBAC and the privileged group grant them. */
import type { WatchCache } from '../watch-cache/watch-cache.js';
import { authenticateToken } from './authn.js';
import { authorizerFor } from './authorize.js';
import type { UserInfo } from './user.js';

export interface RulesReviewStatus {
  resourceRules: Array<{ verbs: string[]; apiGroups: string[]; resources: string[]; resourceNames?: string[] }>;
  nonResourceRules: Array<{ verbs: string[]; nonResourceURLs: string[] }>;
  incomplete: boolean;
  evaluationError?: string;
}

export function rulesReview(user: UserInfo, namespace: string, parts: { cache: WatchCache }): RulesReviewStatus {
  const out: RulesReviewStatus = { resourceRules: [], nonResourceRules: [], incomplete: false };
  if (user.groups.includes('system:masters')) {
    out.resourceRules.push({ verbs: ['*'], apiGroups: ['*'], resources: ['*'] });
    out.nonResourceRules.push({ verbs: ['*'], nonResourceURLs: ['*'] });
  }
  for (const r of authorizerFor(parts).rbac.rulesFor(user, namespace)) {
    if (r.nonResourceURLs?.length) out.nonResourceRules.push({ verbs: [...r.verbs], nonResourceURLs: [...r.nonResourceURLs] });
    else out.resourceRules.push({ verbs: [...r.verbs], apiGroups: [...(r.apiGroups ?? [])], resources: [...(r.resources ?? [])], ...(r.resourceNames?.length ? { resourceNames: [...r.resourceNames] } : {}) });
  }
  return out;
}

/** TokenReview status: who a token authenticates as, for the audiences asked. */
export async function tokenReview(spec: Record<string, unknown>, parts: { cache: WatchCache }): Promise<Record<string, unknown>> {
  const token = typeof spec.token === 'string' ? spec.token : '';
  const want = Array.isArray(spec.audiences) && spec.audiences.length ? spec.audiences.map(String) : undefined;
  const r = token ? await authenticateToken(token, parts, want) : undefined;
  if (!r) return { user: {}, error: '[invalid bearer token, token lookup failed]' };
  const u = r.user;
  return { authenticated: true, user: { username: u.username, ...(u.uid ? { uid: u.uid } : {}), groups: u.groups, ...(u.extra ? { extra: u.extra } : {}) }, audiences: want ? r.audiences : ['https://kubernetes.default.svc.cluster.local', 'k8ts'] };
}
