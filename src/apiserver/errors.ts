/**
 * Kubernetes API errors (apimachinery's api/errors): each carries the HTTP
 * code, the Status reason and details, and renders as a `Status` object.
 * `fromStoreError` is the one place store errors become API errors.
 * @module
 */
import { CompactedError, ConflictError, KeyExistsError, NotFoundError as StoreNotFound, TooLargeError, UnavailableError, isStoreError } from '../store/index.js';
import type { Status as WireStatus, StatusDetails } from '../api/index.js';

export type { StatusCause, StatusDetails } from '../api/index.js';

/** The Status this server writes: always apiVersion v1 and a status. */
export interface Status extends WireStatus {
  apiVersion: 'v1';
  metadata: Record<string, never> | { resourceVersion?: string };
  status: 'Success' | 'Failure';
}

export class StatusError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
    readonly details?: StatusDetails,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'StatusError';
  }

  toStatus(): Status {
    const s: Status = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: this.message, reason: this.reason, code: this.code };
    if (this.details) s.details = this.details;
    return s;
  }
}

/** `pods "x" not found`; resource is qualified with the group (`deployments.apps`). */
const qualified = (resource: string, group: string) => (group ? `${resource}.${group}` : resource);

export const errors = {
  notFound: (group: string, resource: string, name: string) =>
    new StatusError(404, 'NotFound', `${qualified(resource, group)} "${name}" not found`, { name, group: group || undefined, kind: resource }),
  alreadyExists: (group: string, resource: string, name: string) =>
    new StatusError(409, 'AlreadyExists', `${qualified(resource, group)} "${name}" already exists`, { name, group: group || undefined, kind: resource }),
  conflict: (group: string, resource: string, name: string, detail: string) =>
    new StatusError(409, 'Conflict', `Operation cannot be fulfilled on ${qualified(resource, group)} "${name}": ${detail}`, {
      name,
      group: group || undefined,
      kind: resource,
    }),
  invalid: (group: string, kind: string, name: string, causes: Array<{ type: string; field: string; message: string }>) => {
    const seen = new Set<string>();
    const lines: string[] = [];
    for (const c of causes) {
      const line = `${c.field}: ${c.message}`;
      if (!seen.has(line)) lines.push(line);
      seen.add(line);
    }
    const what = `${kind}${group ? `.${group}` : ''}`;
    const msg = `${what} "${name}" is invalid: ${lines.length === 1 ? lines[0] : `[${lines.join(', ')}]`}`;
    return new StatusError(422, 'Invalid', msg, {
      name,
      group: group || undefined,
      kind,
      causes: causes.map((c) => ({ reason: c.type, message: c.message, field: c.field })),
    });
  },
  badRequest: (message: string) => new StatusError(400, 'BadRequest', message),
  unauthorized: () => new StatusError(401, 'Unauthorized', 'Unauthorized'),
  forbidden: (message: string, details?: StatusDetails) => new StatusError(403, 'Forbidden', message, details),
  methodNotAllowed: (message = 'the server does not allow this method on the requested resource') => new StatusError(405, 'MethodNotAllowed', message),
  notAcceptable: (message: string) => new StatusError(406, 'NotAcceptable', message),
  gone: (message: string) => new StatusError(410, 'Expired', message),
  tooLarge: (message = 'Request entity too large: limit is 3145728') => new StatusError(413, 'RequestEntityTooLarge', message),
  unsupportedMediaType: (type: string) => new StatusError(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf (got ${type})`),
  tooManyRequests: (message: string, retryAfterSeconds = 1) => new StatusError(429, 'TooManyRequests', message, { retryAfterSeconds }),
  internal: (message: string, cause?: unknown) => new StatusError(500, 'InternalError', `Internal error occurred: ${message}`, { causes: [{ message }] }, { cause }),
  unavailable: (message: string) => new StatusError(503, 'ServiceUnavailable', message),
  timeout: (message: string) => new StatusError(504, 'Timeout', message),
};

/** The one mapping from store errors to API errors. */
export function fromStoreError(err: unknown, group: string, resource: string, name: string): StatusError {
  if (err instanceof StatusError) return err;
  if (!isStoreError(err)) return errors.internal(err instanceof Error ? err.message : String(err), err);
  if (err instanceof KeyExistsError) return errors.alreadyExists(group, resource, name);
  if (err instanceof StoreNotFound) return errors.notFound(group, resource, name);
  if (err instanceof ConflictError) return errors.conflict(group, resource, name, 'the object has been modified; please apply your changes to the latest version and try again');
  if (err instanceof CompactedError) return errors.gone(`The resourceVersion for the provided list is too old.`);
  if (err instanceof TooLargeError) return errors.tooLarge('etcdserver: request is too large');
  if (err instanceof UnavailableError) return errors.unavailable(`storage is unavailable: ${err.message}`);
  return errors.internal(err.message, err);
}
