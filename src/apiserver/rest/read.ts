/** GET and LIST: served from the watch cache, with selectors, paging and Tables. */
import type { KObject } from '../../api/index.js';
import { errors, fromStoreError } from '../errors.js';
import { negotiate, sendJson } from '../http/respond.js';
import { listPrefix } from '../registry/keys.js';
import { makeEntry } from '../watch-cache/watch-cache.js';
import type { RestContext } from './context.js';
import { predicateFor } from './filter.js';
import { partialMetadata, table, type IncludeObject } from './table.js';

function includeObject(query: URLSearchParams): IncludeObject {
  const v = query.get('includeObject');
  return v === 'None' || v === 'Object' ? v : 'Metadata';
}

export async function handleGet(ctx: RestContext): Promise<void> {
  const { info, rs, def } = ctx;
  const want = negotiate(ctx.req.headers.accept);
  const obj = rs.getCached(info.namespace, info.name) ?? (await rs.getFresh(info.namespace, info.name))?.obj;
  if (!obj) throw errors.notFound(def.group, def.resource, info.name);
  if (want === 'table') {
    sendJson(ctx.res, 200, table(def, [obj], { resourceVersion: obj.metadata.resourceVersion ?? '' }, includeObject(ctx.query)));
  } else if (want === 'metadata') sendJson(ctx.res, 200, partialMetadata(obj));
  else sendJson(ctx.res, 200, obj);
}

interface ContinueToken {
  v: string;
  rv: number;
  start: string;
}

function encodeContinue(rv: number, lastKey: string, prefix: string): string {
  const t: ContinueToken = { v: 'meta.k8s.io/v1', rv, start: lastKey.slice(prefix.length) + '\u0000' };
  return Buffer.from(JSON.stringify(t)).toString('base64url');
}

function decodeContinue(token: string): ContinueToken {
  try {
    const t = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as ContinueToken;
    if (t.v !== 'meta.k8s.io/v1' || typeof t.rv !== 'number' || typeof t.start !== 'string') throw new Error('bad');
    return t;
  } catch {
    throw errors.badRequest('continue key is not valid: invalid continue token');
  }
}

const CONTINUE_EXPIRED =
  'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.';

export async function handleList(ctx: RestContext): Promise<void> {
  const { def, rs, query, info, parts } = ctx;
  const want = negotiate(ctx.req.headers.accept);
  const { pred } = predicateFor(def, query);
  const prefix = listPrefix(def, info.namespace);
  const limit = Math.max(0, Number(query.get('limit') ?? '0') || 0);
  const cont = query.get('continue');
  const rvParam = query.get('resourceVersion') ?? '';
  const match = query.get('resourceVersionMatch') ?? '';
  const items: KObject[] = [];
  const jsons: Array<() => string> = [];
  let revision: number;
  let nextKey: string | undefined;
  let remaining: number | undefined;

  if (cont || match === 'Exact') {
    // Consistent pages (and exact versions) come from the store at one revision.
    const tok = cont ? decodeContinue(cont) : undefined;
    revision = tok ? tok.rv : Number(rvParam);
    let after = tok ? prefix + tok.start.replace(/\u0000$/, '') : undefined;
    let lastKey = '';
    outer: for (;;) {
      const page = await parts.store.list(prefix, { revision, after, limit: limit ? Math.max(limit, 100) : 0 }).catch((e: unknown) => {
        const err = fromStoreError(e, def.group, def.resource, '');
        throw err.code === 410 ? errors.gone(CONTINUE_EXPIRED) : err;
      });
      for (const kv of page.kvs) {
        if (limit && items.length === limit) {
          nextKey = lastKey;
          break outer;
        }
        after = kv.key;
        const obj = rs.fromStorage(makeEntry(kv.key, kv.modRevision, kv.value).obj);
        if (pred && !pred(obj)) continue;
        items.push(obj);
        jsons.push(() => JSON.stringify(obj));
        lastKey = kv.key;
      }
      if (!page.more || page.kvs.length === 0) break;
    }
  } else {
    // From the cache, made at least as fresh as the store when no version was given.
    if (rvParam === '') {
      const want = await parts.store.currentRevision();
      await parts.cache.waitFor(want, 3000);
    } else if (rvParam !== '0') {
      const n = Number(rvParam);
      if (!Number.isFinite(n)) throw errors.badRequest(`invalid resource version: ${rvParam}`);
      if (!(await parts.cache.waitFor(n, 3000))) throw errors.timeout(`Too large resource version: ${n}, current: ${parts.cache.rev}`);
    }
    revision = parts.cache.rev;
    const entries = [...parts.cache.entries(rs.bucket, prefix)].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    let lastKey = '';
    let i = 0;
    for (; i < entries.length; i++) {
      const e = entries[i]!;
      const obj = rs.fromStorage(e.obj);
      if (pred && !pred(obj)) continue;
      if (limit && items.length === limit) break;
      items.push(obj);
      jsons.push(obj === e.obj ? () => e.json() : () => JSON.stringify(obj));
      lastKey = e.key;
    }
    if (limit && items.length === limit && i < entries.length) {
      nextKey = lastKey;
      if (!pred) remaining = entries.length - i;
    }
  }
  const meta = {
    resourceVersion: String(revision),
    continue: nextKey ? encodeContinue(revision, nextKey, prefix) : undefined,
    remainingItemCount: remaining,
  };
  if (want === 'table') {
    sendJson(ctx.res, 200, table(def, items, meta, includeObject(query)));
    return;
  }
  const metadata: Record<string, unknown> = { resourceVersion: meta.resourceVersion };
  if (meta.continue) metadata.continue = meta.continue;
  if (meta.remainingItemCount !== undefined) metadata.remainingItemCount = meta.remainingItemCount;
  if (want === 'metadata') {
    sendJson(ctx.res, 200, { kind: 'PartialObjectMetadataList', apiVersion: 'meta.k8s.io/v1', metadata, items: items.map(partialMetadata) });
    return;
  }
  // Items are already encoded once in the cache; splice their JSON in.
  const head = JSON.stringify({ kind: def.listKind, apiVersion: rs.apiVersion, metadata });
  const body = `${head.slice(0, -1)},"items":[${jsons.map((j) => j()).join(',')}]}`;
  sendJson(ctx.res, 200, body);
}
