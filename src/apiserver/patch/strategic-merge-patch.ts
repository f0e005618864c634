// Strategic merge patch (application/strategic-merge-patch+json) over OpenAPI v3 patch metadata.
import { badPatchType, badRequest, goTypeName, invalid, jsonKind } from './errors.js';
import { assertDepth, copyObject, isObject, own, setOwn, type JsonObject } from './json-value.js';
import {
  fieldSchema, expectedShape, itemSchema, patchMetaOf, type SchemaNode, type SchemaResolver,
} from './schema.js';
import {
  applyElementOrder, DELETE_FROM, DIRECTIVE, DROP, mergeList, RETAIN_KEYS, SET_ORDER, type SmpContext,
} from './strategic-list.js';

/**
 * Applies a strategic merge patch to `doc` and returns a new object that
 * shares no objects with the inputs, following
 * k8s.io/apimachinery/pkg/util/strategicpatch as kube-apiserver runs it:
 *
 * - maps merge recursively and `null` deletes a key;
 * - lists whose field has `x-kubernetes-patch-strategy: merge` merge by
 *   `x-kubernetes-patch-merge-key` (maps) or as a set (scalars); other lists,
 *   and fields with strategy `replace`, are replaced whole;
 * - `$patch: replace|delete` in a map, `$patch: replace|delete` elements in a
 *   merge list, `$retainKeys`, `$setElementOrder/<list>` and
 *   `$deleteFromPrimitiveList/<list>` act as upstream defines them;
 * - fields the schema does not know merge like a JSON merge patch.
 *
 * `schema` describes the document (e.g. the Deployment component) and
 * `resolve` turns each `$ref` into its node. Errors are PatchErrors with
 * upstream's status mapping: malformed directives 400, lists of lists and
 * values of the wrong JSON shape 422, everything else upstream returns as a
 * plain error (unknown `$patch`, missing merge key, …) 500.
 */
export function applyStrategicMergePatch(
  doc: unknown, patch: unknown, schema: SchemaNode, resolve: SchemaResolver,
): JsonObject {
  if (!isObject(patch)) {
    throw badRequest(`json: cannot unmarshal ${jsonKind(patch)} into Go value of type map[string]interface {}`);
  }
  if (!isObject(doc)) throw badRequest('invalid JSON document');
  assertDepth(doc, 'document');
  assertDepth(patch, 'patch');
  const ctx: SmpContext = {
    resolve,
    mergeMap: (original, p, node, path) => mergeMap(original, p, node, ctx, path),
    materialize: (value, node, path) => materialize(value, node, ctx, path),
  };
  return mergeMap(structuredClone(doc), structuredClone(patch), schema, ctx, '');
}

function mergeMap(
  original: JsonObject | undefined, patch: JsonObject, schema: SchemaNode | undefined, ctx: SmpContext, path: string,
): JsonObject {
  if (Object.hasOwn(patch, DIRECTIVE)) {
    const directive = patch[DIRECTIVE];
    if (directive === 'delete') return {};
    if (directive !== 'replace') throw badPatchType(directive, patch);
    const rest = copyObject(patch);
    delete rest[DIRECTIVE];
    return mergeMap(undefined, rest, schema, ctx, path);
  }
  const out = original === undefined ? {} : copyObject(original);
  applyRetainKeys(out, patch);
  const ordered = new Set<string>();
  for (const key of Object.keys(patch)) {
    if (!key.startsWith(SET_ORDER)) continue;
    const field = directiveField(key, SET_ORDER, 'invalid patch format of setElementOrder list');
    const node = fieldSchema(schema, field, ctx.resolve);
    if (applyElementOrder(out, patch, field, patch[key], node, ctx, join(path, field))) ordered.add(field);
  }
  const deletions: Array<[string, unknown]> = [];
  for (const key of Object.keys(patch)) {
    if (key === RETAIN_KEYS || key.startsWith(SET_ORDER) || ordered.has(key)) continue;
    if (key.startsWith(DELETE_FROM)) {
      deletions.push([directiveField(key, DELETE_FROM, 'invalid patch format of primitive list'), patch[key]]);
      continue;
    }
    mergeField(out, key, patch[key], fieldSchema(schema, key, ctx.resolve), ctx, join(path, key));
  }
  // After the merges, so a list that is both extended and pruned in one patch ends up pruned.
  for (const [field, values] of deletions) {
    if (!Array.isArray(values)) throw badRequest('invalid patch format of primitive list');
    const current = own(out, field);
    if (Array.isArray(current)) setOwn(out, field, current.filter((v) => !values.includes(v)));
  }
  return out;
}

function mergeField(
  out: JsonObject, key: string, value: unknown, node: SchemaNode | undefined, ctx: SmpContext, path: string,
): void {
  if (value === null) {
    delete out[key];
    return;
  }
  const current = own(out, key);
  const meta = patchMetaOf(node);
  let next: unknown;
  if (isObject(current) && isObject(value) && meta.strategy !== 'replace') {
    next = mergeMap(current, value, node, ctx, path);
  } else if (Array.isArray(current) && Array.isArray(value) && meta.strategy === 'merge') {
    checkShape(node, value, ctx, path);
    next = mergeList(current, value, node, meta.mergeKey, ctx, path);
  } else {
    next = materialize(value, node, ctx, path);
  }
  if (next === DROP) delete out[key];
  else setOwn(out, key, next);
}

/**
 * A patch value with nothing to merge into (absent key, different JSON type,
 * atomic list, `replace` strategy) becomes the stored value: it is merged into
 * an empty value, which drops nulls and directives. A map holding only
 * `$patch: delete` yields DROP.
 */
function materialize(value: unknown, node: SchemaNode | undefined, ctx: SmpContext, path: string): unknown {
  checkShape(node, value, ctx, path);
  if (isObject(value)) {
    if (own(value, DIRECTIVE) === 'delete') return DROP;
    return mergeMap(undefined, value, node, ctx, path);
  }
  if (!Array.isArray(value)) return value;
  const meta = patchMetaOf(node);
  if (meta.strategy === 'merge') return mergeList([], value, node, meta.mergeKey, ctx, path);
  const item = itemSchema(node, ctx.resolve);
  const out: unknown[] = [];
  value.forEach((element, i) => {
    const m = materialize(element, item, ctx, `${path}[${i}]`);
    if (m !== DROP) out.push(m);
  });
  return out;
}

/** `$retainKeys: [...]`: the patch may only set listed keys, and unlisted keys leave the document. */
function applyRetainKeys(out: JsonObject, patch: JsonObject): void {
  if (!Object.hasOwn(patch, RETAIN_KEYS)) return;
  const list = patch[RETAIN_KEYS];
  if (!Array.isArray(list)) throw badRequest('invalid patch format of retainKeys');
  const keep = new Set<unknown>(list);
  for (const key of Object.keys(patch)) {
    if (key === RETAIN_KEYS || patch[key] === null || key.startsWith(DELETE_FROM) || key.startsWith(SET_ORDER)) continue;
    if (!keep.has(key)) throw badRequest('invalid patch format of retainKeys');
  }
  for (const key of Object.keys(out)) if (!keep.has(key)) delete out[key];
}

/** `$setElementOrder/containers` → `containers`; anything but `<prefix>/<field>` is malformed (400). */
function directiveField(key: string, prefix: string, malformed: string): string {
  const slash = key.indexOf('/');
  if (slash < 0 || key.slice(0, slash) !== prefix) throw badRequest(malformed);
  return key.slice(slash + 1);
}

/** A value whose JSON shape contradicts the schema could never decode into the kind: 422. */
function checkShape(node: SchemaNode | undefined, value: unknown, ctx: SmpContext, path: string): void {
  if (value === null) return;
  const shape = expectedShape(node, ctx.resolve);
  if (shape === 'object' && !isObject(value)) {
    throw invalid(`${path}: expected a map[string]interface {}, but received a ${goTypeName(value)}`);
  }
  if (shape === 'array' && !Array.isArray(value)) {
    throw invalid(`${path}: expected a []interface {}, but received a ${goTypeName(value)}`);
  }
}

function join(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}
