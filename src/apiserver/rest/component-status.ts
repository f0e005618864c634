/**
 * componentstatuses (deprecated upstream, still what learners type first):
 * computed on each read, never stored. etcd-0 is the datastore answering a
 * read; the scheduler and controller manager are healthy when their leader
 * Lease in kube-system was renewed within its duration.
 * @module
 */
import type { KObject } from '../../api/index.js';
import { errors } from '../errors.js';
import { negotiate, sendJson } from '../http/respond.js';
import type { RestContext } from './context.js';
import { partialMetadata, table } from './table.js';

function status(name: string, healthy: boolean, message: string, error = ''): KObject {
  return {
    kind: 'ComponentStatus',
    apiVersion: 'v1',
    metadata: { name },
    conditions: [{ type: 'Healthy', status: healthy ? 'True' : 'False', message, ...(error ? { error } : {}) }],
  };
}

async function compute(ctx: RestContext): Promise<KObject[]> {
  const out: KObject[] = [];
  try {
    await ctx.parts.store.currentRevision();
    out.push(status('etcd-0', true, 'ok'));
  } catch (e) {
    out.push(status('etcd-0', false, '', e instanceof Error ? e.message : String(e)));
  }
  const leaseDef = ctx.parts.registry.resource('coordination.k8s.io', 'v1', 'leases');
  const leases = leaseDef ? ctx.parts.resources.get(leaseDef) : undefined;
  for (const [name, lease] of [
    ['controller-manager', 'kube-controller-manager'],
    ['scheduler', 'kube-scheduler'],
  ] as const) {
    const l = leases?.getCached('kube-system', lease);
    const spec = (l?.spec ?? {}) as { renewTime?: string; leaseDurationSeconds?: number };
    const renewed = spec.renewTime ? Date.parse(spec.renewTime) : NaN;
    const fresh = !Number.isNaN(renewed) && Date.now() - renewed < (spec.leaseDurationSeconds ?? 15) * 1000 * 2;
    out.push(fresh ? status(name, true, 'ok') : status(name, false, '', l ? `leader lease ${lease} not renewed since ${spec.renewTime ?? 'never'}` : `no ${lease} leader lease: is the ${name} running?`));
  }
  return out.sort((a, b) => (a.metadata.name! < b.metadata.name! ? -1 : 1));
}

export async function handleComponentStatus(ctx: RestContext): Promise<void> {
  const want = negotiate(ctx.req.headers.accept);
  ctx.warnings.push('v1 ComponentStatus is deprecated in v1.19+');
  const all = await compute(ctx);
  if (ctx.info.verb === 'get') {
    const one = all.find((c) => c.metadata.name === ctx.info.name);
    if (!one) throw errors.notFound('', 'componentstatuses', ctx.info.name);
    if (want === 'table') return sendJson(ctx.res, 200, table(ctx.def, [one], { resourceVersion: '' }, 'Metadata'));
    return sendJson(ctx.res, 200, want === 'metadata' ? partialMetadata(one) : one);
  }
  if (ctx.info.verb !== 'list') throw errors.methodNotAllowed();
  if (want === 'table') return sendJson(ctx.res, 200, table(ctx.def, all, { resourceVersion: '' }, 'Metadata'));
  sendJson(ctx.res, 200, { kind: 'ComponentStatusList', apiVersion: 'v1', metadata: {}, items: all });
}
