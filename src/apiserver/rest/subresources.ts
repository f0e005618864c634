/** Subresources with their own kinds: pods/binding and <resource>/scale. */
import { getPath, isRecord, labelSelectorToString, selectorFromLabelSelector, type KObject } from '../../api/index.js';
import { errors } from '../errors.js';
import { sendJson } from '../http/respond.js';
import type { RestContext } from './context.js';
import { decodeBody } from './write.js';

/** POST pods/<name>/binding: sets spec.nodeName once (409 if already bound). */
export async function handleBinding(ctx: RestContext): Promise<void> {
  if (ctx.info.verb !== 'create') throw errors.methodNotAllowed();
  const { value } = await decodeBody(ctx);
  const target = isRecord(value) && isRecord(value.target) ? value.target : undefined;
  const node = target && typeof target.name === 'string' ? target.name : '';
  if (!node) throw errors.invalid('', 'Binding', ctx.info.name, [{ type: 'FieldValueRequired', field: 'target.name', message: 'Required value' }]);
  const name = ctx.info.name;
  // Upstream copies the Binding's annotations onto the pod (schedulers record decisions this way).
  const bindingMeta = isRecord(value) && isRecord(value.metadata) ? value.metadata : {};
  const annotations = isRecord(bindingMeta.annotations) ? (bindingMeta.annotations as Record<string, string>) : undefined;
  await ctx.rs.update(
    ctx.info.namespace,
    name,
    (pod) => {
      const spec = (pod.spec ?? {}) as Record<string, unknown>;
      if (pod.metadata.deletionTimestamp) throw errors.conflict('', 'pods', name, 'pod is being deleted, cannot be assigned to a host');
      if (spec.nodeName) throw errors.conflict('', 'pods', name, `pod ${name} is already assigned to node "${String(spec.nodeName)}"`);
      spec.nodeName = node;
      pod.spec = spec;
      if (annotations) pod.metadata.annotations = { ...(pod.metadata.annotations ?? {}), ...annotations };
      const status = (pod.status ?? {}) as Record<string, unknown>;
      const conds = (Array.isArray(status.conditions) ? status.conditions : []).filter((c) => !(isRecord(c) && c.type === 'PodScheduled'));
      conds.push({ type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: new Date().toISOString().replace(/\.\d+Z$/, 'Z') });
      status.conditions = conds;
      pod.status = status;
      delete pod.metadata.resourceVersion;
      return pod;
    },
    { dryRun: false, subresource: 'binding' },
  );
  sendJson(ctx.res, 201, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 });
}

function scaleOf(ctx: RestContext, obj: KObject): Record<string, unknown> {
  const s = ctx.def.scale!;
  const sel = getPath(obj, s.selectorPath);
  let selector = '';
  if (isRecord(sel)) {
    selector = 'matchLabels' in sel || 'matchExpressions' in sel ? labelSelectorToString(selectorFromLabelSelector(sel)) : labelSelectorToString(selectorFromLabelSelector({ matchLabels: sel as Record<string, string> }));
  }
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: { name: obj.metadata.name, namespace: obj.metadata.namespace, uid: obj.metadata.uid, resourceVersion: obj.metadata.resourceVersion, creationTimestamp: obj.metadata.creationTimestamp },
    spec: { replicas: Number(getPath(obj, s.specReplicasPath) ?? 0) },
    status: { replicas: Number(getPath(obj, s.statusReplicasPath) ?? 0), selector },
  };
}

/** GET/PUT/PATCH <resource>/<name>/scale (autoscaling/v1 Scale). */
export async function handleScale(ctx: RestContext): Promise<void> {
  const { info, rs } = ctx;
  if (info.verb === 'get') {
    const cur = await rs.getFresh(info.namespace, info.name);
    if (!cur) throw errors.notFound(ctx.def.group, ctx.def.resource, info.name);
    sendJson(ctx.res, 200, scaleOf(ctx, cur.obj));
    return;
  }
  if (info.verb !== 'update' && info.verb !== 'patch') throw errors.methodNotAllowed();
  const { value, type } = await decodeBody(ctx);
  if (!isRecord(value)) throw errors.badRequest('the request body must be a Scale object');
  const path = ctx.def.scale!.specReplicasPath.split('.');
  const updated = await rs.update(
    info.namespace,
    info.name,
    (obj) => {
      const scale = scaleOf(ctx, obj);
      let want: unknown;
      if (info.verb === 'update' || type === 'application/merge-patch+json' || type === 'application/strategic-merge-patch+json') {
        want = isRecord(value.spec) ? value.spec.replicas : undefined;
        const pinned = isRecord(value.metadata) ? value.metadata.resourceVersion : undefined;
        if (typeof pinned === 'string' && pinned && pinned !== scale.metadata && pinned !== obj.metadata.resourceVersion) {
          throw errors.conflict(ctx.def.group, ctx.def.resource, info.name, 'the object has been modified; please apply your changes to the latest version and try again');
        }
      } else throw errors.unsupportedMediaType(type);
      if (typeof want !== 'number' || !Number.isInteger(want) || want < 0) {
        throw errors.invalid('autoscaling', 'Scale', info.name, [{ type: 'FieldValueInvalid', field: 'spec.replicas', message: `Invalid value: ${JSON.stringify(want ?? null)}: must be greater than or equal to 0` }]);
      }
      let cur: Record<string, unknown> = obj;
      for (const p of path.slice(0, -1)) cur = (cur[p] ??= {}) as Record<string, unknown>;
      cur[path[path.length - 1]!] = want;
      delete obj.metadata.resourceVersion;
      return obj;
    },
    { dryRun: false, subresource: '' },
  );
  sendJson(ctx.res, 200, scaleOf(ctx, updated));
}
