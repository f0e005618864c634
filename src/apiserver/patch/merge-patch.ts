// JSON Merge Patch (RFC 7386, application/merge-patch+json) with upstream's input checks.
import { badRequest } from './errors.js';
import { assertDepth, copyObject, isObject, own, setOwn, type JsonObject } from './json-value.js';

/**
 * Applies a JSON merge patch and returns a new value that shares no objects
 * with the inputs; neither input is modified. Object members merge recursively, `null` deletes a member, and
 * anything else (arrays included) replaces the target whole.
 *
 * Like evanphx/json-patch's `MergePatch`, which kube-apiserver uses, a patch
 * that is `null` or a scalar is rejected ("Invalid JSON Patch", 400), a `null`
 * document is rejected ("Invalid JSON Document", 400), and a patch applied to
 * a document that is not an object becomes the result.
 */
export function applyMergePatch(doc: unknown, patch: unknown): unknown {
  assertDepth(doc, 'document');
  assertDepth(patch, 'patch');
  if (patch === null || typeof patch !== 'object') throw badRequest('Invalid JSON Patch');
  if (doc === null) throw badRequest('Invalid JSON Document');
  const patchCopy: unknown = structuredClone(patch);
  if (!isObject(patchCopy)) return patchCopy;
  if (!isObject(doc)) return withoutNullMembers(patchCopy);
  return mergeObjects(structuredClone(doc), patchCopy);
}

function mergeObjects(target: JsonObject, patch: JsonObject): JsonObject {
  const out = copyObject(target);
  for (const key of Object.keys(patch)) {
    const value = patch[key];
    if (value === null) {
      delete out[key];
      continue;
    }
    const current = own(out, key);
    if (isObject(value) && isObject(current)) setOwn(out, key, mergeObjects(current, value));
    else setOwn(out, key, withoutNullMembers(value));
  }
  return out;
}

/** RFC 7386 applied to an absent target: members set to null vanish, at every object level. */
function withoutNullMembers(value: unknown): unknown {
  if (!isObject(value)) return value;
  const out: JsonObject = {};
  for (const key of Object.keys(value)) {
    const member = value[key];
    if (member !== null) setOwn(out, key, withoutNullMembers(member));
  }
  return out;
}
