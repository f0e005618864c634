/**
 * Errors the client raises: `ApiError` carries the server's `Status` (code,
 * reason, message, details) as apimachinery's `StatusError` does; the
 * predicates mirror `k8s.io/apimachinery/pkg/api/errors` (IsNotFound, …).
 */
import { REASON_BY_CODE, type Status, type StatusDetails } from '../api/index.js';

export type { Status, StatusCause, StatusDetails } from '../api/index.js';

/** An error Status from the API server (HTTP status or a watch ERROR event). */
export class ApiError extends Error {
  readonly code: number;
  readonly reason: string;
  readonly details: StatusDetails | undefined;

  constructor(readonly status: Status) {
    super(status.message || status.reason || `the server responded with HTTP ${status.code}`);
    this.name = 'ApiError';
    this.code = status.code;
    this.reason = status.reason ?? REASON_BY_CODE[status.code] ?? 'Unknown';
    this.details = status.details;
  }
}

/** 410 Gone / Expired: the requested resourceVersion is compacted away; relist. */
export class ExpiredError extends ApiError {
  constructor(status: Status) {
    super(status);
    this.name = 'ExpiredError';
  }
}

/** The right class for a Status. */
export function errorFromStatus(status: Status): ApiError {
  return status.code === 410 || status.reason === 'Expired' || status.reason === 'Gone' ? new ExpiredError(status) : new ApiError(status);
}

/** Build an ApiError from an HTTP reply: its Status body, or a synthetic Status when the body is something else. */
export function errorFromResponse(code: number, body: string): ApiError {
  try {
    const parsed = JSON.parse(body) as unknown;
    if (typeof parsed === 'object' && parsed !== null && (parsed as { kind?: unknown }).kind === 'Status') {
      const s = parsed as Status;
      return errorFromStatus({ ...s, code: typeof s.code === 'number' && s.code > 0 ? s.code : code });
    }
  } catch {
    // not JSON: fall through
  }
  const reason = REASON_BY_CODE[code] ?? 'Unknown';
  const message = body.trim() ? `the server responded with HTTP ${code}: ${body.trim().slice(0, 500)}` : `the server responded with HTTP ${code}`;
  return errorFromStatus({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', code, reason, message });
}

const is = (reason: string, code: number) => (e: unknown): boolean =>
  e instanceof ApiError && (e.reason === reason || (e.reason === 'Unknown' && e.code === code));

export const isNotFound = is('NotFound', 404);
export const isAlreadyExists = is('AlreadyExists', 409);
export const isConflict = is('Conflict', 409);
export const isInvalid = is('Invalid', 422);
export const isForbidden = is('Forbidden', 403);
export const isTooManyRequests = is('TooManyRequests', 429);
export const isExpired = (e: unknown): boolean => e instanceof ExpiredError;

/** The request was cancelled through its AbortSignal. */
export function isAbort(e: unknown): boolean {
  return e instanceof Error && (e.name === 'AbortError' || (e as { code?: unknown }).code === 'ABORT_ERR');
}
