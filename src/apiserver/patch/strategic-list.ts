// Strategic merge patch for lists: merging by key, list directives, and the order rules of $setElementOrder.
import {
  badArgType, badPatchType, goString, noMergeKey, unknownError, unprocessable,
} from './errors.js';
import { isObject, own, setOwn, type JsonObject } from './json-value.js';
import { itemSchema, patchMetaOf, type SchemaNode, type SchemaResolver } from './schema.js';

export const DIRECTIVE = '$patch';
export const RETAIN_KEYS = '$retainKeys';
export const SET_ORDER = '$setElementOrder';
export const DELETE_FROM = '$deleteFromPrimitiveList';

/** Returned by `materialize` for a value that asks to vanish (`$patch: delete` with nothing to delete). */
export const DROP: unique symbol = Symbol('drop');

/** What list merging needs from the map side; passed in to keep the two files free of an import cycle. */
export interface SmpContext {
  resolve: SchemaResolver;
  mergeMap(original: JsonObject | undefined, patch: JsonObject, node: SchemaNode | undefined, path: string): JsonObject;
  /** A patch value with no counterpart in the document, turned into a stored value (or DROP). */
  materialize(value: unknown, node: SchemaNode | undefined, path: string): unknown;
}

type KeyOf = (element: unknown) => unknown;

const identity: KeyOf = (element) => element;

function keyFn(mergeKey: string): KeyOf {
  return (element) => (isObject(element) ? own(element, mergeKey) : undefined);
}

/**
 * Merges a patch list into a document list whose field has patch strategy
 * `merge`. Maps match on `mergeKey`; scalars form a set. Elements may carry
 * `$patch: delete` (drop the document's entries with that key) or
 * `$patch: replace` (the patch's other elements become the list).
 */
export function mergeList(
  original: unknown[], patch: unknown[], node: SchemaNode | undefined, mergeKey: string, ctx: SmpContext, path: string,
): unknown[] {
  if (original.length === 0 && patch.length === 0) return [];
  const item = itemSchema(node, ctx.resolve);
  if (elementKind(original, patch) !== 'map') {
    return normalizeOrder([...new Set([...original, ...patch])], patch, original, identity);
  }
  if (mergeKey === '') throw unknownError(`cannot merge lists without merge key for ${path}`);
  const keyOf = keyFn(mergeKey);
  let base = original.slice();
  let replace = false;
  const plain: JsonObject[] = [];
  for (const element of patch as JsonObject[]) {
    if (!Object.hasOwn(element, DIRECTIVE)) {
      plain.push(element);
      continue;
    }
    const directive = element[DIRECTIVE];
    if (directive === 'delete') {
      if (!Object.hasOwn(element, mergeKey)) throw noMergeKey(element, mergeKey);
      const doomed = element[mergeKey];
      base = base.filter((x) => !(isObject(x) && Object.hasOwn(x, mergeKey) && x[mergeKey] === doomed));
    } else if (directive === 'replace') {
      replace = true; // keep scanning: other directive elements are pruned as well
    } else if (directive === 'merge') {
      throw unknownError('merging lists cannot yet be specified in the patch');
    } else {
      throw badPatchType(directive, element);
    }
  }
  if (replace) return plain.map((el, i) => ctx.materialize(el, item, `${path}[${i}]`));
  const merged = base.slice();
  plain.forEach((element, i) => {
    if (!Object.hasOwn(element, mergeKey)) throw noMergeKey(element, mergeKey);
    const wanted = element[mergeKey];
    const at = merged.findIndex((x) => isObject(x) && Object.hasOwn(x, mergeKey) && x[mergeKey] === wanted);
    const existing = at >= 0 ? merged[at] : undefined;
    if (isObject(existing)) merged[at] = ctx.mergeMap(existing, element, item, `${path}[${i}]`);
    else merged.push(ctx.materialize(element, item, `${path}[${i}]`));
  });
  return normalizeOrder(merged, plain, base, keyOf);
}

/**
 * Handles `$setElementOrder/<field>` together with `<field>` itself. Returns
 * false when the field is not a merge list (such lists are replaced whole, so
 * the order the patch sends is already the order).
 */
export function applyElementOrder(
  out: JsonObject, patch: JsonObject, field: string, order: unknown, node: SchemaNode | undefined, ctx: SmpContext, path: string,
): boolean {
  if (!Array.isArray(order)) throw badArgType('list', order);
  const meta = patchMetaOf(node);
  if (meta.strategy !== 'merge') return false;
  const current = own(out, field);
  const patchList = own(patch, field);
  if (current !== undefined && !Array.isArray(current)) throw badArgType('list', current);
  if (patchList !== undefined && !Array.isArray(patchList)) throw badArgType('list', patchList);
  validateOrder(patchList ?? [], order, meta.mergeKey);
  if (current === undefined && patchList === undefined) return true;
  const merged = patchList === undefined
    ? current ?? []
    : mergeList(current ?? [], patchList, node, meta.mergeKey, ctx, path);
  if (meta.mergeKey !== '') {
    for (const o of order) {
      if (!isObject(o)) throw badArgType('map', o);
      if (!Object.hasOwn(o, meta.mergeKey)) throw noMergeKey(o, meta.mergeKey);
    }
  }
  const keyOf = meta.mergeKey === '' ? identity : keyFn(meta.mergeKey);
  setOwn(out, field, normalizeOrder(merged, order, current ?? [], keyOf));
  return true;
}

/** Every (non-directive) patch element must appear in the order list, in the same relative order. */
function validateOrder(patchList: unknown[], order: unknown[], mergeKey: string): void {
  if (order.length === 0 || patchList.length === 0) return;
  let items = patchList;
  if (mergeKey !== '') {
    for (const x of patchList) if (!isObject(x)) throw badArgType('map', x);
    items = patchList.filter((x) => !(isObject(x) && own(x, DIRECTIVE) === 'delete'));
  }
  let p = 0;
  let s = 0;
  while (p < items.length && s < order.length) {
    const element = items[p];
    if (isObject(element) && Object.hasOwn(element, DIRECTIVE)) {
      p++;
      continue;
    }
    if (sameKey(element, order[s], mergeKey)) p++;
    s++;
  }
  if (p < items.length) {
    throw unknownError(`the order in patch list:\n${goString(patchList)}\n doesn't match ${SET_ORDER} list:\n${goString(order)}`);
  }
}

function sameKey(a: unknown, b: unknown, mergeKey: string): boolean {
  if (mergeKey === '') return a === b;
  if (!isObject(a)) throw badArgType('map', a);
  if (!isObject(b)) throw badArgType('map', b);
  if (!Object.hasOwn(a, mergeKey)) throw noMergeKey(a, mergeKey);
  if (!Object.hasOwn(b, mergeKey)) throw noMergeKey(b, mergeKey);
  return a[mergeKey] === b[mergeKey];
}

/** All elements of both lists must share one kind, and lists of lists are refused (upstream's sliceElementType). */
function elementKind(original: unknown[], patch: unknown[]): string {
  let kind: string | undefined;
  for (const list of [original, patch]) {
    for (const element of list) {
      const k = Array.isArray(element) ? 'list' : isObject(element) ? 'map' : element === null ? 'null' : typeof element;
      if (kind === undefined) {
        if (k === 'list') throw unprocessable('lists of lists are not supported');
        kind = k;
      } else if (k !== kind) {
        throw unknownError(`list element types are not identical: ${goString([original, patch])}`);
      }
    }
  }
  return kind ?? 'map';
}

function firstIndexes(list: unknown[], keyOf: KeyOf): Map<unknown, number> {
  const index = new Map<unknown, number>();
  list.forEach((element, i) => {
    const key = keyOf(element);
    if (key !== undefined && !index.has(key)) index.set(key, i);
  });
  return index;
}

/**
 * Upstream's order rule (normalizeElementOrder + mergeSortedSlice): elements
 * named by `patchOrder` come in that order; the others keep the document's
 * order; the two runs interleave by the document's order where both elements
 * are known to it, and otherwise the patch's element goes first (so a new
 * element without `$setElementOrder` lands before the ones it did not name).
 */
function normalizeOrder(merged: unknown[], patchOrder: unknown[], serverOrder: unknown[], keyOf: KeyOf): unknown[] {
  const patchIndex = firstIndexes(patchOrder, keyOf);
  const serverIndex = firstIndexes(serverOrder, keyOf);
  const fromPatch: unknown[] = [];
  const serverOnly: unknown[] = [];
  for (const element of merged) {
    const key = keyOf(element);
    (key !== undefined && patchIndex.has(key) ? fromPatch : serverOnly).push(element);
  }
  fromPatch.sort((a, b) => (patchIndex.get(keyOf(a)) ?? 0) - (patchIndex.get(keyOf(b)) ?? 0));
  const out: unknown[] = [];
  let i = 0;
  let j = 0;
  while (i < serverOnly.length || j < fromPatch.length) {
    if (i >= serverOnly.length) out.push(fromPatch[j++]);
    else if (j >= fromPatch.length) out.push(serverOnly[i++]);
    else {
      const li = serverIndex.get(keyOf(serverOnly[i]));
      const ri = serverIndex.get(keyOf(fromPatch[j]));
      if (li !== undefined && ri !== undefined && li < ri) out.push(serverOnly[i++]);
      else out.push(fromPatch[j++]);
    }
  }
  return out;
}
