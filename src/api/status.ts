/**
 * meta/v1 Status as it travels between server and client: the shapes both
 * the API server's errors (src/apiserver/errors.ts) and the client's
 * (src/client/errors.ts) use, and the reason each HTTP code stands for
 * (apimachinery's api/errors and client-go's NewGenericServerResponse).
 * @module
 */

export interface StatusCause {
  reason?: string;
  message?: string;
  field?: string;
}

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: StatusCause[];
  retryAfterSeconds?: number;
}

/** meta/v1 Status, as the server sends it for errors (and some successes). */
export interface Status {
  kind: 'Status';
  apiVersion: string;
  metadata: { resourceVersion?: string; continue?: string };
  status?: 'Success' | 'Failure';
  message?: string;
  reason?: string;
  details?: StatusDetails;
  code: number;
}

/** The Status reason of each HTTP code the API server answers errors with. */
export const REASON_BY_CODE: Readonly<Record<number, string>> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  405: 'MethodNotAllowed',
  406: 'NotAcceptable',
  409: 'Conflict',
  410: 'Expired',
  413: 'RequestEntityTooLarge',
  415: 'UnsupportedMediaType',
  422: 'Invalid',
  429: 'TooManyRequests',
  500: 'InternalError',
  503: 'ServiceUnavailable',
  504: 'Timeout',
};
