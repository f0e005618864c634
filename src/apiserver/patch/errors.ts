// PatchError, plus Go-style value formatting so failures read like upstream apimachinery's.

/**
 * The metav1.StatusReason the API server should send. `''` is
 * StatusReasonUnknown: upstream returns patch errors that are not API statuses
 * as plain errors, which become HTTP 500 with an empty reason.
 */
export type PatchErrorReason = 'BadRequest' | 'Invalid' | 'RequestEntityTooLarge' | '';

/** HTTP status codes a patch failure maps to. */
export type PatchErrorCode = 400 | 413 | 422 | 500;

/**
 * A patch that cannot be applied. `message` is the detailed cause in upstream's
 * words (evanphx/json-patch, apimachinery mergepatch); `statusMessage` is what
 * kube-apiserver puts in the `Status` it answers with. They differ where
 * upstream uses `NewGenericServerResponse(422, …)`, which hides the detail
 * behind a fixed sentence.
 */
export class PatchError extends Error {
  override readonly name = 'PatchError';
  readonly code: PatchErrorCode;
  readonly reason: PatchErrorReason;
  readonly statusMessage: string;

  constructor(code: PatchErrorCode, reason: PatchErrorReason, message: string, statusMessage: string = message) {
    super(message);
    this.code = code;
    this.reason = reason;
    this.statusMessage = statusMessage;
  }
}

/** Upstream's text for every `NewGenericServerResponse(422, …)`. */
export const GENERIC_UNPROCESSABLE_MESSAGE = 'the server rejected our request due to an error in our request';

/** 400, like `errors.NewBadRequest(message)`. */
export function badRequest(message: string): PatchError {
  return new PatchError(400, 'BadRequest', message);
}

/** 422 through `NewGenericServerResponse`: the Status carries only the generic sentence. */
export function unprocessable(message: string): PatchError {
  return new PatchError(422, 'Invalid', message, GENERIC_UNPROCESSABLE_MESSAGE);
}

/** 422 whose message is shown as is (the patched object does not fit the schema). */
export function invalid(message: string): PatchError {
  return new PatchError(422, 'Invalid', message);
}

/** 413, like `errors.NewRequestEntityTooLargeError(message)`. */
export function tooLarge(message: string): PatchError {
  return new PatchError(413, 'RequestEntityTooLarge', message, `Request entity too large: ${message}`);
}

/** 500 with an empty reason: a plain Go error that reached the response writer. */
export function unknownError(message: string): PatchError {
  return new PatchError(500, '', message);
}

/** Formats a JSON value the way Go's `%v` prints decoded `interface{}` values. */
export function goString(value: unknown): string {
  if (value === null || value === undefined) return '<nil>';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return `[${value.map(goString).join(' ')}]`;
  if (typeof value === 'object') {
    const entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `map[${entries.map(([k, v]) => `${k}:${goString(v)}`).join(' ')}]`;
  }
  return String(value);
}

/** The Go type name (`reflect.TypeOf(v).String()`) of a decoded JSON value. */
export function goTypeName(value: unknown): string {
  if (value === null || value === undefined) return '%!s(<nil>)';
  if (typeof value === 'string') return 'string';
  if (typeof value === 'boolean') return 'bool';
  if (typeof value === 'number') return Number.isInteger(value) ? 'int64' : 'float64';
  if (Array.isArray(value)) return '[]interface {}';
  return 'map[string]interface {}';
}

/** The JSON kind Go's decoder names in "cannot unmarshal X into …" errors. */
export function jsonKind(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'boolean') return 'bool';
  return typeof value === 'object' ? 'object' : typeof value;
}

/** mergepatch.ErrBadArgType: "expected a map[string]interface {}, but received a []interface {}". */
export function badArgType(expected: 'map' | 'list', actual: unknown): PatchError {
  const want = expected === 'map' ? 'map[string]interface {}' : '[]interface {}';
  return unknownError(`expected a ${want}, but received a ${goTypeName(actual)}`);
}

/** mergepatch.ErrNoMergeKey. */
export function noMergeKey(element: unknown, mergeKey: string): PatchError {
  return unknownError(`map: ${goString(element)} does not contain declared merge key: ${mergeKey}`);
}

/** mergepatch.ErrBadPatchType. */
export function badPatchType(directive: unknown, map: unknown): PatchError {
  return unknownError(`unknown patch type: ${goString(directive)} in map: ${goString(map)}`);
}
