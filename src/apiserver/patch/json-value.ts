// Helpers over decoded JSON values: narrowing, own-property access and the nesting-depth cap.
import { badRequest } from './errors.js';

export type JsonObject = Record<string, unknown>;

/**
 * The deepest nesting (objects and arrays) any patch function accepts, for the
 * document, the patch and the result. Upstream's Go decoder stops at 10,000
 * levels; here every merge is recursive, and 1,000 levels stay far inside
 * Node's default stack while exceeding any real Kubernetes object (the deepest
 * built-in kinds nest about 25 levels) by a wide margin.
 */
export const MAX_PATCH_DEPTH = 1000;

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Reads an own property only, so keys like "constructor" or "__proto__" never reach the prototype. */
export function own(obj: JsonObject, key: string): unknown {
  return Object.hasOwn(obj, key) ? obj[key] : undefined;
}

/** Defines an own data property, so a "__proto__" key stays data and never rewires the prototype. */
export function setOwn(obj: JsonObject, key: string, value: unknown): void {
  Object.defineProperty(obj, key, { value, writable: true, enumerable: true, configurable: true });
}

/** A shallow copy that keeps every own key as data. */
export function copyObject(obj: JsonObject): JsonObject {
  const out: JsonObject = {};
  for (const key of Object.keys(obj)) setOwn(out, key, obj[key]);
  return out;
}

/** Nesting depth of a JSON value without recursion: a scalar is 0, `{}` is 1. Stops counting past `limit`. */
export function nestingDepth(value: unknown, limit: number): number {
  let deepest = 0;
  const stack: Array<[unknown, number]> = [[value, 0]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop() as [unknown, number];
    if (typeof node !== 'object' || node === null) continue;
    const d = depth + 1;
    if (d > deepest) deepest = d;
    if (deepest > limit) return deepest;
    const children: unknown[] = Array.isArray(node) ? node : Object.values(node);
    for (const child of children) {
      if (typeof child === 'object' && child !== null) stack.push([child, d]);
    }
  }
  return deepest;
}

/** Throws a 400 PatchError when `value` nests deeper than MAX_PATCH_DEPTH. */
export function assertDepth(value: unknown, what: string): void {
  if (nestingDepth(value, MAX_PATCH_DEPTH) > MAX_PATCH_DEPTH) {
    throw badRequest(`error decoding ${what}: exceeded max depth of ${MAX_PATCH_DEPTH}`);
  }
}
