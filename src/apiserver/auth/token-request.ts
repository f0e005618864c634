/** TokenRequest (`POST .../serviceaccounts/NAME/token`, `kubectl create token`): a signed, bound ServiceAccount token. */
import { isRecord } from '../../api/index.js';
import { errors } from '../errors.js';
import { sendJson } from '../http/respond.js';
import type { RestContext } from '../rest/context.js';
import { decodeBody } from '../rest/write.js';
import { serviceAccountTokens } from './authn.js';
import { nodeName } from './node-authorizer.js';

const MIN_SECONDS = 600;
const MAX_SECONDS = 2 ** 32;

export async function handleTokenRequest(ctx: RestContext): Promise<void> {
  if (ctx.info.verb !== 'create') throw errors.methodNotAllowed();
  const { value } = await decodeBody(ctx);
  const body = isRecord(value) ? value : {};
  const spec = isRecord(body.spec) ? body.spec : {};
  const ns = ctx.info.namespace;
  const name = ctx.info.name;
  const sa = ctx.rs.getCached(ns, name);
  if (!sa) throw errors.notFound('', 'serviceaccounts', name);
  const seconds = typeof spec.expirationSeconds === 'number' ? spec.expirationSeconds : 3600;
  if (seconds < MIN_SECONDS) {
    throw errors.invalid('authentication.k8s.io', 'TokenRequest', name, [{ type: 'FieldValueInvalid', field: 'spec.expirationSeconds', message: `Invalid value: ${seconds}: may not specify a duration less than 10 minutes` }]);
  }
  if (seconds > MAX_SECONDS) {
    throw errors.invalid('authentication.k8s.io', 'TokenRequest', name, [{ type: 'FieldValueTooLong', field: 'spec.expirationSeconds', message: `Invalid value: ${seconds}: may not specify a duration larger than 2^32 seconds` }]);
  }
  const audiences = Array.isArray(spec.audiences) ? spec.audiences.map(String) : [];
  const ref = isRecord(spec.boundObjectRef) ? spec.boundObjectRef : undefined;
  let pod;
  if (ref) {
    if (ref.kind !== 'Pod') throw errors.badRequest(`cannot bind token for serviceaccount "${name}" to object of kind "${String(ref.kind)}"`);
    const podDef = ctx.parts.registry.resource('', 'v1', 'pods')!;
    pod = ctx.parts.resources.get(podDef)!.getCached(ns, String(ref.name ?? ''));
    if (!pod) throw errors.notFound('', 'pods', String(ref.name ?? ''));
    if (ref.uid && ref.uid !== pod.metadata.uid) throw errors.conflict('', 'pods', String(ref.name), `the UID in the bound object reference (${String(ref.uid)}) does not match the UID in record. The object might have been deleted and then recreated`);
    const podSa = (pod.spec as { serviceAccountName?: string } | undefined)?.serviceAccountName ?? 'default';
    if (podSa !== name) throw errors.badRequest(`cannot bind token for serviceaccount "${name}" to pod running with different serviceaccount name.`);
  }
  const node = nodeName(ctx.user);
  if (node && (!pod || (pod.spec as { nodeName?: string } | undefined)?.nodeName !== node)) {
    // NodeRestriction: a kubelet may only request tokens bound to a pod on its node.
    throw errors.forbidden(`serviceaccounts "${name}" is forbidden: node requested token bound to a pod scheduled on a different node`);
  }
  const { token, expiresAt } = await serviceAccountTokens(ctx.parts).issue(sa, { audiences, expirationSeconds: seconds, pod });
  sendJson(ctx.res, 201, {
    kind: 'TokenRequest',
    apiVersion: 'authentication.k8s.io/v1',
    metadata: { name, namespace: ns, creationTimestamp: null },
    spec: { audiences: audiences.length ? audiences : ['https://kubernetes.default.svc.cluster.local', 'k8ts'], expirationSeconds: seconds, boundObjectRef: ref ? { kind: 'Pod', apiVersion: 'v1', name: pod?.metadata.name, uid: pod?.metadata.uid } : null },
    status: { token, expirationTimestamp: expiresAt.toISOString().replace(/\.\d+Z$/, 'Z') },
  });
}
