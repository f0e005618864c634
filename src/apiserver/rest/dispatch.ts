/** Routes a resource request to its verb handler (and subresource). */
import { errors } from '../errors.js';
import type { RestContext } from './context.js';
import { handleGet, handleList } from './read.js';
import { handleWatch } from './watch.js';
import { handleCreate, handleDelete, handleDeleteCollection, handlePatch, handleUpdate } from './write.js';
import { handleBinding, handleScale } from './subresources.js';
import { handleReview } from './reviews.js';
import { handleEviction } from './eviction.js';
import { handleEphemeralContainers } from './ephemeral.js';
import { handleComponentStatus } from './component-status.js';
import { handlePodStream, POD_STREAM_SUBRESOURCES } from './streams.js';
import { handleProxy } from './streams-proxy.js';

export async function dispatch(ctx: RestContext): Promise<void> {
  const { info, def } = ctx;
  const sub = info.subresource;
  if (def.createOnly && def.verbs.length === 1) return handleReview(ctx);
  if (def.group === '' && def.resource === 'componentstatuses') return handleComponentStatus(ctx);
  if (sub && def.group === '' && def.resource === 'pods' && POD_STREAM_SUBRESOURCES.has(sub)) return handlePodStream(ctx);
  if (sub === 'proxy' && def.group === '' && ['pods', 'services', 'nodes'].includes(def.resource)) return handleProxy(ctx);
  if (sub) {
    const known = def.subresources?.some((s) => s.name === sub) || (sub === 'scale' && def.scale);
    if (!known) throw errors.notFound(def.group, `${def.resource}/${sub}`, info.name);
    if (sub === 'binding') return handleBinding(ctx);
    if (sub === 'scale') return handleScale(ctx);
    if (sub === 'eviction') return handleEviction(ctx);
    if (sub === 'ephemeralcontainers') return handleEphemeralContainers(ctx);
    if (sub === 'status' || sub === 'finalize' || sub === 'approval') {
      if (info.verb === 'get') return handleGet(ctx);
      if (info.verb === 'update') return handleUpdate(ctx);
      if (info.verb === 'patch') return handlePatch(ctx);
      throw errors.methodNotAllowed();
    }
    throw errors.methodNotAllowed(`${sub} is not supported yet`);
  }
  if (!(def.verbs as string[]).includes(info.verb)) throw errors.methodNotAllowed();
  switch (info.verb) {
    case 'get':
      return handleGet(ctx);
    case 'list':
      return handleList(ctx);
    case 'watch':
      return handleWatch(ctx);
    case 'create':
      if (info.name) throw errors.methodNotAllowed();
      return handleCreate(ctx);
    case 'update':
      return handleUpdate(ctx);
    case 'patch':
      return handlePatch(ctx);
    case 'delete':
      return handleDelete(ctx);
    case 'deletecollection':
      return handleDeleteCollection(ctx);
    default:
      throw errors.methodNotAllowed();
  }
}
