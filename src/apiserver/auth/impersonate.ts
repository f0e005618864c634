/** Impersonation (`kubectl --as`, `--as-group`, `--as-uid`): allowed only with the `impersonate` verb on each impersonated part. */
import type { Req } from '../http/body.js';
import { errors } from '../errors.js';
import type { WatchCache } from '../watch-cache/watch-cache.js';
import { authorize, forbiddenMessage, type Attributes } from './authorize.js';
import type { UserInfo } from './user.js';

function values(req: Req, name: string): string[] {
  const v = req.headers[name];
  if (v === undefined) return [];
  return (Array.isArray(v) ? v : [v]).flatMap((s) => String(s).split(/,\s*/)).filter(Boolean);
}

/** The user a request acts as: the authenticated user, or whom it impersonates (403 unless allowed). */
export function impersonate(req: Req, user: UserInfo, parts: { cache: WatchCache }): UserInfo {
  const asUser = values(req, 'impersonate-user')[0];
  const groups = values(req, 'impersonate-group');
  const uid = values(req, 'impersonate-uid')[0];
  const extraKeys = Object.keys(req.headers).filter((h) => h.startsWith('impersonate-extra-'));
  if (asUser === undefined) {
    if (groups.length || uid || extraKeys.length) throw errors.badRequest('requested impersonation of groups, uid or extra without impersonating a user');
    return user;
  }
  const check = (a: Omit<Attributes, 'user' | 'verb'>) => {
    const attrs: Attributes = { user, verb: 'impersonate', ...a };
    const d = authorize(attrs, parts);
    if (!d.allowed) throw errors.forbidden(forbiddenMessage(attrs, d.reason), { name: a.name, group: a.group || undefined, kind: a.resource });
  };
  const sa = /^system:serviceaccount:([^:]+):([^:]+)$/.exec(asUser);
  if (sa) check({ group: '', resource: 'serviceaccounts', namespace: sa[1], name: sa[2] });
  else check({ group: '', resource: 'users', name: asUser });
  for (const g of groups) check({ group: '', resource: 'groups', name: g });
  if (uid) check({ group: 'authentication.k8s.io', resource: 'uids', name: uid });
  const extra: Record<string, string[]> = {};
  for (const h of extraKeys) {
    const key = decodeURIComponent(h.slice('impersonate-extra-'.length));
    const vals = values(req, h);
    for (const v of vals) check({ group: 'authentication.k8s.io', resource: 'userextras', subresource: key, name: v });
    extra[key] = vals;
  }
  const all = [...groups];
  if (sa) all.push('system:serviceaccounts', `system:serviceaccounts:${sa[1]}`);
  if (asUser !== 'system:anonymous' && !all.includes('system:authenticated')) all.push('system:authenticated');
  if (asUser === 'system:anonymous' && !all.includes('system:unauthenticated')) all.push('system:unauthenticated');
  return { username: asUser, groups: all, ...(uid ? { uid } : {}), ...(extraKeys.length ? { extra } : {}) };
}
