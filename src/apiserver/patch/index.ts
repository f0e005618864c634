// Public surface of the patch component: the three PATCH body types kube-apiserver accepts, as pure functions.
export { applyJsonPatch, MAX_JSON_PATCH_OPERATIONS } from './json-patch.js';
export { applyMergePatch } from './merge-patch.js';
export { applyStrategicMergePatch } from './strategic-merge-patch.js';
export {
  GENERIC_UNPROCESSABLE_MESSAGE, PatchError, type PatchErrorCode, type PatchErrorReason,
} from './errors.js';
export { MAX_PATCH_DEPTH } from './json-value.js';
export type { SchemaNode, SchemaResolver } from './schema.js';
