// JSON Patch (RFC 6902, application/json-patch+json) through fast-json-patch, failing as kube-apiserver does.
import jsonpatch from 'fast-json-patch';
import type { Operation } from 'fast-json-patch';
import { badRequest, jsonKind, tooLarge, unprocessable } from './errors.js';
import { assertDepth, isObject, own, type JsonObject } from './json-value.js';

/** kube-apiserver's `maxJSONPatchOperations`: longer patches get 413. */
export const MAX_JSON_PATCH_OPERATIONS = 10000;

/**
 * Applies RFC 6902 operations in order and returns the new document, which
 * shares no objects with the inputs. Failures throw PatchError: a body that is
 * not a list of operation objects is 400, more than 10,000 operations is 413,
 * and an operation that does not apply (bad path, failed `test`, unknown `op`)
 * is 422 with evanphx/json-patch v4's message, e.g.
 * `add operation does not apply: doc is missing path: "/spec/foo": missing value`.
 *
 * v4 quirks kept because kube-apiserver v1.32 has them: `replace` of a missing
 * object member adds it; negative array indices count from the end for `add`
 * and `remove`; the root path `""` is not addressable.
 */
export function applyJsonPatch(doc: unknown, ops: unknown): unknown {
  if (ops === null) return structuredClone(doc); // Go decodes `null` as an empty patch
  if (!Array.isArray(ops)) {
    throw badRequest(`json: cannot unmarshal ${jsonKind(ops)} into Go value of type jsonpatch.Patch`);
  }
  for (const op of ops) {
    if (op !== null && !isObject(op)) {
      throw badRequest(`json: cannot unmarshal ${jsonKind(op)} into Go value of type jsonpatch.Operation`);
    }
  }
  if (ops.length > MAX_JSON_PATCH_OPERATIONS) {
    throw tooLarge(`The allowed maximum operations in a JSON patch is ${MAX_JSON_PATCH_OPERATIONS}, got ${ops.length}`);
  }
  assertDepth(doc, 'document');
  assertDepth(ops, 'patch');
  let current: unknown = structuredClone(doc);
  for (const op of ops) current = applyOne(current, isObject(op) ? op : {});
  assertDepth(current, 'patched document');
  return current;
}

/** Where an operation points: the parent container, the last token, and the parent's normalised pointer. */
interface Target {
  container: JsonObject | unknown[];
  key: string;
  parent: string;
}

function applyOne(doc: unknown, op: JsonObject): unknown {
  const kind = typeof op.op === 'string' ? op.op : 'unknown';
  switch (kind) {
    case 'add': {
      const path = requirePath(op, 'add operation failed to decode path: missing value');
      const t = locate(doc, path) ?? fail(`add operation does not apply: doc is missing path: "${path}": missing value`);
      return addAt(doc, t, path, valueOf(op), (d) => `error in add for path: '${path}': ${d}`);
    }
    case 'remove': {
      const path = requirePath(op, 'remove operation failed to decode path: missing value');
      const t = locate(doc, path) ?? fail(`remove operation does not apply: doc is missing path: "${path}": missing value`);
      return removeAt(doc, t, (d) => `error in remove for path: '${path}': ${d}`);
    }
    case 'replace': {
      const path = requirePath(op, pathFieldMissing('replace'));
      const t = locate(doc, path) ?? fail(`replace operation does not apply: doc is missing path: ${path}: missing value`);
      if (!Array.isArray(t.container)) {
        const verb = Object.hasOwn(t.container, t.key) ? 'replace' : 'add';
        return run(doc, { op: verb, path: pointer(t, t.key), value: valueOf(op) });
      }
      const index = arrayIndex(t.key);
      if (index === undefined || index < 0 || index >= t.container.length) {
        fail(`replace operation does not apply: doc is missing key: ${path}: missing value`);
      }
      return run(doc, { op: 'replace', path: pointer(t, String(index)), value: valueOf(op) });
    }
    case 'move': {
      const from = requireFrom(op, 'move');
      const src = locate(doc, from) ?? fail(`move operation does not apply: doc is missing from path: ${from}: missing value`);
      const wrapFrom = (d: string): string => `error in move for path: '${src.key}': ${d}`;
      const value = readAt(src, wrapFrom, true);
      const path = requirePath(op, pathFieldMissing('move'));
      const removed = removeAt(doc, src, wrapFrom);
      const dst = locate(removed, path) ?? fail(`move operation does not apply: doc is missing destination path: ${path}: missing value`);
      return addAt(removed, dst, path, value, (d) => `error in move for path: '${path}': ${d}`);
    }
    case 'copy': {
      const from = requireFrom(op, 'copy');
      const missingFrom = `copy operation does not apply: doc is missing from path: ${from}: missing value`;
      const src = locate(doc, from) ?? fail(missingFrom);
      const value = readAt(src, (d) => `error in copy for from: '${from}': ${d}`, false);
      if (value === undefined) fail(missingFrom);
      const path = requirePath(op, 'copy operation failed to decode path: missing value');
      const dst = locate(doc, path) ?? fail(`copy operation does not apply: doc is missing destination path: ${path}: missing value`);
      return addAt(doc, dst, path, structuredClone(value), (d) => `error while adding value during copy: ${d}`);
    }
    case 'test': {
      const path = requirePath(op, pathFieldMissing('test'));
      const t = locate(doc, path) ?? fail(`test operation does not apply: is missing path: ${path}: missing value`);
      const actual = readAt(t, (d) => `error in test for path: '${path}': ${d}`, false);
      const expected = valueOf(op);
      const same = actual === undefined ? expected === null : jsonpatch._areEquals(actual, expected);
      if (!same) fail(`testing value ${path} failed: test failed`);
      return doc;
    }
    default:
      return fail(`Unexpected kind: ${kind}`);
  }
}

function fail(message: string): never {
  throw unprocessable(message);
}

function pathFieldMissing(kind: string): string {
  return `${kind} operation failed to decode path: operation missing path field: missing value`;
}

function requirePath(op: JsonObject, missing: string): string {
  const path = own(op, 'path');
  return typeof path === 'string' ? path : fail(missing);
}

function requireFrom(op: JsonObject, kind: string): string {
  const from = own(op, 'from');
  return typeof from === 'string' ? from : fail(`${kind} operation failed to decode from: operation, missing from field: missing value`);
}

/** A fresh copy of the operation's value; Go decodes a missing value as null. */
function valueOf(op: JsonObject): unknown {
  const value = own(op, 'value');
  return value === undefined ? null : structuredClone(value);
}

/** Go's strconv.Atoi over a pointer token. */
function arrayIndex(token: string): number | undefined {
  if (!/^[+-]?\d+$/.test(token)) return undefined;
  const n = Number(token);
  return Number.isSafeInteger(n) ? n : undefined;
}

function invalidSyntax(token: string): string {
  return `strconv.Atoi: parsing ${JSON.stringify(token)}: invalid syntax`;
}

function invalidIndex(index: number): string {
  return `Unable to access invalid index: ${index}: invalid index referenced`;
}

function unescapeToken(token: string): string {
  return token.replaceAll('~1', '/').replaceAll('~0', '~');
}

function escapeToken(token: string): string {
  return token.replaceAll('~', '~0').replaceAll('/', '~1');
}

function pointer(t: Target, token: string): string {
  return `${t.parent}/${escapeToken(token)}`;
}

/** evanphx's findObject: every token but the last must lead through an existing object or array. */
function locate(doc: unknown, path: string): Target | undefined {
  const tokens = path.split('/');
  if (tokens.length < 2) return undefined;
  let node = doc;
  let parent = '';
  for (const raw of tokens.slice(1, -1)) {
    const token = unescapeToken(raw);
    let next: unknown;
    if (Array.isArray(node)) {
      const index = arrayIndex(token);
      if (index === undefined || index < 0) return undefined;
      next = node[index];
      parent += `/${index}`;
    } else if (isObject(node)) {
      next = own(node, token);
      parent += `/${escapeToken(token)}`;
    }
    node = next;
  }
  if (!Array.isArray(node) && !isObject(node)) return undefined;
  return { container: node, key: unescapeToken(tokens[tokens.length - 1] ?? ''), parent };
}

/** The value at a target, `undefined` for a missing object member; array misses throw via `wrap`. */
function readAt(t: Target, wrap: (detail: string) => string, mustExist: boolean): unknown {
  if (Array.isArray(t.container)) {
    const index = arrayIndex(t.key);
    if (index === undefined) fail(wrap(invalidSyntax(t.key)));
    if (index < 0 || index >= t.container.length) fail(wrap(invalidIndex(index)));
    return structuredClone(t.container[index]);
  }
  if (!Object.hasOwn(t.container, t.key)) {
    if (mustExist) fail(wrap(`Unable to remove nonexistent key: ${t.key}: missing value`));
    return undefined;
  }
  return structuredClone(t.container[t.key]);
}

function addAt(doc: unknown, t: Target, path: string, value: unknown, wrap: (detail: string) => string): unknown {
  if (!Array.isArray(t.container)) return run(doc, { op: 'add', path: pointer(t, t.key), value });
  const size = t.container.length + 1;
  let index = t.key === '-' ? size - 1 : arrayIndex(t.key);
  if (index === undefined) {
    return fail(wrap(`value was not a proper array index: '${t.key}': ${invalidSyntax(t.key)}`));
  }
  if (index >= size || index < -size) fail(wrap(invalidIndex(index)));
  if (index < 0) index += size;
  return run(doc, { op: 'add', path: pointer(t, String(index)), value });
}

function removeAt(doc: unknown, t: Target, wrap: (detail: string) => string): unknown {
  if (!Array.isArray(t.container)) {
    if (!Object.hasOwn(t.container, t.key)) fail(wrap(`Unable to remove nonexistent key: ${t.key}: missing value`));
    return run(doc, { op: 'remove', path: pointer(t, t.key) });
  }
  const length = t.container.length;
  let index = arrayIndex(t.key);
  if (index === undefined) return fail(wrap(invalidSyntax(t.key)));
  if (index >= length || index < -length) fail(wrap(invalidIndex(index)));
  if (index < 0) index += length;
  return run(doc, { op: 'remove', path: pointer(t, String(index)) });
}

/** Hands a checked, normalised operation to fast-json-patch; its own validation stays on as a backstop. */
function run(doc: unknown, op: Operation): unknown {
  try {
    return jsonpatch.applyOperation(doc, op, true, true, true).newDocument;
  } catch (err) {
    throw unprocessable(err instanceof Error ? err.message : String(err));
  }
}
