/**
 * Review kinds, answered and never stored: SelfSubjectReview (`kubectl auth
 * whoami`), SelfSubjectAccessReview / SubjectAccessReview /
 * LocalSubjectAccessReview (`kubectl auth can-i`), SelfSubjectRulesReview
 * (`kubectl auth can-i --list`). Decisions come from the same authorizer the
 * server enforces, so a review never disagrees with the real answer.
 * @module
 */
import { isRecord } from '../../api/index.js';
import { authorize } from '../auth/authorize.js';
import { rulesReview, tokenReview } from '../auth/rules-review.js';
import type { UserInfo } from '../auth/user.js';
import { errors } from '../errors.js';
import { sendJson } from '../http/respond.js';
import type { RestContext } from './context.js';
import { decodeBody } from './write.js';

function rec(v: unknown): Record<string, unknown> {
  return isRecord(v) ? v : {};
}

function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

function decide(user: UserInfo, spec: Record<string, unknown>, parts: RestContext['parts']): { allowed: boolean; reason?: string } {
  const ra = rec(spec.resourceAttributes);
  const nra = rec(spec.nonResourceAttributes);
  const d = isRecord(spec.nonResourceAttributes)
    ? authorize({ user, verb: str(nra.verb), path: str(nra.path) }, parts)
    : authorize({
        user,
        verb: str(ra.verb),
        namespace: str(ra.namespace) || undefined,
        group: str(ra.group),
        version: str(ra.version),
        resource: str(ra.resource),
        subresource: str(ra.subresource) || undefined,
        name: str(ra.name) || undefined,
      }, parts);
  return d.allowed ? { allowed: true, reason: d.reason || undefined } : { allowed: false };
}

export async function handleReview(ctx: RestContext): Promise<void> {
  if (ctx.info.verb !== 'create') throw errors.methodNotAllowed();
  const { value } = await decodeBody(ctx);
  const body = rec(value);
  const spec = rec(body.spec);
  const kind = ctx.def.kind;
  const base = { kind, apiVersion: `${ctx.def.group}/${ctx.def.version}`, metadata: { creationTimestamp: null } };
  const user = ctx.user;
  switch (kind) {
    case 'SelfSubjectReview':
      return sendJson(ctx.res, 201, { ...base, status: { userInfo: { username: user.username, ...(user.uid ? { uid: user.uid } : {}), groups: user.groups, ...(user.extra ? { extra: user.extra } : {}) } } });
    case 'SelfSubjectAccessReview':
      return sendJson(ctx.res, 201, { ...base, spec, status: decide(user, spec, ctx.parts) });
    case 'SubjectAccessReview':
    case 'LocalSubjectAccessReview': {
      if (kind === 'LocalSubjectAccessReview') {
        const ns = str(rec(spec.resourceAttributes).namespace);
        if (ns && ns !== ctx.info.namespace) throw errors.badRequest(`spec.resourceAttributes.namespace must match metadata.namespace`);
        spec.resourceAttributes = { ...rec(spec.resourceAttributes), namespace: ctx.info.namespace };
      }
      const subject: UserInfo = {
        username: str(spec.user),
        uid: str(spec.uid) || undefined,
        groups: Array.isArray(spec.groups) ? spec.groups.map(String) : [],
      };
      if (!subject.username && subject.groups.length === 0) {
        throw errors.invalid('authorization.k8s.io', kind, '', [{ type: 'FieldValueInvalid', field: 'spec.user', message: 'Invalid value: "": at least one of user or group must be specified' }]);
      }
      return sendJson(ctx.res, 201, { ...base, spec, status: decide(subject, spec, ctx.parts) });
    }
    case 'SelfSubjectRulesReview':
      return sendJson(ctx.res, 201, { ...base, spec, status: rulesReview(user, str(spec.namespace), ctx.parts) });
    case 'TokenReview':
      return sendJson(ctx.res, 201, { ...base, spec, status: await tokenReview(spec, ctx.parts) });
    default:
      throw errors.methodNotAllowed();
  }
}
