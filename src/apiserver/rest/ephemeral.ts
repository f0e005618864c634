/** GET/PUT/PATCH pods/<name>/ephemeralcontainers: only spec.ephemeralContainers changes, existing ones are immutable. */
import { isRecord, type KObject } from '../../api/index.js';
import { applyJsonPatch, applyMergePatch, applyStrategicMergePatch, PatchError } from '../patch/index.js';
import { errors, StatusError } from '../errors.js';
import { sendJson } from '../http/respond.js';
import { resolveSchema, schemaByName } from '../schema-check.js';
import type { RestContext } from './context.js';
import { handleGet } from './read.js';
import { decodeBody } from './write.js';

type Issue = { type: string; field: string; message: string };

const list = (pod: KObject): Record<string, unknown>[] => {
  const ecs = isRecord(pod.spec) ? pod.spec.ephemeralContainers : undefined;
  return Array.isArray(ecs) ? ecs.filter(isRecord) : [];
};

/** Go's %q-ish rendering is not reproduced; the sentence is upstream's. */
function validateUpdate(next: KObject, old: KObject): Issue[] {
  const errs: Issue[] = [];
  if (old.metadata.annotations?.['kubernetes.io/config.mirror'] !== undefined) {
    return [{ type: 'FieldValueForbidden', field: '', message: 'Forbidden: static pods do not support ephemeral containers' }];
  }
  const path = 'spec.ephemeralContainers';
  const byName = new Map(list(next).map((c) => [String(c.name ?? ''), c]));
  for (const o of list(old)) {
    const name = String(o.name ?? '');
    const n = byName.get(name);
    if (!n) errs.push({ type: 'FieldValueForbidden', field: path, message: `Forbidden: existing ephemeral containers "${name}" may not be removed\n` });
    else if (JSON.stringify(sorted(n)) !== JSON.stringify(sorted(o))) {
      errs.push({ type: 'FieldValueForbidden', field: `${path}[${name}]`, message: `Forbidden: existing ephemeral containers "${name}" may not be changed\n` });
    }
  }
  const seen = new Set<string>();
  const regular = new Set([...arr(next, 'containers'), ...arr(next, 'initContainers')].map((c) => String(c.name ?? '')));
  list(next).forEach((c, i) => {
    const p = `${path}[${i}]`;
    const name = typeof c.name === 'string' ? c.name : '';
    if (!name) errs.push({ type: 'FieldValueRequired', field: `${p}.name`, message: 'Required value' });
    else if (seen.has(name) || regular.has(name)) errs.push({ type: 'FieldValueDuplicate', field: `${p}.name`, message: `Duplicate value: "${name}"` });
    seen.add(name);
    if (typeof c.image !== 'string' || !c.image) errs.push({ type: 'FieldValueRequired', field: `${p}.image`, message: 'Required value' });
    for (const f of ['ports', 'livenessProbe', 'readinessProbe', 'startupProbe', 'lifecycle', 'resizePolicy']) {
      if (c[f] !== undefined && c[f] !== null) errs.push({ type: 'FieldValueForbidden', field: `${p}.${f}`, message: 'Forbidden: cannot be set for an Ephemeral Container' });
    }
    const res = isRecord(c.resources) ? c.resources : {};
    if (Object.keys(res).some((k) => isRecord(res[k]) && Object.keys(res[k] as object).length > 0)) {
      errs.push({ type: 'FieldValueForbidden', field: `${p}.resources`, message: 'Forbidden: cannot be set for an Ephemeral Container' });
    }
  });
  return errs;
}

function arr(pod: KObject, key: string): Record<string, unknown>[] {
  const v = isRecord(pod.spec) ? pod.spec[key] : undefined;
  return Array.isArray(v) ? v.filter(isRecord) : [];
}

function sorted(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sorted);
  if (isRecord(v)) return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sorted(v[k])]));
  return v;
}

/** Upstream's container defaults, which ephemeral containers get too. */
function defaultContainer(c: Record<string, unknown>): void {
  const image = typeof c.image === 'string' ? c.image : '';
  if (c.imagePullPolicy === undefined) {
    const ref = image.split('@')[0] ?? '';
    const tag = ref.slice(ref.lastIndexOf('/') + 1).split(':')[1] ?? '';
    c.imagePullPolicy = image.includes('@') ? 'IfNotPresent' : !tag || tag === 'latest' ? 'Always' : 'IfNotPresent';
  }
  c.terminationMessagePath ??= '/dev/termination-log';
  c.terminationMessagePolicy ??= 'File';
  c.resources ??= {};
}

/** The new pod is the old one with only the requested ephemeral containers (defaulted). */
function merge(old: KObject, wanted: KObject): KObject {
  const out = structuredClone(old);
  const ecs = isRecord(wanted.spec) && Array.isArray(wanted.spec.ephemeralContainers) ? structuredClone(wanted.spec.ephemeralContainers) : undefined;
  const spec = (isRecord(out.spec) ? out.spec : {}) as Record<string, unknown>;
  if (ecs === undefined) delete spec.ephemeralContainers;
  else {
    for (const c of ecs) if (isRecord(c)) defaultContainer(c);
    spec.ephemeralContainers = ecs;
  }
  out.spec = spec;
  return out;
}

export async function handleEphemeralContainers(ctx: RestContext): Promise<void> {
  const { info, rs } = ctx;
  if (info.verb === 'get') return handleGet(ctx);
  if (info.verb !== 'update' && info.verb !== 'patch') throw errors.methodNotAllowed();
  const { value, type } = await decodeBody(ctx);
  const schema = schemaByName(ctx.def.schema);
  const dryRun = ctx.query.getAll('dryRun').includes('All');
  const updated = await rs.update(
    info.namespace,
    info.name,
    (cur) => {
      let wanted: unknown;
      try {
        if (info.verb === 'update') wanted = value;
        else if (type === 'application/json-patch+json') wanted = applyJsonPatch(cur, value);
        else if (type === 'application/merge-patch+json') wanted = applyMergePatch(cur, value);
        else if (type === 'application/strategic-merge-patch+json' || type.startsWith('application/apply-patch')) {
          wanted = applyStrategicMergePatch(cur, value, schema ?? {}, (ref: string) => resolveSchema({ $ref: ref }));
        } else throw errors.unsupportedMediaType(type);
      } catch (e) {
        if (e instanceof PatchError) throw new StatusError(422, 'Invalid', e.message);
        throw e;
      }
      if (!isRecord(wanted)) throw errors.badRequest('the request body must be a Pod object');
      const w = wanted as KObject;
      w.metadata = isRecord(w.metadata) ? w.metadata : {};
      if (w.metadata.name !== undefined && w.metadata.name !== info.name) {
        throw errors.badRequest(`the name of the object (${String(w.metadata.name)}) does not match the name on the URL (${info.name})`);
      }
      const next = merge(cur, w);
      const issues = validateUpdate(next, cur);
      if (issues.length) throw errors.invalid('', 'Pod', info.name, issues);
      const pinned = info.verb === 'update' ? w.metadata.resourceVersion : undefined;
      if (typeof pinned === 'string' && pinned) next.metadata.resourceVersion = pinned;
      else delete next.metadata.resourceVersion;
      return next;
    },
    { dryRun, subresource: 'ephemeralcontainers', user: ctx.user },
  );
  sendJson(ctx.res, 200, updated);
}
