/** CREATE, UPDATE, PATCH, DELETE and DELETECOLLECTION for any resource. */
import { isRecord, type KObject } from '../../api/index.js';
import { applyJsonPatch, applyMergePatch, applyStrategicMergePatch, PatchError } from '../patch/index.js';
import { errors, StatusError } from '../errors.js';
import { decodeJson, decodeYaml, duplicateJsonFields, mediaType, readBody } from '../http/body.js';
import { sendJson } from '../http/respond.js';
import { checkAgainstSchema, resolveSchema, schemaByName } from '../schema-check.js';
import type { RestContext } from './context.js';
import type { DeleteOptions, WriteContext } from '../registry/resource-store.js';
import { predicateFor } from './filter.js';
import { listPrefix } from '../registry/keys.js';

function dryRun(ctx: RestContext): boolean {
  const v = ctx.query.getAll('dryRun');
  for (const d of v) if (d !== 'All') throw errors.badRequest(`Invalid dry run value: ${d}`);
  return v.includes('All');
}

function writeCtx(ctx: RestContext): WriteContext {
  return { dryRun: dryRun(ctx), subresource: ctx.info.subresource, user: ctx.user, warnings: ctx.warnings };
}

/** Decode a request body by its Content-Type (a missing one means JSON). */
export async function decodeBody(ctx: RestContext): Promise<{ value: unknown; raw: Buffer; type: string }> {
  const raw = await readBody(ctx.req);
  const type = mediaType(ctx.req.headers['content-type']) || 'application/json';
  if (raw.length === 0) throw errors.badRequest('the request body is empty');
  let value: unknown;
  if (type === 'application/json' || type.endsWith('+json')) value = decodeJson(raw);
  else if (type === 'application/yaml' || type.endsWith('+yaml')) value = decodeYaml(raw);
  else {
    const dec = ctx.parts.decoders.get(type);
    if (!dec) throw errors.unsupportedMediaType(type);
    try {
      value = dec(raw);
    } catch (e) {
      if (e instanceof StatusError) throw e;
      throw errors.badRequest(`error decoding ${type} request body: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  return { value, raw, type };
}

/** fieldValidation: Strict rejects unknown or duplicate fields, Warn warns, Ignore drops silently. */
function fieldValidation(ctx: RestContext, obj: KObject, raw: Buffer | undefined, schemaName: string): void {
  const mode = ctx.query.get('fieldValidation') ?? 'Warn';
  if (!['Strict', 'Warn', 'Ignore'].includes(mode)) throw errors.badRequest(`fieldValidation parameter unsupported: ${mode}`);
  const r = checkAgainstSchema(obj, schemaName, mode !== 'Strict');
  if (r.typeErrors.length) throw errors.badRequest(`failed to decode object: ${r.typeErrors.join('; ')}`);
  const dups = raw && mode !== 'Ignore' && raw[0] === 0x7b ? duplicateJsonFields(raw.toString('utf8')) : [];
  const problems = [...r.unknown.map((f) => `unknown field "${f}"`), ...dups.map((f) => `duplicate field "${f}"`)];
  if (problems.length === 0) return;
  if (mode === 'Strict') throw errors.badRequest(`strict decoding error: ${problems.join(', ')}`);
  if (mode === 'Warn') ctx.warnings.push(...problems);
}

function asObject(v: unknown): KObject {
  if (!isRecord(v)) throw errors.badRequest('the request body must be a JSON or YAML object');
  if (!isRecord(v.metadata)) v.metadata = {};
  return v as KObject;
}

export async function handleCreate(ctx: RestContext): Promise<void> {
  const { value, raw, type } = await decodeBody(ctx);
  const obj = asObject(value);
  fieldValidation(ctx, obj, type === 'application/json' ? raw : undefined, ctx.def.schema);
  const created = await ctx.rs.create(obj, ctx.info.namespace, writeCtx(ctx));
  sendJson(ctx.res, 201, created);
}

export async function handleUpdate(ctx: RestContext): Promise<void> {
  const { value, raw, type } = await decodeBody(ctx);
  const obj = asObject(value);
  fieldValidation(ctx, obj, type === 'application/json' ? raw : undefined, ctx.def.schema);
  if (obj.metadata.name !== undefined && obj.metadata.name !== ctx.info.name) {
    throw errors.badRequest(`the name of the object (${String(obj.metadata.name)}) does not match the name on the URL (${ctx.info.name})`);
  }
  const updated = await ctx.rs.update(ctx.info.namespace, ctx.info.name, () => obj, writeCtx(ctx));
  sendJson(ctx.res, 200, updated);
}

export async function handlePatch(ctx: RestContext): Promise<void> {
  const { value, type } = await decodeBody(ctx);
  const { rs, info, def } = ctx;
  const schema = schemaByName(def.schema);
  const apply = (cur: KObject): KObject => {
    try {
      switch (type) {
        case 'application/json-patch+json':
          return asObject(applyJsonPatch(cur, value));
        case 'application/merge-patch+json':
          return asObject(applyMergePatch(cur, value));
        case 'application/strategic-merge-patch+json':
          return asObject(applyStrategicMergePatch(cur, value, schema ?? {}, (ref: string) => resolveSchema({ $ref: ref })));
        case 'application/apply-patch+yaml':
        case 'application/apply-patch+json':
          return asObject(applyStrategicMergePatch(cur, value, schema ?? {}, (ref: string) => resolveSchema({ $ref: ref })));
        default:
          throw errors.unsupportedMediaType(type);
      }
    } catch (e) {
      if (e instanceof PatchError) throw new StatusError(422, 'Invalid', e.message);
      throw e;
    }
  };
  const wctx = writeCtx(ctx);
  if (type.startsWith('application/apply-patch')) {
    const existing = await rs.getFresh(info.namespace, info.name);
    if (!existing) {
      const obj = asObject(value);
      fieldValidation(ctx, obj, undefined, def.schema);
      if (obj.metadata.name && obj.metadata.name !== info.name) throw errors.badRequest('the name of the object does not match the name on the URL');
      obj.metadata.name = info.name;
      sendJson(ctx.res, 201, await rs.create(obj, info.namespace, wctx));
      return;
    }
  }
  const updated = await rs.update(
    info.namespace,
    info.name,
    (cur) => {
      const pinned = isRecord(value) && isRecord(value.metadata) ? value.metadata.resourceVersion : undefined;
      const rv = cur.metadata.resourceVersion;
      const next = apply(cur);
      fieldValidation(ctx, next, undefined, def.schema);
      // Only a resourceVersion inside the patch is a precondition.
      if (typeof pinned === 'string' && pinned !== '') next.metadata.resourceVersion = pinned;
      else next.metadata.resourceVersion = rv;
      if (typeof pinned !== 'string' || pinned === '') delete next.metadata.resourceVersion;
      return next;
    },
    wctx,
  );
  sendJson(ctx.res, 200, updated);
}

async function deleteOptions(ctx: RestContext): Promise<DeleteOptions> {
  const opts: DeleteOptions = {};
  // HTTP/2 bodies come without Content-Length or Transfer-Encoding: always read
  // (a request without a body simply ends at once).
  {
    const raw = await readBody(ctx.req);
    if (raw.length > 0) {
      const type = mediaType(ctx.req.headers['content-type']) || 'application/json';
      const dec = ctx.parts.decoders.get(type);
      const v = type === 'application/json' ? decodeJson(raw) : dec ? dec(raw) : decodeJson(raw);
      if (isRecord(v)) Object.assign(opts, v);
    }
  }
  const q = ctx.query;
  if (q.has('gracePeriodSeconds')) opts.gracePeriodSeconds = Number(q.get('gracePeriodSeconds'));
  if (q.has('propagationPolicy')) opts.propagationPolicy = q.get('propagationPolicy')!;
  if (q.has('orphanDependents')) opts.orphanDependents = q.get('orphanDependents') === 'true';
  const dr = (opts as { dryRun?: unknown }).dryRun;
  opts.dryRun = dryRun(ctx) || (Array.isArray(dr) && dr.includes('All'));
  const pp = opts.propagationPolicy;
  if (pp !== undefined && !['Orphan', 'Background', 'Foreground'].includes(pp)) {
    throw errors.invalid('', 'DeleteOptions', '', [{ type: 'FieldValueNotSupported', field: 'propagationPolicy', message: `Unsupported value: "${pp}": supported values: "Foreground", "Background", "Orphan"` }]);
  }
  return opts;
}

export async function handleDelete(ctx: RestContext): Promise<void> {
  const opts = await deleteOptions(ctx);
  const { obj } = await ctx.rs.delete(ctx.info.namespace, ctx.info.name, opts);
  sendJson(ctx.res, 200, obj);
}

export async function handleDeleteCollection(ctx: RestContext): Promise<void> {
  const opts = await deleteOptions(ctx);
  const { pred } = predicateFor(ctx.def, ctx.query);
  const prefix = listPrefix(ctx.def, ctx.info.namespace);
  const victims = [...ctx.parts.cache.entries(ctx.rs.bucket, prefix)].map((e) => ctx.rs.fromStorage(e.obj)).filter((o) => !pred || pred(o));
  for (const o of victims) {
    await ctx.rs.delete(o.metadata.namespace ?? '', o.metadata.name!, opts).catch((e: unknown) => {
      if (!(e instanceof StatusError && e.code === 404)) throw e;
    });
  }
  sendJson(ctx.res, 200, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success' });
}
